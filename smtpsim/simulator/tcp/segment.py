"""A TCP segment and its flags.

Sequence numbers are data-byte offsets from 0; the SYN takes none, a FIN takes one (RFC 793
§3.3). Every segment carries the timestamp option (RFC 7323), whose 12 bytes are in
``TcpConfig.header_bytes``: ``tsval`` is its send time, ``tsecr`` the echoed TS.Recent.
"""

from __future__ import annotations

from typing import Any

from smtpsim.simulator.clock import Call

__all__ = ["ACK", "FIN", "PROBE", "SYN", "Segment"]

SYN = 1
ACK = 2
FIN = 4
#: Not a TCP flag: marks a segment a tail loss probe sent (RFC 8985 §7.3, ``tlp``), for the
#: trace; a receiver looks only at the others.
PROBE = 8


class Segment(Call):
    """A TCP segment: ``seq`` and ``length`` in data-byte offsets, ``ack``, ``flags``, and the
    timestamp option: ``tsval`` (send time) and ``tsecr`` (the echoed TS.Recent); and the
    stamp of the event that sent it (``legs``, ``stall``: ``smtpsim.simulator.tcp.causes``),
    which the endpoint gives it as it sends the segment (all in one call on the hot path).

    A segment is its own arrival on the event queue (a ``clock.Call`` whose ``value`` is
    itself, ``wire.Link.send``)."""

    __slots__ = (
        "seq", "length", "ack", "flags", "retransmit", "label", "tsval", "tsecr", "option",
        "legs", "stall", "sack", "wnd",
    )

    def __init__(
        self,
        seq: int,
        length: int,
        ack: int,
        flags: int,
        retransmit: bool = False,
        tsval: float = 0.0,
        tsecr: float = 0.0,
        legs: int = 0,
        stall: float = 0.0,
    ) -> None:
        self.seq = seq
        self.length = length
        self.ack = ack
        self.flags = flags
        self.retransmit = retransmit
        self.label = ""
        self.tsval = tsval
        self.tsecr = tsecr
        self.legs = legs
        self.stall = stall
        #: The Fast Open option of a SYN or SYN-ACK (a cookie, COOKIE_REQUEST or None).
        self.option: Any = None
        #: SACK blocks (RFC 2018), ((start, end), ...), or None (``sack``).
        self.sack: tuple[tuple[int, int], ...] | None = None
        #: The receive window it advertises, in bytes (the window field shifted by the
        #: scale, RFC 7323 §2.3; a SYN's unscaled, §2.2): ``receive_window``.
        self.wnd = 0

    @property
    def value(self) -> Segment:
        """The packet a link delivers: the segment itself."""
        return self
