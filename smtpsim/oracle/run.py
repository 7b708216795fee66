"""The oracle: check the domain, run the session, report (``oracle``).

The retransmission timer (RFC 6298) and the tail loss probe (RFC 8985 §7) are not part of
the closed form: on slow links a segment can wait for its ACK longer than the RTO, or than
the probe timeout, and a real stack then retransmits spuriously, or sends a probe. The
result says when that cannot be excluded: ``rto_possible`` is set when some data segment
waited from its transmission to its ACK at least ``min(rto_initial, RTT + rto_min)``, a lower
bound of every RTO RFC 6298 (with Linux's floor) can produce, since every RTT sample, and so
SRTT, is at least the path's RTT, or, with RACK-TLP (SACK agreed, ``TcpConfig.rack``), at
least ``2 RTT + 2 ms``, a lower bound of every probe timeout (``smtpsim.oracle.tcp.
timer_floor``), or when a SYN that carried data timed out. ``timer_possible_s`` is the
earliest moment such a timer cannot be excluded (a segment still unacknowledged when the
modelled events end counts too: its ACK may be a delayed one): everything the oracle puts
before it holds whether or not one fires later.

The round trips and the stall of each metric are those of the critical path to its mark
(``causes``): the accept mark; for the user the close mark when the user waits for the 221,
else the accept mark, or the saved mark when it comes later; for done the saved mark when it
comes after the accept, else the accept mark.
"""

from __future__ import annotations

from smtpsim.model import Case
from smtpsim.model.timers import IMAP_AUTOLOGOUT_S, NOOP_INTERVAL_S
from smtpsim.oracle.causes import TIE_S
from smtpsim.oracle.client_state import Alive, alive
from smtpsim.oracle.closed_form import round_trips
from smtpsim.oracle.domain import SmtpTimeoutPossible, check_domain
from smtpsim.oracle.result import NAN, OracleResult
from smtpsim.oracle.session import Session
from smtpsim.oracle.tcp import Tcp

__all__ = ["oracle"]


def oracle(case: Case) -> OracleResult:
    """The closed-form latency of ``case`` (see ``smtpsim.oracle``); ``ValueError`` outside
    its domain (loss, jitter, forced drops, several messages, a long wait for the BURL URL,
    a warm client whose earlier connection lasted about as long as what it cached lives, or
    a feature combination that cannot be negotiated: ``smtpsim.oracle.domain``)."""
    check_domain(case)
    held = alive(case, oracle)
    s = Session(case, held)
    s.start()
    s.agenda.run()
    f = case.client.features
    if "accept" not in s.marks or not s.imap_done:  # pragma: no cover - it always ends
        raise RuntimeError("closed form: the session did not finish")
    if f.burl and case.server.burl_pooled and s.marks["accept"] > 0.99 * IMAP_AUTOLOGOUT_S:
        raise SmtpTimeoutPossible(
            "closed form: the BURL fetch comes after the pooled IMAP connection's 30 min"
            " autologout (RFC 3501 §5.4); reconnecting is not modelled")
    if f.save == "parallel" and s.max_wait > NOOP_INTERVAL_S:
        raise SmtpTimeoutPossible(
            f"closed form: the SMTP client waited {s.max_wait:.0f} s for a reply behind the"
            " IMAP upload; SMTP timeouts are not modelled")
    return _result(case, s, held)


def _timer_from(tcp: Tcp) -> float:
    """The earliest moment a timer of ``tcp``'s cannot be excluded: after the first segment
    that waited ``timer_floor`` for its ACK, or after one still unacknowledged when the run
    ended (its ACK, a delayed one perhaps, comes after the modelled events)."""
    floor = tcp.timer_floor
    return min([tcp.timer_from] + [sent + floor for _end, sent in tcp.inflight])


def _result(case: Case, s: Session, held: Alive) -> OracleResult:
    """What the finished session ``s`` reports."""
    f = case.client.features
    ends = [(s.conn.client, case.client.tcp), (s.conn.server, case.server.tcp)]
    if f.save is not None:  # the IMAP connection on the same path
        ends += [(s.imap_conn.client, case.client.tcp), (s.imap_conn.server, case.server.tcp)]
    floors = [tcp.timer_floor for tcp, _c in ends]
    waits = [tcp.max_ack_wait for tcp, _c in ends]
    accept = s.marks["accept"]
    bye = s.marks.get("close", accept)  # the 221 ("drop": the 250, the client closes then)
    # the client's close: then, or later when it waits for the server's FIN
    close = NAN if f.reuse else s.marks.get("closed", bye)
    told_at_250 = f.quit in ("async", "drop") or f.reuse
    user = accept if told_at_250 else bye
    to_accept = s.causes["accept"]
    to_user = to_accept if told_at_250 else s.causes.get("close", to_accept)
    saved = s.marks.get("saved", NAN)
    to_done = s.causes["saved"] if saved > accept + TIE_S else to_accept
    if saved > user + TIE_S:  # "sent" once the copy is in Sent too: its path when later
        to_user = s.causes["saved"]
    user = max(user, s.marks.get("saved", user))
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
        rtt_accept=to_accept.turns,
        rtt_done=to_done.turns,
        rtt_user=to_user.turns,
        stall_accept_s=to_accept.stall,
        stall_done_s=to_done.stall,
        stall_user_s=to_user.stall,
        round_trips=round_trips(f, case.workload.recipients, iw=case.server.tcp.iw,
                                flight=case.server.tls.server_flight, mss=case.server.tcp.mss,
                                state=case.client.state, config_changed=case.server.config_changed,
                                alive=held, header_chunk=case.client.habits.header_chunk(
                                    case.workload.size, f.chunking and not f.burl),
                                early_group=case.client.habits.early_group),
        handshake_retransmits=s.conn.retransmits + (s.imap_conn.retransmits if f.save else 0),
        rto_possible=(s.conn.syn_data_timeout
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
        timer_possible_s=min(_timer_from(tcp) for tcp, _c in ends),
    )
