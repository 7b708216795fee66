"""The variant tokens: what each one assigns to :class:`~smtpsim.model.Features`, with what it
does and its source.

A token's assignment is code (some depend on what is already set: ``starttls`` sets TLS 1.2
only when no version is chosen); the presets, names for token expressions, are data
(``data/variants.toml``, read by ``smtpsim.scenarios.variants``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from smtpsim.model import Features

__all__ = ["TOKEN_DEFS", "Token"]


@dataclass(frozen=True, slots=True)
class Token:
    """A variant token: its ``kind`` (a later token of the same kind overrides an earlier
    one), the field assignment it makes on the features so far, what it does, its source and
    what it sets (for ``smtpsim variants``)."""

    kind: str
    apply: Callable[[Features], dict[str, Any]]
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


_TOKENS: dict[str, tuple[str, Callable[[Features], dict[str, Any]], str, str, str]] = {
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
                      "RFC 8446 §2, §4.4.4 (hypothetical for SMTP)",
                      "banner_half_rtt=True"),
    "resumption": ("resumption", _const(resumption=True),
                   "offer a cached session ticket: TLS 1.2 abbreviated or TLS 1.3 PSK",
                   "RFC 5077, RFC 5246 §7.3, RFC 8446 §2.2", "resumption=True"),
    "no-resumption": ("resumption", _const(resumption=False),
                      "always a full TLS handshake", "RFC 5246, RFC 8446",
                      "resumption=False"),
    "qs-basic": ("quickstart", _quickstart("basic"),
                 "QUICKSTART basic profile: list in the greeting, QHLO, QTLS, pipelined AUTH",
                 "draft-fanf-smtp-quickstart-01 §3-7, -a-00",
                 "quickstart='basic', pipelining=True, auth_pipelined if PLAIN"),
    "qs-full": ("quickstart", _quickstart("full"),
                "QUICKSTART full profile: basic + cached qhlo-id, early QHLO and QTLS",
                "draft-fanf-smtp-quickstart-b §6, §7, -b-00",
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
                 "with a cookie, the SYN carries the client's first write (up to 1420 B)",
                 "RFC 7413 §4.2.1; Linux tcp_send_syn_data", "syn_data=True"),
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
              "RFC 5321 §4.1.4, §4.5.3.2.7", "reuse=True"),
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
                  "assumption (RFC 3501 §5.4 lets an idle session live 30 min)",
                  "imap_cold=False"),
    "imap-pipelined": ("imap-pipelining", _const(imap_pipelined=True, literal_plus=True),
                       "a cold IMAP session sends AUTHENTICATE PLAIN (SASL-IR) and APPEND with"
                       " LITERAL+ in one write, without waiting for the authentication's OK",
                       "RFC 3501 §5.5, RFC 4959, RFC 7888",
                       "imap_pipelined=True, literal_plus=True"),
    "imap-lockstep": ("imap-pipelining", _const(imap_pipelined=False),
                      "wait for AUTHENTICATE's tagged OK before APPEND",
                      "RFC 3501 §6.2.2", "imap_pipelined=False"),
    "imap-tls": ("imap-tls", _const(imap_tls="implicit"),
                 "the IMAP session starts with implicit TLS 1.3 on port 993 (the default)",
                 "RFC 8314 §3", "imap_tls='implicit'"),
    "imap-starttls": ("imap-tls", _const(imap_tls="starttls"),
                      "cleartext greeting on port 143, STARTTLS, TLS 1.3, then CAPABILITY again"
                      " (cached capabilities are discarded)",
                      "RFC 3501 §6.2.1, RFC 2595 §3.1", "imap_tls='starttls'"),
    "imap-plain": ("imap-tls", _const(imap_tls="plain"),
                   "cleartext IMAP, no TLS at all (lab comparisons only)",
                   "RFC 3501 §2.1 (port 143), §6.2.2 (advises against it)", "imap_tls='plain'"),
    "quit-wait": ("quit", _const(quit="wait"),
                  "send QUIT after the 250 and wait for the 221 before telling the user",
                  "RFC 5321 §4.1.1.10", "quit='wait'"),
    "quit-pipelined": ("quit", _const(quit="pipelined"),
                       "QUIT in the same write as the end of data; 250 and 221 come together",
                       "RFC 2920 §3.1", "quit='pipelined'"),
    "quit-async": ("quit", _const(quit="async"),
                   "tell the user at the 250; QUIT and 221 follow in the background",
                   "lemonade 2006 thread; RFC 5321 §4.1.1.10 (QUIT still sent)",
                   "quit='async'"),
    "quit-drop": ("quit", _const(quit="drop"),
                  "no QUIT: close the connection after the 250 (not RFC 5321 compliant)",
                  "RFC 5321 §4.1.1.10 (which requires QUIT)", "quit='drop'"),
}

#: Every token by name, in the order ``smtpsim variants`` lists them.
TOKEN_DEFS: dict[str, Token] = {name: Token(*fields) for name, fields in _TOKENS.items()}
