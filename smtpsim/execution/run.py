"""Run a scenario: plan its chunks, run them on an executor, stream their records to a sink.

``run`` is what ``smtpsim run``, ``smtpsim.api.run_scenario`` and ``api.simulate`` call. The
records are the same, row for row and bit for bit, whatever the executor and the number of
workers (each run's randomness comes from the scenario's seed and its replication, and the
sinks put chunks back in the plan's order).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from smtpsim.execution.columns import axis_type, packet_schema, record_schema
from smtpsim.execution.executors import (
    ExecutorName,
    ProcessExecutor,
    default_workers,
    make_executor,
)
from smtpsim.execution.plan import Totals, chunk_size, chunks, session_count, totals
from smtpsim.execution.progress import SessionProgress
from smtpsim.execution.sinks import Sink, open_sink, scenario_hash
from smtpsim.execution.work import ChunkResult, run_chunk
from smtpsim.scenarios.loader import dumps
from smtpsim.scenarios.options import overridden
from smtpsim.scenarios.schema import Scenario
from smtpsim.scenarios.sweep import axis_examples
from smtpsim.version import __version__

__all__ = ["PRESTART_SESSIONS", "SERIAL_FIRST_S", "RunResult", "axes_of", "canonical_text",
           "manifest", "run"]

#: A run starts in this process; a local pool takes over the rest once its workers are ready
#: or the run has taken this long (seconds). A short run (the default scenario takes well
#: under a second) does not pay for starting workers.
SERIAL_FIRST_S = 1.0
#: A run of more sessions than this starts its pool's workers at once, in the background,
#: while this process begins the work (so their start-up costs no time).
PRESTART_SESSIONS = 1000


@dataclass(frozen=True)
class RunResult:
    """What a scenario run returns: the records (one row per message; with ``path`` set, the
    run was streamed there and ``records`` holds only the columns a summary needs), the
    packets of client 0 in every run when traces are kept in memory (else None), the
    scenario's reference variant, its summary metric (``[scenario] metric``), where the
    records were written, and the run's size and speed."""

    records: pd.DataFrame
    packets: pd.DataFrame | None
    reference: str
    metric: str = "user"
    path: Path | None = None
    totals: Totals | None = None
    wall_s: float = 0.0
    workers: int = 1


def axes_of(scenario: Scenario) -> dict[str, pa.DataType]:
    """The sweep axes' column types, from their values."""
    return {a.path: axis_type(axis_examples(a)) for a in scenario.sweep.axes}


def canonical_text(scenario: Scenario) -> str:
    """The scenario as TOML, without its ``[output] path`` (the same run may be written
    anywhere)."""
    output = scenario.output.model_copy(update={"path": None})
    return dumps(scenario.model_copy(update={"output": output}))


def manifest(scenario: Scenario, chunk_sessions: int) -> dict[str, Any]:
    """What a dataset directory records about the run that wrote it."""
    text = canonical_text(scenario)
    return {"smtpsim": __version__, "scenario_sha256": scenario_hash(text),
            "chunk_sessions": chunk_sessions, "scenario": text}


def _keep(sink: Sink, bar: SessionProgress, result: ChunkResult) -> None:
    sink.put(result)
    bar.advance(result.sessions)


def run(
    scenario: Scenario,
    replications: int | None = None,
    progress: bool = False,
    seed: int | None = None,
    *,
    workers: int | None = None,
    executor: ExecutorName = "processes",
    scheduler: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    chunk_sessions: int | None = None,
) -> RunResult:
    """Run every sweep point × profile × variant × replication of ``scenario``.

    ``replications`` and ``seed`` override the file's. ``workers`` (default: every core)
    processes of ``executor``: ``"processes"`` (a local pool), ``"serial"`` (this process)
    or ``"dask"`` (a local Dask cluster, or the one at ``scheduler``). A run of one chunk
    runs in this process, and so does the start of any run: a local pool takes over once its
    workers are ready (started at once, in the background, for a run of more than
    ``PRESTART_SESSIONS`` sessions) or after ``SERIAL_FIRST_S`` (the records are the same
    either way). ``out``: stream the records to a ``.csv`` or ``.parquet`` file, or a
    Parquet dataset directory (any other name) that ``resume`` continues. ``progress`` shows
    progress on stderr. Every message of the workload is a row, whatever its outcome;
    one the simulator did not record (its run reached the simulated-time limit first) is a
    row with outcome ``unfinished``. ``chunk_sessions``: sessions per chunk (default:
    ``smtpsim.execution.plan.chunk_size``).
    """
    started = time.monotonic()
    scenario = overridden(scenario, replications, seed)
    if chunk_sessions is None:
        chunk_sessions = chunk_size(session_count(scenario))
    axes = axes_of(scenario)
    path = None if out is None else Path(out)
    sink = open_sink(path, record_schema(axes), packet_schema(),
                     manifest(scenario, chunk_sessions), resume)
    size = totals(scenario, chunk_sessions)
    n = workers or default_workers()
    kind: ExecutorName = "serial" if size.chunks - len(sink.done) <= 1 and scheduler is None \
        else executor
    pool = make_executor(kind, n, scheduler)
    work = functools.partial(run_chunk, axes=axes)
    done = sum(size.sizes[i] for i in sink.done if i < size.chunks)
    try:
        if isinstance(pool, ProcessExecutor) and size.sessions - done > PRESTART_SESSIONS:
            pool.prestart()  # before the progress bar's thread starts (``executors._context``)
        with SessionProgress(size.sessions, scenario.scenario.name, progress) as bar:
            bar.skip(done)
            pending = (c for c in chunks(scenario, chunk_sessions) if c.index not in sink.done)
            if isinstance(pool, ProcessExecutor):
                for chunk in pending:
                    _keep(sink, bar, work(chunk))
                    if pool.ready() or time.monotonic() - started >= SERIAL_FIRST_S:
                        break
            for result in pool.results(work, pending):
                _keep(sink, bar, result)
        sink.close()
    except BaseException:
        sink.abort()
        raise
    finally:
        pool.close()
    records = sink.records() if path is None else sink.summary_frame()
    return RunResult(records, sink.packets() if path is None else None, scenario.reference,
                     scenario.scenario.metric, path, size, time.monotonic() - started,
                     pool.workers if getattr(pool, "started", True) else 1)
