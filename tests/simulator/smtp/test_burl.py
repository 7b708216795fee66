"""BURL (RFC 4468 with URLAUTH, RFC 4467): submission by reference to the copy saved in Sent.
Send-and-save without BURL, the fetch connection and the IMAP session's trace are in
``imap/test_send_and_save.py``.

Ideal client path, RTT 0.5 s; the submission server's data-centre path to IMAP: 1 ms RTT.
Derivations (RTT from the start; the IMAP session is already open unless said):

* IMAP, synchronizing literal (RFC 3501 §7.5): APPEND at 0, "+" at 1, the literal at 1, OK
  with APPENDUID at 2 (saved); GENURLAUTH 2 -> the URL at 3. With LITERAL+ (RFC 7888):
  OK at 1, URL at 2.
* SMTP in parallel is baseline up to the MAIL group at 8 (the URL is long there); MAIL +
  RCPT + BURL <url> LAST at 8; the server fetches over its pooled connection (one 1 ms
  data-centre round trip) and answers 250 at 9 RTT + 1 ms: BURL also removes DATA's 354
  round trip (baseline: 10).
* save-first: the submission starts after the URL, at 3: the 250 comes at 12 RTT + 1 ms.
* a cold IMAP session first opens: TCP 1, TLS 1.3 flight 2, greeting 3, AUTHENTICATE 4, then
  APPEND: saved at 6; the submission still finishes at 9 (the URL comes at 7 < 8).
"""

from __future__ import annotations

import statistics
from dataclasses import replace

import pytest
from cases import ideal_case

from smtpsim import oracle
from smtpsim.api import simulate
from smtpsim.model import ServerTiming, TlsConfig
from smtpsim.simulator.run import run_session

RTT = 0.5
DC = 0.001
TOL = 1e-4


def _run(variant: str, **kw):
    record, _ = run_session(ideal_case(variant, rtt=RTT, **kw), seed=1)
    assert record.outcome == "accepted", record.failed_in
    return record


@pytest.mark.parametrize(
    ("variant", "saved", "accept"),
    [
        ("burl", 2, 9),
        ("baseline+burl+literal-plus", 1, 9),
        ("baseline+burl+imap-cold", 6, 9),
    ],
)
def test_burl_round_trips(variant: str, saved: float, accept: float) -> None:
    r = _run(variant)
    assert r.saved_s == pytest.approx(saved * RTT, abs=TOL)
    assert r.accept_s == pytest.approx(accept * RTT + DC, abs=TOL)
    assert r.done_s == pytest.approx(max(r.saved_s, r.accept_s), abs=1e-9)


def test_save_first_starts_the_submission_after_the_url() -> None:
    r = _run("baseline+burl+save-first")
    assert r.accept_s == pytest.approx(12 * RTT + DC, abs=TOL)
    assert r.phase_save_s == pytest.approx(3 * RTT, abs=TOL)


def test_burl_needs_an_authenticated_session() -> None:
    from smtpsim.scenarios.errors import VariantError
    from smtpsim.scenarios.variants import parse_variant

    with pytest.raises(VariantError, match="needs AUTH"):
        parse_variant("rfc5321+burl")


def test_send_and_save_of_1mb_on_3g_saves_about_one_upload_time() -> None:
    """3g: 768 kbit/s up. 1 MB in 691 segments and TLS records is about 1.04 MB on the wire:
    10.8 s. Baseline + save uploads it twice on the shared uplink, BURL once. The two
    uploads of baseline + save also share the profile's 128 KiB uplink buffer, which they
    overflow (BURL's one upload does not, at this size): the drops' recovery adds to the
    saving, hence up to 1.5 uploads."""
    upload = (1_000_003 + 691 * 52 + 62 * 29) * 8 / 768_000
    df = simulate("3g", variant=["baseline+save", "burl"], size=1_000_000, replications=8,
                  seed=4, server="ideal")
    assert (df.outcome == "accepted").all()
    done = df.groupby("variant").done_s.apply(statistics.median)
    saving = done["baseline+save"] - done["burl"]
    assert 0.7 * upload < saving < 1.5 * upload


# ---- BURL with a speculative group (early pipelining, QUICKSTART full): the TLS library
# writes its Finished, alone, when the server's flight is read; the group is the
# application's next write, at once if GENURLAUTH's URL has come by then, else when it comes
# (Nagle holds it while the Finished is unacknowledged; the Finished's ACK rides on the first
# TLS 1.3 ticket the server writes when it reads the Finished). RTT units from the first SYN,
# RTT 0.5 s; the fetch adds DC.
EARLY = "pipelining+data+tls1.3+auth-plain+burl+config-token"
QS = "pipelining+data+tls1.3+auth-plain+burl+qs-full"
IMPLICIT = "pipelining+data+tls1.3+auth-plain+burl+config-token+implicit-tls+literal-plus"


def _late_url(by_rtt: float):
    return replace(ServerTiming.ideal(), imap_genurlauth=by_rtt * RTT)


