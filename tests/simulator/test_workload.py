"""Workloads: several clients, open-loop arrivals at a worker pool, distributions, the radio."""

from __future__ import annotations

import math
import statistics
from dataclasses import replace

import numpy as np
import pytest
from cases import ideal_case

from smtpsim.model import Distribution, ServerTiming
from smtpsim.simulator.run import run_messages

TOL = 1e-6


def erlang_c(c: int, a: float) -> float:
    """P(wait) in M/M/c with offered load a = lambda/mu < c (Erlang C)."""
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (head + tail)


@pytest.mark.parametrize("rate", [10.0, 15.0])
def test_queueing_at_a_worker_pool_follows_erlang_c(rate: float) -> None:
    """Poisson sessions at 2 workers; each connection holds a worker for an exponential
    end-of-data time (mean 0.1 s) plus a few 10-microsecond round trips: M/M/2 at loads
    0.5 and 0.75. Pooled over 3 replications of 2000 sessions the share of sessions that
    waited matches Erlang C within 0.04 and the mean wait C/(c mu - lambda) within 20 %."""
    timing = replace(ServerTiming.ideal(), end_of_data=Distribution("exponential", 0.1))
    case = ideal_case("pipelining", rtt=1e-5, bandwidth=1e9, timing=timing, workers=2,
                      arrival_rate=rate, arrival_sessions=2000)
    records = [r for seed in range(3) for r in run_messages(case, seed=seed)[0]]
    assert len(records) == 6000 and all(r.outcome == "accepted" for r in records)
    mu = 1.0 / statistics.mean(r.occupancy_s for r in records)
    c_wait = erlang_c(2, rate / mu)
    waited = sum(r.server_queue_s > 1e-9 for r in records) / len(records)
    mean_wait = statistics.mean(r.server_queue_s for r in records)
    assert waited == pytest.approx(c_wait, abs=0.04)
    assert mean_wait == pytest.approx(c_wait / (2 * mu - rate), rel=0.2)


def test_waiting_for_a_worker_delays_the_greeting() -> None:
    """One worker, two clients at once: the second connection waits in the listen queue for
    the whole first session (ideal path, 1 s RTT, pipelining: the worker is busy from the
    handshake ACK at 1.5 s until QUIT arrives at 5.5 s, after the 250 at 5), so its
    greeting comes 4 s later than the first one's."""
    case = ideal_case("pipelining", workers=1, clients=2)
    records = sorted(run_messages(case, seed=1)[0], key=lambda r: r.client)
    first, second = records
    assert first.server_queue_s == pytest.approx(0.0, abs=TOL)
    assert second.server_queue_s == pytest.approx(4.0, abs=1e-3)
    assert second.greeting_s - first.greeting_s == pytest.approx(4.0, abs=1e-3)


def test_each_client_has_its_own_path_and_record_identity() -> None:
    case = ideal_case("pipelining", clients=3, messages=2, gap_s=10.0)
    records, _ = run_messages(case, seed=2)
    assert sorted((r.client, r.message) for r in records) == [
        (c, m) for c in range(3) for m in range(2)
    ]
    # independent access links: every client sees the lone-client timing (5 RTT)
    assert all(r.accept_s == pytest.approx(5.0, abs=TOL) for r in records)


def test_sizes_and_recipients_are_drawn_per_message() -> None:
    sizes = Distribution("lognormal", 20_000.0, 1.0)
    rcpts = Distribution("empirical", quantiles=((0.0, 1.0), (0.5, 1.0), (1.0, 10.0)))
    case = ideal_case("pipelining", messages=400, gap_s=1.0, size_dist=sizes,
                      recipients_dist=rcpts, rtt=0.01)
    records, _ = run_messages(case, seed=5)
    drawn = np.array([r.size for r in records], dtype=float)
    # median of a lognormal is its scale; 400 draws: within 15 %
    assert float(np.median(drawn)) == pytest.approx(20_000, rel=0.15)
    recipients = [r.recipients for r in records]
    assert min(recipients) >= 1 and max(recipients) <= 10 and len(set(recipients)) > 3


def test_same_seed_same_workload() -> None:
    case = ideal_case("pipelining", messages=20, gap=Distribution("exponential", 30.0),
                      size_dist=Distribution("uniform", 100, 5000), rtt=0.05)
    a, _ = run_messages(case, seed=9)
    b, _ = run_messages(case, seed=9)
    assert [r.as_row() for r in a] == [r.as_row() for r in b]


@pytest.mark.parametrize(("gap", "promoted"), [(5.0, False), (30.0, True)])
def test_radio_promotion_after_an_idle_gap(gap: float, promoted: bool) -> None:
    """LTE-like radio: 260 ms promotion, 11.576 s tail (Huang et al. 2012). The first SYN
    pays the promotion (the radio starts idle); the next message pays it again only if its
    gap exceeded the tail."""
    case = ideal_case("pipelining", rtt=0.1, messages=2, gap_s=gap,
                      radio_promotion_s=0.26, radio_tail_s=11.576)
    first, second = sorted(run_messages(case, seed=1)[0], key=lambda r: r.message)
    base = 5 * 0.1  # pipelining: 5 RTT
    assert first.accept_s == pytest.approx(base + 0.26, abs=1e-6)
    assert second.accept_s == pytest.approx(base + (0.26 if promoted else 0.0), abs=1e-6)
