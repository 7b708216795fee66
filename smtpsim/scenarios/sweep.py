"""Sweeps: the points of ``[sweep]``, counted without being made, and made one at a time.

A key path names a field of ``[workload]`` or ``[server]`` (``server.farm.frontends``,
``server.timing_ms.rcpt``) or ``profile.<key>``, which sets that key in every ``[[profile]]``.
Each point is the scenario with its values written in and validated again, so a swept value
obeys the same rules as one written in place.

Designs (``[sweep] design``):

* ``grid`` (the default): every combination of the axes' value lists, the first axis varying
  slowest: point ``i`` is ``i`` written in the mixed radix of the axes' lengths.
* ``random``: ``samples`` points, each axis drawn independently. Point ``i`` draws one
  uniform number ``u`` in [0, 1) per axis, in the order the axes are written, from
  ``numpy.random.default_rng(numpy.random.SeedSequence([seed, DESIGN_KEY, i])).random``,
  where ``seed`` is the scenario's ``[scenario] seed``: the points depend on the seed, the
  axes and the index only (a run with more samples begins with the same points).
* ``lhs``: a Latin hypercube of ``samples`` points (McKay, Beckman and Conover 1979: each
  axis's range cut into ``samples`` equal strata, one point in each), drawn by
  ``scipy.stats.qmc.LatinHypercube(d, rng=numpy.random.default_rng(
  numpy.random.SeedSequence([seed, DESIGN_KEY])))`` ``.random(samples)``, row ``i`` being
  point ``i``: the whole design depends on the seed, the number of axes and ``samples``.

A uniform number ``u`` becomes an axis value: from a value list of ``n`` values, the value
``floor(u n)``; from a range ``{min, max}``, ``min + u (max - min)`` (``scale = "linear"``)
or ``exp(ln min + u (ln max - ln min))`` (``"log"``). For a key that takes whole numbers
the range is ``lo = ceil(min)`` to ``hi = floor(max)`` and the value ``floor`` of the draw on
[``lo``, ``hi + 1``) (log: between ``ln lo`` and ``ln(hi + 1)``), at most ``hi``: every whole
number equally likely on a linear scale.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from smtpsim.scenarios.schema import AxisRange, Scenario, SweepAxis, path_kinds, sweepable_paths
from smtpsim.scenarios.show import bare

__all__ = [
    "DESIGN_KEY", "Point", "axis_examples", "check_axes", "iter_points", "label", "point",
    "point_count", "point_values", "points", "sweepable_paths",
]

DESIGN_KEY = 0x7377656570
"""Mixed into the seed of a random design's draws (``"sweep"`` in ASCII), so they are not
the streams of any run (``SeedSequence([seed, replication])``)."""


@dataclass(frozen=True, slots=True)
class Point:
    """One sweep point: its index, the axis values (by key path) and the scenario with
    those values in place (and no sweep)."""

    index: int
    values: dict[str, Any]
    scenario: Scenario

    @property
    def label(self) -> str:
        """``affinity=0.5 frontends=4`` (the last part of each path), or ``""`` without a
        sweep."""
        return label(self.values)


def label(values: dict[str, Any]) -> str:
    """``affinity=0.5 frontends=4``: the last part of each axis path and its value as
    written, or ``""`` without a sweep."""
    return " ".join(f"{path.rsplit('.', 1)[-1]}={bare(v)}" for path, v in values.items())


def point_count(scenario: Scenario) -> int:
    """How many points ``scenario``'s sweep makes (1 without one); nothing is made."""
    return scenario.sweep.point_count


# ---------------------------------------------------------------- values from an index
def _grid(axes: tuple[SweepAxis, ...], index: int) -> list[Any]:
    out = []
    for axis in reversed(axes):  # the last axis varies fastest
        values = axis.values or ()
        index, j = divmod(index, len(values))
        out.append(values[j])
    return out[::-1]


@functools.lru_cache(maxsize=4)
def _hypercube(seed: int, axes: int, samples: int) -> np.ndarray:
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence([seed, DESIGN_KEY]))
    return np.asarray(qmc.LatinHypercube(axes, rng=rng).random(samples))


def _uniforms(scenario: Scenario, index: int) -> list[float]:
    sweep, seed = scenario.sweep, scenario.scenario.seed
    if sweep.design == "lhs":
        return [float(u) for u in _hypercube(seed, len(sweep.axes), int(sweep.samples or 1))[index]]
    rng = np.random.default_rng(np.random.SeedSequence([seed, DESIGN_KEY, index]))
    return [float(u) for u in rng.random(len(sweep.axes))]


