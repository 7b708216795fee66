"""Variant expressions -> :class:`~smtpsim.simulator.config.Features`.

An expression is tokens joined by ``+`` (case and whitespace ignored), applied left to right
to ``Features()`` (RFC 5321 lock-step, EHLO, no extensions). Each token assigns some fields,
so a later token overrides what an earlier one set (``tls1.3+tls1.2`` is TLS 1.2). A preset is
a name for an expression and may be used as a token: it is expanded in place, so
``baseline+tls1.3`` is baseline with TLS 1.3. ``starttls`` sets TLS 1.2 only when no version is
set yet. Two final states are refused with :class:`VariantError`: HELO together with
PIPELINING, CHUNKING, STARTTLS or AUTH (all are negotiated in the EHLO reply, RFC 5321
§4.1.1.1, RFC 1869), and a pipelined AUTH without PIPELINING (RFC 4954 §4 allows AUTH PLAIN
inside a pipelined group only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from smtpsim.model import Features, violations
from smtpsim.scenarios.errors import UnknownNameError, VariantError

__all__ = [
    "PRESETS",
    "TOKENS",
    "TokenInfo",
    "canonical_name",
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


def _starttls(f: Features) -> dict[str, Any]:
    return {"tls": f.tls if f.tls is not None else "1.2"}


def _implicit_tls(f: Features) -> dict[str, Any]:
    return {"implicit_tls": True, "tls": f.tls if f.tls is not None else "1.3"}


def _quickstart(profile: str) -> Callable[[Features], dict[str, Any]]:
    def apply(f: Features) -> dict[str, Any]:
        return {"quickstart": profile, "pipelining": True, "auth_pipelined": f.auth == "plain"}

    return apply


def _burl(f: Features) -> dict[str, Any]:
    return {"burl": True, "save": f.save if f.save is not None else "parallel"}


def _config_token(f: Features) -> dict[str, Any]:
    return {"early_pipelining": True, "pipelining": True, "auth_pipelined": f.auth == "plain"}


def _const(**fields: Any) -> Callable[[Features], dict[str, Any]]:
    return lambda _f: fields


# name -> (kind, field assignment, description, source, what it sets)
_TokenDef = tuple[str, Callable[[Features], dict[str, Any]], str, str, str]
_TOKENS: dict[str, _TokenDef] = {
    "pipelining": ("pipelining", _const(pipelining=True),
                   "pipeline MAIL/RCPT/DATA (and BDAT) in one group", "RFC 2920 §3.1",
                   "pipelining=True"),
    "no-pipelining": ("pipelining", _const(pipelining=False),
                      "lock-step: wait for each reply before the next command", "RFC 5321 §4.1",
                      "pipelining=False"),
    "chunking": ("body", _const(pipelining=True, chunking=True),
                 "send the body with BDAT <n> LAST, pipelined: no 354 turnaround",
                 "RFC 3030 §2, RFC 2920", "pipelining=True, chunking=True"),
    "data": ("body", _const(chunking=False),
             "send the body after DATA and its 354 reply", "RFC 5321 §4.1.1.4",
             "chunking=False"),
    "starttls": ("tls", _starttls,
                 "STARTTLS, TLS 1.2 unless a version is already chosen", "RFC 3207 §4",
                 "tls='1.2' if unset"),
    "tls1.2": ("tls", _const(tls="1.2"),
               "STARTTLS with a full TLS 1.2 handshake (2 RTT)", "RFC 3207, RFC 5246 §7.3",
               "tls='1.2'"),
    "tls1.3": ("tls", _const(tls="1.3"),
               "STARTTLS with a full TLS 1.3 handshake (1 RTT)", "RFC 3207, RFC 8446 §2",
               "tls='1.3'"),
    "no-tls": ("tls", _const(tls=None), "cleartext session", "RFC 5321", "tls=None"),
    "auth-plain": ("auth", _const(auth="plain", auth_pipelined=False),
                   "AUTH PLAIN with initial response, wait for 235", "RFC 4954 §4, RFC 4616",
                   "auth='plain', auth_pipelined=False"),
    "auth-pipelined": ("auth", _const(auth="plain", auth_pipelined=True),
                       "AUTH PLAIN with initial response inside the MAIL group",
                       "RFC 4954 §4, RFC 4468 §3.4", "auth='plain', auth_pipelined=True"),
    "auth-login": ("auth", _const(auth="login", auth_pipelined=False),
                   "AUTH LOGIN: 334 Username, 334 Password, 235",
                   "draft-murchison-sasl-login-00", "auth='login', auth_pipelined=False"),
    "auth-scram": ("auth", _const(auth="scram", auth_pipelined=False),
                   "AUTH SCRAM-SHA-256, client-first message as initial response",
                   "RFC 5802, RFC 7677, RFC 4954 §4", "auth='scram', auth_pipelined=False"),
    "no-auth": ("auth", _const(auth=None, auth_pipelined=False), "no authentication",
                "RFC 5321", "auth=None, auth_pipelined=False"),
    "ehlo": ("greeting", _const(ehlo=True), "greet with EHLO (extensions available)",
             "RFC 5321 §4.1.1.1, RFC 1869", "ehlo=True"),
    "helo": ("greeting", _const(ehlo=False), "greet with HELO: no extensions at all",
             "RFC 5321 §4.1.1.1", "ehlo=False"),
    "nagle-per-command": ("writes", _const(writes="per-command", nagle=True),
                          "one write() per command and TLS record, Nagle on (smtplib over ssl)",
                          "RFC 896, Python smtplib", "writes='per-command', nagle=True"),
    "coalesced": ("writes", _const(writes="coalesced"),
                  "one write() for everything sent together", "RFC 2920 §3.1",
                  "writes='coalesced'"),
    "nodelay": ("nagle", _const(nagle=False), "client sets TCP_NODELAY (Nagle off)",
                "RFC 1122 §4.2.3.4", "nagle=False"),
    "nagle": ("nagle", _const(nagle=True), "client keeps Nagle's algorithm on (the default)",
              "RFC 896, RFC 1122 §4.2.3.4", "nagle=True"),
    "implicit-tls": ("tls-mode", _implicit_tls,
                     "TLS from the first byte (port 465); TLS 1.3 unless a version is chosen",
                     "RFC 8314 §3", "implicit_tls=True, tls='1.3' if unset"),
    "starttls-mode": ("tls-mode", _const(implicit_tls=False),
                      "TLS (if any) negotiated with STARTTLS after the greeting (port 587)",
                      "RFC 3207, RFC 6409", "implicit_tls=False"),
    "banner-0.5rtt": ("banner", _const(banner_half_rtt=True),
                      "implicit TLS 1.3: the server sends its banner as 0.5-RTT data",
                      "RFC 8446 §2, §E.5; protocol.md §1.9 (hypothetical)",
                      "banner_half_rtt=True"),
    "resumption": ("resumption", _const(resumption=True),
                   "offer a cached session ticket: TLS 1.2 abbreviated or TLS 1.3 PSK",
                   "RFC 5077, RFC 5246 §7.3, RFC 8446 §2.2", "resumption=True"),
    "no-resumption": ("resumption", _const(resumption=False),
                      "always a full TLS handshake", "RFC 5246, RFC 8446",
                      "resumption=False"),
    "qs-basic": ("quickstart", _quickstart("basic"),
                 "QUICKSTART basic profile: list in the greeting, QHLO, QTLS, pipelined AUTH",
                 "draft-fanf-smtp-quickstart-01 §3-6, -a-00",
                 "quickstart='basic', pipelining=True, auth_pipelined if PLAIN"),
    "qs-full": ("quickstart", _quickstart("full"),
                "QUICKSTART full profile: basic + cached qhlo-id, early QHLO and QTLS",
                "draft-fanf-smtp-quickstart-01 §8, -b-00",
                "quickstart='full', pipelining=True, auth_pipelined if PLAIN"),
    "no-quickstart": ("quickstart", _const(quickstart=None), "standard EHLO/STARTTLS start",
                      "RFC 5321, RFC 3207", "quickstart=None"),
    "config-token": ("early-pipe", _config_token,
                     "cache the EHLO reply's config token; with a hit, send EHLO and what"
                     " follows without waiting for the greeting or the EHLO reply",
                     "draft-harris-early-pipe (Exim PIPE_CONNECT); lemonade 2006 thread",
                     "early_pipelining=True, pipelining=True, auth_pipelined if PLAIN"),
    "no-config-token": ("early-pipe", _const(early_pipelining=False),
                        "wait for the greeting and each EHLO reply", "RFC 5321",
                        "early_pipelining=False"),
    "tfo": ("fast-open", _const(fast_open="tfo"),
            "TCP Fast Open: cookie cached per server host; with one, the server's banner"
            " leaves as the SYN arrives (1 RTT instead of 2)",
            "RFC 7413; Linux tcp_try_fastopen; Exim NewStuff", "fast_open='tfo'"),
    "ttcp": ("fast-open", _const(fast_open="ttcp"),
             "T/TCP: cached connection count per server host, same latency as TFO",
             "RFC 1644 (Historic, RFC 6247)", "fast_open='ttcp'"),
    "synack-banner": ("fast-open", _const(fast_open="synack-banner"),
                      "idealised: the banner rides in every SYN-ACK",
                      "RFC 7413 §4.2.2 (SYN-ACK data); Linux 61d2bcae",
                      "fast_open='synack-banner'"),
    "no-fast-open": ("fast-open", _const(fast_open=None), "ordinary three-way handshake",
                     "RFC 793 §3.4", "fast_open=None"),
    "syn-data": ("syn-data", _const(syn_data=True),
                 "with a cookie, the SYN carries what the client can send at once",
                 "RFC 7413 §4.2.1", "syn_data=True"),
    "no-syn-data": ("syn-data", _const(syn_data=False), "the SYN carries no data",
                    "RFC 7413", "syn_data=False"),
    "early-data": ("early-data", _const(early_data=True),
                   "TLS 1.3 0-RTT: with a ticket, the first commands ride with the ClientHello"
                   " (hypothetical for SMTP, replayable)", "RFC 8446 §2.3, §8",
                   "early_data=True"),
    "no-early-data": ("early-data", _const(early_data=False), "no 0-RTT data", "RFC 8446",
                      "early_data=False"),
    "reuse": ("reuse", _const(reuse=True),
              "keep the session open for the next message (no QUIT) until an idle timeout",
              "RFC 5321 §4.1.4, §4.5.3.2.7; protocol.md §1.12", "reuse=True"),
    "no-reuse": ("reuse", _const(reuse=False), "one connection per message",
                 "RFC 5321", "reuse=False"),
    "save": ("save", _const(save="parallel"),
             "send-and-save: IMAP APPEND to Sent while the submission runs",
             "RFC 3501 §6.3.11", "save='parallel'"),
    "save-first": ("save", _const(save="first"),
                   "send-and-save: APPEND to Sent first, then submit",
                   "RFC 3501 §6.3.11", "save='first'"),
    "no-save": ("save", _const(save=None, burl=False), "do not store a copy in Sent",
                "RFC 6409", "save=None, burl=False"),
    "burl": ("burl", _burl,
             "submit by reference: APPEND + GENURLAUTH, BURL <url> LAST in the MAIL group;"
             " the server fetches the message from IMAP",
             "RFC 4468, RFC 4467", "burl=True, save='parallel' if unset"),
    "literal-plus": ("literal", _const(literal_plus=True),
                     "APPEND with a non-synchronizing literal: no wait for '+'",
                     "RFC 7888", "literal_plus=True"),
    "literal-sync": ("literal", _const(literal_plus=False),
                     "APPEND waits for the '+' continuation before the literal",
                     "RFC 3501 §7.5", "literal_plus=False"),
    "imap-cold": ("imap-session", _const(imap_cold=True),
                  "the IMAP session must be opened first (TCP, TLS, AUTHENTICATE)",
                  "RFC 3501, RFC 8314, RFC 4959", "imap_cold=True"),
    "imap-open": ("imap-session", _const(imap_cold=False),
                  "the IMAP session is already open and authenticated (mobile clients keep it)",
                  "protocol.md §1.6", "imap_cold=False"),
    "quit-wait": ("quit", _const(quit="wait"),
                  "send QUIT after the 250 and wait for the 221 before telling the user",
                  "RFC 5321 §4.1.1.10", "quit='wait'"),
    "quit-pipelined": ("quit", _const(quit="pipelined"),
                       "QUIT in the same write as the end of data; 250 and 221 come together",
                       "RFC 2920 §3.1", "quit='pipelined'"),
    "quit-async": ("quit", _const(quit="async"),
                   "tell the user at the 250; QUIT and 221 follow in the background",
                   "lemonade 2006 discussion; protocol.md §1.11", "quit='async'"),
    "quit-drop": ("quit", _const(quit="drop"),
                  "no QUIT: close the connection after the 250 (not RFC 5321 compliant)",
                  "protocol.md §1.11", "quit='drop'"),
}

PRESETS: dict[str, str] = {
    "rfc5321": "no-pipelining+data+ehlo+no-tls+no-auth",
    "pipelining": "pipelining",
    "chunking": "chunking",
    "baseline": "pipelining+data+tls1.2+auth-plain",
    "quickstart-basic": "pipelining+data+tls1.2+auth-plain+qs-basic",
    "quickstart-full": "pipelining+data+tls1.2+auth-plain+qs-full+resumption",
    "config-token": "pipelining+data+tls1.2+auth-plain+config-token",
    "tfo": "pipelining+data+tls1.2+auth-plain+tfo",
    "implicit-tls": "pipelining+data+tls1.3+auth-plain+implicit-tls",
    "burl": "pipelining+data+tls1.2+auth-plain+burl",
    "streamlined": "pipelining+chunking+tls1.3+implicit-tls+auth-pipelined+config-token"
    "+tfo+syn-data+quit-async+reuse",
    "streamlined-2006": "pipelining+chunking+tls1.2+auth-plain+qs-full+resumption+ttcp"
    "+syn-data+quit-async",
}
"""Named variants -> the tokens each stands for (expanded in place when used as a token).

