"""How the ``smtpsim`` command reports bad input: one line ``error: <message>`` on stderr and
exit status 2, never a traceback.

A scenario file's problems are printed one per line as they are
(``FILE: key.path: bad value X; allowed: ...``), also with status 2. :func:`user_errors` turns
a ``ValueError`` from the API or the scenario modules into one of these.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

try:  # recent typer vendors click as typer._click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover - older typer depends on click
    from click.exceptions import (  # type: ignore[assignment]
        ClickException,
        NoArgsIsHelpError,
    )

__all__ = ["USAGE_ERROR", "OneLineErrors", "ScenarioProblems", "UserError", "fail", "user_errors"]

USAGE_ERROR = 2


class UserError(ClickException):
    """Bad input, reported as ``error: <message>`` with status 2."""

    exit_code = USAGE_ERROR


class ScenarioProblems(UserError):
    """A scenario file's problems, printed one per line as they are (status 2)."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__(lines[0] if lines else "invalid scenario")
        self.lines = list(lines)


def fail(message: str) -> NoReturn:
    """Stop the command with ``error: <message>`` (status 2)."""
    raise UserError(message)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a ``ValueError`` from the API or the scenario modules into a ``UserError`` (a
    scenario file's problems into ``ScenarioProblems``)."""
    try:
        yield
    except ValueError as e:
        problems = getattr(e, "problems", None)
        if problems:
            raise ScenarioProblems(problems) from e
        raise UserError(str(e)) from e


class OneLineErrors(TyperGroup):
    """Reports every usage error as one ``error: ...`` line on stderr, status 2."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as e:
            if e.format_message():  # with rich help the help is already printed
                typer.echo(e.format_message())
            rv = USAGE_ERROR
        except ScenarioProblems as e:
            for line in e.lines:
                typer.echo(line, err=True)
            rv = USAGE_ERROR
        except ClickException as e:
            message = " ".join(e.format_message().split())
            typer.echo(f"error: {message}", err=True)
            rv = USAGE_ERROR
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            rv = 1
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)
