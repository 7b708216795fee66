"""Scenario -> simulator Cases -> one records DataFrame.

Every sweep point × profile × variant is one :class:`~smtpsim.simulator.run.Case`, run
``replications`` times with ``SeedSequence([seed, replication])``: every variant, profile and
sweep point sees the same random streams for the same replication (common random numbers).
The records carry the scenario's name, the sweep point (index and axis values) and the
simulator's per-message row (client, message index, front-end, outcome, times, counts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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
    SessionRecord,
    TcpConfig,
    Workload,
    columns,
)
from smtpsim.scenarios.dists import Fixed
from smtpsim.scenarios.errors import InvalidValueError
from smtpsim.scenarios.profiles import builtin_profiles
from smtpsim.scenarios.schema import ProfileSpec, Scenario, ServerSpec, VariantSpec, WorkloadSpec
from smtpsim.scenarios.sweep import Point, points
from smtpsim.scenarios.variants import parse_variant
from smtpsim.simulator.run import run_messages

__all__ = ["RunResult", "build_cases", "case_count", "run", "PACKET_COLUMNS"]

#: Columns of the packet table (``[output] traces = true``): the run, then the packet.
PACKET_COLUMNS = [
    "point", "profile", "variant", "replication", "direction", "sent_s", "arrived_s",
    "wire_bytes", "payload_bytes", "flags", "seq", "ack", "label", "retransmit", "connection",
]  # fmt: skip


@dataclass(frozen=True)
class RunResult:
    """What a scenario run returns: the records (one row per message), the packets of client
    0 in every run when traces are kept (else None), the scenario's reference variant and
    its summary metric (``[scenario] metric``, a key of ``smtpsim.analysis.summary.METRICS``)."""

    records: pd.DataFrame
    packets: pd.DataFrame | None
    reference: str
    metric: str = "done"


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
    given = {} if server.timing_ms is None else {
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


def _unrecorded(
    case: Case, seed: int, replication: int, records: list[SessionRecord]
) -> list[SessionRecord]:
    """An ``unfinished`` record for every message of the workload the simulator did not
    record (a run that reached its simulated-time limit), so that it is counted."""
    w = case.workload
    if w.arrival_rate is not None:
        expected = [(k, 0) for k in range(w.arrival_sessions)]
    else:
        expected = [(k, m) for k in range(w.clients) for m in range(w.messages)]
    seen = {(rec.client, rec.message) for rec in records}
    return [
        SessionRecord(
            profile=case.network.profile, variant=case.client.variant, seed=seed,
            replication=replication, size=w.size, recipients=w.recipients,
            iw=case.client.tcp.iw, server=case.server.name, client=k, message=m,
            state=case.client.state, outcome="unfinished",
        )
        for k, m in expected if (k, m) not in seen
    ]


def case_count(scenario: Scenario) -> int:
    """Sweep points × profiles × variants."""
    n = 1
    for axis in scenario.sweep:
        n *= len(axis.values)
    return n * len(scenario.profile) * len(scenario.variant)


def _progress(total: int, enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=Console(stderr=True), transient=True,
        disable=not enabled or total < 2,
    )


def run(
    scenario: Scenario,
    replications: int | None = None,
    progress: bool = False,
    seed: int | None = None,
) -> RunResult:
    """Run every sweep point × profile × variant × replication of ``scenario``.

    ``replications`` and ``seed`` override the file's; ``progress`` shows a rich progress
    bar on stderr. Every message of the workload is a row, whatever its outcome; one the
    simulator did not record (its run reached the simulated-time limit first) is a row with
    outcome ``unfinished``.
    """
    reps = scenario.scenario.replications if replications is None else replications
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise InvalidValueError("replications", reps, "replications must be >= 1")
    base_seed = scenario.scenario.seed if seed is None else seed
    if isinstance(base_seed, bool) or not isinstance(base_seed, int) or base_seed < 0:
        raise InvalidValueError("seed", base_seed, "seed must be a whole number >= 0")
    grid: list[tuple[Point, list[Case]]] = [(pt, build_cases(pt.scenario))
                                            for pt in points(scenario)]
    axes = [a.path for a in scenario.sweep]
    rows: list[dict[str, Any]] = []
    packets: list[dict[str, Any]] | None = [] if scenario.output.traces else None
    total = sum(len(cases) for _, cases in grid) * reps
    with _progress(total, progress) as bar:
        task = bar.add_task(scenario.scenario.name, total=total)
        for point, cases in grid:
            ident = {"scenario": scenario.scenario.name, "point": point.index, **point.values}
            for case in cases:
                for r in range(reps):
                    records, trace = run_messages(case, base_seed, r, trace=packets is not None)
                    records += _unrecorded(case, base_seed, r, records)
                    rows += [{**ident, **rec.as_row()} for rec in records]
                    if packets is not None and trace is not None:
                        run_id = {"point": point.index, "profile": case.network.profile,
                                  "variant": case.client.variant, "replication": r}
                        packets += [{**run_id, **asdict(p)} for p in trace.packets]
                    bar.advance(task)
    records_df = pd.DataFrame(rows, columns=["scenario", "point", *axes, *columns()])
    packets_df = None if packets is None else pd.DataFrame(packets, columns=PACKET_COLUMNS)
    return RunResult(records_df, packets_df, scenario.reference, scenario.scenario.metric)
