"""The path between a client and a server: one direction (``LinkConfig``), both
(``PathConfig``), and bursty loss (``GilbertElliott``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GilbertElliott", "LinkConfig", "PathConfig"]


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
class LinkConfig:
    """One direction of a path.

    ``delay_s`` one-way propagation delay; ``bandwidth_bps`` serialization rate in bit/s;
    ``jitter_s`` the mean of an exponential extra delay per packet (order is preserved: a
    packet never overtakes the one before it); ``loss`` independent loss probability per
    packet, or ``burst`` for Gilbert–Elliott loss (``burst`` wins when both are given).
    """

    delay_s: float
    bandwidth_bps: float
    jitter_s: float = 0.0
    loss: float = 0.0
    burst: GilbertElliott | None = None


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
