"""A scenario (one sweep point of it) -> simulator Cases, one per profile x variant.

Units change here and only here: the file's ms and kbit/s become the Case's seconds and
bit/s; a profile's preset supplies every value the profile does not set.
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
    PathConfig,
    Server,
    ServerTiming,
    TcpConfig,
    Workload,
)
from smtpsim.scenarios.dists import Fixed
from smtpsim.scenarios.profiles import builtin_profiles
from smtpsim.scenarios.schema import ProfileSpec, Scenario, ServerSpec, VariantSpec, WorkloadSpec
from smtpsim.scenarios.variants import parse_variant

__all__ = ["build_case", "build_cases", "case_count", "path_config", "radio", "tcp_config"]


def _own_or_preset(p: ProfileSpec, key: str, attr: str, default: float = 0.0) -> float:
    """``key`` of the profile in the simulator's unit (ms / 1000.0, kbit/s * 1000.0, as
    ``profiles.py`` converts), else the preset's ``attr`` (already in that unit, so a preset's
    numbers reach the Case unchanged), else ``default``."""
    own = getattr(p, key)
    if own is not None:
        if key.endswith("_ms"):
            return float(own) / 1000.0
        return float(own) * 1000.0 if key.endswith("_kbps") else float(own)
    if p.preset is not None:
        return float(getattr(builtin_profiles()[p.preset], attr))
    return default


def path_config(p: ProfileSpec) -> PathConfig:
    """The profile's path: per-direction delay and rate, loss (or Gilbert–Elliott) and jitter
    both ways; the preset's values where the profile does not override them."""
    if p.rtt_ms is not None:
        up_s = down_s = p.rtt_ms / 2.0 / 1000.0
    else:
        up_s = _own_or_preset(p, "delay_up_ms", "delay_up_s")
        down_s = _own_or_preset(p, "delay_down_ms", "delay_down_s")
    up_bps = _own_or_preset(p, "up_kbps", "up_bps")
    down_bps = _own_or_preset(p, "down_kbps", "down_bps")
    jitter_s = _own_or_preset(p, "jitter_ms", "jitter_s")
    burst = None
    loss = 0.0
    if p.burst is not None:
        b = p.burst
        burst = GilbertElliott(b.p_gb, b.p_bg, b.loss_good, b.loss_bad)
    else:
        loss = _own_or_preset(p, "loss", "loss")
    return PathConfig(
        LinkConfig(up_s, up_bps, jitter_s, loss, burst),
        LinkConfig(down_s, down_bps, jitter_s, loss, burst),
    )


def radio(p: ProfileSpec) -> tuple[float, float]:
    """(promotion, tail) in seconds."""
    return (_own_or_preset(p, "radio_promotion_ms", "radio_promotion_s"),
            _own_or_preset(p, "radio_tail_ms", "radio_tail_s"))


def tcp_config(p: ProfileSpec) -> TcpConfig:
    """Both endpoints' TCP: Linux defaults with the profile's MSS, IW and delayed-ACK timer."""
    tcp = TcpConfig()
    mss = p.value("mss")
    if mss is not None:
        tcp = replace(tcp, mss=mss)
    if p.iw is not None:
        tcp = replace(tcp, iw=p.iw)
    if p.delack_ms is not None:
        tcp = replace(tcp, delack_s=p.delack_ms / 1000.0)
    return tcp


def _timing(server: ServerSpec) -> tuple[ServerTiming, str]:
    timing = ServerTiming.ideal() if server.timing == "ideal" else ServerTiming.typical()
    given: dict[str, Any] = {} if server.timing_ms is None else {
        name: getattr(server.timing_ms, name)
        for name in type(server.timing_ms).model_fields
        if getattr(server.timing_ms, name) is not None
    }
    overrides = {
        name: d.value / 1000.0 if isinstance(d, Fixed) else d.config(1e-3)
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
            LinkConfig(d.rtt_ms / 2.0 / 1000.0, d.up_kbps * 1000.0, d.jitter_ms / 1000.0, d.loss),
            LinkConfig(d.rtt_ms / 2.0 / 1000.0, d.down_kbps * 1000.0, d.jitter_ms / 1000.0,
                       d.loss),
        ),
    )


def build_case(scenario: Scenario, p: ProfileSpec, v: VariantSpec) -> Case:
    """The Case of one profile × variant of a (sweep-free) scenario."""
    tcp = tcp_config(p)
    promotion_s, tail_s = radio(p)
    w = scenario.workload
    return Case(
        network=Network(path_config(p), p.label, promotion_s, tail_s),
        client=Client(parse_variant(v.expression), v.label, w.state, tcp,  # type: ignore[arg-type]
                      idle_s=w.client_idle_s),
        server=_server(scenario.server, tcp),
        workload=_workload(w),
    )


def build_cases(scenario: Scenario) -> list[Case]:
    """One Case per profile × variant (profile-major) of a sweep point's scenario."""
    return [build_case(scenario, p, v) for p in scenario.profile for v in scenario.variant]


def case_count(scenario: Scenario) -> int:
    """Sweep points × profiles × variants."""
    n = 1
    for axis in scenario.sweep:
        n *= len(axis.values)
    return n * len(scenario.profile) * len(scenario.variant)
