"""The closed-form oracle: the latency of one submission on a lossless, jitter-free path.

An independent computation, written from the RFCs, the drafts and the modelling rules below
(the values in ``config``, the text in ``messages``), not from the simulator's code, so the
tests can hold the simulator to it. It answers for every variant ``Features`` can express for
one message on one connection: EHLO/HELO, PIPELINING, CHUNKING, STARTTLS or implicit TLS
(RFC 8314) with TLS 1.2 or 1.3, the 0.5-RTT banner, session resumption for a warm client and
TLS 1.3 0-RTT data on its ticket, AUTH PLAIN/LOGIN/SCRAM-SHA-256 waited for or PLAIN
pipelined, QUICKSTART basic and full (with a cached qhlo-id, stale or not), early pipelining
on a configuration token, TCP Fast Open, T/TCP and the banner on the SYN-ACK with or without
data in the SYN, coalesced or per-command writes, Nagle on or off, every QUIT variant and a
kept session (``reuse``), any initial window, server timing and asymmetric path, a cold or a
warm client; and the IMAP side: send-and-save in parallel or first, BURL, LITERAL+, an open or
a cold IMAP session, the server's fetch on a pooled or a new connection (below).

Structure of the result
=======================

On an ideal path (no serialization, no processing) every wait of the client is one round
trip, so ``accept = round_trips(features, R) x RTT`` (:func:`round_trips`). With STARTTLS::

    connect 1 + greeting 1 + EHLO 1                                RFC 793 §3.4, RFC 5321 §3.1
    + STARTTLS 1 + TLS handshake (1.2: 2; 1.3 or 1.2 resumed: 1)   RFC 3207 §4.2, RFC 5246 §7.3,
      + EHLO again 1 (1.3 and 1.2 resumed: EHLO rides with the      RFC 8446 §2, RFC 5077 §3.1
      client Finished, its reply still costs the round trip)
    + AUTH waited for (PLAIN 1, LOGIN 3, SCRAM 3; PLAIN pipelined 0) RFC 4954 §4
    + envelope: PIPELINING 1 (the group ends with DATA or BDAT),   RFC 2920 §3.1, RFC 3030 §2
      lock-step 1 + R + 1
    + content after 354: 1 (no 354 with BDAT: the body rides in the group)  RFC 5321 §4.1.1.4
    + the slow-start rounds of the body beyond the first, and of the server's certificate
      flight when it exceeds the initial window                   RFC 5681 §3.1
    close = accept + 1 (QUIT sent after the 250, "wait" / "async")   RFC 5321 §4.1.1.10
          = accept (QUIT in the content's write, "pipelined")       RFC 2920 §3.1
          = accept (no QUIT, "drop": the client closes at the 250)
          = undefined (``reuse``: the session is kept for the next message)

The other starts change the first terms (``W`` is when the client's first data leaves: 1 RTT,
at the handshake ACK, or 0 when a SYN with a valid Fast Open cookie carries it):

* Fast Open with a cookie (RFC 7413 §4.2.2; T/TCP, RFC 1644, the same) or the banner on the
  SYN-ACK: the server's socket exists at the SYN, so its greeting arrives with the SYN-ACK at
  1 instead of 2. Data in the SYN (``syn_data``, RFC 7413 §4.2.1, TCP_FASTOPEN_CONNECT):
  the first write leaves at 0 in the SYN.
* implicit TLS (RFC 8314 §3): ClientHello at W, server flight W+1, client Finished; the
  server writes its banner when it reads that Finished (W+2; with the 0.5-RTT banner,
  RFC 8446 §2, behind its flight at W+1, and EHLO rides with the Finished); then EHLO +1.
* QUICKSTART (draft-fanf-smtp-quickstart-01, -a, -b): the capability list in the greeting;
  QTLS and the ClientHello in one write, no reply in between; basic: the server re-greets
  with the list when it reads the client Finished, QHLO + AUTH + MAIL ... follow it; full:
  with a cached qhlo-id the client sends QTLS + ClientHello at W without waiting for the
  greeting (cleartext: QHLO <id> + the group at W), and QHLO <id> + the group ride with its
  Finished (after the server Finished with a full TLS 1.2 handshake); with none it sends
  QHLO alone after TLS and waits for the list. A stale id is refused (504 before TLS, 520
  with the new list after it, 503 for each other command of the group, quickstart-b §4), the
  client flushes its cache for that server and sends the group again: one round trip.
* early pipelining on a cached configuration token (draft-harris-early-pipe): EHLO <token>
  + STARTTLS at W (cleartext: EHLO <token> + the whole group; implicit TLS: the group rides
  with the Finished); after TLS, EHLO <token> + AUTH + MAIL ... with the Finished (after the
  server Finished with a full TLS 1.2 handshake). A stale token is refused like a stale
  qhlo-id; after the flush the client learns the new cleartext token from the greeting and
  holds no TLS-context token, so it waits for the EHLO reply after TLS.
* resumption with a ticket (warm client): no certificate; TLS 1.2 abbreviated handshake
  (RFC 5246 §7.3 Fig. 2: the server Finished first, the client's data rides with its
  Finished), TLS 1.3 PSK (RFC 8446 §2.2), ``resumed_cpu_s`` on each side. With 0-RTT
  (``early_data``, RFC 8446 §2.3) what would ride with the TLS 1.3 Finished rides with the
  ClientHello instead and is answered behind the server's flight (and, with implicit TLS,
  behind the banner the server then sends as 0.5-RTT data); the client's TLS layer writes
  its Finished alone and nobody waits for the tickets. That saves a round trip unless Nagle
  holds the client's next small write for the ACK of its Finished.

On a real path each of those steps costs, instead of exactly one RTT, the times of the packets
that carry it, and that is what :func:`oracle` computes, exactly:

* **Wire** (every packet, max-plus): a packet of ``b`` bytes handed to a direction at ``t``
  departs at ``max(t, free)``, the link is then busy for ``8 b / bandwidth`` (``free`` moves
  on), and it arrives one one-way delay after its last bit left. The two directions are
  independent FIFOs.
* **Server** (max-plus over commands, RFC 2920 §3.2): it accepts the connection when the
  handshake ACK arrives (at the SYN with a valid Fast Open cookie or with the banner on the
  SYN-ACK), spends ``greeting`` preparing its banner, writes it (implicit TLS: when the
  handshake is done), and only then reads: command ``i`` delivered at ``a_i`` is processed
  from ``s_i = max(a_i, e_{i-1})`` to ``e_i = s_i + p_i`` (``ServerTiming``; QHLO costs
  ``ehlo``, QTLS nothing, a command refused with 503 nothing); its reply is buffered, and the
  buffer is written as one write at ``e_i`` when no further command has been delivered by
  then. A BDAT line is answered only with its chunk (RFC 3030 §2), so no flush between them.
  TLS handshake messages are written at once, each answer one write: the server flight
  ``server_cpu_s`` (``resumed_cpu_s`` with a ticket) after the ClientHello; on the client's
  Finished the TLS 1.2 server Finished (full handshake) or the TLS 1.3 NewSessionTickets,
  then the implicit-TLS banner or QUICKSTART basic's re-greeting as a write of its own.
* **Client**: writes the next step the moment the last reply it waits for is delivered
  (``client_cpu_s``, or ``resumed_cpu_s``, later after the server's TLS flight). QUIT
  (``Features.quit``) follows the 250 ("wait", "async"), is written with the content or the
  BDAT chunk ("pipelined", RFC 2920 §3.1), or is not sent ("drop", ``reuse``); the server
  closes (a FIN) after writing the 221. Records are delivered when their last byte has
  arrived in order; TLS wraps each application write into records of at most
  ``max_record`` plaintext bytes plus ``record_overhead`` (RFC 5246 §6.2, RFC 8446 §5.2).
* **TCP** (both endpoints, RFC 793, RFC 5681, RFC 7413, Linux):

  - three-way handshake at t = 0 with the 1 s SYN and SYN-ACK timers doubling (RFC 6298 §5.5;
    spurious on paths with RTT > 1 s, and the packets they send occupy the links), a
    duplicate SYN answered at once, an extra SYN-ACK answered with a pure ACK; the SYN
    carries a Fast Open option of 12 B with a cookie or 4 B asking for one, the SYN-ACK
    returns a cookie (12 B) to a SYN without a valid one; a retransmitted SYN carries no
    data, a retransmitted SYN-ACK no option;
  - Fast Open: a SYN with a valid cookie may carry up to one MSS of the data written at
    ``connect()``; the server delivers it at once and its SYN-ACK acknowledges it; the rest
    leaves when the SYN-ACK arrives, the first segment carrying the handshake ACK. With the
    banner on the SYN-ACK the server holds its SYN-ACK until its first write and sends that
    write in it;
  - a byte stream cut into segments of ``min(MSS, unsent)`` the moment a write or an ACK allows
    it (52 B header each, SYN/SYN-ACK 60 B);
  - a segment is sent while packets in flight < ``cwnd`` and the whole segment fits the
    peer's receive window (``rwnd_bytes``, RFC 793 §3.7; it binds for large bodies once the
    flight passes 6 MiB); ``cwnd`` starts at IW (RFC 6928, RFC 3390) and grows by the packets
    each ACK acknowledges (slow start, RFC 5681 §3.1 with RFC 3465 counting) while the sender
    is cwnd-limited (Linux ``tcp_is_cwnd_limited``: blocked by cwnd in the current window, or
    ``cwnd < 2 max_packets_out``, RFC 7661);
  - slow start after idle (RFC 5681 §4.1, Linux ``tcp_slow_start_after_idle_check`` and
    ``tcp_cwnd_restart``): a write that finds nothing in flight and no data sent for longer
    than the RTO halves cwnd once per RTO elapsed, down to ``min(IW, cwnd)``; the RTO is
    RFC 6298's from one sample per ACK that acknowledges new data (the oldest segment it
    acknowledges, Linux ``seq_rtt``) and one from the handshake (the SYN acknowledged by the
    SYN-ACK, the SYN-ACK by the ACK; none after a retransmitted one, the RTO then 3 s, RFC
    6298 §5.7), with Linux's floor ``SRTT + max(4 RTTVAR, rto_min)``; a kept-open IMAP
    connection starts with one sample of the path's RTT;
  - Nagle as Linux does it (RFC 896, Minshall): a sub-MSS segment waits while the last
    sub-MSS segment sent is unacknowledged;
  - receiver (RFC 1122 §4.2.3.2, RFC 5681 §4.2, Linux ``__tcp_ack_snd_check``): after in-order
    data, ACK at once when more than one MSS is unacknowledged, else start the ``delack_s``
    timer if none runs; every segment sent carries the current ACK and stops the timer;
  - on a segment's arrival: its ACK is processed, then its data, then any data the ACK allowed
    is sent (carrying the new ACK: Linux ``tcp_rcv_established`` calls ``tcp_ack``,
    ``tcp_data_queue``, ``tcp_data_snd_check`` in that order), then the ACK rule, then the
    completed records go to the application;
  - a FIN (52 B) follows the last data byte of the side that closes (RFC 793 §3.5).

Because the client's and server's packets interact (an ACK releases a Nagle-held command or
the next slow-start flight; a reply carries the ACK that a delayed-ACK timer would otherwise
send; a partial flush of pipelined replies travels while the client is still sending), the
equations above are evaluated in causal order: every packet, timer and processing end is an
entry in a time-ordered agenda, and each is computed by the max-plus formulas from entries
already known. This is the per-segment recurrence the bulk transfers need; for command/reply
exchanges it reduces to the straight-line sums above.

The IMAP side (send-and-save, BURL; ``smtpsim.simulator.imap``)
================================================================

The client's IMAP connection is a second TCP connection on the same access links (the same
FIFO queues, so its packets and the SMTP ones delay each other), with the client's own stack
(``client_tcp``, Nagle as its SMTP socket) and the IMAP server's (the provider's ``server_tcp``
and ``server_nagle``, as the simulator's ``ImapSession``). An open
session (``imap_cold`` False) is established, authenticated and selected, TLS 1.3 records up;
a cold one first connects (three-way handshake with the SYN timers), implicit TLS 1.3
(RFC 8314 §3: ClientHello, flight after ``server_cpu_s``, Finished after ``client_cpu_s``, the
greeting when the server reads it, no tickets), ``AUTHENTICATE PLAIN`` with an initial response
(RFC 4959; ``imap_auth``). Then APPEND to Sent (RFC 3501 §6.3.11) with a synchronizing literal
(§7.5: the "+" first, then the literal; 2 round trips) or LITERAL+ (RFC 7888: command and
literal in one write; 1 round trip); ``imap_append`` after the literal; the tagged OK with
APPENDUID (RFC 4315) is ``saved_s``. With BURL, GENURLAUTH (RFC 4467 §7.1; ``imap_genurlauth``)
follows, one round trip, and its answer is the URL. Every IMAP command is answered on its own
(no pipelining of the client's IMAP commands: each needs the previous answer).

* ``save`` "parallel": both connections start at 0 (the SMTP SYN queued first on the uplink,
  unless TCP_FASTOPEN_CONNECT defers it to the first write); "first": the SMTP connection
  starts when the IMAP work is done (the OK, or with BURL the URL): ``save_phase_s``.
* BURL (RFC 4468): the MAIL group is ``[AUTH] MAIL RCPT x R BURL <url> LAST [QUIT]`` (lock-step
  without PIPELINING), no DATA, no content; the step that writes it waits for the URL; the
  server spends, on BURL, its fetch (URLFETCH, RFC 4467 §7.3, over ``dc_path``: on the pooled
  connection one exchange, ``imap_urlfetch``, the message in the answer; on a new one first
  TCP, TLS, greeting, AUTHENTICATE as above: about 5 data-centre round trips) plus
  ``end_of_data``, then answers 250. The capability lists of a BURL server carry ``BURL imap``.
* ``done_s = max(accept_s, saved_s)``. While the MAIL group waits for the URL the client sends
  NOOP (RFC 5321 §4.1.1.9) 240 s after the group was due and 240 s after each NOOP's answer,
  and waits for that answer (a greeting it has not read yet, it reads first); the server
  answers it at once.

Modelling rules where the RFCs leave a choice
=============================================

* A warm client holds what one earlier, identical connection to the same server left: a
  session ticket (with ``resumption``), a Fast Open cookie or T/TCP state, and the
  configuration tokens / qhlo-ids of each security context that connection used, each for
  its lifetime (tickets and cookies an hour, tokens ``capability_max_age_s``) counted from
  when that connection got it; the connection closed ``gap_s`` before this one starts. With
  ``config_changed`` the tokens and ids are stale; tickets and cookies (keyed by other
  secrets) stay valid.
* A group that rides on a cached token or qhlo-id (which the server may refuse) carries no
  pipelined QUIT: the server never refuses QUIT (RFC 5321 §4.1.1.10), so a refused group
  would close the session. QUIT then follows the 250 (with BDAT), or rides with the content
  after the 354 as usual (with DATA); a group sent again after a refusal is not speculative.
* Text sizes not built by ``messages`` are the simulator's wire text (sizes read from its
  traces; see the constants below).

Domain
======

Lossless (``loss == 0``, no Gilbert-Elliott burst, no forced drops, no dropped SYN data) and
jitter-free paths, one message on one connection to one front-end (``messages == 1``, the
default ``FarmConfig``, every ``Case`` field the oracle does not read at its default: one
client, no radio promotion), constant server times (no ``Distribution``), a lossless and
jitter-free data-centre path for BURL, with ``save`` "parallel" an SMTP client that never
waits longer than 240 s for a reply (:class:`SmtpTimeoutPossible`), and a warm client
whose earlier connection did not last about as long as what it cached lives
(:class:`WarmStateUnknown`: slow links with big bodies);
otherwise ``ValueError``, as for feature combinations that cannot be negotiated (HELO with
extensions, a pipelined AUTH or QUIT without PIPELINING, QUICKSTART or early pipelining
without PIPELINING or with per-command writes, data in the SYN without Fast Open, the banner
on the SYN-ACK with implicit TLS, whose server speaks first only after the handshake).
The retransmission timer (RFC 6298) is not part of the closed form: on slow links
a segment can wait for its ACK longer than the RTO, and a real stack (and the simulator) then
retransmits spuriously. The result says when that cannot be excluded: ``rto_possible`` is set
when some data segment waited from its transmission to its ACK at least ``min(rto_initial, RTT
+ rto_min)``, a lower bound of every RTO RFC 6298 (with Linux's floor) can produce, since every
RTT sample, and so SRTT, is at least the path's RTT, or when a SYN that carried data timed out.
"""

