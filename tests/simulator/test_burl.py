"""BURL (RFC 4468 with URLAUTH, RFC 4467) and send-and-save (IMAP APPEND to Sent).

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

import pytest

from smtpsim.api import simulate
from smtpsim.simulator.session import run_session

from .conftest import ideal_case

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


def test_plain_save_uploads_the_body_twice() -> None:
    """Without BURL the body crosses the uplink in DATA and in APPEND."""
    size = 200_000
    saved = _run("baseline+save", size=size)
    burl = _run("burl", size=size)
    assert saved.bytes_up > 2 * size > burl.bytes_up > size


def test_a_new_fetch_connection_costs_about_five_data_centre_round_trips() -> None:
    """protocol.md §1.6: TCP, TLS, greeting, AUTHENTICATE, URLFETCH on a new connection."""
    pooled = _run("burl")
    fresh = _run("burl", burl_pooled=False)
    extra = (fresh.accept_s - pooled.accept_s) / DC
    assert 3.5 <= extra <= 5.5


def test_burl_needs_an_authenticated_session() -> None:
    from smtpsim.scenarios.errors import VariantError
    from smtpsim.scenarios.variants import parse_variant

    with pytest.raises(VariantError, match="needs AUTH"):
        parse_variant("rfc5321+burl")


def test_send_and_save_of_1mb_on_3g_saves_about_one_upload_time() -> None:
    """3g: 768 kbit/s up. 1 MB in 691 segments and TLS records is about 1.04 MB on the wire:
    10.8 s. Baseline + save uploads it twice on the shared uplink, BURL once."""
    upload = (1_000_003 + 691 * 52 + 62 * 29) * 8 / 768_000
    df = simulate("3g", variant=["baseline+save", "burl"], size=1_000_000, replications=8,
                  seed=4, server="ideal")
    assert (df.outcome == "accepted").all()
    done = df.groupby("variant").done_s.apply(statistics.median)
    saving = done["baseline+save"] - done["burl"]
    assert 0.7 * upload < saving < 1.3 * upload
