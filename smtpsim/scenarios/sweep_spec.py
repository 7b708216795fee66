"""``[sweep]`` validated: its design (``grid``, ``random`` or ``lhs``), ``samples`` and axes
(:class:`Sweep`, :class:`SweepAxis`, :class:`AxisRange`), and the key paths an axis may name
(:func:`sweepable_paths`) with the kind of number each takes (:func:`path_kinds`), read from
the section models. The points themselves are made by ``smtpsim.scenarios.sweep``.
"""

from __future__ import annotations

import functools
import math
import typing
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, model_validator

from smtpsim.scenarios.errors import did_you_mean
from smtpsim.scenarios.fields import MISSING, Check, Spec, allowed_text, choice, fail, number
from smtpsim.scenarios.limits import MAX_LHS_SAMPLES, MAX_POINTS
from smtpsim.scenarios.problems import SWEEP_KEYS
from smtpsim.scenarios.profiles import ProfileSpec
from smtpsim.scenarios.sections import ServerSpec, WorkloadSpec
from smtpsim.scenarios.show import number as num

__all__ = ["DESIGNS", "AxisRange", "Sweep", "SweepAxis", "path_kinds", "sweep_table",
           "sweepable_paths"]


_Scalar = int | float | str | bool

#: The designs of ``[sweep] design``: every combination of value lists, or ``samples``
#: points drawn independently (``random``) or as a Latin hypercube (``lhs``).
DESIGNS = ("grid", "random", "lhs")
_RANGE_TEXT = "a range table {min = ..., max = ..., scale = \"linear\" or \"log\"}"


def _sweep_path(value: Any) -> Any:
    paths = sweepable_paths()
    if value not in paths:
        raise fail("design, samples, or a key path of [workload], [server] or [[profile]] "
                   "(every profile): " + ", ".join(paths),
                   hint=did_you_mean(str(value), (*SWEEP_KEYS, *paths)))
    return value


def _sweep_values(value: Any) -> Any:
    if not isinstance(value, list | tuple) or not value:
        raise fail("a non-empty array of values")
    for i, v in enumerate(value):
        if not isinstance(v, int | float | str):  # bool is an int
            raise fail("a number, a string or true/false", key=(i,), value=v)
    return value


class AxisRange(Spec):
    """The range a ``random`` or ``lhs`` design draws an axis's values from: ``min`` to
    ``max``, uniformly (``scale = "linear"``) or log-uniformly (``"log"``, ``min`` > 0). For
    a key that takes whole numbers the draws are whole numbers from ``ceil(min)`` to
    ``floor(max)`` (``smtpsim.scenarios.sweep``)."""

    min: Annotated[float, number()]
    max: Annotated[float, number()]
    scale: Annotated[str, choice(("linear", "log"), "range scales")] = "linear"

    @model_validator(mode="after")
    def _ordered(self) -> AxisRange:
        if not self.min < self.max:
            raise fail(f"a number > min ({num(self.min)})", key=("max",), value=self.max)
        if self.scale == "log" and not self.min > 0:
            raise fail("a number > 0 (a log-scale range)", key=("min",), value=self.min)
        return self


class SweepAxis(Spec):
    """One axis of the sweep: a key path and the values it takes (a grid's, or those a
    random design picks from), or the range a random design draws from."""

    path: Annotated[str, BeforeValidator(_sweep_path)]
    values: Annotated[tuple[_Scalar, ...], BeforeValidator(_sweep_values)] | None = None
    range: AxisRange | None = None

    @model_validator(mode="after")
    def _one(self) -> SweepAxis:
        if (self.values is None) == (self.range is None):
            raise fail("a non-empty array of values, or " + _RANGE_TEXT, value=MISSING)
        kind = path_kinds().get(self.path)
        if self.range is not None:
            if kind is None:
                raise fail("an array of values (a range is for a key that takes a number)",
                           value=self.range.model_dump())
            if kind == "integer" and math.ceil(self.range.min) > math.floor(self.range.max):
                raise fail("a range that holds a whole number (the key takes whole numbers)",
                           value=self.range.model_dump())
        return self

    @property
    def size(self) -> int | None:
        """How many values a grid takes from it (None for a range)."""
        return None if self.values is None else len(self.values)


def _sweep_axes(value: dict[str, Any]) -> list[dict[str, Any]]:
    axes = []
    for path, spec in value.items():
        if path in SWEEP_KEYS:
            continue
        if isinstance(spec, dict):
            axes.append({"path": path, "range": spec})
        elif isinstance(spec, list | tuple) and spec:
            axes.append({"path": path, "values": tuple(spec)})
        else:
            raise fail("a non-empty array of values, or " + _RANGE_TEXT, key=("axes", path),
                       value=spec)
    return axes


def sweep_table(value: Any) -> Any:
    if isinstance(value, Sweep):
        return value
    if isinstance(value, tuple | list) and all(isinstance(a, SweepAxis) for a in value):
        return {"axes": tuple(value)}  # axes built in Python: a grid
    if not isinstance(value, dict):
        raise fail('a table of key path = [values], e.g. "server.farm.affinity" = [0, 1]')
    if "axes" in value and all(isinstance(a, SweepAxis) for a in value["axes"]):
        return value  # built in Python
    return {**{k: value[k] for k in SWEEP_KEYS if k in value}, "axes": _sweep_axes(value)}


def _product(sizes: list[int], limit: int) -> int:
    """The product of ``sizes``, stopping once it passes ``limit``."""
    n = 1
    for size in sizes:
        n *= size
        if n > limit:
            break
    return n


