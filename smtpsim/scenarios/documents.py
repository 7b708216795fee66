"""TOML documents -> validated models, every problem one line in a :class:`ScenarioError`:
a syntax error with its line and column, or every problem pydantic finds
(``FILE: key.path: bad value X; allowed: ...``).

Scenario files and the data files shipped in ``data/`` (built-in profiles, variant presets,
server timings) are read the same way, so a data file is held to the rules, and the
"allowed" texts, of the scenario schema.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from smtpsim.scenarios.errors import ScenarioError
from smtpsim.scenarios.problems import format_errors

__all__ = ["data_file", "parse", "read_toml"]

M = TypeVar("M", bound=BaseModel)

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


def read_toml(text: str, source: str) -> dict[str, Any]:
    """The TOML document ``text``; a syntax error is a one-line :class:`ScenarioError`."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError([_syntax(e, source)]) from None


def parse(text: str, source: str, model: type[M]) -> M:
    """``text`` validated as a ``model``; ``source`` names it in the error lines."""
    doc = read_toml(text, source)
    try:
        return model.model_validate(doc)
    except ValidationError as e:
        raise ScenarioError(format_errors(e, source, doc, model)) from None


def data_file(name: str, model: type[M]) -> M:
    """The shipped data file ``data/<name>``, validated as a ``model``."""
    text = resources.files("smtpsim.scenarios").joinpath("data", name).read_text("utf-8")
    return parse(text, f"smtpsim/scenarios/data/{name}", model)
