"""The closed forms: the latency of a variant in round trips on an ideal path.

On an ideal path (no serialization, no processing) every wait of the client is one round trip,
so ``accept = round_trips(features, R) x RTT`` (:func:`round_trips`), and these are the round
trips on the critical path to the 250 (``rtt_accept``; to the moment the user is told,
``rtt_user``: :func:`user_round_trips`). With STARTTLS::

    connect 1 + greeting 1 + EHLO 1                                RFC 793 §3.4, RFC 5321 §3.1
    + STARTTLS 1 + TLS handshake (1.2: 2; 1.3 or 1.2 resumed: 1)   RFC 3207 §4.2, RFC 5246 §7.3,
      + EHLO again 1 (1.3 and 1.2 resumed: EHLO is written right    RFC 8446 §2, RFC 5077 §3.1
      behind the client Finished, its reply still costs the round
      trip; with Nagle 1 more, EHLO waiting for the Finished's ACK)
    + AUTH waited for (PLAIN 1, LOGIN 3, SCRAM 3; PLAIN pipelined 0) RFC 4954 §4
    + envelope: PIPELINING 1 (the group ends with DATA or BDAT),   RFC 2920 §3.1, RFC 3030 §2
      lock-step 1 + R + 1
    + content after 354: 1 (no 354 with BDAT: the body rides in the group)  RFC 5321 §4.1.1.4
    + a header chunk waited for (Exim above 8192 bytes, ``Habits``): 1    RFC 3030 §2
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
  RFC 8446 §2, behind its flight at W+1, and EHLO follows the Finished); then EHLO +1.
* QUICKSTART (draft-fanf-smtp-quickstart-01, -a, -b): the capability list in the greeting;
  QTLS and the ClientHello in one write, no reply in between; basic: the server re-greets
  with the list when it reads the client Finished, QHLO + AUTH + MAIL ... follow it; full:
  with a cached qhlo-id the client sends QTLS + ClientHello at W without waiting for the
  greeting (cleartext: QHLO <id> + the group at W), and QHLO <id> + the group follow its
  Finished (after the server Finished with a full TLS 1.2 handshake); with none it sends
  QHLO alone after TLS and waits for the list. A stale id is refused (504 before TLS, 520
  with the new list after it, 503 for each other command of the group, quickstart-b §5), the
  client flushes its cache for that server and sends the group again: one round trip.
* early pipelining on a cached configuration token (draft-harris-early-pipe): EHLO <token>
  + STARTTLS at W (cleartext: EHLO <token> + the whole group; implicit TLS: the group
  follows the Finished); after TLS, EHLO <token> + AUTH + MAIL ... behind the Finished (after
  the server Finished with a full TLS 1.2 handshake). A stale token is refused like a stale
  qhlo-id; after the flush the client learns the new cleartext token from the greeting and
  holds no TLS-context token, so it waits for the EHLO reply after TLS.
* Exim's PIPE_CONNECT (``Habits.early_group`` "exim"; ``smtpsim.oracle.smtp.pipe_connect``),
  with a cached response: the first flush opens the connection (leaving at W). Cleartext:
  EHLO + MAIL + RCPT + BDAT at W, the body (and QUIT) a second write once the connection is
  up, at 1 (in the SYN only the commands: Exim ignores the more-flag on the connecting
  flush), so the 250 comes at 2 whatever W (DATA: W + 1 + content); with AUTH, EHLO + AUTH
  at W, the 235 at W + 1, then the MAIL group. STARTTLS: EHLO + STARTTLS at W, then the
  group (or EHLO + AUTH, then the group) behind the Finished; implicit TLS as the model's,
  AUTH one round trip more. Nothing is refused: a stale cache costs nothing. Without a
  cached response the standard dialogue, AUTH waited for. (With TCP_NODELAY, as the exim
  profile sets: with Nagle the body's write may wait for the ACK of the commands' write.)
* resumption with a ticket (warm client): no certificate; TLS 1.2 abbreviated handshake
  (RFC 5246 §7.3 Fig. 2: the server Finished first, the client's data follows its
  Finished), TLS 1.3 PSK (RFC 8446 §2.2). With 0-RTT (``early_data``, RFC 8446 §2.3) what
  would follow the TLS 1.3 Finished rides with the ClientHello instead and is answered
  behind the server's flight; that saves a round trip, with Nagle on as well: the client's
  next small write then waits for the ACK of its Finished, as EHLO behind the Finished would
  without 0-RTT data.
* send-and-save and BURL: the IMAP round trips count when the submission waits for them
  (``save`` "first", or a URL later than the MAIL group; ``smtpsim.oracle.imap``).
* the client's TLS Finished: the TLS library writes it on its own, and what the client sends
  right behind it (EHLO, or a group on a cached token or qhlo-id) is the application's next
  write; with Nagle on, that small write waits for the ACK of the small Finished (Linux's
  Minshall variant), one round trip more, the ACK riding on the first TLS 1.3 ticket or the
  implicit-TLS banner the server writes when it reads the Finished, or else on its delayed
  ACK (:func:`delayed_acks`: after a resumed TLS 1.2 handshake, or without tickets, the
  latency is ``round_trips`` RTTs plus one ``delack_s``). With TCP_NODELAY it leaves at once.

On a real path each of those steps costs, instead of exactly one RTT, the times of the packets
that carry it: that is what ``smtpsim.oracle.oracle`` computes, and on an ideal path it agrees
with these closed forms (the tests hold the two derivations to each other).
"""

