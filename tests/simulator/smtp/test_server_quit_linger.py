"""A server that waits for the client's FIN after QUIT (``Server.quit_linger_s``), as Exim 4.96
does, over the fake socket of ``serving`` (D = 100 ms one way; end of data 8 ms, QUIT 9 ms).

Exim 4.96 ``src/src/smtp_in.c smtp_quit_handler``: ``setsockopt(fileno(smtp_out), IPPROTO_TCP,
EXIM_TCP_CORK, &on ...)``, ``smtp_printf("221 %s closing connection\\r\\n", FALSE, ...)``,
``tls_close(NULL, TLS_SHUTDOWN_WAIT)``, then "Pause, hoping client will FIN first so that they
get the TIME_WAIT": ``poll_one_fd(fileno(smtp_in), POLLIN, 200)``, and the process exits (the
close uncorks the socket). So in cleartext the 221, and the 250 held with it (``smtp_printf``
with ``more`` while QUIT was already readable), leaves with the server's FIN when the client's
FIN arrives or 200 ms after the 221 was written, whichever is first; under TLS the 221 leaves
at once and only the close waits.
"""

from __future__ import annotations

import pytest

from smtpsim.model import TlsConfig, text
from smtpsim.simulator.content import Content
from smtpsim.simulator.frontend import ServerOffer
from smtpsim.simulator.tls import client_handshake

from .serving import TIMING, D, command, serve

TOL = 1e-9
LINGER = 0.2  # poll_one_fd(..., POLLIN, 200)
CONTENT = Content(103, text.body(100, terminator=True))
#: the content and QUIT, written at 1.0, are read at 1.1; the 250 and the 221 are ready after
#: the end of data and QUIT: 1.1 + 8 ms + 9 ms
READY = 1.0 + D + TIMING.end_of_data + TIMING.quit


def _at(t: float) -> object:
    return pytest.approx(t, abs=TOL)


def test_cleartext_the_corked_replies_wait_for_the_end_of_the_poll() -> None:
    """The client writes the content and QUIT together and waits for the replies (it does not
    close): the 250 and the 221 are written together when the 200 ms poll ends, at
    1.117 + 0.2 = 1.317, and the server closes then. Without the wait they leave at 1.117
    (``test_server_session``)."""
    s = serve(quit_linger_s=LINGER)
    s.send(1.0, [CONTENT, command("QUIT")])
    s.run()
    assert s.replies()[1:] == [(_at(READY + LINGER), [250, 221])]
    assert s.pipe.server.closed_s == _at(READY + LINGER)


def test_cleartext_a_fin_sent_with_quit_releases_the_replies_at_once() -> None:
    """The client writes the content and QUIT and closes its side at once (Exim's own client:
    QUIT, then ``shutdown(SHUT_WR)``): its FIN arrives with them at 1.1, before the server is
    done at 1.117, so the poll returns at once: 250 + 221 at 1.117 and the server's close."""
    s = serve(quit_linger_s=LINGER)
    s.send(1.0, [CONTENT, command("QUIT")])
    s.close(1.0)
    s.run()
    assert s.replies()[1:] == [(_at(READY), [250, 221])]
    assert s.pipe.server.closed_s == _at(READY)


def test_cleartext_a_later_fin_ends_the_wait_when_it_arrives() -> None:
    """The client's FIN, sent at 1.05, arrives at 1.15, 33 ms into the poll: the replies and
    the server's close go then."""
    s = serve(quit_linger_s=LINGER)
    s.send(1.0, [CONTENT, command("QUIT")])
    s.close(1.05)
    s.run()
    assert s.replies()[1:] == [(_at(1.05 + D), [250, 221])]
    assert s.pipe.server.closed_s == _at(1.05 + D)


@pytest.mark.parametrize(("client_fin", "server_close"), [
    (None, 1.0 + D + TIMING.quit + LINGER),  # no FIN: the poll's 200 ms, 1.309
    (1.15, 1.15 + D),  # the FIN arrives at 1.25, inside the poll
])
def test_under_tls_the_221_leaves_at_once_and_the_close_waits(
    client_fin: float | None, server_close: float,
) -> None:
    """Implicit TLS 1.3 (no TLS CPU), QUIT written at 1.0, read at 1.1: the 221 is written at
    1.109 (the TLS layer's close_notify is not modelled); the server closes when the client's
    FIN arrives or 200 ms later, at 1.309."""
    tls = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0)
    s = serve(ServerOffer(tls_version="1.3", implicit_tls=True), tls=tls,
              quit_linger_s=LINGER)

    def client():
        yield from client_handshake(s.env, s.channel, tls, "1.3", False)

    s.process(client)
    s.send(1.0, [command("QUIT")])
    if client_fin is not None:
        s.close(client_fin)
    s.run()
    assert s.replies()[-1] == (_at(1.0 + D + TIMING.quit), [221])
    assert s.pipe.server.closed_s == _at(server_close)
