"""The package's version (``pyproject.toml`` reads it from here; ``smtpsim --version``)."""

__version__ = "0.2.0"