from __future__ import annotations

import base64
import dataclasses
import heapq
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from smtpsim.model import (
    Case,
    FarmConfig,
    Features,
    LinkConfig,
    TcpConfig,
    TlsConfig,
    text,
    updated,
)
from smtpsim.model.text import IMAP_HOST, burl_url
from smtpsim.simulator import messages as msg

__all__ = [
    "OracleResult",
    "WarmStateUnknown",
    "KeepAliveNotModelled",
    "SmtpTimeoutPossible",
    "oracle",
    "round_trips",
    "client_waits",
    "url_race",
    "slow_start_rounds",
]

SYN_BYTES = 60
"""SYN and SYN-ACK on the wire: 20 B IPv4 + 20 B TCP + 20 B options (MSS, SACK permitted,
timestamps, window scale)."""

FO_COOKIE_BYTES = 12
"""A Fast Open option with an 8-byte cookie (RFC 7413 §4.1.1: kind, length, cookie, padded)."""
FO_REQUEST_BYTES = 4
"""A Fast Open option asking for a cookie (no cookie, padded to 4 B)."""

NAN = float("nan")

TICKET_MAX_AGE_S = 3600.0
"""How long a client keeps a session ticket: Postfix's ``smtp_tls_session_cache_timeout``
default (3600 s), as the simulator's client does."""
SLOWER = 1.1
"""A bound on how much longer than the closed form a transfer lasts when spurious timeouts
(outside the closed form) occur: the Eifel undo (RFC 4015) keeps it within about 1 % in the
simulator on transfers of 5 minutes and more."""
COOKIE_MAX_AGE_S = 3600.0
"""How long a Fast Open cookie (or T/TCP state) stays cached: Linux keeps it in its TCP
metrics, which expire after ``TCP_METRICS_TIMEOUT``, one hour."""

_TRANSMIT_BEFORE_DATA = False
"""Diagnostic switch, off: True sends the data an arriving ACK releases *before* the same
segment's payload is taken in, so that data carries the previous ACK value. That is the
order the simulator used when this oracle was written (see tests/simulator/
test_closed_form.py, "simulator issues"); Linux and RFC 793 §3.9 take the payload in first."""

# ------------------------------------------------------------------ the protocol text
# Replies and commands whose text messages.py does not build. Sizes are len(text) + CRLF.
REPLY_STARTTLS = msg.reply(220, "2.0.0 Ready to start TLS")  # RFC 3207 §4
REPLY_AUTH_OK = msg.reply(235, "2.7.0 Authentication successful")  # RFC 4954 §6
REPLY_MAIL = msg.reply(250, "2.1.0 Ok")  # RFC 5321 §4.1.1.2, RFC 3463 codes
REPLY_RCPT = msg.reply(250, "2.1.5 Ok")  # RFC 5321 §4.1.1.3
REPLY_DATA = msg.reply(354, "End data with <CR><LF>.<CR><LF>")  # RFC 5321 §4.1.1.4
REPLY_QUEUED = msg.reply(250, "2.0.0 Ok: queued as 4F2C81B3A9")  # end of data
REPLY_QUIT = msg.reply(221, "2.0.0 Bye")  # RFC 5321 §4.1.1.10
REPLY_NOOP = msg.reply(250, "2.0.0 Ok")  # RFC 5321 §4.1.1.9
REPLY_HELO = msg.reply(250, text.SERVER_DOMAIN)  # RFC 5321 §4.1.1.1
REPLY_QHLO = msg.reply(250, text.SERVER_DOMAIN)  # QHLO with a valid id, or QUICKSTART basic
REPLY_LOGIN_USER = msg.reply(334, "VXNlcm5hbWU6")  # base64 "Username:"
REPLY_LOGIN_PASS = msg.reply(334, "UGFzc3dvcmQ6")  # base64 "Password:"
# A refused cached token (the simulator's text, sizes 40, 42 and 34 B in its traces):
# quickstart-b §4 / the Features docstring: 504 before TLS, 503 for the rest of the group.
REPLY_STALE_TOKEN = msg.reply(504, "5.5.1 Configuration token is stale")
REPLY_STALE_QHLO = msg.reply(504, "5.5.1 Please use the correct QHLO ID")
REPLY_REFUSED = msg.reply(503, "5.5.1 Error: send QHLO first")
GREETING_TEXT = f"{text.SERVER_DOMAIN} ESMTP Postfix"

# IMAP (RFC 3501, 4315, 4467, 7888, 8314) as the simulator spells it. The URL and the greeting
# are built from ``smtpsim.simulator.imap`` (``burl_url``, the server's greeting line); the
# client's command lines are the simulator's wire text, sizes read from its traces (APPEND
# 30 B with "{100}", 32 B with "{2000+}"; GENURLAUTH 118 B; AUTHENTICATE 80 B; tags A1, A2 ..).
IMAP_UID = 42  # the first APPEND on the server (UIDVALIDITY 1)
BURL_URL = burl_url(IMAP_UID)
IMAP_GREETING = (f"* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS URLAUTH AUTH=PLAIN SASL-IR]"
                 f" {IMAP_HOST} ready")
IMAP_CONTINUE = "+ Ready for literal data"  # RFC 3501 §7.5
BURL_EXTRA = len("250-BURL imap") + 2
"""Bytes the ``BURL imap`` keyword (RFC 4468 §3) adds to every capability list of a BURL
server: 15 B (the simulator's lists, 210 and 196 B instead of 195 and 181)."""
RTO_FALLBACK_S = 3.0  # RFC 6298 §5.7 (Linux TCP_TIMEOUT_FALLBACK)
IMAP_AUTOLOGOUT_S = 1800.0
"""RFC 3501 §5.4: an idle IMAP session may be logged out after 30 minutes; a pooled fetch
connection idle that long is gone (outside the domain: :class:`SmtpTimeoutPossible`)."""
NOOP_EVERY_S = 240.0
"""While it waits for the URL the client keeps the SMTP session alive with NOOP this often
(the simulator's ``NOOP_INTERVAL_S``; below the server's 5 min idle limit, RFC 5321
§4.5.3.2.7)."""


def _imap_append(tag: str, size: int, plus: bool) -> str:
    return f"{tag} APPEND Sent (\\Seen) {{{size}{'+' if plus else ''}}}"


def _imap_genurlauth(tag: str) -> str:
    return f'{tag} GENURLAUTH "{BURL_URL.split(":internal:")[0]}" INTERNAL'

QS_BASIC_EXTRA = 26
"""Bytes the QUICKSTART keywords add to a capability list (basic profile): one line, as the
simulator's traces show (235 B greeting = 209 + 26; 221 B re-greeting = 195 + 26)."""
QS_FULL_EXTRA = 32
"""... and with the full profile, plus the qhlo-id itself (268 B greeting with a 27-character
id = 209 + 32 + 27; the TLS-context list 238 B = 181 + 32 + 25)."""


def _token(context: str, version: int) -> str:
    """The server's configuration token / qhlo-id for a security context ("plain" or "tls")
    and configuration version (1, or 2 after ``config_changed``): the simulator's format."""
    return f"{text.SERVER_DOMAIN}.v{version}.{context}"


def _reply_bdat(n: int) -> msg.Reply:
    return msg.reply(250, f"2.0.0 Ok: {n} octets, queued")  # RFC 3030 §2


def _line(text: str) -> int:
    return len(text) + 2


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# SCRAM-SHA-256 (RFC 5802 §5, RFC 7677) as the server and client of this project spell it: the
# base64 of the GS2 header and user name followed by a 32-character client nonce; the server's
# first message (combined nonce, 24-character salt, i=4096); the client-final message (channel
# binding, nonce, 60-character proof); the server-final verifier; and the client's empty
# response to it (RFC 4954 §4: additional data with success sent as a 334 challenge).
SCRAM_CLIENT_FIRST = ("AUTH SCRAM-SHA-256 " + _b64(f"n,,n={text.SENDER},r=").rstrip("=")
                      + "a" * 32)
SCRAM_SERVER_FIRST = "334 cj1" + "x" * 80 + "LHM9" + "y" * 24 + "LGk9NDA5Ng=="
SCRAM_CLIENT_FINAL = "Yz1iaXdzLHI9" + "b" * 96 + "LHA9" + "c" * 60
SCRAM_SERVER_FINAL = "334 dj1" + "z" * 41

_Reply = tuple[int, str]  # (bytes, label)


def _r(reply: msg.Reply) -> _Reply:
    return reply.nbytes, reply.text


def _list_reply(code: int, first: str, tls_offered: bool, f: Features, context: str,
                version: int) -> _Reply:
    """A capability list (EHLO reply, QUICKSTART greeting or QHLO/520 reply, early-pipelining
    EHLO reply) as the server of ``f``'s variant builds it for a security context (with
    ``BURL imap`` for a BURL server)."""
    burl = BURL_EXTRA if f.burl else 0
    if f.early_pipelining:
        extra = (f"PIPE_CONNECT {_token(context, version)}",)
        rep = msg.capability_reply(code, first, tls_offered, True, extra)
        return rep.nbytes + burl, rep.text
    rep = msg.capability_reply(code, first, tls_offered, True)
    if f.quickstart == "basic":
        return rep.nbytes + QS_BASIC_EXTRA + burl, rep.text
    if f.quickstart == "full":
        return rep.nbytes + QS_FULL_EXTRA + len(_token(context, version)) + burl, rep.text
    return rep.nbytes + burl, rep.text


def _greeting(f: Features, version: int) -> _Reply:
    """The 220 banner: plain (RFC 5321 §4.2), with the capability list (QUICKSTART), or with the
    cleartext configuration token on a second line (early pipelining; the simulator's banner
    carries the cleartext token under implicit TLS too: 84 B in its traces)."""
    if f.quickstart is not None:
        return _list_reply(220, GREETING_TEXT, True, f, "plain", version)
    if f.early_pipelining:
        rep = msg.Reply(220, [f"220-{GREETING_TEXT}",
                              f"220 PIPE_CONNECT {_token('plain', version)}"])
        return rep.nbytes, rep.text
    return _r(msg.greeting())