from __future__ import annotations

import math

from smtpsim.model import Features
from smtpsim.model.habits import EarlyGroup
from smtpsim.oracle.client_state import ALL_ALIVE, Alive, Start, start

__all__ = ["delayed_acks", "round_trips", "slow_start_rounds", "user_round_trips"]


def _auth_round_trips(f: Features, exim: bool = False) -> int:
    """AUTH waited for: PLAIN with its initial response 1, LOGIN and SCRAM-SHA-256 3
    (RFC 4954 §4, draft-murchison-sasl-login, RFC 5802 §5); none when PLAIN rides in the
    group (never under Exim's PIPE_CONNECT, ``exim``: ``Habits.auth_in_group``)."""
    if f.auth is None or (f.auth_in_group and not exim):
        return 0
    return {"plain": 1, "login": 3, "scram": 3}[f.auth]


def _zero_rtt(f: Features, st: Start, exim: bool = False) -> tuple[bool, int]:
    """Whether 0-RTT data carries something (what would follow the TLS 1.3 Finished), and
    the round trips that saves against the table of :func:`_round_trips` (where what follows
    the Finished leaves with it): one, unless Nagle holds the client's next (small) write for
    the ACK of its Finished, which comes with the tickets a round trip later (the saving
    stays when the early group already drew the final 250). Against a Nagle client without
    0-RTT data, whose write behind the Finished waits the same way
    (:func:`_finished_hold`), it saves the round trip either way. ``exim``: Exim's
    PIPE_CONNECT, whose early TLS write draws the final 250 unless it is EHLO + AUTH
    (stale or not)."""
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
        group = f.early_pipelining and st.cached and (exim or not st.stale)
    drew_250 = group and f.chunking and (f.auth is None if exim else not st.stale)
    if not f.nagle or drew_250:
        return True, 1
    return True, 0


def _finished_hold(f: Features, st: Start, exim: bool = False) -> bool:
    """Whether Nagle holds what the client writes right after its TLS Finished: a round trip.

    The TLS library writes the Finished as a write of its own and returns before the
    application writes (OpenSSL ``ossl_statem_client_post_work`` flushes after
    ``TLS_ST_CW_FINISHED``, then ``tls_finish_handshake``); the application's next write
    (EHLO, or the group on a cached token or qhlo-id) is small, so with Nagle on (Linux's
    Minshall variant) it waits for the ACK of the small Finished, which comes with what the
    server writes when it reads the Finished, a round trip later: the first TLS 1.3 ticket,
    the implicit-TLS banner, or else its delayed ACK (:func:`delayed_acks`). After a full
    TLS 1.2 handshake nothing follows the Finished (the client waits for the server's, which
    carries the ACK); 0-RTT data is :func:`_zero_rtt`'s."""
    if f.tls is None or not f.nagle or (f.tls == "1.2" and not st.ticket):
        return False
    if _zero_rtt(f, st, exim)[0]:
        return False
    if f.implicit_tls:  # the group on a token, or EHLO after a 0.5-RTT banner
        return (f.early_pipelining and st.cached) or f.banner_half_rtt
    if f.quickstart is not None:  # the group on a qhlo-id, or the full profile's QHLO
        return st.cached or f.quickstart == "full"
    return True  # EHLO, or the group on a configuration token


