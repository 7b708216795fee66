"""The critical path of a session: which earlier event each packet, read and write waited for
last, carried along as a small stamp so that every session counts its round trips cheaply.

Every event has one *critical cause*, the latest of the things it waited for:

* a segment is caused by the event during which it is sent: the application's write that
  queued its data, or, when cwnd, the receive window or Nagle held it, the arrival of the ACK
  that released it (the later of the two: had the write come last, it would have sent the
  segment itself); a pure ACK by the data arrival it answers, a delayed one by the arrival
  that started the delayed-ACK timer; a retransmission by its timer (the first transmission
  of the segment, or of the SYN / SYN-ACK, that the timer guards);
* an item the application reads is caused by the arrival of the segment that completed its
  record;
* what the application does is caused by the last item it *waited* for (it asked before the
  item arrived, or in the same instant), otherwise by its own previous step: a server that is
  still busy with one command when the next arrives answers the next one when it is done with
  the first. The application of a new connection starts with the event that made the
  connection (the SYN-ACK's arrival for the client; for the server the handshake ACK, or the
  SYN with Fast Open or the banner on the SYN-ACK); the user's press of "send" starts the
  client (the origin).

Following the causes back from an event to the origin gives its critical path. Its *round
trips* (``turns``) are the client -> server -> client turns on it: a segment the client sends
starts an up leg, a server segment that arrives at the client with an up leg pending
completes a turn. Its *stall* is the time the path spent at the ends rather than on the wire:
in the server's and the client's processing (``ServerTiming`` steps, BURL's fetch, TLS CPU, a
worker's listen queue), in the delayed-ACK timer, in retransmission and SYN timers, in the
client's keep-alive timer. A hold by Nagle, cwnd or the receive window is not a stall: the
segment's cause is the ACK that freed it, so the hold shows as the round trip that ACK closes
(and the ACK's own stall, such as the peer's delayed-ACK timer). Time spent queued behind
other packets on a link is the wire's.

The stamp of an event is ``(legs, stall)`` at the event's time: ``legs`` is twice the
completed turns plus 1 while an up leg is pending (so the client sends ``legs | 1``, and an
arrival at the client makes it ``(legs + 1) & ~1``), ``stall`` in seconds. Segments carry
theirs (``Segment.legs``, ``Segment.stall``); an endpoint holds the stamp of the event it is
handling (``ControlBlock.cause_legs``, ``cause_stall``); a socket the stamp of its
application (``Socket.legs``, ``stall``, and ``at``: the time of that stamp's event, so that
the application's own time since then is added as stall when it writes). The hot path
inlines this arithmetic; the functions here are for the code above it.
"""

from __future__ import annotations

__all__ = ["Cause", "TIE_S", "turns"]

#: A stamp as the application layers pass it around: ``(legs, stall, at)``.
Cause = tuple[int, float, float]

#: An item that arrived at most this long before the application asked for it counts as
#: waited for: an arrival in the same instant (up to floating-point noise) is the cause.
TIE_S = 1e-9


def turns(legs: int) -> int:
    """The completed client -> server -> client turns of a stamp's ``legs``."""
    return legs >> 1
