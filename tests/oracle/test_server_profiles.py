"""The server programs' own behaviours, in both models, on an ideal path (``ideal_case``: RTT
1 s, 0.5 s each way, 1 Tbit/s links, an ideal server, IW 10): Exim 4.96's wait for the
client's FIN after QUIT (``Server.quit_linger_s``), each program's EHLO reply
(``Server.ehlo``), and the IMAP server's TLS 1.3 tickets (``Server.imap_tickets_13``). Hand
derivations in each docstring.

``rfc5321`` (cleartext, lock-step, QUIT waited for: what smtplib does) on the ideal path: the
SYN-ACK at 1, the greeting 2, the EHLO reply 3, MAIL 4, RCPT 5, the 354 at 6, the 250 to the
content at 7 (accept), QUIT written at 7, read at 7.5, the 221 at 8 (close).
"""

from __future__ import annotations

import pytest
from cases import FAST, ideal_case

from smtpsim.model import PathConfig, TcpConfig, text
from smtpsim.oracle import oracle
from smtpsim.oracle.agenda import Agenda
from smtpsim.oracle.causes import ORIGIN
from smtpsim.oracle.closed_form import delayed_acks, round_trips
from smtpsim.oracle.connection import Connection
from smtpsim.oracle.records import Part, Rec, Reply
from smtpsim.oracle.server import SmtpServer
from smtpsim.oracle.wire import Link
from smtpsim.scenarios.software import server_software
from smtpsim.simulator.run import run_session

TOL = 1e-6
LINGER = 0.2  # Exim 4.96 smtp_quit_handler: poll_one_fd(fileno(smtp_in), POLLIN, 200)
HDR = TcpConfig().header_bytes  # 52
DELACK = TcpConfig().delack_s  # 40 ms


def _both(case):
    record, trace = run_session(case, seed=0, trace=True)
    assert record.outcome == "accepted"
    return oracle(case), record, trace


# ------------------------------------------------------------------ Exim 4.96's QUIT
def test_exim_in_cleartext_a_client_that_waits_for_the_221_pays_the_200_ms() -> None:
    """Exim 4.96 ``smtp_quit_handler`` corks the socket (``EXIM_TCP_CORK``), writes the 221
    and polls 200 ms for the client's FIN; smtplib (``SMTP.quit`` is ``docmd("quit")``) waits
    for the 221 before it closes, so no FIN comes and the corked 221 leaves when the poll
    ends: written at 7.5 + 0.2, read at 8.2. QUIT costs RTT + 0.2 s; accept stays at 7. The
    0.2 s is a stall on the user's path (the server's own wait), not a round trip: 8 round
    trips to the close either way."""
    plain, _, _ = _both(ideal_case("rfc5321"))
    o, record, trace = _both(ideal_case("rfc5321", quit_linger_s=LINGER))
    for r in (o, record):
        assert r.accept_s == pytest.approx(7, abs=TOL)
        assert r.close_s == pytest.approx(8 + LINGER, abs=TOL)
        assert r.close_s - r.accept_s == pytest.approx(1 + LINGER, abs=TOL)
        assert (r.rtt_user, r.stall_user_s) == (8, pytest.approx(LINGER, abs=TOL))
    assert plain.close_s == pytest.approx(8, abs=TOL)
    # the 221 and the server's FIN leave together when the poll ends
    down = [p for p in trace.packets if p.direction == "down" and p.sent_s > 7]
    bye = [p for p in down if p.payload_bytes]
    assert [(p.sent_s, p.label) for p in bye] == [(pytest.approx(7.5 + LINGER, abs=TOL),
                                                    f"221 {text.BYE}")]
    assert [p.sent_s for p in down if "F" in p.flags] == [pytest.approx(7.5 + LINGER,
                                                                        abs=TOL)]


def test_exim_holds_the_250_of_a_pipelined_end_of_data_with_the_221() -> None:
    """``pipelining+quit-pipelined`` (cleartext; content and QUIT in one write, the client
    waits for both replies): MAIL + RCPT + DATA 3 -> 354 at 4, content + QUIT written at 4,
    read at 4.5. Exim held the 250 (``pipeline_response``: QUIT is already readable), and
    the 221 joins it in the corked socket: both leave at 4.7, read at 5.2; accept and close
    at 5.2 instead of 5 (observed on loopback: 250 + 221 + FIN 205 ms after the data)."""
    for r in _both(ideal_case("pipelining+quit-pipelined", quit_linger_s=LINGER))[:2]:
        assert r.accept_s == pytest.approx(5 + LINGER, abs=TOL)
        assert r.close_s == pytest.approx(5 + LINGER, abs=TOL)


