"""What a worker does with a chunk: simulate each of its runs and return its records (and
packets) as Arrow tables (a run's replications that draw no random number are simulated
once, ``run_replications``). A plain function of the chunk, so any executor can run it: the
same chunk gives the same tables in any process, on any machine.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

from smtpsim.execution.columns import packet_schema, record_schema
from smtpsim.execution.plan import Chunk
from smtpsim.model import Case, SessionRecord
from smtpsim.simulator.run import run_replications

__all__ = ["ChunkResult", "run_chunk", "unrecorded"]


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """Chunk ``index``'s records (and packets, when traced), the sessions it simulated and
    the CPU seconds it took."""

    index: int
    records: pa.Table
    packets: pa.Table | None
    sessions: int
    cpu_s: float


def unrecorded(case: Case, seed: int, replication: int,
               records: list[SessionRecord]) -> list[SessionRecord]:
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
            state=case.client.state, software=case.client.software, outcome="unfinished",
        )
        for k, m in expected if (k, m) not in seen
    ]


def run_chunk(chunk: Chunk, axes: dict[str, pa.DataType]) -> ChunkResult:
    """Simulate every run of ``chunk``; ``axes`` are the sweep axes' column types."""
    started = time.process_time()
    rows: list[dict[str, Any]] = []
    packets: list[dict[str, Any]] | None = [] if chunk.traces else None
    for run in chunk.runs:
        ident = {"scenario": chunk.scenario, "point": run.point, **dict(run.values)}
        for r, records, trace in run_replications(run.case, chunk.seed, run.first, run.stop,
                                                   trace=chunk.traces):
            records += unrecorded(run.case, chunk.seed, r, records)
            rows += [{**ident, **rec.as_row()} for rec in records]
            if packets is not None and trace is not None:
                run_id = {"point": run.point, "profile": run.case.network.profile,
                          "variant": run.case.client.variant, "replication": r}
                packets += [{**run_id, **asdict(p)} for p in trace.packets]
    table = pa.Table.from_pylist(rows, schema=record_schema(axes))
    packet_table = (None if packets is None
                    else pa.Table.from_pylist(packets, schema=packet_schema()))
    return ChunkResult(chunk.index, table, packet_table, chunk.sessions,
                       time.process_time() - started)