# ------------------------------------------------------------------ result
@dataclass(frozen=True, slots=True)
class OracleResult:
    """Times in seconds from the first SYN, as in ``SessionRecord``.

    ``greeting_s`` the (first) 220 greeting is delivered to the client; ``tls_s`` the client
    may send application data (TLS 1.2 full handshake: the server Finished is delivered;
    TLS 1.3 and the abbreviated TLS 1.2 handshake: the client Finished is written);
    ``auth_s`` the 235 is delivered (NaN when AUTH is pipelined or absent); ``mail_s`` the
    client writes the MAIL command that is accepted (after a refused early group, the second
    one); ``accept_s`` the final 250 for the message; ``user_s`` when the user is told (the
    221 with ``quit`` "wait" and "pipelined", the 250 with "async", "drop" and ``reuse``);
    ``close_s`` the 221 (the 250 with "drop": the client closes then; NaN with ``reuse``).
    ``waits`` the times the client stopped for the peer (the TCP handshake included unless
    the SYN carried its data); ``round_trips`` what :func:`round_trips` counts for the variant
    (the ideal-path latency in RTT, the body's slow-start rounds excluded).
    ``handshake_retransmits`` SYNs and SYN-ACKs sent again on timers or for duplicate SYNs.
    ``rto_possible``: some data segment waited for its ACK long enough that a retransmission
    timeout cannot be excluded, or a SYN with data timed out (see the module docstring);
    ``max_ack_wait_s`` that longest wait and ``rto_floor_s`` the bound it is held to.
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
    waits: int
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


# ------------------------------------------------------------------ closed forms
@dataclass(frozen=True, slots=True)
class _Start:
    """What the client holds and how the connection starts (see the module docstring)."""

    cookie: bool  # a valid Fast Open cookie / T/TCP state
    early: bool  # the server's socket exists at the SYN (its banner can leave at once)
    synack_data: bool  # the server's first write rides in its SYN-ACK
    syn_connect: bool  # TCP_FASTOPEN_CONNECT with a cookie: the first write leaves in the SYN
    ticket: bool  # a session ticket to offer
    cached: bool  # configuration tokens / qhlo-ids cached (early pipelining, QUICKSTART full)
    stale: bool  # ... and the server's configuration changed since
    version: int  # the server's configuration version


def _start(f: Features, state: str, config_changed: bool,
           alive: tuple[bool, bool, bool] = (True, True, True)) -> _Start:
    """``alive``: whether the ticket, the cookie and the tokens a warm client got are still
    cached (see :func:`_alive`)."""
    warm = state == "warm"
    ticket_alive, cookie_alive, tokens_alive = alive
    cookie = warm and cookie_alive and f.fast_open in ("tfo", "ttcp")
    synack_data = f.fast_open == "synack-banner"
    cached = warm and tokens_alive and (f.early_pipelining or f.quickstart == "full")
    return _Start(
        cookie=cookie,
        early=cookie or synack_data,
        synack_data=synack_data,
        syn_connect=f.syn_data and cookie,
        ticket=warm and ticket_alive and f.resumption and f.tls is not None,
        cached=cached,
        stale=cached and config_changed,
        version=2 if config_changed else 1,
    )


def _auth_round_trips(f: Features) -> int:
    if f.auth is None or _auth_in_group(f):
        return 0
    return {"plain": 1, "login": 3, "scram": 3}[f.auth]


def _auth_in_group(f: Features) -> bool:
    """AUTH PLAIN rides in the MAIL group (RFC 4954 §4): when asked for, and always with
    QUICKSTART (quickstart-01 §6) and early pipelining (its group is EHLO + AUTH + MAIL)."""
    if f.auth != "plain":
        return False
    return f.quickstart is not None or f.early_pipelining or (f.auth_pipelined and f.pipelining)


def _zero_rtt(f: Features, st: _Start) -> tuple[bool, int]:
    """Whether 0-RTT data carries something (what would ride with the TLS 1.3 Finished), and
    the round trips that saves on an ideal path: one, unless Nagle holds the client's next
    (small) write for the ACK of its Finished, which comes with the tickets a round trip later
    (the saving stays when the early group already drew the final 250)."""
    if not (f.early_data and st.ticket and f.tls == "1.3"):
        return False, 0
    if f.implicit_tls:
        group = f.early_pipelining and st.cached
        if not group and not f.banner_half_rtt:  # the client waits for the banner
            return False, 0
    elif f.quickstart is not None:
        group = st.cached
        if not group and f.quickstart == "basic":  # the re-greeting comes after TLS
            return False, 0
    else:
        group = f.early_pipelining and st.cached and not st.stale
    if not f.nagle or (group and f.chunking and not st.stale):
        return True, 1
    return True, 0


def round_trips(f: Features, recipients: int, *, iw: int = 10, flight: int = 4600,
                mss: int = 1448, state: str = "cold", config_changed: bool = False,
                alive: tuple[bool, bool, bool] = (True, True, True)) -> int:
    """Latency of an accepted message in RTTs on an ideal path (see the module docstring),
    for coalesced writes and a body that fits in the client's window (and, with 0-RTT data
    and Nagle, in one segment). ``iw``/``flight``/``mss`` decide whether the server's TLS
    flight needs a second slow-start round (RFC 5681 §3.1: the segments beyond IW leave when
    the first ACK returns); ``state``, ``config_changed`` and ``alive`` (ticket, cookie,
    tokens still cached) what the client holds. Send-and-save and BURL: the IMAP round trips
    when the submission waits for them (``save`` "first", or a URL later than the MAIL
    group), the data-centre fetch excluded."""
    st = _start(f, state, config_changed, alive)
    n = _round_trips(f, recipients, st, iw, flight, mss) - _zero_rtt(f, st)[1]
    if f.save is None:
        return n
    done, k = _imap_rounds(f, recipients, st)
    if f.save == "first":  # the submission starts when the IMAP work is done
        return done + n
    if not f.burl:
        return n
    return max(n - k, done) + k


def _imap_rounds(f: Features, recipients: int, st: _Start) -> tuple[int, int]:
    """When the IMAP work is done (the OK, with BURL the URL) in RTTs from the start, and how
    many waits the MAIL group takes from its write to the 250. The IMAP side (imap.py): [TCP 1,
    TLS flight 2, greeting 3, AUTHENTICATE 4,] APPEND's OK (synchronizing literal: "+" 1, OK 2;
    LITERAL+: OK 1), GENURLAUTH's URL one more; the data-centre fetch is not a client round
    trip."""
    saved = (4 if f.imap_cold else 0) + (1 if f.literal_plus else 2)
    done = saved + 1 if f.burl else saved
    k = 1 if f.pipelining else recipients + 2
    if st.stale and (f.quickstart is not None or f.implicit_tls or f.tls is None):
        k += 1  # the first group (speculative, with MAIL) is refused and sent again
    return done, k


def url_race(f: Features, recipients: int, *, iw: int = 10, flight: int = 4600,
             mss: int = 1448, state: str = "cold", config_changed: bool = False,
             alive: tuple[bool, bool, bool] = (True, True, True)) -> bool:
    """Whether, on an ideal path, BURL's URL is due in the very round trip in which the MAIL
    group would ride with the client's TLS Finished (a cached token or qhlo-id, TLS 1.3 or an
    abbreviated TLS 1.2 handshake). The URL and the server's flight then arrive in the same
    instant and their order is a matter of nanoseconds of serialization; if the flight wins,
    the Finished goes alone and Nagle may hold the group for its ACK (``_Step.split``), so
    ``round_trips`` does not hold."""
    st = _start(f, state, config_changed, alive)
    full12 = f.tls == "1.2" and not st.ticket
    rides = (f.tls is not None and st.cached and not full12
             and (f.early_pipelining or f.quickstart == "full"))
    if not (f.burl and f.save == "parallel" and rides):
        return False
    n = _round_trips(f, recipients, st, iw, flight, mss) - _zero_rtt(f, st)[1]
    done, k = _imap_rounds(f, recipients, st)
    return n - k == done


def _round_trips(f: Features, recipients: int, st: _Start, iw: int, flight: int,
                 mss: int) -> int:
    tls = f.tls is not None
    full12 = f.tls == "1.2" and not st.ticket  # the full TLS 1.2 handshake: 2 RTT
    x = 1 if tls and not st.ticket and math.ceil(flight / mss) > iw else 0
    w = 0 if st.syn_connect else 1  # the client's first data leaves
    greet = 1 if st.early else 2  # the banner arrives (when the server speaks first)
    stale = 1 if st.stale else 0
    content = 0 if f.chunking or f.burl else 1  # BURL: the 250 answers the group
    envelope = (1 if f.pipelining else 2 + recipients) + content
    if f.quickstart is not None:
        if not tls:
            if st.cached:  # QHLO <id> + the group at W; refused once when stale
                return w + 1 + stale + content
            return greet + 1 + content  # greeting, QHLO + the group
        if st.cached:  # QTLS + ClientHello at W; greeting and flight at W + 1
            return w + 1 + x + (1 if full12 else 0) + 1 + stale + content
        if f.quickstart == "basic":  # re-greeting with the client Finished's answer
            return greet + 1 + x + 1 + 1 + content
        return greet + 1 + x + (2 if full12 else 1) + 1 + content  # QHLO alone after TLS
    if f.implicit_tls:
        if f.early_pipelining and st.cached:  # the group rides with the Finished
            return w + 1 + x + (2 if full12 else 1) + stale + content
        # the banner behind the flight (EHLO rides with the Finished), or when the Finished
        # is read (then EHLO)
        ehlo = w + 1 + x + (1 if f.banner_half_rtt else 2)
        return ehlo + _auth_round_trips(f) + envelope
    if f.early_pipelining and st.cached:
        if not tls:  # EHLO <token> + the group at W
            return w + 1 + stale + content
        # EHLO <token> + STARTTLS at W; the group after TLS (EHLO waited for when stale)
        return w + 1 + stale + 1 + x + (1 if full12 else 0) + 1 + stale + content
    n = greet + 1  # EHLO
    if tls:
        n += 1 + (2 if full12 else 1) + x + 1  # STARTTLS, handshake, EHLO again
    return n + _auth_round_trips(f) + envelope


def client_waits(f: Features, recipients: int, *, state: str = "cold",
                 config_changed: bool = False,
                 alive: tuple[bool, bool, bool] = (True, True, True)) -> int:
    """How many times the client stops for the peer, the TCP handshake (unless the SYN
    carries the first write) and a QUIT sent after the 250 included: each wait costs one RTT
    on an ideal path, so this is ``round_trips`` without the extra TLS-flight round, plus one
    for QUIT with ``quit`` "wait" or "async" (none with ``reuse``), plus one for a banner that
    rode with the SYN-ACK while the client waited for it separately (a wait of no time), less
    one when Nagle ate the round trip 0-RTT data saved (the answers came early, the wait for
    them is the one of the next step), plus one for a QUIT kept out of a speculative group."""
    st = _start(f, state, config_changed, alive)
    n = round_trips(replace(f, save=None), recipients, iw=10**9, state=state,
                    config_changed=config_changed, alive=alive)
    if f.quit in ("wait", "async") and not f.reuse:
        n += 1
    rides, saving = _zero_rtt(f, st)
    if rides and not saving:  # the early answers came a round trip before Nagle let go
        n -= 1
    if (f.quit == "pipelined" and (f.chunking or f.burl) and not f.reuse and st.cached
            and not st.stale):
        n += 1  # the final 250 came in a speculative group, which carries no QUIT
    if st.early and not st.syn_connect and not (f.implicit_tls or st.cached):
        n += 1
    return n


def slow_start_rounds(segments: int, iw: int) -> int:
    """Rounds for ``segments`` in slow start with an ACK per segment pair: flights of IW,
    2 IW, 4 IW ... (RFC 5681 §3.1): ``ceil(log2(segments / IW + 1))``, protocol.md §0."""
    rounds, sent, flight = 0, 0, iw
    while sent < segments:
        sent += flight
        flight *= 2
        rounds += 1
    return rounds


# ------------------------------------------------------------------ records
@dataclass(slots=True)
class _Rec:
    """An application record (an SMTP line, a TLS flight, a body) and what the server does
    when it reads it: process for ``proc`` seconds, then make ``writes`` at once (TLS
    handshake messages, a banner; each one write), then buffer ``replies``; ``hold`` keeps
    the buffer (a BDAT line: its answer comes with the chunk); ``closes``: the server closes
    (FIN) once its reply is written (QUIT). For a record the client reads: ``wait`` False if
    no step of the client waits for it; ``react`` (delay, parts): what the client's TLS
    layer writes on its own that long after reading it (the Finished after 0-RTT data)."""

    nbytes: int
    label: str
    proc: float = 0.0
    replies: tuple[_Reply, ...] = ()
    reply_overhead: int | None = None  # TLS record overhead of the replies, None = cleartext
    writes: tuple[tuple[_Part, ...], ...] = ()
    hold: bool = False
    closes: bool = False
    wait: bool = True  # the client waits for it (not the tickets after 0-RTT data)
    react: tuple[float, list[_Part]] | None = None  # the client's TLS layer writes, delayed


@dataclass(slots=True)
class _Part:
    """Records written together, framed as TLS application records (``overhead`` bytes each,
    at most ``max_record`` plaintext bytes) unless ``overhead`` is None (cleartext, or TLS
    handshake messages, whose sizes already include their record headers)."""

    records: list[_Rec]
    overhead: int | None = None


def _frame(part: _Part, max_record: int) -> tuple[int, list[tuple[int, _Rec]]]:
    """Wire bytes of a part and the offset (relative) at which each record is complete."""
    if part.overhead is None:
        out, off = [], 0
        for r in part.records:
            off += r.nbytes
            out.append((off, r))
        return off, out
    plain = sum(r.nbytes for r in part.records)
    n_tls = max(1, math.ceil(plain / max_record))

    def tls_end(j: int) -> int:  # wire offset at the end of TLS record j (0-based)
        full = min(plain, (j + 1) * max_record)
        return full + (j + 1) * part.overhead  # type: ignore[operator]

    out, cum = [], 0
    for r in part.records:
        cum += r.nbytes
        out.append((tls_end((cum - 1) // max_record), r))
    return tls_end(n_tls - 1), out


# ------------------------------------------------------------------ the agenda
class _Agenda:
    """Entries in time order (ties in the order they were made)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._n = 0
        self.now = 0.0
        self.stopped = False

    def at(self, t: float, fn: Callable[..., None], *args: Any) -> None:
        heapq.heappush(self._heap, (t, self._n, fn, args))
        self._n += 1

    def run(self) -> None:
        while self._heap and not self.stopped:
            t, _, fn, args = heapq.heappop(self._heap)
            self.now = t
            fn(*args)


class _Link:
    """One direction: departs at max(t, free), busy for 8 b / bandwidth, arrives a one-way
    delay after the last bit left."""

    def __init__(self, agenda: _Agenda, cfg: LinkConfig) -> None:
        self.agenda = agenda
        self.delay = cfg.delay_s
        self.bw = cfg.bandwidth_bps
        self.free = 0.0
        self.log: list[tuple[float, float, int]] = []  # (departs, arrives, bytes)

    def send(self, t: float, nbytes: int, deliver: Callable[..., None], *args: Any) -> None:
        start = max(t, self.free)
        self.free = start + nbytes * 8 / self.bw
        self.log.append((start, self.free + self.delay, nbytes))
        self.agenda.at(self.free + self.delay, deliver, *args)


@dataclass(slots=True)
class _Seg:
    seq: int
    end: int
    ack: int
    syn: bool = False  # SYN or SYN-ACK (60 B on the wire, plus options and data)


