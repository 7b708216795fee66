"""The trace keeps the client's phases as they happened (``Trace.phases``), which the record
can only total (``phase_*_s``).

Ideal paths (tests/cases.py: every wait one round trip of 0.1 s, no serialization, no
processing time)."""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.model import PHASES
from smtpsim.simulator.run import run_session


def _spans(variant: str) -> list[tuple[str, float, float]]:
    record, trace = run_session(ideal_case(variant, rtt=0.1), 0, trace=True)
    assert trace is not None
    spans = [(p.name, p.start_s, p.end_s) for p in trace.phases]
    for name in PHASES:  # each phase's spans add up to the record's total for it
        total = sum(end - start for n, start, end in spans if n == name)
        assert total == pytest.approx(getattr(record, f"phase_{name}_s"), abs=1e-9)
    return spans


def _round_trips(spans: list[tuple[str, float, float]]) -> list[tuple[str, int, int]]:
    return [(name, round(start / 0.1), round(end / 0.1)) for name, start, end in spans]


def test_baseline_goes_through_ehlo_twice() -> None:
    """baseline (STARTTLS with TLS 1.2, AUTH PLAIN, pipelining, DATA, QUIT waited for), in
    round trips: the handshake (1), the 220 greeting (1), EHLO (1), STARTTLS's 220 plus TLS
    1.2's two round trips (RFC 3207 §4, RFC 5246 §7.3: 3), EHLO again (RFC 3207 §4.2: 1),
    AUTH PLAIN with its initial response (RFC 4954 §4: 1), MAIL+RCPT+DATA pipelined to the
    354 (RFC 2920 §3.1: 1), the body to its 250 (1), QUIT to the 221 (1). Contiguous from 0
    to the close."""
    assert _round_trips(_spans("baseline")) == [
        ("connect", 0, 1), ("greeting", 1, 2), ("ehlo", 2, 3), ("tls", 3, 6), ("ehlo", 6, 7),
        ("auth", 7, 8), ("envelope", 8, 9), ("data", 9, 10), ("quit", 10, 11)]


def test_rfc5321_lock_step_envelope() -> None:
    """rfc5321 (no pipelining, no TLS, no AUTH): MAIL, RCPT and DATA each wait for their
    reply (RFC 5321 §4.1: 3 round trips in the envelope)."""
    assert _round_trips(_spans("rfc5321")) == [
        ("connect", 0, 1), ("greeting", 1, 2), ("ehlo", 2, 3), ("envelope", 3, 6),
        ("data", 6, 7), ("quit", 7, 8)]
