"""A small TOML writer for scenario documents (``tomllib`` only reads).

Handles what a dumped :class:`~smtpsim.scenarios.schema.Scenario` holds: tables, arrays of
tables, strings, numbers, booleans and arrays. A table with a ``dist`` key, and any table
inside an array, is written inline (``size_bytes = {dist = "lognormal", ...}``); other nested
tables become ``[section.sub]`` headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smtpsim.scenarios.show import key, literal

__all__ = ["dumps"]


def _is_section(value: Any) -> bool:
    return isinstance(value, Mapping) and "dist" not in value


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(
        isinstance(v, Mapping) for v in value
    )


#: Tables whose nested tables are written inline, in order (``[sweep]``: the axis order is
#: the grid's and the random draws').
_INLINE = {"sweep"}


def _table(header: str, table: Mapping[str, Any], array: bool = False) -> list[str]:
    """One ``[header]`` (or ``[[header]]``) table; inside an array, nested tables are inline."""
    inline = array or header in _INLINE
    lines = [f"[[{header}]]" if array else f"[{header}]"]
    lines += [f"{key(k)} = {literal(v)}" for k, v in table.items()
              if inline or not _is_section(v)]
    for k, v in table.items():
        if not inline and _is_section(v):
            lines += ["", *_table(f"{header}.{key(k)}", v)]
    return lines


def dumps(doc: Mapping[str, Any]) -> str:
    """``doc`` as TOML text that ``tomllib.loads`` reads back to the same values."""
    lines = [f"{key(k)} = {literal(v)}" for k, v in doc.items()
             if not _is_section(v) and not _is_table_array(v)]
    for k, v in doc.items():
        if _is_section(v):
            lines += ["", *_table(key(k), v)] if lines else _table(key(k), v)
        elif _is_table_array(v):
            for item in v:
                lines += ["", *_table(key(k), item, array=True)] if lines else _table(
                    key(k), item, array=True)
    return "\n".join(lines) + "\n"
