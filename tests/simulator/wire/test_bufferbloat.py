"""Issue 12's check: a finite modem buffer keeps a small exchange from waiting behind a bulk
upload without limit, and the records say how long packets queued and how many the buffers
dropped."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cases import ideal_case

from smtpsim import api
from smtpsim.model import LinkConfig, PathConfig, updated
from smtpsim.simulator.run import run_session

MTU = 1500


def test_burl_of_20_mb_on_dsl_completes_with_short_keepalive_waits() -> None:
    """``smtpsim run --profile dsl --variant burl --size 20000000``: before the buffers,
    the IMAP upload's window grew without limit, a keep-alive NOOP waited 136 s behind it
    and the server closed the session (421). With the ``dsl`` profile's 128 KiB uplink
    buffer at 384 kbit/s, the packets ahead of a NOOP are at most the buffer plus the one
    being sent, (131072 + 1500) x 8 / 384000 = 2.76 s; its reply comes one round trip
    (50 ms) and the two serializations later. So every NOOP is answered within
    2.76 + 0.05 + 2 x 1500 x 8 / 384000 s of being handed to the link, and the message is
    accepted."""
    (case,) = api.build_cases("dsl", variant="burl", size=20_000_000)
    up = case.network.path.up
    assert (up.queue_bytes, up.bandwidth_bps) == (131_072, 384_000.0)
    record, trace = run_session(case, seed=0, trace=True)
    assert trace is not None
    assert record.outcome == "accepted"
    bound = (131_072 + MTU) * 8 / 384_000 + 0.050 + 2 * MTU * 8 / 384_000
    smtp = [p for p in trace.packets if p.connection == "smtp" and p.payload_bytes]
    # the application's NOOPs (a loss probe may send a queued one's copy, RFC 8985 §7.3: its
    # reply came to the original)
    noops = [i for i, p in enumerate(smtp)
             if p.direction == "up" and "NOOP" in p.label and not p.retransmit]
    assert noops, "no keep-alive NOOP: the upload was faster than the NOOP interval"
    for i in noops:
        handed = smtp[i].sent_s - smtp[i].queue_s
        reply = next(p for p in smtp[i + 1:] if p.direction == "down")
        assert reply.arrived_s is not None and reply.arrived_s - handed <= bound
    assert record.queue_drops > 0
    assert record.queue_max_s <= (131_072 + MTU) * 8 / 384_000 + 1e-9


def test_the_record_counts_queue_drops_and_waits() -> None:
    """A 300 kB message up a 100 kbit/s link with a 15000-B buffer (RTT 0.1 s): slow start
    overfills it, so packets are dropped (and sent again), and no packet waits longer than
    the buffer plus the packet being sent, (15000 + 1500) x 8 / 100000 = 1.32 s. The mean
    wait is at most the longest. The same case with an unbounded buffer drops nothing."""
    base = updated(ideal_case("rfc5321", rtt=0.1), workload={"size": 300_000})
    path = PathConfig(LinkConfig(0.05, 100_000.0, queue_bytes=15_000),
                      LinkConfig(0.05, 1e6, queue_bytes=15_000))
    record, trace = run_session(updated(base, network={"path": path}), seed=0, trace=True)
    assert trace is not None
    assert record.outcome == "accepted"
    drops = [p for p in trace.packets if p.queue_drop]
    assert record.queue_drops == len(drops) > 0
    assert all(p.arrived_s is None for p in drops)
    assert record.retransmits > 0
    assert 0 < record.queue_mean_s <= record.queue_max_s <= 16_500 * 8 / 100_000 + 1e-9
    assert record.queue_max_s == pytest.approx(max(p.queue_s for p in trace.packets))
    unbounded, _ = run_session(base, seed=0)
    assert unbounded.queue_drops == 0


def test_with_fq_codel_the_keepalive_waits_one_packet_not_the_buffer() -> None:
    """The same BURL of 20 MB on dsl with ``queue = "fq_codel"`` both ways (the 128 KiB
    buffer its shared limit). The SMTP connection is a flow of its own, idle between its
    small exchanges, so a keep-alive NOOP arrives as a *new* flow (RFC 8290 §4.2: served
    before the IMAP upload's old flow): it waits at most for the upload's packet being sent,
    1500 x 8 / 384000 = 31.25 ms, and never for the buffer (2.76 s with drop-tail, above).
    Its reply comes one round trip (50 ms) and the two serializations later, so within
    31.25 + 50 + 2 x 31.25 ms of the NOOP being handed to the link; the SMTP connection
    loses nothing (CoDel and the overflow drop from the fat IMAP flow)."""
    (case,) = api.build_cases("dsl", variant="burl", size=20_000_000)
    path = case.network.path
    fq = PathConfig(replace(path.up, queue="fq_codel"), replace(path.down, queue="fq_codel"))
    record, trace = run_session(updated(case, network={"path": fq}), seed=0, trace=True)
    assert trace is not None
    assert record.outcome == "accepted"
    one = MTU * 8 / 384_000
    smtp = [p for p in trace.packets if p.connection == "smtp" and p.payload_bytes]
    noops = [i for i, p in enumerate(smtp) if p.direction == "up" and "NOOP" in p.label]
    assert noops, "no keep-alive NOOP: the upload was faster than the NOOP interval"
    for i in noops:
        assert smtp[i].queue_s <= one + 1e-9
        handed = smtp[i].sent_s - smtp[i].queue_s
        reply = next(p for p in smtp[i + 1:] if p.direction == "down")
        assert reply.arrived_s is not None and reply.arrived_s - handed <= one + 0.050 + 2 * one
    assert not any(p.queue_drop for p in trace.packets if p.connection == "smtp")
    assert record.queue_drops > 0
