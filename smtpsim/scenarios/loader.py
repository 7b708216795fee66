"""Scenario files: TOML text -> a validated :class:`~smtpsim.scenarios.schema.Scenario`, and back.

Every problem found is reported, one line each, in a :class:`ScenarioError` (a
``ValueError``): a TOML syntax error with its line and column, then every schema error
pydantic finds (``FILE: profile[2].loss: bad value 1.5; allowed: ...``), then every bad sweep
value. Shipped examples live in ``examples/*.toml`` inside the package.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from smtpsim.scenarios.errors import ScenarioError, UnknownNameError
from smtpsim.scenarios.problems import format_errors, key_path
from smtpsim.scenarios.schema import Scenario
from smtpsim.scenarios.sweep import check_axes, points
from smtpsim.scenarios.toml_writer import dumps as toml_dumps

__all__ = [
    "ScenarioError",
    "dump",
    "dumps",
    "example_names",
    "example_text",
    "load",
    "load_example",
    "loads",
]

_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax(error: tomllib.TOMLDecodeError, source: str) -> str:
    message = str(error)
    m = _AT.search(message)
    if m:
        where = f"line {m.group(1)}, column {m.group(2)}"
        message = message[: m.start()]
    else:
        where = "end of file" if "end of document" in message else "somewhere"
        message = message.replace(" (at end of document)", "")
    return f"{source}: {where}: invalid TOML: {message}"


def _sweep_problems(scenario: Scenario, source: str) -> list[str]:
    """Each bad axis value, at ``sweep."path"[i]``; then the first bad combination."""
    lines = []
    for i, j, error in check_axes(scenario):
        axis = scenario.sweep[i]
        where = key_path(("sweep", axis.path, j))
        for line in format_errors(error, source, {}):
            path, rest = line[len(source) + 2:].split(": ", 1)
            if re.sub(r"\[\d+\]", "", path) == axis.path:
                lines.append(f"{source}: {where}: {rest}")
            else:
                lines.append(f"{source}: {path}: {rest} (with {where} = {axis.values[j]!r})")
    if lines:
        return list(dict.fromkeys(lines))
    try:
        points(scenario)
    except ValidationError as e:
        return [f"{line} (in a combination of the sweep values)"
                for line in format_errors(e, source, {})]
    return []


def loads(text: str, source: str = "<string>") -> Scenario:
    """Validate scenario TOML ``text``; ``source`` names it in error lines."""
    try:
        doc: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError([_syntax(e, source)]) from None
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as e:
        raise ScenarioError(format_errors(e, source, doc)) from None
    problems = _sweep_problems(scenario, source)
    if problems:
        raise ScenarioError(problems)
    return scenario


def load(path: str | Path) -> Scenario:
    """Read and validate the scenario file at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: cannot read: not UTF-8 text"]) from None
    except OSError as e:
        raise ScenarioError([f"{path}: cannot read: {e.strerror or e}"]) from None
    return loads(text, str(path))


def _examples() -> dict[str, Traversable]:
    folder = resources.files("smtpsim.scenarios").joinpath("examples")
    return {
        f.name[: -len(".toml")]: f
        for f in sorted(folder.iterdir(), key=lambda f: f.name)
        if f.name.endswith(".toml")
    }


def example_names() -> list[str]:
    """The shipped examples, by name (the file name without ``.toml``)."""
    return list(_examples())


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
