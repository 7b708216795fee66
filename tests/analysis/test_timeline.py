"""The waits at the ends and the phase spans (``smtpsim.analysis.timeline``) on hand-made
traces and records."""

from __future__ import annotations

import pytest

from smtpsim.analysis.timeline import Wait, record_phases, waits
from smtpsim.model.records import SessionRecord
from smtpsim.model.trace import PacketEvent, Trace


def _p(direction: str, sent: float, arrived: float | None, payload: int = 10,
       retransmit: bool = False, connection: str = "smtp") -> PacketEvent:
    return PacketEvent(direction, sent, arrived, 52 + payload, payload, "PA" if payload else "A",
                       0, 0, "x" if payload else "", retransmit, connection)


def test_a_reply_after_processing_and_a_flight_after_an_arrival() -> None:
    """The server gets a command at 50 ms and answers at 52 (2 ms processing: a wait); the
    client gets the reply at 102 and sends a flight of three at 102, 103.2, 104.4 ms (the
    later two queued behind the first: serialization, not a wait)."""
    trace = Trace(packets=[
        _p("up", 0.0, 0.050), _p("down", 0.052, 0.102),
        _p("up", 0.102, 0.152), _p("up", 0.1032, 0.1532), _p("up", 0.1044, 0.1544),
    ])
    assert waits(trace) == [Wait("server", "smtp", 0.050, 0.052)]
    assert waits(trace, min_s=0.003) == []


def test_a_retransmission_waits_since_the_previous_packet() -> None:
    """A lost packet at 0.1 s and its retransmission at 0.4 s with nothing arriving between:
    the client waited 300 ms on its retransmission timer (RFC 6298 §5)."""
    trace = Trace(packets=[_p("up", 0.1, None), _p("up", 0.4, 0.45, retransmit=True)])
    assert waits(trace) == [Wait("client", "smtp", 0.1, 0.4)]


def test_each_connection_has_its_own_waits() -> None:
    """An IMAP reply arrives at 0.3 s; the client's next SMTP packet at 0.3 s does not answer
    it; its IMAP ACK at 0.34 s waited 40 ms (the delayed-ACK timer)."""
    trace = Trace(packets=[
        _p("down", 0.25, 0.3, connection="imap"), _p("up", 0.3, 0.35),
        _p("up", 0.34, 0.39, payload=0, connection="imap"),
    ])
    assert waits(trace) == [Wait("client", "imap", 0.3, 0.34)]


def test_phases_laid_end_to_end_when_the_record_agrees() -> None:
    """Phases once each in PHASES order: connect 0-0.1, greeting 0.1-0.2 (greeting_s 0.2),
    ehlo 0.2-0.3, envelope 0.3-0.6 (mail_s 0.3): their spans; an empty phase is left out."""
    record = SessionRecord("p", "v", 0, 0, 100, 1, 10, "s", greeting_s=0.2, mail_s=0.3,
                           phase_connect_s=0.1, phase_greeting_s=0.1, phase_ehlo_s=0.1,
                           phase_envelope_s=0.3)
    spans = record_phases(record)
    assert [name for name, _, _ in spans] == ["connect", "greeting", "ehlo", "envelope"]
    assert [t for _, s, e in spans for t in (s, e)] == pytest.approx(
        [0, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.6])
    assert record_phases(record.as_row()) == spans


def test_phases_the_record_cannot_place() -> None:
    """STARTTLS: EHLO 0.2-0.3, TLS 0.3-0.6 (tls_s 0.6), EHLO again 0.6-0.7. End to end in
    PHASES order TLS would end at 0.5, not at tls_s: no spans."""
    record = SessionRecord("p", "v", 0, 0, 100, 1, 10, "s", greeting_s=0.2, tls_s=0.6,
                           phase_connect_s=0.1, phase_greeting_s=0.1, phase_tls_s=0.3,
                           phase_ehlo_s=0.2)
    assert record_phases(record) == []