class _Tcp:
    """One endpoint: sender (cwnd, Nagle, rwnd) and receiver (delayed ACK) of RFC 5681/1122 as
    Linux does them; see the module docstring. ``open``: the endpoint may send data (the
    client once the SYN-ACK arrived; the server from the SYN on)."""

    def __init__(self, agenda: _Agenda, cfg: TcpConfig, nagle: bool, link: _Link,
                 peer_rwnd: int) -> None:
        self.agenda = agenda
        self.cfg = cfg
        self.mss = cfg.mss
        self.nagle = nagle
        self.link = link
        self.peer: _Tcp
        self.peer_rwnd = peer_rwnd
        self.app: Callable[[float, list[_Rec]], None] = lambda t, r: None
        self.on_handshake: Callable[[float, _Seg], bool] = lambda t, s: False
        self.open = False
        # sender
        self.written = 0
        self.snd_nxt = 0
        self.snd_una = 0
        self.snd_sml = 0  # end of the last sub-MSS segment sent (Minshall)
        self.inflight: deque[tuple[int, float]] = deque()  # (end, sent at)
        self.cwnd = cfg.iw
        self.cwnd_limited = False
        self.max_packets_out = 0
        self.cwnd_usage_seq = 0
        self.max_ack_wait = 0.0
        self.fin_pending = False
        # RTO estimate (RFC 6298 §2 with Linux's floor) and the last data sent, for slow start
        # after idle (RFC 5681 §4.1)
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.rto = cfg.rto_initial_s
        self.lsndtime: float | None = None
        # receiver
        self.rcv_nxt = 0
        self.acked_to = 0  # the last ACK sent
        self.delack_gen = 0
        self.delack_running = False
        self.incoming: deque[tuple[int, _Rec]] = deque()

    # ---- application side
    def write(self, t: float, parts: list[_Part], max_record: int) -> None:
        """One write(): the records' bytes join the stream; the peer will deliver each record
        when its last byte arrives."""
        self._restart_after_idle(t)
        for part in parts:
            nbytes, ends = _frame(part, max_record)
            for end, rec in ends:
                self.peer.incoming.append((self.written + end, rec))
            self.written += nbytes
        self.try_send(t)

    # ---- sender
    def _restart_after_idle(self, t: float) -> None:
        """RFC 5681 §4.1 as Linux does it (``tcp_slow_start_after_idle_check`` when a write
        queues new data, ``tcp_cwnd_restart``): nothing in flight and no data sent for longer
        than the RTO: halve cwnd once per RTO elapsed, down to ``min(IW, cwnd)``."""
        if self.lsndtime is None or self.inflight or self.snd_nxt < self.written:
            return
        delta = t - self.lsndtime
        if delta <= self.rto:
            return
        restart = min(self.cfg.iw, self.cwnd)
        cwnd = self.cwnd
        while True:
            delta -= self.rto
            if delta <= 0 or cwnd <= restart:
                break
            cwnd //= 2
        self.cwnd = max(cwnd, restart)

    def handshake_done(self, t: float, sent: float, retransmitted: bool) -> None:
        """The handshake's RTT sample (Linux: the client's SYN acknowledged by the SYN-ACK,
        the server's SYN-ACK by the ACK), none after a retransmitted SYN or SYN-ACK (Karn):
        the RTO is then 3 s (RFC 6298 §5.7, Linux ``TCP_TIMEOUT_FALLBACK``)."""
        if retransmitted:
            self.rto = RTO_FALLBACK_S
        else:
            self._rtt_sample(t - sent)

    def _rtt_sample(self, r: float) -> None:
        """RFC 6298 §2.2-2.3, ``RTO = SRTT + max(4 RTTVAR, rto_min)`` (Linux's floor)."""
        if self.srtt is None:
            self.srtt, self.rttvar = r, r / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - r)
            self.srtt = 0.875 * self.srtt + 0.125 * r
        self.rto = min(self.cfg.rto_max_s, self.srtt + max(4 * self.rttvar, self.cfg.rto_min_s))

    def _is_cwnd_limited(self) -> bool:
        return self.cwnd_limited or self.cwnd < 2 * self.max_packets_out

    def try_send(self, t: float) -> int:
        """Send what cwnd, rwnd and Nagle allow; the number of segments sent."""
        if not self.open:
            return 0
        sent = 0
        blocked = False
        while self.snd_nxt < self.written:
            if len(self.inflight) >= self.cwnd:
                blocked = True
                break
            n = min(self.mss, self.written - self.snd_nxt)
            if self.snd_nxt + n - self.snd_una > self.peer_rwnd:
                break
            if self.nagle and n < self.mss and self.snd_sml > self.snd_una:
                break
            self._emit(t, n)
            sent += 1
        # Linux tcp_cwnd_validate: remember how the current window is used
        if (sent or blocked) and (
            self.snd_una >= self.cwnd_usage_seq or blocked
            or (not self.cwnd_limited and len(self.inflight) > self.max_packets_out)
        ):
            self.cwnd_limited = blocked
            self.max_packets_out = len(self.inflight)
            self.cwnd_usage_seq = self.snd_nxt
        if self.fin_pending and self.snd_nxt == self.written:
            self.fin_pending = False
            seg = _Seg(self.snd_nxt, self.snd_nxt, self.rcv_nxt)
            self._ack_sent()
            self.link.send(t, self.cfg.header_bytes, self.peer.receive, seg)
        return sent

    def close(self, t: float) -> None:
        """RFC 793 CLOSE: a FIN segment (no payload) follows the last data byte."""
        self.fin_pending = True
        self.try_send(t)

    def _emit(self, t: float, n: int) -> None:
        seq = self.snd_nxt
        self.snd_nxt += n
        if n < self.mss:
            self.snd_sml = self.snd_nxt
        self.inflight.append((self.snd_nxt, t))
        self.lsndtime = t
        seg = _Seg(seq, self.snd_nxt, self.rcv_nxt)
        self._ack_sent()
        self.link.send(t, n + self.cfg.header_bytes, self.peer.receive, seg)

    def emit_syn(self, t: float, nbytes: int, data: int) -> None:
        """A SYN or SYN-ACK of ``nbytes`` on the wire (options included) carrying the first
        ``data`` bytes of the stream; they are acknowledged with the handshake, not timed by
        the retransmission timer (a lost SYN is the SYN timer's business)."""
        seq = self.snd_nxt
        self.snd_nxt += data
        seg = _Seg(seq, self.snd_nxt, self.rcv_nxt, syn=True)
        self._ack_sent()
        self.link.send(t, nbytes + data, self.peer.receive, seg)

    def _on_ack(self, t: float, ack: int) -> None:
        if ack <= self.snd_una:
            return
        k = 0
        first = None
        while self.inflight and self.inflight[0][0] <= ack:
            _end, sent = self.inflight.popleft()
            self.max_ack_wait = max(self.max_ack_wait, t - sent)
            first = sent if first is None else first
            k += 1
        if first is not None:  # the oldest segment it acknowledges (Linux seq_rtt)
            self._rtt_sample(t - first)
        self.snd_una = ack
        if self._is_cwnd_limited():
            self.cwnd += k

    # ---- receiver
    def _ack_sent(self) -> None:
        self.acked_to = self.rcv_nxt
        self.delack_running = False
        self.delack_gen += 1

    def pure_ack(self, t: float) -> None:
        seg = _Seg(self.snd_nxt, self.snd_nxt, self.rcv_nxt)
        self._ack_sent()
        self.link.send(t, self.cfg.header_bytes, self.peer.receive, seg)

    def _delack_fire(self, gen: int) -> None:
        if gen == self.delack_gen and self.delack_running:
            self.delack_running = False
            if self.rcv_nxt > self.acked_to:
                self.pure_ack(self.agenda.now)

    def take(self, end: int) -> None:
        """In-order data up to ``end`` has arrived (with a SYN or SYN-ACK: acknowledged by the
        handshake itself)."""
        self.rcv_nxt = max(self.rcv_nxt, end)

    def deliver(self, t: float) -> None:
        """Hand the records completed so far to the application, all at once and in order."""
        done: list[_Rec] = []
        while self.incoming and self.incoming[0][0] <= self.rcv_nxt:
            done.append(self.incoming.popleft()[1])
        if done:
            self.app(t, done)

    def receive(self, seg: _Seg) -> None:
        t = self.agenda.now
        if self.on_handshake(t, seg):
            return
        self._on_ack(t, seg.ack)
        if _TRANSMIT_BEFORE_DATA:
            self.try_send(t)
        data = seg.end > seg.seq
        if data:
            self.rcv_nxt = seg.end
        self.try_send(t)
        if data and self.rcv_nxt > self.acked_to:
            if self.rcv_nxt - self.acked_to > self.mss:
                self.pure_ack(t)
            elif not self.delack_running:
                self.delack_running = True
                self.agenda.at(t + self.cfg.delack_s, self._delack_fire, self.delack_gen)
        self.deliver(t)


# ------------------------------------------------------------------ the client's script
@dataclass(slots=True)
class _Step:
    """A client step: after ``delay``, write ``writes`` (each one write()), then wait until
    ``expect`` more records have been delivered. ``marks`` name the times the n-th of those
    records is delivered; ``on_write`` the names marked when the step writes."""

    writes: list[list[_Part]]
    expect: int
    delay: float = 0.0
    marks: dict[int, tuple[str, ...]] = field(default_factory=dict)
    on_write: tuple[str, ...] = ()
    gate: bool = False  # written only once the BURL URL is known (GENURLAUTH answered)
    #: with ``gate``: what is written at once when the URL is not known yet (the TLS
    #: library's Finished, which waits for no application data) and the writes that follow
    #: when it comes (the group, each its own write, so Nagle may hold it)
    split: tuple[list[list[_Part]], list[list[_Part]]] | None = None
    #: with ``gate``: the steps taken instead when the URL is not known at the write (0-RTT
    #: data cannot carry the group: the full handshake, the group with the Finished if the
    #: URL has come by then)
    fallback: list[_Step] | None = None
    noop: bool = False  # a keep-alive NOOP put in while a step waits for the URL


def _shift(marks: dict[int, tuple[str, ...]], by: int) -> dict[int, tuple[str, ...]]:
    return {i + by: names for i, names in marks.items()}


def _merge(*dicts: dict[int, tuple[str, ...]]) -> dict[int, tuple[str, ...]]:
    out: dict[int, tuple[str, ...]] = {}
    for d in dicts:
        for i, names in d.items():
            out[i] = out.get(i, ()) + names
    return out


@dataclass(slots=True)
class _Group:
    """Commands written together, the replies they draw, the marks among those replies and
    the names marked when they are written."""

    recs: list[_Rec]
    expect: int
    marks: dict[int, tuple[str, ...]] = field(default_factory=dict)
    on_write: tuple[str, ...] = ()


