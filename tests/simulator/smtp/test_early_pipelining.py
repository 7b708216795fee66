"""Early pipelining on a cached configuration token (``config-token``).

Ideal 1 s path, TLS 1.2 unless named, AUTH PLAIN pipelined, DATA; derivations in RTT:

* cold: the standard dialogue with AUTH in the MAIL group: greeting 2, EHLO 3, STARTTLS 4,
  TLS 6, EHLO 7, AUTH + MAIL ... 7 -> 354 8, 250 at 9.
* warm: EHLO <token> + STARTTLS leave with the handshake ACK (1); greeting, 250 and 220 at 2;
  ClientHello 2; TLS 2 -> 4; EHLO <token> + AUTH + MAIL ... at 4 (a full TLS 1.2 handshake
  lets no data ride with the client's Finished); 354 at 5; 250 at 6.
* warm, TLS 1.3: the client's Finished goes alone at 3 (the TLS library flushes it before
  ``SSL_do_handshake`` returns) and the group is the application's next write, at 3 too.
  With Nagle on it waits for the Finished's ACK, which the first NewSessionTicket carries
  (written when the server reads the Finished at 3.5): the group leaves at 4, 354 at 5, 250
  at 6, as late as after a full TLS 1.2 handshake. With TCP_NODELAY it leaves at 3: 354 at
  4, 250 at 5.
* warm, stale (the configuration changed): EHLO <stale token> + STARTTLS at 1 are refused
  (504 and 503 at 2, with the current token in the greeting); the client flushes every
  token it holds for the server (quickstart-b §5), sends the pair again at 2 (250, 220 at
  3); TLS 3 -> 5; holding no TLS-context token now, it sends EHLO and waits (5 -> 6);
  AUTH + MAIL ... 6 -> 354 at 7; 250 at 8: two round trips more than a hit.
* implicit TLS 1.3 (RFC 8314 §3, RFC 8446 §2) with PIPE_CONNECT (draft-harris-early-pipe):
  ClientHello 1, flight 2, the Finished at 2 and EHLO <token> + AUTH + MAIL ... written
  behind it at 2 (no wait for the banner). With Nagle the group waits for the Finished's
  ACK, which the tickets and the banner the server writes when it reads the Finished (2.5)
  bring at 3: 354 at 4, 250 at 5, with BDAT 250 at 4. With TCP_NODELAY the group leaves at
  2 (the banner arrives at 3 with the group's replies): 354 at 3, 250 at 4; with BDAT 3.
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.simulator.run import run_session

TOL = 1e-6


@pytest.mark.parametrize(
    ("variant", "state", "stale", "mail", "accept", "hit"),
    [
        ("config-token", "cold", False, 7, 9, None),
        ("config-token", "warm", False, 4, 6, True),
        ("baseline+config-token+tls1.3", "warm", False, 3, 6, True),
        ("baseline+config-token+tls1.3+nodelay", "warm", False, 3, 5, True),
        ("config-token", "warm", True, 6, 8, False),
        ("baseline+config-token+implicit-tls+tls1.3", "warm", False, 2, 5, True),
        ("baseline+config-token+implicit-tls+tls1.3+chunking", "warm", False, 2, 4, True),
        ("baseline+config-token+implicit-tls+tls1.3+nodelay", "warm", False, 2, 4, True),
        ("baseline+config-token+implicit-tls+tls1.3+chunking+nodelay", "warm", False, 2, 3,
         True),
        ("baseline+config-token+implicit-tls+tls1.3", "cold", False, 4, 6, None),
        # cleartext: the whole envelope group goes with the handshake ACK
        ("pipelining+config-token", "warm", False, 1, 3, True),
        ("pipelining+config-token", "cold", False, 3, 5, None),
    ],
)
def test_early_pipelining(variant, state, stale, mail, accept, hit) -> None:
    record, _ = run_session(ideal_case(variant, state=state, config_changed=stale), seed=1)
    assert record.outcome == "accepted"
    assert record.mail_s == pytest.approx(mail, abs=TOL)
    assert record.accept_s == pytest.approx(accept, abs=TOL)
    assert record.token_offered == (hit is not None)
    if hit is not None:
        assert record.token_hit == hit


def test_stale_cleartext_token_costs_nothing_over_no_cache() -> None:
    """The refused group went at 1; the greeting brought the current token at 2, so the
    group goes again at 2 with EHLO in it: 354 at 3, 250 at 4. A client without a cache
    waits for the EHLO reply first (250 at 5): a stale cleartext token costs nothing and
    the greeting's token still saves the EHLO round trip."""
    stale, _ = run_session(
        ideal_case("pipelining+config-token", state="warm", config_changed=True), seed=1
    )
    cold, _ = run_session(ideal_case("pipelining+config-token"), seed=1)
    assert stale.token_offered and not stale.token_hit
    assert stale.accept_s == pytest.approx(cold.accept_s - 1, abs=TOL)  # EHLO round trip saved


def test_config_token_alone_is_the_preset_and_inside_an_expression_the_token() -> None:
    from smtpsim.scenarios.variants import parse_variant

    preset = parse_variant("config-token")
    assert preset.early_pipelining and preset.tls == "1.2" and preset.auth == "plain"
    token = parse_variant("rfc5321+config-token")
    assert token.early_pipelining and token.tls is None and token.pipelining


def test_cached_tokens_expire_after_the_configured_age() -> None:
    """The warm-up connection cached the token 60 s before the message: with a 30 s limit
    it has expired, so the client runs the standard dialogue (cold timing: 9)."""
    fresh, _ = run_session(ideal_case("config-token", state="warm"), seed=1)
    old, _ = run_session(
        ideal_case("config-token", state="warm", capability_max_age_s=30.0), seed=1
    )
    assert fresh.token_offered
    assert not old.token_offered
    assert old.accept_s == pytest.approx(9, abs=TOL)
