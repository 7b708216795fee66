"""Variant expressions -> :class:`~smtpsim.model.Features`.

An expression is names joined by ``+`` (case and whitespace ignored). **The first name is a
preset when a preset has that name; every later name is a token.** A preset
(``data/variants.toml``) stands for its tokens, so ``baseline+tls1.3`` is baseline with TLS
1.3, ``implicit-tls+tls1.3`` is the ``implicit-tls`` preset (which already has TLS 1.3) and
``config-token+tls1.3`` is ``baseline+config-token+tls1.3``; a later name that is only a preset
(``tls1.3+baseline``) is refused. An expression that starts with a token starts from
``Features()`` (RFC 5321 lock-step, EHLO, no extensions). The tokens are applied left to
right; each assigns some fields (``smtpsim.scenarios.tokens``), so a later token overrides
what an earlier one set (``tls1.3+tls1.2`` is TLS 1.2). ``starttls`` sets TLS 1.2 only when no
version is set yet. Features that cannot be
negotiated (``smtpsim.model.features.RULES``: HELO with PIPELINING, a pipelined AUTH without
PIPELINING, ...) and ``implicit-tls`` together with ``starttls`` are refused with
:class:`VariantError`, naming the tokens as written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any

from pydantic import BeforeValidator, model_validator

from smtpsim.model import Features, violations
from smtpsim.scenarios.documents import data_file, parse
from smtpsim.scenarios.errors import UnknownNameError, VariantError, did_you_mean
from smtpsim.scenarios.fields import Check, Line, Spec, fail
from smtpsim.scenarios.tokens import TOKEN_DEFS

__all__ = [
    "PRESETS",
    "TOKENS",
    "PresetSpec",
    "TokenInfo",
    "canonical_name",
    "parse_presets",
    "parse_variant",
    "variant_table",
]


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """One row of ``smtpsim variants``: a token or preset (``kind == "preset"``).

    ``sets`` shows the Features fields it assigns, or for a preset the expression it stands for.
    """

    name: str
    kind: str
    description: str
    source: str
    sets: str


def canonical_name(expr: str) -> str:
    """``expr`` with all whitespace removed and lower-cased (``" Baseline + TLS1.3"`` ->
    ``"baseline+tls1.3"``); the tokens are not checked."""
    return "".join(expr.split()).lower()


#: Tokens that contradict each other outright, whatever their order.
_EXCLUSIVE = (
    ("implicit-tls", "starttls",
     "TLS starts either at connection start (port 465, RFC 8314) or after STARTTLS (RFC 3207)"),
)


def _check(expr: str, f: Features, set_by: dict[str, str]) -> None:
    """Refuse ``f`` if it breaks a negotiation rule (``smtpsim.model.features.RULES``),
    naming the tokens as written that set the fields the rule is about."""
    for rule in violations(f):
        culprits = [set_by[c] for c in rule.culprits(f) if c in set_by]
        if culprits:
            named = ", ".join(repr(c) for c in sorted(set(culprits)))
            clash = f"conflicts with {named}"
        else:
            clash = f"needs {rule.needs or rule.subject}"
        by = set_by.get(rule.subject, rule.subject)
        raise VariantError(f"variant {expr!r}: {by!r} {clash}: {rule.why}")


def _fold(expr: str, tokens: list[tuple[str, str]]) -> Features:
    """Apply ``(written, token)`` pairs left to right to ``Features()``; refuse what cannot
    be negotiated, naming the tokens as written in ``expr``."""
    features = Features()
    set_by: dict[str, str] = {}  # field -> the token (as written) that last set it
    for written, token in tokens:
        changes = TOKEN_DEFS[token].apply(features)
        features = replace(features, **changes)
        set_by.update(dict.fromkeys(changes, written))
    used = {token for _, token in tokens}
    for a, b, why in _EXCLUSIVE:
        if a in used and b in used:
            raise VariantError(f"variant {expr!r}: {a!r} conflicts with {b!r}: {why}")
    _check(expr, features, set_by)
    return features


_EXPRESSION = "tokens joined by + (not presets), each one of " + ", ".join(TOKEN_DEFS)


def _expression(value: Any) -> Any:
    """A preset's expression: known tokens that can be negotiated together."""
    if not isinstance(value, str) or not value:
        raise fail(_EXPRESSION)
    for token in value.split("+"):
        if token not in TOKEN_DEFS:
            raise fail(_EXPRESSION, hint=did_you_mean(token, TOKEN_DEFS), value=token)
    try:
        _fold(value, [(t, t) for t in value.split("+")])
    except VariantError as e:
        raise fail(f"tokens that work together; here {e}") from None
    return value


