"""The round trips and the stall on the critical path to each metric (``rtt_accept``,
``rtt_done``, ``rtt_user``, ``stall_*_s``; ``smtpsim.simulator.tcp.causes``), against ladders
worked out by hand, in both computations where the oracle covers the case.

The count follows the chain of causes back from the metric's event (a packet was sent because
an earlier one arrived, a timer fired, or a step ended; a step because the last thing it
waited for arrived) and counts the client -> server -> client turns on it. It is not the
number of times the client's code stops: a banner that comes with the SYN-ACK is one round
trip, not two; a QUIT the user does not wait for is not on the user's path; a segment held by
Nagle for an ACK is on the path of that ACK, and a delayed ACK's timer is a stall.

On a path without serialization each turn costs one RTT, so every metric's time is its round
trips x RTT plus its stall (the last property).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from cases import ideal_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import token_variants

from smtpsim.model import Case, ServerTiming, SessionRecord, TlsConfig
from smtpsim.oracle import OracleResult, oracle, round_trips
from smtpsim.simulator.run import run_session

TOL = 1e-6
HALF = 0.5  # RTT below the 1 s SYN and SYN-ACK timers
DELACK = 0.04  # Linux TCP_DELACK_MIN (TcpConfig.delack_s)


def _both(case: Case) -> list[SessionRecord | OracleResult]:
    record, _ = run_session(case, seed=1)
    assert record.outcome == "accepted"
    return [record, oracle(case)]


def test_baseline_counts_the_drafts_round_trips() -> None:
    """draft-fanf-smtp-quickstart-01 Appendix A, the standard submission, RTT 1 s on an
    ideal path: SYN-ACK 1, banner 2 (the server accepts on the handshake ACK), EHLO 3,
    STARTTLS 4, TLS 1.2 flight 5 and Finished 6, EHLO 7, AUTH 8, MAIL + RCPT + DATA 9, the
    content's 250 10 (``round_trips``); QUIT waited for: the user at 11. The ideal server
    takes no time and no segment waits for a delayed ACK: no stall."""
    case = ideal_case("baseline")
    assert round_trips(case.client.features, 1) == 10
    for r in _both(case):
        assert (r.rtt_accept, r.rtt_done, r.rtt_user) == (10, 10, 11)
        assert r.stall_accept_s == r.stall_done_s == r.stall_user_s == 0.0


@pytest.mark.parametrize(("state", "accept"), [("warm", 9), ("cold", 10)])
def test_fast_open_with_a_cookie_saves_one_round_trip(state: str, accept: int) -> None:
    """RFC 7413 §4.2.2, RTT 0.5 s: with a cached cookie the server's socket exists at the
    SYN (0.25), so its banner leaves right behind the SYN-ACK and both arrive at 1 RTT: the
    client's connect() and its read of the banner end in the same round trip, and EHLO leaves
    at 1 instead of 2: 250 at 9, one fewer than baseline's 10. (The times the client's code
    stopped stay the same, 11 with QUIT, which is why they are not counted.) Cold, the SYN
    only asks for a cookie: baseline's 10."""
    for r in _both(ideal_case("tfo", rtt=HALF, state=state)):
        assert (r.rtt_accept, r.rtt_user) == (accept, accept + 1)
        assert r.accept_s == pytest.approx(accept * HALF, abs=TOL)
    baseline, _ = run_session(ideal_case("baseline", rtt=HALF, state=state), seed=1)
    assert baseline.rtt_accept == 10


@pytest.mark.parametrize(("state", "accept"), [("warm", 2), ("cold", 6)])
def test_an_async_quit_is_not_on_the_users_path(state: str, accept: int) -> None:
    """streamlined-2006 (QUICKSTART full, TLS 1.2 resumption, T/TCP with data in the SYN,
    BDAT, ``quit-async``), RTT 0.5 s. Warm: QTLS + ClientHello in the SYN; the greeting and
    the abbreviated handshake's server Finished at 1; QHLO <id> + AUTH + MAIL + RCPT + BDAT +
    chunk with the client's Finished; 250 at 2. Cold: 6 (tests/simulator/test_presets.py).
    The user is told at the 250: ``rtt_user`` is the 250's. QUIT goes then and its 221
    arrives a round trip later (``close_s``), on no metric's path. Nothing is saved, so
    ``done`` is the 250 too (``SessionRecord``: the later of the 250 and the saved copy)."""
    for r in _both(ideal_case("streamlined-2006", rtt=HALF, state=state)):
        assert r.rtt_accept == r.rtt_done == r.rtt_user == accept
        assert r.close_s == pytest.approx((accept + 1) * HALF, abs=TOL)


