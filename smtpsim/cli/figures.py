"""How the tables write a number: a fixed number of significant digits, never an exponent,
and a time in the unit its column's size asks for (µs, ms or s), named in the header.

A cell is never cut: :func:`significant` writes every digit left of the point (``13716``
with four significant digits is ``13716``, not ``1.372e+04``), so a column is as wide as its
longest number and the table is fitted around it (``smtpsim.cli.render``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["MISSING", "RATIO_DIGITS", "TIME_DIGITS", "count", "significant", "time_unit"]

#: The cell of a missing (NaN) number.
MISSING = "—"
#: Significant digits of a time.
TIME_DIGITS = 4
#: Significant digits of a ratio or a mean number of round trips.
RATIO_DIGITS = 3

#: (unit, factor from seconds), smallest first.
_UNITS = (("µs", 1e6), ("ms", 1e3), ("s", 1.0))


def significant(x: float, digits: int = TIME_DIGITS) -> str:
    """``x`` with ``digits`` significant digits in fixed-point notation (``0.5240``,
    ``30.21``, ``7231``; every integer digit kept: ``13716``), ``0`` for zero and
    :data:`MISSING` for NaN."""
    if math.isnan(x):
        return MISSING
    if x == 0 or math.isinf(x):
        return "0" if x == 0 else str(x)
    # the exponent of x rounded to `digits` (9.99996 rounds to 10.00, not 9.9999...)
    exponent = int(f"{x:.{digits - 1}e}".split("e")[1])
    return f"{x:.{max(0, digits - 1 - exponent)}f}"


def count(x: float) -> str:
    """A whole number (a count), :data:`MISSING` for NaN."""
    return MISSING if math.isnan(x) else str(int(x))


def time_unit(seconds: Iterable[float], digits: int = TIME_DIGITS) -> tuple[str, float]:
    """``(unit, factor)`` for a column of times in seconds: the unit (µs, ms or s) in which
    its widest cell, at ``digits`` significant digits, is narrowest; the larger unit on a
    tie, ms for a column with no number. A column of 30 ms to 7 s is in ms (``30.21`` to
    ``7231``), one of 1000 s and more in s (``1372``, not ``1371556``), 13.7 s alone in s
    (``13.70``, not ``13700``)."""
    finite = [x for x in seconds if math.isfinite(x)]
    if not finite:
        return _UNITS[1]
    return min(reversed(_UNITS), key=lambda unit: max(
        len(significant(x * unit[1], digits)) for x in finite))
