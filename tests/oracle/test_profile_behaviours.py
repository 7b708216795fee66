"""What an implementation profile sets beside its variant, on an ideal path, in both models:
the server's reply writes (``Server.reply_writes``) and the client's TLS setup time
(``Client.tls_setup_s``). Hand derivations in each docstring.

The path of ``ideal_case``: RTT 1 s (0.5 s each way), 1 Tbit/s links, an ideal server (no
processing, no TLS CPU), IW 10, the server TCP_NODELAY unless said. ``baseline`` (STARTTLS
TLS 1.2, AUTH PLAIN waited for, PIPELINING, DATA; the client with Nagle) accepts at 10 RTT:
TCP 1, greeting 2, EHLO 3, STARTTLS's 220 at 4, server flight 5, server Finished 6, EHLO 7,
235 at 8, MAIL + RCPT x R + DATA 9 (354), content 10 (``test_ideal_path``).

The submission server's EHLO reply (``text.capability_lines``, as ``test_server_greeting``
lists it): 11 lines before TLS ("250-submit.example.net", PIPELINING, SIZE 52428800, ETRN,
STARTTLS, AUTH PLAIN LOGIN SCRAM-SHA-256, ENHANCEDSTATUSCODES, 8BITMIME, DSN, SMTPUTF8,
"250 CHUNKING"), 10 after it (no STARTTLS, RFC 3207 §4.2). A segment has 52 B of headers
(``TcpConfig.header_bytes``), a TLS 1.2 record 29 B of overhead (RFC 5288).
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.model import TcpConfig, TlsConfig
from smtpsim.oracle import oracle
from smtpsim.simulator.run import run_session

HDR = TcpConfig().header_bytes  # 52
OH = TlsConfig().record_overhead_12  # 29
DELACK = TcpConfig().delack_s  # 40 ms, Linux TCP_DELACK_MIN
TOL = 1e-6  # seconds, on a 1 s RTT with 1 Tbit/s links
BEFORE_TLS = ["250-submit.example.net", "250-PIPELINING", "250-SIZE 52428800", "250-ETRN",
              "250-STARTTLS", "250-AUTH PLAIN LOGIN SCRAM-SHA-256", "250-ENHANCEDSTATUSCODES",
              "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"]
AFTER_TLS = [line for line in BEFORE_TLS if line != "250-STARTTLS"]
SWAKS_SETUP = 0.0227  # swaks start_tls_build_ctx: CTX_new + CTX_set_default_verify_paths


def _both(case):
    """The oracle's result and the simulator's record (with its trace) for ``case``."""
    record, trace = run_session(case, seed=0, trace=True)
    assert record.outcome == "accepted"
    return oracle(case), record, trace


def _down(trace, before: float) -> tuple[int, int]:
    """Packets and wire bytes down before ``before`` (the simulator's trace)."""
    sent = [p for p in trace.packets if p.direction == "down" and p.sent_s < before]
    return len(sent), sum(p.wire_bytes for p in sent)


def _up(trace, before: float) -> tuple[int, int]:
    sent = [p for p in trace.packets if p.direction == "up" and p.sent_s < before]
    return len(sent), sum(p.wire_bytes for p in sent)


# ----------------------------------------------------------------- reply writes: "line"
def test_each_line_of_the_ehlo_replies_is_a_segment_of_its_own() -> None:
    """aiosmtpd's ``SMTP.push`` writes and drains each line, and ``smtp_EHLO`` pushes every
    line of the EHLO reply; with TCP_NODELAY each write is a segment (Linux ``tcp_push``
    after each ``sendmsg``). ``baseline``, IW 11 (the 11-line reply fits the window: see the
    next test for IW 10): the cleartext reply leaves at 2.5 as 11 segments whose payloads are
    the lines (24, 16, 19, 10, 14, 36, 25, 14, 9, 14, 14 B); the reply after TLS leaves at
    6.5 as 10 segments, each line a TLS record of its own (line + 29 B)."""
    case = ideal_case("baseline", iw=11, reply_writes="line")
    _result, record, trace = _both(case)
    down = [p for p in trace.packets if p.direction == "down" and p.payload_bytes]
    plain = [p for p in down if p.label.startswith("250")]
    sealed = [p for p in down if p.label.startswith("TLS[250-") or p.label == "TLS[250 CHUNKING]"]
    assert [(p.sent_s, p.payload_bytes) for p in plain] == [
        (pytest.approx(2.5, abs=TOL), len(line) + 2) for line in BEFORE_TLS]
    assert [p.payload_bytes for p in plain] == [24, 16, 19, 10, 14, 36, 25, 14, 9, 14, 14]
    assert [(p.sent_s, p.payload_bytes) for p in sealed] == [
        (pytest.approx(6.5, abs=TOL), len(line) + 2 + OH) for line in AFTER_TLS]
    assert record.accept_s == pytest.approx(10, abs=TOL)


@pytest.mark.parametrize("recipients", [1, 5])
def test_line_writes_cost_packets_and_bytes_but_no_time_when_the_window_holds_them(
    recipients: int,
) -> None:
    """``baseline`` with IW 11, the server TCP_NODELAY, nothing to process: every reply line
    leaves the moment the server reads its command, so the client reads each reply when it
    would have read the one write of a "group" server (all segments of a reply leave
    together and arrive together): accept at 10 either way.

    Down, before the 250 (with "group" each reply below is one segment): the cleartext EHLO
    reply 11 segments instead of 1, 10 more headers (+10 packets, +520 B); the EHLO reply
    after TLS 10 segments instead of 1, each with its own TLS record (+9 packets, +9 x (52 +
    29) = 729 B); the replies to MAIL + RCPT x R + DATA R + 2 segments instead of one write
    (+R + 1 packets, +(R + 1) x 81 B). The greeting, 220, 235 and the final 250 are one line
    each. Up: nothing changes (the client writes the next command, which carries the ACK,
    when the last line arrives, as it did at the one write)."""
    r = recipients
    group = ideal_case("baseline", iw=11, recipients=r)
    line = ideal_case("baseline", iw=11, recipients=r, reply_writes="line")
    g, g_record, g_trace = _both(group)
    o, record, trace = _both(line)
    assert o.accept_s == record.accept_s == pytest.approx(10, abs=TOL)
    extra_packets = 10 + 9 + (r + 1)
    extra_bytes = 10 * HDR + 9 * (HDR + OH) + (r + 1) * (HDR + OH)
    assert (o.packets_down - g.packets_down, o.bytes_down - g.bytes_down) == (
        extra_packets, extra_bytes)
    assert (o.packets_up, o.bytes_up) == (g.packets_up, g.bytes_up)
    # the simulator, packet by packet
    before, group_before = _down(trace, record.accept_s), _down(g_trace, g_record.accept_s)
    assert (before[0] - group_before[0], before[1] - group_before[1]) == (
        extra_packets, extra_bytes)
    assert _up(trace, record.accept_s) == _up(g_trace, g_record.accept_s)


def test_an_ehlo_reply_longer_than_the_initial_window_waits_for_a_delayed_ack() -> None:
    """``baseline``, IW 10, line by line: the cleartext EHLO reply is 11 segments. The
    greeting was acknowledged by EHLO's segment, so at 2.5 nothing is in flight and the
    window (10 packets, RFC 6928) lets 10 lines go; the 11th ("250 CHUNKING") waits for an
    ACK. The client reads no reply before the last line, so it writes nothing; the 10
    segments (181 B) are less than a full segment, so it acknowledges them with its
    delayed-ACK timer (RFC 1122 §4.2.3.2; Linux 40 ms): at 3 + 40 ms, at the server at
    3.54, where the 11th line leaves: at the client at 4.04. Everything after is 1 RTT +
    40 ms later (the 10-line reply after TLS fits the window): accept at 11 + 40 ms."""
    o, record, _trace = _both(ideal_case("baseline", reply_writes="line"))
    assert o.accept_s == pytest.approx(11 + DELACK, abs=TOL)
    assert record.accept_s == pytest.approx(11 + DELACK, abs=TOL)


def test_with_nagle_each_multi_line_reply_waits_for_the_ack_of_its_first_line() -> None:
    """A server with Nagle (``Server.nagle``) writing line by line: the first line (a short
    segment) leaves; Nagle (Linux, Minshall's variant) holds the next lines while it is
    unacknowledged; they gather in the send queue and leave as one segment when its ACK
    comes. The client, waiting for the rest of the reply, sends nothing, so that ACK is its
    delayed ACK: 1 RTT + 40 ms per reply of several writes. ``baseline``: the cleartext EHLO
    reply (+1 RTT + 40 ms), the EHLO reply after TLS (+1 RTT + 40 ms) and the replies to
    MAIL + RCPT + DATA, three writes (+1 RTT + 40 ms); the greeting, 220, 235 and the final
    250 are one line, and the short segment before each was acknowledged by the command it
    answers. Accept at 10 + 3 x (1 + 0.04) = 13.12."""
    o, record, _trace = _both(ideal_case("baseline", server_nagle=True, reply_writes="line"))
    assert o.accept_s == pytest.approx(10 + 3 * (1 + DELACK), abs=TOL)
    assert record.accept_s == pytest.approx(10 + 3 * (1 + DELACK), abs=TOL)


# ----------------------------------------------------------------- the client's TLS setup
def test_the_clienthello_leaves_the_tls_setup_time_after_the_220() -> None:
    """``tls_setup_s`` 22.7 ms (swaks builds its TLS context after reading the 220 to
    STARTTLS: ``start_tls_build_ctx`` calls Net::SSLeay ``CTX_new`` and
    ``CTX_set_default_verify_paths``). ``baseline``: the 220 arrives at 4; the ClientHello
    leaves at 4 + 22.7 ms, before the client's 40 ms delayed-ACK timer, so it still carries
    the 220's ACK: no packet more. Every later step is 22.7 ms later: the server's Finished
    at 6.0227 (``tls_s``), accept at 10 + 22.7 ms; the TLS phase (STARTTLS to the server's
    Finished, 3 RTT) grows by 22.7 ms."""
    plain = ideal_case("baseline")
    slow = ideal_case("baseline", tls_setup_s=SWAKS_SETUP)
    g, g_record, g_trace = _both(plain)
    o, record, trace = _both(slow)
    assert o.accept_s == record.accept_s == pytest.approx(10 + SWAKS_SETUP, abs=TOL)
    assert o.tls_s == record.tls_s == pytest.approx(6 + SWAKS_SETUP, abs=TOL)
    assert record.phase_tls_s == pytest.approx(g_record.phase_tls_s + SWAKS_SETUP, abs=TOL)
    assert record.phase_tls_s == pytest.approx(3 + SWAKS_SETUP, abs=TOL)
    (ready,) = [p for p in trace.packets if p.label.startswith("220 2.0.0")]
    (hello,) = [p for p in trace.packets if p.label == "TLS ClientHello"]
    assert ready.arrived_s == pytest.approx(4, abs=TOL)
    assert hello.sent_s - ready.arrived_s == pytest.approx(SWAKS_SETUP, abs=TOL)
    assert (o.packets_up, o.bytes_up, o.packets_down, o.bytes_down) == (
        g.packets_up, g.bytes_up, g.packets_down, g.bytes_down)
    assert _up(trace, record.accept_s) == _up(g_trace, g_record.accept_s)


def test_a_tls_setup_longer_than_the_delayed_ack_timer_lets_a_pure_ack_go_first() -> None:
    """``tls_setup_s`` 100 ms: the 220 arrives at 4 and nothing is written before its
    delayed-ACK timer fires at 4.04, so a pure ACK (52 B) goes up before the ClientHello
    (at 4.1): one packet more up; accept at 10.1."""
    g = oracle(ideal_case("baseline"))
    case = ideal_case("baseline", tls_setup_s=0.1)
    o, record, trace = _both(case)
    assert o.accept_s == record.accept_s == pytest.approx(10.1, abs=TOL)
    assert (o.packets_up - g.packets_up, o.bytes_up - g.bytes_up) == (1, HDR)
    acks = [p for p in trace.packets
            if p.direction == "up" and not p.payload_bytes and 4 < p.sent_s < 4.1]
    assert [p.sent_s for p in acks] == [pytest.approx(4 + DELACK, abs=TOL)]


@pytest.mark.parametrize(
    ("variant", "state", "rtts", "paid"),
    [
        ("baseline", "cold", 10, True),
        # early pipelining on a cached token (draft-harris-early-pipe): EHLO + STARTTLS at
        # 1, the 220 at 2, then the ClientHello
        ("config-token", "warm", 6, True),
        # implicit TLS (RFC 8314 §3): the ClientHello is the first write, no 220 before it
        ("implicit-tls", "cold", 7, False),
        # QUICKSTART: QTLS and the ClientHello in one write, before any 220 is read
        # (quickstart-01 §6)
        ("quickstart-basic", "cold", 6, False),
        ("quickstart-full", "cold", 7, False),
        ("quickstart-full", "warm", 4, False),
    ],
)
def test_only_a_clienthello_after_starttls_waits_for_the_tls_setup(
    variant: str, state: str, rtts: int, paid: bool
) -> None:
    """The setup is paid where the client reads STARTTLS's 220 before its ClientHello, and
    nowhere else. RTT 0.5 s; accept in RTT as ``test_ideal_path``'s tables, plus 22.7 ms
    where there is a 220 to STARTTLS."""
    case = ideal_case(variant, rtt=0.5, state=state, tls_setup_s=SWAKS_SETUP)
    o, record, _trace = _both(case)
    expected = rtts * 0.5 + (SWAKS_SETUP if paid else 0.0)
    assert o.accept_s == pytest.approx(expected, abs=TOL)
    assert record.accept_s == pytest.approx(expected, abs=TOL)
