"""The IMAP server (``ImapServer``) and the client's session (``ImapSession``) against each
other over a fake socket (``fakes.Pipe``, one-way delay D = 0.1 s), message by message.

Server processing (``ServerTiming``): APPEND 5 ms (after the literal), GENURLAUTH 2 ms,
URLFETCH 3 ms, AUTHENTICATE 10 ms; the continuation request, BAD and LOGOUT cost nothing.
Every line is its text and CRLF; every write after TLS one TLS 1.3 record (22 B overhead,
16384 B at most, ``TlsConfig``). An open session (``warm``) has TLS up and its user
authenticated; a fresh one runs implicit TLS 1.3 (RFC 8314 §3), then the server greets
(RFC 3501 §7.1.1) and the client authenticates with SASL-IR (RFC 4959).
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
import simpy

from smtpsim.model import ServerTiming, TlsConfig, text
from smtpsim.simulator.content import Content
from smtpsim.simulator.imap import ImapFetcher, ImapLine, ImapServer, ImapSession
from smtpsim.simulator.tcp import CLOSED
from smtpsim.simulator.tls import Channel

from ..fakes import FakeConnection, Pipe

D = 0.1
TOL = 1e-9
TIMING = ServerTiming(imap_append=0.005, imap_genurlauth=0.002, imap_urlfetch=0.003,
                      imap_auth=0.010)
TLS = TlsConfig()
OH = TLS.record_overhead_13
Mode = Literal["implicit", "starttls", "plain"]  # Features.imap_tls
URL_42 = ("imap://alice%40example.org@imap.example.net/Sent;UIDVALIDITY=1/;UID=42"
          ";urlauth=submit+alice:internal:91354a473744909de610943775f92038")


def _bytes(*lines: str) -> int:
    return sum(len(line) + 2 for line in lines)


def _session(env: simpy.Environment, server: ImapServer, warm: bool,
             mode: Mode = "implicit") -> tuple[Pipe, Any]:
    pipe = Pipe(env, D)
    connection = FakeConnection(pipe)
    server.accept(pipe.server, fresh=not warm, mode=mode)
    return pipe, ImapSession(env, connection, TLS, warm, 2 * D, mode)  # type: ignore[arg-type]


def _run(warm: bool, steps, mode: Mode = "implicit") -> tuple[Pipe, Any, dict[str, Any]]:
    """A session to a new server; ``steps(session, out)`` is the client's process."""
    env = simpy.Environment()
    server = ImapServer(env, TIMING, TLS, None)
    pipe, session = _session(env, server, warm, mode)
    out: dict[str, Any] = {}

    def proc():
        yield from steps(session, out)
        out["done_s"] = env.now

    env.process(proc())
    env.run()
    return pipe, session, out


def _writes(pipe: Pipe) -> list[tuple[object, str, list[int]]]:
    return [(pytest.approx(w.time_s, abs=TOL), w.side, w.sizes) for w in pipe.writes]


def _texts(pipe: Pipe, side: str) -> list[list[str]]:
    return [[getattr(i, "text", None) for i in w.items] for w in pipe.by(side)]


def test_append_with_a_synchronizing_literal_waits_for_the_continuation() -> None:
    """RFC 3501 §7.5: the command ends in {100}; the server asks for the literal with "+";
    the client sends it; OK with APPENDUID (RFC 4315), the first one ``FIRST_UID``."""
    def steps(session, out):
        out["uid"] = yield from session.append(100, False)

    pipe, _, out = _run(True, steps)
    command = "a1 APPEND Sent (\\Seen) {100}"
    ok = "a1 OK [APPENDUID 1 42] APPEND completed"
    assert _writes(pipe) == [
        (0.0, "client", [_bytes(command) + OH]),
        (D, "server", [_bytes("+ Ready for literal data") + OH]),
        (2 * D, "client", [100 + OH]),
        (3 * D + TIMING.imap_append, "server", [_bytes(ok) + OH]),
    ]
    assert _texts(pipe, "client")[0] == [command]
    assert _texts(pipe, "server") == [["+ Ready for literal data"], [ok]]
    assert out["uid"] == text.FIRST_UID == 42
    assert out["done_s"] == pytest.approx(4 * D + TIMING.imap_append, abs=TOL)


def test_append_with_literal_plus_sends_the_literal_at_once() -> None:
    """RFC 7888: {100+}; the literal follows the command in the same write (one record),
    no continuation; one round trip."""
    def steps(session, out):
        out["uid"] = yield from session.append(100, True)

    pipe, _, out = _run(True, steps)
    command = "a1 APPEND Sent (\\Seen) {100+}"
    assert _writes(pipe) == [
        (0.0, "client", [_bytes(command) + 100 + OH]),
        (D + TIMING.imap_append, "server",
         [_bytes("a1 OK [APPENDUID 1 42] APPEND completed") + OH]),
    ]
    assert out["uid"] == 42
    assert out["done_s"] == pytest.approx(2 * D + TIMING.imap_append, abs=TOL)


