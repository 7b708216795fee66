"""A server that writes every reply line on its own (``Server.reply_writes`` "line"), over a
fake socket.

aiosmtpd 1.4.3 answers through ``SMTP.push``, which does ``self._writer.write(response +
b"\\r\\n")`` and then ``await self._writer.drain()`` for every line; ``smtp_EHLO`` pushes each
line of the multi-line EHLO reply, and each command of a pipelined group is answered as it is
processed (``_handle_client`` reads, handles and pushes one line at a time), so nothing is
buffered as RFC 2920 §3.2 allows a server to (``test_server_session``: the "group" server).
So: one write per line, each at the end of its command's processing; under TLS each write is
a TLS record of its own. The client has a multi-line reply when its last line (the code
followed by a space, RFC 5321 §4.2.1) has come: only that line completes it.

Times: see ``serving`` (D = 100 ms one way; greeting 1 ms, EHLO 2 ms, STARTTLS 3 ms, MAIL
5 ms, RCPT 6 ms, DATA 7 ms); a command written at t arrives at t + D.
"""

from __future__ import annotations

import pytest

from smtpsim.model import TlsConfig, text
from smtpsim.simulator.frontend import ServerOffer
from smtpsim.simulator.smtp.messages import Reply
from smtpsim.simulator.tls import client_handshake

from .serving import TIMING, D, G, command, serve

TOL = 1e-9
#: The list a Postfix-like submission server sends before TLS (``test_server_greeting``):
#: 11 lines; after TLS STARTTLS is gone: 10.
BEFORE_TLS = ["250-submit.example.net", "250-PIPELINING", "250-SIZE 52428800", "250-ETRN",
              "250-STARTTLS", "250-AUTH PLAIN LOGIN SCRAM-SHA-256", "250-ENHANCEDSTATUSCODES",
              "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"]
AFTER_TLS = [line for line in BEFORE_TLS if line != "250-STARTTLS"]


def _at(t: float) -> object:
    return pytest.approx(t, abs=TOL)


def _size(line: str) -> int:
    return len(line) + 2  # the text and CRLF


def test_the_ehlo_reply_is_one_write_per_line_and_read_at_its_last() -> None:
    """EHLO arrives at 1 + D and is processed for 2 ms: then its 11 lines are 11 writes, of
    one record each, the line's bytes (24, 16, 19, 10, 14, 36, 25, 14, 9, 14, 14 B); the
    client gets the reply once, with the last line (at 1 + 2D + 2 ms)."""
    s = serve(reply_writes="line")
    s.send(1.0, [command(text.ehlo())])
    s.run(until=2.0)
    banner, *listed = s.writes
    assert banner.time_s == _at(G) and banner.sizes == [38]
    assert [(w.time_s, w.sizes) for w in listed] == [
        (_at(1.0 + D + TIMING.ehlo), [_size(line)]) for line in BEFORE_TLS]
    assert [w.sizes[0] for w in listed] == [24, 16, 19, 10, 14, 36, 25, 14, 9, 14, 14]
    # the first ten lines complete nothing; the last one the whole reply
    assert [len(w.items) for w in listed] == [0] * 10 + [1]
    (at, reply), = [(t, i) for t, i in s.pipe.client.received if isinstance(i, Reply)
                    and i.code == 250]
    assert at == _at(1.0 + 2 * D + TIMING.ehlo)
    assert reply.lines == BEFORE_TLS


def test_a_pipelined_group_is_answered_command_by_command() -> None:
    """MAIL + 2 RCPT + DATA in one write, arriving at 1 + D: each reply is written when its
    command is processed, not buffered until the group is: 250 at +5 ms, 250 at +11, 250 at
    +17, 354 at +24 (14, 14, 14 and 37 B); the "group" server writes the four at once at
    +24 ms (``test_server_session``)."""
    s = serve(reply_writes="line")
    s.send(1.0, [command(text.mail_from(100, True)), command(text.rcpt_to(0)),
                 command(text.rcpt_to(1)), command("DATA")])
    s.run(until=2.0)
    t = 1.0 + D
    done = [t + TIMING.mail, t + TIMING.mail + TIMING.rcpt, t + TIMING.mail + 2 * TIMING.rcpt,
            t + TIMING.mail + 2 * TIMING.rcpt + TIMING.data]
    assert s.replies()[1:] == [(_at(done[0]), [250]), (_at(done[1]), [250]),
                               (_at(done[2]), [250]), (_at(done[3]), [354])]
    assert [w.sizes for w in s.writes[1:]] == [[14], [14], [14], [37]]


def test_after_starttls_each_line_is_a_tls_record_of_its_own() -> None:
    """RFC 3207 §4: after the TLS 1.2 handshake the list has 10 lines (no STARTTLS, §4.2);
    written line by line each is a TLS record with 29 B of overhead (RFC 5288: 5 B header,
    8 B explicit nonce, 16 B tag), in a write of its own: 10 writes of 53, 45, 48, 39, 65,
    54, 43, 38, 43 and 43 B, where the "group" server writes one record of 245 B. Times as
    ``test_server_greeting``'s STARTTLS test: the list at 807.5 ms."""
    s = serve(reply_writes="line")
    tls = s.tls
    sock = s.pipe.client

    def client():
        yield sock.recv()  # the banner
        s.channel.send([command("STARTTLS")])
        yield sock.recv()  # 220
        yield from client_handshake(s.env, s.channel, tls, "1.2", False)
        s.channel.send([command(text.ehlo())])

    s.process(client)
    s.run(until=2.0)
    listed = s.writes[-10:]
    assert [(w.time_s, w.sizes) for w in listed] == [
        (_at(0.8075), [_size(line) + tls.record_overhead_12]) for line in AFTER_TLS]
    assert [w.sizes[0] for w in listed] == [53, 45, 48, 39, 65, 54, 43, 38, 43, 43]
    assert s.writes[-11].sizes == [tls.server_finished_12]


def test_a_half_rtt_banner_follows_the_flight_line_by_line() -> None:
    """Implicit TLS 1.3 with the banner as 0.5-RTT data (RFC 8446 §2) of an early-pipelining
    server: 2 lines, "220-submit.example.net ESMTP Postfix" and "220 PIPE_CONNECT
    submit.example.net.v1.plain" (38 and 46 B with CRLF). The "group" server writes them in
    the flight's write as one record (84 + 22 B); line by line, the flight is a write of its
    own, at D, and each line another, a TLS 1.3 record with 22 B of overhead: 60 and 68 B."""
    tls = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0)
    offer = ServerOffer(tls_version="1.3", implicit_tls=True, banner_half_rtt=True,
                        early_pipelining=True)
    for writes, shape in (
        ("group", [[tls.server_flight, 38 + 46 + 22]]),
        ("line", [[tls.server_flight], [38 + 22], [46 + 22]]),
    ):
        s = serve(offer, tls=tls, reply_writes=writes)  # type: ignore[arg-type]

        def client(s=s):
            yield from client_handshake(s.env, s.channel, tls, "1.3", False)

        s.process(client)
        s.run(until=2.0)
        first = [w for w in s.writes if w.time_s == _at(D)]
        assert [w.sizes for w in first] == shape, writes
