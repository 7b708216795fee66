"""Same case and seed, same record; replications differ where the network is random."""

from __future__ import annotations

from cases import change, ideal_case

from smtpsim.model import PathConfig
from smtpsim.simulator.run import run_session


def _lossy(variant: str = "baseline"):
    return change(
        ideal_case(variant, rtt=0.2, size=200_000, bandwidth=2e6),
        path=PathConfig.symmetric_rtt(0.2, 2e6, 2e6, loss=0.03, jitter_s=0.01),
    )


def test_same_seed_same_record() -> None:
    a, _ = run_session(_lossy(), seed=42, replication=3)
    b, _ = run_session(_lossy(), seed=42, replication=3)
    assert a.as_row() == b.as_row()


def test_replications_see_different_networks() -> None:
    rows = {run_session(_lossy(), seed=42, replication=r)[0].accept_s for r in range(5)}
    assert len(rows) == 5


def test_tracing_does_not_change_the_result() -> None:
    a, _ = run_session(_lossy(), seed=5)
    b, tr = run_session(_lossy(), seed=5, trace=True)
    assert a.as_row() == b.as_row()
    assert tr is not None and len(tr.packets) == a.packets_up + a.packets_down