def round_trips(f: Features, recipients: int, *, iw: int = 10, flight: int = 4600,
                mss: int = 1448, state: str = "cold", config_changed: bool = False,
                alive: Alive = ALL_ALIVE, header_chunk: bool = False,
                early_group: EarlyGroup = "token") -> int:
    """Latency of an accepted message in RTTs on an ideal path (see the module docstring),
    for coalesced writes and a body that fits in the client's window (and, with Nagle, what
    follows the TLS Finished or rides as 0-RTT data in one segment), plus
    :func:`delayed_acks` delayed-ACK timers. ``iw``/``flight``/``mss`` decide whether the
    server's TLS flight needs a second slow-start round (RFC 5681 §3.1: the segments beyond
    IW leave when the first ACK returns); ``state``, ``config_changed`` and ``alive``
    (ticket, cookie, tokens still cached) what the client holds. Send-and-save and BURL: the
    IMAP round trips when the submission waits for them (``save`` "first", or a URL later
    than the MAIL group), the data-centre fetch excluded. ``header_chunk``: the message goes
    as a header chunk whose reply is waited for, then the rest (``Habits.header_chunk``):
    one round trip more. ``early_group``: the schedule of early pipelining
    (``Habits.early_group``: "exim", Exim's PIPE_CONNECT)."""
    st = start(f, state, config_changed, alive)
    exim = f.early_pipelining and early_group == "exim"
    n = (_smtp_round_trips(f, recipients, st, iw, flight, mss, exim)
         + (1 if header_chunk else 0))
    if f.save is None:
        return n
    done, k = _imap_rounds(f, recipients, st, exim)
    if f.save == "first":  # the submission starts when the IMAP work is done
        return done + n
    if not f.burl:
        return n
    return max(n - k, done) + k


#: When a cold IMAP session may authenticate, in RTTs from its SYN (``Features.imap_tls``):
#: implicit TLS: SYN-ACK 1, server flight 2, the greeting 3 (written when the server reads
#: the client Finished); cleartext: the greeting 2 (written at the accept, 1.5); STARTTLS:
#: greeting 2, STARTTLS's OK 3, flight 4, CAPABILITY's answer 5 (CAPABILITY right after the
#: Finished with TCP_NODELAY; with Nagle it waits for the Finished's ACK: 6, and a
#: delayed-ACK timer when the IMAP server sends no ticket to carry it, ``_imap_ready``).
IMAP_READY = {"implicit": 3, "starttls": 5, "plain": 2}


def _imap_ready(f: Features) -> int:
    """``IMAP_READY`` for the client's features (Nagle's hold after the STARTTLS Finished)."""
    return IMAP_READY[f.imap_tls] + (1 if f.imap_tls == "starttls" and f.nagle else 0)


