"""Cached capabilities at the submission server, over a fake socket: QUICKSTART's QHLO and
QTLS (draft-fanf-smtp-quickstart-01 §6, §8; -a basic and -b full profile) and early
pipelining's configuration token (draft-harris-early-pipe, with the modelling device of
``Features.early_pipelining``: ``EHLO <domain> TOKEN=<token>``).

A stale id or token is refused as quickstart-b §6, §7 says: before TLS with 504 (the greeting
already gave the current list), after TLS with 520 and the list; the rest of the refused
group gets 503 until the next QHLO or EHLO, and QUIT is still answered. Refusals cost no
processing time beyond the refused QHLO/EHLO's own. Times: see ``serving``.
"""

from __future__ import annotations

import pytest

from smtpsim.model import TlsConfig, text
from smtpsim.simulator.content import Content
from smtpsim.simulator.frontend import ServerOffer
from smtpsim.simulator.tls import client_handshake

from .serving import TIMING, D, command, lines, serve

TOL = 1e-9
EARLY = ServerOffer(early_pipelining=True)
FULL = ServerOffer(quickstart="full")
MAIL = command(text.mail_from(100, True))
RCPT = command(text.rcpt_to(0))
AUTH = command(text.auth_plain())
LIST_TAIL = ["250-PIPELINING", "250-SIZE 52428800", "250-ETRN"]


def _at(t: float) -> object:
    return pytest.approx(t, abs=TOL)


# ---------------------------------------------------------------------- early pipelining
def test_a_stale_token_gets_504_and_the_rest_of_the_group_503() -> None:
    s = serve(EARLY)
    s.send(1.0, [command(text.ehlo_with_token("submit.example.net.v0.plain")), MAIL, RCPT,
                 command("DATA")])
    s.run(until=2.0)
    assert s.replies()[1:] == [(_at(1.0 + D + TIMING.ehlo), [504, 503, 503, 503])]
    assert lines(s.writes[1]) == [["504 5.5.1 Configuration token is stale"]] + [
        ["503 5.5.1 Error: send QHLO first"]] * 3


def test_refusal_lasts_until_the_next_ehlo() -> None:
    """After the refused group, a plain EHLO ends the refusal: its list, then MAIL's 250."""
    s = serve(EARLY)
    s.send(1.0, [command(text.ehlo_with_token("stale")), MAIL])
    s.send(2.0, [RCPT])
    s.send(3.0, [command(text.ehlo()), MAIL])
    s.run(until=4.0)
    assert s.replies()[1:] == [
        (_at(1.0 + D + TIMING.ehlo), [504, 503]),
        (_at(2.0 + D), [503]),
        (_at(3.0 + D + TIMING.ehlo + TIMING.mail), [250, 250]),
    ]
    assert lines(s.writes[3])[0][1] == "250-PIPE_CONNECT submit.example.net.v1.plain"


def test_quit_is_answered_while_refusing() -> None:
    s = serve(EARLY)
    s.send(1.0, [command(text.ehlo_with_token("stale")), MAIL, command("QUIT")])
    s.run()
    assert s.replies()[1:] == [(_at(1.0 + D + TIMING.ehlo + TIMING.quit), [504, 503, 221])]
    assert s.pipe.server.closing()


def test_a_refused_bdat_chunk_is_read_and_discarded() -> None:
    """RFC 3030 §2: the chunk follows its BDAT whatever the reply, so the server reads it;
    one 503 for BDAT and its chunk, and no message."""
    s = serve(EARLY)
    s.send(1.0, [command(text.ehlo_with_token("stale")), MAIL, command(text.bdat_last(100)),
                 Content(100, text.body(100))])
    s.send(2.0, [command("NOOP")])  # still refused: no QHLO or EHLO since
    s.send(3.0, [command(text.ehlo())])
    s.run(until=4.0)
    assert s.replies()[1:] == [(_at(1.0 + D + TIMING.ehlo), [504, 503, 503]),
                               (_at(2.0 + D), [503]),
                               (_at(3.0 + D + TIMING.ehlo), [250])]
    assert s.stats.messages == 0


def test_a_current_token_gets_the_list_and_the_group_its_replies() -> None:
    s = serve(EARLY)
    token = s.frontend.token("plain")
    assert token == "submit.example.net.v1.plain"
    s.send(1.0, [command(text.ehlo_with_token(token)), MAIL, RCPT])
    s.run(until=2.0)
    done = 1.0 + D + TIMING.ehlo + TIMING.mail + TIMING.rcpt
    assert s.replies()[1:] == [(_at(done), [250, 250, 250])]


def test_a_new_configuration_makes_the_token_stale() -> None:
    s = serve(EARLY)
    s.frontend.config_version = 2
    s.send(1.0, [command(text.ehlo_with_token("submit.example.net.v1.plain"))])
    s.run(until=2.0)
    assert s.replies()[1:] == [(_at(1.0 + D + TIMING.ehlo), [504])]
    assert lines(s.writes[0])[0][1] == "220 PIPE_CONNECT submit.example.net.v2.plain"