def test_exim_under_tls_sends_the_221_at_once_and_its_fin_after_the_poll() -> None:
    """``rfc5321+tls1.3`` (STARTTLS, lock-step): the 221 at 12 as without the wait (GnuTLS
    writes it through ``tls_write``; measured 160 us on loopback). The client closes at 12;
    its FIN reaches the server at 12.5, after the 200 ms poll that began at 11.5: the server's
    FIN leaves at 11.7 (without the wait, with the 221 at 11.5)."""
    o, record, trace = _both(ideal_case("rfc5321+tls1.3", quit_linger_s=LINGER))
    assert o.close_s == record.close_s == pytest.approx(12, abs=TOL)
    fin = [p.sent_s for p in trace.packets if p.direction == "down" and "F" in p.flags]
    assert fin == [pytest.approx(11.5 + LINGER, abs=TOL)]


def _quit_to_the_oracles_server(closes: bool) -> list[tuple[float, str]]:
    """What the client reads (and the server's FIN) when it writes the content (answered
    250) and QUIT at 0 to the oracle's server with the 200 ms wait, on a 1 s RTT path, and
    closes its side at once or not."""
    ag = Agenda()
    path = PathConfig.symmetric_rtt(1.0, FAST, FAST)
    conn = Connection(ag, Link(ag, path.up), Link(ag, path.down), TcpConfig(), TcpConfig(),
                      False, False)
    conn.established()
    server = SmtpServer(ag, conn, None, 0.0, 16384, False, linger=LINGER)
    got: list[tuple[float, str]] = []
    conn.client.app = lambda t, recs, _c: got.extend((t, r.label) for r in recs)
    conn.client.on_fin = lambda t: got.append((t, "FIN"))
    queued = Reply(text.line_bytes(f"250 {text.QUEUED_DATA}"), "250", (1,))
    bye = Reply(text.line_bytes(f"221 {text.BYE}"), "221", (1,))
    content = Rec(103, "content", 0.0, (queued,))
    quit_ = Rec(text.line_bytes("QUIT"), "QUIT", 0.0, (bye,), closes=True)
    server.accept(0.0)

    def client() -> None:
        conn.client.write(0.0, [Part([content, quit_])], 16384, ORIGIN)
        if closes:
            conn.client.close(0.0, ORIGIN)

    ag.at(0.0, client)
    ag.run()
    return got


@pytest.mark.parametrize(("closes", "expected"), [(True, 1.0), (False, 1.0 + LINGER)])
def test_the_oracles_server_answers_quit_sent_with_a_fin_at_once(closes: bool,
                                                                 expected: float) -> None:
    """The client writes the content and QUIT at 0 and closes its side at once (Exim's own
    client: QUIT, then ``shutdown(SHUT_WR)``); everything arrives at 0.5, the FIN with it,
    so the poll returns at once: 250 + 221 at the client at 1.0, the server's FIN with them.
    A client that does not close gets them at 1.2."""
    assert _quit_to_the_oracles_server(closes) == [
        (pytest.approx(expected, abs=TOL), "250"), (pytest.approx(expected, abs=TOL), "221"),
        (pytest.approx(expected, abs=TOL), "FIN")]


# ------------------------------------------------------------------ EHLO replies
EXIM_EHLO = ["250-submit.example.net Hello client.example.org [192.0.2.1]", "250-SIZE 52428800",
             "250-8BITMIME", "250-PIPELINING", "250-AUTH PLAIN LOGIN SCRAM-SHA-256",
             "250-CHUNKING", "250-STARTTLS", "250-SMTPUTF8", "250 HELP"]
AIOSMTPD_EHLO = ["250-submit.example.net", "250-SIZE 33554432", "250-8BITMIME", "250-SMTPUTF8",
                 "250-STARTTLS", "250-AUTH LOGIN PLAIN", "250 HELP"]


