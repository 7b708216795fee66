"""Streaming keeps memory flat: the parent process's peak RSS for 10^5 sessions streamed to
a dataset is within 1.5x of its peak for 10^4. The simulation is replaced by a stand-in that
returns a chunk of real-shaped records at once (a real record repeated), so that what is
measured is what the run holds, not the simulator's per-chunk work (the benchmark measures
the real thing: ``benchmarks/``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = r"""
import resource, sys
import pyarrow as pa
from smtpsim.execution import run as execution
from smtpsim.execution.columns import record_schema
from smtpsim.execution.work import ChunkResult, run_chunk
from smtpsim.scenarios.loader import loads

TEXT = '''
[scenario]
name = "flat"
replications = REPS
[[profile]]
preset = "lan"
[[variant]]
preset = "baseline"
'''

def main() -> None:
    reps = int(sys.argv[1])
    template = None

    def stand_in(chunk, axes):
        nonlocal template
        if template is None:
            one = chunk.runs[0]
            template = run_chunk(type(chunk)(0, chunk.scenario, chunk.seed, False,
                                             (type(one)(one.point, one.values, one.case, 0, 1,
                                                        one.sessions),)), axes).records
        rows = template.take([0] * chunk.sessions)
        return ChunkResult(chunk.index, rows, None, chunk.sessions, 0.0)

    execution.run_chunk = stand_in
    execution.run(loads(TEXT.replace("REPS", str(reps))), executor="serial", out=sys.argv[2])
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

main()
"""


def _peak_kb(reps: int, out: Path) -> int:
    done = subprocess.run([sys.executable, "-c", PROGRAM, str(reps), str(out)],
                          capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


def test_peak_memory_is_flat_from_ten_to_a_hundred_thousand_sessions(tmp_path: Path) -> None:
    small = _peak_kb(10_000, tmp_path / "small")
    large = _peak_kb(100_000, tmp_path / "large")
    assert len(list((tmp_path / "large").glob("part-*.parquet"))) == 64
    assert large < 1.5 * small, (small, large)
