"""The exim client profile's early pipelining (``Habits.early_group`` "exim", Exim 4.96's
PIPE_CONNECT) on an ideal path, in both models and in the closed form.

Sources: Exim 4.96 ``src/src/transports/smtp.c smtp_setup_conn`` (with a cached EHLO response
the plain EHLO is buffered, ``sx->early_pipe_active ? SCMD_BUFFER``; AUTH, STARTTLS or the
first BDAT flushes), ``src/src/smtp_out.c flush_buffer`` (the flush that connects: "We ignore
the more-flag if we're doing a connect with early-data, which means we won't get BDAT+data",
``smtp_connect(outblock->conn_args, &early_data)``, whose ``smtp_sock_connect`` puts the data in
the SYN with a Fast Open cookie, "TFO, with data"), ``src/src/auths/get_data.c
auth_client_item`` (AUTH written with ``SCMD_FLUSH``, its reply read by
``smtp_read_response``, which reaps the banner and the EHLO reply first),
``smtp_reap_early_pipe`` (a changed EHLO reply rewrites the cache: "just carry on").

Every time is worked out by hand on a path of RTT 0.5 s (``HALF``), links fast enough that
serialization is negligible, an ideal server (no processing, no TLS CPU) and a warm client
holding the tokens of an earlier identical connection (its cached EHLO responses; Fast Open
cookie with ``tfo``); the server writes its banner when it accepts the connection, at the
handshake's ACK (1.5 RTT), or at the SYN with a valid cookie (0.5 RTT).
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim import api
from smtpsim.model import Case, Habits, text
from smtpsim.oracle import oracle, round_trips, user_round_trips
from smtpsim.simulator.run import run_session

HALF = 0.5
TOL = 1e-6
EXIM = Habits(shutdown_after_quit=True, fin_wait_s=0.020, header_chunk_above=8192,
              early_group="exim")
EARLY = "chunking+nodelay+quit-pipelined+config-token"  # Exim: PIPELINING, CHUNKING, NODELAY
MAIL, RCPT, BDAT = text.mail_from(100, True), text.rcpt_to(0), text.bdat_last(100)
EHLO = text.ehlo("EHLO")


def _both(case: Case) -> list[tuple[str, float, float, float, float, int]]:
    """(model, greeting_s, accept_s, user_s, close_s, rtt_accept) of both models."""
    rec, _trace = run_session(case, seed=0)
    res = oracle(case)
    return [("simulator", rec.greeting_s, rec.accept_s, rec.user_s, rec.close_s, rec.rtt_accept),
            ("oracle", res.greeting_s, res.accept_s, res.user_s, res.close_s, res.rtt_accept)]


def _client_writes(case: Case) -> list[tuple[float, str, str]]:
    """The simulator's client segments that carry something: (sent, what, flags)."""
    _rec, trace = run_session(case, seed=0, trace=True)
    assert trace is not None
    return [(round(p.sent_s, 6), p.label, p.flags) for p in trace.packets
            if p.direction == "up" and p.label]


def _closed_form(case: Case, group: str = "exim") -> tuple[int, int]:
    """(round_trips, user_round_trips) for the case's features, warm, with ``group``."""
    f = case.client.features
    kw = dict(state=case.client.state, config_changed=case.server.config_changed,
              early_group=group)
    return round_trips(f, 1, **kw), user_round_trips(f, 1, **kw)  # type: ignore[arg-type]


def test_the_exim_profile_follows_pipe_connect_and_sends_no_early_data() -> None:
    """data/software.toml [clients.exim]: early_group "exim"; Exim 4.96 has no TLS 0-RTT
    (no ``SSL_write_early_data`` nor ``gnutls_record_send_early_data``), so a variant with
    early data is refused; the generic client keeps the model's schedule."""
    (case,) = api.build_cases("dsl", variant=EARLY, client="exim")
    assert case.client.habits.early_group == "exim"
    (generic,) = api.build_cases("dsl", variant=EARLY)
    assert generic.client.habits.early_group == "token"
    with pytest.raises(ValueError, match="exim cannot do early_data=True"):
        api.build_cases("dsl", variant=EARLY + "+tls1.3+resumption+early-data", client="exim")


