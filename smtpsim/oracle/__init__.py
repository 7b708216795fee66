"""The closed-form oracle: the latency of one submission on a lossless, jitter-free path.

An independent computation, written from the RFCs, the drafts and the modelling rules stated
in its modules (the values in ``smtpsim.model``, the wire text in ``smtpsim.model.text``), not
from the simulator's code, so the tests can hold the simulator to it. It imports
``smtpsim.model`` and the standard library only.

It answers for every variant ``Features`` can express for one message on one connection:
EHLO/HELO, PIPELINING, CHUNKING, STARTTLS or implicit TLS (RFC 8314) with TLS 1.2 or 1.3, the
0.5-RTT banner, session resumption for a warm client and TLS 1.3 0-RTT data on its ticket,
AUTH PLAIN/LOGIN/SCRAM-SHA-256 waited for or PLAIN pipelined, QUICKSTART basic and full (with
a cached qhlo-id, stale or not), early pipelining on a configuration token, TCP Fast Open,
T/TCP and the banner on the SYN-ACK with or without data in the SYN, coalesced or per-command
writes, Nagle on or off, every QUIT variant and a kept session (``reuse``), any initial
window, server timing and asymmetric path, a server writing its replies per group or per line
(``Server.reply_writes``), a client spending CPU before the ClientHello that follows
STARTTLS's 220 (``Client.tls_setup_s``), a cold or a warm client; and the IMAP side:
send-and-save in parallel or first, BURL, LITERAL+, an open or a cold IMAP session, the
server's fetch on a pooled or a new connection.

Two derivations of the same latencies:

* the closed forms (``closed_form``): on an ideal path every wait of the client is one round
  trip, so the latency is a count of round trips (:func:`round_trips`,
  :func:`user_round_trips`, :func:`slow_start_rounds`), plus the delayed-ACK timers a
  Nagle-held write waits for (:func:`delayed_acks`);
* the causal computation (:func:`oracle`): on a real path each step costs the times of the
  packets that carry it, evaluated exactly as max-plus recurrences on a time-ordered agenda.

Where each part of the computation is stated:

* ``wire`` the links (max-plus FIFOs), ``agenda`` the causal order;
* ``tcp`` an endpoint (segments, cwnd and slow start, rwnd, Nagle, delayed ACK, the RTO
  estimate, slow start after idle), ``window`` the receive window and its autotuning,
  ``hystart`` CUBIC's HyStart (where the oracle stops), ``timers`` the least time a
  retransmission timer can take, ``connection`` the three-way handshake, its timers and
  Fast Open;
* ``records`` application records and TLS framing; ``steps`` the client's script as data;
* ``smtp`` the client's SMTP script (the flows, the TLS handshake, the envelope and QUIT,
  the wire lines); ``server`` the SMTP and IMAP servers; ``imap`` send-and-save, BURL's URL
  and the server's fetch;
* ``client_state`` what a warm client holds; ``session`` one session on one agenda; ``run``
  the oracle and its result (``result``); ``domain`` what lies outside the closed form.
"""

from smtpsim.oracle.closed_form import (
    delayed_acks,
    round_trips,
    slow_start_rounds,
    user_round_trips,
)
from smtpsim.oracle.domain import (
    KeepAliveNotModelled,
    QueueMayOverflow,
    SlowStartEnds,
    SmtpTimeoutPossible,
    WarmStateUnknown,
)
from smtpsim.oracle.result import OracleResult
from smtpsim.oracle.run import oracle

__all__ = [
    "KeepAliveNotModelled",
    "OracleResult",
    "QueueMayOverflow",
    "SlowStartEnds",
    "SmtpTimeoutPossible",
    "WarmStateUnknown",
    "delayed_acks",
    "oracle",
    "round_trips",
    "slow_start_rounds",
    "user_round_trips",
]