def _from_range(r: AxisRange, u: float, integer: bool) -> int | float:
    if integer:
        lo, hi = math.ceil(r.min), math.floor(r.max)
        if r.scale == "log":
            x = math.exp(math.log(lo) + u * (math.log(hi + 1) - math.log(lo)))
        else:
            x = lo + u * (hi + 1 - lo)
        return min(hi, max(lo, math.floor(x)))
    if r.scale == "log":
        x = math.exp(math.log(r.min) + u * (math.log(r.max) - math.log(r.min)))
    else:
        x = r.min + u * (r.max - r.min)
    return min(r.max, max(r.min, x))


def _drawn(axis: SweepAxis, u: float) -> Any:
    if axis.range is not None:
        return _from_range(axis.range, u, path_kinds().get(axis.path) == "integer")
    values = axis.values or ()
    return values[min(len(values) - 1, math.floor(u * len(values)))]


def point_values(scenario: Scenario, index: int) -> dict[str, Any]:
    """The axis values of point ``index`` (by key path, in the order written), from the
    index, the sweep and the seed alone; ``{}`` without a sweep."""
    count = point_count(scenario)
    if not 0 <= index < count:
        raise IndexError(f"sweep point {index} of {count}")
    axes = scenario.sweep.axes
    if scenario.sweep.design == "grid":
        drawn = _grid(axes, index)
    else:
        drawn = [_drawn(a, u) for a, u in zip(axes, _uniforms(scenario, index), strict=True)]
    return {a.path: v for a, v in zip(axes, drawn, strict=True)}


# ---------------------------------------------------------------- points
def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    section, *rest = path.split(".")
    if section == "profile":
        doc["profile"] = [{**p, rest[0]: value} for p in doc["profile"]]
        return
    table = doc.setdefault(section, {})
    for part in rest[:-1]:
        table = table.setdefault(part, {})
    table[rest[-1]] = value


def with_values(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """``scenario`` without its sweep and with ``values`` (by key path) written in, validated.

    Only the sections the values change are validated again (the others are the
    scenario's own, already valid), then the rules between sections. A relative path among
    the values (a trace file, ``profile.up_trace``) starts from ``scenario.base``, the
    scenario file's folder, as the same key written in ``[[profile]]`` does. Raises
    :class:`pydantic.ValidationError` when a value breaks a rule.
    """
    doc: dict[str, Any] = {name: getattr(scenario, name) for name in type(scenario).model_fields
                           if name != "sweep"}
    for section in dict.fromkeys(path.split(".", 1)[0] for path in values):
        if section == "profile":
            doc["profile"] = [p.model_dump(exclude_none=True) for p in scenario.profile]
        else:
            doc[section] = getattr(scenario, section).model_dump(exclude_none=True)
    for path, value in values.items():
        _set(doc, path, value)
    return Scenario.model_validate(doc, context={"base": scenario.base})


def point(scenario: Scenario, index: int) -> Point:
    """Sweep point ``index`` of ``scenario``, made and validated from the index alone.

    Raises :class:`pydantic.ValidationError` when its values break a rule (the loader turns
    that into the file's error lines), ``IndexError`` past the last point.
    """
    values = point_values(scenario, index)
    return Point(index, values, with_values(scenario, values) if values else scenario)


def iter_points(scenario: Scenario, start: int = 0, stop: int | None = None) -> Iterator[Point]:
    """The points ``start`` to ``stop`` (default: the last) of ``scenario``, made one at a
    time, each validated when it is made (see :func:`point`)."""
    end = point_count(scenario) if stop is None else min(stop, point_count(scenario))
    for index in range(start, end):
        yield point(scenario, index)


def points(scenario: Scenario) -> list[Point]:
    """Every sweep point of ``scenario`` (one, index 0, without a sweep), in a list: for a
    small sweep; :func:`iter_points` makes them one at a time."""
    return list(iter_points(scenario))


def axis_examples(axis: SweepAxis) -> list[Any]:
    """Values of the kind ``axis`` takes (for a column's type): its value list, or a range's
    two ends (whole numbers for a key that takes them)."""
    return _alone(axis)


def _alone(axis: SweepAxis) -> list[Any]:
    """The values to validate an axis with on its own: its list, or its range's ends."""
    if axis.range is None:
        return list(axis.values or ())
    r = axis.range
    if path_kinds().get(axis.path) == "integer":
        return [math.ceil(r.min), math.floor(r.max)]
    return [r.min, r.max]


def check_axes(scenario: Scenario) -> list[tuple[int, int | str, ValidationError]]:
    """Validate every axis value on its own (a range by its two ends): ``(axis, value index
    or "min"/"max", error)`` per bad value."""
    bad: list[tuple[int, int | str, ValidationError]] = []
    for i, axis in enumerate(scenario.sweep.axes):
        for j, value in enumerate(_alone(axis)):
            try:
                with_values(scenario, {axis.path: value})
            except ValidationError as e:
                bad.append((i, j if axis.range is None else ("min", "max")[j], e))
    return bad
