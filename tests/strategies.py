"""Hypothesis strategies shared by the tests: lossless, jitter-free cases over the whole domain.

Ranges (the closed-form oracle's test domain): RTT 0.1 ms to 2 s and bandwidth 9.6 kbit/s to
10 Gbit/s, both log-uniform; the downlink within a factor [1/8, 8] of the uplink (clipped to the
range); the one-way delays split the RTT anywhere between 20/80 and 80/20; body 100 B to 20 MB
(log-uniform); 1 to 50 recipients; initial window 3 (RFC 3390, 2006) or 10 (RFC 6928); an ideal
server (no processing, no TLS CPU) or a typical one (``ServerTiming.typical()``, TLS CPU);
every preset the oracle models (``ORACLE_PRESETS``), or a random compatible combination of
variant tokens (one from each group of ``_GROUPS``, in random order, so a later token may
override an earlier one; ``resumption`` with TLS, a cold client has no ticket to offer).
Implicit TLS, the 0.5-RTT banner, QUICKSTART and warm clients are outside the oracle's domain
and not drawn.
"""

from __future__ import annotations

import math

from hypothesis import assume
from hypothesis import strategies as st

from smtpsim.scenarios.errors import VariantError
from smtpsim.scenarios.variants import parse_variant
from smtpsim.simulator.config import (
    LinkConfig,
    PathConfig,
    ServerTiming,
    TcpConfig,
    TlsConfig,
)
from smtpsim.simulator.session import Case

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
#: The presets inside the oracle's domain: the brief's four. ``quickstart-basic`` and
#: ``quickstart-full`` (QUICKSTART) are not modelled by the closed form.
ORACLE_PRESETS = ("rfc5321", "pipelining", "chunking", "baseline")
presets = st.sampled_from(ORACLE_PRESETS)

#: One token is drawn from each group; their order is random too (a later token overrides).
_GROUPS = (
    ("pipelining", "no-pipelining"),
    ("data", "chunking"),
    ("no-tls", "tls1.2", "tls1.3"),
    ("no-auth", "auth-plain", "auth-pipelined", "auth-login", "auth-scram"),
    ("quit-wait", "quit-async", "quit-pipelined", "quit-drop"),
    ("coalesced", "nagle-per-command"),
    ("nagle", "nodelay"),
)
#: HELO negotiates nothing (RFC 5321 §4.1.1.1): with it, the protocol tokens are fixed.
_HELO = ("helo", "no-pipelining", "data", "no-tls", "no-auth")
_HELO_QUIT = ("quit-wait", "quit-async", "quit-drop")


@st.composite
def token_variants(draw: st.DrawFn) -> str:
    """A random variant expression that ``parse_variant`` accepts."""
    helo = draw(st.integers(0, 4)) == 0  # one in five
    if helo:
        tokens = [*_HELO, draw(st.sampled_from(_HELO_QUIT))]
        tokens += [draw(st.sampled_from(g)) for g in _GROUPS[5:]]
    else:
        tokens = ["ehlo"] + [draw(st.sampled_from(g)) for g in _GROUPS]
        if "no-tls" not in tokens:  # a cold client has no ticket to offer: no effect
            tokens.append(draw(st.sampled_from(["no-resumption", "resumption"])))
    expr = "+".join(draw(st.permutations(tokens)))
    try:
        parse_variant(expr)
    except VariantError:  # auth-pipelined or quit-pipelined without PIPELINING
        assume(False)
    return expr


variants = st.one_of(presets, token_variants())


@st.composite
def lossless_paths(draw: st.DrawFn) -> PathConfig:
    rtt = draw(rtts)
    up = draw(bandwidths)
    down = min(MAX_BPS, max(MIN_BPS, up * draw(log_uniform(1 / 8, 8))))
    split = draw(st.floats(0.2, 0.8))
    return PathConfig(LinkConfig(rtt * split, up), LinkConfig(rtt * (1 - split), down))


@st.composite
def lossless_cases(draw: st.DrawFn, variant: st.SearchStrategy[str] = variants) -> Case:
    """A lossless, jitter-free ``Case`` drawn from the whole domain (see the module docstring)."""
    expr = draw(variant)
    iw = draw(st.sampled_from([3, 10]))
    tcp = TcpConfig(iw=iw)
    server = draw(st.sampled_from(["ideal", "typical"]))
    if server == "ideal":
        timing, tls = ServerTiming.ideal(), TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0)
    else:
        timing, tls = ServerTiming.typical(), TlsConfig()
    return Case(
        path=draw(lossless_paths()),
        features=parse_variant(expr),
        size=draw(sizes),
        recipients=draw(st.integers(1, 50)),
        client_tcp=tcp,
        server_tcp=tcp,
        tls=tls,
        timing=timing,
        variant=expr,
        server=server,
    )
