"""CUBIC congestion control (RFC 9438), as Linux's ``net/ipv4/tcp_cubic.c`` runs it: the
default of Linux (``tcp_congestion_control``) since 2.6.19.

* Slow start is NewReno's (Linux ``bictcp_cong_avoid`` calls ``tcp_slow_start``), with the
  same cwnd-limited rule (``congestion.NewReno``), and HyStart (``hystart``, with
  ``TcpConfig.hystart``, Linux's ``hystart`` 1) may end it before a loss: on an ACK train
  or a delay increase it sets ``ssthresh = cwnd`` (Linux ``hystart_update``), and CUBIC's
  congestion avoidance follows without a ``W_max``.
* RTT samples (Linux ``cubictcp_acked``): every ACK's sample (``rtt``) keeps ``delay_min``,
  CUBIC's own minimum (from the first data ACK on: ``cubictcp_init`` clears it when the
  connection is established, after the handshake's sample), except within 1 s (``HZ``) of
  an epoch's start ("Discard delay samples right after fast recovery"); then HyStart.
* On a loss (fast retransmit or a timeout) the window before it is ``W_max`` and
  ``ssthresh = max(β_cubic * cwnd, 2)``, β_cubic = 0.7 (RFC 9438 §4.6; Linux
  ``bictcp_recalc_ssthresh``, ``beta`` 717/1024), with fast convergence (§4.7): a loss below
  the previous ``W_max`` sets ``W_max = cwnd * (1 + β_cubic) / 2``.
* Congestion avoidance follows ``W_cubic(t) = C * (t - K)^3 + W_max`` (§4.2, eq. 1),
  ``C`` = 0.4, ``K = cbrt((W_max - cwnd_epoch) / C)`` (eq. 2), ``t`` the time since the
  epoch began (the first growth after the reduction): each ACK moves cwnd towards
  ``W_cubic(t + RTT)`` (Linux: ``t`` plus ``delay_min``), by
  ``(target - cwnd) / cwnd`` per packet acknowledged (Linux ``ca->cnt``), at most half a
  packet per packet (target ≤ 1.5 cwnd, §4.2; Linux ``cnt >= 2``).
* The Reno-friendly region (§4.3): ``W_est`` starts at ``cwnd_epoch`` and grows by
  ``α_cubic = 3 (1 - β_cubic) / (1 + β_cubic)`` packets per window acknowledged; while it
  is above cwnd, cwnd grows at least as fast as that (Linux ``tcp_friendliness``).
* Without a ``W_max`` (after HyStart ended slow start, or a timeout reset it: Linux
  ``cubictcp_state`` on ``TCP_CA_Loss``) the epoch's curve starts at the current window
  (``bictcp_update``: ``last_max_cwnd <= cwnd`` gives ``bic_K = 0``,
  ``bic_origin_point = cwnd``, so the target is ``cwnd + C (t + delay_min)^3``) and the
  window grows at least 5 % per RTT (Linux ``ca->cnt`` at most 20).
* A timeout (``TCP_CA_Loss``, ``cubictcp_state``) clears the CUBIC state (``bictcp_reset``:
  ``W_max``, ``delay_min``, HyStart's ``found``) and starts a HyStart round ending at
  ``snd_nxt``, so the slow start that follows may be ended by HyStart again.
* Idle (Linux ``cubictcp_cwnd_event`` ``CA_EVENT_TX_START``): the epoch is moved on by the
  idle time, so the curve does not jump; slow start after idle is NewReno's
  (``restart_after_idle``: Linux ``tcp_cwnd_restart`` is generic), which keeps 3/4 of the
  window in ssthresh: after HyStart set ssthresh, the slow start after the idle period
  goes on to 3/4 of the window before it, if that is more.
"""

from __future__ import annotations

from smtpsim.model.tcp import HYSTART_LOW_WINDOW
from smtpsim.simulator.tcp.congestion import NewReno
from smtpsim.simulator.tcp.hystart import HyStart, ack_delay

__all__ = ["BETA", "C", "Cubic"]

#: RFC 9438 §4.6 β_cubic and §5 C (Linux ``beta`` 717/1024, ``bic_scale`` 41/1024 * 10).
BETA = 0.7
C = 0.4
#: RFC 9438 §4.3: the Reno-friendly increase per window acknowledged.
ALPHA = 3.0 * (1.0 - BETA) / (1.0 + BETA)


