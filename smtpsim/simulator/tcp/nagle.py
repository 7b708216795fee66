"""Nagle's algorithm (RFC 896, RFC 1122 §4.2.3.4) as Linux runs it.

Linux holds a segment shorter than the MSS only while an earlier *small* segment is still
unacknowledged (Minshall's variant: ``tcp_nagle_check`` / ``tcp_minshall_check``), not while
any data is: a full-sized flight never holds the short segment behind it. The segment that
ends the stream before a FIN is not held (Linux: ``TCP_NAGLE_PUSH`` on close), nor is a
retransmission. TCP_NODELAY (``TcpEndpoint.nagle`` False) turns it off. ``output`` asks this
rule for every new short segment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smtpsim.simulator.tcp.tcb import ControlBlock

__all__ = ["nagle_holds"]


def nagle_holds(tcb: ControlBlock, seq: int, size: int) -> bool:
    """Whether the new short segment ``[seq, seq + size)`` waits: something is in flight, a
    short segment sent earlier is not yet acknowledged, and this one does not end the stream
    before a FIN. (The caller has checked that Nagle is on and the segment is short.)"""
    return (
        bool(tcb.inflight)
        and tcb.sml_end > tcb.snd_una
        and not (tcb.fin_queued and seq + size == tcb.fin_seq)
    )
