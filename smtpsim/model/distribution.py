"""Random quantities of a run (server processing times, message sizes, gaps), drawn from the
run's own generators, never from a module-level one."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Distribution", "cost"]


@dataclass(frozen=True, slots=True)
class Distribution:
    """A random quantity, drawn from the run's own generator.

    ``kind``: "fixed" (``a`` is the value), "exponential" (``a`` the mean), "lognormal"
    (``a`` the median, ``b`` sigma of the log), "uniform" (``a`` to ``b``), or "empirical"
    (``quantiles``: (cumulative probability, value) pairs from p = 0 to p = 1, linearly
    interpolated: the inverse-CDF method).
    """

    kind: Literal["fixed", "exponential", "lognormal", "uniform", "empirical"] = "fixed"
    a: float = 0.0
    b: float = 0.0
    quantiles: tuple[tuple[float, float], ...] = ()

    @classmethod
    def fixed(cls, value: float) -> Distribution:
        return cls("fixed", value)

    def sample(self, rng: Any) -> float:
        kind = self.kind
        if kind == "fixed":
            return self.a
        if kind == "exponential":
            return float(rng.exponential(self.a))
        if kind == "lognormal":
            return float(self.a * math.exp(self.b * rng.standard_normal()))
        if kind == "uniform":
            return float(rng.uniform(self.a, self.b))
        u = float(rng.random())
        points = self.quantiles
        for (p0, v0), (p1, v1) in zip(points, points[1:], strict=False):
            if u <= p1:
                return v0 + (v1 - v0) * (u - p0) / (p1 - p0) if p1 > p0 else v1
        return points[-1][1]

    @property
    def mean(self) -> float:
        """The expected value (for reports and tests)."""
        kind = self.kind
        if kind in ("fixed", "exponential"):
            return self.a
        if kind == "lognormal":
            return self.a * math.exp(self.b * self.b / 2.0)
        if kind == "uniform":
            return (self.a + self.b) / 2.0
        points = self.quantiles
        pairs = zip(points, points[1:], strict=False)
        return sum((p1 - p0) * (v0 + v1) / 2.0 for (p0, v0), (p1, v1) in pairs)


def cost(value: float | Distribution, rng: Any) -> float:
    """A processing time: ``value`` itself, or a draw from it when it is a distribution."""
    if isinstance(value, Distribution):
        return max(0.0, value.sample(rng))
    return value
