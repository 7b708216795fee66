"""Hypothesis strategies shared by the tests: lossless, jitter-free cases over the whole domain.

Ranges (the closed-form oracle's test domain): RTT 0.1 ms to 2 s and bandwidth 9.6 kbit/s to
10 Gbit/s, both log-uniform; the downlink within a factor [1/8, 8] of the uplink (clipped to the
range); the one-way delays split the RTT anywhere between 20/80 and 80/20; body 100 B to 20 MB
(log-uniform); 1 to 50 recipients; initial window 3 (RFC 3390, 2006) or 10 (RFC 6928); an ideal
server (no processing, no TLS CPU) or a typical one (``ServerTiming.typical()``, TLS CPU); a
cold client or a warm one (what one earlier connection left: ticket, Fast Open cookie, tokens),
whose server changed its configuration since (every token stale) one time in three; every
preset the oracle models (``ORACLE_PRESETS``), or a random combination of variant tokens: the
session start (standard, QUICKSTART basic or full, early pipelining) and one token from each
group of ``_GROUPS``, in random order, so a later token may override an earlier one. The IMAP
side too: no save, send-and-save in parallel or first, or BURL, with a synchronizing literal
or LITERAL+, an open or a cold IMAP session over implicit TLS, STARTTLS or cleartext, its
AUTHENTICATE pipelined with the APPEND or not; and for BURL the server's fetch on its pooled
connection or a new one.

Which combinations can be negotiated is decided by one table, the negotiation rules of
``smtpsim.model.features.RULES``: a drawn combination is kept only if ``parse_variant``
(which refuses what ``violations`` finds) accepts it. The narrowings below (``_FAMILIES``,
``_HELO``, ``_ONLY_WITH``) are not a second list of rules: they only make valid draws likelier
(a token is drawn only where some combination with it can be negotiated, a group is narrowed to
what a start can use), so that fewer draws are filtered out; every draw still passes the
table's filter.

Outside the oracle's domain and not drawn: several messages on a kept session, server farms,
lossy paths.
"""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import assume
from hypothesis import strategies as st

from smtpsim.model import (
    Case,
    Client,
    Habits,
    LinkConfig,
    Network,
    PathConfig,
    Server,
    ServerTiming,
    TcpConfig,
    TlsConfig,
    Workload,
    updated,
)
from smtpsim.model.text import EHLO_KEYWORDS
from smtpsim.scenarios.errors import VariantError
from smtpsim.scenarios.variants import PRESETS, parse_variant

__all__ = [
    "log_uniform",
    "rtts",
    "bandwidths",
    "sizes",
    "ORACLE_PRESETS",
    "presets",
    "token_variants",
    "variants",
    "lossless_paths",
    "lossless_cases",
]

