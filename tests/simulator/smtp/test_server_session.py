"""The submission server's session (``ServerSession``) over a fake socket: when it writes
(the RFC 2920 §3.2 flush rule), what each command costs, and the commands of a message
transaction and of the session's end.

RFC 2920 §3.2: a server may defer its responses while the client keeps sending, but must
not wait for input with responses unsent. So a pipelined group that arrives together is
answered in one write once it is all processed; a lone command at once; a group whose parts
arrive apart, in parts; a command that arrives while the server is still busy with the one
before joins that one's write. Times: see ``serving`` (D = 100 ms one way, every step its own
processing time); a command written at t arrives at t + D.
"""

from __future__ import annotations

import pytest
import simpy

from smtpsim.model import text
from smtpsim.simulator.content import Content
from smtpsim.simulator.smtp.messages import BurlCommand
from smtpsim.simulator.tcp import CLOSED

from .serving import TIMING, D, G, command, lines, serve

TOL = 1e-9
MAIL = command(text.mail_from(100, True))
RCPT0, RCPT1 = command(text.rcpt_to(0)), command(text.rcpt_to(1))
DATA = command("DATA")


def _at(t: float) -> object:
    return pytest.approx(t, abs=TOL)


def test_the_banner_is_written_after_the_greeting_time() -> None:
    """RFC 5321 §4.2: 220 with the server's name; 38 bytes with CRLF."""
    s = serve().run(until=1.0)
    (write,) = s.writes
    assert write.time_s == _at(G)
    assert lines(write) == [["220 submit.example.net ESMTP Postfix"]]
    assert write.sizes == [38]
    assert s.stats.accepted_s == 0.0 and s.stats.worker_s == 0.0


def test_a_lone_command_is_answered_at_once() -> None:
    s = serve()
    s.send(1.0, [command(text.ehlo())])
    s.run(until=2.0)
    assert s.replies() == [(_at(G), [220]), (_at(1.0 + D + TIMING.ehlo), [250])]


def test_a_pipelined_group_arriving_together_is_answered_in_one_write() -> None:
    """MAIL + 2 RCPT + DATA in one write: one write of four replies once all four are
    processed, 5 + 2 x 6 + 7 ms after they arrived."""
    s = serve()
    s.send(1.0, [MAIL, RCPT0, RCPT1, DATA])
    s.run(until=2.0)
    done = 1.0 + D + TIMING.mail + 2 * TIMING.rcpt + TIMING.data
    assert s.replies()[1:] == [(_at(done), [250, 250, 250, 354])]
    assert lines(s.writes[1]) == [[f"250 {text.MAIL_OK}"], [f"250 {text.RCPT_OK}"],
                                  [f"250 {text.RCPT_OK}"], [f"354 {text.DATA_GO}"]]
    # in cleartext each reply is its own record: its text and CRLF
    assert s.writes[1].sizes == [14, 14, 14, 37]


def test_a_group_split_across_arrivals_is_answered_in_parts() -> None:
    s = serve()
    s.send(1.0, [MAIL])
    s.send(1.05, [RCPT0])
    s.send(1.2, [DATA])
    s.run(until=2.0)
    assert s.replies()[1:] == [
        (_at(1.0 + D + TIMING.mail), [250]),
        (_at(1.05 + D + TIMING.rcpt), [250]),
        (_at(1.2 + D + TIMING.data), [354]),
    ]


def test_a_command_that_arrives_while_the_server_is_busy_joins_the_write() -> None:
    """RCPT arrives 3 ms after MAIL, while MAIL's 5 ms run: when MAIL is done input is
    waiting, so its 250 waits for RCPT's."""
    s = serve()
    s.send(1.0, [MAIL])
    s.send(1.003, [RCPT0])
    s.run(until=2.0)
    assert s.replies()[1:] == [(_at(1.0 + D + TIMING.mail + TIMING.rcpt), [250, 250])]


def test_the_content_is_answered_at_its_end_after_the_end_of_data_time() -> None:
    """DATA's content with its terminator (RFC 5321 §4.1.1.4) gets the 250 with the queue
    id; content without the terminator is not answered: nothing is written for it."""
    s = serve()
    s.send(1.0, [Content(5000, text.body(5000), last=False)])
    s.send(1.5, [Content(text.TERMINATOR_BYTES, text.DATA_TERMINATOR)])
    s.run(until=2.0)
    assert s.replies()[1:] == [(_at(1.5 + D + TIMING.end_of_data), [250])]
    assert lines(s.writes[1]) == [[f"250 {text.QUEUED_DATA}"]]
    assert s.stats.messages == 1


def test_the_content_may_begin_a_group_that_quit_ends() -> None:
    """RFC 2920 §3.1: content + QUIT in one write: 250 and 221 in one write, then close."""
    s = serve()
    s.send(1.0, [Content(103, text.body(100, terminator=True)), command("QUIT")])
    s.run()
    assert s.replies()[1:] == [(_at(1.0 + D + TIMING.end_of_data + TIMING.quit), [250, 221])]
    assert s.pipe.server.closed_s == _at(1.0 + D + TIMING.end_of_data + TIMING.quit)


def test_bdat_with_its_chunk_in_the_group() -> None:
    """RFC 3030 §2: MAIL + RCPT + BDAT <n> LAST + the chunk in one write; no 354, and the
    250 that ends the group names the octets received."""
    s = serve()
    s.send(1.0, [MAIL, RCPT0, command(text.bdat_last(100)), Content(100, text.body(100))])
    s.run(until=2.0)
    done = 1.0 + D + TIMING.mail + TIMING.rcpt + TIMING.end_of_data
    assert s.replies()[1:] == [(_at(done), [250, 250, 250])]
    assert lines(s.writes[1])[2] == ["250 2.0.0 Ok: 100 octets, queued"]
    assert s.stats.messages == 1


