"""CUBIC's HyStart (``TcpConfig.hystart``, Linux ``tcp_cubic.c`` ``hystart_update``) watches
the slow start of a CUBIC sender once cwnd reaches ``HYSTART_LOW_WINDOW`` (16): each ACK of
new data gives the RTT of the newest segment it acknowledges (Linux ``ca_rtt_us``), whose
minimum is ``delay_min``; a round begins on the ACK that passes the ``snd_nxt`` recorded when
the last one began. Slow start ends on an ACK train (ACKs at most 2 ms apart reaching more
than ``(delay_min + min(1 ms, 2 * 64 KiB * SRTT / (mss * cwnd))) / 2`` past the round's
start) or a delay increase (the round's smallest sample, from its ninth on, above
``delay_min + clamp(delay_min / 8, 4 ms, 16 ms)``). CUBIC's congestion avoidance after it
is not part of the closed form: the oracle says so (:class:`SlowStartEnds`) at that ACK.
"""

from __future__ import annotations

import math

from smtpsim.model.tcp import (
    HYSTART_ACK_DELTA_S,
    HYSTART_DELAY_MAX_S,
    HYSTART_DELAY_MIN_S,
    HYSTART_GSO_MAX_BYTES,
    HYSTART_LOW_WINDOW,
    HYSTART_MIN_SAMPLES,
)
from smtpsim.oracle.domain import SlowStartEnds

__all__ = ["HyStart"]


class HyStart:
    """One CUBIC sender's HyStart: ``delay_min``, and the round (its start, the
    ``snd_nxt`` that ends it, the train's last ACK, its smallest sample and how many were
    taken)."""

    def __init__(self) -> None:
        self.delay_min = 0.0
        self.round_start = self.train_end = 0.0
        self.round_end = 0
        self.round_min = math.inf
        self.round_samples = 0

    def ack(self, t: float, rtt: float, srtt: float, cwnd: int, snd_una: int, snd_nxt: int,
            mss: int) -> None:
        """CUBIC's RTT sample ``rtt`` at ``t`` (SRTT ``srtt`` before it), by an ACK that
        moved ``snd_una`` with ``snd_nxt`` next to send: ``delay_min``, then HyStart's two
        tests while ``cwnd`` >= 16 (Linux ``cubictcp_acked``, ``hystart_update``);
        :class:`SlowStartEnds` when one fires."""
        rtt = max(rtt, 1e-6)
        if self.delay_min == 0.0 or rtt < self.delay_min:
            self.delay_min = rtt
        if cwnd < HYSTART_LOW_WINDOW:
            return
        if snd_una > self.round_end:  # a new round
            self.round_start = self.train_end = t
            self.round_end = snd_nxt
            self.round_min = math.inf
            self.round_samples = 0
        dmin = self.delay_min
        if t - self.train_end <= HYSTART_ACK_DELTA_S + 1e-9:
            self.train_end = t
            cushion = 0.0
            if srtt > 0.0:
                cushion = min(0.001, 2 * HYSTART_GSO_MAX_BYTES * srtt / (mss * cwnd))
            if t - self.round_start > (dmin + cushion) / 2 + 1e-9:
                raise SlowStartEnds(f"closed form: HyStart's ACK train ends slow start at"
                                    f" {t:.6f} s, cwnd {cwnd} (CUBIC congestion avoidance"
                                    " follows)")
        self.round_min = min(self.round_min, rtt)
        if self.round_samples < HYSTART_MIN_SAMPLES:
            self.round_samples += 1
        elif self.round_min > dmin + min(max(dmin / 8, HYSTART_DELAY_MIN_S),
                                         HYSTART_DELAY_MAX_S) + 1e-9:
            raise SlowStartEnds(f"closed form: HyStart's delay increase ends slow start at"
                                f" {t:.6f} s, cwnd {cwnd} (CUBIC congestion avoidance"
                                " follows)")
