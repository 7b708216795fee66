"""Scenario files: TOML text -> a validated :class:`~smtpsim.scenarios.schema.Scenario`, and back.

Every problem found is reported, one line each, in a :class:`ScenarioError` (a
``ValueError``): a TOML syntax error with its line and column, or every schema error
pydantic finds (``FILE: profile[2].loss: bad value 1.5; allowed: ...``,
``smtpsim.scenarios.documents``), then every bad sweep value. Shipped examples live in
``examples/*.toml`` inside the package, the built-in default scenario (``default.toml``)
among them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from smtpsim.scenarios.documents import parse
from smtpsim.scenarios.errors import ScenarioError, UnknownNameError
from smtpsim.scenarios.limits import CHECKED_POINTS
from smtpsim.scenarios.problems import key_path, problems
from smtpsim.scenarios.schema import Scenario
from smtpsim.scenarios.show import value as show
from smtpsim.scenarios.sweep import check_axes, iter_points, point_count
from smtpsim.scenarios.toml_writer import dumps as toml_dumps

__all__ = [
    "DEFAULT",
    "ScenarioError",
    "dump",
    "dumps",
    "example_names",
    "example_text",
    "load",
    "load_example",
    "loads",
]


DEFAULT = "default"
"""The shipped example ``smtpsim run`` runs without options: the built-in default scenario."""


def _sweep_problems(scenario: Scenario, source: str) -> list[str]:
    """Each bad axis value, at ``sweep."path"[i]`` (a range's ends at ``sweep."path".min``
    and ``.max``); then, for a sweep of at most ``CHECKED_POINTS`` points, the first bad
    point (a larger sweep's points are validated as they are made)."""
    lines = []
    for i, j, error in check_axes(scenario):
        axis = scenario.sweep.axes[i]
        where = ("sweep", axis.path, j)
        shown = (axis.values or ())[j] if isinstance(j, int) else getattr(axis.range, j)
        for problem in problems(error, {}, Scenario):
            if re.sub(r"\[\d+\]", "", key_path(problem.loc)) == axis.path:
                lines.append(replace(problem, loc=where).line(source))
            else:
                lines.append(f"{problem.line(source)} (with {key_path(where)} = "
                             f"{show(shown)})")
    if lines:
        return list(dict.fromkeys(lines))
    if point_count(scenario) > CHECKED_POINTS:
        return []
    try:
        for _ in iter_points(scenario):
            pass
    except ValidationError as e:
        return [f"{problem.line(source)} (in a combination of the sweep values)"
                for problem in problems(e, {}, Scenario)]
    return []


def loads(text: str, source: str = "<string>", base: Path | None = None) -> Scenario:
    """Validate scenario TOML ``text``; ``source`` names it in error lines; relative paths in
    it (a profile's trace files) start from ``base`` (None: the current directory)."""
    scenario = parse(text, source, Scenario, {"base": base})
    sweep = _sweep_problems(scenario, source)
    if sweep:
        raise ScenarioError(sweep)
    return scenario


def load(path: str | Path) -> Scenario:
    """Read and validate the scenario file at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # with or without a byte-order mark
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: cannot read: not UTF-8 text"]) from None
    except OSError as e:
        raise ScenarioError([f"{path}: cannot read: {e.strerror or e}"]) from None
    return loads(text, str(path), Path(path).resolve().parent)


def _examples() -> dict[str, Traversable]:
    folder = resources.files("smtpsim.scenarios").joinpath("examples")
    return {
        f.name[: -len(".toml")]: f
        for f in sorted(folder.iterdir(), key=lambda f: f.name)
        if f.name.endswith(".toml")
    }


def example_names(*, default: bool = False) -> list[str]:
    """The shipped studies by name (the file name without ``.toml``); with ``default``,
    the built-in default scenario (:data:`DEFAULT`) first."""
    names = [name for name in _examples() if name != DEFAULT]
    return [DEFAULT, *names] if default else names


def example_text(name: str) -> str:
    """The TOML text of shipped example ``name``; :class:`UnknownNameError` otherwise."""
    files = _examples()
    if name not in files:
        raise UnknownNameError("example", name, files)
    return files[name].read_text(encoding="utf-8")


def load_example(name: str) -> Scenario:
    """Validate shipped example ``name`` (errors name it ``example:<name>.toml``)."""
    return loads(example_text(name), f"example:{name}.toml")


def dump(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a plain document: every value, defaults included, in file units."""
    return scenario.model_dump(exclude_none=True)


def dumps(scenario: Scenario) -> str:
    """The scenario as TOML that :func:`loads` reads back to an equal scenario."""
    return toml_dumps(dump(scenario))
