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
from smtpsim.scenarios.limits import MAX_DEPTH
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


def _too_deep(doc: Any) -> str | None:
    """The key path of the first value nested deeper than ``MAX_DEPTH`` arrays and tables
    (walked without recursion), or None."""
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path
        if isinstance(value, dict):
            stack += [(v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    return None


def _deep_line(text: str) -> str:
    """``line N``: where the brackets and braces of ``text`` first nest deeper than
    ``MAX_DEPTH`` (strings, comments and table headers skipped; a location for the error
    line only), or ``somewhere``."""
    depth, quote = 0, ""
    for number, line in enumerate(text.splitlines(), start=1):
        if depth == 0 and line.lstrip().startswith("["):
            continue  # a [table] header
        for ch in line:
            if quote:
                quote = "" if ch == quote else quote
            elif ch in "\"'":
                quote = ch
            elif ch == "#":
                break
            elif ch in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return f"line {number}"
            elif ch in "]}":
                depth = max(0, depth - 1)
        quote = ""
    return "somewhere"


def read_toml(text: str, source: str) -> dict[str, Any]:
    """The TOML document ``text`` (a leading byte-order mark skipped); a syntax error, or
    arrays and tables nested deeper than ``MAX_DEPTH`` (``smtpsim.scenarios.limits``), is a
    one-line :class:`ScenarioError`."""
    too_deep = (f"{source}: {{}}: nested deeper than {MAX_DEPTH} arrays and tables; allowed: "
                f"at most {MAX_DEPTH} levels (a scenario's deepest key is 5 levels down)")
    try:
        doc = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError([_syntax(e, source)]) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ScenarioError([too_deep.format(_deep_line(text))]) from None
    where = _too_deep(doc)
    if where is not None:
        raise ScenarioError([too_deep.format(where.split("[")[0] or "(top level)")])
    return doc


def parse(text: str, source: str, model: type[M], context: dict[str, Any] | None = None) -> M:
    """``text`` validated as a ``model``; ``source`` names it in the error lines;
    ``context`` is pydantic's validation context (``base``: the folder relative paths in
    the document start from)."""
    doc = read_toml(text, source)
    try:
        return model.model_validate(doc, context=context)
    except ValidationError as e:
        raise ScenarioError(format_errors(e, source, doc, model)) from None


def data_file(name: str, model: type[M]) -> M:
    """The shipped data file ``data/<name>``, validated as a ``model``."""
    text = resources.files("smtpsim.scenarios").joinpath("data", name).read_text("utf-8")
    return parse(text, f"smtpsim/scenarios/data/{name}", model)