def test_uids_ascend_on_a_connection() -> None:
    """RFC 3501 §2.3.1.1: each message added gets a higher UID than the ones before."""
    def steps(session, out):
        out["uids"] = [(yield from session.append(100, True)),
                       (yield from session.append(100, True))]

    _, _, out = _run(True, steps)
    assert out["uids"] == [42, 43]


def test_genurlauth_returns_the_url_of_the_appended_message() -> None:
    """RFC 4467 §7.2: GENURLAUTH for the message's URL with ``urlauth=submit+alice`` and the
    INTERNAL mechanism; the answer, the URL with its access token, and the OK come in one
    write."""
    def steps(session, out):
        uid = yield from session.append(100, True)
        out["url"] = yield from session.genurlauth(uid)

    pipe, _, out = _run(True, steps)
    assert out["url"] == URL_42 == text.burl_url(text.FIRST_UID)
    asked = ('a2 GENURLAUTH "imap://alice%40example.org@imap.example.net/Sent;UIDVALIDITY=1/'
             ';UID=42;urlauth=submit+alice" INTERNAL')
    answer = [f'* GENURLAUTH "{URL_42}"', "a2 OK GENURLAUTH completed"]
    t = 2 * D + TIMING.imap_append
    assert _writes(pipe)[2:] == [
        (t, "client", [_bytes(asked) + OH]),
        (t + D + TIMING.imap_genurlauth, "server", [_bytes(*answer) + OH]),
    ]
    assert _texts(pipe, "server")[-1] == answer
    assert out["done_s"] == pytest.approx(t + 2 * D + TIMING.imap_genurlauth, abs=TOL)


def test_urlfetch_returns_the_message_behind_its_line() -> None:
    """RFC 4467 §7.3: the untagged URLFETCH line with the message as a 20000 B literal, then
    the OK, in one write: 16384 B in the first TLS record, the rest in the second, which
    completes the message and carries the OK."""
    def steps(session, out):
        yield from session.urlfetch(URL_42, 20_000)

    pipe, _, out = _run(True, steps)
    head, ok = f'* URLFETCH "{URL_42}" {{20000}}', "a1 OK URLFETCH completed"
    total = _bytes(head) + 20_000 + _bytes(ok)
    assert _writes(pipe) == [
        (0.0, "client", [_bytes(f"a1 URLFETCH {URL_42} 20000") + OH]),
        (D + TIMING.imap_urlfetch, "server", [16_384 + OH, total - 16_384 + OH]),
    ]
    first, second = pipe.writes[1].records
    assert [i.text for i in first.items] == [head]
    assert [type(i) for i in second.items] == [Content, ImapLine]
    assert second.items[0].nbytes == 20_000 and second.items[1].text == ok
    assert out["done_s"] == pytest.approx(2 * D + TIMING.imap_urlfetch, abs=TOL)


def test_a_fresh_session_runs_implicit_tls_is_greeted_and_authenticates() -> None:
    """TLS 1.3 with ``TlsConfig``'s CPU (server 1 ms, client 0.5 ms), no tickets; the
    greeting when the client's Finished has arrived; AUTHENTICATE PLAIN with its initial
    response; then the APPEND is the session's second command (tag a2)."""
    def steps(session, out):
        yield from session.open()
        out["ready_s"] = session.env.now
        out["uid"] = yield from session.append(100, True)

    pipe, session, out = _run(False, steps)
    assert session.connection.connects == 1
    finished = 2 * D + TLS.server_cpu_s + TLS.client_cpu_s
    greeting = ("* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS URLAUTH AUTH=PLAIN SASL-IR]"
                " imap.example.net ready")
    authenticate = f"a1 AUTHENTICATE PLAIN {text.auth_plain_ir()}"
    assert _writes(pipe)[:6] == [
        (0.0, "client", [TLS.client_hello]),
        (D + TLS.server_cpu_s, "server", [TLS.server_flight]),
        (finished, "client", [TLS.client_finished_13]),
        (finished + D, "server", [_bytes(greeting) + OH]),
        (finished + 2 * D, "client", [_bytes(authenticate) + OH]),
        (finished + 3 * D + TIMING.imap_auth, "server",
         [_bytes("a1 OK AUTHENTICATE completed") + OH]),
    ]
    assert _texts(pipe, "server")[1] == [greeting]
    assert out["ready_s"] == pytest.approx(finished + 4 * D + TIMING.imap_auth, abs=TOL)
    assert _texts(pipe, "client")[-1] == ["a2 APPEND Sent (\\Seen) {100+}", text.body(100)]
    assert out["uid"] == 42


