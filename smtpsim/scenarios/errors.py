"""Errors raised while turning names and numbers into simulator configuration.

All are ``ValueError`` subclasses with a one-line message meant to be shown to the user as is
(the CLI prints ``str(error)``); the attributes carry the parts for callers that re-word them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from smtpsim.scenarios.show import value as show

__all__ = [
    "MISSING", "InvalidValueError", "ScenarioError", "UnknownNameError", "VariantError",
    "did_you_mean",
    "wrong",
]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: The value of a key or option that was not given: there is no bad value to show.
MISSING: Any = _Missing()


def did_you_mean(name: str, allowed: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the close matches of ``name`` in ``allowed`` (difflib, as
    :class:`UnknownNameError`), or ``""`` when there are none."""
    matches = difflib.get_close_matches(name, sorted(set(allowed)), n=3, cutoff=0.6)
    if not matches:
        return ""
    return " (did you mean " + " or ".join(repr(s) for s in matches) + "?)"


class UnknownNameError(ValueError):
    """A name that is not one of the allowed ones.

    ``str(e)`` is e.g. ``unknown profile 'ltee' (did you mean 'lte'?); allowed: 3g, 5g, ...``;
    ``context`` (e.g. the whole variant expression) is added as `` in <context>``.
    ``suggestions`` are the close matches found by :func:`difflib.get_close_matches`.
    """

    def __init__(self, kind: str, name: str, allowed: Iterable[str], context: str = "") -> None:
        self.kind = kind
        self.name = name
        self.allowed: tuple[str, ...] = tuple(sorted(set(allowed)))
        self.suggestions: tuple[str, ...] = tuple(
            difflib.get_close_matches(name, self.allowed, n=3, cutoff=0.6)
        )
        hint = ""
        if self.suggestions:
            hint = " (did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?)"
        where = f" in {context}" if context else ""
        super().__init__(
            f"unknown {kind} {name!r}{where}{hint}; allowed: {', '.join(self.allowed)}"
        )


def wrong(value: Any, allowed: str, hint: str = "") -> str:
    """What is wrong with a value, as every error line says it: ``bad value X (did you mean
    'y'?); allowed: ...``, or for a :data:`MISSING` one ``missing; required: ...``."""
    if value is MISSING:
        return f"missing{hint}; required: {allowed}"
    return f"bad value {show(value)}{hint}; allowed: {allowed}"


class InvalidValueError(ValueError):
    """A value an option does not allow, or an option that is missing.

    ``str(e)`` is ``<label>: bad value <value>[ (did you mean ...)]; allowed: <allowed>``,
    e.g. ``--loss: bad value 1.5; allowed: a number in [0, 1] (a probability)``, or with
    ``value`` :data:`MISSING` ``<label>: missing; required: <allowed>``: a scenario file's
    problem line, with the option in place of the file and key. ``label`` defaults to the
    CLI option spelling of ``param`` (``rtt_ms`` -> ``--rtt-ms``).
    """

    def __init__(
        self, param: str, value: Any, allowed: str, label: str | None = None, hint: str = ""
    ) -> None:
        self.param = param
        self.value = value
        self.allowed = allowed
        self.hint = hint
        self.label = label if label is not None else "--" + param.replace("_", "-")
        super().__init__(f"{self.label}: {wrong(value, allowed, hint)}")


class VariantError(ValueError):
    """A variant expression whose tokens cannot hold together (e.g. HELO with PIPELINING)."""


class ScenarioError(ValueError):
    """A scenario file that cannot be used: one line per problem.

    ``problems`` are the lines, each ``<file>: <key path>: <what is wrong>; allowed: <...>``
    (or ``<file>: line L, column C: ...`` for a TOML syntax error); ``str(e)`` joins them with
    newlines.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(self.problems))
