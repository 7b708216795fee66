"""The same records, row for row and bit for bit, whatever runs the chunks: this process, a
local pool of 2 processes, a Dask LocalCluster of 2 workers; and whatever the chunk size."""

from __future__ import annotations

import pandas as pd
import pytest

from smtpsim.execution import run as execution
from smtpsim.execution.run import run

from .scenarios import TEXT, scenario


@pytest.fixture(scope="module")
def serial() -> pd.DataFrame:
    return run(scenario(), executor="serial", chunk_sessions=5).records


def test_serial_runs_every_session(serial: pd.DataFrame) -> None:
    """2 points x 2 profiles x 2 variants x 6 replications, one message each."""
    assert len(serial) == 48
    assert serial.groupby(["point", "profile", "variant"]).size().eq(6).all()
    assert serial["replication"].tolist()[:6] == list(range(6))


def test_chunk_size_does_not_change_the_records(serial: pd.DataFrame) -> None:
    one_chunk = run(scenario(), executor="serial", chunk_sessions=10_000).records
    pd.testing.assert_frame_equal(serial, one_chunk)


def test_short_runs_do_not_start_a_pool(serial: pd.DataFrame) -> None:
    """48 cheap sessions take well under ``SERIAL_FIRST_S``: no worker is started."""
    quick = run(scenario(), workers=2, executor="processes", chunk_sessions=5)
    assert quick.workers == 1
    pd.testing.assert_frame_equal(serial, quick.records)


def test_process_pool_gives_the_same_records(serial: pd.DataFrame,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """With the pool started after the first chunk, the other nine run in it."""
    monkeypatch.setattr(execution, "SERIAL_FIRST_S", 0.0)
    pooled = run(scenario(), workers=2, executor="processes", chunk_sessions=5)
    assert pooled.workers == 2 and pooled.totals is not None and pooled.totals.chunks == 10
    pd.testing.assert_frame_equal(serial, pooled.records)


def test_dask_local_cluster_gives_the_same_records(serial: pd.DataFrame) -> None:
    on_dask = run(scenario(), workers=2, executor="dask", chunk_sessions=5)
    pd.testing.assert_frame_equal(serial, on_dask.records)


def test_dask_scheduler_address_is_used(serial: pd.DataFrame) -> None:
    """``scheduler=`` connects to an existing cluster (here one started by the test)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                      dashboard_address=None) as cluster:
        on_cluster = run(scenario(), scheduler=cluster.scheduler_address, chunk_sessions=5)
    assert on_cluster.workers == 2  # the cluster's threads, not this machine's cores
    pd.testing.assert_frame_equal(serial, on_cluster.records)


def test_adding_an_axis_value_leaves_the_other_points_unchanged(serial: pd.DataFrame) -> None:
    """A run's randomness is its replication's, never its position in the plan: a third
    recipient count added in front changes nothing of the other two points' records."""
    wider = run(scenario(TEXT.replace("[1, 3]", "[2, 1, 3]")), executor="serial").records
    key = ["workload.recipients", "profile", "variant", "replication"]
    old = serial.drop(columns=["point"]).set_index(key).sort_index()
    new = wider[wider["workload.recipients"] != 2].drop(columns=["point"]).set_index(key)
    pd.testing.assert_frame_equal(old, new.sort_index())


def test_prestarted_pool_gives_the_same_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers started in the background while this process begins the run: the pool takes
    over once they are up, and the records do not change."""
    text = TEXT.replace("replications = 6", "replications = 150")  # 1,200 sessions
    monkeypatch.setattr(execution, "PRESTART_SESSIONS", 0)
    monkeypatch.setattr(execution, "SERIAL_FIRST_S", 600.0)  # only readiness hands over
    pooled = run(scenario(text), workers=2, executor="processes", chunk_sessions=10)
    assert pooled.workers == 2  # the pool took over
    alone = run(scenario(text), executor="serial", chunk_sessions=10)
    pd.testing.assert_frame_equal(alone.records, pooled.records)


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens on port 9 of this machine: the run stops with one line naming the
    address, not a traceback from the client library."""
    from smtpsim.execution import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 2.0)
    with pytest.raises(executors.SchedulerError, match="tcp://127.0.0.1:9: cannot reach"):
        run(scenario(), scheduler="tcp://127.0.0.1:9", chunk_sessions=5)
