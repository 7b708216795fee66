"""The receive window: what an endpoint advertises in every segment it sends, and the sender's
use of the peer's (RFC 793 §3.7, RFC 7323 §2), with Linux's receive-buffer autotuning
("dynamic right-sizing") as Linux 6.7+ runs it (``net/ipv4/tcp_input.c``,
``net/ipv4/tcp_output.c``, with ``scaling_ratio`` at its default).

Receiver (``TcpConfig.rmem_autotune``; else every segment advertises ``rmem[2]``):

* The SYN or SYN-ACK offers ``tcp_select_initial_window``'s window, unscaled (RFC 7323
  §2.2): ``tcp_full_space`` = half of ``rmem[1]`` (``tcp_win_from_space`` with the default
  ``scaling_ratio`` 128/256: since 6.5 it replaces ``tcp_adv_win_scale`` 1, the same half)
  rounded down to a multiple of the MSS (the client's ``advmss``, 1460 B, in
  ``tcp_connect_init``; the server's ``advmss`` less the timestamp option, 1448 B, in
  ``tcp_openreq_init_rwin``), at most 65535: 64240 and 65160 B with the defaults. The
  window-scale shift is sized for ``max(rmem[2], net.core.rmem_max)``: ``ilog2 - 15``, 7.
* ``tcp_init_buffer_space`` when the connection is established: ``window_clamp`` =
  the full space less one ``advmss`` ("Force reservation of one segment", ``tcp_app_win``
  31), 64076 B; ``rcv_ssthresh`` = min(initial window, clamp); the first measure's base
  ``rcvq_space.space`` = min(that, ``TCP_INIT_CWND`` × ``advmss``) = 14600 B.
* Each in-order data segment (``tcp_rcv_established`` fast path): a receiver RTT sample from
  the echoed timestamp when it changed (``tcp_rcv_rtt_measure_ts``, for a segment of at
  least ``rcv_mss``), the MSS guess (``tcp_measure_rcv_mss``), a sample from the time one
  window of data took to arrive (``tcp_rcv_rtt_measure``, the minimum kept), and for a
  segment of 128 B or more ``rcv_ssthresh`` grows by ``max(2 advmss, 2 len)`` up to the
  clamp (``tcp_grow_window``, check #2 passing: ``truesize`` at most twice the payload).
* The application reads it at once (``copied_seq``); once per receiver RTT
  ``tcp_rcv_space_adjust`` compares the bytes read in the last one (``copied``) with the
  previous measure's: more, and the buffer becomes ``2 rcvwin`` (``tcp_space_from_win``),
  ``rcvwin = 2 copied + 16 advmss`` plus twice the growth ``rcvwin (copied - space) /
  space``, at most ``rmem[2]``; the clamp follows (half of it).
* Every segment but a SYN carries ``tcp_select_window``: ``__tcp_select_window``'s
  ``min(free space, rcv_ssthresh)`` rounded up to the scale unit (without a scale: the
  multiple of ``rcv_mss`` rule), never less than what is left of the last window offered
  ("Never shrink the offered window"), at most ``65535 << wscale``.

Sender: the window of the latest acceptable segment (Linux ``tcp_ack_update_window`` with
``tcp_may_update_window``: a new ACK, a newer segment, or the same one with a larger or zero
window) sets ``snd_wnd``; a segment is sent only if it ends within ``snd_una + snd_wnd``
(``tcp_snd_wnd_test``, ``output``). A window that changes is no duplicate ACK (RFC 5681 §2).

Simplifications, at the granularity that matters for latency: no socket memory accounting
(``truesize`` is taken as twice the payload, which is what ``scaling_ratio`` 128 assumes, so
check #2 of ``tcp_grow_window`` always passes); the application reads every in-order byte the
instant it arrives (no model here has a slow reader: the SMTP and IMAP servers and the client
read whole records as they complete), so the free space is the full space whenever a window is
computed, the window never closes and no zero-window probe is needed; times are exact, not
Linux's 1 ms timestamps and 1 µs clock (but an interval within ``RCV_SPACE_TIE_S`` of the
RTT estimate has reached it); the receiver samples only data segments; TS.Recent follows
every segment but the SYN and SYN-ACK (``input``), so a connection's first data echoes no
timestamp (0, which the receiver takes for none, as it does a SYN's sent at 0) and gives no
sample, where Linux would echo the SYN-ACK's; data carried by a SYN or SYN-ACK is taken without this
bookkeeping (one segment at most); ``rcv_mss`` follows segments of at least its guess only
(``tcp_measure_rcv_mss``' branch for smaller ones is not modelled); no memory pressure
(``rmem[0]`` is kept for the configuration only).
"""

