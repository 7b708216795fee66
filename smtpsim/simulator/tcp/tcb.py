"""The transmission control block (RFC 793 §3.2): every variable of one TCP endpoint.

The endpoint's behaviour is split by concept across modules, as Linux splits ``struct
tcp_sock``'s code across ``tcp_output.c``, ``tcp_input.c``, ``tcp_timer.c``,
``tcp_fastopen.c`` and the congestion modules: ``handshake``, ``output`` (with ``nagle``),
``input`` (with ``delayed_ack``), ``rto`` and ``congestion``. Each is a part of
``TcpEndpoint`` working on this one block; the methods one part calls on another are declared
here, so that each part names what it relies on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import simpy

from smtpsim.model import RecordEvent, TcpConfig
from smtpsim.simulator.tcp.congestion import NewReno
from smtpsim.simulator.tcp.cubic import Cubic
from smtpsim.simulator.tcp.socket import Record, Socket
from smtpsim.simulator.tcp.states import LISTEN
from smtpsim.simulator.wire import Link

if TYPE_CHECKING:
    from smtpsim.simulator.tcp.segment import Segment

__all__ = ["LOST", "PROBE", "REORDER", "RETRANS", "RTO", "SACKED", "ControlBlock",
           "DelackTimer"]

#: The scoreboard's marks on a segment in flight (``sack``; Linux ``TCPCB_SACKED_ACKED``,
#: ``TCPCB_LOST``, ``TCPCB_SACKED_RETRANS``).
SACKED = 1
LOST = 2
RETRANS = 4

#: What the one retransmission timer is armed for (Linux ``icsk_pending``:
#: ``ICSK_TIME_RETRANS``, ``ICSK_TIME_REO_TIMEOUT``, ``ICSK_TIME_LOSS_PROBE``): ``rto``,
#: ``rack``, ``tlp``.
RTO = 0
REORDER = 1
PROBE = 2

#: A delayed-ACK timer: (time, event id) its queue key, and (gen, legs, stall) what it fires
#: with (``delayed_ack``).
DelackTimer = tuple[float, int, int, int, float]


class ControlBlock:
    """One side of a TCP connection: its state, sender, receiver and timers. (Its
    ``__init__`` is long on purpose: it is the one declaration of every variable.)"""

    __slots__ = (
        "env", "cfg", "side", "conn", "link", "peer", "trace_labels", "socket", "state",
        "nagle", "cc", "cubic",
        # sender
        "snd_una", "snd_nxt", "snd_max", "write_end", "fin_queued", "fin_seq", "fin_rides",
        "inflight",
        "sml_end", "srtt", "rttvar", "rto", "rto_deadline", "rto_timer_at", "rto_timer_gen",
        "expiries", "dupacks", "recover", "retransmits", "handshake_sent", "handshake_tries",
        "handshake_retransmitted", "timer_gen", "last_send_s",
        "sack_ok", "sacked_out", "lost_out", "retrans_out", "in_loss", "min_rtt",
        "prior_cwnd", "prr_delivered", "prr_out", "sack_cache", "lost_hint", "lost_cnt",
        "rexmit_hint", "timer_kind", "rack_on", "rack_xmit", "rack_end", "rack_rtt",
        "rack_advanced", "rack_armed", "reord_seen", "fack", "tsorted", "tlp_high_seq",
        "tlp_retrans", "probes", "snd_wnd", "snd_wl1",
        # receiver
        "rcv_nxt", "ooo", "sack_last", "last_ack_sent", "delack_gen", "delack_pending",
        "delack_armed", "delack_carrier_at", "delack_carrier_eid", "incoming",
        "peer_fin", "peer_fin_seq", "on_established", "record_log", "last_data_s",
        "last_acked_s", "ts_recent", "undo", "undo_ts", "spurious_rtos",
        # the receive window (``receive_window``)
        "advmss", "rcv_auto", "syn_wnd", "rcv_wnd", "rcv_wup", "rcv_wscale", "window_clamp",
        "rcv_ssthresh", "rcvbuf", "rcv_mss", "rcvq_space", "rcvq_seq", "rcvq_time",
        "rcv_rtt8", "rcv_rtt_seq", "rcv_rtt_time", "rcv_rtt_last_tsecr", "rcv_offer",
        "rcv_unit", "rcv_top", "rcv_cap",
        # Fast Open
        "fo_cookie", "fo_data", "fo_blackhole", "fo_accept", "fo_child", "on_cookie",
        "on_syn_data_lost", "synack_data", "synack_pending", "syn_data_len", "synack_data_len",
        "first_write_end",
        # the critical path (``causes``)
        "cause_legs", "cause_stall", "up_bit",
    )

    def __init__(
        self,
        env: simpy.Environment,
        cfg: TcpConfig,
        side: str,
        link: Link,
        nagle: bool,
        trace_labels: bool = False,
    ) -> None:
        self.env = env
        self.cfg = cfg
        self.side = side
        #: the connection's name in a trace (``"smtp"`` or ``"imap"``)
        self.conn = "smtp"
        self.link = link
        self.peer: ControlBlock = self
        self.nagle = nagle
        self.trace_labels: list[tuple[int, str]] | None = [] if trace_labels else None
        self.socket = Socket(env, self)
        self.state = LISTEN
        #: The congestion window (``congestion``, ``cubic``).
        cubic = Cubic(cfg.iw, cfg.hystart, cfg.mss) if cfg.congestion == "cubic" else None
        self.cc: NewReno = cubic if cubic is not None else NewReno(cfg.iw)
        #: The same ``Cubic``, None with NewReno: it takes every ACK's RTT sample (HyStart).
        self.cubic = cubic
        self.snd_una = self.snd_nxt = self.snd_max = self.write_end = 0
        self.fin_queued = False
        self.fin_seq = -1
        #: The FIN rides on the segment that carries the last byte (a write that shut the
        #: connection down at once, its data corked: Linux ``tcp_send_fin`` sets FIN on the
        #: unsent tail); else it is a segment of its own.
        self.fin_rides = False
        #: [end, sent_s, retransmitted, segment, marks]: the segments in flight (the first
        #: one's stamp is what a retransmission timeout resends on, ``causes``); ``marks``
        #: the scoreboard's (``SACKED``, ``LOST``, ``RETRANS``: ``sack``)
        self.inflight: deque[list[Any]] = deque()
        self.sml_end = -1
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.rto = cfg.rto_initial_s
        self.rto_deadline: float | None = None
        self.rto_timer_at: float | None = None
        self.rto_timer_gen = 0
        #: what the timer at ``rto_deadline`` is for (``RTO``, ``REORDER``, ``PROBE``)
        self.timer_kind = RTO
        self.expiries = 0
        self.dupacks = 0
        self.recover: int | None = None
        #: SACK agreed by both ends (``connection``), and the scoreboard's counts (``sack``):
        #: segments SACKed, deemed lost, resent since; ``in_loss``: the recovery follows a
        #: timeout (Linux ``TCP_CA_Loss``).
        self.sack_ok = False
        self.sacked_out = self.lost_out = self.retrans_out = 0
        self.in_loss = False
        #: Proportional rate reduction in a SACK recovery (RFC 6937: RecoverFS, prr_delivered,
        #: prr_out)
        self.prior_cwnd = self.prr_delivered = self.prr_out = 0
        #: Where the scoreboard's walks resume (Linux's hints): the previous ACK's SACK
        #: blocks (``recv_sack_cache``); the end of the last segment ``IsLost`` examined and
        #: the SACKed segments up to it (``lost_skb_hint``, ``lost_cnt_hint``); the end of the
        #: last one the resend loop passed (``retransmit_skb_hint``).
        self.sack_cache: tuple[tuple[int, int], ...] = ()
        self.lost_hint = self.lost_cnt = self.rexmit_hint = 0
        #: RACK-TLP (``rack``, ``tlp``): on when SACK is agreed and this end runs it; the send
        #: time and end of the most recently sent segment delivered, and its RTT
        #: (``RACK.xmit_ts``, ``RACK.end_seq``, ``RACK.rtt``); whether an ACK moved them since
        #: the last loss walk; whether this ACK's walk armed the reordering timer (Linux
        #: clears ``FLAG_SET_XMIT_TIMER``); reordering seen (Linux ``reord_seen``), with the
        #: end of the highest SACKed segment (``highest_sack``); the probe episode
        #: (``tlp_high_seq``, -1 when none; ``tlp_retrans``); probes sent.
        self.rack_on = False
        self.rack_xmit = -1.0
        self.rack_end = 0
        self.rack_rtt = 0.0
        self.rack_advanced = self.rack_armed = self.reord_seen = False
        self.fack = 0
        #: RACK's walk in send-time order (``rack``; Linux ``tsorted_sent_queue``): the
        #: segments in flight not SACKed, by end sequence, oldest send first; built by the
        #: first walk of a flight, kept until the flight is acknowledged (None: not built)
        self.tsorted: dict[int, list[Any]] | None = None
        self.tlp_high_seq = -1
        self.tlp_retrans = False
        self.probes = 0
        #: The smallest RTT sample (Linux ``tcp_min_rtt``; CUBIC's ``delay_min``), 0 before one.
        self.min_rtt = 0.0
        self.retransmits = 0
        self.handshake_sent = 0.0
        self.handshake_tries = 0
        self.handshake_retransmitted = False
        self.timer_gen = 0
        #: When data was last sent (Linux ``lsndtime``), for slow start after idle.
        self.last_send_s = 0.0
        self.rcv_nxt = 0
        self.ooo: list[tuple[int, int]] = []
        #: where the latest out-of-order segment began: its SACK block goes first (``sack``)
        self.sack_last = 0
        self.last_ack_sent = 0
        self.delack_gen = 0
        self.delack_pending = False
        #: the delayed-ACK timer (``delayed_ack``): the latest armed, its queue key taken but
        #: not queued; and the earliest queued one (time, event id), which queues it
        self.delack_armed: DelackTimer | None = None
        self.delack_carrier_at = float("inf")
        self.delack_carrier_eid = -1
        self.incoming: deque[tuple[int, Record]] = deque()
        #: Whether the peer's FIN has been received in order, and its sequence number once a
        #: segment carrying it has arrived (-1 before).
        self.peer_fin = False
        self.peer_fin_seq = -1
        self.on_established: Callable[[], None] | None = None
        #: The trace's record list when tracing, else None.
        self.record_log: list[RecordEvent] | None = None
        #: When new in-order data last arrived, and when new data of ours was last
        #: acknowledged (these restart application read timeouts).
        self.last_data_s = 0.0
        self.last_acked_s = 0.0
        self.ts_recent = 0.0
        #: What a timeout changed, kept until the first ACK after it shows whether the timeout
        #: was spurious: (cwnd, ssthresh, snd_nxt, in-flight list); and when it retransmitted.
        self.undo: tuple[int, int, int, list[list[Any]]] | None = None
        self.undo_ts = 0.0
        self.spurious_rtos = 0
        #: Client: the Fast Open option to send (None: no TFO), whether the SYN may carry
        #: data, and a middlebox that may drop a SYN with data (called per such SYN).
        self.fo_cookie: Any = None
        self.fo_data = False
        self.fo_blackhole: Callable[[], bool] | None = None
        #: Client callbacks: a cookie arrived in a SYN-ACK; a SYN with data timed out.
        self.on_cookie: Callable[[Any], None] | None = None
        self.on_syn_data_lost: Callable[[], None] | None = None
        #: Server: ``fo_accept(option) -> (valid, cookie to send or None)``.
        self.fo_accept: Callable[[Any], tuple[bool, Any]] | None = None
        #: Server: created by a Fast Open SYN, so it may send before the handshake ACK.
        self.fo_child = False
        #: Server: its SYN-ACK waits for the first write and carries it (the banner on the
        #: SYN-ACK), and is still waiting.
        self.synack_data = False
        self.synack_pending = False
        #: The data our first SYN (client) or SYN-ACK (server) carried; a SYN-ACK sent again
        #: carries the same.
        self.syn_data_len = 0
        self.synack_data_len = 0
        #: Where the application's first write ends in the stream (-1: none yet): a SYN with
        #: data carries at most that write (Linux ``tcp_send_syn_data``: ``fo->size``).
        self.first_write_end = -1
        #: The stamp of the event this endpoint is handling (``causes``): what the segments
        #: it sends now are caused by. ``up_bit``: 1 for the client, whose segments start an
        #: up leg (and whose arrivals complete a turn).
        self.cause_legs = 0
        self.cause_stall = 0.0
        self.up_bit = 1 if side == "client" else 0
        #: The peer's receive window (``receive_window``): ``snd_wnd`` bytes from ``snd_una``
        #: on, from the segment starting at ``snd_wl1`` (Linux ``snd_wnd``, ``snd_wl1``).
        self.snd_wnd = 0
        self.snd_wl1 = 0
        #: Our receive window (``receive_window``, Linux's names): the MSS we announce; the
        #: autotuning on; the window the SYN offers; the last window offered (``rcv_wnd``)
        #: and where it started (``rcv_wup``); the scale shift; the most we advertise
        #: (``window_clamp``), the slow-start bound of it (``rcv_ssthresh``); the buffer
        #: (``sk_rcvbuf``); the peer's MSS as guessed (``icsk_ack.rcv_mss``); the last
        #: measure of bytes read per RTT (``rcvq_space``: space, seq, time); the receiver RTT
        #: times 8 (``rcv_rtt_est.rtt_us``, 0 before a sample), the window-based measure
        #: under way (``rcv_rtt_est``: seq, time, -1 before) and the last echo sampled
        #: (``rcv_rtt_last_tsecr``); kept from those for every segment sent: the window
        #: offered before "never shrink" (``rcv_offer``, -1 without scaling), the scale unit
        #: less one, the largest window the field carries, what ``rcv_ssthresh`` grows to.
        #: All set by ``_rcv_setup``.
        self._rcv_setup()

    if TYPE_CHECKING:  # what the parts of ``TcpEndpoint`` call on each other

        syn_wnd: int  # (``receive_window``'s ``_rcv_setup``)
        rcv_wnd: int
        rcv_wup: int
        rcv_offer: int
        rcv_unit: int
        rcv_top: int

        def write(self, records: Sequence[Record], shutdown: bool = False) -> None: ...
        def close(self) -> None: ...
        def connect(self) -> None: ...
        def fail(self) -> None: ...
        def receive(self, seg: Segment) -> None: ...
        def output(self) -> None: ...
        def _has_to_send(self) -> bool: ...
        def _transmit(self, seg: Segment, wire_bytes: int) -> None: ...
        def _send_ack(self) -> None: ...
        def _from_application(self) -> None: ...
        def _send_handshake(self, flags: int, option: Any = None, data: int = 0) -> None: ...
        def _retransmit_head(self) -> None: ...
        def _established(self) -> None: ...
        def _receive_syn(self, seg: Segment) -> None: ...
        def _on_ack(self, seg: Segment) -> None: ...
        def _on_data(self, seg: Segment) -> None: ...
        def _check_closed(self) -> None: ...
        def _ack_after_data(self, filled: bool) -> None: ...
        def _arm_rto(self) -> None: ...
        def _schedule_rto(self, deadline: float) -> None: ...
        def _rtt_sample(self, r: float) -> None: ...
        def _check_spurious_rto(self, seg: Segment) -> None: ...
        def _sack_tag(self, blocks: tuple[tuple[int, int], ...]) -> int: ...
        def _sack_recovery(self, ack: int, acked: int, sacked: int, partial: bool) -> None: ...
        def _send_lost(self) -> None: ...
        def _sack_option(self, seg: Segment) -> int: ...
        def _sack_timeout(self) -> None: ...
        def _sack_undo(self) -> None: ...
        def _enter_recovery(self) -> None: ...
        def _prr(self, delivered: int, newly_lost: int, advanced: bool) -> None: ...
        def _resend(self, entry: list[Any]) -> None: ...
        def _rack_advance(self, entry: list[Any], now: float, tsecr: float = 0.0) -> None: ...
        def _rack_mark_lost(self) -> int: ...
        def _rack_reo_timeout(self) -> None: ...
        def _rearm_rto(self) -> None: ...
        def _arm_timer(self, kind: int, timeout: float) -> None: ...
        def _schedule_loss_probe(self, advancing: bool) -> bool: ...
        def _send_loss_probe(self) -> None: ...
        def _process_tlp_ack(self, ack: int, advanced: bool) -> None: ...
        def _send_probe_data(self) -> bool: ...
        def _rcv_setup(self) -> None: ...
        def _rcv_established(self) -> None: ...
        def _rcv_data(self, length: int, tsecr: float) -> None: ...
        def _select_window(self) -> int: ...
        def _unscaled_window(self) -> int: ...