GREETING = ("* OK [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS URLAUTH AUTH=PLAIN SASL-IR]"
            " imap.example.net ready")
AUTHENTICATE = f"a1 AUTHENTICATE PLAIN {text.auth_plain_ir()}"


def test_a_pipelined_session_writes_authenticate_and_append_together() -> None:
    """RFC 3501 §5.5 lets the client send APPEND without waiting for AUTHENTICATE's OK: no
    continuation is pending (PLAIN completes in its initial response, RFC 4959; the literal
    is LITERAL+, RFC 7888). After the greeting (``finished + D``, as in the fresh session
    above) AUTHENTICATE, the APPEND line and its 100 B literal leave in one write, one TLS
    record (``_bytes(AUTHENTICATE, APPEND) + 100 + OH``). The server takes them in order:
    AUTHENTICATE's OK after ``imap_auth``, its own write, then the literal is stored and
    APPEND's OK follows ``imap_append`` later. Saved at ``finished + 4D + auth + append``:
    two one-way delays, one round trip, sooner than waiting for the OK (``+ 6D``)."""
    def steps(session, out):
        out["uid"] = yield from session.append(100, True, pipelined=True)

    pipe, session, out = _run(False, steps)
    finished = 2 * D + TLS.server_cpu_s + TLS.client_cpu_s
    append = "a2 APPEND Sent (\\Seen) {100+}"
    t = finished + 3 * D + TIMING.imap_auth
    assert _writes(pipe)[3:] == [
        (finished + D, "server", [_bytes(GREETING) + OH]),
        (finished + 2 * D, "client", [_bytes(AUTHENTICATE, append) + 100 + OH]),
        (t, "server", [_bytes("a1 OK AUTHENTICATE completed") + OH]),
        (t + TIMING.imap_append, "server",
         [_bytes("a2 OK [APPENDUID 1 42] APPEND completed") + OH]),
    ]
    assert _texts(pipe, "client")[-1] == [AUTHENTICATE, append, text.body(100)]
    assert out["uid"] == 42 and session.ready
    assert out["done_s"] == pytest.approx(finished + 4 * D + TIMING.imap_auth
                                          + TIMING.imap_append, abs=TOL)


def test_a_starttls_session_asks_for_the_capabilities_again() -> None:
    """Port 143 (RFC 3501 §6.2.1): the cleartext greeting at once (no authentication offered
    before TLS: STARTTLS, LOGINDISABLED); STARTTLS and its OK, which carries no CAPABILITY
    response code; nothing else is sent before the TLS 1.3 handshake (ClientHello at 3D,
    flight ``server_cpu_s`` later); the client "MUST discard cached information about
    server capabilities and SHOULD re-issue the CAPABILITY command": CAPABILITY is the write
    after its Finished (``f``; OpenSSL writes the Finished alone), the list comes back at
    ``f + D`` (this pipe has no Nagle); AUTHENTICATE (tag a3) only then."""
    def steps(session, out):
        yield from session.open()
        out["ready_s"] = session.env.now
        out["uid"] = yield from session.append(100, True)

    pipe, session, out = _run(False, steps, "starttls")
    greeting = "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] imap.example.net ready"
    f = 5 * D + TLS.server_cpu_s + TLS.client_cpu_s
    capabilities = ["* CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS URLAUTH AUTH=PLAIN SASL-IR",
                    "a2 OK CAPABILITY completed"]
    authenticate = AUTHENTICATE.replace("a1", "a3")
    assert _writes(pipe)[:10] == [
        (0.0, "server", [_bytes(greeting)]),
        (D, "client", [_bytes("a1 STARTTLS")]),
        (2 * D, "server", [_bytes("a1 OK Begin TLS negotiation now")]),
        (3 * D, "client", [TLS.client_hello]),
        (4 * D + TLS.server_cpu_s, "server", [TLS.server_flight]),
        (f, "client", [TLS.client_finished_13]),
        (f, "client", [_bytes("a2 CAPABILITY") + OH]),
        (f + D, "server", [_bytes(*capabilities) + OH]),
        (f + 2 * D, "client", [_bytes(authenticate) + OH]),
        (f + 3 * D + TIMING.imap_auth, "server", [_bytes("a3 OK AUTHENTICATE completed") + OH]),
    ]
    server = _texts(pipe, "server")
    assert server[0] == [greeting] and server[3] == capabilities
    assert "CAPABILITY" not in server[1][0]
    assert out["ready_s"] == pytest.approx(f + 4 * D + TIMING.imap_auth, abs=TOL)
    assert _texts(pipe, "client")[-1] == ["a4 APPEND Sent (\\Seen) {100+}", text.body(100)]
    assert out["uid"] == 42


