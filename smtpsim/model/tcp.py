"""TCP parameters of an endpoint, and the sizes of what TCP itself puts on the wire.

Defaults are Linux's; each says where it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COOKIE_OPTION_BYTES",
    "COOKIE_REQUEST_BYTES",
    "DELACK_TIE_S",
    "HYSTART_ACK_DELTA_S",
    "HYSTART_DELAY_MAX_S",
    "HYSTART_DELAY_MIN_S",
    "HYSTART_GSO_MAX_BYTES",
    "HYSTART_LOW_WINDOW",
    "HYSTART_MIN_SAMPLES",
    "IP_TCP_HEADER_BYTES",
    "MAX_TCP_OPTION_SPACE",
    "RCV_SPACE_TIE_S",
    "RMEM_DEFAULT",
    "RMEM_MAX_CORE",
    "TCP_INIT_CWND",
    "TCP_MAX_WSCALE",
    "TCP_MSS_DEFAULT",
    "RTO_FALLBACK_S",
    "SYN_WIRE_BYTES",
    "TIMEOUT_MIN_S",
    "CONGESTION_CONTROLS",
    "TcpConfig",
    "advmss",
    "syn_data_space",
]

SYN_WIRE_BYTES = 60
"""SYN and SYN-ACK on the wire: 20 B IPv4 + 20 B TCP + 20 B of options (MSS, SACK permitted,
timestamps, window scale), as Linux sends them."""

COOKIE_OPTION_BYTES = 12
"""RFC 7413 §4.1.1: the Fast Open option is kind 34, length 2 + cookie (8 B here), padded to
4-byte words: 12 B with a cookie."""

COOKIE_REQUEST_BYTES = 4
"""RFC 7413 §4.1.2: the empty Fast Open option, a cookie request (4 B padded)."""

IP_TCP_HEADER_BYTES = 40
"""20 B IPv4 + 20 B TCP header without options: what Linux's ``__tcp_mtu_to_mss`` takes off
the path MTU."""

MAX_TCP_OPTION_SPACE = 40
"""Linux ``MAX_TCP_OPTION_SPACE``: the whole TCP option space, which ``tcp_send_syn_data``
keeps free in a SYN that carries data ("Reserve maximum option space for middleboxes that add
private TCP options")."""

RMEM_DEFAULT = (4096, 131072, 6291456)
"""Linux ``net.ipv4.tcp_rmem`` (Documentation/networking/ip-sysctl.rst): min 4 KiB, default
128 KiB ("This value results in initial window of 65535", since Linux 4.19), max 6 MiB
(between 128 KiB and 6 MiB "depending on RAM size": 6 MiB on any server of today) — the
receive buffer's floor under memory pressure, its size at the socket's creation, and the
most autotuning (``tcp_moderate_rcvbuf`` 1) grows it to."""

RMEM_MAX_CORE = 212992
"""Linux ``net.core.rmem_max`` default (``SK_RMEM_MAX``, 212992 B on 64-bit): with
``tcp_rmem[2]``, what ``tcp_select_initial_window`` sizes the window-scale shift for."""

TCP_INIT_CWND = 10
"""Linux ``TCP_INIT_CWND`` (include/net/tcp.h): ``tcp_init_buffer_space`` takes the first
receiver-RTT measure's base as at most 10 advertised MSS, whatever the sender's IW."""

TCP_MSS_DEFAULT = 536
"""Linux ``TCP_MSS_DEFAULT`` (RFC 1122's 536 B): ``tcp_initialize_rcv_mss``'s first guess of
the peer's MSS (``icsk_ack.rcv_mss``), raised by the first larger segment."""

TCP_MAX_WSCALE = 14
"""RFC 7323 §2.3: the largest window-scale shift (Linux ``TCP_MAX_WSCALE``)."""

RCV_SPACE_TIE_S = 1e-6
"""Linux ``tcp_rcv_space_adjust`` measures in whole microseconds (``tcp_mstamp``) and runs
once ``time`` is no less than the receiver's RTT estimate (``time < rcv_rtt_est.rtt_us >> 3``
returns): both models take an interval that falls short of the estimate by less than 1 µs
as having reached it. On a jitter-free path an interval and the estimate are often the same
round trip computed two ways (an echoed timestamp, one window of data arriving), equal but
for the nanoseconds of a fast link's serialization or floating-point rounding, which would
otherwise decide, and differently in the simulator and the oracle, whether the buffer grows
one round trip or the next."""

CONGESTION_CONTROLS = ("cubic", "newreno")
"""The congestion controls ``TcpConfig.congestion`` names: CUBIC (RFC 9438, Linux's default)
and NewReno (RFC 5681, RFC 6582)."""

TIMEOUT_MIN_S = 0.002
"""Linux ``TCP_TIMEOUT_MIN_US`` (2 ms): the least a loss probe waits beyond 2 SRTT when more
than one segment is in flight (``tcp_schedule_loss_probe``), and what the RACK reordering
timer adds to the time left (``tcp_rack_mark_lost``: ``TCP_TIMEOUT_MIN``, 2 jiffies, 2 ms at
``HZ`` 1000)."""

HYSTART_LOW_WINDOW = 16
"""Linux ``tcp_cubic.c`` ``hystart_low_window`` (module parameter, default 16): HyStart runs
only while cwnd is at least this many packets (``cubictcp_acked``)."""

HYSTART_ACK_DELTA_S = 0.002
"""Linux ``tcp_cubic.c`` ``hystart_ack_delta_us`` (default 2000 µs): ACKs at most this far
apart still belong to one ACK train (``hystart_update``)."""

HYSTART_MIN_SAMPLES = 8
"""Linux ``tcp_cubic.c`` ``HYSTART_MIN_SAMPLES``: RTT samples a round takes before its
smallest is compared with ``delay_min`` (``hystart_update``)."""

HYSTART_DELAY_MIN_S = 0.004
HYSTART_DELAY_MAX_S = 0.016
"""Linux ``tcp_cubic.c`` ``HYSTART_DELAY_MIN`` (4 ms) and ``HYSTART_DELAY_MAX`` (16 ms): the
bounds of the delay increase that ends slow start, ``HYSTART_DELAY_THRESH(delay_min >> 3)``."""

HYSTART_GSO_MAX_BYTES = 65536
"""``sk_gso_max_size`` as Linux sets it from a device with GSO (``GSO_LEGACY_MAX_SIZE``,
64 KiB; software GSO is on by default): ``hystart_ack_delay`` allows the ACK train
``4 * sk_gso_max_size / sk_pacing_rate`` more, at most 1 ms."""

RTO_FALLBACK_S = 3.0

DELACK_TIE_S = 1e-9
"""How much later than ``delack_s`` the delayed-ACK timer fires, in both models: a timer that
falls due at the instant the application writes loses the tie, as in Linux, where the write's
segment carries the ACK and clears the pending one (``tcp_event_ack_sent`` stops
``ICSK_TIME_DACK``). Without it, which of two events computed as equal goes first would be
decided by floating-point rounding, differently in the simulator and the oracle (an R=35
case with the typical server: seven 5 ms RCPTs and the 5 ms end of data finish exactly
40 ms after the segment that brought them).

A timer that falls due within ``DELACK_TIE_S`` of a segment's arrival at its endpoint fires
right behind that arrival, in both models, so the ACK covers the new data when the data
calls for one. The tie is structural in a transfer held by the receive window: each window's
odd last segment is ACKed by the timer, the segment that ACK releases arrives one path round
trip plus ``delack_s`` later, exactly when the next window's odd segment's timer falls due
(both carry the same ``DELACK_TIE_S``, so a larger one would not part them), and which goes
first would again be decided by rounding (a 1.2 MB upload, ``rmem`` (4096, 32768, 131072),
21 + 25 ms: 85 round trips or 93). In Linux, whose timers tick in jiffies, either order can
happen; the models pick one."""
"""RFC 6298 §5.7: the RTO once established when the handshake gave no RTT sample (its SYN or
SYN-ACK was retransmitted); Linux ``TCP_TIMEOUT_FALLBACK``."""


@dataclass(frozen=True, slots=True)
class TcpConfig:
    """TCP parameters of one endpoint (both endpoints use the same by default).

    Defaults are Linux's:

    * ``mss`` 1448 B payload per segment: the 1460 B MSS of Ethernet IPv4 (RFC 879,
      RFC 6691) less the 12 B timestamp option Linux puts in every segment (RFC 7323), so a
      full segment is a 1500 B packet.
    * ``header_bytes`` 52: 20 B IPv4 + 20 B TCP + 12 B timestamp option. Counted on the wire
      for serialization and bytes.
    * ``iw`` 10 segments (RFC 6928; Linux since 2.6.39). 3 is RFC 3390's value for 2006.
    * ``delack_s`` 40 ms: Linux ``TCP_DELACK_MIN`` (HZ/25). RFC 1122 allows up to 500 ms;
      Windows uses 200 ms. An ACK is sent at once for every second full-sized segment
      (RFC 5681 §4.2, RFC 1122 §4.2.3.2).
    * Nagle is set per endpoint, not here: the client's by ``Features.nagle``, the server's
      by ``Server.nagle``. Linux holds a sub-MSS segment only while an earlier *small*
      segment is unacknowledged (Minshall's variant, ``tcp_nagle_check``/
      ``tcp_minshall_check``), which is what is modelled.
    * ``rto_initial_s`` 1 s (RFC 6298 §2.1), doubling on each expiry (§5.5);
      ``rto_min_s`` 200 ms (Linux ``TCP_RTO_MIN``; RFC 6298 §2.4 says 1 s);
      ``rto_max_s`` 120 s (Linux ``TCP_RTO_MAX``).
    * ``syn_retries`` 6 (Linux ``tcp_syn_retries``): SYNs at 0, 1, 3, 7, 15, 31, 63 s, then
      failure after the last RTO (127 s). ``synack_retries`` 5 (Linux ``tcp_synack_retries``).
    * ``data_retries`` 15 (Linux ``tcp_retries2``): RTO expiries on one segment before the
      connection is declared dead.
    * ``dupack_threshold`` 3 (RFC 5681 §3.2 fast retransmit).
    * ``rmem`` (min, default, max) receive buffer in bytes: Linux ``net.ipv4.tcp_rmem``
      (4096, 131072, 6291456; ``RMEM_DEFAULT``). With ``rmem_autotune`` True (Linux
      ``tcp_moderate_rcvbuf`` 1, the default) the receiver advertises what Linux 6.x's
      receive-buffer autotuning allows (``smtpsim.simulator.tcp.receive_window``): a
      window of about 64 KB at first (half of ``rmem[1]``), grown once per receiver RTT
      from what the application read in the last one, up to half of ``rmem[2]`` (3 MiB).
      With ``rmem_autotune`` False the window is fixed at ``rmem[2]`` bytes from the
      first segment on (not a Linux setting: the idealised window of this model before
      autotuning, kept to compare with).
    * ``sack`` True: selective acknowledgments (RFC 2018), used when both ends offer them
      (SACK-permitted in the SYN and SYN-ACK; Linux ``tcp_sack`` 1), with RFC 6675 loss
      recovery; False: NewReno recovery on duplicate ACKs (RFC 5681, RFC 6582).
    * ``rack`` True: RACK-TLP loss detection (RFC 8985; Linux ``tcp_recovery`` 1 and
      ``tcp_early_retrans`` 3, the defaults since 4.18), only with SACK agreed, as in Linux:
      time-based loss marking and tail loss probes; False: RFC 6675's ``DupThresh`` rule and
      no probes.
    * ``congestion`` ``"cubic"`` (RFC 9438; Linux's default ``tcp_congestion_control``
      since 2.6.19) or ``"newreno"`` (RFC 5681, RFC 6582).
    * ``hystart`` True: CUBIC's hybrid slow start (Linux ``tcp_cubic.c`` module parameter
      ``hystart`` 1, both detectors, ``hystart_detect`` 3): slow start ends when the ACKs of
      a round spread over half the minimum RTT or the round's RTT rises above it by
      ``clamp(delay_min / 8, 4 ms, 16 ms)``; False: CUBIC's slow start ends only at a loss.
      Only CUBIC reads it.
    """

    mss: int = 1448
    header_bytes: int = 52
    iw: int = 10
    delack_s: float = 0.040
    rto_initial_s: float = 1.0
    rto_min_s: float = 0.200
    rto_max_s: float = 120.0
    syn_retries: int = 6
    synack_retries: int = 5
    data_retries: int = 15
    dupack_threshold: int = 3
    rmem: tuple[int, int, int] = RMEM_DEFAULT
    rmem_autotune: bool = True
    sack: bool = True
    rack: bool = True
    congestion: str = "cubic"
    hystart: bool = True


def syn_data_space(cfg: TcpConfig) -> int:
    """The most data a SYN carries (TCP Fast Open, RFC 7413 §4.2.1), as Linux's
    ``tcp_send_syn_data`` (net/ipv4/tcp_output.c) sizes it: ``__tcp_mtu_to_mss(pmtu) -
    MAX_TCP_OPTION_SPACE``, the MSS of the path MTU without options (a full segment,
    ``mss + header_bytes``, less the bare IPv4 and TCP headers) less the whole option space:
    1500 - 40 - 40 = 1420 B on Ethernet. The SYN carries that much of the first write at
    most (``min(space, fo->size)``: the first ``sendmsg``), the rest follows the handshake."""
    return cfg.mss + cfg.header_bytes - IP_TCP_HEADER_BYTES - MAX_TCP_OPTION_SPACE


def advmss(cfg: TcpConfig) -> int:
    """The MSS an endpoint announces (Linux ``tp->advmss``, ``dst_metric_advmss``): the path
    MTU less the bare IPv4 and TCP headers, 1460 B on Ethernet (``mss`` is that less the
    12 B timestamp option)."""
    return cfg.mss + cfg.header_bytes - IP_TCP_HEADER_BYTES