def test_quit_waited_for_is_on_the_users_path() -> None:
    """The same session with ``quit-wait``: the user is told at the 221, one round trip
    after the 250 (RFC 5321 §4.1.1.10)."""
    for r in _both(ideal_case("streamlined-2006+quit-wait", rtt=HALF, state="warm")):
        assert (r.rtt_accept, r.rtt_user) == (2, 3)


@pytest.mark.parametrize(("variant", "accept", "stall"), [
    ("baseline+resumption", 10, DELACK),
    ("baseline+resumption+nodelay", 9, 0.0),
])
def test_a_write_held_by_nagle_for_a_delayed_ack(variant: str, accept: int, stall: float) -> None:
    """A warm client resuming TLS 1.2 (RFC 5246 §7.3 Fig. 2), RTT 0.5 s: SYN-ACK 1, banner 2,
    EHLO 3, STARTTLS 4, the abbreviated handshake's server Finished 5. The client's Finished
    is a write of its own (the TLS library's) and EHLO, the application's next write, is
    short: Nagle (RFC 896, Linux's Minshall variant) holds it while the short Finished is
    unacknowledged. The server's handshake ends with that Finished and it writes nothing, so
    its ACK waits for the delayed-ACK timer (RFC 1122 §4.2.3.2, 40 ms): the Finished arrives
    at 5.5, the ACK leaves 40 ms later and reaches the client at 6 + 40 ms; EHLO 7, AUTH 8,
    the group 9, the 250 10, all 40 ms late.

    Critical path to the 250: 10 round trips (the hold is the round trip of the ACK that
    ended it) and the timer's 40 ms of stall: 10 x RTT + 0.04 s; to the user (221) 11. With
    TCP_NODELAY EHLO leaves behind the Finished at 5: 9 round trips, no stall."""
    for r in _both(ideal_case(variant, rtt=HALF, state="warm")):
        assert r.accept_s == pytest.approx(accept * HALF + stall, abs=TOL)
        assert r.rtt_accept == accept
        assert r.stall_accept_s == pytest.approx(stall, abs=TOL)
        assert (r.rtt_user, r.stall_user_s) == (accept + 1, pytest.approx(stall, abs=TOL))


def test_processing_is_stall_and_not_a_round_trip() -> None:
    """Baseline with the server spending 0.25 s on every step it answers: the greeting, EHLO
    (twice), STARTTLS, AUTH, MAIL, RCPT, DATA and the end of data (``ServerTiming``): on the
    path to the 250, 9 x 0.25 s of stall; the round trips stay 10 (RTT 1 s)."""
    steps = dict(greeting=0.25, ehlo=0.25, starttls=0.25, auth=0.25, mail=0.25, rcpt=0.25,
                 data=0.25, end_of_data=0.25)
    case = ideal_case("baseline", timing=replace(ServerTiming.ideal(), **steps))
    for r in _both(case):
        assert r.rtt_accept == 10
        assert r.stall_accept_s == pytest.approx(9 * 0.25, abs=TOL)
        assert r.accept_s == pytest.approx(10 + 9 * 0.25, abs=TOL)


@pytest.mark.parametrize(
    ("variant", "accept", "done", "user"),
    [
        # the IMAP session saves in parallel (warm: APPEND 0, "+" 1, OK 2); the 250 comes
        # last: done is the 250's path, the user's the 221's
        ("baseline+save", 10, 10, 11),
        # first the save (2), then the submission, caused by the saved OK: 2 + 10
        ("baseline+save-first", 12, 12, 13),
        # a cold IMAP session: TCP 1, TLS 1.3 flight 2, greeting 3, AUTHENTICATE 4, "+" 5,
        # OK 6, after the cleartext submission's 250 at 5: done is the saved OK's path; the
        # 221 comes at 6 too
        ("pipelining+save+imap-cold", 5, 6, 6),
        # the same with an async QUIT: the user, told at the 250 (5) but not before the copy
        # is in Sent, waits for the saved OK's path: 6
        ("pipelining+save+imap-cold+quit-async", 5, 6, 6),
    ],
)
def test_done_and_user_follow_the_later_of_their_event_and_the_saved_copy(
    variant: str, accept: int, done: int, user: int
) -> None:
    """``done_s`` is the later of the 250 and the saved copy's OK (RFC 3501 §6.3.11 APPEND,
    RTT 0.5 s), ``user_s`` the later of the 221 (or the 250) and that OK, and so are their
    critical paths; for a save that comes first the path runs through the IMAP session into
    the SMTP one."""
    for r in _both(ideal_case(variant, rtt=HALF)):
        assert (r.rtt_accept, r.rtt_done, r.rtt_user) == (accept, done, user)
        assert r.done_s == pytest.approx(max(accept, done) * HALF, abs=TOL)
        assert r.user_s == pytest.approx(user * HALF, abs=TOL)