def test_cleartext_with_a_cookie_the_syn_carries_the_commands_and_the_body_follows() -> None:
    """Cleartext, no AUTH, TFO with a cached cookie and data in the SYN. The connecting flush
    is BDAT's, whose more-flag it ignores: the SYN (at 0) carries EHLO, MAIL, RCPT and ``BDAT
    100 LAST`` only, the EHLO plain (no token). The body and QUIT are the next write, which
    leaves when the SYN-ACK has come (1 RTT = 0.5 s) with the FIN (``shutdown_after_quit``).
    The banner, written as the SYN arrives (0.25 s), comes with the SYN-ACK at 0.5 s; the
    server reads the body at 0.75 s: 250 and 221 (and its FIN) at 1.0 s = 2 RTT, accepted,
    told and closed then. The model's schedule puts the body in the SYN too (250 at 1 RTT),
    but keeps QUIT out of its speculative group: the user waits for the 221 at 2 RTT."""
    case = ideal_case(EARLY + "+tfo+syn-data", rtt=HALF, habits=EXIM, state="warm")
    writes = _client_writes(case)
    assert writes[0] == (0.0, f"{EHLO} | {MAIL} | {RCPT} | {BDAT}", "SP")
    assert writes[1:] == [(HALF, "<100 bytes of message> | QUIT", "FAP")]
    for model, greeting, accept, user, close, rtt in _both(case):
        assert (greeting, accept, user, close, rtt) == pytest.approx(
            (HALF, 2 * HALF, 2 * HALF, 2 * HALF, 2), abs=TOL), model
    assert _closed_form(case) == (2, 2)
    assert oracle(case).round_trips == 2
    generic = ideal_case(EARLY + "+tfo+syn-data", rtt=HALF, state="warm")
    for model, _greeting, accept, user, _close, _rtt in _both(generic):
        assert (accept, user) == pytest.approx((HALF, 2 * HALF), abs=TOL), model
    assert _closed_form(generic, "token") == (1, 2)


def test_a_stale_cache_is_not_refused() -> None:
    """The server's configuration changed since the token was cached (no Fast Open). Exim's
    EHLO carries no token and is answered with the new list, which only rewrites the cache:
    commands and body at 1 RTT (0.5 s), the 250 at 2 RTT as with a current cache (the record
    notes the miss). The model's schedule has its stale token refused: the banner, 504 and
    503s at 2 RTT, the group again, its 250 at 3 RTT."""
    case = ideal_case(EARLY, rtt=HALF, habits=EXIM, state="warm", config_changed=True)
    for model, _greeting, accept, _user, _close, rtt in _both(case):
        assert (accept, rtt) == pytest.approx((2 * HALF, 2), abs=TOL), model
    rec, _trace = run_session(case, seed=0)
    assert rec.token_offered and not rec.token_hit
    assert _closed_form(case)[0] == 2
    generic = ideal_case(EARLY, rtt=HALF, state="warm", config_changed=True)
    assert oracle(generic).accept_s == pytest.approx(3 * HALF, abs=TOL)


def test_with_auth_ehlo_and_auth_open_the_connection_and_the_235_is_waited_for() -> None:
    """AUTH PLAIN, no Fast Open. EHLO is buffered and AUTH's flush connects: once the
    connection is up (SYN-ACK at 1 RTT = 0.5 s) EHLO + AUTH go as one write. The server
    accepts at 0.75 s, writes the banner, reads EHLO and AUTH: banner, 250 and 235 at 1.0 s
    (2 RTT: greeting and AUTH then). Only then MAIL + RCPT + ``BDAT 100 LAST`` + body + QUIT
    (+ FIN), one write, answered at 1.5 s = 3 RTT. The model's schedule sends AUTH in the
    early group: 250 at 2 RTT."""
    case = ideal_case(EARLY + "+auth-plain", rtt=HALF, habits=EXIM, state="warm")
    auth = text.auth_plain()
    assert _client_writes(case) == [
        (HALF, f"{EHLO} | {auth}", "AP"),
        (2 * HALF, f"{MAIL} | {RCPT} | {BDAT} | <100 bytes of message> | QUIT", "FAP"),
    ]
    for model, greeting, accept, user, close, rtt in _both(case):
        assert (greeting, accept, user, close, rtt) == pytest.approx(
            (2 * HALF, 3 * HALF, 3 * HALF, 3 * HALF, 3), abs=TOL), model
    rec, _trace = run_session(case, seed=0)
    assert rec.auth_s == pytest.approx(2 * HALF, abs=TOL)
    assert oracle(case).auth_s == pytest.approx(2 * HALF, abs=TOL)
    assert _closed_form(case) == (3, 3) and oracle(case).round_trips == 3
    generic = ideal_case(EARLY + "+auth-plain", rtt=HALF, state="warm")
    assert oracle(generic).accept_s == pytest.approx(2 * HALF, abs=TOL)


def test_with_auth_and_nothing_cached_auth_is_still_waited_for() -> None:
    """A cold exim client runs the standard dialogue, AUTH waited for (Exim never pipelines
    AUTH): banner 2, EHLO 3, AUTH 4, the group 5 RTT; the model's early-pipelining client
    puts AUTH PLAIN in the MAIL group: 4."""
    case = ideal_case(EARLY + "+auth-plain", rtt=HALF, habits=EXIM)
    for model, _greeting, accept, _user, _close, rtt in _both(case):
        assert (accept, rtt) == pytest.approx((5 * HALF, 5), abs=TOL), model
    assert _closed_form(case)[0] == 5
    generic = ideal_case(EARLY + "+auth-plain", rtt=HALF)
    assert oracle(generic).accept_s == pytest.approx(4 * HALF, abs=TOL)


