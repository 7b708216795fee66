"""Variant expressions -> Features (smtpsim.scenarios.variants)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtpsim.model import Features, violations
from smtpsim.scenarios.errors import ScenarioError, UnknownNameError, VariantError
from smtpsim.scenarios.variants import (
    PRESETS,
    TOKENS,
    TokenInfo,
    canonical_name,
    parse_presets,
    parse_variant,
    variant_table,
)

# The brief's semantics, written out independently of the implementation: what each token
# assigns. "starttls" is special (TLS 1.2 only if no version is set) and handled in fold().
ASSIGNS: dict[str, dict[str, Any]] = {
    "pipelining": {"pipelining": True},
    "no-pipelining": {"pipelining": False},
    "chunking": {"pipelining": True, "chunking": True},
    "data": {"chunking": False},
    "tls1.2": {"tls": "1.2"},
    "tls1.3": {"tls": "1.3"},
    "no-tls": {"tls": None},
    "auth-plain": {"auth": "plain", "auth_pipelined": False},
    "auth-pipelined": {"auth": "plain", "auth_pipelined": True},
    "auth-login": {"auth": "login", "auth_pipelined": False},
    "auth-scram": {"auth": "scram", "auth_pipelined": False},
    "no-auth": {"auth": None, "auth_pipelined": False},
    "helo": {"ehlo": False},
    "ehlo": {"ehlo": True},
    "nagle-per-command": {"writes": "per-command", "nagle": True},
    "coalesced": {"writes": "coalesced"},
    "nodelay": {"nagle": False},
    "nagle": {"nagle": True},
    "quit-wait": {"quit": "wait"},
    "quit-pipelined": {"quit": "pipelined"},
    "quit-async": {"quit": "async"},
    "quit-drop": {"quit": "drop"},
    "starttls-mode": {"implicit_tls": False},
    "banner-0.5rtt": {"banner_half_rtt": True},
    "resumption": {"resumption": True},
    "no-resumption": {"resumption": False},
    "no-quickstart": {"quickstart": None},
    "no-config-token": {"early_pipelining": False},
    "tfo": {"fast_open": "tfo"},
    "ttcp": {"fast_open": "ttcp"},
    "synack-banner": {"fast_open": "synack-banner"},
    "no-fast-open": {"fast_open": None},
    "syn-data": {"syn_data": True},
    "no-syn-data": {"syn_data": False},
    "reuse": {"reuse": True},
    "no-reuse": {"reuse": False},
    "save": {"save": "parallel"},
    "save-first": {"save": "first"},
    "no-save": {"save": None, "burl": False},
    "literal-plus": {"literal_plus": True},
    "literal-sync": {"literal_plus": False},
    "imap-cold": {"imap_cold": True},
    "imap-open": {"imap_cold": False},
    "imap-pipelined": {"imap_pipelined": True, "literal_plus": True},
    "imap-lockstep": {"imap_pipelined": False},
    "imap-tls": {"imap_tls": "implicit"},
    "imap-starttls": {"imap_tls": "starttls"},
    "imap-plain": {"imap_tls": "plain"},
    "early-data": {"early_data": True},
    "no-early-data": {"early_data": False},
}
# tokens whose effect depends on the state: starttls (TLS 1.2 if unset), implicit-tls (1.3)
TOKEN_NAMES = sorted([*ASSIGNS, "starttls", "implicit-tls", "qs-basic", "qs-full",
                      "config-token", "burl"])
PRESET_NAMES = ["rfc5321", "pipelining", "chunking", "baseline", "quickstart-basic",
                "quickstart-full", "config-token", "tfo", "implicit-tls", "burl",
                "streamlined", "streamlined-2006"]
BASELINE = {"tls": "1.2", "auth": "plain", "auth_pipelined": False, "pipelining": True,
            "chunking": False, "quit": "wait"}


def fold(tokens: list[str]) -> dict[str, Any]:
    """Expected Features fields for plain tokens, applied left to right to Features()."""
    state = asdict(Features())
    for token in tokens:
        if token == "starttls":
            state["tls"] = state["tls"] or "1.2"
        elif token == "implicit-tls":
            state["implicit_tls"] = True
            state["tls"] = state["tls"] or "1.3"
        elif token == "burl":
            state["burl"] = True
            state["save"] = state["save"] or "parallel"
        elif token == "config-token":
            state["early_pipelining"] = True
            state["pipelining"] = True
            state["auth_pipelined"] = state["auth"] == "plain"
        elif token in ("qs-basic", "qs-full"):
            state["quickstart"] = token[3:]
            state["pipelining"] = True
            state["auth_pipelined"] = state["auth"] == "plain"
        else:
            state |= ASSIGNS[token]
    return state


def refused(state: dict[str, Any], tokens: list[str]) -> bool:
    """Whether the parser must refuse: the features break a rule of the negotiation table
    (``smtpsim.model.features.RULES``), or the (expanded) tokens hold both implicit-tls and
    starttls, which contradict each other whatever their order."""
    return bool(violations(Features(**state))) or ("implicit-tls" in tokens
                                                    and "starttls" in tokens)


def expand(names: list[str]) -> list[str]:
    """The rule: the first name is a preset when a preset has that name (its tokens), every
    later name is a token (a later name that is only a preset: ``ValueError``)."""
    first, *later = names
    if any(n not in TOKEN_NAMES for n in later):
        raise ValueError("a preset after the first name")
    return (PRESETS[first].split("+") if first in PRESETS else [first]) + later


def test_rfc5321_is_the_default() -> None:
    assert parse_variant("rfc5321") == Features()


def test_baseline_preset() -> None:
    f = parse_variant("baseline")
    for field, value in BASELINE.items():
        assert getattr(f, field) == value, field
    assert f.ehlo and f.writes == "coalesced" and f.nagle


def test_pipelining_and_chunking_presets() -> None:
    assert parse_variant("pipelining") == Features(pipelining=True)
    assert parse_variant("chunking") == Features(pipelining=True, chunking=True)


def test_presets_expand_to_known_tokens() -> None:
    assert sorted(PRESETS) == sorted(PRESET_NAMES)
    for name, expr in PRESETS.items():
        assert all(t in TOKEN_NAMES for t in expr.split("+")), name
        assert parse_variant(expr) == parse_variant(name)


@pytest.mark.parametrize(
    ("expr", "tls"),
    [("tls1.3+tls1.2", "1.2"), ("tls1.2+tls1.3", "1.3"), ("starttls", "1.2"),
     ("tls1.3+starttls", "1.3"), ("no-tls+starttls", "1.2"), ("starttls+no-tls", None),
     ("baseline+tls1.3", "1.3"), ("implicit-tls+tls1.2", "1.2")],
)
def test_tls_precedence(expr: str, tls: str | None) -> None:
    assert parse_variant(expr).tls == tls


def test_baseline_with_pipelined_auth() -> None:
    f = parse_variant("baseline+auth-pipelined")
    assert f == Features(pipelining=True, tls="1.2", auth="plain", auth_pipelined=True)


def test_auth_pipelined_only_with_plain() -> None:
    assert parse_variant("baseline+auth-pipelined+auth-login") == Features(
        pipelining=True, tls="1.2", auth="login", auth_pipelined=False)
    assert parse_variant("baseline+auth-pipelined+auth-scram").auth_pipelined is False
    assert parse_variant("baseline+auth-pipelined+auth-plain").auth_pipelined is False
    assert parse_variant("baseline+auth-pipelined+no-auth").auth is None


def test_a_preset_keeps_socket_settings_it_does_not_name() -> None:
    assert parse_variant("baseline+nagle-per-command") == Features(
        pipelining=True, tls="1.2", auth="plain", writes="per-command", nagle=True)
    assert parse_variant("baseline+nodelay").nagle is False


@pytest.mark.parametrize(
    ("expr", "same_as"),
    [("implicit-tls+tls1.3", "implicit-tls"),
     ("config-token+tls1.3", "baseline+config-token+tls1.3"),
     ("tfo+tls1.3", "baseline+tfo+tls1.3"),
     ("implicit-tls+tfo", "pipelining+data+tls1.3+auth-plain+implicit-tls+tfo"),
     ("burl+auth-pipelined", "baseline+burl+auth-pipelined"),
     ("chunking+tls1.3", "pipelining+chunking+tls1.3")],
)
def test_the_first_name_is_the_preset_later_names_are_tokens(expr: str, same_as: str) -> None:
    """Issue 9 §1: on main, ``implicit-tls+tls1.3`` was the bare token over rfc5321 (no
    pipelining, no AUTH), ``burl+auth-pipelined`` was refused for want of pipelining."""
    assert parse_variant(expr) == parse_variant(same_as)
    f = parse_variant(expr)
    assert f.pipelining


@pytest.mark.parametrize("expr", ["tls1.3+baseline", "baseline+tls1.3+rfc5321",
                                  "nodelay+streamlined", "burl+quickstart-full"])
def test_a_later_name_that_is_only_a_preset_is_refused(expr: str) -> None:
    with pytest.raises(VariantError) as info:
        parse_variant(expr)
    message = str(info.value)
    assert "\n" not in message
    later = expr.split("+")[-1]
    assert f"{later!r} is a preset, and only the first name of an expression may be one" in message
    assert PRESETS[later] in message  # what to write instead


def test_chunking_then_no_pipelining_is_lockstep_bdat() -> None:
    assert parse_variant("chunking+no-pipelining") == Features(chunking=True)
    assert parse_variant("no-pipelining+chunking") == Features(pipelining=True, chunking=True)
    assert parse_variant("chunking+data") == Features(pipelining=True)


def test_whitespace_and_case() -> None:
    assert canonical_name("  Baseline + TLS1.3 ") == "baseline+tls1.3"
    assert parse_variant(" Baseline + TLS1.3 ") == parse_variant("baseline+tls1.3")


@pytest.mark.parametrize(
    ("expr", "names"),
    [("helo+pipelining", ["'helo'", "'pipelining'"]),
     ("pipelining+helo", ["'helo'", "'pipelining'"]),
     ("helo+chunking", ["'helo'", "'chunking'"]),
     ("helo+starttls", ["'helo'", "'starttls'"]),
     ("helo+tls1.3+auth-plain", ["'helo'", "'tls1.3'", "'auth-plain'"]),
     ("baseline+helo", ["'helo'", "'baseline'"])],
)
def test_helo_conflicts(expr: str, names: list[str]) -> None:
    with pytest.raises(VariantError) as info:
        parse_variant(expr)
    assert isinstance(info.value, ValueError)
    for name in names:
        assert name in str(info.value)
    assert "EHLO" in str(info.value)


def test_helo_without_extensions_is_fine() -> None:
    assert parse_variant("helo") == Features(ehlo=False)
    assert parse_variant("helo+nodelay") == Features(ehlo=False, nagle=False)
    assert parse_variant("pipelining+helo+no-pipelining") == Features(ehlo=False)
    assert parse_variant("rfc5321+helo+ehlo").ehlo is True


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("implicit-tls+starttls", "variant 'implicit-tls+starttls': 'implicit-tls' conflicts with"
         " 'starttls': TLS starts either at connection start (port 465, RFC 8314) or after"
         " STARTTLS (RFC 3207)"),
        ("baseline+implicit-tls+qs-basic", "variant 'baseline+implicit-tls+qs-basic':"
         " 'qs-basic' conflicts with 'implicit-tls': QUICKSTART starts TLS with QTLS on the"
         " submission port (quickstart-01 §6)"),
        ("baseline+resumption+no-tls", "variant 'baseline+resumption+no-tls': 'resumption'"
         " needs TLS (starttls, tls1.2, tls1.3 or implicit-tls): there is no session to"
         " resume"),
        ("tfo+syn-data+no-fast-open", "variant 'tfo+syn-data+no-fast-open': 'syn-data' needs"
         " 'tfo' or 'ttcp': only a SYN with a cached cookie may carry data (RFC 7413"
         " §4.2.1)"),
        ("pipelining+save+burl", "variant 'pipelining+save+burl': 'burl' needs AUTH: BURL is"
         " offered only to an authenticated submission client (RFC 4468 §3.1, §5)"),
        ("baseline+burl+imap-pipelined+literal-sync", "variant"
         " 'baseline+burl+imap-pipelined+literal-sync':"
         " 'imap-pipelined' conflicts with 'literal-sync': APPEND can follow AUTHENTICATE in"
         " the same write only with a non-synchronizing literal (RFC 7888): a synchronizing"
         " one waits for the server's \"+\" (RFC 3501 §7.5), and continuations must be"
         " negotiated before any subsequent command (RFC 3501 §5.5)"),
    ],
)
def test_refusal_messages(expr: str, message: str) -> None:
    with pytest.raises(VariantError) as info:
        parse_variant(expr)
    assert str(info.value) == message


def test_imap_pipelining_brings_literal_plus() -> None:
    """``imap-pipelined`` is AUTHENTICATE + APPEND with LITERAL+ in one write (RFC 7888): it
    sets LITERAL+ as ``chunking`` sets PIPELINING; a later ``literal-sync`` is refused (the
    RULES entry), a later ``imap-lockstep`` keeps LITERAL+ and waits for the OK."""
    f = parse_variant("baseline+burl+imap-cold+imap-pipelined")
    assert (f.imap_pipelined, f.literal_plus, f.imap_tls) == (True, True, "implicit")
    f = parse_variant("baseline+burl+imap-pipelined+imap-lockstep")
    assert (f.imap_pipelined, f.literal_plus) == (False, True)
    assert parse_variant("baseline+burl+imap-starttls").imap_tls == "starttls"
    assert parse_variant("baseline+burl+imap-plain+imap-tls").imap_tls == "implicit"


def test_pipelined_auth_needs_pipelining() -> None:
    with pytest.raises(VariantError, match="'auth-pipelined' needs 'pipelining'"):
        parse_variant("auth-pipelined")
    with pytest.raises(VariantError, match="'auth-pipelined' conflicts with 'no-pipelining'"):
        parse_variant("baseline+no-pipelining+auth-pipelined")


@pytest.mark.parametrize("expr", ["tlz1.3", "baseline+tlz1.3", "baseline++tls1.3", ""])
def test_unknown_token(expr: str) -> None:
    bad = "tlz1.3" if "tlz" in expr else ""
    with pytest.raises(UnknownNameError) as info:
        parse_variant(expr)
    msg = str(info.value)
    assert isinstance(info.value, ValueError)
    assert f"unknown variant token {bad!r}" in msg
    for name in TOKEN_NAMES:
        assert name in msg
    # a preset is allowed only as the first name: listed there, not after it
    only_presets = [n for n in PRESET_NAMES if n not in TOKEN_NAMES]
    first = "+" not in expr
    assert all((f"{n}," in msg or msg.endswith(n)) == first for n in only_presets)
    assert "\n" not in msg


def test_unknown_token_did_you_mean() -> None:
    with pytest.raises(UnknownNameError, match="did you mean 'baseline'"):
        parse_variant("basline+tls1.3")
    with pytest.raises(UnknownNameError, match="did you mean 'tls1.3'"):
        parse_variant("tlz1.3")


def test_token_table() -> None:
    table = variant_table()
    assert table == list(TOKENS)
    assert all(isinstance(row, TokenInfo) for row in table)
    tokens = sorted(r.name for r in table if r.kind != "preset")
    presets = sorted(r.name for r in table if r.kind == "preset")
    assert tokens == TOKEN_NAMES
    assert presets == sorted(PRESET_NAMES)
    for row in table:
        assert row.description.strip() and row.source.strip() and row.sets.strip()
        assert "\n" not in row.description + row.source
    assert {r.name: r.kind for r in table if r.kind != "preset"}["chunking"] == "body"


@pytest.mark.parametrize("token", TOKEN_NAMES)
def test_each_token_matches_brief(token: str) -> None:
    prefix = {"auth-pipelined": "pipelining+", "quit-pipelined": "pipelining+",
              "banner-0.5rtt": "ehlo+implicit-tls+", "resumption": "tls1.3+",
              "config-token": "ehlo+", "syn-data": "ehlo+tfo+", "implicit-tls": "ehlo+",
              "tfo": "ehlo+", "burl": "auth-plain+", "early-data": "tls1.3+resumption+"}
    expr = prefix.get(token, "") + token
    expected = fold(expr.split("+"))
    assert asdict(parse_variant(expr)) == expected


names = st.sampled_from(TOKEN_NAMES + PRESET_NAMES)


@given(st.lists(names, min_size=1, max_size=8))
def test_any_token_sequence(seq: list[str]) -> None:
    """Valid sequences parse to the left-to-right fold of the first name's preset and the
    later tokens; the parser refuses a later preset, and exactly what the negotiation table
    (and the implicit-tls/starttls contradiction) refuses."""
    try:
        tokens = expand(seq)
    except ValueError:
        with pytest.raises(VariantError, match="is a preset"):
            parse_variant("+".join(seq))
        return
    expected = fold(tokens)
    if refused(expected, tokens):
        with pytest.raises(VariantError):
            parse_variant("+".join(seq))
    else:
        assert asdict(parse_variant("+".join(seq))) == expected


KIND_FIELDS = {"tls": ["tls"], "auth": ["auth", "auth_pipelined"], "greeting": ["ehlo"],
               "writes": ["writes"]}


@given(st.lists(st.sampled_from(TOKEN_NAMES), min_size=1, max_size=10))
def test_last_token_of_each_kind_wins(seq: list[str]) -> None:
    if seq[0] in PRESETS and PRESETS[seq[0]] != seq[0]:
        seq = [*PRESETS[seq[0]].split("+"), *seq[1:]]  # the first name is the preset
    expected = fold(seq)
    if refused(expected, seq):
        return
    f = parse_variant(" + ".join(seq))
    kinds = {r.name: r.kind for r in variant_table() if r.kind != "preset"}
    for kind, fields in KIND_FIELDS.items():
        of_kind = [t for t in seq if kinds[t] == kind]
        if not of_kind or of_kind[-1] == "starttls":
            continue
        promoters = ("config-token", "qs-basic", "qs-full")  # they pipeline AUTH PLAIN
        after = seq[len(seq) - 1 - seq[::-1].index(of_kind[-1]):]
        for field in fields:
            if field == "auth_pipelined" and any(t in promoters for t in after):
                continue
            if field == "tls" and "implicit-tls" in after:  # it sets TLS 1.3 if unset
                continue
            assert getattr(f, field) == ASSIGNS[of_kind[-1]][field], (kind, field)
    last_pipe = [t for t in seq if t in ("pipelining", "no-pipelining", "chunking",
                                         "config-token", "qs-basic", "qs-full")]
    if last_pipe:
        assert f.pipelining == (last_pipe[-1] != "no-pipelining")
    last_nagle = [t for t in seq if t in ("nodelay", "nagle", "nagle-per-command")]
    if last_nagle:
        assert f.nagle == (last_nagle[-1] != "nodelay")


def test_presets_are_data_validated_like_the_rest() -> None:
    """data/variants.toml: a preset's expression is known tokens (not presets) that can be
    negotiated together; every problem is a line naming the file and the key."""
    good = '[presets.x]\nexpression = "baseline"\ndescription = "d"\nsource = "s"\n'
    with pytest.raises(ScenarioError) as info:
        parse_presets(good, "v.toml")
    assert info.value.problems[0].startswith(
        "v.toml: presets.x.expression: bad value 'baseline'; allowed: tokens joined by + (not"
        " presets), each one of pipelining, no-pipelining,")
    helo = good.replace('"baseline"', '"helo+pipelining"')
    with pytest.raises(ScenarioError) as info:
        parse_presets(helo, "v.toml")
    assert info.value.problems == (
        "v.toml: presets.x.expression: bad value 'helo+pipelining'; allowed: tokens that work"
        " together; here variant 'helo+pipelining': 'helo' conflicts with 'pipelining':"
        " PIPELINING, CHUNKING, STARTTLS and AUTH are negotiated in the EHLO reply (RFC 5321"
        " §4.1.1.1, RFC 1869)",)
    with pytest.raises(ScenarioError) as info:
        parse_presets(good.replace('"baseline"', '"pipelining"').replace('source = "s"\n', ""),
                      "v.toml")
    assert info.value.problems == (
        "v.toml: presets.x.source: missing; required: a non-empty one-line string",)
    assert parse_presets(good.replace('"baseline"', '"pipelining+chunking"'))["x"].expression \
        == "pipelining+chunking"


def test_sources_name_no_file_outside_the_repository() -> None:
    for row in variant_table():
        for outside in ("protocol.md", "shared/", "DESIGN"):
            assert outside not in row.source + row.description, row.name
