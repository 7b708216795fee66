"""The exim client profile's habits (``Client.habits``, ``data/software.toml``
[clients.exim]) on an ideal path, in both models: the FIN that rides with a QUIT, the wait for
the server's FIN after the 221, the header chunk of a message larger than 8 KiB.

Sources: Exim 4.96 ``src/src/transports/smtp.c smtp_deliver`` (QUIT pipelined with the last
chunk: ``smtp_write_command(sx, SCMD_MORE, "QUIT\\r\\n")`` then ``shutdown(sx->cctx.sock,
SHUT_WR)`` in cleartext, ``SCMD_FLUSH`` under TLS; at ``SEND_QUIT``: ``SCMD_MORE`` QUIT and
``shutdown`` in cleartext and under TLS; after the 221 ``poll_one_fd(sx->cctx.sock, POLLIN,
20)``), ``src/src/transport.c internal_transport_write_message`` (``if (size >
DELIVER_OUT_BUFFER_SIZE && hsize > 0)``: ``BDAT <hsize>`` with the headers, ``chunk_cb(tctx,
0, tc_reap_prev)`` reaps MAIL, RCPT and that BDAT, then ``BDAT <rest> LAST``),
``config.h.defaults`` (``DELIVER_OUT_BUFFER_SIZE 8192``).

Every time here is worked out by hand on a path of RTT 0.5 s (``HALF``, below the 1 s SYN
timer), 1 Tbit/s links (serialization negligible) unless a test says otherwise, an ideal
server (no processing, no TLS CPU): TCP handshake 1 RTT, banner 2, EHLO 3, the group 4 (RFC
5321, RFC 2920 §3.1, RFC 3030 §2).
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim import api
from smtpsim.model import Case, Habits, text
from smtpsim.oracle import oracle
from smtpsim.simulator.run import run_session

HALF = 0.5
TOL = 1e-6
EXIM = Habits(shutdown_after_quit=True, fin_wait_s=0.020, header_chunk_above=8192,
              early_group="exim")
SMALL = "chunking+nodelay+quit-pipelined"  # Exim: PIPELINING, CHUNKING, TCP_NODELAY


def _both(case: Case) -> list[tuple[str, float, float, float, int]]:
    """(model, accept_s, user_s, close_s, rtt_accept) of the simulator and the oracle."""
    rec, _trace = run_session(case, seed=0)
    res = oracle(case)
    return [("simulator", rec.accept_s, rec.user_s, rec.close_s, rec.rtt_accept),
            ("oracle", res.accept_s, res.user_s, res.close_s, res.rtt_accept)]


def _client_data(case: Case) -> list[tuple[float, int, str]]:
    """The simulator's client segments with payload: (sent, to the microsecond, payload
    bytes, flags)."""
    _rec, trace = run_session(case, seed=0, trace=True)
    assert trace is not None
    header = case.client.tcp.header_bytes
    return [(round(p.sent_s, 6), p.wire_bytes - header, p.flags) for p in trace.packets
            if p.direction == "up" and p.wire_bytes > header and "S" not in p.flags]


def _lines(*lines: str) -> int:
    return sum(text.line_bytes(line) for line in lines)


def test_the_exim_profile_sets_its_habits() -> None:
    """data/software.toml [clients.exim]: shutdown after QUIT, 20 ms (``poll_one_fd(...,
    20)``), DELIVER_OUT_BUFFER_SIZE 8192; every other client keeps none."""
    (case,) = api.build_cases("dsl", variant=SMALL, client="exim")
    assert case.client.habits == EXIM
    (generic,) = api.build_cases("dsl", variant=SMALL)
    assert generic.client.habits == Habits()


def test_a_small_message_goes_with_quit_and_the_fin_in_one_segment() -> None:
    """Cleartext, 100 bytes: after the EHLO reply (at 3 RTT = 1.5 s) Exim writes MAIL, RCPT,
    ``BDAT 100 LAST``, the 100 bytes and QUIT corked and shuts down: one segment with FIN
    (observed: one 1382-byte segment with FIN). Its payload: the three command lines, the
    body and QUIT, each line with CRLF. The replies (250, 250, 250, 221) and the server's FIN
    come back at 4 RTT = 2.0 s: accepted, told and closed then (the FIN is already there, so
    the 20 ms wait is not spent). The generic client's FIN leaves alone at its close."""
    payload = _lines(text.mail_from(100, True), text.rcpt_to(0), text.bdat_last(100),
                     "QUIT") + 100
    exim = ideal_case(SMALL, rtt=HALF, habits=EXIM)
    assert _client_data(exim)[-1:] == [(3 * HALF, payload, "FAP")]
    assert len([s for s in _client_data(exim) if s[0] == 3 * HALF]) == 1
    for model, accept, user, close, rtt in _both(exim):
        assert (accept, user, close, rtt) == pytest.approx((2.0, 2.0, 2.0, 4), abs=TOL), model
    generic = ideal_case(SMALL, rtt=HALF)
    assert _client_data(generic)[-1] == (3 * HALF, payload, "AP")


