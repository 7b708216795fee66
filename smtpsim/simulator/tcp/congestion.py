"""Congestion control: the window a sender may have in flight, in packets, as Linux counts
it (NewReno's window rules: RFC 5681 §3.1, §3.2, §4.1; RFC 6582 for the recovery window).

* Initial window ``iw`` (RFC 6928 / RFC 3390); slow start adds one packet per packet
  acknowledged (RFC 5681 §3.1 with RFC 3465 byte counting), congestion avoidance one packet
  per window.
* As in Linux (``tcp_is_cwnd_limited``, RFC 7661), the window grows only while the sender
  uses it: in slow start while ``cwnd < 2 * max_packets_out`` or the window blocked sending;
  ``validate`` records that use after each send (Linux ``tcp_cwnd_validate``).
* A retransmission timeout: ``ssthresh = max(flight / 2, 2)``, ``cwnd = 1``. Fast retransmit
  (three duplicate ACKs): ``ssthresh = max(flight / 2, 2)``, ``cwnd = ssthresh + 3``, one more
  per further duplicate ACK, ``ssthresh`` when the recovery ends.
* Slow start after idle (RFC 5681 §4.1; Linux ``tcp_slow_start_after_idle=1``,
  ``tcp_cwnd_restart``): a sender that has sent nothing for longer than its RTO raises
  ssthresh to 3/4 of cwnd if it was below (``tcp_current_ssthresh``), then halves cwnd once
  per RTO elapsed, down to the restart window ``min(IW, cwnd)``.

CUBIC (``cubic``, RFC 9438) shares slow start and the cwnd-limited rule. The sender owns one
``NewReno`` or ``Cubic`` (``TcpConfig.congestion``) and asks it; loss detection and
retransmission stay with the sender (``input``, ``sack``, ``rto``).
"""

from __future__ import annotations

__all__ = ["NewReno"]


class NewReno:
    """The congestion window of one sender."""

    __slots__ = ("iw", "cwnd", "ssthresh", "ca_count", "max_packets_out", "cwnd_usage_seq",
                 "is_cwnd_limited")

    def __init__(self, iw: int) -> None:
        self.iw = iw
        self.cwnd = iw
        self.ssthresh = 1 << 30
        self.ca_count: float = 0
        self.max_packets_out = 0
        self.cwnd_usage_seq = 0
        self.is_cwnd_limited = False

    def grow(self, acked: int, now: float = 0.0, min_rtt: float = 0.0) -> None:
        """``acked`` packets newly acknowledged (at ``now``, on a path whose minimum RTT is
        ``min_rtt``: CUBIC's clock): slow start / congestion avoidance (RFC 5681 §3.1), only
        while cwnd-limited."""
        cwnd = self.cwnd
        if cwnd < self.ssthresh:
            if not (self.is_cwnd_limited or cwnd < 2 * self.max_packets_out):
                return
            grown = cwnd + acked
            if grown > self.ssthresh:
                acked = grown - self.ssthresh
                grown = self.ssthresh
            else:
                acked = 0
            self.cwnd = grown
            if not acked:
                return
        if not self.is_cwnd_limited:
            return
        self.ca_count += acked
        if self.ca_count >= self.cwnd:
            self.ca_count -= self.cwnd
            self.cwnd += 1

    def validate(self, out: int, limited: bool, snd_una: int, snd_nxt: int) -> None:
        """After a send: ``out`` packets in flight, ``limited`` if the window stopped it
        (Linux ``tcp_cwnd_validate``: remember how the current window is used; a window
        that blocked sending stays cwnd-limited until ``snd_una`` passes it, more packets
        out then do not clear it: ``!tp->is_cwnd_limited && packets_out >
        max_packets_out``)."""
        if (snd_una >= self.cwnd_usage_seq or limited
                or (not self.is_cwnd_limited and out > self.max_packets_out)):
            self.max_packets_out = out
            self.cwnd_usage_seq = snd_nxt
            self.is_cwnd_limited = limited

    def on_timeout(self, flight: int, now: float = 0.0, snd_nxt: int = 0) -> None:
        """A retransmission timeout with ``flight`` packets outstanding (RFC 5681 §3.1), at
        ``now`` with ``snd_nxt`` the next new sequence number (CUBIC's HyStart round)."""
        self.ssthresh = max(flight // 2, 2)
        self.cwnd = 1
        self.ca_count = 0

    def enter_recovery(self, flight: int, dupacks: int) -> None:
        """Fast retransmit on ``dupacks`` duplicate ACKs (RFC 5681 §3.2 step 2-3)."""
        self.ssthresh = max(flight // 2, 2)
        self.cwnd = self.ssthresh + dupacks

    def enter_sack_recovery(self, flight: int) -> None:
        """SACK loss recovery (RFC 6675 §5 step 4.2): ``ssthresh = FlightSize / 2`` (RFC 5681
        eq. 4); the window goes down to it by proportional rate reduction (``sack``)."""
        self.ssthresh = max(flight // 2, 2)
        self.ca_count = 0

    def on_tx_start(self, idle: float) -> None:
        """Sending starts again after ``idle`` seconds with nothing in flight (Linux
        ``CA_EVENT_TX_START``): nothing for NewReno."""

    def inflate(self) -> None:
        """A further duplicate ACK during recovery (RFC 5681 §3.2 step 4)."""
        self.cwnd += 1

    def exit_recovery(self) -> None:
        """The recovery point is acknowledged (RFC 6582 §3.2 step 3): deflate."""
        self.cwnd = self.ssthresh

    def restart_after_idle(self, idle: float, rto: float, in_recovery: bool = False) -> None:
        """Linux ``tcp_cwnd_restart`` (``net/ipv4/tcp_output.c``): first ``snd_ssthresh =
        tcp_current_ssthresh(sk)`` (``include/net/tcp.h``: ssthresh unchanged during a window
        reduction, ``tcp_in_cwnd_reduction``, here ``in_recovery``; otherwise ``max(ssthresh,
        (cwnd >> 1) + (cwnd >> 2))``, 3/4 of the window before the restart), so the slow start
        that follows climbs back to where the window was; then halve cwnd per RTO of
        idleness, not below ``min(IW, cwnd)``."""
        cwnd = self.cwnd
        if not in_recovery:
            current = (cwnd >> 1) + (cwnd >> 2)
            if current > self.ssthresh:
                self.ssthresh = current
        restart = min(self.iw, cwnd)
        idle -= rto
        while idle > 0 and cwnd > restart:
            cwnd >>= 1
            idle -= rto
        self.cwnd = max(cwnd, restart)