class Sweep(Spec):
    """``[sweep]``: the ``design`` (``grid``, the default: every combination of the axes'
    value lists, the first axis slowest; ``random`` or ``lhs``: ``samples`` points, each axis
    drawn from its range or its value list) and the axes, in the order written."""

    design: Annotated[str, choice(DESIGNS, "sweep designs")] = "grid"
    samples: Annotated[int, number("points", ge=1, le=MAX_POINTS, integer=True)] | None = None
    axes: tuple[SweepAxis, ...] = ()

    @model_validator(mode="after")
    def _design(self) -> Sweep:
        if self.design == "grid":
            if self.samples is not None:
                raise fail('no samples with design = "grid" (samples is for design = '
                           '"random" or "lhs")', key=("samples",), value=self.samples)
            for i, axis in enumerate(self.axes):
                if axis.range is not None:
                    raise fail('an array of values (a range needs design = "random" or '
                               '"lhs")', key=("axes", i), value=axis.range.model_dump())
            sizes = [len(a.values or ()) for a in self.axes]
            count = _product(sizes, MAX_POINTS)
            if count > MAX_POINTS:
                total = math.prod(sizes)
                raise fail(f"at most {MAX_POINTS} sweep points (a grid of "
                           + " x ".join(map(str, sizes)) + f" = {total} points)",
                           value=total, hint=" points")
            return self
        if self.samples is None:
            raise fail(f"a whole number in [1, {MAX_POINTS}] (points; required with design "
                       f"= {self.design!r})", key=("samples",), value=MISSING)
        if self.design == "lhs" and self.samples > MAX_LHS_SAMPLES:
            raise fail(f"a whole number in [1, {MAX_LHS_SAMPLES}] (points of a Latin "
                       "hypercube, drawn at once)", key=("samples",), value=self.samples)
        if not self.axes:
            raise fail(f"at least one axis with design = {self.design!r}", value=MISSING)
        return self

    @property
    def point_count(self) -> int:
        """How many points the sweep makes (one without axes), without making them."""
        if self.design != "grid":
            return int(self.samples or 1)
        return math.prod(len(a.values or ()) for a in self.axes)

    def dump(self) -> dict[str, Any]:
        """The ``[sweep]`` table as written: design and samples (when not a grid), then
        each axis's values or range."""
        out: dict[str, Any] = {}
        if self.design != "grid":
            out |= {"design": self.design, "samples": self.samples}
        for a in self.axes:
            out[a.path] = list(a.values) if a.values is not None else a.range.model_dump()  # type: ignore[union-attr]
        return out


# ---------------------------------------------------------------- sweep axes
#: Fields that are not single numbers, names or flags (or that identify a profile).
_NOT_SWEPT = {"preset", "name", "description", "burst", "config_changes_s"}


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The nested model a field holds (a table such as ``farm``), or None for a leaf (a
    number, name, flag or distribution)."""
    stack, found = [annotation], []
    while stack:
        tp = stack.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found.append(tp)
        else:
            stack += list(typing.get_args(tp))
    models = [m for m in found if "dist" not in m.model_fields]
    return models[0] if models and len(models) == len(found) else None


def _leaves(prefix: str, model: type[BaseModel]) -> list[str]:
    out = []
    for name, info in model.model_fields.items():
        if name in _NOT_SWEPT:
            continue
        sub = _submodel(info.annotation)
        out += _leaves(f"{prefix}{name}.", sub) if sub is not None else [prefix + name]
    return out


@functools.cache
def sweepable_paths() -> tuple[str, ...]:
    """Every key path a sweep axis may name."""
    return tuple(
        _leaves("workload.", WorkloadSpec)
        + _leaves("server.", ServerSpec)
        + _leaves("profile.", ProfileSpec)
    )


#: Distributions whose values are whole numbers (``WorkloadSpec``'s support check).
_WHOLE_DISTS = {"workload.size_bytes", "workload.recipients"}


def _kind(annotation: Any) -> str | None:
    """``integer`` or ``number`` for a field that takes a number (a checked number, or a
    distribution), else None."""
    stack, found = [annotation], None
    while stack:
        tp = stack.pop()
        if typing.get_origin(tp) is typing.Annotated:
            tp, *meta = typing.get_args(tp)
            for item in meta:
                func = getattr(item, "func", None)
                text = func.allowed if isinstance(func, Check) else ""
                if text.startswith("a whole number"):
                    return "integer"
                if text.startswith("a number"):
                    found = "number"
        if isinstance(tp, type) and issubclass(tp, BaseModel) and "dist" in tp.model_fields:
            found = "number"
        stack += list(typing.get_args(tp))
    return found


@functools.cache
def path_kinds() -> dict[str, str]:
    """The sweepable key paths that take a number, each ``integer`` (a whole number) or
    ``number``: the keys a sweep range may name."""
    out = {}
    for path in sweepable_paths():
        section, *rest = path.split(".")
        model: Any = {"workload": WorkloadSpec, "server": ServerSpec,
                      "profile": ProfileSpec}[section]
        info = None
        for part in rest:
            info = model.model_fields[part]
            model = _submodel(info.annotation)
        text = (allowed_text(info) or "") if info is not None else ""
        kind = ("integer" if path in _WHOLE_DISTS or text.startswith("a whole number")
                else "number" if text.startswith("a number")
                else _kind(info.annotation if info is not None else None))
        if kind is not None:
            out[path] = kind
    return out
