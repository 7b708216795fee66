"""The receive window one endpoint advertises: Linux 6.7+'s receive-buffer autotuning
(``net/ipv4/tcp_input.c``: ``tcp_init_buffer_space``, ``tcp_rcv_rtt_measure_ts``,
``tcp_rcv_rtt_measure``, ``tcp_grow_window``, ``tcp_rcv_space_adjust``;
``net/ipv4/tcp_output.c``: ``tcp_select_initial_window``, ``tcp_select_window``,
``__tcp_select_window``), written from the kernel's source for the oracle.

The buffer is ``tcp_rmem[1]`` at first and half of it is window (``scaling_ratio`` 128 of
256, Linux's default); the application reads every in-order byte when it arrives, so the free
space is the whole window space whenever a window is chosen (no slow reader in the model).
Times are exact seconds (an interval within ``RCV_SPACE_TIE_S`` of the receiver's RTT
estimate has reached it), and TS.Recent is ``tcp``'s. A SYN offers ``initial`` (unscaled,
RFC 7323 §2.2); every other segment ``select``'s window, a multiple of ``2**wscale`` that
never moves the right edge back.
``TcpConfig.rmem_autotune`` False: ``rmem[2]`` on every segment.
"""

from __future__ import annotations

from smtpsim.model import TcpConfig
from smtpsim.model.tcp import (
    IP_TCP_HEADER_BYTES,
    RCV_SPACE_TIE_S,
    RMEM_MAX_CORE,
    TCP_INIT_CWND,
    TCP_MAX_WSCALE,
    TCP_MSS_DEFAULT,
)

__all__ = ["ReceiveBuffer"]

MAX_FIELD = 0xFFFF  # the 16-bit window field


class ReceiveBuffer:
    """One endpoint's receive buffer and the window it offers. ``client``: the SYN's window
    is a multiple of the announced MSS (``tcp_connect_init``), the server's of that less the
    timestamp option (``tcp_openreq_init_rwin``)."""

    def __init__(self, cfg: TcpConfig, client: bool) -> None:
        self.auto = cfg.rmem_autotune
        self.rmem_max = cfg.rmem[2]
        self.adv = cfg.mss + cfg.header_bytes - IP_TCP_HEADER_BYTES
        self.buf = cfg.rmem[1]
        # tcp_select_initial_window
        limit = MAX_FIELD << TCP_MAX_WSCALE
        space = min(self.buf // 2, limit)
        unit = self.adv if client else cfg.mss
        if space > unit:
            space = (space // unit) * unit
        self.initial = min(space, MAX_FIELD) if self.auto else self.rmem_max
        top = min(max(space, cfg.rmem[2], RMEM_MAX_CORE), limit)
        self.wscale = max(0, min(TCP_MAX_WSCALE, top.bit_length() - 16))
        self.clamp = min(MAX_FIELD << self.wscale, limit)
        self.offered = self.initial  # rcv_wnd
        self.offered_at = 0  # rcv_wup
        self.ssthresh = self.initial
        self.rcv_mss = min(TCP_MSS_DEFAULT, self.adv)
        self.space = 0
        self.space_seq = 0
        self.space_t = 0.0
        self.rtt = 0.0  # the receiver's RTT estimate (0: none yet)
        self.win_seq = 0
        self.win_t: float | None = None
        self.last_echo = 0.0

    def established(self, t: float, rcv_nxt: int) -> None:
        """``tcp_init_buffer_space`` (``tcp_app_win`` 31: one segment reserved)."""
        if not self.auto:
            return
        full = self.buf // 2
        if self.clamp >= full:
            self.clamp = full
            if full > 4 * self.adv:
                self.clamp = max(full - (full >> 31), 4 * self.adv)
        if self.clamp > 2 * self.adv and self.clamp + self.adv > full:
            self.clamp = max(2 * self.adv, full - self.adv)
        self.ssthresh = min(self.ssthresh, self.clamp)
        self.space = min(self.ssthresh, self.offered, TCP_INIT_CWND * self.adv)
        self.space_seq = rcv_nxt
        self.space_t = t

    def _sample(self, r: float, by_window: bool) -> None:
        """``tcp_rcv_rtt_update`` on the unscaled estimate: a timestamp sample moves it by
        1/8 of the difference, a window sample can only lower it."""
        if self.rtt == 0.0:
            self.rtt = r
        elif by_window:
            self.rtt = min(self.rtt, r)
        else:
            self.rtt = self.rtt + (r - self.rtt) / 8.0

    def data(self, t: float, nbytes: int, echo: float, rcv_nxt: int) -> None:
        """``nbytes`` of in-order data arrived at ``t`` (``rcv_nxt`` now past them), echoing
        the timestamp ``echo``; the application reads them at once."""
        if not self.auto:
            return
        if echo != self.last_echo:  # tcp_rcv_rtt_measure_ts
            self.last_echo = echo
            if nbytes >= self.rcv_mss and echo > 0.0:
                self._sample(t - echo, by_window=False)
        if nbytes >= self.rcv_mss:  # tcp_measure_rcv_mss
            self.rcv_mss = min(nbytes, self.adv)
        if self.win_t is None:  # tcp_rcv_rtt_measure
            self.win_seq, self.win_t = rcv_nxt + self.offered, t
        elif rcv_nxt >= self.win_seq:
            took = t - self.win_t
            self._sample(took if took > 0.0 else 1e-6, by_window=True)  # (1 µs if none)
            self.win_seq, self.win_t = rcv_nxt + self.offered, t
        if nbytes >= 128:  # tcp_grow_window
            room = min(self.clamp, self.buf // 2) - self.ssthresh
            if room > 0:
                self.ssthresh += min(room, max(2 * self.adv, 2 * nbytes))
        # tcp_rcv_space_adjust, once per receiver RTT
        if self.rtt == 0.0 or t - self.space_t < self.rtt - RCV_SPACE_TIE_S:
            return
        copied = rcv_nxt - self.space_seq
        if copied > self.space:
            want = 2 * copied + 16 * self.adv
            want += 2 * (want * (copied - self.space) // self.space)
            buf = min(2 * want, self.rmem_max)
            if buf > self.buf:
                self.buf = buf
                self.clamp = buf // 2
            self.space = copied
        self.space_seq, self.space_t = rcv_nxt, t

    def select(self, rcv_nxt: int) -> int:
        """The window a segment sent now carries, in bytes (``tcp_select_window``)."""
        if not self.auto:
            return self.rmem_max
        full = self.buf // 2
        cap = min(self.clamp, full)
        free = min(full, self.ssthresh)
        step = 1 << self.wscale
        if self.wscale:
            win = -(-free // step) * step
        else:
            mss = min(self.rcv_mss, cap)
            win = self.offered
            if win <= free - mss or win > free:
                win = (free // mss) * mss if mss > 0 else free
            elif mss == cap and free > win + (cap >> 1):
                win = free
        left = self.offered_at + self.offered - rcv_nxt
        if win < left:  # never shrink the window offered
            win = -(-left // step) * step
        self.offered, self.offered_at = win, rcv_nxt
        return min(win, MAX_FIELD << self.wscale)