MIN_BPS, MAX_BPS = 9_600.0, 10e9
MIN_SIZE, MAX_SIZE = 100, 20_000_000


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats whose logarithm is uniform on [log lo, log hi]."""
    return st.floats(math.log(lo), math.log(hi)).map(lambda x: min(hi, max(lo, math.exp(x))))


rtts = log_uniform(1e-4, 2.0)
bandwidths = log_uniform(MIN_BPS, MAX_BPS)
sizes = log_uniform(MIN_SIZE, MAX_SIZE).map(round)
#: Every preset: the oracle models them all (``burl`` with the IMAP side since it was
#: extended).
ORACLE_PRESETS = tuple(sorted(PRESETS))
presets = st.sampled_from(ORACLE_PRESETS)

#: One token is drawn from each group; their order is random too (a later token overrides).
_GROUPS: dict[str, tuple[str, ...]] = {
    "pipelining": ("pipelining", "no-pipelining"),
    "body": ("data", "chunking"),
    "tls": ("no-tls", "tls1.2", "tls1.3"),
    "auth": ("no-auth", "auth-plain", "auth-pipelined", "auth-login", "auth-scram"),
    "quit": ("quit-wait", "quit-async", "quit-pipelined", "quit-drop"),
    "writes": ("coalesced", "nagle-per-command"),
    "nagle": ("nagle", "nodelay"),
    "tls-mode": ("starttls-mode", "implicit-tls"),
    "resumption": ("no-resumption", "resumption"),
    "fast-open": ("no-fast-open", "tfo", "ttcp", "synack-banner"),
    "reuse": ("no-reuse", "no-reuse", "no-reuse", "reuse"),
}
#: The IMAP side (send-and-save, BURL), drawn when ``imap``: no save half of the time, and
#: ``burl`` (which saves in parallel unless told "first") one time in two, in any order.
_IMAP_GROUPS: dict[str, tuple[str, ...]] = {
    "save": ("no-save", "no-save", "no-save", "save", "save-first", "save-first"),
    "literal": ("literal-sync", "literal-plus"),
    "imap-session": ("imap-open", "imap-cold"),
    "imap-tls": ("imap-tls", "imap-starttls", "imap-plain"),
    "imap-pipelining": ("imap-lockstep", "imap-pipelined"),
}
#: The start of the session: the standard dialogue, QUICKSTART's profiles or early pipelining.
#: QUICKSTART and early pipelining need PIPELINING, one write and a one-round-trip AUTH, and
#: QUICKSTART starts TLS with QTLS: those groups are narrowed for them.
_FAMILIES: dict[str, dict[str, tuple[str, ...]]] = {
    "standard": {"start": ("no-quickstart", "no-config-token")},
    "qs-basic": {"start": ("qs-basic",), "pipelining": ("pipelining",),
                 "auth": ("no-auth", "auth-plain", "auth-pipelined"), "writes": ("coalesced",),
                 "tls-mode": ("starttls-mode",)},
    "qs-full": {"start": ("qs-full",), "pipelining": ("pipelining",),
                "auth": ("no-auth", "auth-plain", "auth-pipelined"), "writes": ("coalesced",),
                "tls-mode": ("starttls-mode",)},
    "config-token": {"start": ("config-token",), "pipelining": ("pipelining",),
                     "auth": ("no-auth", "auth-plain", "auth-pipelined"),
                     "writes": ("coalesced",)},
}
#: HELO negotiates nothing (RFC 5321 §4.1.1.1): with it, the protocol tokens are fixed.
_HELO = ("helo", "no-pipelining", "data", "no-tls", "no-auth", "no-quickstart",
         "no-config-token", "starttls-mode")
_HELO_QUIT = ("quit-wait", "quit-async", "quit-drop")
_HELO_FREE = ("writes", "nagle", "fast-open", "reuse")


#: Narrowing: a token drawn (half of the time) only where a combination with it can be
#: negotiated: with one of these tokens already drawn, and none of the ``_UNLESS`` ones.
_ONLY_WITH: dict[str, tuple[str, ...]] = {
    "banner-0.5rtt": ("implicit-tls",),
    "early-data": ("resumption",),
    "syn-data": ("tfo", "ttcp"),
    "burl": ("auth-plain", "auth-pipelined", "auth-login", "auth-scram"),
}
_UNLESS: dict[str, tuple[str, ...]] = {"early-data": ("tls1.2",)}


def _maybe(draw: st.DrawFn, tokens: list[str], token: str) -> None:
    """Add ``token`` half of the time, where ``_ONLY_WITH`` and ``_UNLESS`` allow it."""
    if (set(_ONLY_WITH[token]) & set(tokens) and not set(_UNLESS.get(token, ())) & set(tokens)
            and draw(st.booleans())):
        tokens.append(token)


@st.composite
def token_variants(draw: st.DrawFn, imap: bool = True) -> str:
    """A random variant expression that ``parse_variant`` accepts (the negotiation table's
    filter): one token from each group (narrowed for the session start drawn), the 0.5-RTT
    banner, 0-RTT data and data in the SYN sometimes where they can be negotiated, with
    ``imap`` one token of each IMAP group and sometimes BURL, in random order."""
    if draw(st.integers(0, 9)) == 0:  # HELO, one in ten
        tokens = [*_HELO, draw(st.sampled_from(_HELO_QUIT))]
        tokens += [draw(st.sampled_from(_GROUPS[g])) for g in _HELO_FREE]
    else:
        family = _FAMILIES[draw(st.sampled_from(
            ["standard", "standard", "qs-basic", "qs-full", "config-token"]))]
        tokens = ["ehlo", *family["start"]]
        tokens += [draw(st.sampled_from(family.get(g, choices)))
                   for g, choices in _GROUPS.items()]
        _maybe(draw, tokens, "banner-0.5rtt")
        _maybe(draw, tokens, "early-data")  # TLS 1.3 0-RTT, on the ticket
        _maybe(draw, tokens, "syn-data")
    if imap:
        tokens += [draw(st.sampled_from(choices)) for choices in _IMAP_GROUPS.values()]
        _maybe(draw, tokens, "burl")
    expr = "+".join(draw(st.permutations(tokens)))
    try:
        parse_variant(expr)
    except VariantError:  # a rule of the table is broken (some by a later token undoing what
        assume(False)  # an earlier one needs: no-tls after implicit-tls or resumption, ...)
    return expr


variants = st.one_of(presets, token_variants())


@st.composite
def lossless_paths(draw: st.DrawFn) -> PathConfig:
    rtt = draw(rtts)
    up = draw(bandwidths)
    down = min(MAX_BPS, max(MIN_BPS, up * draw(log_uniform(1 / 8, 8))))
    split = draw(st.floats(0.2, 0.8))
    return PathConfig(LinkConfig(rtt * split, up), LinkConfig(rtt * (1 - split), down))


#: ``tcp_rmem`` (min, default, max): Linux's, and smaller buffers whose autotuned window binds
#: for bodies of a few hundred kB (both models then follow the advertised window closely);
#: one case in four has the fixed window of ``rmem[2]`` (``rmem_autotune`` False).
_rmems = st.sampled_from([(4096, 131072, 6291456), (4096, 131072, 262144),
                          (4096, 32768, 131072)])


@st.composite
def lossless_cases(draw: st.DrawFn, variant: st.SearchStrategy[str] = variants) -> Case:
    """A lossless, jitter-free ``Case`` drawn from the whole domain (see the module docstring)."""
    expr = draw(variant)
    iw = draw(st.sampled_from([3, 10]))
    # RACK-TLP's probe timeout (2 SRTT) fires on many lossless paths, and the comparison then
    # stops at the first probe (the oracle models no timer); half the cases run without it,
    # so that they are compared whole (Linux: net.ipv4.tcp_recovery = 0)
    # HyStart may end CUBIC's slow start without a loss, and the oracle then stops
    # (``SlowStartEnds``): half the cases run without it (Linux tcp_cubic hystart=0)
    tcp = TcpConfig(iw=iw, rack=draw(st.booleans()), hystart=draw(st.booleans()),
                    rmem=draw(_rmems), rmem_autotune=draw(st.integers(0, 3)) > 0)
    server = draw(st.sampled_from(["ideal", "typical"]))
    if server == "ideal":
        timing = ServerTiming.ideal()
        tls = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0, resumed_cpu_s=0.0)
    else:
        timing, tls = ServerTiming.typical(), TlsConfig()
    state = draw(st.sampled_from(["cold", "warm"]))
    changed = state == "warm" and draw(st.integers(0, 2)) == 0
    pooled = draw(st.integers(0, 3)) > 0  # BURL's fetch: a new connection one time in four
    return Case(
        network=Network(draw(lossless_paths())),
        client=Client(parse_variant(expr), expr, state, tcp),  # type: ignore[arg-type]
        server=Server(server, timing, tls, tcp, burl_pooled=pooled, config_changed=changed),
        workload=Workload(draw(sizes), draw(st.integers(1, 50))),
    )


#: ``Client.tls_setup_s``: none, CPython's ``ssl._create_stdlib_context()`` (0.65 ms),
#: swaks's context with the CA bundle (22.7 ms), and one past the 40 ms delayed-ACK timer
#: (the 220's ACK then goes alone before the ClientHello).
TLS_SETUPS = (0.0, 0.00065, 0.0227, 0.1)
tls_setups = st.one_of(st.sampled_from(TLS_SETUPS), st.floats(0.0, 0.2))
reply_writes = st.sampled_from(["group", "line"])
#: ``Server.ehlo``: each program's EHLO reply (``text.EHLO_KEYWORDS``)
ehlos = st.sampled_from(sorted(EHLO_KEYWORDS))
#: ``Server.quit_linger_s``: none, Exim 4.96's 200 ms poll for the client's FIN, or any wait
quit_lingers = st.one_of(st.sampled_from([0.0, 0.2]), st.floats(0.0, 1.0))


@st.composite
def tls_parameter_cases(draw: st.DrawFn) -> Case:
    """A lossless case (TLS 1.2 or 1.3, any start) whose server sends 0, 1 or 2 TLS 1.3
    session tickets (``TlsConfig.tickets_13``; OpenSSL's default is 2, one write each), a
    first flight of 1 to 5 segments (``server_flight``: a short chain or a long one, below or
    above IW 3), keeps Nagle on or off (``Server.nagle``) and writes its replies grouped or
    line by line (``Server.reply_writes``), whose client spends ``tls_setup_s`` before the
    ClientHello that follows STARTTLS's 220: the parameters that decide when the ACK of the
    client's Finished comes and what the server holds behind its tickets."""
    case = draw(lossless_cases(variant=st.one_of(presets, token_variants())))
    tls = replace(case.server.tls, tickets_13=draw(st.integers(0, 2)),
                  server_flight=draw(st.integers(1000, 7000)))
    return updated(case, server={"tls": tls, "nagle": draw(st.booleans()),
                                 "reply_writes": draw(reply_writes)},
                   client={"tls_setup_s": draw(tls_setups)})


#: ``Client.habits``: the generic client's (none) or Exim's, or any mix: the FIN right
#: behind a QUIT, a wait for the server's FIN after the 221 (none, Exim's 20 ms, up to 0.1 s),
#: a header chunk first above Exim's 8192 bytes or above any size of the domain, the model's
#: early-pipelining schedule or Exim's PIPE_CONNECT.
habits = st.one_of(
    st.just(Habits()),
    st.just(Habits(True, 0.02, 8192, "exim")),
    st.builds(Habits, st.booleans(),
              st.one_of(st.just(0.0), st.just(0.02), st.floats(0.0, 0.1)),
              st.one_of(st.none(), st.just(8192), st.integers(100, 20_000_000)),
              st.sampled_from(["token", "exim"])),
)


@st.composite
def profile_cases(draw: st.DrawFn) -> Case:
    """A lossless case (``lossless_cases``) with what an implementation profile sets beside
    the variant: the server's ``reply_writes`` ("group", or "line": every reply line a write
    of its own), Nagle, its EHLO reply (``ehlo``), its wait for the client's FIN after QUIT
    (``quit_linger_s``) and its IMAP server's TLS 1.3 tickets (``imap_tickets_13``), and the
    client's ``tls_setup_s`` (CPU between STARTTLS's 220 and its ClientHello) and ``habits``
    (how it ends the session and chunks the message)."""
    case = draw(lossless_cases())
    return updated(case, server={"reply_writes": draw(reply_writes),
                                 "nagle": draw(st.booleans()), "ehlo": draw(ehlos),
                                 "quit_linger_s": draw(quit_lingers),
                                 "imap_tickets_13": draw(st.integers(0, 2))},
                   client={"tls_setup_s": draw(tls_setups), "habits": draw(habits)})
