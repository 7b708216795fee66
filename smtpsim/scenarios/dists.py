"""Random quantities in a scenario file: a bare number, or a table with ``dist = "<kind>"``.

The unit is in the key that holds the quantity (``gap_s``, ``size_bytes``), so the
parameters are in that unit: ``size_bytes = {dist = "lognormal", median = 20000, sigma = 1.5}``.
Each model becomes a :class:`~smtpsim.model.Distribution` (``config``, with an
optional unit change: ``config(1e-3)`` for a quantity written in ms).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from smtpsim.model import Distribution
from smtpsim.scenarios.fields import MISSING, fail, number
from smtpsim.scenarios.show import number as num

__all__ = [
    "DIST_KINDS",
    "Dist",
    "Empirical",
    "Exponential",
    "Fixed",
    "LogNormal",
    "Uniform",
    "check_support",
]

_Param = Annotated[float, number(ge=0)]
_Prob = Annotated[float, number(ge=0, le=1, what="cumulative probability")]


def _scale(value: float, scale: float) -> float:
    """``value`` in another unit: ``scale`` 1e-3 turns ms into s (by dividing by 1000, as
    every other ms value is converted)."""
    return value / 1000.0 if scale == 1e-3 else value * scale


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fixed(_Dist):
    """Always ``value``."""

    dist: Literal["fixed"] = "fixed"
    value: _Param

    def config(self, scale: float = 1.0) -> Distribution:
        return Distribution.fixed(_scale(self.value, scale))


class Exponential(_Dist):
    """Exponential with mean ``mean`` (memoryless: Poisson arrivals, think times)."""

    dist: Literal["exponential"]
    mean: Annotated[float, number(gt=0)]

    def config(self, scale: float = 1.0) -> Distribution:
        return Distribution("exponential", _scale(self.mean, scale))


class LogNormal(_Dist):
    """Log-normal with median ``median`` and ``sigma`` the standard deviation of the log."""

    dist: Literal["lognormal"]
    median: Annotated[float, number(gt=0)]
    sigma: Annotated[float, number(ge=0, le=10, what="standard deviation of the log")]

    def config(self, scale: float = 1.0) -> Distribution:
        return Distribution("lognormal", _scale(self.median, scale), self.sigma)


class Uniform(_Dist):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: _Param
    high: _Param

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise fail(f"a number >= low ({num(self.low)})", key=("high",), value=self.high)
        return self

    def config(self, scale: float = 1.0) -> Distribution:
        return Distribution("uniform", _scale(self.low, scale), _scale(self.high, scale))


class Empirical(_Dist):
    """An empirical quantile table: ``[[p, value], ...]`` from p = 0 to p = 1, both columns
    non-decreasing, linearly interpolated (inverse-CDF sampling)."""

    dist: Literal["empirical"]
    quantiles: tuple[tuple[_Prob, _Param], ...]

    @model_validator(mode="after")
    def _table(self) -> Empirical:
        q = self.quantiles
        allowed = (
            "at least two [p, value] rows, p from 0 to 1, both columns non-decreasing"
        )
        if len(q) < 2:
            raise fail(allowed, key=("quantiles",), value=q)
        if q[0][0] != 0.0:
            raise fail("0 (the first row is p = 0)", key=("quantiles", 0, 0), value=q[0][0])
        if q[-1][0] != 1.0:
            raise fail("1 (the last row is p = 1)", key=("quantiles", len(q) - 1, 0),
                       value=q[-1][0])
        for i, ((p0, v0), (p1, v1)) in enumerate(zip(q, q[1:], strict=False), start=1):
            if p1 < p0:
                raise fail(f"a probability >= {num(p0)} (non-decreasing)", key=("quantiles", i, 0),
                           value=p1)
            if v1 < v0:
                raise fail(f"a value >= {num(v0)} (non-decreasing)", key=("quantiles", i, 1),
                           value=v1)
        return self

    def config(self, scale: float = 1.0) -> Distribution:
        q = tuple((p, _scale(v, scale)) for p, v in self.quantiles)
        return Distribution("empirical", quantiles=q)


DIST_KINDS = ("fixed", "exponential", "lognormal", "uniform", "empirical")

_TABLE = (
    "a number, or a table {dist = \"fixed\" | \"exponential\" | \"lognormal\" | \"uniform\""
    " | \"empirical\", ...}"
)


def _bare_number(value: Any) -> Any:
    """A bare number is ``{dist = "fixed", value = n}``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    if not isinstance(value, dict):
        raise fail(_TABLE)
    if "dist" not in value:
        raise fail("one of " + ", ".join(DIST_KINDS), key=("dist",), value=MISSING)
    if isinstance(value["dist"], str):  # a choice: case-insensitive (fields.choice)
        return {**value, "dist": value["dist"].casefold()}
    return value


#: A random quantity as written in the file.
Dist = Annotated[
    Fixed | Exponential | LogNormal | Uniform | Empirical,
    Field(discriminator="dist"),
    BeforeValidator(_bare_number),
]


def check_support(
    d: Fixed | Exponential | LogNormal | Uniform | Empirical,
    low: float,
    high: float | None,
    what: str,
    integer: bool = False,
) -> None:
    """Raise :func:`fail` (keyed below the field) unless every value ``d`` can take is in
    [``low``, ``high``]; a fixed value must also be whole with ``integer``. ``high`` None:
    no upper bound; with a bound, unbounded kinds (exponential, lognormal) are refused."""
    bound = f"in [{num(low)}, {num(high)}]" if high is not None else f">= {num(low)}"
    kind = "a whole number" if integer else "a number"

    def check(key: tuple[str | int, ...], value: float) -> None:
        if value < low or (high is not None and value > high):
            raise fail(f"{kind} {bound} ({what})", key=key, value=value)

    if isinstance(d, Fixed):
        if integer and not float(d.value).is_integer():
            raise fail(f"{kind} {bound} ({what})", key=("value",), value=d.value)
        check(("value",), d.value)
    elif isinstance(d, Uniform):
        check(("low",), d.low)
        check(("high",), d.high)
    elif isinstance(d, Empirical):
        for i, (_, v) in enumerate(d.quantiles):
            check(("quantiles", i, 1), v)
    elif high is not None:
        raise fail(
            f"one of fixed, uniform, empirical ({what} must stay {bound})",
            key=("dist",), value=d.dist,
        )
