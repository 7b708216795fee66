"""Interrupted runs lose nothing: a run killed with SIGKILL part-way is finished by
``--resume`` into the same dataset an uninterrupted run writes; a worker process killed
part-way costs only a restart of the pool; SIGTERM while a CSV is being written leaves the
previous file as it was and no temporary file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import psutil

from smtpsim.execution.run import run
from smtpsim.scenarios.loader import loads

#: 1500 sessions of a lossy 3g path: long enough to interrupt; chunks of ceil(1500 / 64) = 24
#: sessions, so 63 of them (62 full, one of 12).
TEXT = """
[scenario]
name = "long"
seed = 3
replications = 1500

[[profile]]
preset = "3g"
loss = 0.01

[[variant]]
preset = "baseline"

[workload]
size_bytes = 20000
"""


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    path = tmp_path / "long.toml"
    path.write_text(TEXT)
    return subprocess.Popen([sys.executable, "-m", "smtpsim", "run", str(path), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(condition: Callable[[], bool], proc: subprocess.Popen[bytes],
              timeout_s: float = 120) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < end, "the run made no progress"
        time.sleep(0.02)


def _parts(out: Path) -> int:
    return len(list(out.glob("part-*.parquet")))


def _uninterrupted(tmp_path: Path) -> pd.DataFrame:
    out = tmp_path / "whole"
    run(loads(TEXT), executor="serial", out=out)
    return pd.read_parquet(out)


def test_sigkill_then_resume_gives_the_uninterrupted_dataset(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    proc = _start(tmp_path, "--out", str(out), "--workers", "1")
    _wait_for(lambda: _parts(out) >= 3, proc)
    proc.kill()
    proc.wait()
    written = _parts(out)
    assert 3 <= written < 63  # stopped part-way
    resumed = run(loads(TEXT), executor="serial", out=out, resume=True)
    assert resumed.totals is not None and resumed.totals.chunks == 63
    assert _parts(out) == 63
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no half-written part
    pd.testing.assert_frame_equal(pd.read_parquet(out), _uninterrupted(tmp_path))


def test_a_killed_worker_costs_a_restart_not_a_record(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    proc = _start(tmp_path, "--out", str(out), "--workers", "2")
    parent = psutil.Process(proc.pid)

    def workers() -> list[psutil.Process]:
        """The pool's workers: the command's children when forked from it, or the
        forkserver's (the pool starts after the first second of work in the command's own
        process), never the forkserver or the resource tracker themselves."""
        found = []
        for p in parent.children(recursive=True):
            try:
                helper = p.ppid() == proc.pid and any(
                    "forkserver" in a or "resource_tracker" in a for a in p.cmdline())
            except psutil.NoSuchProcess:
                continue
            if not helper:
                found.append(p)
        return found

    _wait_for(lambda: len(workers()) >= 2 and _parts(out) >= 2, proc)
    os.kill(workers()[0].pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert "a worker process died; starting the pool again" in err.decode()
    pd.testing.assert_frame_equal(pd.read_parquet(out), _uninterrupted(tmp_path))


def test_sigterm_keeps_the_previous_csv(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    out.write_text("previous results\n")
    proc = _start(tmp_path, "--out", str(out), "--workers", "1")
    _wait_for(lambda: any(p.name.startswith(".r.csv.") for p in tmp_path.iterdir()), proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert out.read_text() == "previous results\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
