"""What the submission server says it offers: the banner, the EHLO list (RFC 5321 §4.1.1.1,
RFC 6409), HELO, and STARTTLS with its handshake (RFC 3207 §4), over a fake socket.

The list, as a Postfix submission service shows it: PIPELINING (RFC 2920), SIZE (RFC 1870),
ETRN, STARTTLS before TLS only (RFC 3207 §4.2: not after the handshake), AUTH (RFC 4954),
ENHANCEDSTATUSCODES, 8BITMIME, DSN, SMTPUTF8, CHUNKING (RFC 3030); a server with an IMAP
server behind it adds ``BURL imap`` (RFC 4468 §3.3), an early-pipelining server
``PIPE_CONNECT`` with its token (draft-harris-early-pipe), a QUICKSTART one its keyword with
QTLS, AUTH and, full profile, the qhlo-id (draft-fanf-smtp-quickstart-01 §4). The token of a
front-end named ``submit.example.net``, configuration 1, is ``submit.example.net.v1.plain``
in cleartext and ``...v1.tls`` after TLS.
"""

from __future__ import annotations

import pytest

from smtpsim.model import TlsConfig, text
from smtpsim.simulator.frontend import ServerOffer
from smtpsim.simulator.smtp.messages import Reply
from smtpsim.simulator.tls import client_handshake

from .serving import TIMING, D, G, command, lines, serve

TOL = 1e-9
TOKEN = "submit.example.net.v1.plain"
BANNER = "submit.example.net ESMTP Postfix"
REST = ["PIPELINING", "SIZE 52428800", "ETRN"]
TAIL = ["AUTH PLAIN LOGIN SCRAM-SHA-256", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8",
        "CHUNKING"]


def _list(code: int, first: str, keywords: list[str]) -> list[str]:
    """A multi-line reply: ``code-`` on every line but the last (RFC 5321 §4.2.1)."""
    words = [first, *keywords]
    return [f"{code}-{w}" for w in words[:-1]] + [f"{code} {words[-1]}"]


def _ehlo(offer: ServerOffer | None = None, fetcher: object = None) -> list[str]:
    s = serve(offer, fetcher=fetcher)
    s.send(1.0, [command(text.ehlo())])
    s.run(until=2.0)
    (reply,) = s.writes[1].items
    assert s.writes[1].time_s == pytest.approx(1.0 + D + TIMING.ehlo, abs=TOL)
    assert s.writes[1].sizes == [sum(len(line) + 2 for line in reply.lines)]
    return reply.lines


def test_the_ehlo_list_before_tls_offers_starttls() -> None:
    assert _ehlo() == _list(250, text.SERVER_DOMAIN, [*REST, "STARTTLS", *TAIL])


@pytest.mark.parametrize(
    ("offer", "extra"),
    [
        (ServerOffer(early_pipelining=True), [f"PIPE_CONNECT {TOKEN}"]),
        (ServerOffer(quickstart="basic"), ["QUICKSTART QTLS AUTH"]),
        (ServerOffer(quickstart="full"), [f"QUICKSTART QTLS AUTH QHLO={TOKEN}"]),
    ],
)
def test_the_ehlo_list_names_what_the_offer_adds_first(offer: ServerOffer,
                                                       extra: list[str]) -> None:
    assert _ehlo(offer) == _list(250, text.SERVER_DOMAIN, [*extra, *REST, "STARTTLS", *TAIL])


def test_burl_is_listed_when_an_imap_server_is_behind() -> None:
    offer = ServerOffer(early_pipelining=True)
    assert _ehlo(offer, fetcher=object()) == _list(
        250, text.SERVER_DOMAIN,
        [f"PIPE_CONNECT {TOKEN}", "BURL imap", *REST, "STARTTLS", *TAIL])


def test_helo_gets_the_servers_name_only() -> None:
    """RFC 5321 §4.1.1.1: HELO's 250 carries no extensions."""
    s = serve()
    s.send(1.0, [command(f"HELO {text.CLIENT_DOMAIN}")])
    s.run(until=2.0)
    assert s.replies()[1] == (pytest.approx(1.0 + D + TIMING.ehlo, abs=TOL), [250])
    assert lines(s.writes[1]) == [["250 submit.example.net"]]


