"""The ``smtpsim`` command (``smtpsim = "smtpsim.cli:main"``): the typer app in
``smtpsim.cli.app``, its shared options in ``options``, what it prints in ``views`` and
``listings``, how ``run`` meets its output and its end in ``run_output`` (its execution
options in ``run_options``), how it reports bad input in ``errors``, ``trace`` in ``tracing``,
and ``plot`` and ``report`` (pictures of results on disk) in ``plotting``, the files they
write in ``figure_files``."""

from smtpsim.cli import plotting as _plotting  # noqa: F401  (registers plot and report)
from smtpsim.cli import tracing as _tracing  # noqa: F401  (registers trace)
from smtpsim.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point (``smtpsim = smtpsim.cli:main``)."""
    app()