class Cubic(NewReno):
    """The congestion window of one CUBIC sender (slow start and the cwnd-limited rule are
    ``NewReno``'s; the reductions and congestion avoidance are RFC 9438's)."""

    __slots__ = ("w_max", "k", "origin", "epoch_start", "w_est", "cnt", "last_send",
                 "delay_min", "hystart", "mss")

    def __init__(self, iw: int, hystart: bool = False, mss: int = 1448) -> None:
        super().__init__(iw)
        #: CUBIC's minimum RTT (Linux ``ca->delay_min``; 0: no sample yet)
        self.delay_min = 0.0
        #: HyStart (``TcpConfig.hystart``), None when off; ``mss`` for its pacing-rate cushion
        self.hystart = HyStart() if hystart else None
        self.mss = mss
        #: W_max (0: none), K, the curve's origin point, when the epoch began (-1: not yet)
        self.w_max = 0.0
        self.k = 0.0
        self.origin = 0.0
        self.epoch_start = -1.0
        self.w_est = 0.0
        #: Linux ``ca->cnt``: packets to acknowledge per one packet of growth
        self.cnt = 0.0

    def rtt(self, delay: float, now: float, snd_una: int, snd_nxt: int, srtt: float) -> None:
        """Linux ``cubictcp_acked``: an ACK at ``now`` (``snd_una`` already moved) gave the RTT
        sample ``delay``; ``snd_nxt`` the next new sequence number, ``srtt`` the SRTT before
        the sample (for HyStart's pacing-rate cushion)."""
        epoch = self.epoch_start
        if epoch >= 0.0 and now - epoch < 1.0:
            return  # within HZ of the epoch's start
        if delay <= 0.0:
            delay = 1e-6  # Linux: a delay of 0 µs counts as 1
        if self.delay_min == 0.0 or delay < self.delay_min:
            self.delay_min = delay
        hystart = self.hystart
        cwnd = self.cwnd
        if (hystart is not None and not hystart.found and cwnd < self.ssthresh
                and cwnd >= HYSTART_LOW_WINDOW
                and hystart.update(delay, now, snd_una, snd_nxt, self.delay_min,
                                   ack_delay(self.mss, cwnd, srtt), cwnd)):
            self.ssthresh = cwnd

    def grow(self, acked: int, now: float = 0.0, min_rtt: float = 0.0) -> None:
        """``acked`` packets newly acknowledged at ``now`` (Linux ``bictcp_cong_avoid``; the
        curve's RTT is CUBIC's own ``delay_min``, not ``min_rtt``)."""
        cwnd = self.cwnd
        if not (self.is_cwnd_limited or (cwnd < self.ssthresh
                                         and cwnd < 2 * self.max_packets_out)):
            return
        if cwnd < self.ssthresh:  # tcp_slow_start
            grown = cwnd + acked
            if grown > self.ssthresh:
                acked = grown - self.ssthresh
                grown = self.ssthresh
            else:
                acked = 0
            self.cwnd = cwnd = grown
            if not acked or not self.is_cwnd_limited:
                return
        self._update(cwnd, acked, now, self.delay_min)
        # tcp_cong_avoid_ai(tp, cnt, acked)
        cnt = self.cnt
        count = self.ca_count + acked
        if count >= cnt:
            steps = int(count // cnt)
            count -= steps * cnt
            self.cwnd = cwnd + steps
        self.ca_count = count

    def _update(self, cwnd: int, acked: int, now: float, min_rtt: float) -> None:
        """Linux ``bictcp_update``: the growth rate ``cnt`` towards ``W_cubic(t + RTT)``."""
        if self.epoch_start < 0.0:  # a new epoch (RFC 9438 §4.2)
            self.epoch_start = now
            self.w_est = float(cwnd)
            if self.w_max <= cwnd:
                self.k = 0.0
                self.origin = float(cwnd)
            else:
                self.k = ((self.w_max - cwnd) / C) ** (1.0 / 3.0)
                self.origin = self.w_max
        else:
            # Reno-friendly region (§4.3): alpha packets per window acknowledged
            self.w_est += ALPHA * acked / cwnd
        t = now - self.epoch_start + min_rtt
        target = self.origin + C * (t - self.k) ** 3
        cnt = cwnd / (target - cwnd) if target > cwnd else 100.0 * cwnd
        if self.w_max == 0.0 and cnt > 20.0:
            cnt = 20.0  # no W_max: at least 5 % per RTT
        w_est = self.w_est
        if w_est > cwnd:  # slower than Reno would be: grow as Reno
            reno = cwnd / (w_est - cwnd)
            if cnt > reno:
                cnt = reno
        self.cnt = cnt if cnt > 2.0 else 2.0

    def _reduce(self) -> int:
        """Linux ``bictcp_recalc_ssthresh``: W_max with fast convergence (§4.7), and the new
        ssthresh (§4.6)."""
        cwnd = self.cwnd
        self.epoch_start = -1.0
        if cwnd < self.w_max:
            self.w_max = cwnd * (1.0 + BETA) / 2.0
        else:
            self.w_max = float(cwnd)
        return max(int(cwnd * BETA), 2)

    def on_timeout(self, flight: int, now: float = 0.0, snd_nxt: int = 0) -> None:
        """A retransmission timeout at ``now`` with ``snd_nxt`` the next new sequence number:
        ssthresh from β_cubic, cwnd 1, and the CUBIC state reset (Linux ``tcp_enter_loss``,
        then ``cubictcp_state`` ``TCP_CA_Loss``: ``bictcp_reset``, ``bictcp_hystart_reset``)."""
        self.ssthresh = self._reduce()
        self.cwnd = 1
        self.ca_count = 0
        self.w_max = 0.0
        self.k = self.origin = 0.0
        self.delay_min = 0.0
        hystart = self.hystart
        if hystart is not None:
            hystart.found = False
            hystart.reset(now, snd_nxt)

    def enter_recovery(self, flight: int, dupacks: int) -> None:
        """Fast retransmit (RFC 9438 §4.6): ``ssthresh = cwnd * β_cubic``; as in RFC 5681
        §3.2, the window is inflated by the duplicate ACKs while the recovery lasts."""
        self.ssthresh = self._reduce()
        self.cwnd = self.ssthresh + dupacks
        self.ca_count = 0

    def enter_sack_recovery(self, flight: int) -> None:
        """SACK loss recovery (RFC 6675 §5 step 4.2 with RFC 9438 §4.6):
        ``ssthresh = cwnd * β_cubic``; the window goes down to it by proportional rate
        reduction (``sack``)."""
        self.ssthresh = self._reduce()
        self.ca_count = 0

    def on_tx_start(self, idle: float) -> None:
        """Linux ``cubictcp_cwnd_event`` (``CA_EVENT_TX_START``): the epoch moves on by the
        idle time, so the curve resumes where it stopped."""
        if self.epoch_start >= 0.0:
            self.epoch_start += idle