class _Script:
    """The client's steps and what the server does with each record (RFC 5321, 2920, 3030,
    3207, 4954, 8314; the drafts; see the module docstring), for one ``Case``."""

    def __init__(self, case: Case, st: _Start, fetch_s: float = 0.0) -> None:
        self.case = case
        self.fetch_s = fetch_s  # BURL: the server's URLFETCH over its data-centre path
        self.f = case.client.features
        self.tm = case.server.timing
        self.tls = case.server.tls
        self.st = st
        self.per_cmd = self.f.writes == "per-command"
        self.steps: list[_Step] = []
        self.oh: int | None = None  # TLS record overhead of application writes once TLS is up
        self.auth_in_group = _auth_in_group(self.f)
        self.quit_in_group = self.f.quit == "pipelined" and not self.f.reuse
        self.quit_sent = False
        self.ehlo_text = f"{'EHLO' if self.f.ehlo else 'HELO'} {text.CLIENT_DOMAIN}"
        self.plain = f"AUTH PLAIN {text.auth_plain_ir()}"
        n, label = _greeting(self.f, st.version)
        self.greeting = _Rec(n, label)

    # ---- building blocks
    def cmd(self, text: str | int, proc: float, *replies: msg.Reply | _Reply,
            **kw: Any) -> _Rec:
        n = text if isinstance(text, int) else _line(text)
        reps = tuple(r if isinstance(r, tuple) else _r(r) for r in replies)
        return _Rec(n, str(text), proc, reps, reply_overhead=self.oh, **kw)

    def parts(self, recs: list[_Rec]) -> list[list[_Part]]:
        """One write for everything sent together, or one per record (per-command)."""
        if self.per_cmd:
            return [[_Part([r], self.oh)] for r in recs]
        return [[_Part(recs, self.oh)]]

    def step(self, writes: list[list[_Part]], expect: int, *, delay: float = 0.0,
             marks: dict[int, tuple[str, ...]] | None = None,
             on_write: tuple[str, ...] = ()) -> None:
        gate = self.f.burl and "mail" in on_write  # the MAIL group needs the URL
        self.steps.append(_Step(writes, expect, delay, marks or {}, on_write, gate))

    def send(self, g: _Group) -> None:
        self.step(self.parts(g.recs), g.expect, marks=g.marks, on_write=g.on_write)

    def exchange(self, rec: _Rec, mark: str = "") -> None:
        self.step([[_Part([rec], self.oh)]], 1, marks={1: (mark,)} if mark else None)

    def group(self, head: list[_Rec], refused: msg.Reply | _Reply | None = None, *,
              speculative: bool = False) -> _Group:
        """``head`` (EHLO <token>, QHLO, or nothing) + AUTH PLAIN (in the group) + MAIL +
        RCPT x R + DATA, or BDAT <n> LAST + the chunk (+ a pipelined QUIT, unless the group
        is ``speculative``: it rides on a cached token or qhlo-id the server may refuse, and
        the server never refuses QUIT, RFC 5321 §4.1.1.10). ``refused``: the server answers
        the head with it (spending ``ehlo``) and every other command with 503 at no cost; a
        refused BDAT is answered, like an accepted one, once its chunk has been read (and
        dropped; RFC 3030 §2: a reply to each chunk)."""
        f, tm, case = self.f, self.tm, self.case
        if refused is not None:
            head = [_Rec(r.nbytes, r.label, tm.ehlo, (refused if isinstance(refused, tuple)
                                                      else _r(refused),),
                         reply_overhead=self.oh) for r in head]

        def c(text: str | int, proc: float, reply: msg.Reply, **kw: Any) -> _Rec:
            if refused is not None:
                return self.cmd(text, 0.0, REPLY_REFUSED)
            return self.cmd(text, proc, reply, **kw)

        recs = list(head)
        if self.auth_in_group:
            recs.append(c(self.plain, tm.auth, REPLY_AUTH_OK))
        size = case.workload.size
        recs.append(c(msg.mail_from(size, f.ehlo).text, tm.mail, REPLY_MAIL))
        recs += [c(msg.rcpt_to(i).text, tm.rcpt, REPLY_RCPT)
                 for i in range(case.workload.recipients)]
        marks: dict[int, tuple[str, ...]] = {}
        if f.burl or f.chunking:
            if f.burl:  # RFC 4468 §3.2: answered once the server has fetched the message
                recs.append(c(f"BURL {BURL_URL} LAST", self.fetch_s + tm.end_of_data,
                              REPLY_QUEUED))
            elif refused is not None:  # answered once its chunk is read, like an accepted one
                recs += [self.cmd(f"BDAT {size} LAST", 0.0, hold=True),
                         self.cmd(size, 0.0, REPLY_REFUSED)]
            else:
                recs += [self.cmd(f"BDAT {size} LAST", 0.0, hold=True),
                         self.cmd(size, tm.end_of_data, _reply_bdat(size))]
            expect = sum(len(r.replies) for r in recs)
            if refused is None:
                marks[expect] = ("accept",)
            if self.quit_in_group and not speculative:
                recs.append(c("QUIT", tm.quit, REPLY_QUIT, closes=True))
                expect += 1
                marks[expect] = ("close",)
                self.quit_sent = True
        else:
            recs.append(c("DATA", tm.data, REPLY_DATA))
            expect = sum(len(r.replies) for r in recs)
        return _Group(recs, expect, marks, ("mail",))

    def tls_list(self, code: int = 250, first: str = text.SERVER_DOMAIN) -> _Reply:
        """The capability list in the TLS security context (STARTTLS no longer offered)."""
        return _list_reply(code, first, False, self.f, "tls", self.st.version)

    def plain_list(self) -> _Reply:
        return _list_reply(250, text.SERVER_DOMAIN, True, self.f, "plain", self.st.version)

    # ---- TLS
    def handshake(self, *, prefix: tuple[_Rec, ...] = (), before: int = 0,
                  before_marks: dict[int, tuple[str, ...]] | None = None,
                  ride: Callable[[], _Group] | None = None,
                  after_fin: _Reply | None = None, after_fin_mark: str = "",
                  half_rtt_banner: bool = False, zero_rtt: bool = True) -> None:
        """ClientHello (after ``prefix`` in the same write; ``before`` records, such as the
        greeting, arrive ahead of the server's flight), the server's flight (with the banner
        as 0.5-RTT data when ``half_rtt_banner``), the client's Finished with what can ride
        with it (``ride``, built once TLS is up: TLS 1.3 and the abbreviated TLS 1.2
        handshake; after the server Finished with a full TLS 1.2 handshake), and
        ``after_fin``, a record the server writes on its own when it reads that Finished
        (the implicit-TLS banner, QUICKSTART basic's re-greeting). ``zero_rtt``: whether
        a resumed TLS 1.3 handshake may carry ``ride`` as 0-RTT data (``early_data``).

        With BURL the group needs GENURLAUTH's URL. If it has not come when the Finished is
        due, the TLS library writes the Finished alone and the group follows when the URL
        comes, as another write; 0-RTT data is only sent when the URL is known at the
        ClientHello (the simulator's client decides there)."""
        f, tls, st = self.f, self.tls, self.st
        v13 = f.tls == "1.3"
        oh = tls.record_overhead_13 if v13 else tls.record_overhead_12
        if st.ticket:  # RFC 5077 §3.2 / RFC 8446 §4.2.11: the ticket in the ClientHello
            hello_n, cpu = tls.client_hello + tls.hello_ticket_bytes, tls.resumed_cpu_s
            flight = tls.server_resumed_13 if v13 else tls.server_resumed_12
        else:
            hello_n, cpu = tls.client_hello, tls.server_cpu_s
            flight = tls.server_flight
        client_cpu = tls.resumed_cpu_s if st.ticket else tls.client_cpu_s
        if zero_rtt and f.early_data and st.ticket and v13 and ride is not None:
            start = len(self.steps)
            self.handshake(prefix=prefix, before=before, before_marks=before_marks,
                           ride=ride, after_fin=after_fin, after_fin_mark=after_fin_mark,
                           half_rtt_banner=half_rtt_banner, zero_rtt=False)
            full = self.steps[start:]
            del self.steps[start:]
            self._early_data(prefix, hello_n, cpu, flight, client_cpu, before,
                             before_marks or {}, ride, after_fin, after_fin_mark,
                             half_rtt_banner)
            if self.steps[-1].gate:  # no URL at the ClientHello: no 0-RTT data
                self.steps[-1].fallback = full
            return
        fl: tuple[_Part, ...] = (_Part([_Rec(flight, "server flight")]),)
        marks = dict(before_marks or {})
        expect = before + 1
        if half_rtt_banner:  # RFC 8446 §2: 0.5-RTT data right behind the server's flight
            fl += (_Part([_Rec(self.greeting.nbytes, "banner")], oh),)
            expect += 1
            marks = _merge(marks, {expect: ("greeting",)})
        hello = _Rec(hello_n, "ClientHello", cpu, writes=(fl,))
        self.step([[_Part([*prefix, hello])]], expect, marks=marks)
        self.oh = oh
        after: tuple[tuple[_Part, ...], ...] = ()
        n_after = 0
        if after_fin is not None:
            after = ((_Part([_Rec(after_fin[0], after_fin[1])], oh),),)
            n_after = 1
        if f.tls == "1.2" and not st.ticket:  # RFC 5246 §7.3: 2 RTT, nothing rides
            fin = _Rec(45, "Finished", writes=((_Part([_Rec(tls.server_finished_12, "tls")]),),)
                       + after)
            if self.per_cmd:  # ClientKeyExchange, ChangeCipherSpec, Finished: three writes
                cke = tls.client_finished_12 - 6 - 45
                writes = [[_Part([_Rec(cke, "ClientKeyExchange")])],
                          [_Part([_Rec(6, "ChangeCipherSpec")])], [_Part([fin])]]
            else:
                fin.nbytes = tls.client_finished_12
                writes = [[_Part([fin])]]
            fin_marks = {1: ("tls",)}
            if after_fin_mark:
                fin_marks = _merge(fin_marks, {2: (after_fin_mark,)})
            self.step(writes, 1 + n_after, delay=client_cpu, marks=fin_marks)
            if ride is not None:
                self.send(ride())
            return
        # TLS 1.3 (RFC 8446 §2: NewSessionTickets when the Finished is read) or the TLS 1.2
        # abbreviated handshake (RFC 5246 §7.3 Fig. 2: the server's Finished came first)
        if v13:
            fin = _Rec(tls.client_finished_13, "Finished",
                       writes=((_Part([_Rec(tls.tickets_13 * tls.ticket_bytes, "tls")]),),)
                       + after)
            n_first = 1 + n_after
        else:
            fin = _Rec(tls.client_resumed_12, "Finished", writes=after)
            n_first = n_after
        fin_marks = {n_first: (after_fin_mark,)} if after_fin_mark else {}
        g = ride() if ride is not None else _Group([], 0)
        group_writes = self.parts(g.recs) if g.recs else []
        if self.per_cmd or not g.recs:
            writes = [[_Part([fin])], *group_writes]
        else:
            writes = [[_Part([fin]), _Part(g.recs, oh)]]
        self.step(writes, n_first + g.expect, delay=client_cpu,
                  marks=_merge(fin_marks, _shift(g.marks, n_first)),
                  on_write=("tls",) + g.on_write)
        if self.steps[-1].gate:  # the Finished goes alone if the URL has not come
            self.steps[-1].split = ([[_Part([fin])]], group_writes)

    def _early_data(self, prefix: tuple[_Rec, ...], hello_n: int, cpu: float, flight: int,
                    client_cpu: float, before: int, before_marks: dict[int, tuple[str, ...]],
                    ride: Callable[[], _Group], after_fin: _Reply | None,
                    after_fin_mark: str, half_rtt_banner: bool) -> None:
        """TLS 1.3 0-RTT (RFC 8446 §2.3), with a ticket: what would ride with the Finished
        rides with the ClientHello instead, as early data in the same write; the server answers
        it right behind its flight, after its banner (implicit TLS: the banner leaves behind
        the flight, as 0.5-RTT data). The client's TLS layer writes its Finished, alone,
        ``client_cpu`` after the flight; the NewSessionTickets that answer it are waited for
        by nobody."""
        tls = self.tls
        oh = tls.record_overhead_13
        self.oh = oh
        g = ride()
        tickets = _Rec(tls.tickets_13 * tls.ticket_bytes, "tickets", wait=False)
        fin = _Rec(tls.client_finished_13, "Finished", writes=((_Part([tickets]),),))
        fl: tuple[_Part, ...] = (_Part([_Rec(flight, "server flight",
                                             react=(client_cpu, [_Part([fin])]))]),)
        writes: tuple[tuple[_Part, ...], ...] = ()
        marks = dict(before_marks)
        expect = before + 1
        banner = _Part([_Rec(self.greeting.nbytes, "banner")], oh)
        if half_rtt_banner:  # in the flight's write
            fl += (banner,)
            expect += 1
            marks = _merge(marks, {expect: ("greeting",)})
        elif after_fin is not None:  # the banner must precede the answers: its own write
            writes = ((_Part([_Rec(after_fin[0], after_fin[1])], oh),),)
            expect += 1
            if after_fin_mark:
                marks = _merge(marks, {expect: (after_fin_mark,)})
        hello = _Rec(hello_n, "ClientHello", cpu, writes=(fl, *writes))
        self.step([[_Part([*prefix, hello]), _Part(g.recs, oh)]], expect + g.expect,
                  marks=_merge(marks, _shift(g.marks, expect)), on_write=g.on_write)

    # ---- the flows
    def build(self) -> list[_Step]:
        f, st = self.f, self.st
        if f.implicit_tls:
            self._implicit()
        elif f.quickstart is not None:
            self._quickstart()
        elif f.early_pipelining and st.cached:
            self._early_pipe()
        else:
            self._standard()
        return self.steps

    def _standard(self) -> None:
        """RFC 5321 with the extensions of RFC 2920, 3030, 3207, 4954; early pipelining with
        nothing cached (its EHLO replies carry the tokens)."""
        f, tm = self.f, self.tm
        self.step([], 1, marks={1: ("greeting",)})
        first = self.plain_list() if f.ehlo else _r(REPLY_HELO)
        self.exchange(self.cmd(self.ehlo_text, tm.ehlo, first))
        if f.tls is not None:
            self.exchange(self.cmd("STARTTLS", tm.starttls, REPLY_STARTTLS))
            self.handshake(ride=lambda: _Group([self.cmd(self.ehlo_text, tm.ehlo,
                                                         self.tls_list())], 1))
        self._auth_and_envelope()

    def _implicit(self) -> None:
        """RFC 8314 §3: TLS first, the banner when the handshake is done (or as 0.5-RTT data);
        early pipelining rides with the client Finished."""
        f, tm, st = self.f, self.tm, self.st
        half = f.banner_half_rtt
        banner = None if half else (self.greeting.nbytes, self.greeting.label)
        if f.early_pipelining and st.cached:
            def ride() -> _Group:
                refuse = self.tls_list(520, "Configuration token is stale") if st.stale else None
                ehlo = self.cmd(f"EHLO {text.CLIENT_DOMAIN} TOKEN={_token('tls', 1)}", tm.ehlo,
                                self.tls_list())
                return self.group([ehlo], refuse, speculative=True)

            self.handshake(ride=ride, after_fin=banner, after_fin_mark="greeting",
                           half_rtt_banner=half)
            if st.stale:
                self.send(self.group([self.cmd(
                    f"EHLO {text.CLIENT_DOMAIN} TOKEN={_token('tls', st.version)}", tm.ehlo,
                    self.tls_list())]))
            self._finish()
            return
        if half:
            self.handshake(ride=lambda: _Group([self.cmd(self.ehlo_text, tm.ehlo,
                                                         self.tls_list())], 1),
                           half_rtt_banner=True)
        else:
            self.handshake(after_fin=banner, after_fin_mark="greeting")
            self.exchange(self.cmd(self.ehlo_text, tm.ehlo, self.tls_list()))
        self._auth_and_envelope()

    def _quickstart(self) -> None:
        """draft-fanf-smtp-quickstart-01 (-a basic, -b full)."""
        f, tm, st = self.f, self.tm, self.st
        qtls = _Rec(_line("QTLS"), "QTLS")  # no reply: the ClientHello follows (§5)
        if f.tls is None:
            if st.cached:  # QHLO <id> + the group at connection start
                g = self.group([self.cmd(f"QHLO {text.CLIENT_DOMAIN} {_token('plain', 1)}",
                                         tm.ehlo, REPLY_QHLO)],
                               REPLY_STALE_QHLO if st.stale else None, speculative=True)
                self.step(self.parts(g.recs), 1 + g.expect,
                          marks=_merge({1: ("greeting",)}, _shift(g.marks, 1)),
                          on_write=g.on_write)
                if st.stale:  # the greeting named the current id
                    self.send(self.group([self.cmd(
                        f"QHLO {text.CLIENT_DOMAIN} {_token('plain', st.version)}", tm.ehlo,
                        REPLY_QHLO)]))
            else:
                self.step([], 1, marks={1: ("greeting",)})
                reply = REPLY_QHLO if f.quickstart == "basic" else self.plain_list()
                self.send(self.group([self.cmd(f"QHLO {text.CLIENT_DOMAIN}", tm.ehlo, reply)]))
            self._finish()
            return
        if st.cached:  # full profile: QTLS + ClientHello without waiting for the greeting
            def ride() -> _Group:
                refuse = (self.tls_list(520, "Please use the correct QHLO ID") if st.stale
                          else None)
                return self.group([self.cmd(f"QHLO {text.CLIENT_DOMAIN} {_token('tls', 1)}",
                                            tm.ehlo, REPLY_QHLO)], refuse, speculative=True)

            self.handshake(prefix=(qtls,), before=1, before_marks={1: ("greeting",)},
                           ride=ride)
            if st.stale:  # the 520 carried the current list and id
                self.send(self.group([self.cmd(
                    f"QHLO {text.CLIENT_DOMAIN} {_token('tls', st.version)}", tm.ehlo,
                    REPLY_QHLO)]))
        elif f.quickstart == "basic":
            self.step([], 1, marks={1: ("greeting",)})
            self.handshake(prefix=(qtls,), after_fin=self.tls_list(220, GREETING_TEXT))
            self.send(self.group([self.cmd(f"QHLO {text.CLIENT_DOMAIN}", tm.ehlo, REPLY_QHLO)]))
        else:  # full profile, nothing cached: QHLO alone after TLS, for the list and its id
            self.step([], 1, marks={1: ("greeting",)})
            self.handshake(prefix=(qtls,), ride=lambda: _Group([self.cmd(
                f"QHLO {text.CLIENT_DOMAIN}", tm.ehlo, self.tls_list())], 1))
            self.send(self.group([]))
        self._finish()

    def _early_pipe(self) -> None:
        """draft-harris-early-pipe with a cached token (the Features docstring's device)."""
        f, tm, st = self.f, self.tm, self.st

        def ehlo_tok(context: str, version: int, reply: _Reply) -> _Rec:
            return self.cmd(f"EHLO {text.CLIENT_DOMAIN} TOKEN={_token(context, version)}",
                            tm.ehlo, reply)

        if f.tls is None:
            g = self.group([ehlo_tok("plain", 1, self.plain_list())],
                           REPLY_STALE_TOKEN if st.stale else None, speculative=True)
            self.step(self.parts(g.recs), 1 + g.expect,
                      marks=_merge({1: ("greeting",)}, _shift(g.marks, 1)), on_write=g.on_write)
            if st.stale:  # the greeting named the current token
                self.send(self.group([ehlo_tok("plain", st.version, self.plain_list())]))
            self._finish()
            return
        if st.stale:
            recs = [ehlo_tok("plain", 1, _r(REPLY_STALE_TOKEN)),
                    self.cmd("STARTTLS", 0.0, REPLY_REFUSED)]
            self.step(self.parts(recs), 3, marks={1: ("greeting",)})
            recs = [ehlo_tok("plain", st.version, self.plain_list()),
                    self.cmd("STARTTLS", tm.starttls, REPLY_STARTTLS)]
            self.step(self.parts(recs), 2)
            # the refusal flushed the cache: no TLS-context token, EHLO waited for
            self.handshake(ride=lambda: _Group([self.cmd(self.ehlo_text, tm.ehlo,
                                                         self.tls_list())], 1))
            self.send(self.group([]))
        else:
            recs = [ehlo_tok("plain", 1, self.plain_list()),
                    self.cmd("STARTTLS", tm.starttls, REPLY_STARTTLS)]
            self.step(self.parts(recs), 3, marks={1: ("greeting",)})
            self.handshake(ride=lambda: self.group([ehlo_tok("tls", 1, self.tls_list())],
                                                   speculative=True))
        self._finish()

    def _auth_and_envelope(self) -> None:
        """AUTH waited for (RFC 4954 §4), then the envelope: one group (RFC 2920) or lock-step
        (RFC 5321 §4.1), then the content and QUIT."""
        f, tm, case = self.f, self.tm, self.case
        if f.auth is not None and not self.auth_in_group:
            if f.auth == "plain":
                self.exchange(self.cmd(self.plain, tm.auth, REPLY_AUTH_OK), mark="auth")
            elif f.auth == "login":
                self.exchange(self.cmd("AUTH LOGIN", 0.0, REPLY_LOGIN_USER))
                self.exchange(self.cmd(_b64(text.SENDER), 0.0, REPLY_LOGIN_PASS))
                self.exchange(self.cmd(_b64(text.PASSWORD), tm.auth, REPLY_AUTH_OK), mark="auth")
            else:
                self.exchange(self.cmd(SCRAM_CLIENT_FIRST, 0.0,
                                       msg.Reply(334, [SCRAM_SERVER_FIRST])))
                self.exchange(self.cmd(SCRAM_CLIENT_FINAL, tm.auth,
                                       msg.Reply(334, [SCRAM_SERVER_FINAL])))
                self.exchange(self.cmd("", 0.0, REPLY_AUTH_OK), mark="auth")
        if f.pipelining:  # one group, DATA or the BDAT chunk last (RFC 2920 §3.1)
            self.send(self.group([]))
        else:  # lock-step: every command waits for its reply
            mail = self.cmd(msg.mail_from(case.workload.size, f.ehlo).text, tm.mail, REPLY_MAIL)
            self.step([[_Part([mail], self.oh)]], 1, on_write=("mail",))
            for i in range(case.workload.recipients):
                self.exchange(self.cmd(msg.rcpt_to(i).text, tm.rcpt, REPLY_RCPT))
            if f.burl:  # BURL <url> LAST (RFC 4468 §3.2), lock-step too
                self.exchange(self.cmd(f"BURL {BURL_URL} LAST", self.fetch_s + tm.end_of_data,
                                       REPLY_QUEUED), mark="accept")
            elif f.chunking:  # BDAT <n> LAST and its chunk, answered once (RFC 3030 §2)
                size = case.workload.size
                last = [self.cmd(f"BDAT {size} LAST", 0.0, hold=True),
                        self.cmd(size, tm.end_of_data, _reply_bdat(size))]
                marks: dict[int, tuple[str, ...]] = {1: ("accept",)}
                if self.quit_in_group:
                    last.append(self.cmd("QUIT", tm.quit, REPLY_QUIT, closes=True))
                    marks[2] = ("close",)
                    self.quit_sent = True
                self.step(self.parts(last), len(marks), marks=marks)
            else:
                self.exchange(self.cmd("DATA", tm.data, REPLY_DATA))
        self._finish()

    def _finish(self) -> None:
        """The content after the 354 (none with BDAT) and QUIT (RFC 5321 §4.1.1.10; in the
        content's write when pipelined, RFC 2920 §3.1; none with "drop" or ``reuse``)."""
        f, tm, case = self.f, self.tm, self.case
        quit = self.cmd("QUIT", tm.quit, REPLY_QUIT, closes=True)
        if not (f.chunking or f.burl):
            if self.per_cmd:
                content = [self.cmd(case.workload.size, 0.0),
                           self.cmd(3, tm.end_of_data, REPLY_QUEUED)]
            else:
                content = [self.cmd(case.workload.size + 3, tm.end_of_data, REPLY_QUEUED)]
            marks: dict[int, tuple[str, ...]] = {1: ("accept",)}
            if self.quit_in_group:
                content.append(quit)
                marks[2] = ("close",)
                self.quit_sent = True
            self.step(self.parts(content), len(marks), marks=marks)
        if (f.quit in ("wait", "async") or self.quit_in_group) and not self.quit_sent \
                and not f.reuse:  # (a pipelined QUIT kept out of a speculative group)
            self.exchange(quit, mark="close")


