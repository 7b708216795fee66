"""The optional per-packet and per-record log of one session.

Off by default; when off, the wire and the endpoints hold ``None`` instead of a ``Trace`` and
pay one ``is not None`` test per packet. A ``Trace`` is plain rows: the ladder view
(``smtpsim.analysis.ladder``) and the per-phase breakdown read it; nothing here formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PacketEvent", "PhaseSpan", "RecordEvent", "Trace"]


@dataclass(slots=True)
class PacketEvent:
    """One segment on the wire.

    ``direction`` is ``"up"`` (client to server) or ``"down"``; ``sent_s`` is when its first
    bit left, ``arrived_s`` when its last bit arrived (``None`` if it was lost). ``wire_bytes``
    include the IP and TCP headers; ``payload_bytes`` do not. ``flags`` is TCP's: a string of
    ``S`` (SYN), ``F`` (FIN), ``A`` (ACK), ``P`` (carries data). ``label`` is the protocol text
    of the application records whose bytes start in this segment (``""`` for a pure ACK).
    """

    direction: str
    sent_s: float
    arrived_s: float | None
    wire_bytes: int
    payload_bytes: int
    flags: str
    seq: int
    ack: int
    label: str
    retransmit: bool = False
    #: which connection carried it: ``"smtp"``, or ``"imap"`` (the client's IMAP session of
    #: send-and-save and BURL, on the same access links)
    connection: str = "smtp"
    #: how long it waited for the link (queueing delay: from being handed to the link to
    #: ``sent_s``, a radio promotion or an outage included)
    queue_s: float = 0.0
    #: dropped by the link's queue (``arrived_s`` None; it never used the link): a full
    #: drop-tail buffer (``sent_s`` when it was handed over), or fq_codel's overflow or CoDel
    #: (``sent_s`` when it was dropped, ``queue_s`` 0)
    queue_drop: bool = False
    #: sent by a tail loss probe (RFC 8985 §7.3): new data beyond the congestion window, or
    #: the last segment again (then ``retransmit`` too)
    probe: bool = False


@dataclass(slots=True)
class RecordEvent:
    """An application record written or delivered: ``side`` is ``"client"`` or ``"server"``,
    ``action`` is ``"write"`` or ``"read"``, ``connection`` as in ``PacketEvent`` (the IMAP
    server is the ``"server"`` of an ``"imap"`` record)."""

    time_s: float
    side: str
    action: str
    nbytes: int
    label: str
    connection: str = "smtp"


@dataclass(slots=True)
class PhaseSpan:
    """The client in one phase of its submission (``smtpsim.model.records.PHASES``) from
    ``start_s`` to ``end_s``. A phase may come more than once (EHLO again after STARTTLS,
    RFC 3207 §4.2); the record keeps only each phase's total."""

    name: str
    start_s: float
    end_s: float


@dataclass(slots=True)
class Trace:
    """Everything one session put on the wire and through its sockets, in time order."""

    packets: list[PacketEvent] = field(default_factory=list)
    records: list[RecordEvent] = field(default_factory=list)
    #: the client's phases, in order, as they happened (empty ones left out)
    phases: list[PhaseSpan] = field(default_factory=list)
    rtt_s: float = 0.0
    profile: str = ""
    variant: str = ""
