"""Checked field types for the scenario schema, each with the sentence that says what it allows.

Every check runs *before* pydantic's own coercion, so the file is read as strictly as it is
written: ``"10"`` is not a number, ``3.0`` is not a whole number, ``1`` is not ``true``. A
failed check raises :func:`fail`'s error, whose ``allowed`` text (``"a number in [0, 1]"``)
ends the user's error line; ``allowed_text`` finds the same text for a missing key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from smtpsim.scenarios.errors import MISSING, did_you_mean
from smtpsim.scenarios.show import number as num

__all__ = [
    "ERROR_TYPE",
    "MAX_RTT_MS",
    "MISSING",
    "Check",
    "Flag",
    "Kbps",
    "Line",
    "Ms",
    "Name",
    "Prob",
    "RttMs",
    "Seconds",
    "Spec",
    "Text",
    "allowed_text",
    "choice",
    "fail",
    "number",
]

#: The pydantic error type of every check here.
ERROR_TYPE = "scenario"


def fail(
    allowed: str, *, key: Iterable[str | int] = (), hint: str = "", value: Any = None
) -> PydanticCustomError:
    """The error to raise from a check.

    ``key``: the path below the field or model being validated (a model-level check names
    the key it blames); ``hint``: e.g. `` (did you mean 'lte'?)``; ``value``: the bad value
    when it is not the validated input itself (a model-level check), or :data:`MISSING`.
    """
    ctx: dict[str, Any] = {"allowed": allowed, "hint": hint, "key": tuple(key)}
    if value is not None:
        ctx["value"] = value
    return PydanticCustomError(ERROR_TYPE, "{allowed}", ctx)


class Check:
    """A before-validator function that knows its ``allowed`` sentence."""

    def __init__(self, allowed: str, check: Callable[[Any], Any]) -> None:
        self.allowed = allowed
        self._check = check

    def __call__(self, value: Any) -> Any:
        return self._check(value)


def allowed_text(field: FieldInfo) -> str | None:
    """The ``allowed`` sentence of a field declared with one of this module's types."""
    for item in field.metadata:
        func = getattr(item, "func", None)
        if isinstance(func, Check):
            return func.allowed
    return None


def _interval(gt: float | None, ge: float | None, lt: float | None, le: float | None) -> str:
    low = f"({num(gt)}" if gt is not None else f"[{num(ge)}" if ge is not None else None
    high = f"{num(lt)})" if lt is not None else f"{num(le)}]" if le is not None else None
    if low and high:
        return f" in {low}, {high}"
    if gt is not None:
        return f" > {num(gt)}"
    if ge is not None:
        return f" >= {num(ge)}"
    if lt is not None:
        return f" < {num(lt)}"
    if le is not None:
        return f" <= {num(le)}"
    return ""


def number(
    unit: str = "",
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    integer: bool = False,
    what: str = "",
) -> BeforeValidator:
    """A check for a finite number (a whole one with ``integer``) in the given range.

    The allowed text reads e.g. ``a number > 0 (kbit/s)`` or
    ``a whole number in [1, 1000] (recipients)``.
    """
    kind = "a whole number" if integer else "a number"
    notes = ", ".join(x for x in (unit, what) if x)
    allowed = kind + _interval(gt, ge, lt, le) + (f" ({notes})" if notes else "")

    def check(value: Any) -> Any:
        ok_type = int if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type):
            raise fail(allowed)
        if not math.isfinite(value):
            raise fail(allowed)
        if (
            (gt is not None and not value > gt)
            or (ge is not None and not value >= ge)
            or (lt is not None and not value < lt)
            or (le is not None and not value <= le)
        ):
            raise fail(allowed)
        return value

    return BeforeValidator(Check(allowed, check))


def choice(names: Iterable[str], what: str = "") -> BeforeValidator:
    """A check for one of ``names``, with a did-you-mean hint.

    Choices are case-insensitive, in files and options alike (``"WARM"``, ``--server
    Ideal``): the value is kept as ``names`` spell it. Names made up by the user (a
    profile's or variant's ``name``) are not choices: they are lower-case (:data:`Name`).
    """
    allowed_names = tuple(names)
    by_case = {n.casefold(): n for n in allowed_names}
    allowed = "one of " + ", ".join(allowed_names) + (f" ({what})" if what else "")

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise fail(allowed)
        if value.casefold() not in by_case:
            raise fail(allowed, hint=did_you_mean(value.casefold(), allowed_names))
        return by_case[value.casefold()]

    return BeforeValidator(Check(allowed, check))


def _text(value: Any) -> Any:
    if not isinstance(value, str) or "\n" in value:
        raise fail("a one-line string")
    return value.strip()


def _line(value: Any) -> Any:
    if not isinstance(value, str) or "\n" in value or not value.strip():
        raise fail("a non-empty one-line string")
    return value.strip()


_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789.-_+")
_NAME_ALLOWED = "a name of lower-case letters, digits and . - _ + (at most 128 characters)"


def _name(value: Any) -> Any:
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= 128
        or not set(value) <= _NAME_CHARS
    ):
        raise fail(_NAME_ALLOWED)
    return value


def _flag(value: Any) -> Any:
    if not isinstance(value, bool):
        raise fail("true or false")
    return value


#: One line of free text.
Text = Annotated[str, BeforeValidator(Check("a one-line string", _text))]
#: One non-empty line of text (a data file's descriptions and sources).
Line = Annotated[str, BeforeValidator(Check("a non-empty one-line string", _line))]
#: A name used in records and tables (profile, variant, scenario).
Name = Annotated[str, BeforeValidator(Check(_NAME_ALLOWED, _name))]
#: A TOML boolean.
Flag = Annotated[bool, BeforeValidator(Check("true or false", _flag))]


class Spec(BaseModel):
    """A table of a scenario or data file: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


MAX_RTT_MS = 10_000.0
"""Largest accepted RTT (10 s: beyond any terrestrial or GEO path, with room for queueing)."""

#: Quantities, with their unit in the key (``delay_up_ms``, ``up_kbps``, ``gap_s``).
Ms = Annotated[float, number("ms", ge=0)]
RttMs = Annotated[float, number("ms", gt=0, le=MAX_RTT_MS)]
Kbps = Annotated[float, number("kbit/s", gt=0)]
Prob = Annotated[float, number(ge=0, le=1, what="a probability")]
Seconds = Annotated[float, number("s", ge=0)]
