"""Pydantic validation errors -> one line per problem, as a compiler would print them.

``FILE: key.path: bad value X; allowed: ...``, ``FILE: key.path: unknown key (did you mean
'y'?); allowed: a, b, c`` or ``FILE: key.path: missing; required: ...``. Key paths are
written as in the file: ``profile[2].loss``, ``workload.size_bytes.median``,
``sweep."server.farm.affinity"[1]``.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from smtpsim.scenarios.dists import DIST_KINDS
from smtpsim.scenarios.errors import did_you_mean
from smtpsim.scenarios.fields import ERROR_TYPE, MISSING, allowed_text
from smtpsim.scenarios.schema import Scenario
from smtpsim.scenarios.show import value as show

__all__ = ["format_errors", "key_path"]

Loc = tuple[str | int, ...]

_SECTIONS = {"profile": "[[profile]]", "variant": "[[variant]]"}


def key_path(loc: Loc) -> str:
    """``("profile", 2, "loss")`` -> ``profile[2].loss``; keys with dots are quoted."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = f'"{part}"' if "." in part or not part else part
            out += f".{name}" if out else name
    return out or "(top level)"


def _members(annotation: Any) -> list[Any]:
    """The types an annotation may hold: Annotated and Optional removed, unions split."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _members(a)]
    return [] if annotation is type(None) else [annotation]


def _tag(tp: Any) -> str | None:
    """The ``dist`` tag of a distribution model."""
    if isinstance(tp, type) and issubclass(tp, BaseModel) and "dist" in tp.model_fields:
        args = typing.get_args(tp.model_fields["dist"].annotation)
        return str(args[0]) if args else None
    return None


def _walk(loc: Loc) -> list[Any]:
    """The types at ``loc`` (as pydantic gives it, union tags included) below
    :class:`Scenario`."""
    current: list[Any] = [Scenario]
    for part in loc:
        found: list[Any] = []
        if isinstance(part, str) and part in DIST_KINDS:  # a union tag: keep that member
            current = [t for t in current if _tag(t) == part]
            continue
        for tp in current:
            if isinstance(part, int) and typing.get_origin(tp) is tuple:
                found += _members(typing.get_args(tp)[0])
            elif isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
                found += _members(tp.model_fields[part].annotation)
        current = found
    return current


def _clean(loc: Loc, doc: Any) -> tuple[Loc, bool]:
    """Drop the union tags pydantic puts in locations; name sweep axes by their key.
    Returns the location and whether it names a sweep axis path."""
    out: list[str | int] = []
    axis_path = False
    for i, part in enumerate(loc):
        if isinstance(part, str) and (part in DIST_KINDS or part.startswith("function-")):
            continue
        if out == ["sweep"] and isinstance(part, int):
            table = doc.get("sweep") if isinstance(doc, dict) else None
            keys = list(table) if isinstance(table, dict) else []
            out.append(keys[part] if part < len(keys) else part)
            rest = loc[i + 1:]
            axis_path = rest[:1] == ("path",)
            out += [p for p in rest[1:] if isinstance(p, int)]
            break
        out.append(part)
    return tuple(out), axis_path


def _allowed_for(loc: Loc) -> str:
    """What the key at ``loc`` accepts (for a missing key)."""
    parents = [t for t in _walk(loc[:-1]) if isinstance(t, type) and issubclass(t, BaseModel)]
    for model in parents:
        info = model.model_fields.get(str(loc[-1]))
        if info is None:
            continue
        text = allowed_text(info)
        if text:
            return text
        kinds = [t for t in _members(info.annotation) if isinstance(t, type)]
        if kinds and issubclass(kinds[0], BaseModel):
            return "a table with keys " + ", ".join(kinds[0].model_fields)
        return f"an array of {_SECTIONS.get(str(loc[-1]), 'values')}"
    return "a value"


def _line(err: dict[str, Any], doc: Any) -> str:
    raw = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    loc, axis_path = _clean(tuple(err["loc"]), doc)
    kind, ctx = err["type"], err.get("ctx") or {}
    value = err.get("input")
    if kind == ERROR_TYPE:
        loc = loc + tuple(ctx.get("key", ()))
        value = ctx.get("value", value)
        if axis_path:
            return f"{key_path(loc)}: unknown key path{ctx['hint']}; allowed: {ctx['allowed']}"
        if value is MISSING:
            return f"{key_path(loc)}: missing{ctx['hint']}; required: {ctx['allowed']}"
        return f"{key_path(loc)}: bad value {show(value)}{ctx['hint']}; allowed: {ctx['allowed']}"
    if kind == "extra_forbidden":
        fields = [
            name
            for t in _walk(raw[:-1]) if isinstance(t, type) and issubclass(t, BaseModel)
            for name in t.model_fields
        ]
        hint = did_you_mean(str(loc[-1]), fields)
        return f"{key_path(loc)}: unknown key{hint}; allowed: {', '.join(fields)}"
    if kind == "missing":
        return f"{key_path(loc)}: missing; required: {_allowed_for(raw)}"
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        hint = did_you_mean(tag, DIST_KINDS)
        return (f"{key_path(loc + ('dist',))}: bad value {show(tag)}{hint}; allowed: one of "
                + ", ".join(DIST_KINDS))
    if kind == "too_short":
        section = _SECTIONS.get(str(loc[-1]), "value")
        return f"{key_path(loc)}: bad value {show(value)}; allowed: at least one {section}"
    if kind in ("tuple_type", "list_type"):
        section = _SECTIONS.get(str(loc[-1]) if loc else "")
        allowed = f"an array of tables (write {section})" if section else "an array"
        return f"{key_path(loc)}: bad value {show(value)}; allowed: {allowed}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{key_path(loc)}: bad value {show(value)}; allowed: {_allowed_for(raw)}"
    return f"{key_path(loc)}: bad value {show(value)}; allowed: {err['msg']}"


def format_errors(
    error: ValidationError, source: str, doc: Any, prefix: Loc = ()
) -> list[str]:
    """One ``source: key.path: ...`` line per error of ``error`` (``doc``: the document that
    was validated; ``prefix``: put in front of every key path)."""
    lines = []
    for err in error.errors():
        err = dict(err)
        err["loc"] = tuple(prefix) + tuple(err["loc"])
        lines.append(f"{source}: {_line(err, doc)}")
    return list(dict.fromkeys(lines))


