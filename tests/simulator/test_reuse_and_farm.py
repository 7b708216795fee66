"""Connection reuse across messages, and a farm of front-ends behind one address.

Reuse, ideal path, RTT 0.5 s, 100 B messages: the first message costs baseline's 10 RTT
with no QUIT; a later message on the kept session goes straight to MAIL: MAIL + RCPT + DATA
-> 354 at 1, content -> 250 at 2 (BDAT: 1). The server closes an idle session after 300 s
(RFC 5321 §4.5.3.2.7, Postfix smtpd_timeout) with a 421, so a message 400 s later pays for
a new connection.

Farm: one address, 4 front-ends with their own token secrets. The client keeps one token
for the address; the next connection lands on the front-end that issued it with
probability affinity + (1 - affinity)/4: about 1/4 at affinity 0, 1 at affinity 1.
"""

from __future__ import annotations

import statistics

import pytest
from cases import ideal_case

from smtpsim.model import FarmConfig
from smtpsim.simulator.run import run_messages

RTT = 0.5
TOL = 1e-6


def _messages(variant: str, n: int, gap: float, **kw):
    records, _ = run_messages(ideal_case(variant, rtt=RTT, messages=n, gap_s=gap, **kw), seed=1)
    assert [r.message for r in records] == list(range(n))
    assert all(r.outcome == "accepted" for r in records)
    return records


def test_a_kept_session_sends_the_next_message_straight_to_mail() -> None:
    first, second, third = _messages("baseline+reuse", 3, 60.0)
    assert not first.reused and second.reused and third.reused
    assert first.accept_s == pytest.approx(10 * RTT, abs=TOL)
    assert second.accept_s == pytest.approx(2 * RTT, abs=TOL)
    assert third.accept_s == pytest.approx(2 * RTT, abs=TOL)
    assert second.user_s == second.accept_s  # no QUIT to wait for
    assert second.greeting_s != second.greeting_s  # no greeting: NaN
    # counted from the message's start: MAIL group -> 354 (1), content -> 250 (2)
    assert second.rtt_accept == second.rtt_done == second.rtt_user == 2
    assert second.packets_up < first.packets_up / 3


def test_reuse_with_bdat_costs_one_round_trip() -> None:
    _, second = _messages("chunking+reuse", 2, 60.0)
    assert second.accept_s == pytest.approx(RTT, abs=TOL)


def test_the_server_closes_an_idle_session_after_five_minutes() -> None:
    """The first message's content arrives at 9.5 RTT (4.75 s): the server closes at
    304.75 s, so it held the connection 304 s from its accept at 0.75 s; a message 400 s
    later opens a new connection and costs the full 10 RTT."""
    first, second = _messages("baseline+reuse", 2, 400.0)
    assert not second.reused
    assert second.accept_s == pytest.approx(10 * RTT, abs=TOL)
    assert first.occupancy_s == pytest.approx(4.75 + 300.0 - 0.75, abs=TOL)


def test_occupancy_of_a_kept_session_ends_when_the_next_message_takes_it() -> None:
    """Message 0: accepted by the server at 0.75 s, finished at 5 s; message 1 starts 60 s
    later and takes the session over: message 0 held it 65 - 0.75 s."""
    first, _, _ = _messages("baseline+reuse", 3, 60.0)
    assert first.occupancy_s == pytest.approx(65.0 - 0.75, abs=TOL)


def test_the_clients_own_idle_limit_closes_the_session() -> None:
    _, second = _messages("baseline+reuse", 2, 60.0, client_idle_s=30.0)
    assert not second.reused


def test_slow_start_restarts_after_idle() -> None:
    """RFC 5681 §4.1 / Linux tcp_cwnd_restart: after a long idle the window is back at IW,
    so a second 1 MB message on the kept session costs the same slow-start rounds as the
    first one's body (691 segments at IW 10: 7 rounds) plus the MAIL round trip."""
    size = 1_000_000
    _, second = _messages("pipelining+reuse", 2, 60.0, size=size)
    assert second.accept_s == pytest.approx((1 + 7) * RTT, abs=1e-3)


def _farm_run(affinity: float, shared: bool = False, changes: tuple[float, ...] = ()):
    farm = FarmConfig(frontends=4, affinity=affinity, shared_tokens=shared,
                      config_changes_s=changes)
    case = ideal_case("config-token", rtt=0.05, messages=200, gap_s=400.0, farm=farm)
    records, _ = run_messages(case, seed=3)
    offered = [r for r in records if r.token_offered]
    return records, offered