# ---------------------------------------------------------------------- QUICKSTART
@pytest.mark.parametrize(
    ("offer", "qhlo", "expected"),
    [
        # basic profile: the greeting had the list; QHLO gets a bare 250
        (ServerOffer(quickstart="basic"), text.qhlo(), ["250 submit.example.net"]),
        # full profile, no id: the list with the id to cache (cleartext: STARTTLS listed)
        (FULL, text.qhlo(), [
            "250-submit.example.net",
            "250-QUICKSTART QTLS AUTH QHLO=submit.example.net.v1.plain", *LIST_TAIL,
            "250-STARTTLS", "250-AUTH PLAIN LOGIN SCRAM-SHA-256", "250-ENHANCEDSTATUSCODES",
            "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"]),
        # full profile, current id: a bare 250
        (FULL, text.qhlo("submit.example.net.v1.plain"), ["250 submit.example.net"]),
        # full profile, stale id, before TLS: 504
        (FULL, text.qhlo("submit.example.net.v0.plain"),
         ["504 5.5.1 Please use the correct QHLO ID"]),
    ],
)
def test_qhlo(offer: ServerOffer, qhlo: str, expected: list[str]) -> None:
    s = serve(offer)
    s.send(1.0, [command(qhlo)])
    s.run(until=2.0)
    assert s.writes[1].time_s == _at(1.0 + D + TIMING.ehlo)
    assert lines(s.writes[1]) == [expected]


def _after_qtls(offer: ServerOffer, tls: TlsConfig, group: list[object]):
    """QTLS + ClientHello at once (not waiting for the greeting, as a full-profile client
    with a cache does); after the TLS 1.2 handshake the client writes ``group``."""
    s = serve(offer, tls=tls)

    def client():
        yield from client_handshake(s.env, s.channel, tls, "1.2", False,
                                    lead=[command("QTLS")], stash=[])
        s.channel.send(group)

    s.process(client)
    return s.run(until=3.0)


def test_qtls_starts_the_handshake_without_a_reply_and_basic_regreets() -> None:
    """No TLS CPU: QTLS and the ClientHello arrive at D; the server's flight at once (no
    reply to QTLS); the client's flight arrives at 3D; the server's Finished then, and the
    basic profile's new greeting with the list after it (quickstart-01 §5), without
    STARTTLS, in a TLS record."""
    tls = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0)
    s = _after_qtls(ServerOffer(quickstart="basic"), tls, [])
    regreeting = [
        "220-submit.example.net ESMTP Postfix", "220-QUICKSTART QTLS AUTH",
        "220-PIPELINING", "220-SIZE 52428800", "220-ETRN", "220-AUTH PLAIN LOGIN SCRAM-SHA-256",
        "220-ENHANCEDSTATUSCODES", "220-8BITMIME", "220-DSN", "220-SMTPUTF8", "220 CHUNKING"]
    assert [(w.time_s, w.sizes) for w in s.writes[1:]] == [
        (_at(D), [tls.server_flight]),
        (_at(3 * D), [tls.server_finished_12]),
        (_at(3 * D), [sum(len(line) + 2 for line in regreeting) + tls.record_overhead_12]),
    ]
    assert lines(s.writes[-1]) == [regreeting]


def test_a_stale_qhlo_id_after_tls_gets_520_with_the_list() -> None:
    """Full profile: after the handshake (client done at 4D), QHLO <old id> + AUTH + MAIL in
    one TLS record; at 5D + 2 ms one TLS record with 520 and the current list for the TLS
    context (no STARTTLS) and 503 for AUTH and MAIL (quickstart-b §6, §7)."""
    tls = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0)
    s = _after_qtls(FULL, tls, [command(text.qhlo("submit.example.net.v0.tls")), AUTH, MAIL])
    listed = [
        "520-Please use the correct QHLO ID",
        "520-QUICKSTART QTLS AUTH QHLO=submit.example.net.v1.tls",
        "520-PIPELINING", "520-SIZE 52428800", "520-ETRN", "520-AUTH PLAIN LOGIN SCRAM-SHA-256",
        "520-ENHANCEDSTATUSCODES", "520-8BITMIME", "520-DSN", "520-SMTPUTF8", "520 CHUNKING"]
    refused = "503 5.5.1 Error: send QHLO first"
    last = s.writes[-1]
    assert last.time_s == _at(5 * D + TIMING.ehlo)
    assert lines(last) == [listed, [refused], [refused]]
    assert last.sizes == [sum(len(line) + 2 for line in [*listed, refused, refused])
                          + tls.record_overhead_12]


def test_the_current_qhlo_id_after_tls_gets_a_bare_250_and_the_group_its_replies() -> None:
    tls = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0)
    s = _after_qtls(FULL, tls, [command(text.qhlo("submit.example.net.v1.tls")), AUTH, MAIL])
    done = 5 * D + TIMING.ehlo + TIMING.auth + TIMING.mail
    assert s.replies()[-1] == (_at(done), [250, 235, 250])
    assert lines(s.writes[-1]) == [["250 submit.example.net"], [f"235 {text.AUTH_OK}"],
                                   [f"250 {text.MAIL_OK}"]]
