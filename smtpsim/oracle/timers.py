"""The least time any retransmission timer of a lossless path can take: the oracle does not
model the timers (RFC 6298's RTO, RFC 8985's probe timeout), it only tells when one could
fire (``tcp``: ``max_ack_wait`` against this floor)."""

from __future__ import annotations

from smtpsim.model import TcpConfig
from smtpsim.model.tcp import TIMEOUT_MIN_S

__all__ = ["timer_floor"]


def timer_floor(cfg: TcpConfig, rtt: float, sack: bool) -> float:
    """A lower bound of every retransmission timer ``cfg``'s sender arms on a lossless path
    of round-trip time ``rtt`` (``sack``: both ends offer SACK). Every RTT sample, so SRTT,
    is at least ``rtt``; the RTO (RFC 6298 with Linux's floor) is then at least
    ``min(rto_initial, rtt + rto_min)``. With RACK-TLP (RFC 8985, SACK needed) the probe
    timeout is at least ``2 rtt + TIMEOUT_MIN_S`` (Linux ``tcp_schedule_loss_probe``:
    ``2 SRTT`` plus 2 ms, or plus ``rto_min`` with one segment in flight; ``rto_initial``
    before a sample; never beyond the RTO). A timer is armed at a send or an ACK, after the
    oldest segment in flight was sent, so none fires before some segment has waited this
    long for its ACK."""
    floor = min(cfg.rto_initial_s, rtt + cfg.rto_min_s)
    if sack and cfg.rack:
        floor = min(floor, 2.0 * rtt + TIMEOUT_MIN_S)
    return floor
