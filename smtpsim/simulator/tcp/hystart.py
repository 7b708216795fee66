"""HyStart, CUBIC's hybrid slow start, as Linux runs it (``net/ipv4/tcp_cubic.c``, the logic
of kernels since 5.6, when ``hystart_update`` took microsecond RTTs, ``hystart_ack_delay``
and the ``delay_min >> 3`` threshold clamped to 4-16 ms; unchanged in 6.x).

Ha and Rhee, "Taming the elephants: New TCP slow start" (Computer Networks 55(9), 2011):
slow start ends (``ssthresh = cwnd``, then CUBIC's congestion avoidance) before the
bottleneck's buffer overflows, on either of two signals, checked on every ACK that gives an
RTT sample while ``cwnd < ssthresh`` and ``cwnd >= hystart_low_window`` (16) and until one
fires (``cubictcp_acked``; ``found``):

* Rounds (``hystart_update``, ``bictcp_hystart_reset``): a round begins on the ACK on which
  ``snd_una`` passes the ``end_seq`` recorded when the round before began, and records
  ``round_start = last_ack = now``, ``end_seq = snd_nxt``, and forgets the round's RTT
  minimum and sample count.
* ACK train (``HYSTART_ACK_TRAIN``): an ACK at most ``hystart_ack_delta_us`` (2 ms) after the
  last ACK of the train extends it (``last_ack = now``); the train fires when it reaches
  more than ``(delay_min + hystart_ack_delay) / 2`` past the round's start (``threshold >>=
  1`` without pacing, ``SK_PACING_NONE``: the default qdisc). ``hystart_ack_delay``
  is ``min(1 ms, 4 * sk_gso_max_size / sk_pacing_rate)``, the pacing rate Linux keeps even
  unpaced (``tcp_update_pacing_rate``: ``2 * mss * cwnd / srtt`` in slow start, from the
  previous ACK: here cwnd and SRTT before this ACK).
* Delay increase (``HYSTART_DELAY``): the round's smallest RTT sample, once it has taken
  ``HYSTART_MIN_SAMPLES`` (8) samples, above ``delay_min + clamp(delay_min / 8, 4 ms,
  16 ms)`` (``HYSTART_DELAY_THRESH``).

The RTT sample is Linux's ``ca_rtt_us``: the newest segment the ACK acknowledges
(``tcp_clean_rtx_queue``'s ``last_ackt``), or the timestamp echo when a resent one is among
them; ``delay_min`` is CUBIC's own minimum of those samples (``cubic``). Linux counts in
whole microseconds; the comparisons here carry a nanosecond of slack (``_EPS``) so that a
tie (ACKs exactly 2 ms apart) goes Linux's way whatever the floating-point rounding.
"""

from __future__ import annotations

from smtpsim.model.tcp import (
    HYSTART_ACK_DELTA_S,
    HYSTART_DELAY_MAX_S,
    HYSTART_DELAY_MIN_S,
    HYSTART_GSO_MAX_BYTES,
    HYSTART_MIN_SAMPLES,
)

__all__ = ["HyStart", "ack_delay"]

#: Slack on HyStart's comparisons (Linux compares whole microseconds)
_EPS = 1e-9


def ack_delay(mss: int, cwnd: int, srtt: float) -> float:
    """Linux ``hystart_ack_delay``: ``min(1 ms, 4 * sk_gso_max_size / sk_pacing_rate)``, the
    pacing rate ``2 * mss * cwnd / srtt`` (``tcp_update_pacing_rate`` in slow start,
    ``tcp_pacing_ss_ratio`` 200 %); 0 without an SRTT (no rate)."""
    if srtt <= 0.0:
        return 0.0
    cushion = 2.0 * HYSTART_GSO_MAX_BYTES * srtt / (mss * cwnd)
    return cushion if cushion < 0.001 else 0.001


class HyStart:
    """One sender's HyStart state (Linux ``struct bictcp``'s ``found``, ``round_start``,
    ``end_seq``, ``last_ack``, ``curr_rtt``, ``sample_cnt``)."""

    __slots__ = ("found", "round_start", "last_ack", "end_seq", "curr_rtt", "sample_cnt",
                 "exit_s", "exit_cwnd", "exit_by")

    def __init__(self) -> None:
        self.found = False
        self.exit_s = -1.0  # when it fired (-1: not yet), at which cwnd, by which detector
        self.exit_cwnd = 0
        self.exit_by = ""
        self.reset(0.0, 0)

    def reset(self, now: float, snd_nxt: int) -> None:
        """Linux ``bictcp_hystart_reset``: a new round from ``now``, ending at ``snd_nxt``."""
        self.round_start = self.last_ack = now
        self.end_seq = snd_nxt
        self.curr_rtt = float("inf")
        self.sample_cnt = 0

    def update(self, delay: float, now: float, snd_una: int, snd_nxt: int, delay_min: float,
               cushion: float, cwnd: int) -> bool:
        """Linux ``hystart_update``: one RTT sample ``delay`` at ``now`` (after ``snd_una``
        moved); True when slow start ends (the caller sets ``ssthresh = cwnd``)."""
        if snd_una > self.end_seq:  # after(tp->snd_una, ca->end_seq)
            self.reset(now, snd_nxt)
        if now - self.last_ack <= HYSTART_ACK_DELTA_S + _EPS:  # the train goes on
            self.last_ack = now
            if now - self.round_start > (delay_min + cushion) / 2.0 + _EPS:
                self._found(now, cwnd, "ack-train")
        if delay < self.curr_rtt:
            self.curr_rtt = delay
        if self.sample_cnt < HYSTART_MIN_SAMPLES:
            self.sample_cnt += 1
        else:
            thresh = delay_min / 8.0
            if thresh < HYSTART_DELAY_MIN_S:
                thresh = HYSTART_DELAY_MIN_S
            elif thresh > HYSTART_DELAY_MAX_S:
                thresh = HYSTART_DELAY_MAX_S
            if self.curr_rtt > delay_min + thresh + _EPS:
                self._found(now, cwnd, "delay")
        return self.found

    def _found(self, now: float, cwnd: int, by: str) -> None:
        if not self.found:
            self.found = True
            self.exit_s, self.exit_cwnd, self.exit_by = now, cwnd, by