def delayed_acks(f: Features, recipients: int, *, tickets: int = 2, iw: int = 10,
                 flight: int = 4600, mss: int = 1448, state: str = "cold",
                 config_changed: bool = False, alive: Alive = ALL_ALIVE,
                 imap_tickets: int = 0, early_group: EarlyGroup = "token") -> int:
    """How many delayed-ACK timers (``TcpConfig.delack_s``, RFC 1122 §4.2.3.2) the final 250
    waits for on an ideal path, beyond :func:`round_trips`: one when Nagle holds what follows
    the client's TLS Finished (:func:`_finished_hold`) and the server writes nothing when it
    reads that Finished, so that its ACK waits for the timer: after a resumed TLS 1.2
    handshake (RFC 5246 §7.3 Fig. 2: the server's Finished came first) or a TLS 1.3 server
    that sends no ticket (``tickets``: ``TlsConfig.tickets_13``), unless the implicit-TLS
    banner follows the Finished. With BURL a group that waits for a URL coming after that
    ACK is not held. The IMAP side has the same stall with ``imap-starttls`` and Nagle
    (``IMAP_READY``): CAPABILITY after the Finished waits for its ACK, which the IMAP server,
    sending no ticket (``imap_tickets``: ``Server.imap_tickets_13``), delays; it counts where
    the IMAP side sets the pace (``save`` "first", or BURL's URL later than the MAIL
    group). ``early_group``: as :func:`round_trips`'s (Exim's group, which rides behind the
    Finished only without AUTH, is never refused)."""
    st = start(f, state, config_changed, alive)
    exim = f.early_pipelining and early_group == "exim"
    smtp = _smtp_delayed_ack(f, st, tickets, exim)
    imap = 1 if (f.save is not None and f.imap_cold and f.imap_tls == "starttls"
                 and f.nagle and imap_tickets == 0) else 0
    if f.save is None or not (imap or smtp):
        return smtp
    if f.save == "first":
        return smtp + imap
    if not f.burl:
        return smtp
    n = _smtp_round_trips(f, recipients, st, iw, flight, mss, exim)
    done, k = _imap_rounds(f, recipients, st, exim)
    if exim:
        group_rides = st.cached and f.auth is None
    else:
        group_rides = st.cached and not (f.early_pipelining and not f.implicit_tls and st.stale)
    if group_rides and done > n - k:  # the URL, and the group's write, come after the ACK
        smtp = 0
    if done < n - k:  # the SMTP side sets the pace
        imap = 0
    return max(smtp, imap)


def _smtp_delayed_ack(f: Features, st: Start, tickets: int, exim: bool = False) -> int:
    """One when Nagle holds what follows the client's TLS Finished and nothing the server
    writes when it reads that Finished carries the ACK (see :func:`delayed_acks`)."""
    if not _finished_hold(f, st, exim):
        return 0
    if f.implicit_tls and not f.banner_half_rtt:  # the banner carries the ACK
        return 0
    if f.tls == "1.3" and tickets > 0:  # the first ticket carries it
        return 0
    return 1


def _smtp_round_trips(f: Features, recipients: int, st: Start, iw: int, flight: int,
                      mss: int, exim: bool = False) -> int:
    """The SMTP session's round trips: the table, less what 0-RTT data saves, plus the round
    trip Nagle holds what follows the TLS Finished."""
    return (_round_trips(f, recipients, st, iw, flight, mss, exim)
            - _zero_rtt(f, st, exim)[1] + _finished_hold(f, st, exim))


def _imap_rounds(f: Features, recipients: int, st: Start, exim: bool = False
                 ) -> tuple[int, int]:
    """When the IMAP work is done (the OK, with BURL the URL) in RTTs from the start, and how
    many waits the MAIL group takes from its write to the 250. The IMAP side
    (``smtpsim.oracle.imap``): [a cold session ready to authenticate (``IMAP_READY``),
    AUTHENTICATE's OK 1 (none when pipelined with the APPEND),] APPEND's OK (synchronizing
    literal: "+" 1, OK 2; LITERAL+: OK 1), GENURLAUTH's URL one more; the data-centre fetch
    is not a client round trip."""
    cold = 0
    if f.imap_cold:
        cold = _imap_ready(f) + (0 if f.imap_pipelined and f.literal_plus else 1)
    saved = cold + (1 if f.literal_plus else 2)
    done = saved + 1 if f.burl else saved
    k = 1 if f.pipelining else recipients + 2
    if st.stale and not exim and (f.quickstart is not None or f.implicit_tls or f.tls is None):
        k += 1  # the first group (speculative, with MAIL) is refused and sent again
    return done, k


