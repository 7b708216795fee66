"""Scenario -> simulator Cases (``smtpsim.scenarios.cases``) -> one records DataFrame.

Every sweep point × profile × variant is one :class:`~smtpsim.model.Case`, run
``replications`` times with ``SeedSequence([seed, replication])``: every variant, profile and
sweep point sees the same random streams for the same replication (common random numbers).
The records carry the scenario's name, the sweep point (index and axis values) and the
simulator's per-message row (client, message index, front-end, outcome, times, counts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from smtpsim.model import Case, SessionRecord, columns
from smtpsim.scenarios.cases import build_case, build_cases, case_count
from smtpsim.scenarios.options import overridden
from smtpsim.scenarios.schema import Scenario
from smtpsim.scenarios.sweep import Point, points
from smtpsim.simulator.run import run_messages

__all__ = [
    "PACKET_COLUMNS", "RunResult", "build_case", "build_cases", "case_count", "run",
]

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
    metric: str = "user"


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
    scenario = overridden(scenario, replications, seed)
    reps, base_seed = scenario.scenario.replications, scenario.scenario.seed
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
