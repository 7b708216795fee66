"""A scenario (one sweep point of it) -> simulator Cases, one per profile x variant.

Units change here: the file's ms and kbit/s become the Case's seconds and bit/s (a server
timing preset's ms in ``smtpsim.scenarios.servers``); a profile's preset supplies every value
the profile does not set.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from smtpsim.model import (
    Case,
    Client,
    FarmConfig,
    GilbertElliott,
    LinkConfig,
    Network,
    Outage,
    PathConfig,
    Server,
    ServerTiming,
    TcpConfig,
    Workload,
)
from smtpsim.model.network import MTU_BYTES
from smtpsim.model.software import ClientSoftware
from smtpsim.scenarios.dists import Fixed
from smtpsim.scenarios.profiles import ProfileSpec, queue_setting
from smtpsim.scenarios.schema import Scenario, ServerSpec, VariantSpec, WorkloadSpec
from smtpsim.scenarios.servers import get_server_timing
from smtpsim.scenarios.software import client_software, server_software
from smtpsim.scenarios.traces import load_trace
from smtpsim.scenarios.variants import parse_variant

__all__ = ["build_case", "build_cases", "case_count", "path_config", "radio", "tcp_config"]


def _seconds(ms: float) -> float:
    return ms / 1000.0


def _bps(kbps: float) -> float:
    return float(kbps) * 1000.0


def path_config(p: ProfileSpec) -> PathConfig:
    """The profile's path: per-direction delay and rate (or capacity trace), loss (or
    Gilbert–Elliott) and jitter both ways, each direction's buffer, the outages; the
    preset's values where the profile does not override them.

    A buffer given as a multiple of the bandwidth-delay product is that many times the
    direction's rate (a trace's mean rate) times the round-trip time, in bytes, rounded, and
    never less than one 1500-byte packet."""
    up_ms, down_ms = p.delays_ms()
    rtt_s = _seconds(up_ms + down_ms)
    jitter_s = _seconds(p.value("jitter_ms") or 0.0)
    burst = None
    loss = 0.0
    if p.burst is not None:
        b = p.burst
        burst = GilbertElliott(b.p_gb, b.p_bg, b.loss_good, b.loss_bad)
    else:
        loss = float(p.value("loss") or 0.0)
    outages = tuple(sorted((Outage(o.at_s, o.for_s) for o in p.outage or ()),
                           key=lambda o: o.at_s))
    links = []
    for direction, delay_ms in (("up", up_ms), ("down", down_ms)):
        name = getattr(p, f"{direction}_trace")
        trace = None if name is None else load_trace(name)
        bps = trace.mean_bps if trace is not None else _bps(p.value(f"{direction}_kbps"))
        queue = queue_setting(p, p.base, direction)
        limit = None
        if queue is not None:
            kind, amount = queue
            limit = int(amount) if kind == "bytes" else max(
                MTU_BYTES, round(amount * bps / 8.0 * rtt_s))
        links.append(LinkConfig(_seconds(delay_ms), bps, jitter_s, loss, burst, limit, trace,
                                outages, p.discipline(direction)))
    return PathConfig(*links)


def radio(p: ProfileSpec) -> tuple[float, float]:
    """(promotion, tail) in seconds."""
    promotion_ms, tail_ms = p.radio_ms()
    return _seconds(promotion_ms), _seconds(tail_ms)


def tcp_config(p: ProfileSpec) -> TcpConfig:
    """Both endpoints' TCP: Linux defaults with the profile's MSS, IW, delayed-ACK timer, SACK,
    RACK-TLP, congestion control, HyStart and receive buffer (``rmem``, ``rmem_autotune``)."""
    tcp = TcpConfig()
    mss = p.value("mss")
    if mss is not None:
        tcp = replace(tcp, mss=mss)
    if p.delack_ms is not None:
        tcp = replace(tcp, delack_s=_seconds(p.delack_ms))
    given = {key: getattr(p, key) for key in _TCP_KEYS}
    return replace(tcp, **{key: v for key, v in given.items() if v is not None})


#: ``[[profile]]`` keys that are ``TcpConfig`` fields of the same name and value
_TCP_KEYS = ("iw", "sack", "rack", "congestion", "hystart", "rmem", "rmem_autotune")


def _timing(server: ServerSpec) -> tuple[ServerTiming, str]:
    timing = get_server_timing(server.timing)
    given: dict[str, Any] = {} if server.timing_ms is None else {
        name: getattr(server.timing_ms, name)
        for name in type(server.timing_ms).model_fields
        if getattr(server.timing_ms, name) is not None
    }
    overrides = {
        name: _seconds(d.value) if isinstance(d, Fixed) else d.config(1e-3)
        for name, d in given.items()
    }
    if not overrides:
        return timing, server.timing
    return replace(timing, **overrides), server.timing + "+custom"


def _workload(w: WorkloadSpec) -> Workload:
    """The workload: fixed quantities as numbers, others as Distributions (with the mean,
    rounded, for the warm-up message that is not recorded)."""
    out: dict[str, Any] = {"clients": w.clients, "messages": w.messages}
    if isinstance(w.gap_s, Fixed):
        out["gap_s"] = w.gap_s.value
    else:
        out |= {"gap": w.gap_s.config(), "gap_s": w.gap_s.config().mean}
    for key, fixed, dist in (("size_bytes", "size", "size_dist"),
                             ("recipients", "recipients", "recipients_dist")):
        d = getattr(w, key)
        if isinstance(d, Fixed):
            out[fixed] = int(d.value)
        else:
            out[dist] = d.config()
            out[fixed] = max(1, round(d.config().mean))
    if w.arrival_rate_per_s is not None:
        out |= {"arrival_rate": w.arrival_rate_per_s, "arrival_sessions": w.arrival_sessions}
    return Workload(**out)


def _software(server: Server, s: ServerSpec, client: ClientSoftware) -> Server:
    """``server`` as the server program ``s.software`` runs it, with the client program's
    TLS CPU (``data/software.toml``)."""
    tls = server.tls
    if client.tls_cpu_s is not None:
        tls = replace(tls, client_cpu_s=client.tls_cpu_s)
    if s.software is None:
        return replace(server, tls=tls)
    sw = server_software(s.software)
    tls = replace(tls, tickets_13=sw.tickets_13, server_flight=sw.server_flight,
                  server_cpu_s=sw.server_cpu_s)
    name = sw.name if server.name == sw.timing else f"{sw.name}+{server.name}"
    changes: dict[str, Any] = {}
    if sw.burl_local:  # the fetch inside the submission process: no network, no new login
        changes = {"dc_path": PathConfig.symmetric_rtt(0.0, 1e12, 1e12), "burl_pooled": True}
    return replace(server, name=name, tls=tls, nagle=sw.nagle,
                   reply_writes=sw.reply_writes, ehlo=sw.ehlo,  # type: ignore[arg-type]
                   quit_linger_s=sw.quit_linger_s, imap_tickets_13=sw.imap_tickets_13,
                   **changes)


def _server(s: ServerSpec, tcp: TcpConfig) -> Server:
    timing, name = _timing(s)
    f, d = s.farm, s.dc_path
    return Server(
        name=name, timing=timing, tcp=tcp, workers=s.workers, idle_s=s.idle_timeout_s,
        burl_pooled=s.burl_pooled,
        farm=FarmConfig(
            f.frontends, f.affinity, f.shared_tokens, f.shared_tfo_key, f.shared_ticket_key,
            tuple(f.config_changes_s), f.rolling_interval_s,
        ),
        dc_path=PathConfig(
            LinkConfig(_seconds(d.rtt_ms / 2.0), _bps(d.up_kbps), _seconds(d.jitter_ms), d.loss),
            LinkConfig(_seconds(d.rtt_ms / 2.0), _bps(d.down_kbps), _seconds(d.jitter_ms),
                       d.loss),
        ),
    )


def build_case(scenario: Scenario, p: ProfileSpec, v: VariantSpec) -> Case:
    """The Case of one profile × variant of a (sweep-free) scenario."""
    tcp = tcp_config(p)
    promotion_s, tail_s = radio(p)
    w = scenario.workload
    program = client_software(scenario.client.software)
    return Case(
        network=Network(path_config(p), p.label, promotion_s, tail_s),
        client=Client(program.apply(parse_variant(v.expression)), v.label,
                      w.state, tcp, idle_s=w.client_idle_s,  # type: ignore[arg-type]
                      software=program.name, tls_setup_s=program.tls_setup_s,
                      habits=program.habits),
        server=_software(_server(scenario.server, tcp), scenario.server, program),
        workload=_workload(w),
    )


def build_cases(scenario: Scenario) -> list[Case]:
    """One Case per profile × variant (profile-major) of a sweep point's scenario."""
    return [build_case(scenario, p, v) for p in scenario.profile for v in scenario.variant]


def case_count(scenario: Scenario) -> int:
    """Sweep points × profiles × variants."""
    return scenario.sweep.point_count * len(scenario.profile) * len(scenario.variant)
