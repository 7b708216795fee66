"""QUICKSTART (draft-fanf-smtp-quickstart-01, -a basic profile, -b full profile).

The drafts' own Appendix A table, reproduced under their assumptions: a 2-RTT TLS handshake
(TLS 1.1/1.2 full; 1 RTT on a session-cache hit), AUTH PLAIN, DATA, an ideal server, RTT from
the first SYN. "MAIL sent" is the client packet that carries MAIL: in the Appendix A
diagrams every step is a full round trip, so client packet k leaves at (k-1) RTT.
The client's cache of qhlo-ids is tested in ``test_client_state``. Derivations:

* normal submission (A.1): EHLO 2->3, STARTTLS 3->4, TLS 4->6, EHLO 6->7, AUTH 7->8, MAIL
  group at 8 -> 354 at 9, content -> 250 at 10.
* basic profile (A.2): greeting with the list at 2; QTLS + ClientHello at 2; server flight
  3; client Finished 3; server Finished + the re-greeting with the list at 4; QHLO + AUTH +
  MAIL + RCPT + DATA at 4; 354 at 5; 250 at 6.
* full profile, cached qhlo-id and session hit (A.3): QTLS + ClientHello with the handshake
  ACK at 1 (no wait for the greeting); the server's abbreviated flight (Finished first) at 2;
  the client Finished at 2 and QHLO <id> + AUTH + MAIL + RCPT + DATA right behind it (the
  TLS library writes the Finished on its own; the group is the next write, and leaves at
  once because the preset sets TCP_NODELAY: the drafts' diagram sends the Finished and the
  group in the client's 3rd packet, one flight); 354 at 3; 250 at 4.
* full profile, nothing cached: greeting 2; QTLS + ClientHello 2; flight 3; client Finished 3;
  server Finished 4; QHLO 4 -> list 5; AUTH + MAIL ... at 5; 354 at 6; 250 at 7.
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.model import TcpConfig
from smtpsim.simulator.run import run_session

TOL = 1e-6


@pytest.mark.parametrize(
    ("variant", "state", "mail", "accept"),
    [
        ("baseline", "cold", 8, 10),
        ("quickstart-basic", "cold", 4, 6),
        ("quickstart-full", "warm", 2, 4),
        ("quickstart-full", "cold", 5, 7),
    ],
    ids=["normal", "basic", "full-cached", "full-nothing-cached"],
)
def test_the_drafts_table(variant: str, state: str, mail: int, accept: int) -> None:
    record, _ = run_session(ideal_case(variant, state=state), seed=1)
    assert record.outcome == "accepted"
    assert record.mail_s == pytest.approx(mail, abs=TOL)
    assert record.accept_s == pytest.approx(accept, abs=TOL)


def test_full_profile_warm_flags_its_cache_hits() -> None:
    warm, _ = run_session(ideal_case("quickstart-full", state="warm"), seed=1)
    cold, _ = run_session(ideal_case("quickstart-full", state="cold"), seed=1)
    assert warm.token_offered and warm.token_hit and warm.tls_resumed
    assert not cold.token_offered and not cold.tls_resumed


def test_basic_profile_has_nothing_to_cache() -> None:
    warm, _ = run_session(ideal_case("quickstart-basic", state="warm"), seed=1)
    assert not warm.token_offered
    assert warm.accept_s == pytest.approx(6, abs=TOL)


def test_full_profile_with_cached_id_but_no_session_hit() -> None:
    """QTLS + ClientHello at 1; full TLS handshake: flight 2, client Finished 2, server
    Finished 3; QHLO <id> + AUTH + MAIL ... at 3; 354 at 4; 250 at 5."""
    record, _ = run_session(ideal_case("quickstart-full+no-resumption", state="warm"), seed=1)
    assert record.mail_s == pytest.approx(3, abs=TOL)
    assert record.accept_s == pytest.approx(5, abs=TOL)


def test_full_profile_with_nagle_waits_for_the_delayed_ack_of_the_finished() -> None:
    """The drafts' client with Nagle on (``+nagle``): the group written at 2 behind the
    client's Finished waits for the Finished's ACK; the server, whose abbreviated handshake
    ends with that Finished (RFC 5246 §7.3 Fig. 2), writes nothing when it reads it (2.5)
    and ACKs on its delayed-ACK timer: at the client at 3 + 40 ms; 354 at 4 + 40 ms, 250 at
    5 + 40 ms, a round trip and the timer later than the drafts' 4."""
    record, _ = run_session(ideal_case("quickstart-full+nagle", state="warm"), seed=1)
    assert record.mail_s == pytest.approx(2, abs=TOL)
    assert record.accept_s == pytest.approx(5 + TcpConfig().delack_s, abs=TOL)


def test_stale_id_after_tls_costs_one_round_trip() -> None:
    """The configuration changed: QHLO <old id> + AUTH + MAIL ... follow the Finished at 2;
    520 with the new list and 503 for the rest at 3 (quickstart-b §6, §7); the client flushes
    its cache, sends the group again with the new id at 3; 354 at 4; 250 at 5: one RTT more
    than a hit."""
    record, _ = run_session(
        ideal_case("quickstart-full", state="warm", config_changed=True), seed=1
    )
    assert record.outcome == "accepted"
    assert record.token_offered and not record.token_hit
    assert record.mail_s == pytest.approx(3, abs=TOL)
    assert record.accept_s == pytest.approx(5, abs=TOL)


def test_stale_id_at_connection_start_costs_nothing_over_no_cache() -> None:
    """Cleartext, full profile: QHLO <old id> + MAIL ... leave with the handshake ACK at 1;
    the greeting (with the new list) and 504 + 503s come back at 2; the group goes again at
    2, exactly when a client without a cache would send it: 354 at 3, 250 at 4 either way."""
    stale, _ = run_session(
        ideal_case("pipelining+qs-full", state="warm", config_changed=True), seed=1
    )
    cold, _ = run_session(ideal_case("pipelining+qs-full", state="cold"), seed=1)
    hit, _ = run_session(ideal_case("pipelining+qs-full", state="warm"), seed=1)
    assert stale.token_offered and not stale.token_hit
    assert stale.accept_s == pytest.approx(cold.accept_s, abs=TOL)
    assert cold.accept_s == pytest.approx(4, abs=TOL)
    assert hit.accept_s == pytest.approx(3, abs=TOL)  # MAIL at 1: no wait for the greeting
    # the refused group crossed the uplink for nothing
    assert stale.bytes_up > cold.bytes_up


def test_stale_cache_after_the_client_flush_is_rebuilt_from_the_520() -> None:
    """After the refused group the client holds the new TLS-context id (learnt from the
    520's list), so a third connection hits again."""
    case = ideal_case("quickstart-full", state="warm", config_changed=True)
    record, _ = run_session(case, seed=1)
    assert record.accept_s == pytest.approx(5, abs=TOL)
