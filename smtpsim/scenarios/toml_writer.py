"""A small TOML writer for scenario documents (``tomllib`` only reads).

Handles what a dumped :class:`~smtpsim.scenarios.schema.Scenario` holds: tables, arrays of
tables, strings, numbers, booleans and arrays. A table with a ``dist`` key, and any table
inside an array, is written inline (``size_bytes = {dist = "lognormal", ...}``); other nested
tables become ``[section.sub]`` headers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["dumps"]

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE.match(key) else _string(key)


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_section(value: Any) -> bool:
    return isinstance(value, Mapping) and "dist" not in value


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(
        isinstance(v, Mapping) for v in value
    )


def _table(header: str, table: Mapping[str, Any], array: bool = False) -> list[str]:
    """One ``[header]`` (or ``[[header]]``) table; inside an array, nested tables are inline."""
    lines = [f"[[{header}]]" if array else f"[{header}]"]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()
              if array or not _is_section(v)]
    for k, v in table.items():
        if not array and _is_section(v):
            lines += ["", *_table(f"{header}.{_key(k)}", v)]
    return lines


def dumps(doc: Mapping[str, Any]) -> str:
    """``doc`` as TOML text that ``tomllib.loads`` reads back to the same values."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in doc.items()
             if not _is_section(v) and not _is_table_array(v)]
    for k, v in doc.items():
        if _is_section(v):
            lines += ["", *_table(_key(k), v)] if lines else _table(_key(k), v)
        elif _is_table_array(v):
            for item in v:
                lines += ["", *_table(_key(k), item, array=True)] if lines else _table(
                    _key(k), item, array=True)
    return "\n".join(lines) + "\n"
