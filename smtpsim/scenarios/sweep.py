"""Sweep grids: ``[sweep] "server.farm.affinity" = [0, 0.5, 1]`` and the points they make.

A key path names a field of ``[workload]`` or ``[server]`` (``server.farm.frontends``,
``server.timing_ms.rcpt``) or ``profile.<key>``, which sets that key in every ``[[profile]]``.
The grid is every combination of the axes' values, the first axis varying slowest. Each point
is the scenario with those values written in and validated again, so a swept value obeys the
same rules as one written in place.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from smtpsim.scenarios.schema import Scenario, sweepable_paths
from smtpsim.scenarios.show import bare

__all__ = ["Point", "check_axes", "label", "points", "sweepable_paths"]

@dataclass(frozen=True, slots=True)
class Point:
    """One point of the grid: its index, the axis values (by key path) and the scenario with
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


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    section, *rest = path.split(".")
    if section == "profile":
        doc["profile"] = [{**p, rest[0]: value} for p in doc["profile"]]
        return
    table = doc.setdefault(section, {})
    for part in rest[:-1]:
        table = table.setdefault(part, {})
    table[rest[-1]] = value


def points(scenario: Scenario) -> list[Point]:
    """The sweep points of ``scenario`` (one, index 0, without a sweep).

    Raises :class:`pydantic.ValidationError` for the first point whose values break a rule;
    the loader turns it into the file's error lines (``smtpsim.scenarios.loader``).
    """
    base = scenario.model_dump(exclude_none=True, exclude={"sweep"})
    axes = scenario.sweep
    out = []
    for index, combo in enumerate(itertools.product(*(a.values for a in axes))):
        doc = _deep_copy(base)
        values = {a.path: v for a, v in zip(axes, combo, strict=True)}
        for path, value in values.items():
            _set(doc, path, value)
        out.append(Point(index, values, Scenario.model_validate(doc) if values else scenario))
    return out


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_deep_copy(v) for v in value]
    return value


def check_axes(scenario: Scenario) -> list[tuple[int, int, ValidationError]]:
    """Validate every axis value on its own: ``(axis, value index, error)`` per bad value."""
    base = _deep_copy(scenario.model_dump(exclude_none=True, exclude={"sweep"}))
    bad = []
    for i, axis in enumerate(scenario.sweep):
        for j, value in enumerate(axis.values):
            doc = _deep_copy(base)
            _set(doc, axis.path, value)
            try:
                Scenario.model_validate(doc)
            except ValidationError as e:
                bad.append((i, j, e))
    return bad
