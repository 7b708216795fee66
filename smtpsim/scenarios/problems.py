"""Pydantic validation errors -> one :class:`Problem` each, printed one line per problem as a
compiler would print them.

``FILE: key.path: bad value X; allowed: ...``, ``FILE: key.path: unknown key (did you mean
'y'?); allowed: a, b, c`` or ``FILE: key.path: missing; required: ...``. Key paths are
written as in the file: ``profile[2].loss``, ``workload.size_bytes.median``,
``sweep."server.farm.affinity"[1]``. The document's model (a scenario, a data file) is the
``root`` the key paths start from.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from smtpsim.scenarios.dists import DIST_KINDS
from smtpsim.scenarios.errors import did_you_mean, wrong
from smtpsim.scenarios.fields import ERROR_TYPE, MISSING, allowed_text

#: The keys of ``[sweep]`` that are not axes (``smtpsim.scenarios.schema.SWEEP_KEYS``).
SWEEP_KEYS = ("design", "samples")

__all__ = ["Loc", "Problem", "format_errors", "key_path", "problems"]

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


def _walk(loc: Loc, root: type[BaseModel]) -> list[Any]:
    """The types at ``loc`` (as pydantic gives it, union tags included) below ``root``."""
    current: list[Any] = [root]
    for part in loc:
        found: list[Any] = []
        if isinstance(part, str) and part in DIST_KINDS:  # a union tag: keep that member
            current = [t for t in current if _tag(t) == part]
            continue
        for tp in current:
            origin = typing.get_origin(tp)
            if isinstance(part, int) and origin is tuple:
                found += _members(typing.get_args(tp)[0])
            elif isinstance(part, str) and origin is dict:
                found += _members(typing.get_args(tp)[1])
            elif isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
                found += _members(tp.model_fields[part].annotation)
        current = found
    return current


def _clean(loc: Loc) -> tuple[Loc, bool]:
    """Drop the union tags pydantic puts in locations. Returns the location and whether it
    names a sweep axis's key path."""
    out = tuple(part for part in loc
                if not (isinstance(part, str)
                        and (part in DIST_KINDS or part.startswith("function-"))))
    axis_path = out[:2] == ("sweep", "axes") and out[3:4] == ("path",)
    return out, axis_path


def _axis_keys(doc: Any) -> list[str]:
    table = doc.get("sweep") if isinstance(doc, dict) else None
    return [k for k in table if k not in SWEEP_KEYS] if isinstance(table, dict) else []


def _sweep_loc(loc: Loc, doc: Any) -> Loc:
    """A sweep axis named by its key as written: ``("sweep", "axes", 1, "values", 2)`` ->
    ``("sweep", "server.farm.affinity", 2)``."""
    if loc[:2] != ("sweep", "axes"):
        return loc
    rest = loc[2:]
    if rest and isinstance(rest[0], int):
        keys = _axis_keys(doc)
        name: str | int = keys[rest[0]] if rest[0] < len(keys) else rest[0]
        return ("sweep", name, *(p for p in rest[1:] if p not in ("path", "values", "range")))
    return ("sweep", *rest)


def _allowed_for(loc: Loc, root: type[BaseModel]) -> str:
    """What the key at ``loc`` accepts (for a missing key)."""
    parents = [t for t in _walk(loc[:-1], root)
               if isinstance(t, type) and issubclass(t, BaseModel)]
    for model in parents:
        info = model.model_fields.get(str(loc[-1]))
        if info is None:
            continue
        text = allowed_text(info)
        if text:
            return text
        if any(typing.get_origin(t) is dict for t in _members(info.annotation)):
            return f"a table of named tables ([{loc[-1]}.<name>])"
        kinds = [t for t in _members(info.annotation) if isinstance(t, type)]
        if kinds and issubclass(kinds[0], BaseModel):
            return "a table with keys " + ", ".join(kinds[0].model_fields)
        return f"an array of {_SECTIONS.get(str(loc[-1]), 'values')}"
    return "a value"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a document: the key path (as written in the file), what is wrong
    (``kind``: ``bad value``, ``missing``, ``unknown key`` or ``unknown key path``), the bad
    value (``MISSING`` for a key that is absent or unknown), a did-you-mean ``hint`` and what
    is allowed (or required)."""

    loc: Loc
    kind: str
    allowed: str
    value: Any = MISSING
    hint: str = ""

    @property
    def text(self) -> str:
        """``bad value X (did you mean 'y'?); allowed: ...``, ``missing; required: ...``."""
        if self.kind in ("bad value", "missing"):
            value = self.value if self.kind == "bad value" else MISSING
            return wrong(value, self.allowed, self.hint)
        return f"{self.kind}{self.hint}; allowed: {self.allowed}"

    def line(self, source: str) -> str:
        """``source: key.path: text``."""
        return f"{source}: {key_path(self.loc)}: {self.text}"


def _checked(loc: Loc, ctx: dict[str, Any], value: Any, axis_path: bool) -> Problem:
    """A problem one of ``smtpsim.scenarios.fields``' checks found."""
    loc = loc + tuple(ctx.get("key", ()))
    value = ctx.get("value", value)
    if axis_path:
        return Problem(loc, "unknown key path", ctx["allowed"], hint=ctx["hint"])
    kind = "missing" if value is MISSING else "bad value"
    return Problem(loc, kind, ctx["allowed"], value, ctx["hint"])


def _problem(err: Any, doc: Any, root: type[BaseModel]) -> Problem:
    raw = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    loc, axis_path = _clean(tuple(err["loc"]))
    kind, ctx = err["type"], err.get("ctx") or {}
    value = err.get("input")
    if kind == ERROR_TYPE:
        return _checked(loc, ctx, value, axis_path)
    if kind == "extra_forbidden":
        fields = [
            name
            for t in _walk(raw[:-1], root) if isinstance(t, type) and issubclass(t, BaseModel)
            for name in t.model_fields
        ]
        return Problem(loc, "unknown key", ", ".join(fields),
                       hint=did_you_mean(str(loc[-1]), fields))
    if kind == "missing":
        return Problem(loc, "missing", _allowed_for(raw, root))
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        return Problem(loc + ("dist",), "bad value", "one of " + ", ".join(DIST_KINDS), tag,
                       did_you_mean(tag, DIST_KINDS))
    if kind == "too_short":
        section = _SECTIONS.get(str(loc[-1]), "value")
        return Problem(loc, "bad value", f"at least one {section}", value)
    if kind in ("tuple_type", "list_type"):
        table = _SECTIONS.get(str(loc[-1])) if loc else None
        allowed = f"an array of tables (write {table})" if table else "an array"
        return Problem(loc, "bad value", allowed, value)
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return Problem(loc, "bad value", _allowed_for(raw, root), value)
    return Problem(loc, "bad value", err["msg"], value)


def problems(error: ValidationError, doc: Any, root: type[BaseModel]) -> list[Problem]:
    """The problems of ``error``, raised validating ``doc`` as a ``root``, in pydantic's
    order, each once."""
    found: dict[tuple[Loc, str], Problem] = {}
    for err in error.errors():
        problem = _problem(err, doc, root)
        problem = replace(problem, loc=_sweep_loc(problem.loc, doc))
        found.setdefault((problem.loc, problem.text), problem)
    return list(found.values())


def format_errors(
    error: ValidationError, source: str, doc: Any, root: type[BaseModel]
) -> list[str]:
    """One ``source: key.path: ...`` line per problem of ``error`` (``doc``: the document
    that was validated as a ``root``)."""
    return list(dict.fromkeys(p.line(source) for p in problems(error, doc, root)))