def test_a_retransmission_timeout_is_stall() -> None:
    """``pipelining``, RTT 0.5 s, the content's segment (the 5th up: SYN, ACK, EHLO, the
    group, the content) lost once. The RTO (RFC 6298 §2 with Linux's 200 ms floor on
    4 RTTVAR): handshake sample 0.5 s: SRTT 0.5, RTTVAR 0.25; EHLO's and the group's replies
    sample 0.5 s again: RTTVAR 0.1875, then 0.140625, RTO = 0.5 + 4 x 0.140625 = 1.0625 s.
    The content leaves at 2.0 (its 354 came at 4 RTT), the timer resends it at 3.0625, the
    250 arrives at 3.5625: the retransmission is caused by the lost segment's transmission
    (turn 4, up leg open) and the timer's wait, so 5 round trips and 1.0625 s of stall. (The
    server, whose 354 the lost segment acknowledged, resends the 354 on its own timer, which
    changes none of this: 2 retransmissions.)"""
    record, _ = run_session(ideal_case("pipelining", rtt=HALF, drop_up=frozenset({4})), seed=1)
    assert record.outcome == "accepted" and record.retransmits == 2
    assert record.accept_s == pytest.approx(3.5625, abs=TOL)
    assert record.rtt_accept == 5
    assert record.stall_accept_s == pytest.approx(1.0625, abs=TOL)


def test_a_failed_session_reaches_no_metric() -> None:
    """Every SYN lost (the first and its 6 retransmissions, Linux ``tcp_syn_retries``): the
    connection fails; no metric's event happened, so no path: -1 round trips, NaN stall."""
    record, _ = run_session(ideal_case("baseline", drop_up=frozenset(range(7))), seed=1)
    assert record.outcome == "failed"
    assert record.rtt_accept == record.rtt_done == record.rtt_user == -1
    assert all(math.isnan(s) for s in (record.stall_accept_s, record.stall_done_s,
                                       record.stall_user_s))


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(token_variants(), st.sampled_from(["cold", "warm"]), st.sampled_from(["ideal", "typical"]),
       st.floats(0.01, 0.9), st.integers(100, 30_000))
def test_each_time_is_its_round_trips_times_the_rtt_plus_its_stall(
    variant: str, state: str, server: str, rtt: float, size: int
) -> None:
    """On a path without serialization every hop takes half an RTT, and the critical path
    alternates up and down from the client's start to the client's event: an event's time is
    its round trips x RTT plus the time spent at the ends, its stall. (Any variant, warm or
    cold, an ideal server or one that takes time and TLS CPU; RTT below the SYN timer.)"""
    timing = ServerTiming.typical() if server == "typical" else ServerTiming.ideal()
    tls = TlsConfig() if server == "typical" else TlsConfig(
        server_cpu_s=0.0, client_cpu_s=0.0, resumed_cpu_s=0.0)
    case = ideal_case(variant, rtt=rtt, size=size, state=state, timing=timing, tls=tls)
    record, _ = run_session(case, seed=1)
    if record.outcome != "accepted":  # (an unlucky combination; not this property's subject)
        return
    for metric in ("accept", "done", "user"):
        time = getattr(record, f"{metric}_s")
        rtt_n = getattr(record, f"rtt_{metric}")
        stall = getattr(record, f"stall_{metric}_s")
        assert rtt_n >= 0 and stall >= -TOL
        assert time == pytest.approx(rtt_n * rtt + stall, abs=1e-5), metric