def test_without_affinity_a_farm_of_four_honours_a_quarter_of_the_tokens() -> None:
    records, offered = _farm_run(0.0)
    assert len(offered) == 199  # every message after the first holds a token
    rate = sum(r.token_hit for r in offered) / len(offered)
    # binomial(199, 1/4): standard deviation 0.031; 3 of them
    assert abs(rate - 0.25) < 0.093
    assert len({r.frontend for r in records}) == 4


def test_with_full_affinity_every_token_hits_and_accept_time_drops() -> None:
    none, offered_none = _farm_run(0.0)
    full, offered_full = _farm_run(1.0)
    assert all(r.token_hit for r in offered_full)
    assert len({r.frontend for r in full}) == 1
    mean_none = statistics.mean(r.accept_s for r in none[1:])
    mean_full = statistics.mean(r.accept_s for r in full[1:])
    assert mean_full < mean_none


def test_shared_token_secrets_make_affinity_irrelevant() -> None:
    _, offered = _farm_run(0.0, shared=True)
    assert all(r.token_hit for r in offered)


def test_a_rolling_upgrade_shows_as_a_dip_in_the_hit_rate() -> None:
    """Affinity 1: every token hits, except on the first connection after the client's
    front-end changed configuration."""
    records, offered = _farm_run(1.0, changes=(20_000.0,))
    misses = [r.message for r in offered if not r.token_hit]
    assert len(misses) == 1
    assert misses[0] > 1


@pytest.mark.parametrize(("affinity", "low", "high"), [(0.0, 0.157, 0.343), (1.0, 1.0, 1.0)])
def test_tfo_cookies_honoured_per_front_end(affinity: float, low: float, high: float) -> None:
    """Unshared TFO keys (RFC 7413 §4.1.2: a cookie is a MAC under one server's key): the
    one cookie the client holds for the address is valid only at the front-end that issued
    it. 4 front-ends: hit rate 1/4 at affinity 0 (3 standard deviations of binomial(199,
    1/4) either side), 1 at affinity 1; a hit puts the banner one RTT earlier."""
    farm = FarmConfig(frontends=4, affinity=affinity)
    case = ideal_case("baseline+tfo", rtt=0.05, messages=200, gap_s=400.0, farm=farm)
    records, _ = run_messages(case, seed=4)
    offered = [r for r in records if r.tfo_offered]
    assert len(offered) == 199
    rate = sum(r.tfo_hit for r in offered) / len(offered)
    assert low <= rate <= high
    hits = [r.greeting_s for r in offered if r.tfo_hit]
    misses = [r.greeting_s for r in offered if not r.tfo_hit]
    assert all(g == pytest.approx(0.05, abs=1e-3) for g in hits)  # banner at 1 RTT
    assert all(g == pytest.approx(0.10, abs=1e-3) for g in misses)  # at 2 RTT


@pytest.mark.parametrize(
    ("variant", "changes"),
    [
        # the earlier session was kept for reuse; with no gap before the measured message,
        # closing it (QUIT, FIN, their answers) would run into it
        ("baseline+reuse", {"gap_s": 0.0}),
        # saved first, 1.2 MB at 9.6 kbit/s: each upload takes about 1000 s, so the earlier
        # IMAP session's server logged it out (30 min idle, RFC 3501 §5.4) about 800 s after
        # the earlier message ended, while the measured one (about 2000 s) ran: its FIN,
        # retransmitted to a client that had forgotten the connection, fell into it
        ("baseline+save-first", {"size": 1_200_000, "bandwidth": 9600.0, "rtt": 0.1}),
    ],
)
def test_a_warm_start_leaves_no_packets_of_its_earlier_connection(
    variant: str, changes: dict[str, float]
) -> None:
    """Baseline caches nothing, so warm and cold runs must be the same packet for packet:
    the earlier connection a warm client remembers was closed long before (its closing
    exchanges are not part of the measured message)."""
    from smtpsim.simulator.run import run_session

    cold, _ = run_session(ideal_case(variant, state="cold", **changes), seed=0)
    warm, _ = run_session(ideal_case(variant, state="warm", **changes), seed=0)
    assert cold.outcome == warm.outcome == "accepted"
    for name in ("packets_up", "packets_down", "bytes_up", "bytes_down", "retransmits"):
        assert getattr(warm, name) == getattr(cold, name), name
    assert warm.done_s == pytest.approx(cold.done_s, abs=1e-9)