def test_each_program_lists_its_own_ehlo_keywords() -> None:
    """The cleartext EHLO reply of each program, in its source's order (``text.EHLO_KEYWORDS``):
    Postfix 3.7 ``smtpd.c ehlo_cmd`` (12 lines, VRFY and a 10 MB SIZE by default), Exim 4.96
    ``smtp_in.c`` (9 lines: "Hello <helo> [<address>]", HELP last), aiosmtpd 1.4.3
    ``smtp_EHLO`` (7 lines), Dovecot 2.3.19 ``submission-login cmd_helo_reply`` (9 lines,
    BURL imap among them, PIPELINING last)."""
    assert text.capability_lines(250, text.ehlo_domain("exim"), True, server="exim") \
        == EXIM_EHLO
    assert text.capability_lines(250, text.ehlo_domain("aiosmtpd"), True,
                                 server="aiosmtpd") == AIOSMTPD_EHLO
    assert text.capability_lines(250, text.SERVER_DOMAIN, True, server="postfix") == [
        "250-submit.example.net", "250-PIPELINING", "250-SIZE 10240000", "250-VRFY",
        "250-ETRN", "250-STARTTLS", "250-AUTH PLAIN LOGIN SCRAM-SHA-256",
        "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"]
    # after TLS no STARTTLS (RFC 3207 §4.2); the BURL keyword is not repeated
    assert text.capability_lines(250, text.SERVER_DOMAIN, False, extra=("BURL imap",),
                                 server="dovecot") == [
        "250-submit.example.net", "250-8BITMIME", "250-AUTH PLAIN LOGIN SCRAM-SHA-256",
        "250-BURL imap", "250-CHUNKING", "250-ENHANCEDSTATUSCODES", "250-SIZE",
        "250 PIPELINING"]


def test_the_aiosmtpd_profiles_ehlo_reply_is_seven_segments() -> None:
    """The aiosmtpd program (``data/software.toml``): replies line by line, its own 7-line
    EHLO reply, so the cleartext EHLO reply of ``rfc5321`` leaves at 2.5 as 7 segments whose
    payloads are the lines with CRLF: 24, 19, 14, 14, 14, 22, 10 B (117 B; the generic reply
    was 11 lines, 195 B). The oracle counts the same: against the generic server writing
    the same replies line by line, 4 segments fewer (7 instead of 11) and 195 - 117 = 78 B
    of lines plus 4 headers (208 B) fewer; accept at 7 either way."""
    aio = server_software("aiosmtpd")
    case = ideal_case("rfc5321", reply_writes=aio.reply_writes, ehlo=aio.ehlo)
    generic = ideal_case("rfc5321", reply_writes="line")
    o, record, trace = _both(case)
    g, _, _ = _both(generic)
    ehlo = [p for p in trace.packets if p.direction == "down" and p.label.startswith("250")
            and p.sent_s < 3]
    assert [(p.sent_s, p.payload_bytes) for p in ehlo] == [
        (pytest.approx(2.5, abs=TOL), len(line) + 2) for line in AIOSMTPD_EHLO]
    assert [p.payload_bytes for p in ehlo] == [24, 19, 14, 14, 14, 22, 10]
    assert o.accept_s == record.accept_s == pytest.approx(7, abs=TOL)
    assert (g.packets_down - o.packets_down, g.bytes_down - o.bytes_down) == (4, 78 + 4 * HDR)


def test_exims_hello_line_makes_its_ehlo_reply_bigger_in_both_models() -> None:
    """``rfc5321`` with Exim's 9-line EHLO reply in one write (Exim coalesces): the Hello line
    "250-submit.example.net Hello client.example.org [192.0.2.1]" is 61 B with CRLF, then
    19 + 14 + 16 + 36 + 14 + 14 + 14 + 10: 198 B in one segment at 2.5, against the
    generic 11-line 195 B: 3 B more per EHLO reply, in both models. With STARTTLS
    (``rfc5321+tls1.3``) the client sends EHLO twice (RFC 3207 §4.2): 6 B more."""
    for variant, more in (("rfc5321", 3), ("rfc5321+tls1.3", 6)):
        o, record, trace = _both(ideal_case(variant, ehlo="exim"))
        g, _, g_trace = _both(ideal_case(variant))
        # (not the banner's loss probe, RFC 8985 §7.3: on this 1 s path the SYN timer's tie
        # leaves no RTT sample, so the probe timeout is 1 s)
        first = [p for p in trace.packets if p.direction == "down" and p.sent_s
                 == pytest.approx(2.5, abs=TOL) and p.payload_bytes and not p.probe]
        assert [p.payload_bytes for p in first] == [198]
        assert sum(len(x) + 2 for x in EXIM_EHLO) == 198
        assert (o.packets_down, o.bytes_down - g.bytes_down) == (g.packets_down, more)
        assert sum(p.wire_bytes for p in trace.packets if p.direction == "down") - sum(
            p.wire_bytes for p in g_trace.packets if p.direction == "down") == more
        assert o.accept_s == pytest.approx(record.accept_s, abs=TOL)