# ------------------------------------------------------------------ the domain
_MODELLED = {
    "network": ("path", "profile"),
    "client": ("features", "variant", "state", "tcp", "capability_max_age_s", "idle_s"),
    "server": ("name", "timing", "tls", "tcp", "nagle", "idle_s", "dc_path", "burl_pooled",
               "config_changed"),
    "workload": ("size", "recipients", "gap_s"),
    "scripted_loss": (),
}
"""The ``Case`` fields the oracle reads, per part (``dc_path`` and ``burl_pooled`` for BURL's
fetch; the idle limits only matter for a next message, outside the domain); every other field
must keep its default (one message, one client, one front-end, no radio, no losses)."""


def _check_domain(case: Case) -> None:
    for name, link in (("up", case.network.path.up), ("down", case.network.path.down)):
        if link.loss > 0 or link.burst is not None:
            raise ValueError(f"closed form: the {name}link loses packets (lossless paths only)")
        if link.jitter_s > 0:
            raise ValueError(f"closed form: the {name}link has jitter (jitter-free paths only)")
        if link.delay_s < 0 or link.bandwidth_bps <= 0:
            raise ValueError(f"closed form: the {name}link needs delay >= 0 and bandwidth > 0")
    if case.scripted_loss.up or case.scripted_loss.down or case.network.syn_data_drop > 0:
        raise ValueError("closed form: forced drops are losses (lossless paths only)")
    if case.workload.messages != 1 or case.server.farm != FarmConfig():
        raise ValueError("closed form: one message on one connection to one front-end only")
    for part, modelled in _MODELLED.items():
        value = getattr(case, part)
        for fld in dataclasses.fields(value):
            if fld.name in modelled:
                continue
            if fld.default is not dataclasses.MISSING:
                default = fld.default
            elif fld.default_factory is not dataclasses.MISSING:
                default = fld.default_factory()
            else:  # pragma: no cover - a new required field
                raise ValueError(f"closed form: Case.{part}.{fld.name} is not modelled")
            if getattr(value, fld.name) != default:
                raise ValueError(f"closed form: Case.{part}.{fld.name} is not modelled (only its"
                                 f" default, {default!r})")
    for fld in dataclasses.fields(case.server.timing):
        value = getattr(case.server.timing, fld.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"closed form: ServerTiming.{fld.name} is drawn at random"
                             " (constant processing times only)")
    if case.client.state not in ("cold", "warm"):
        raise ValueError(f"closed form: unknown client state {case.client.state!r}")
    f = case.client.features
    if f.burl and (f.save is None or f.auth is None):
        raise ValueError("closed form: BURL saves the message first and needs AUTH (RFC 4468"
                         " §3.1, §5)")
    if f.burl:
        for name, link in (("up", case.server.dc_path.up), ("down", case.server.dc_path.down)):
            if link.loss > 0 or link.burst is not None or link.jitter_s > 0:
                raise ValueError(f"closed form: the data-centre {name}link loses packets or"
                                 " has jitter")
            if link.delay_s < 0 or link.bandwidth_bps <= 0:
                raise ValueError(f"closed form: the data-centre {name}link needs delay >= 0"
                                 " and bandwidth > 0")
    if f.auth_pipelined and f.pipelining and f.auth != "plain":
        raise ValueError("closed form: only AUTH PLAIN with an initial response can be"
                         " pipelined (RFC 4954 §4)")
    if not f.ehlo and (f.pipelining or f.chunking or f.tls or f.auth):
        raise ValueError("closed form: HELO negotiates no extension (RFC 5321 §4.1.1.1)")
    if f.quit == "pipelined" and not f.pipelining:
        raise ValueError("closed form: QUIT can end a group only with PIPELINING (RFC 2920 §3.1)")
    if f.implicit_tls and f.tls is None:
        raise ValueError("closed form: implicit TLS needs a TLS version (RFC 8314 §3)")
    if f.banner_half_rtt and not (f.implicit_tls and f.tls == "1.3"):
        raise ValueError("closed form: only an implicit TLS 1.3 banner can be 0.5-RTT data")
    if f.resumption and f.tls is None:
        raise ValueError("closed form: resumption needs TLS")
    if f.syn_data and f.fast_open not in ("tfo", "ttcp"):
        raise ValueError("closed form: only a SYN with a Fast Open cookie carries data")
    if getattr(f, "early_data", False) and not (f.tls == "1.3" and f.resumption):
        raise ValueError("closed form: 0-RTT data rides on a TLS 1.3 session ticket")
    if f.fast_open == "synack-banner" and f.implicit_tls:
        raise ValueError("closed form: no banner on the SYN-ACK with implicit TLS: the server's"
                         " first bytes answer the ClientHello (RFC 8314 §3)")
    if f.quickstart is not None or f.early_pipelining:
        if f.quickstart is not None and (f.early_pipelining or f.implicit_tls):
            raise ValueError("closed form: QUICKSTART starts TLS with QTLS and has its own"
                             " cached id (quickstart-01 §5, §8)")
        if f.auth not in (None, "plain") or not f.pipelining or f.writes != "coalesced":
            raise ValueError("closed form: QUICKSTART and early pipelining send one group with"
                             " AUTH PLAIN in one write, which needs PIPELINING")
    if case.workload.size < 1 or case.workload.recipients < 1:
        raise ValueError("closed form: size and recipients must be >= 1")


# ------------------------------------------------------------------ the session
class _Sequential:
    """A server that processes what it reads one record after another (RFC 2920 §3.2 for
    SMTP, RFC 3501 §5.5 for IMAP here): each record takes ``rec.proc`` seconds, then
    ``_answer`` handles it. Needs ``agenda``, ``queue`` and ``busy``."""

    agenda: _Agenda
    queue: deque[_Rec]
    busy: bool

    def _answer(self, t: float, rec: _Rec) -> None:
        raise NotImplementedError

    def _serve(self, t: float) -> None:
        while self.queue:
            rec = self.queue.popleft()
            if rec.proc > 0:
                self.busy = True
                self.agenda.at(t + rec.proc, self._served, rec)
                return
            self._answer(t, rec)
        self.busy = False

    def _served(self, rec: _Rec) -> None:
        t = self.agenda.now
        self._answer(t, rec)
        self.busy = False
        self._serve(t)


class _SynAckTimer:
    """The server's SYN-ACK timer (RFC 6298 §5.5 as Linux: 1 s, doubling, ``synack_retries``)
    for ``_Session`` and ``_Conn``: they keep ``agenda``, ``scfg``, ``server_state``,
    ``retransmits``, ``synack_retx`` and ``_send_synack``."""

    agenda: _Agenda
    scfg: TcpConfig
    server_state: str
    retransmits: int
    synack_retx: bool

    def _send_synack(self, t: float) -> None:
        raise NotImplementedError

    def _synack_timer(self, rto: float, n: int) -> None:
        if self.server_state != "syn_rcvd" or n >= self.scfg.synack_retries:
            return
        self.retransmits += 1
        self.synack_retx = True
        self._send_synack(self.agenda.now)
        self.agenda.at(self.agenda.now + 2 * rto, self._synack_timer, 2 * rto, n + 1)


