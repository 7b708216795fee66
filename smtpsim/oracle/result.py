"""What the oracle returns for one case (``OracleResult``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["NAN", "OracleResult"]

NAN = float("nan")


@dataclass(frozen=True, slots=True)
class OracleResult:
    """Times in seconds from the first SYN, as in ``SessionRecord``.

    ``greeting_s`` the (first) 220 greeting is delivered to the client; ``tls_s`` the client
    may send application data (TLS 1.2 full handshake: the server Finished is delivered;
    TLS 1.3 and the abbreviated TLS 1.2 handshake: the client Finished is written);
    ``auth_s`` the 235 is delivered (NaN when AUTH is pipelined or absent); ``mail_s`` the
    client writes the MAIL command that is accepted (after a refused early group, the second
    one); ``accept_s`` the final 250 for the message; ``user_s`` when the user is told (the
    221 with ``quit`` "wait" and "pipelined", the 250 with "async", "drop" and ``reuse``, and
    not before the copy is saved when the variant saves);
    ``close_s`` the client closes: at the 221 (the 250 with "drop"; NaN with ``reuse``), or
    a client that waits for the server's FIN after the 221 (``Habits.fin_wait_s``) when it
    comes or that wait is over.
    ``rtt_accept``, ``rtt_done``, ``rtt_user``: the client -> server -> client round trips on
    the critical path to ``accept_s``, ``done_s``, ``user_s``, and ``stall_accept_s``,
    ``stall_done_s``, ``stall_user_s`` the time that path spent at the ends rather than on
    the wire (``smtpsim.oracle.causes``). ``round_trips`` what
    :func:`~smtpsim.oracle.round_trips` counts for the variant (the ideal-path latency in
    RTT, the body's slow-start rounds excluded).
    ``handshake_retransmits`` SYNs and SYN-ACKs sent again on timers or for duplicate SYNs.
    ``rto_possible``: some data segment waited for its ACK long enough that a retransmission
    timeout cannot be excluded, or a SYN with data timed out (see ``smtpsim.oracle.run``);
    ``max_ack_wait_s`` that longest wait and ``rto_floor_s`` the bound it is held to (the
    least RTO, or with RACK-TLP the least probe timeout if lower); ``timer_possible_s`` the
    earliest moment a data segment's timer (RTO or loss probe) cannot be excluded (inf if
    none; a segment unacknowledged when the run ends counts), before which every time of the
    result holds either way.
    ``packets_up``/``packets_down``/``bytes_up``/``bytes_down``: the packets (and their wire
    bytes) whose first bit left before ``accept_s``, pure ACKs and handshake included (the
    client's IMAP connection's too: it shares the links).
    The IMAP side (NaN / 0 without it): ``saved_s`` APPEND's tagged OK is delivered;
    ``done_s`` max(accept, saved) (accept without saving); ``url_s`` GENURLAUTH's URL is
    delivered (BURL); ``save_phase_s`` when the SMTP connection starts (``save`` "first");
    ``fetch_s`` the server's URLFETCH time on its data-centre path (BURL).
    """

    accept_s: float
    user_s: float
    close_s: float
    greeting_s: float
    tls_s: float
    auth_s: float
    mail_s: float
    rtt_accept: int
    rtt_done: int
    rtt_user: int
    stall_accept_s: float
    stall_done_s: float
    stall_user_s: float
    round_trips: int
    handshake_retransmits: int
    rto_possible: bool
    max_ack_wait_s: float
    rto_floor_s: float
    packets_up: int
    packets_down: int
    bytes_up: int
    bytes_down: int
    saved_s: float = NAN
    done_s: float = NAN
    url_s: float = NAN
    save_phase_s: float = 0.0
    fetch_s: float = NAN
    timer_possible_s: float = math.inf