# ------------------------------------------------------------------ IMAP tickets
MODERN = "pipelining+chunking+tls1.3+auth-plain+implicit-tls"


def test_dovecots_imap_tickets_appear_after_the_clients_finished() -> None:
    """A cold IMAP session with implicit TLS 1.3 (``+save+imap-cold``) to an IMAP server
    sending 2 TLS 1.3 tickets (Dovecot keeps OpenSSL's default, ``ssl_lib.c SSL_CTX_new``
    ``num_tickets = 2``; ``ossl_statem_server_post_work`` flushes after each): IMAP SYN-ACK at
    1, flight at 2, the client's Finished at 2, read at 2.5, where the server writes the two
    tickets (255 B each, a segment each) and then the greeting. Saved at 5 as without
    tickets (they arrive with the greeting, which the client waited for anyway); the
    downlink carries 2 more packets, 2 x (255 + 52) B more, in both models."""
    base = ideal_case(f"{MODERN}+save+imap-cold+imap-tls+imap-lockstep+literal-plus")
    case = ideal_case(f"{MODERN}+save+imap-cold+imap-tls+imap-lockstep+literal-plus",
                      imap_tickets_13=2)
    b, _, b_trace = _both(base)
    o, record, trace = _both(case)
    tickets = [p for p in trace.packets if p.connection == "imap" and p.direction == "down"
               and "NewSessionTicket" in p.label]
    assert [(p.sent_s, p.payload_bytes) for p in tickets] == [
        (pytest.approx(2.5, abs=TOL), 255)] * 2
    assert not [p for p in b_trace.packets if p.connection == "imap"
                and "NewSessionTicket" in p.label]
    for r in (o, record, b):
        assert r.saved_s == pytest.approx(5, abs=TOL)
    assert (o.packets_down - b.packets_down, o.bytes_down - b.bytes_down) == (
        2, 2 * (255 + HDR))


def test_an_imap_ticket_carries_the_ack_a_nagle_capability_waits_for() -> None:
    """``imap-starttls`` with Nagle (``test_ideal_path``'s IMAP derivation): CAPABILITY, written
    right after the client's Finished at 4, is held until the Finished is acknowledged.
    Without tickets the IMAP server ACKs it on its delayed-ACK timer (saved at 8 + 40 ms);
    with Dovecot's two the first ticket, written when the Finished is read at 4.5, carries
    the ACK: CAPABILITY leaves at 5, its answer at 6, AUTHENTICATE's OK 7, APPEND's 8:
    saved at 8. The closed form counts no delayed-ACK timer then."""
    variant = f"{MODERN}+save+imap-cold+imap-starttls+imap-lockstep+literal-plus"
    for tickets, saved in ((0, 8 + DELACK), (2, 8)):
        o, record, _ = _both(ideal_case(variant, imap_tickets_13=tickets))
        assert o.saved_s == pytest.approx(saved, abs=TOL), tickets
        assert record.saved_s == pytest.approx(saved, abs=TOL), tickets
    burl = ideal_case(f"{MODERN}+burl+imap-cold+imap-starttls+imap-lockstep+literal-plus",
                      imap_tickets_13=2)
    b = oracle(burl)
    n = round_trips(burl.client.features, 1)
    assert delayed_acks(burl.client.features, 1, imap_tickets=2) == 0
    assert b.accept_s == pytest.approx(n + 0.001, abs=1e-5)  # + BURL's 1 ms fetch



def test_the_aiosmtpd_program_in_a_scenario_writes_seven_ehlo_segments() -> None:
    """The whole profile as a scenario builds it (``--server aiosmtpd``, measured timing, the
    ``dsl`` path): the cleartext EHLO reply of ``rfc5321`` is aiosmtpd's 7 lines, each a
    segment (observed on loopback: 7 segments, 116 B with a 17-character host name)."""
    from smtpsim import api

    (case,) = api.build_cases("dsl", variant="rfc5321", server="aiosmtpd")
    record, trace = run_session(case, seed=0, trace=True)
    assert record.outcome == "accepted"
    ehlo = [p for p in trace.packets if p.direction == "down" and p.payload_bytes
            and p.label.startswith("250") and "Ok" not in p.label
            and not p.label.startswith("250 2.")]
    assert [p.label for p in ehlo] == AIOSMTPD_EHLO