@pytest.mark.parametrize(
    ("offer", "banner"),
    [
        (ServerOffer(), [f"220 {BANNER}"]),
        # the thread's "server configuration indicator": the token on a second line
        (ServerOffer(early_pipelining=True), [f"220-{BANNER}", f"220 PIPE_CONNECT {TOKEN}"]),
        # quickstart-01 §3: the capabilities in an extended greeting
        (ServerOffer(quickstart="basic"),
         _list(220, BANNER, ["QUICKSTART QTLS AUTH", *REST, "STARTTLS", *TAIL])),
        (ServerOffer(quickstart="full"),
         _list(220, BANNER, [f"QUICKSTART QTLS AUTH QHLO={TOKEN}", *REST, "STARTTLS", *TAIL])),
    ],
)
def test_the_banner_per_offer(offer: ServerOffer, banner: list[str]) -> None:
    s = serve(offer).run(until=1.0)
    (write,) = s.writes
    assert write.time_s == pytest.approx(G, abs=TOL)
    assert lines(write) == [banner]


def test_starttls_then_the_handshake_then_a_list_without_starttls() -> None:
    """RFC 3207 §4: 220, then the TLS 1.2 handshake (sizes and CPU of ``TlsConfig``); after
    it the client must greet again, and the list no longer offers STARTTLS (§4.2). Every
    write after the handshake is one TLS record with 29 B of overhead.

    Banner at 1 ms, at the client at 101 ms; STARTTLS then, 220 written at 201 + 3 = 204 ms;
    ClientHello at 304 ms; the server's flight at 404 + 1 = 405 ms; the client's at 505 +
    0.5 = 505.5 ms; the server's Finished at 605.5 ms; EHLO at 705.5 ms; its list at 805.5 +
    2 = 807.5 ms."""
    s = serve()
    tls = s.tls
    sock = s.pipe.client
    out: dict[str, object] = {}

    def client():
        yield sock.recv()  # the banner
        s.channel.send([command("STARTTLS")])
        out["ready"] = yield sock.recv()
        out["tls"] = yield from client_handshake(s.env, s.channel, tls, "1.2", False)
        s.channel.send([command(text.ehlo())])

    s.process(client)
    s.run(until=2.0)
    ready = 0.204
    hello_arrives = ready + 2 * D
    server_flight = hello_arrives + tls.server_cpu_s
    server_finished = server_flight + 2 * D + tls.client_cpu_s
    listed = server_finished + 2 * D + TIMING.ehlo
    after = _list(250, text.SERVER_DOMAIN, [*REST, *TAIL])
    assert [(pytest.approx(w.time_s, abs=TOL), w.sizes) for w in s.writes] == [
        (G, [38]),
        (ready, [text.line_bytes("220 2.0.0 Ready to start TLS")]),
        (server_flight, [tls.server_flight]),
        (server_finished, [tls.server_finished_12]),
        (listed, [sum(len(line) + 2 for line in after) + tls.record_overhead_12]),
    ]
    assert isinstance(out["ready"], Reply) and out["ready"].lines == [
        f"220 {text.STARTTLS_READY}"]
    assert lines(s.writes[-1]) == [after]


def test_implicit_tls_handshake_at_connect_then_the_banner() -> None:
    """RFC 8314 §3: TLS from the first byte. No TLS CPU here: the server's TLS 1.3 flight
    answers the ClientHello at D; the client's Finished arrives at 3D, the server issues its
    two tickets (RFC 8446 §4.6.1), one write each as OpenSSL flushes after each
    NewSessionTicket (``ossl_statem_server_post_work``), and then writes the banner, in a
    TLS record (22 B overhead)."""
    tls = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0)
    s = serve(ServerOffer(tls_version="1.3", implicit_tls=True), tls=tls)

    def client():
        yield from client_handshake(s.env, s.channel, tls, "1.3", False)

    s.process(client)
    s.run(until=2.0)
    assert [(pytest.approx(w.time_s, abs=TOL), w.sizes) for w in s.writes] == [
        (D, [tls.server_flight]),
        (3 * D, [tls.ticket_bytes]),
        (3 * D, [tls.ticket_bytes]),
        (3 * D, [text.line_bytes(f"220 {BANNER}") + tls.record_overhead_13]),
    ]
    assert lines(s.writes[-1]) == [[f"220 {BANNER}"]]