class PresetSpec(Spec):
    """One ``[presets.<name>]`` table of ``data/variants.toml``: an expression of tokens that
    can be negotiated together, what it is and its source."""

    expression: Annotated[str, BeforeValidator(Check(_EXPRESSION, _expression))]
    description: Line
    source: Line


class _VariantsFile(Spec):
    presets: dict[str, PresetSpec]

    @model_validator(mode="after")
    def _names(self) -> _VariantsFile:
        for name in self.presets:
            if name != canonical_name(name) or "+" in name:
                raise fail("a preset name in lower case, without spaces or +",
                           key=("presets", name), value=name)
        return self


def parse_presets(text: str, source: str = "variants.toml") -> dict[str, PresetSpec]:
    """Presets from TOML text in the ``data/variants.toml`` format (``[presets.<name>]``);
    a :class:`ScenarioError` names ``source`` and the key of every problem."""
    return parse(text, source, _VariantsFile).presets


_PRESETS = data_file("variants.toml", _VariantsFile).presets

PRESETS: dict[str, str] = {name: p.expression for name, p in _PRESETS.items()}
"""Named variants -> the tokens each stands for (expanded when the preset is the first name of
an expression).

A preset that shares a token's name is the token after the first name; ``rfc5321`` resets the
protocol fields (not the TCP write/Nagle ones, which are client socket behaviour, not SMTP)."""

_ALLOWED = tuple(sorted(set(TOKEN_DEFS) | set(PRESETS)))

TOKENS: tuple[TokenInfo, ...] = tuple(
    [TokenInfo(n, t.kind, t.description, t.source, t.sets) for n, t in TOKEN_DEFS.items()]
    + [TokenInfo(n, "preset", p.description, p.source, p.expression) for n, p in _PRESETS.items()]
)
"""Every token and preset with a one-line description and its source."""


def variant_table() -> list[TokenInfo]:
    """The rows for ``smtpsim variants``: tokens first, then presets."""
    return list(TOKENS)


def _resolve(canon: str) -> list[tuple[str, str]]:
    """``(written, token)`` pairs of an expression: the first name is a preset when a preset
    has that name (expanded into its tokens), every later name is a token."""
    first, *later = canon.split("+")
    if first in PRESETS:
        pairs = [(first, token) for token in PRESETS[first].split("+")]
    elif first in TOKEN_DEFS:
        pairs = [(first, first)]
    else:
        raise UnknownNameError("variant token", first, _ALLOWED, context=repr(canon))
    for name in later:
        if name in TOKEN_DEFS:
            pairs.append((name, name))
        elif name in PRESETS:
            raise VariantError(
                f"variant {canon!r}: {name!r} is a preset, and only the first name of an"
                f" expression may be one (later names are tokens): write {name!r} first, or"
                f" its tokens {PRESETS[name]!r}")
        else:
            raise UnknownNameError("variant token", name, tuple(TOKEN_DEFS),
                                   context=repr(canon))
    return pairs


def parse_variant(expr: str) -> Features:
    """The Features for a variant expression: the first name is a preset when a preset has
    that name, every later name a token (see the module docstring).

    Raises :class:`UnknownNameError` for an unknown name (listing what is allowed there) and
    :class:`VariantError` for a preset after the first name or a combination that cannot be
    negotiated.
    """
    canon = canonical_name(expr)
    return _fold(canon, _resolve(canon))
