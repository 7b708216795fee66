"""``python -m smtpsim``: the ``smtpsim`` command."""

from smtpsim.cli import main

if __name__ == "__main__":
    main()