@pytest.mark.parametrize(
    ("variant", "changes", "mail", "accept"),
    [
        # Early pipelining, warm: EHLO <token> + STARTTLS with the handshake ACK at 1, their
        # replies at 2, ClientHello 2, flight 3. LITERAL+: the URL at 2 < 3, so the group is
        # written right behind the Finished at 3; Nagle holds it for the Finished's ACK (the
        # first ticket, at 4): the 250 comes at 5. With TCP_NODELAY it leaves at 3: 4.
        (EARLY + "+literal-plus", {}, 3, 5),
        (EARLY + "+literal-plus+nodelay", {}, 3, 4),
        # Synchronizing literal, GENURLAUTH takes 0.1 RTT: the URL at 3.1. The Finished goes
        # alone at 3; the group, written at 3.1, waits for the Finished's ACK (tickets at 4).
        (EARLY, {"timing": 0.1}, 3.1, 5),
        # ... unless the client sets TCP_NODELAY: it leaves at 3.1, the 250 at 4.1.
        (EARLY + "+nodelay", {"timing": 0.1}, 3.1, 4.1),
        # QUICKSTART full, warm: QTLS + ClientHello with the handshake ACK at 1; the server's
        # TLS CPU takes 0.5 RTT, so its flight comes at 2.5 (the greeting at 2). LITERAL+:
        # the URL at 2 < 2.5, the group is written right behind the Finished at 2.5; with
        # TCP_NODELAY it leaves then, the 250 at 3.5. With Nagle it waits for the Finished's
        # ACK, on the first ticket at 3.5: 4.5.
        (QS + "+literal-plus+nodelay", {"cpu": 0.5}, 2.5, 3.5),
        (QS + "+literal-plus", {"cpu": 0.5}, 2.5, 4.5),
        # Synchronizing literal, GENURLAUTH 0.25 RTT: the URL at 3.25. The Finished goes
        # alone at 2, its ACK comes with the tickets at 3; the group leaves at 3.25.
        (QS, {"timing": 0.25}, 3.25, 4.25),
        # Implicit TLS, warm: ClientHello with the handshake ACK at 1, flight 2, the banner
        # written when the server reads the Finished, here at 3. LITERAL+ and GENURLAUTH
        # 0.5 RTT: the URL at 2.5. With TCP_NODELAY the group leaves then, before the banner
        # has come (it is read before the group's replies): 250 at 3.5.
        (IMPLICIT + "+nodelay", {"timing": 0.5}, 2.5, 3.5),
        # With Nagle it waits for the Finished's ACK, which comes with the banner at 3.
        (IMPLICIT, {"timing": 0.5}, 2.5, 4),
    ],
)
def test_the_finished_does_not_wait_for_the_url(
    variant: str, changes: dict[str, float], mail: float, accept: float
) -> None:
    kw: dict[str, object] = {"state": "warm"}
    if "timing" in changes:
        kw["timing"] = _late_url(changes["timing"])
    if "cpu" in changes:
        kw["tls"] = TlsConfig(server_cpu_s=changes["cpu"] * RTT, client_cpu_s=0.0,
                              resumed_cpu_s=0.0)
    case = ideal_case(variant, rtt=RTT, **kw)
    record, _ = run_session(case, seed=1)
    assert record.outcome == "accepted"
    assert record.token_hit
    assert record.mail_s == pytest.approx(mail * RTT, abs=TOL)
    assert record.accept_s == pytest.approx(accept * RTT + DC, abs=TOL)
    expected = oracle.oracle(case)
    assert expected.mail_s == pytest.approx(record.mail_s, abs=TOL)
    assert expected.accept_s == pytest.approx(record.accept_s, abs=TOL)


MODERN = "pipelining+chunking+tls1.3+auth-plain+implicit-tls"


@pytest.mark.parametrize(("imap", "burl_behind"), [("imap-lockstep+literal-plus", 1),
                                                   ("imap-pipelined", 0)])
def test_a_pipelined_imap_session_makes_burl_no_slower_than_send_and_save(
        imap: str, burl_behind: int) -> None:
    """A small message from a client with a cold IMAP session (implicit TLS, LITERAL+) and a
    modern SMTP side (implicit TLS 1.3, PIPELINING, BDAT, AUTH PLAIN), RTT 1 s, both
    connections from 0, in both models.

    SMTP: SYN-ACK 1, ClientHello 1, flight 2, Finished 2, banner 3 (written when the server
    reads the Finished), EHLO 3 -> 4, AUTH PLAIN 4 -> 235 at 5. Send-and-save: MAIL + RCPT +
    BDAT LAST with the body at 5 -> 250 at 6; the IMAP save (5, or 4 pipelined) is over by
    then: done at 6. BURL (RFC 4468): MAIL + RCPT + BURL waits for the URL. IMAP: the
    greeting at 3 (as the SMTP banner); waiting for AUTHENTICATE's OK (4), APPEND's OK at 5,
    GENURLAUTH's URL at 6: the group at 6, 250 at 7 RTT + the fetch (1 ms): one RTT behind
    send-and-save. With ``imap-pipelined`` AUTHENTICATE + APPEND + literal at 3, both OKs at
    4, the URL at 5, when the 235 comes: 250 at 6 RTT + the fetch, no client round trip
    behind send-and-save; what is left is the data-centre fetch."""
    rtt = 1.0
    save_case = ideal_case(f"{MODERN}+save+imap-cold+{imap}", rtt=rtt)
    burl_case = ideal_case(f"{MODERN}+burl+imap-cold+{imap}", rtt=rtt)
    for name, run in (("simulator", lambda c: run_session(c, seed=1)[0]),
                      ("oracle", oracle.oracle)):
        save, burl = run(save_case), run(burl_case)
        assert save.done_s == pytest.approx(6 * rtt, abs=TOL), name
        assert burl.saved_s == pytest.approx((4 + burl_behind) * rtt, abs=TOL), name
        assert burl.done_s == pytest.approx((6 + burl_behind) * rtt + DC, abs=TOL), name
        assert burl.done_s - save.done_s == pytest.approx(burl_behind * rtt + DC, abs=TOL)
    assert oracle.oracle(burl_case).url_s == pytest.approx((5 + burl_behind) * rtt, abs=TOL)
