"""The path between a client and a server: one direction (``LinkConfig``), both
(``PathConfig``), bursty loss (``GilbertElliott``), a link's capacity over time
(``CapacityTrace``) and its outages (``Outage``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MTU_BYTES", "QUEUES", "CapacityTrace", "GilbertElliott", "LinkConfig", "Outage",
           "PathConfig"]

#: The bytes of one delivery opportunity of a capacity trace: Mahimahi's ``PACKET_SIZE``
#: (one Ethernet MTU, ``src/frontend/link_queue.hh``).
MTU_BYTES = 1500

#: The bottleneck disciplines (``LinkConfig.queue``).
QUEUES = ("droptail", "fq_codel")


@dataclass(frozen=True, slots=True)
class GilbertElliott:
    """Two-state bursty loss (Gilbert 1960, Elliott 1963).

    ``p_gb``: probability per packet of moving Good -> Bad; ``p_bg``: Bad -> Good;
    ``loss_good`` / ``loss_bad``: loss probability in each state. The stationary loss rate
    is ``(p_bg*loss_good + p_gb*loss_bad) / (p_gb + p_bg)``.
    """

    p_gb: float
    p_bg: float
    loss_good: float = 0.0
    loss_bad: float = 1.0

    @property
    def mean_loss(self) -> float:
        return (self.p_bg * self.loss_good + self.p_gb * self.loss_bad) / (self.p_gb + self.p_bg)


@dataclass(frozen=True, slots=True)
class CapacityTrace:
    """A link's capacity over time in Mahimahi's trace format (``mm-link``): one delivery
    opportunity of ``MTU_BYTES`` per line, each a whole millisecond; the trace repeats, its
    last timestamp being its period (Mahimahi ``src/frontend/link_queue.cc``,
    ``use_a_delivery_opportunity``: "if ( next_delivery_ == 0 ) { if ( repeat_ ) {
    base_timestamp_ += schedule_.back();"). ``stamps_ms`` are non-decreasing, the last > 0;
    ``name`` says where it came from (a file, a shipped trace)."""

    name: str
    stamps_ms: tuple[int, ...]

    @property
    def period_ms(self) -> int:
        return self.stamps_ms[-1]

    @property
    def mean_bps(self) -> float:
        """The mean rate over one period."""
        return len(self.stamps_ms) * MTU_BYTES * 8 * 1000.0 / self.period_ms


@dataclass(frozen=True, slots=True)
class Outage:
    """No delivery on the link from ``at_s`` (seconds from the run's start) for ``for_s``:
    packets wait in the queue, or are dropped when it is full."""

    at_s: float
    for_s: float


@dataclass(frozen=True, slots=True)
class LinkConfig:
    """One direction of a path.

    ``delay_s`` one-way propagation delay; ``bandwidth_bps`` serialization rate in bit/s;
    ``jitter_s`` the mean of an exponential extra delay per packet (order is preserved: a
    packet never overtakes the one before it); ``loss`` independent loss probability per
    packet, or ``burst`` for Gilbert–Elliott loss (``burst`` wins when both are given).

    ``queue_bytes``: the bottleneck's drop-tail buffer, the bytes that may wait for the link
    (the packet being serialized is out of it, as in Mahimahi's ``DropTailPacketQueue``); a
    packet that would take the waiting bytes above it is dropped. None: unbounded.
    ``queue``: the bottleneck's discipline, ``"droptail"`` (one FIFO) or ``"fq_codel"`` (RFC
    8290: a queue per connection served in turn, new flows first, CoDel dropping in each;
    ``queue_bytes`` is then its shared limit; None: Linux's defaults, 10240 packets or
    32 MiB).
    ``trace``: the capacity over time, replacing ``bandwidth_bps`` (which then only names
    the mean rate). ``outages``: times without any delivery, sorted, not overlapping.
    """

    delay_s: float
    bandwidth_bps: float
    jitter_s: float = 0.0
    loss: float = 0.0
    burst: GilbertElliott | None = None
    queue_bytes: int | None = None
    trace: CapacityTrace | None = None
    outages: tuple[Outage, ...] = ()
    queue: str = "droptail"


@dataclass(frozen=True, slots=True)
class PathConfig:
    """An uplink (client -> server) and a downlink (server -> client)."""

    up: LinkConfig
    down: LinkConfig

    @property
    def rtt_s(self) -> float:
        return self.up.delay_s + self.down.delay_s

    @classmethod
    def symmetric_rtt(
        cls,
        rtt_s: float,
        up_bps: float,
        down_bps: float,
        loss: float = 0.0,
        jitter_s: float = 0.0,
    ) -> PathConfig:
        """A path with half the RTT in each direction and the same loss both ways."""
        half = rtt_s / 2.0
        return cls(
            LinkConfig(half, up_bps, jitter_s, loss),
            LinkConfig(half, down_bps, jitter_s, loss),
        )
