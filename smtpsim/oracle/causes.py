"""The critical path: the chain of causes that led to an event, and what it counts.

Each event of the computation has one critical cause, the latest of what it waited for:

* a segment: the event in which its endpoint sends it: the write that queued its data, or
  the arrival of the ACK that let it go (cwnd, the peer's window, Nagle: a write that came
  last would have sent it itself); a pure ACK: the arrival it answers, a delayed one the
  arrival that started the delayed-ACK timer (RFC 1122 §4.2.3.2); a SYN or SYN-ACK sent again
  by its timer (RFC 6298 §5.5): the first one;
* a record delivered to an application: the arrival of the segment that completed it;
* a step of the client's script: the delivery of the last record it waited for (then its
  delay: TLS CPU), BURL's URL when the group waited for it, the keep-alive timer for a NOOP;
  the SMTP session of a save that comes first: the end of the IMAP work;
* a command the server processes: its delivery, or the end of the previous command when the
  server was still busy with it (RFC 2920 §3.2: one after another); a tie goes to the
  delivery. The server's socket exists, and its banner is prepared, because of the handshake
  ACK (the SYN with Fast Open or the banner on the SYN-ACK);
* the start: the user presses "send" at 0.

Along the chain, a segment the client sends opens an up leg; a server segment that reaches
the client with an up leg open closes a round trip (``turns``). ``stall`` adds the time spent
at the ends instead of on the wire: processing (the server's steps, BURL's fetch, TLS CPU),
the delayed-ACK timer, the SYN and SYN-ACK timers, the keep-alive interval. Waiting for an ACK
under Nagle or a window is not a stall: that ACK is the cause, and its round trip counts.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ORIGIN", "TIE_S", "Cause"]

TIE_S = 1e-9
"""Two events closer than this are one instant (floating-point noise): a delivery in the same
instant as the end of the server's previous command is the cause of the next one."""


@dataclass(frozen=True, slots=True)
class Cause:
    """Where an event stands on its critical path: ``turns`` completed, an up leg ``up``
    (sent by the client, not answered yet), the ``stall`` so far, and the time ``at`` of the
    event."""

    turns: int = 0
    up: bool = False
    stall: float = 0.0
    at: float = 0.0

    def until(self, t: float) -> Cause:
        """The same path to a later event of the same end at ``t``: the time between is
        spent there (a stall)."""
        return Cause(self.turns, self.up, self.stall + (t - self.at), t)

    def sent(self, by_client: bool) -> Cause:
        """What a segment carries: a client's opens an up leg."""
        return Cause(self.turns, True, self.stall, self.at) if by_client and not self.up \
            else self

    def arrived(self, t: float, at_client: bool) -> Cause:
        """A segment carrying this arrives at ``t`` (the wire's time is no stall); at the
        client, an open up leg is a round trip done."""
        if at_client and self.up:
            return Cause(self.turns + 1, False, self.stall, t)
        return Cause(self.turns, self.up, self.stall, t)


ORIGIN = Cause()
"""The user presses "send"."""