from __future__ import annotations

from functools import cache

from smtpsim.model import TcpConfig
from smtpsim.model.tcp import (
    RCV_SPACE_TIE_S,
    RMEM_MAX_CORE,
    TCP_INIT_CWND,
    TCP_MAX_WSCALE,
    TCP_MSS_DEFAULT,
    advmss,
)
from smtpsim.simulator.tcp.tcb import ControlBlock

__all__ = ["ReceiveWindow", "initial_window"]

_U16 = 65535
_TS_OPTION = 12  # TCPOLEN_TSTAMP_ALIGNED


def initial_window(rmem1: int, rmem2: int, mss: int) -> tuple[int, int, int]:
    """Linux ``tcp_select_initial_window`` for a receive buffer of ``rmem1`` bytes, a
    ``tcp_rmem[2]`` of ``rmem2`` and an MSS of ``mss``: (the window a SYN offers, the
    window-scale shift, ``window_clamp``)."""
    clamp = _U16 << TCP_MAX_WSCALE
    space = min(rmem1 // 2, clamp)  # tcp_full_space
    if space > mss:
        space -= space % mss  # rounddown(space, mss)
    wnd = min(space, _U16)
    wscale = max(space, rmem2, RMEM_MAX_CORE)
    wscale = min(max(min(wscale, clamp).bit_length() - 1 - 15, 0), TCP_MAX_WSCALE)
    return wnd, wscale, min(_U16 << wscale, clamp)


@cache
def _initial_state(cfg: TcpConfig, client: bool) -> tuple[
        int, bool, int, int, int, int, int, int, int, int, int]:
    """``_rcv_setup``'s values for ``cfg`` at the client or the server: ``advmss``, the
    autotuning on, the buffer, the SYN's window, the scale shift, ``window_clamp``, the scale
    unit less one, the largest window the field carries, the first MSS guess, the offer and
    what ``rcv_ssthresh`` grows to (``_rcv_offer_update``'s, ``rcv_ssthresh`` the SYN's
    window). The client's SYN window is a multiple of ``advmss`` (``tcp_connect_init``), the
    server's of that less the timestamp option (``tcp_openreq_init_rwin``)."""
    adv = advmss(cfg)
    if not cfg.rmem_autotune:  # every window the same: never below what is left of it
        fixed = cfg.rmem[2]
        return adv, False, fixed, fixed, 0, fixed, 0, fixed, min(TCP_MSS_DEFAULT, adv), fixed, 0
    syn_wnd, wscale, clamp = initial_window(cfg.rmem[1], cfg.rmem[2],
                                            adv if client else adv - _TS_OPTION)
    full = cfg.rmem[1] // 2
    unit = (1 << wscale) - 1
    free = full if full < syn_wnd else syn_wnd
    offer = (free + unit) & ~unit if unit else -1
    return (adv, True, cfg.rmem[1], syn_wnd, wscale, clamp, unit, _U16 << wscale,
            min(TCP_MSS_DEFAULT, adv), offer, min(clamp, full))


class ReceiveWindow(ControlBlock):
    """The receive window of ``TcpEndpoint`` (see the module docstring)."""

    __slots__ = ()

    def _rcv_setup(self) -> None:
        """The receiver's state at the socket's creation and the SYN (Linux ``tcp_init_sock``:
        ``sk_rcvbuf = tcp_rmem[1]``; ``tcp_select_initial_window``): the same for every
        endpoint of one ``TcpConfig`` and side, computed once (``_initial_state``)."""
        (self.advmss, self.rcv_auto, self.rcvbuf, self.syn_wnd, self.rcv_wscale,
         self.window_clamp, self.rcv_unit, self.rcv_top, self.rcv_mss, self.rcv_offer,
         self.rcv_cap) = _initial_state(self.cfg, self.side == "client")
        self.rcv_wnd = self.rcv_ssthresh = self.syn_wnd
        self.rcv_wup = self.rcvq_space = self.rcvq_seq = self.rcv_rtt_seq = 0
        self.rcvq_time = self.rcv_rtt8 = self.rcv_rtt_last_tsecr = 0.0
        self.rcv_rtt_time = -1.0

    def _rcv_offer_update(self) -> None:
        """``rcv_offer`` after a change of the buffer, the clamp or ``rcv_ssthresh``:
        ``__tcp_select_window``'s ``min(free space, rcv_ssthresh)`` aligned up to the scale
        unit, or -1 without window scaling (then it depends on the last window and the MSS
        guess, ``_select_window``). ``rcv_cap``: what ``rcv_ssthresh`` grows to."""
        full = self.rcvbuf // 2  # tcp_full_space; tcp_space equals it (nothing unread)
        clamp = self.window_clamp
        self.rcv_cap = clamp if clamp < full else full
        free = full if full < self.rcv_ssthresh else self.rcv_ssthresh
        unit = self.rcv_unit
        self.rcv_offer = (free + unit) & ~unit if unit else -1  # ALIGN

    def _rcv_established(self) -> None:
        """Linux ``tcp_init_buffer_space`` (``tcp_app_win`` 31)."""
        if not self.rcv_auto:
            return
        adv = self.advmss
        maxwin = self.rcvbuf // 2
        clamp = self.window_clamp
        if clamp >= maxwin:
            clamp = maxwin
            if maxwin > 4 * adv:
                clamp = max(maxwin - (maxwin >> 31), 4 * adv)
        if clamp > 2 * adv and clamp + adv > maxwin:  # "Force reservation of one segment"
            clamp = max(2 * adv, maxwin - adv)
        self.window_clamp = clamp
        self.rcv_ssthresh = min(self.rcv_ssthresh, clamp)
        self.rcvq_space = min(self.rcv_ssthresh, self.rcv_wnd, TCP_INIT_CWND * adv)
        self.rcvq_seq = self.rcv_nxt
        self.rcvq_time = self.env._now
        self._rcv_offer_update()

    def _rcv_data(self, length: int, tsecr: float) -> None:
        """In-order data of ``length`` bytes arrived (``rcv_nxt`` already past it), echoing
        ``tsecr``; the application reads it at once."""
        if not self.rcv_auto:
            return
        now = self.env._now
        rcv_nxt = self.rcv_nxt
        rcv_mss = self.rcv_mss
        # tcp_rcv_rtt_measure_ts (before the data is queued: rcv_mss as it was)
        if tsecr != self.rcv_rtt_last_tsecr:
            self.rcv_rtt_last_tsecr = tsecr
            if length >= rcv_mss and tsecr > 0.0:  # ``_rcv_rtt_update``, inlined
                old = self.rcv_rtt8
                sample = now - tsecr
                self.rcv_rtt8 = old + (sample - old / 8.0) if old else 8.0 * sample
        # tcp_event_data_recv: tcp_measure_rcv_mss, tcp_rcv_rtt_measure, tcp_grow_window
        if length > rcv_mss:  # (at most advmss: an equal one changes nothing)
            adv = self.advmss
            self.rcv_mss = length if length < adv else adv
        began = self.rcv_rtt_time
        if began < 0.0:
            self.rcv_rtt_seq = rcv_nxt + self.rcv_wnd
            self.rcv_rtt_time = now
        elif rcv_nxt >= self.rcv_rtt_seq:
            delta = now - began
            self._rcv_rtt_update(delta if delta > 0.0 else 1e-6, True)
            self.rcv_rtt_seq = rcv_nxt + self.rcv_wnd
            self.rcv_rtt_time = now
        if length >= 128:
            ssthresh = self.rcv_ssthresh
            room = self.rcv_cap - ssthresh
            if room > 0:
                incr = 2 * self.advmss
                if 2 * length > incr:
                    incr = 2 * length
                self.rcv_ssthresh = ssthresh = ssthresh + (room if room < incr else incr)
                unit = self.rcv_unit  # ``_rcv_offer_update``: at most the cap, so the free
                if unit:  # space is rcv_ssthresh
                    self.rcv_offer = (ssthresh + unit) & ~unit
        # the application reads it: tcp_recvmsg -> tcp_rcv_space_adjust
        rtt8 = self.rcv_rtt8
        if rtt8 == 0.0 or now - self.rcvq_time < rtt8 / 8.0 - RCV_SPACE_TIE_S:
            return
        copied = rcv_nxt - self.rcvq_seq
        space = self.rcvq_space
        if copied > space:
            rcvwin = 2 * copied + 16 * self.advmss
            rcvwin += 2 * (rcvwin * (copied - space) // space)
            rcvbuf = min(2 * rcvwin, self.cfg.rmem[2])  # tcp_space_from_win
            if rcvbuf > self.rcvbuf:
                self.rcvbuf = rcvbuf
                self.window_clamp = rcvbuf // 2  # "Make the window clamp follow along."
                self._rcv_offer_update()
            self.rcvq_space = copied
        self.rcvq_seq = rcv_nxt
        self.rcvq_time = now

    def _rcv_rtt_update(self, sample: float, win_dep: bool) -> None:
        """Linux ``tcp_rcv_rtt_update``: ``rcv_rtt8`` is eight times the estimate; a
        timestamp sample is smoothed by 1/8, a window sample can only lower it."""
        old = self.rcv_rtt8
        if old == 0.0:
            self.rcv_rtt8 = 8.0 * sample
        elif not win_dep:
            self.rcv_rtt8 = old + (sample - old / 8.0)
        elif 8.0 * sample < old:
            self.rcv_rtt8 = 8.0 * sample

    def _select_window(self) -> int:
        """The window a segment sent now advertises, in bytes as the peer reads it (Linux
        ``tcp_select_window`` and ``__tcp_select_window``, the receive queue empty): the
        offer kept by ``_rcv_offer_update``, never less than what is left of the last one."""
        window = self.rcv_offer
        rcv_nxt = self.rcv_nxt
        if window < 0:
            window = self._unscaled_window()
        cur = self.rcv_wup + self.rcv_wnd - rcv_nxt
        if window < cur:  # never shrink the offered window
            unit = self.rcv_unit
            window = (cur + unit) & ~unit
        self.rcv_wnd = window
        self.rcv_wup = rcv_nxt
        top = self.rcv_top
        return window if window < top else top

    def _unscaled_window(self) -> int:
        """``__tcp_select_window`` without window scaling: a multiple of the MSS guess, the
        last window kept while within one MSS of the free space."""
        full = self.rcvbuf // 2
        full_space = self.rcv_cap
        free = full if full < self.rcv_ssthresh else self.rcv_ssthresh
        mss = self.rcv_mss if self.rcv_mss < full_space else full_space
        window = self.rcv_wnd
        if window <= free - mss or window > free:
            window = free - free % mss if mss > 0 else free
        elif mss == full_space and free > window + (full_space >> 1):
            window = free
        return window