class _Session(_Sequential, _SynAckTimer):
    def __init__(self, case: Case, alive: tuple[bool, bool, bool] = (True, True, True)) -> None:
        self.case = case
        f = case.client.features
        self.st = _start(f, case.client.state, case.server.config_changed, alive)
        self.agenda = _Agenda()
        ag = self.agenda
        self.up = _Link(ag, case.network.path.up)
        self.down = _Link(ag, case.network.path.down)
        ctcp, stcp = case.client.tcp, case.server.tcp
        self.client = _Tcp(ag, ctcp, f.nagle, self.up, stcp.rwnd_bytes)
        self.server = _Tcp(ag, stcp, case.server.nagle, self.down, ctcp.rwnd_bytes)
        self.client.peer, self.server.peer = self.server, self.client
        self.client.on_handshake = self._client_handshake
        self.server.on_handshake = self._server_handshake
        self.client.app = self._client_read
        self.server.app = self._server_read
        self.max_record = case.server.tls.max_record
        self.marks: dict[str, float] = {}
        self.retransmits = 0
        # handshake state (RFC 793 §3.4, RFC 7413)
        fo = f.fast_open in ("tfo", "ttcp")
        option = (FO_COOKIE_BYTES if self.st.cookie else FO_REQUEST_BYTES) if fo else 0
        self.syn_bytes = SYN_BYTES + option
        self.synack_bytes = SYN_BYTES + (FO_COOKIE_BYTES if fo and not self.st.cookie else 0)
        self.syn_data = 0
        self.syn_data_timeout = False
        self.syn_at = self.synack_at = 0.0  # when the first SYN / SYN-ACK left
        self.syn_retx = self.synack_retx = False  # whether one was sent again (Karn)
        self.scfg = case.server.tcp
        self.client_est = False
        self.server_state = "listen"
        # client script
        self.fetch_s = _fetch_time(case) if f.burl else 0.0
        script = _Script(case, self.st, self.fetch_s)
        self.steps = script.build()
        self.script = script
        self.greeting = None if f.implicit_tls else script.greeting
        self.step = 0
        self.got = 0
        self.started = False  # the first step was written
        # server application
        self.ready = False  # the banner is prepared (written, with implicit TLS: deferred)
        self.queue: deque[_Rec] = deque()
        self.busy = False
        self.buffer: list[_Rec] = []
        # the IMAP side (send-and-save, BURL): a second connection on the same access links
        self.smtp_done = False
        self.imap_done = f.save is None
        self.url: float | None = None  # when the BURL URL is known
        self.held: float | None = None  # since when the MAIL group waits for it
        self.split_done = False  # the held step's Finished is written (``_Step.split``)
        self.hold_gen = 0  # which hold a keep-alive timer belongs to
        self.held_got = 0  # what the held step had received when a NOOP was put in
        self.written_at = 0.0  # when the current SMTP step was written
        self.max_wait = 0.0  # the longest the SMTP client waited for a reply
        if f.save is not None:
            # the client's own stack; the IMAP server's is the provider's (``server_tcp``)
            self.imap_conn = _Conn(ag, self.up, self.down, ctcp, case.server.tcp, f.nagle,
                                   case.server.nagle)
            self.imap = _Dialog(ag, self.imap_conn.client, self.max_record,
                                _imap_save_steps(case), self._imap_mark)
            _Replier(ag, self.imap_conn.server, self.max_record)

    # ---- the IMAP side
    def start(self) -> None:
        """Both connections start at 0, or SMTP once the IMAP work is done (``save`` "first").
        At 0 the SMTP SYN is queued on the uplink first, unless TCP_FASTOPEN_CONNECT defers it
        to the first write (the simulator's order, read from its traces: a tie at one instant
        the RFCs do not order)."""
        f = self.case.client.features
        if f.save is None:
            self._start_smtp()
            return
        if f.save == "parallel" and not self.st.syn_connect:
            self._start_smtp()
        if f.imap_cold:
            self.imap_conn.on_connect = lambda t: self.imap.write()
            self.imap_conn.connect(self.agenda.now)
        else:  # the session is open, authenticated and selected
            self.imap_conn.established()
            self.imap.write()
        if f.save == "parallel" and self.st.syn_connect:
            self._start_smtp()

    def _imap_mark(self, name: str, t: float) -> None:
        f = self.case.client.features
        self.marks[name] = t
        if name == "url":
            self.url = t
            if self.held is not None:  # the MAIL group waited for it (not during a NOOP)
                self.held = None
                self._client_write()
        if name == ("url" if f.burl else "saved"):  # the IMAP work is done
            self.imap_done = True
            self.marks["save_phase"] = t
            if f.save == "first":
                self._start_smtp()
            elif self.smtp_done:
                self.agenda.stopped = True

    # ---- handshake (RFC 793 §3.4; timers RFC 6298 §5.5 as Linux: 1 s, doubling; RFC 7413)
    def _start_smtp(self) -> None:
        t = self.agenda.now
        self.marks["smtp_start"] = t
        if self.st.syn_connect:  # TCP_FASTOPEN_CONNECT: the first write joins the SYN
            self._client_write()
            self.syn_data = min(self.client.mss, self.client.written)
        self.client.emit_syn(t, self.syn_bytes, self.syn_data)
        self.syn_at = t
        rto = self.case.client.tcp.rto_initial_s
        self.agenda.at(t + rto, self._syn_timer, rto, 0)

    def _send_synack(self, t: float, nbytes: int = SYN_BYTES) -> None:
        self.down.send(t, nbytes, self.client.receive, _Seg(0, 0, self.server.rcv_nxt, syn=True))

    def _first_synack(self, t: float, data: int) -> None:
        self.server.emit_syn(t, self.synack_bytes, data)
        self.synack_at = t
        rto = self.case.server.tcp.rto_initial_s
        self.agenda.at(t + rto, self._synack_timer, rto, 0)

    def _syn_timer(self, rto: float, n: int) -> None:
        if self.client_est or n >= self.case.client.tcp.syn_retries:
            return
        self.retransmits += 1
        self.syn_retx = True
        self.syn_data_timeout |= self.syn_data > 0  # RFC 7413 §4.2.1: resent without data
        self.up.send(self.agenda.now, self.syn_bytes, self.server.receive,
                     _Seg(0, 0, 0, syn=True))
        self.agenda.at(self.agenda.now + 2 * rto, self._syn_timer, 2 * rto, n + 1)

    def _client_handshake(self, t: float, seg: _Seg) -> bool:
        if not seg.syn:
            return False
        c = self.client
        if self.client_est:  # a repeated SYN-ACK is answered with a pure ACK
            c.pure_ack(t)
            return True
        self.client_est = True
        self.marks["connect"] = t
        c.handshake_done(t, self.syn_at, self.syn_retx)
        c.open = True
        c.snd_una = max(c.snd_una, seg.ack)  # the SYN's data, acknowledged (RFC 7413 §4.2.2)
        c.take(seg.end)  # the SYN-ACK's data
        if not c.try_send(t):  # data queued at connect() carries the handshake ACK
            c.pure_ack(t)
        if not self.started:  # connect() returns: the first step
            self._client_write()
        c.deliver(t)
        return True

    def _server_handshake(self, t: float, seg: _Seg) -> bool:
        if seg.syn:
            if self.server_state == "listen":
                self.server_state = "syn_rcvd"
                s = self.server
                s.take(seg.end)  # data in a SYN with a valid cookie (RFC 7413 §4.2.2)
                s.acked_to = s.rcv_nxt
                if self.st.early:  # the socket exists at the SYN
                    self.agenda.at(t + self.case.server.timing.greeting, self._greet)
                if not self.st.synack_data:  # (else: with the first write, see _greet)
                    s.open = True
                    self._first_synack(t, 0)
                s.deliver(t)
            elif self.server_state == "syn_rcvd":  # a duplicate SYN: SYN-ACK at once
                self.retransmits += 1
                self.synack_retx = True  # Karn: the sample would be ambiguous
                self._send_synack(t)
            return True
        if self.server_state == "syn_rcvd":  # the handshake ACK (or any later segment)
            self.server_state = "established"
            self.server.handshake_done(t, self.synack_at, self.synack_retx)
            if not self.st.early:
                self.agenda.at(t + self.case.server.timing.greeting, self._greet)
        return False

    # ---- client application
    def _mark(self, name: str, t: float) -> None:
        if name == "mail" or name not in self.marks:  # the MAIL that is accepted is the last
            self.marks[name] = t

    def _client_read(self, t: float, recs: list[_Rec]) -> None:
        for rec in recs:
            if rec.react is not None:
                delay, parts = rec.react
                self.agenda.at(t + delay, self._react, parts)
            if not rec.wait:
                continue
            step = self.steps[self.step]
            self.got += 1
            self.max_wait = max(self.max_wait, t - self.written_at)
            for name in step.marks.get(self.got, ()):
                self._mark(name, t)
            if self.got < step.expect:
                continue
            self.got = 0
            self.step += 1
            if step.noop:  # back to the step that waits for the URL
                self.got = self.held_got
            if self.step == len(self.steps):
                self.smtp_done = True
                self.agenda.stopped = self.imap_done
                return
            nxt = self.steps[self.step]
            if nxt.delay > 0:
                self.agenda.at(t + nxt.delay, self._client_write)
            else:
                self._client_write()

    def _react(self, parts: list[_Part]) -> None:
        """The client's TLS layer writes on its own (its Finished after 0-RTT data)."""
        self._mark("tls", self.agenda.now)
        self.client.write(self.agenda.now, parts, self.max_record)

    def _client_write(self) -> None:
        self.started = True
        step = self.steps[self.step]
        t = self.agenda.now
        writes = step.writes
        if step.gate and self.url is None:  # BURL: the group needs the URL
            if step.fallback is not None:  # no 0-RTT data: the full handshake
                self.steps[self.step:self.step + 1] = step.fallback
                self._client_write()
                return
            if step.split is not None and not self.split_done:  # the Finished goes alone
                self.split_done = True
                self._mark("tls", t)
                for parts in step.split[0]:
                    self.client.write(t, parts, self.max_record)
            self.held = t
            self.hold_gen += 1
            self.agenda.at(t + NOOP_EVERY_S, self._keepalive, self.hold_gen)
            return
        if self.split_done:
            assert step.split is not None
            self.split_done = False
            writes = step.split[1]
        self.written_at = t
        for name in step.on_write:
            self._mark(name, t)
        for parts in writes:
            self.client.write(t, parts, self.max_record)

    def _keepalive(self, gen: int) -> None:
        """RFC 5321 §4.1.1.9, as the simulator's client does it: ``NOOP_EVERY_S`` after the
        group was due, or after the last NOOP's answer, without the URL, a NOOP goes alone
        and is waited for (its answer may come after the URL: the group then follows it)."""
        if gen != self.hold_gen or self.held is None:
            return
        t = self.agenda.now
        self.held = None
        self.held_got, self.got = self.got, 0
        oh = self.script.oh
        noop = _Rec(_line("NOOP"), "NOOP", 0.0, (_r(REPLY_NOOP),), reply_overhead=oh)
        self.steps.insert(self.step, _Step([[_Part([noop], oh)]], 1, noop=True))
        self.written_at = t
        self.client.write(t, [_Part([noop], oh)], self.max_record)

    # ---- server application (RFC 2920 §3.2)
    def _greet(self) -> None:
        """The banner is ready: written (the SYN-ACK carries it when held for it), then the
        commands that arrived meanwhile are read."""
        t = self.agenda.now
        self.ready = True
        s = self.server
        if self.greeting is not None:
            s.write(t, [_Part([self.greeting])], self.max_record)
        if self.st.synack_data:
            self._first_synack(t, min(s.mss, s.written))
            s.open = True
            s.try_send(t)
        self._serve(t)

    def _server_read(self, t: float, recs: list[_Rec]) -> None:
        self.queue.extend(recs)
        if self.ready and not self.busy:
            self._serve(t)


    def _answer(self, t: float, rec: _Rec) -> None:
        for parts in rec.writes:
            self.server.write(t, list(parts), self.max_record)
        self.buffer += [_Rec(n, lab, reply_overhead=rec.reply_overhead) for n, lab in rec.replies]
        if not rec.hold and not self.queue and self.buffer:
            overhead = self.buffer[0].reply_overhead
            self.server.write(t, [_Part(self.buffer, overhead)], self.max_record)
            self.buffer = []
        if rec.closes:
            self.server.close(t)


# ------------------------------------------------------------------ the IMAP side
class _Conn(_SynAckTimer):
    """A plain TCP connection (RFC 793 §3.4, no Fast Open) between two endpoints on a pair of
    links: the client's IMAP session (on the client's access links, beside its SMTP
    connection) or the submission server's fetch connection (on its data-centre path).
    ``established`` opens it at once (a session kept open); ``connect`` starts the three-way
    handshake with the SYN and SYN-ACK timers of ``_Session``."""

    def __init__(self, agenda: _Agenda, up: _Link, down: _Link, ccfg: TcpConfig,
                 scfg: TcpConfig, cnagle: bool, snagle: bool) -> None:
        self.agenda = agenda
        self.ccfg, self.scfg = ccfg, scfg
        self.client = _Tcp(agenda, ccfg, cnagle, up, scfg.rwnd_bytes)
        self.server = _Tcp(agenda, scfg, snagle, down, ccfg.rwnd_bytes)
        self.client.peer, self.server.peer = self.server, self.client
        self.client.on_handshake = self._client_handshake
        self.server.on_handshake = self._server_handshake
        self.up, self.down = up, down
        self.client_est = False
        self.server_state = "listen"
        self.retransmits = 0
        self.syn_at = self.synack_at = 0.0
        self.syn_retx = self.synack_retx = False
        self.on_connect: Callable[[float], None] = lambda t: None

    def established(self) -> None:
        """Opened before the run and idle since: the RTT estimators seeded with the path's
        RTT (the simulator's ``TcpConnection.preopen``)."""
        self.client.open = self.server.open = True
        self.client_est = True
        self.server_state = "established"
        rtt = self.up.delay + self.down.delay
        self.client._rtt_sample(rtt)
        self.server._rtt_sample(rtt)

    def connect(self, t: float) -> None:
        self.client.emit_syn(t, SYN_BYTES, 0)
        self.syn_at = t
        rto = self.ccfg.rto_initial_s
        self.agenda.at(t + rto, self._syn_timer, rto, 0)

    def _syn_timer(self, rto: float, n: int) -> None:
        if self.client_est or n >= self.ccfg.syn_retries:
            return
        self.retransmits += 1
        self.syn_retx = True
        self.up.send(self.agenda.now, SYN_BYTES, self.server.receive, _Seg(0, 0, 0, syn=True))
        self.agenda.at(self.agenda.now + 2 * rto, self._syn_timer, 2 * rto, n + 1)

    def _send_synack(self, t: float) -> None:
        self.down.send(t, SYN_BYTES, self.client.receive,
                       _Seg(0, 0, self.server.rcv_nxt, syn=True))

    def _client_handshake(self, t: float, seg: _Seg) -> bool:
        if not seg.syn:
            return False
        if self.client_est:
            self.client.pure_ack(t)
            return True
        self.client_est = True
        self.client.handshake_done(t, self.syn_at, self.syn_retx)
        self.client.open = True
        self.client.pure_ack(t)  # nothing written before connect() returned
        self.on_connect(t)
        return True

    def _server_handshake(self, t: float, seg: _Seg) -> bool:
        if seg.syn:
            if self.server_state == "listen":
                self.server_state = "syn_rcvd"
                self.server.open = True
                self.server.emit_syn(t, SYN_BYTES, 0)
                self.synack_at = t
                rto = self.scfg.rto_initial_s
                self.agenda.at(t + rto, self._synack_timer, rto, 0)
            elif self.server_state == "syn_rcvd":
                self.retransmits += 1
                self.synack_retx = True
                self._send_synack(t)
            return True
        if self.server_state == "syn_rcvd":
            self.server_state = "established"
            self.server.handshake_done(t, self.synack_at, self.synack_retx)
        return False