def test_bdat_waits_for_a_chunk_that_comes_later() -> None:
    s = serve()
    s.send(1.0, [command(text.bdat_last(100))])
    s.send(1.5, [Content(100, text.body(100))])
    s.run(until=2.0)
    assert s.replies()[1:] == [(_at(1.5 + D + TIMING.end_of_data), [250])]
    assert lines(s.writes[1]) == [[f"250 {text.bdat_queued(100)}"]]


def test_noop_and_an_unknown_verb_cost_nothing() -> None:
    """NOOP (RFC 5321 §4.1.1.9): 250. A verb the server does not know: 502 (§4.2.4)."""
    s = serve()
    s.send(1.0, [command("NOOP")])
    s.send(2.0, [command("VRFY alice")])
    s.run(until=3.0)
    assert s.replies()[1:] == [(_at(1.0 + D), [250]), (_at(2.0 + D), [502])]
    assert lines(s.writes[1]) == [["250 2.0.0 Ok"]]
    assert lines(s.writes[2]) == [["502 5.5.2 Error: command not recognized"]]


def test_quit_is_answered_then_the_server_closes() -> None:
    """RFC 5321 §4.1.1.10: 221, then the server closes; the client reads the 221 and then
    the close."""
    s = serve()
    s.send(1.0, [command("QUIT")])
    s.run()
    bye = 1.0 + D + TIMING.quit
    assert s.replies()[1:] == [(_at(bye), [221])]
    assert lines(s.writes[1]) == [[f"221 {text.BYE}"]]
    assert s.pipe.server.closed_s == _at(bye)
    assert s.stats.closed_s == _at(bye)
    assert s.pipe.client.received[-2:] == [(_at(bye + D), s.writes[1].items[0]),
                                           (_at(bye + D), CLOSED)]


def test_an_idle_client_gets_421_and_the_close() -> None:
    """RFC 5321 §4.5.3.2.7 (Postfix ``smtpd_timeout``): with a 5 s limit the server writes
    421 5 s after it began to wait for the next command (its EHLO reply at 1.102), then
    closes."""
    s = serve(idle_s=5.0)
    s.send(1.0, [command(text.ehlo())])
    s.run()
    waited_from = 1.0 + D + TIMING.ehlo
    assert s.replies()[1:] == [(_at(waited_from), [250]), (_at(waited_from + 5.0), [421])]
    assert lines(s.writes[2]) == [["421 4.4.2 submit.example.net Error: timeout exceeded"]]
    assert s.pipe.server.closed_s == _at(waited_from + 5.0)
    assert s.stats.closed_s == _at(waited_from + 5.0)


def test_the_client_closing_ends_the_session_without_a_reply() -> None:
    """No QUIT (``quit-drop``): the server reads the close and closes too."""
    s = serve()
    s.env.timeout(1.0).callbacks.append(lambda _ev: s.pipe.client.close())
    s.run()
    assert s.replies() == [(_at(G), [220])]
    assert s.stats.closed_s == _at(1.0 + D)


def test_burl_without_a_fetcher_is_refused() -> None:
    """A server with no IMAP server behind it does not offer BURL (RFC 4468 §3.3): 502."""
    s = serve()
    s.send(1.0, [BurlCommand(text.burl_url(text.FIRST_UID), 100)])
    s.run(until=2.0)
    assert s.replies()[1:] == [(_at(1.0 + D), [502])]
    assert lines(s.writes[1]) == [[f"502 {text.BURL_UNAVAILABLE}"]]
    assert s.stats.messages == 0


class _Fetcher:
    """A stand-in for ``ImapFetcher``: the URLFETCH takes ``seconds``, or fails."""

    def __init__(self, seconds: float, fails: bool = False) -> None:
        self.seconds, self.fails = seconds, fails
        self.env: simpy.Environment | None = None  # the run's, once it exists
        self.fetched: list[tuple[str, int]] = []

    def fetch(self, url: str, size: int):
        self.fetched.append((url, size))
        assert self.env is not None
        yield self.env.timeout(self.seconds)
        if self.fails:
            raise ConnectionError("URLFETCH failed")


@pytest.mark.parametrize(("fails", "code", "reply"),
                         [(False, 250, text.QUEUED_BURL), (True, 554, text.BURL_FAILED)])
def test_burl_fetches_the_message_before_its_reply(fails: bool, code: int, reply: str) -> None:
    """RFC 4468 §3.2: the server resolves the URL before it answers; the 250 includes the
    fetch (20 ms here) and the end of data. A failed fetch is 554 with RFC 4468's 5.6.6,
    without the end of data."""
    fetcher = _Fetcher(0.020, fails)
    s = serve(fetcher=fetcher)
    fetcher.env = s.env
    url = text.burl_url(text.FIRST_UID)
    s.send(1.0, [MAIL, RCPT0, BurlCommand(url, 4000)])
    s.run(until=2.0)
    done = 1.0 + D + TIMING.mail + TIMING.rcpt + 0.020 + (0.0 if fails else TIMING.end_of_data)
    assert s.replies()[1:] == [(_at(done), [250, 250, code])]
    assert lines(s.writes[1])[2] == [f"{code} {reply}"]
    assert fetcher.fetched == [(url, 4000)]
    assert s.stats.messages == (0 if fails else 1)
