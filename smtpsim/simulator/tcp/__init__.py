"""TCP between a client and a server over a ``Path``, as Linux runs it.

What is modelled, and where:

* ``handshake``: the three-way handshake with SYN and SYN-ACK timers; ``fastopen``: TCP Fast
  Open (RFC 7413), T/TCP (RFC 1644) and the banner on the SYN-ACK.
* ``output``: segmentation into at most ``mss`` bytes, the send loop under the congestion and
  receive windows, the FIN; ``nagle``: Nagle's algorithm as Linux's Minshall variant.
* ``input``: ACK processing, without SACK fast retransmit with NewReno recovery (RFC 5681
  §3.2, RFC 6582), in-order and out-of-order data, the FIN; ``delayed_ack``: the ACK rule.
* ``sack``: SACK blocks (RFC 2018), the sender's scoreboard and RFC 6675 loss recovery with
  proportional rate reduction (RFC 6937), when both ends offer SACK (the default).
* ``rto``: the RFC 6298 estimator with Linux's 200 ms floor, the retransmission timer,
  Eifel detection and undo of spurious timeouts (RFC 3522, RFC 4015).
* ``rack``: RACK loss detection (RFC 8985 §6) in place of RFC 6675's ``IsLost``, and
  ``tlp``: tail loss probes (RFC 8985 §7), both with SACK and ``TcpConfig.rack`` (Linux's
  defaults); the probe and RACK's reordering timer share the retransmission timer.
* ``congestion``: the window in packets (IW, slow start, NewReno's congestion avoidance,
  the cwnd-limited rule, slow start after idle); ``cubic``: CUBIC (RFC 9438), the default,
  with ``hystart``: Linux's hybrid slow start (``TcpConfig.hystart``), which may end slow
  start without a loss.
* ``receive_window``: the window every segment advertises, Linux's receive-buffer
  autotuning (``tcp_rmem``, dynamic right-sizing) and the sender's ``snd_wnd``.
* ``tcb``: every variable of one endpoint; ``endpoint``: the endpoint those parts make;
  ``connection``: two endpoints joined by a path; ``socket``: what the application sees.

Applications write and read whole *records* (``Record``) through a ``Socket``; sequence
numbers are data-byte offsets from 0. Not modelled: D-SACK, a slow reader (the window
never closes: no zero-window probe), Linux's quick-ACK mode.
"""

from smtpsim.simulator.tcp.connection import TcpConnection
from smtpsim.simulator.tcp.endpoint import TcpEndpoint
from smtpsim.simulator.tcp.fastopen import COOKIE_REQUEST, cookie_check
from smtpsim.simulator.tcp.segment import ACK, FIN, PROBE, SYN, Segment
from smtpsim.simulator.tcp.socket import CLOSED, FAILED, TIMEOUT, Record, Socket

__all__ = [
    "ACK", "CLOSED", "COOKIE_REQUEST", "FAILED", "FIN", "PROBE", "Record", "SYN", "Segment",
    "Socket",
    "TIMEOUT", "TcpConnection", "TcpEndpoint", "cookie_check",
]