def test_under_tls_a_pipelined_quit_keeps_its_fin_for_the_close() -> None:
    """TLS 1.3: the pipelined QUIT is flushed inside the last TLS write (``SCMD_FLUSH``) and
    no shutdown follows it: no client segment carries a FIN before the 221 has come."""
    case = ideal_case(SMALL + "+tls1.3", rtt=HALF, habits=EXIM)
    rec, _trace = run_session(case, seed=0)
    fins = [s for s in _client_data(case) if "F" in s[2]]
    assert fins == [] and rec.outcome == "accepted"


def test_a_quit_waited_for_carries_the_fin_in_cleartext_and_under_tls() -> None:
    """``quit-wait``: at ``SEND_QUIT`` Exim corks QUIT (``SCMD_MORE``) and shuts down, under
    TLS too: the QUIT segment (at the 250's arrival, 4 RTT = 2.0 s cleartext) has the FIN."""
    for variant, at in (("chunking+nodelay+quit-wait", 4 * HALF),
                        ("chunking+nodelay+quit-wait+tls1.3", None)):
        case = ideal_case(variant, rtt=HALF, habits=EXIM)
        last = _client_data(case)[-1]
        assert "F" in last[2], variant
        if at is not None:
            assert last[0] == at


def test_after_the_221_exim_waits_20_ms_for_a_late_server_fin() -> None:
    """On 9.6 kbit/s links the server's FIN, written right behind its 221, arrives 52 bytes
    x 8 / 9600 bit/s = 43.3 ms after it: Exim's 20 ms wait (``poll_one_fd(..., 20)``) runs out
    first, so it closes 20 ms after the 221 (the user is told at the 221). The generic client
    closes at the 221."""
    slow = 9600.0
    assert 52 * 8 / slow > EXIM.fin_wait_s
    exim = ideal_case(SMALL, rtt=HALF, bandwidth=slow, habits=EXIM)
    for model, _accept, user, close, _rtt in _both(exim):
        assert close - user == pytest.approx(0.020, abs=TOL), model
    generic = ideal_case(SMALL, rtt=HALF, bandwidth=slow)
    for model, _accept, user, close, _rtt in _both(generic):
        assert close == pytest.approx(user, abs=TOL), model


def test_a_message_above_8_kib_costs_one_more_round_trip() -> None:
    """8192 bytes is not above DELIVER_OUT_BUFFER_SIZE: one group, accepted at 4 RTT. 10 000
    bytes is: MAIL, RCPT and ``BDAT 339`` with the header section
    (``text.HEADER_BYTES``: the 11 lines of Exim's Received:, From, To, Subject, Message-Id,
    Date and the empty line, 339 bytes with CRLFs) at 3 RTT, their three replies at 4, then
    ``BDAT 9661 LAST``, the rest and QUIT, answered at 5 RTT = 2.5 s. (IW 10 carries the
    10 kB in one flight.) The generic client sends both in one group: 4 RTT."""
    assert text.HEADER_BYTES == 339
    for size, rtts in ((8192, 4), (10_000, 5)):
        case = ideal_case(SMALL, rtt=HALF, size=size, habits=EXIM)
        for model, accept, user, close, rtt in _both(case):
            assert (accept, user, close, rtt) == pytest.approx(
                (rtts * HALF, rtts * HALF, rtts * HALF, rtts), abs=TOL), (model, size)
        assert oracle(case).round_trips == rtts  # the closed form (``round_trips``)
        generic = ideal_case(SMALL, rtt=HALF, size=size)
        for model, accept, _user, _close, rtt in _both(generic):
            assert (accept, rtt) == pytest.approx((4 * HALF, 4), abs=TOL), (model, size)
    big = ideal_case(SMALL, rtt=HALF, size=10_000, habits=EXIM)
    first = _lines(text.mail_from(10_000, True), text.rcpt_to(0), "BDAT 339") + 339
    at_group = [s for s in _client_data(big) if s[0] == 3 * HALF]
    assert at_group == [(3 * HALF, first, "AP")]


def test_lock_step_sends_the_header_chunk_as_an_exchange_of_its_own() -> None:
    """Without PIPELINING: EHLO 3, MAIL 4, RCPT 5, ``BDAT 339`` + headers 6, ``BDAT 9661
    LAST`` + the rest 7 RTT (vs 6 for one ``BDAT 10000 LAST``), then QUIT + FIN 8."""
    case = ideal_case("chunking+no-pipelining+nodelay", rtt=HALF, size=10_000, habits=EXIM)
    for model, accept, user, close, rtt in _both(case):
        assert (accept, user, close, rtt) == pytest.approx(
            (7 * HALF, 8 * HALF, 8 * HALF, 7), abs=TOL), model