def _round_trips(f: Features, recipients: int, st: Start, iw: int, flight: int,
                 mss: int, exim: bool = False) -> int:
    """The module docstring's table, start by start (one concept: the terms share ``w``,
    ``greet``, ``x`` and ``content``, and read best side by side)."""
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
    auth = 1 if f.auth is not None else 0  # Exim's EHLO + AUTH, the 235 waited for
    if f.implicit_tls:
        if f.early_pipelining and st.cached:  # the group follows the Finished
            return w + 1 + x + (2 if full12 else 1) + (auth if exim else stale) + content
        # the banner behind the flight (EHLO follows the Finished), or when the Finished
        # is read (then EHLO)
        ehlo = w + 1 + x + (1 if f.banner_half_rtt else 2)
        return ehlo + _auth_round_trips(f, exim) + envelope
    if exim and st.cached:
        if tls:  # EHLO + STARTTLS at W; the group (after EHLO + AUTH) behind the Finished
            return w + 1 + 1 + x + (1 if full12 else 0) + auth + 1 + content
        if auth:  # EHLO + AUTH at W, the 235; the MAIL group
            return w + 1 + 1 + content
        # the commands at W, the body once connected (1): its 250 at 2; DATA's 354 at W + 1
        return (1 if f.chunking else w) + 1 + content
    if f.early_pipelining and st.cached:
        if not tls:  # EHLO <token> + the group at W
            return w + 1 + stale + content
        # EHLO <token> + STARTTLS at W; the group after TLS (EHLO waited for when stale)
        return w + 1 + stale + 1 + x + (1 if full12 else 0) + 1 + stale + content
    n = greet + 1  # EHLO
    if tls:
        n += 1 + (2 if full12 else 1) + x + 1  # STARTTLS, handshake, EHLO again
    return n + _auth_round_trips(f, exim) + envelope


def user_round_trips(f: Features, recipients: int, *, iw: int = 10, flight: int = 4600,
                     mss: int = 1448, state: str = "cold", config_changed: bool = False,
                     alive: Alive = ALL_ALIVE, header_chunk: bool = False,
                     early_group: EarlyGroup = "token") -> int:
    """Round trips until the user is told the message is sent, on an ideal path (what
    :func:`round_trips` assumes): at the 250 (:func:`round_trips`) unless the user waits for
    a 221 that follows it (RFC 5321 §4.1.1.10): ``quit`` "wait", or a pipelined QUIT kept
    out of a speculative group that ended the message (a group on a cached token or qhlo-id
    carries none); then one more round trip, or two when the 250 came with 0-RTT data and
    Nagle holds the small QUIT for the ACK of the client's Finished, which comes with the
    session tickets a round trip later (RFC 896, RFC 8446 §4.6.1). And not before the copy is
    saved to Sent (the APPEND's OK, RFC 3501 §6.3.11), which a save in parallel may bring
    later. Exim's PIPE_CONNECT (``early_group`` "exim") keeps no QUIT out of its group."""
    st = start(f, state, config_changed, alive)
    exim = f.early_pipelining and early_group == "exim"
    n = round_trips(f, recipients, iw=iw, flight=flight, mss=mss, state=state,
                    config_changed=config_changed, alive=alive, header_chunk=header_chunk,
                    early_group=early_group)
    # (the QUIT rides with the rest of a header-chunked message, after the token was taken)
    kept_out = (f.quit_in_group and (f.chunking or f.burl) and st.cached and not st.stale
                and not header_chunk and not exim)
    if not f.reuse and (f.quit == "wait" or kept_out):
        rides, saving = _zero_rtt(f, st, exim)
        n += 2 if rides and saving and f.nagle else 1
    if f.save == "parallel" and not f.burl:  # (first, or BURL: saved before the MAIL group)
        n = max(n, _imap_rounds(f, recipients, st, exim)[0])
    return n


def slow_start_rounds(segments: int, iw: int) -> int:
    """Rounds for ``segments`` in slow start with an ACK per segment pair: flights of IW,
    2 IW, 4 IW ... (RFC 5681 §3.1): ``ceil(log2(segments / IW + 1))``."""
    rounds, sent, flight = 0, 0, iw
    while sent < segments:
        sent += flight
        flight *= 2
        rounds += 1
    return rounds