def test_a_cleartext_session_has_no_tls_at_all() -> None:
    """``imap-plain``: the greeting at once, every line on the wire as its text and CRLF (no
    record overhead; cleartext writes are not framed into one record, so each item has its
    own size): pipelined AUTHENTICATE + APPEND + literal at D, the two OKs at
    ``2D + auth`` and ``2D + auth + append``. An open cleartext session has no TLS either."""
    def steps(session, out):
        out["uid"] = yield from session.append(100, True, pipelined=True)

    pipe, _, out = _run(False, steps, "plain")
    append = "a2 APPEND Sent (\\Seen) {100+}"
    t = 2 * D + TIMING.imap_auth
    assert _writes(pipe) == [
        (0.0, "server", [_bytes(GREETING)]),
        (D, "client", [_bytes(AUTHENTICATE), _bytes(append), 100]),
        (t, "server", [_bytes("a1 OK AUTHENTICATE completed")]),
        (t + TIMING.imap_append, "server", [_bytes("a2 OK [APPENDUID 1 42] APPEND completed")]),
    ]
    pipe, _, out = _run(True, steps, "plain")
    assert _writes(pipe)[0] == (0.0, "client", [_bytes("a1 APPEND Sent (\\Seen) {100+}"), 100])


def _raw(lines: list[tuple[float, str]]) -> Pipe:
    """Lines written by hand on an open connection, one write each at its time."""
    env = simpy.Environment()
    pipe = Pipe(env, D)
    ImapServer(env, TIMING, TLS, None).accept(pipe.server, fresh=False)
    pipe.establish()
    channel = Channel(pipe.client)
    channel.start_tls(TLS, "1.3")
    for at, line in lines:
        item = ImapLine(line, line.split()[0])
        env.timeout(at).callbacks.append(lambda _ev, item=item: channel.send([item]))
    env.run()
    return pipe


def test_an_unknown_command_gets_bad_and_the_session_goes_on() -> None:
    pipe = _raw([(0.0, "a1 XYZZY"), (1.0, "a2 LOGOUT")])
    assert [(w.time_s, w.sizes) for w in pipe.by("server")] == [
        (pytest.approx(D, abs=TOL), [_bytes("a1 BAD unknown command") + OH]),
        (pytest.approx(1.0 + D, abs=TOL), [_bytes("* BYE", "a2 OK LOGOUT completed") + OH]),
    ]
    assert _texts(pipe, "server") == [["a1 BAD unknown command"],
                                      ["* BYE", "a2 OK LOGOUT completed"]]


def test_logout_says_bye_then_closes() -> None:
    """RFC 3501 §6.1.3: the untagged BYE, the tagged OK, then the server closes."""
    pipe = _raw([(0.0, "a1 LOGOUT")])
    bye = ["* BYE", "a1 OK LOGOUT completed"]
    assert _writes(pipe) == [(0.0, "client", [_bytes("a1 LOGOUT") + OH]),
                             (D, "server", [_bytes(*bye) + OH])]
    assert _texts(pipe, "server") == [bye]
    assert pipe.server.closed_s == pytest.approx(D, abs=TOL)
    assert pipe.client.received[-1] == (pytest.approx(2 * D, abs=TOL), CLOSED)


def test_a_pooled_fetcher_reuses_its_open_session_and_a_new_one_connects_each_time() -> None:
    """BURL's fetch (RFC 4468 §3.2, with URLFETCH): on the pooled, open session each
    URLFETCH is one round trip; without a pool every fetch opens a fresh session (TLS,
    greeting, AUTHENTICATE)."""
    for pooled, sessions, fresh in ((True, 1, 0), (False, 2, 2)):
        env = simpy.Environment()
        server = ImapServer(env, TIMING, TLS, None)
        opened: list[tuple[bool, Pipe]] = []

        def connect(warm: bool, env=env, server=server, opened=opened):
            pipe, session = _session(env, server, warm)
            opened.append((warm, pipe))
            return session

        fetcher = ImapFetcher(connect, pooled)

        def fetch_twice(fetcher=fetcher):
            yield from fetcher.fetch(URL_42, 1000)
            yield from fetcher.fetch(URL_42, 1000)

        env.process(fetch_twice())
        env.run()
        used = [(warm, p) for warm, p in opened if p.writes]
        assert len(used) == sessions
        assert sum(not warm for warm, _ in used) == fresh
        fetches = [i.text for _, p in used for w in p.by("client") for i in w.items
                   if isinstance(i, ImapLine) and " URLFETCH " in i.text]
        assert fetches == [f"{tag} URLFETCH {URL_42} 1000" for tag in
                           (["a1", "a2"] if pooled else ["a2", "a2"])]
