"""How a value is shown to the user: as it is written in a scenario file or on the command
line, the same in error messages, sweep labels, tables and the TOML the loader writes back.

* :func:`number` a number as a person writes it: ``1000000`` and ``0``, not ``1e+06`` or
  ``0.0``; ``0.5`` as is. :func:`rounded` the same for a computed number, to 6 significant
  digits (``14`` for 14.000000000000002).
* :func:`value` a value as written in a file, for messages: ``true``, ``'lte'``, ``1.5``,
  ``[0, 1]``, ``{p_gb = 0.1}``, shortened past 60 characters. :func:`bare` the same without
  quotes, for labels (``affinity=0.5``, ``state=warm``).
* :func:`literal` and :func:`key` the exact TOML text that reads back to the same value (a
  float stays a float: ``1000000.0``).
* :func:`cell` a table cell: fixed decimals, ``—`` for a missing (NaN) number.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["bare", "cell", "key", "literal", "number", "rounded", "value"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def number(x: float) -> str:
    """``x`` as written: a whole number without a point or exponent, others as Python reads
    them back (``0.1``, ``1e-07``)."""
    if isinstance(x, float) and math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x)) if isinstance(x, float) else str(x)


def rounded(x: float, digits: int = 6) -> str:
    """A computed number (ms from seconds, kbit/s from bit/s) to ``digits`` significant
    digits, then as :func:`number` writes it."""
    return number(float(f"{x:.{digits}g}"))


def _write(
    x: Any, text: Callable[[str], str], num: Callable[[Any], str], other: Callable[[Any], str]
) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, str):
        return text(x)
    if isinstance(x, int | float):
        return num(x)
    if isinstance(x, Mapping):
        items = (f"{key(str(k))} = {_write(v, text, num, other)}" for k, v in x.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(x, list | tuple):
        return "[" + ", ".join(_write(v, text, num, other) for v in x) + "]"
    return other(x)


def value(x: Any, limit: int = 60) -> str:
    """``x`` as written in a scenario file, for a message; cut to ``limit`` characters."""
    shown = _write(x, repr, number, str)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def bare(x: Any) -> str:
    """Like :func:`value`, a string without its quotes (labels)."""
    return x if isinstance(x, str) else value(x)


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _unwritable(x: Any) -> str:
    raise TypeError(f"cannot write {type(x).__name__} as TOML")


def literal(x: Any) -> str:
    """The TOML text of ``x`` that ``tomllib`` reads back to an equal value (floats by
    ``repr``: ``nan``, ``inf`` and ``1000000.0`` included)."""
    return _write(x, _toml_string, repr, _unwritable)


def key(name: str) -> str:
    """A TOML key: bare when it can be, else quoted (``"server.farm.affinity"``)."""
    return name if _BARE_KEY.match(name) else _toml_string(name)


def cell(x: float, digits: int = 1) -> str:
    """A number in a table: ``digits`` decimals, or ``—`` when it is missing (NaN)."""
    return "—" if math.isnan(x) else f"{x:.{digits}f}"
