"""A run that draws no random number is the same run for every replication
(``smtpsim.simulator.run.run_replications``): it is simulated once and its records stand for
the later replications, with their ``replication`` changed. These tests hold that shortcut to
simulating every replication: the records must be equal, field for field, whatever the case,
and the shortcut must be taken exactly when nothing drew."""

from __future__ import annotations

import pytest
from cases import change, ideal_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import lossless_cases, profile_cases

import smtpsim.simulator.run as run_module
from smtpsim.api import build_cases
from smtpsim.model import Case, PathConfig
from smtpsim.simulator.run import run_messages, run_replications

REPLICATIONS = 4


def _simulated_each(case: Case, seed: int, first: int, stop: int) -> list[list[dict]]:
    return [[rec.as_row() for rec in run_messages(case, seed, r)[0]]
            for r in range(first, stop)]


def _shortcut(case: Case, seed: int, first: int, stop: int) -> list[list[dict]]:
    out = list(run_replications(case, seed, first, stop))
    assert [r for r, _, _ in out] == list(range(first, stop))
    return [[rec.as_row() for rec in records] for _, records, _ in out]


class _Counting(run_module._Run):
    """``_Run`` counting the runs made."""

    made_runs = 0

    def __init__(self, *args, **kw) -> None:  # type: ignore[no-untyped-def]
        type(self).made_runs += 1
        super().__init__(*args, **kw)


def _runs_made(monkeypatch: pytest.MonkeyPatch, case: Case, stop: int) -> int:
    _Counting.made_runs = 0
    monkeypatch.setattr(run_module, "_Run", _Counting)
    list(run_replications(case, 7, 0, stop))
    return _Counting.made_runs


@pytest.mark.parametrize("profile", ["lan", "dsl", "cable", "3g", "gprs", "geo-satellite", "wifi"])
@pytest.mark.parametrize("variant", ["baseline", "streamlined", "burl", "baseline+save"])
@pytest.mark.parametrize("state", ["cold", "warm"])
def test_every_replication_is_the_one_simulated(profile: str, variant: str,
                                                state: str) -> None:
    """Built-in profiles with and without loss or jitter, warm and cold clients (the warm-up
    draws from streams of its own), variants with an IMAP side: the shortcut's records are
    the simulated ones, replication 2 to 5."""
    case = build_cases(profile, variant=variant, size=20_000, state=state)[0]
    assert _shortcut(case, 3, 2, 2 + REPLICATIONS) == _simulated_each(case, 3, 2,
                                                                      2 + REPLICATIONS)


_SETTINGS = dict(deadline=None, max_examples=60,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@settings(**_SETTINGS)
@given(case=st.one_of(lossless_cases(), profile_cases()), seed=st.integers(0, 2**63 - 1))
def test_drawn_cases_agree_with_simulating_each_replication(case: Case, seed: int) -> None:
    assert _shortcut(case, seed, 0, REPLICATIONS) == _simulated_each(case, seed, 0,
                                                                     REPLICATIONS)


def test_a_case_that_draws_nothing_is_simulated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """An ideal path (no loss, no jitter), fixed processing times, one front-end: nothing
    draws, so 50 replications are one run."""
    assert _runs_made(monkeypatch, ideal_case("baseline", rtt=0.1), 50) == 1


@pytest.mark.parametrize("changes", [
    {"path": PathConfig.symmetric_rtt(0.1, 1e9, 1e9, loss=0.001)},  # a loss draw a packet
    {"path": PathConfig.symmetric_rtt(0.1, 1e9, 1e9, jitter_s=0.001)},  # a jitter draw
    {"syn_data_drop": 0.5, "client": None},  # the SYN-data middlebox draws
])
def test_a_case_that_draws_is_simulated_every_replication(
        monkeypatch: pytest.MonkeyPatch, changes: dict) -> None:
    if "client" in changes:  # a Fast Open client, whose SYN carries data
        case = change(ideal_case("tfo", rtt=0.1), syn_data_drop=changes["syn_data_drop"])
    else:
        case = change(ideal_case("baseline", rtt=0.1), **changes)
    assert _runs_made(monkeypatch, case, 5) == 5


def test_replications_of_a_drawing_case_still_differ() -> None:
    """The shortcut is not taken where the network is random: five replications of a lossy,
    jittery path, five different acceptance times."""
    case = change(ideal_case("baseline", rtt=0.2, size=200_000, bandwidth=2e6),
                  path=PathConfig.symmetric_rtt(0.2, 2e6, 2e6, loss=0.03, jitter_s=0.01))
    times = {records[0].accept_s for _, records, _ in run_replications(case, 42, 0, 5)}
    assert len(times) == 5