class _Replier(_Sequential):
    """An IMAP server (RFC 3501 §5.5: one command at a time here): each record it reads is
    processed for ``proc`` seconds, then its ``writes`` are made, each one write."""

    def __init__(self, agenda: _Agenda, tcp: _Tcp, max_record: int) -> None:
        self.agenda, self.tcp, self.max_record = agenda, tcp, max_record
        self.queue: deque[_Rec] = deque()
        self.busy = False
        tcp.app = self.read

    def read(self, t: float, recs: list[_Rec]) -> None:
        self.queue.extend(recs)
        if not self.busy:
            self._serve(t)


    def _answer(self, t: float, rec: _Rec) -> None:
        for parts in rec.writes:
            self.tcp.write(t, list(parts), self.max_record)


class _Dialog:
    """An IMAP client: its steps (``_Step``) written in turn, each after the records it waits
    for; ``hook(name, t)`` is told of every mark."""

    def __init__(self, agenda: _Agenda, tcp: _Tcp, max_record: int, steps: list[_Step],
                 hook: Callable[[str, float], None]) -> None:
        self.agenda, self.tcp, self.max_record = agenda, tcp, max_record
        self.steps, self.hook = steps, hook
        self.step = 0
        self.got = 0
        tcp.app = self.read

    def write(self) -> None:
        step = self.steps[self.step]
        for parts in step.writes:
            self.tcp.write(self.agenda.now, parts, self.max_record)

    def read(self, t: float, recs: list[_Rec]) -> None:
        for _rec in recs:
            if self.step == len(self.steps):
                return
            step = self.steps[self.step]
            self.got += 1
            for name in step.marks.get(self.got, ()):
                self.hook(name, t)
            if self.got < step.expect:
                continue
            self.got = 0
            self.step += 1
            if self.step == len(self.steps):
                return
            delay = self.steps[self.step].delay
            if delay > 0:
                self.agenda.at(t + delay, self.write)
            else:
                self.write()


def _imap_open_steps(tls: TlsConfig, timing: Any, user_tag: str = "A1") -> list[_Step]:
    """A new IMAP session (RFC 8314 §3 implicit TLS 1.3, RFC 3501 §7.1.1 greeting, RFC 4959
    ``AUTHENTICATE PLAIN`` with an initial response): the ClientHello at connect, the client
    Finished ``client_cpu_s`` after the server's flight (``server_cpu_s`` after the hello),
    the greeting written when the Finished is read (no tickets), AUTHENTICATE, its OK."""
    oh = tls.record_overhead_13

    def line(text: str, proc: float = 0.0, *answers: str) -> _Rec:
        writes = tuple((_Part([_Rec(_line(a), a)], oh),) for a in answers)
        return _Rec(_line(text), text, proc, writes=writes)

    greeting = (_Part([_Rec(_line(IMAP_GREETING), IMAP_GREETING)], oh),)
    hello = _Rec(tls.client_hello, "ClientHello", tls.server_cpu_s,
                 writes=((_Part([_Rec(tls.server_flight, "server flight")]),),))
    fin = _Rec(tls.client_finished_13, "Finished", writes=(greeting,))
    auth = line(f"{user_tag} AUTHENTICATE PLAIN {text.auth_plain_ir()}", timing.imap_auth,
                f"{user_tag} OK AUTHENTICATE completed")
    return [_Step([[_Part([hello])]], 1), _Step([[_Part([fin])]], 1, delay=tls.client_cpu_s),
            _Step([[_Part([auth], oh)]], 1)]


def _imap_save_steps(case: Case) -> list[_Step]:
    """The client's IMAP work: [open the session,] APPEND the message to Sent with a
    synchronizing literal (RFC 3501 §7.5: the "+" first) or LITERAL+ (RFC 7888: command and
    literal in one write), its tagged OK with APPENDUID (RFC 4315) marks ``saved``; with BURL
    then GENURLAUTH (RFC 4467 §7.1), whose answer (the URL and the tagged OK, one write)
    marks ``url``. The session is warm (open, authenticated, selected) or opened first."""
    f, tls, tm = case.client.features, case.server.tls, case.server.timing
    oh = tls.record_overhead_13
    steps = _imap_open_steps(tls, tm) if f.imap_cold else []
    n = 1 if f.imap_cold else 0  # tags used so far (AUTHENTICATE)
    append_tag, url_tag = f"A{n + 1}", f"A{n + 2}"
    saved = f"{append_tag} OK [APPENDUID 1 {IMAP_UID}] APPEND completed"
    ok = (_Part([_Rec(_line(saved), saved)], oh),)
    literal = _Rec(case.workload.size, "literal", tm.imap_append, writes=(ok,))
    cmd = _imap_append(append_tag, case.workload.size, f.literal_plus)
    if f.literal_plus:
        steps.append(_Step([[_Part([_Rec(_line(cmd), cmd), literal], oh)]], 1,
                           marks={1: ("saved",)}))
    else:
        cont = (_Part([_Rec(_line(IMAP_CONTINUE), IMAP_CONTINUE)], oh),)
        steps.append(_Step([[_Part([_Rec(_line(cmd), cmd, writes=(cont,))], oh)]], 1))
        steps.append(_Step([[_Part([literal], oh)]], 1, marks={1: ("saved",)}))
    if f.burl:
        answer = _line(f'* GENURLAUTH "{BURL_URL}"') + _line(f"{url_tag} OK GENURLAUTH completed")
        gen = _imap_genurlauth(url_tag)
        steps.append(_Step([[_Part([_Rec(_line(gen), gen, tm.imap_genurlauth,
                                         writes=((_Part([_Rec(answer, "url")], oh),),))],
                                   oh)]], 1, marks={1: ("url",)}))
    return steps


def _fetch_time(case: Case) -> float:
    """How long the submission server's URLFETCH (RFC 4467 §7.3) of the message takes on its
    data-centre path (``Case.dc_path``; both ends are the provider's hosts: ``server_tcp`` and
    ``server_nagle``): on its pooled connection
    (open, authenticated) one exchange; on a new one first TCP, implicit TLS 1.3, the greeting
    and AUTHENTICATE, as the client's cold session. The answer (the untagged URLFETCH line,
    the message, the tagged OK) is one write, the fetch done when it has arrived. The path
    carries nothing else, so the time does not depend on when the fetch starts."""
    tls, tm = case.server.tls, case.server.timing
    oh = tls.record_overhead_13
    ag = _Agenda()
    srv = case.server
    conn = _Conn(ag, _Link(ag, srv.dc_path.up), _Link(ag, srv.dc_path.down), srv.tcp, srv.tcp,
                 srv.nagle, srv.nagle)
    steps = [] if case.server.burl_pooled else _imap_open_steps(tls, tm)
    tag = "A1" if case.server.burl_pooled else "A2"  # after AUTHENTICATE
    answer = (_line(f'* URLFETCH "{BURL_URL}" {{{case.workload.size}}}') + case.workload.size
              + _line(f"{tag} OK URLFETCH completed"))
    fetch = f"{tag} URLFETCH {BURL_URL} {case.workload.size}"
    steps.append(_Step([[_Part([_Rec(_line(fetch), fetch, tm.imap_urlfetch,
                                     writes=((_Part([_Rec(answer, "message")], oh),),))],
                               oh)]], 1, marks={1: ("fetched",)}))
    done: dict[str, float] = {}
    dialog = _Dialog(ag, conn.client, tls.max_record, steps, done.__setitem__)
    _Replier(ag, conn.server, tls.max_record)
    if case.server.burl_pooled:
        conn.established()
        ag.at(0.0, dialog.write)
    else:
        conn.on_connect = lambda t: dialog.write()
        conn.connect(0.0)
    ag.run()
    return done["fetched"]



class KeepAliveNotModelled(ValueError):
    """Outside the domain: a wait the session may not survive (the base of
    :class:`SmtpTimeoutPossible`; the NOOP keep-alives of a MAIL group waiting for the BURL
    URL are modelled)."""


class SmtpTimeoutPossible(KeepAliveNotModelled):
    """Outside the domain: with ``save`` "parallel" the SMTP client waited longer than
    ``NOOP_EVERY_S`` for a reply, its packets queued behind the IMAP upload on the shared
    uplink (slow links, big messages); RFC 5321 §4.5.3.2's timeouts and the server's idle limit
    may end the session there, and the closed form does not model them. Or the BURL fetch
    comes after the pooled IMAP connection's autologout (``IMAP_AUTOLOGOUT_S``)."""


def _accept_time(s: _Session) -> float:
    return s.marks.get("accept", 0.0)


class WarmStateUnknown(ValueError):
    """Outside the domain: a warm client's earlier connection lasted about as long as what it
    cached lives, so whether it still holds it is not known (see :func:`oracle`)."""


def _alive(case: Case) -> tuple[bool, bool, bool]:
    """Whether the ticket, the Fast Open cookie and the configuration tokens a warm client got
    from its earlier connection are still cached when they are used: each expires
    (``TICKET_MAX_AGE_S``, ``COOKIE_MAX_AGE_S``, ``capability_max_age_s``) counted from when
    that connection got it. The earlier connection is this case run cold (:func:`oracle`),
    closed ``gap_s`` before this one starts; every item is got before its MAIL and used
    before this connection's MAIL, so an age lies within ``gap + D -/+ mail`` (``D`` its
    duration, ``SLOWER`` times more when a spurious timeout may have slowed it, and the
    server's idle timeout more when the session was kept). :class:`WarmStateUnknown` when that
    interval straddles a lifetime: what the client holds is then not known."""
    f = case.client.features
    wanted = (f.resumption and f.tls is not None, f.fast_open in ("tfo", "ttcp"),
              f.early_pipelining or f.quickstart == "full")
    if case.client.state != "warm" or not any(wanted):
        return True, True, True
    before = oracle(updated(case, client={"state": "cold"}, server={"config_changed": False}))
    d = before.accept_s if math.isnan(before.close_s) else before.close_s
    gap = case.workload.gap_s
    lo = gap + d - before.mail_s
    hi = gap + (SLOWER * d if before.rto_possible else d) + before.mail_s
    if f.reuse:
        hi += case.server.idle_s
    out = []
    for want, max_age in zip(wanted, (TICKET_MAX_AGE_S, COOKIE_MAX_AGE_S,
                                      case.client.capability_max_age_s),
                             strict=True):
        if not want or hi < max_age:
            out.append(True)
        elif lo > max_age:
            out.append(False)
        else:
            raise WarmStateUnknown(
                f"closed form: the earlier connection lasted about as long as a cached item"
                f" lives ({lo:.0f}-{hi:.0f} s for {max_age:.0f} s)")
    return out[0], out[1], out[2]


def oracle(case: Case) -> OracleResult:
    """The closed-form latency of ``case`` (see the module docstring); ``ValueError`` outside
    its domain (loss, jitter, forced drops, several messages, a long wait for the BURL URL,
    a warm client
    whose earlier connection lasted about as long as what it cached lives, or a feature
    combination that cannot be negotiated)."""
    _check_domain(case)
    alive = _alive(case)
    s = _Session(case, alive)
    s.start()
    s.agenda.run()
    f = case.client.features
    if "accept" not in s.marks or not s.imap_done:  # pragma: no cover - it always ends
        raise RuntimeError("closed form: the session did not finish")
    if f.burl and case.server.burl_pooled and _accept_time(s) > 0.99 * IMAP_AUTOLOGOUT_S:
        raise SmtpTimeoutPossible(
            "closed form: the BURL fetch comes after the pooled IMAP connection's 30 min"
            " autologout (RFC 3501 §5.4); reconnecting is not modelled")
    if f.save == "parallel" and s.max_wait > NOOP_EVERY_S:
        raise SmtpTimeoutPossible(
            f"closed form: the SMTP client waited {s.max_wait:.0f} s for a reply behind the"
            " IMAP upload; SMTP timeouts are not modelled")
    rtt = case.network.path.up.delay_s + case.network.path.down.delay_s
    ends = [(s.client, case.client.tcp), (s.server, case.server.tcp)]
    if f.save is not None:  # the IMAP connection on the same path
        ends += [(s.imap_conn.client, case.client.tcp), (s.imap_conn.server, case.server.tcp)]
    floors = [min(c.rto_initial_s, rtt + c.rto_min_s) for _tcp, c in ends]
    waits = [tcp.max_ack_wait for tcp, _c in ends]
    accept = s.marks["accept"]
    close = NAN if f.reuse else s.marks.get("close", accept)  # "drop": closed at the 250
    user = accept if f.quit in ("async", "drop") or f.reuse else close
    up = [b for dep, _arr, b in s.up.log if dep < accept]
    down = [b for dep, _arr, b in s.down.log if dep < accept]
    return OracleResult(
        accept_s=accept,
        user_s=user,
        close_s=close,
        greeting_s=s.marks["greeting"],
        tls_s=s.marks.get("tls", NAN),
        auth_s=s.marks.get("auth", NAN),
        mail_s=s.marks["mail"],
        waits=(0 if s.st.syn_connect else 1) + len(s.steps),
        round_trips=round_trips(f, case.workload.recipients, iw=case.server.tcp.iw,
                                flight=case.server.tls.server_flight, mss=case.server.tcp.mss,
                                state=case.client.state, config_changed=case.server.config_changed,
                                alive=alive),
        handshake_retransmits=s.retransmits + (s.imap_conn.retransmits if f.save else 0),
        rto_possible=(s.syn_data_timeout
                      or any(w >= fl for w, fl in zip(waits, floors, strict=True))),
        max_ack_wait_s=max(waits),
        rto_floor_s=min(floors),
        packets_up=len(up),
        packets_down=len(down),
        bytes_up=sum(up),
        bytes_down=sum(down),
        saved_s=s.marks.get("saved", NAN),
        done_s=max(accept, s.marks.get("saved", accept)),
        url_s=s.marks.get("url", NAN),
        save_phase_s=s.marks.get("smtp_start", 0.0),
        fetch_s=s.fetch_s if f.burl else NAN,
    )