def test_starttls_then_the_whole_message_behind_the_finished_in_one_tls_write() -> None:
    """STARTTLS, TLS 1.3, no AUTH. STARTTLS's flush connects: EHLO + STARTTLS at 1 RTT;
    banner, 250 and 220 at 2 RTT (1.0 s); ClientHello then, the server's flight at 3 RTT;
    the client's Finished (a write of its own) and, behind it, one TLS write with EHLO,
    MAIL, RCPT, ``BDAT 100 LAST``, the body and QUIT (``tls_write`` corks until the QUIT's
    flush), at 1.5 s; 250 and 221 at 4 RTT = 2.0 s. The model's schedule is as fast to the
    250 but keeps QUIT for after it: the user at 5 RTT."""
    case = ideal_case(EARLY + "+tls1.3", rtt=HALF, habits=EXIM, state="warm")
    group = f"TLS[{EHLO} | {MAIL} | {RCPT} | {BDAT} | <100 bytes of message> | QUIT]"
    assert _client_writes(case) == [
        (HALF, f"{EHLO} | STARTTLS", "AP"),
        (2 * HALF, "TLS ClientHello", "AP"),
        (3 * HALF, "TLS Finished", "AP"),
        (3 * HALF, group, "AP"),
    ]
    for model, greeting, accept, user, close, rtt in _both(case):
        assert (greeting, accept, user, close, rtt) == pytest.approx(
            (2 * HALF, 4 * HALF, 4 * HALF, 4 * HALF, 4), abs=TOL), model
    assert _closed_form(case) == (4, 4) and oracle(case).round_trips == 4
    assert _closed_form(ideal_case(EARLY + "+tls1.3", rtt=HALF, state="warm"), "token") == (4, 5)


def test_starttls_with_auth_waits_for_the_235_behind_the_finished() -> None:
    """STARTTLS, TLS 1.3, AUTH PLAIN: as above to the Finished (1.5 s), behind it EHLO +
    AUTH in one TLS write, their 250 and 235 at 4 RTT (2.0 s: AUTH then), then MAIL + RCPT +
    BDAT + body + QUIT (under TLS flushed, no FIN), answered at 5 RTT = 2.5 s."""
    case = ideal_case(EARLY + "+tls1.3+auth-plain", rtt=HALF, habits=EXIM, state="warm")
    writes = _client_writes(case)
    assert writes[3:] == [
        (3 * HALF, f"TLS[{EHLO} | {text.auth_plain()}]", "AP"),
        (4 * HALF, f"TLS[{MAIL} | {RCPT} | {BDAT} | <100 bytes of message> | QUIT]", "AP"),
    ]
    for model, _greeting, accept, user, _close, rtt in _both(case):
        assert (accept, user, rtt) == pytest.approx((5 * HALF, 5 * HALF, 5), abs=TOL), model
    assert oracle(case).auth_s == pytest.approx(4 * HALF, abs=TOL)
    assert _closed_form(case) == (5, 5) and oracle(case).round_trips == 5


@pytest.mark.parametrize(("variant", "rtts"), [
    ("", 2),  # commands at 1, body at 1: 250 at 2
    ("+tfo", 2),  # banner at 1 with the cookie; no data in the SYN: as above
    ("+data", 3),  # EHLO + MAIL + RCPT + DATA at 1, 354 at 2, content: 3
    ("+tls1.2", 5),  # EHLO + STARTTLS 1, 220 at 2, full handshake 4, group's 250 at 5
    ("+tls1.3+implicit-tls", 3),  # ClientHello 1, flight 2, group behind the Finished: 3
    ("+tls1.3+implicit-tls+auth-plain", 4),  # EHLO + AUTH behind the Finished, 235 at 3
    ("+auth-plain+tfo+syn-data", 2),  # EHLO + AUTH in the SYN, 235 at 1, the group 2
])
def test_round_trips_of_exim_early_pipelining(variant: str, rtts: int) -> None:
    """The closed form's Exim terms (``round_trips(..., early_group="exim")``, derived in
    the comments) held to both models on the ideal path."""
    case = ideal_case(EARLY + variant, rtt=HALF, habits=EXIM, state="warm")
    assert _closed_form(case)[0] == rtts
    for model, _greeting, accept, _user, _close, rtt in _both(case):
        assert (accept, rtt) == pytest.approx((rtts * HALF, rtts), abs=TOL), model