A preset that shares a token's name is that token; ``rfc5321`` resets the protocol fields
(not the TCP write/Nagle ones, which are client socket behaviour, not SMTP)."""

_PRESET_INFO: dict[str, tuple[str, str]] = {
    "rfc5321": ("plain RFC 5321: EHLO, lock-step, DATA, no TLS, no AUTH", "RFC 5321"),
    "pipelining": ("rfc5321 + PIPELINING", "RFC 2920"),
    "chunking": ("rfc5321 + PIPELINING + CHUNKING (BDAT)", "RFC 3030, RFC 2920"),
    "baseline": ("2006 standard submission: STARTTLS TLS 1.2, AUTH PLAIN waiting for 235, "
                 "PIPELINING, DATA, wait for 221",
                 "draft-fanf-smtp-quickstart-01 App. A.1; RFC 6409"),
    "quickstart-basic": ("baseline with QUICKSTART's basic profile (the drafts' 4 / 6 RTT)",
                         "draft-fanf-smtp-quickstart-01 App. A.2, -a-00"),
    "quickstart-full": ("baseline with QUICKSTART's full profile and TLS session resumption"
                        " (the drafts' 2 / 4 RTT warm, 5 / 7 cold)",
                        "draft-fanf-smtp-quickstart-01 App. A.3, -b-00"),
    "config-token": ("baseline with early pipelining on a cached configuration token",
                     "draft-harris-early-pipe; lemonade 2006 thread"),
    "tfo": ("baseline with TCP Fast Open (banner at 1 RTT with a cached cookie)",
            "RFC 7413"),
    "implicit-tls": ("submission over implicit TLS 1.3 (port 465), otherwise baseline",
                     "RFC 8314 §3"),
    "burl": ("baseline sending and saving by reference: the body crosses the uplink once",
             "RFC 4468, RFC 4467"),
    "streamlined": ("every compatible saving at once: implicit TLS 1.3, config token, TFO"
                    " with the ClientHello in the SYN, pipelined AUTH PLAIN, BDAT, async"
                    " QUIT, reuse", "RFC 8314, draft-harris-early-pipe, RFC 7413, RFC 3030"),
    "streamlined-2006": ("what the 2006 thread could have had: QUICKSTART full profile, TLS"
                         " 1.2 resumption, T/TCP with data in the SYN, pipelined AUTH, BDAT,"
                         " async QUIT",
                         "draft-fanf-smtp-quickstart-b, RFC 1644, RFC 5077, RFC 3030"),
}

_ALLOWED = tuple(sorted(set(_TOKENS) | set(PRESETS)))

TOKENS: tuple[TokenInfo, ...] = tuple(
    [TokenInfo(n, k, d, s, sets) for n, (k, _a, d, s, sets) in _TOKENS.items()]
    + [TokenInfo(n, "preset", *_PRESET_INFO[n], PRESETS[n]) for n in PRESETS]
)
"""Every token and preset with a one-line description and its source."""


def variant_table() -> list[TokenInfo]:
    """The rows for ``smtpsim variants``: tokens first, then presets."""
    return list(TOKENS)


def canonical_name(expr: str) -> str:
    """``expr`` with all whitespace removed and lower-cased (``" Baseline + TLS1.3"`` ->
    ``"baseline+tls1.3"``); the tokens are not checked."""
    return "".join(expr.split()).lower()


def _expand(name: str, expr: str) -> list[str]:
    """``[name]`` for a token; a preset's tokens for a preset."""
    if name in _TOKENS:
        return [name]
    if name in PRESETS:
        return PRESETS[name].split("+")
    raise UnknownNameError("variant token", name, _ALLOWED, context=repr(expr))


def parse_variant(expr: str) -> Features:
    """The Features for a variant expression (see the module docstring).

    Raises :class:`UnknownNameError` for an unknown token (listing every token and preset)
    and :class:`VariantError` for a combination that cannot be negotiated.
    """
    canon = canonical_name(expr)
    features = Features()
    set_by: dict[str, str] = {}  # field -> the token (as written) that last set it
    used: set[str] = set()
    # A whole expression that names a preset is that preset, even where a token has the same
    # name (``config-token`` alone is baseline + the token; ``baseline+config-token`` too).
    names = PRESETS[canon].split("+") if canon in PRESETS else canon.split("+")
    for written in names:
        for token in _expand(written, canon):
            changes = _TOKENS[token][1](features)
            features = replace(features, **changes)
            set_by.update(dict.fromkeys(changes, written))
            used.add(token)
    for a, b, why in _EXCLUSIVE:
        if a in used and b in used:
            raise VariantError(f"variant {canon!r}: {a!r} conflicts with {b!r}: {why}")
    _check(canon, features, set_by)
    return features


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
