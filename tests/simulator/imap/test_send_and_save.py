"""Send-and-save (IMAP APPEND to Sent, RFC 3501 §6.3.11) in whole runs, and the IMAP
connections around BURL (RFC 4468): the submission server's fetch over a pooled or a new
connection (RFC 4467 §7.3), and the client's IMAP connection in the record and the trace.

Ideal client path, RTT 0.5 s; the submission server's data-centre path to IMAP: 1 ms RTT.
BURL's own round trips are in ``smtp/test_burl.py``; the IMAP server and session, message by
message, in ``test_server.py``.
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.model import TcpConfig, TlsConfig, text
from smtpsim.simulator.run import run_session

RTT = 0.5
DC = 0.001


def _run(variant: str, **kw):
    record, _ = run_session(ideal_case(variant, rtt=RTT, **kw), seed=1)
    assert record.outcome == "accepted", record.failed_in
    return record


def test_plain_save_uploads_the_body_twice() -> None:
    """Without BURL the body crosses the uplink in DATA and in APPEND."""
    size = 200_000
    saved = _run("baseline+save", size=size)
    burl = _run("burl", size=size)
    assert saved.bytes_up > 2 * size > burl.bytes_up > size


def test_a_new_fetch_connection_costs_about_five_data_centre_round_trips() -> None:
    """On a new connection: the TCP handshake (RFC 9293 §3.5), the TLS 1.3 handshake of
    implicit TLS (RFC 8314 §3, RFC 8446 §2), the greeting (RFC 3501 §7.1.1), AUTHENTICATE
    PLAIN with an initial response (RFC 4959), then URLFETCH itself (RFC 4467 §7.3)."""
    pooled = _run("burl")
    fresh = _run("burl", burl_pooled=False)
    extra = (fresh.accept_s - pooled.accept_s) / DC
    assert 3.5 <= extra <= 5.5


def test_retransmits_count_the_imap_connection_too() -> None:
    """A cold IMAP session on a 1.2 s RTT path: the SYN-ACK (sent at 0.6) comes after the
    client's 1 s SYN timer, so the SYN goes again at 1.0; the server's own 1 s timer sends the
    SYN-ACK again at 1.6 (the ACK only arrives at 1.8), and the duplicate SYN arriving at 1.6
    is answered with one more: three per connection. The SMTP connection does the same: the
    record counts all six. (Without RACK-TLP: with it each end's first data segment is also
    probed once, 1 s after it left, as no RTT sample came from the handshake; see
    ``test_dynamics``.)"""
    tcp = TcpConfig(rack=False)
    case = ideal_case("baseline+save+imap-cold", rtt=1.2, client_tcp=tcp, server_tcp=tcp)
    record, trace = run_session(case, seed=0, trace=True)
    assert record.outcome == "accepted"
    assert trace is not None
    assert sum(p.retransmit for p in trace.packets) == 6
    assert record.retransmits == 6
    probed, _ = run_session(ideal_case("baseline+save+imap-cold", rtt=1.2), seed=0)
    assert probed.retransmits == 6 + 2 * 2


def test_the_trace_shows_the_imap_session() -> None:
    """The client's IMAP connection is traced with the SMTP one and told apart: its packets
    and records carry ``connection="imap"`` (APPEND, the literal, GENURLAUTH and their
    answers), the SMTP dialogue ``"smtp"``; the submission server's fetch runs on the
    data-centre path and is not on the client's links."""
    _record, trace = run_session(ideal_case("burl", rtt=RTT), seed=1, trace=True)
    assert trace is not None
    by_conn = {c: [p for p in trace.packets if p.connection == c] for c in ("smtp", "imap")}
    assert any("APPEND" in p.label for p in by_conn["imap"])
    assert any("GENURLAUTH" in p.label for p in by_conn["imap"])
    assert not any("APPEND" in p.label or "GENURLAUTH" in p.label for p in by_conn["smtp"])
    assert any("EHLO" in p.label for p in by_conn["smtp"])
    assert any("BURL" in p.label for p in by_conn["smtp"])
    assert not any("URLFETCH" in p.label for p in trace.packets)
    writes = {(r.connection, r.side) for r in trace.records if r.action == "write"}
    assert {("imap", "client"), ("imap", "server"), ("smtp", "client")} <= writes


def test_a_pipelined_authenticate_and_append_leave_in_one_segment() -> None:
    """``imap-pipelined`` on a cold session (RFC 3501 §5.5, RFC 4959, RFC 7888): after the
    greeting (1.25 s: SYN-ACK 0.25, ClientHello 0.5, flight 0.75, Finished 1.0, read at
    1.25) the client writes AUTHENTICATE, the APPEND line and the 100 B literal at once:
    one TLS record of 80 + 31 + 100 plaintext bytes and 22 B overhead, one 285 B segment
    with the 52 B TCP/IP header, at 1.5 s; the server writes both OKs at 1.75 s, they
    arrive at 2.0 s (saved: 4 RTT); GENURLAUTH only then (it names the UID of APPEND's OK).
    ``imap-lockstep`` sends AUTHENTICATE alone at 1.5 s and the APPEND at 2.0 s, after its
    OK: saved at 2.5 s."""
    auth = f"a1 AUTHENTICATE PLAIN {text.auth_plain_ir()}"
    append = "a2 APPEND Sent (\\Seen) {100+}"
    assert (len(auth) + 2, len(append) + 2) == (80, 31)
    payload = 80 + 31 + 100 + TlsConfig().record_overhead_13
    for variant, saved in (("baseline+burl+imap-cold+imap-pipelined", 2.0),
                           ("baseline+burl+imap-cold+imap-lockstep+literal-plus", 2.5)):
        record, trace = run_session(ideal_case(variant, rtt=RTT), seed=1, trace=True)
        assert trace is not None
        up = [p for p in trace.packets if p.connection == "imap" and p.direction == "up"]
        carrying = {name: [p for p in up if name in p.label]
                    for name in ("AUTHENTICATE", "APPEND", "GENURLAUTH")}
        assert all(len(packets) == 1 for packets in carrying.values()), carrying
        (a,), (b,), (g,) = carrying.values()
        assert record.saved_s == pytest.approx(saved, abs=1e-6)
        assert a.sent_s == pytest.approx(1.5, abs=1e-6)
        assert g.sent_s == pytest.approx(saved, abs=1e-6)
        if variant.endswith("imap-pipelined"):
            assert a is b
            assert a.wire_bytes == TcpConfig().header_bytes + payload == 285
        else:
            assert b.sent_s == pytest.approx(2.0, abs=1e-6)
