"""TCP Fast Open (RFC 7413), T/TCP (RFC 1644) and the banner on the SYN-ACK: the TCP side
(the client's cookie cache is in ``test_client_state``).

Ideal path with RTT 0.5 s (below the 1 s initial RTO, so no handshake timer fires); times in
RTT from the first SYN. Derivations:

* TFO, cookie cached: the SYN carries the cookie; the server's socket exists when the SYN
  arrives (0.5), so its banner follows the SYN-ACK and arrives at 1 instead of 2: baseline's
  10 RTT become 9. Without a cookie the SYN only asks for one: 10, and the cookie is cached.
* T/TCP: the same latency with its own cache. The banner on every SYN-ACK: 9 without any
  cache.
* With data in the SYN: implicit TLS 1.3 puts its ClientHello in the SYN; the flight comes
  back at 1, the client's Finished goes at 1, the banner arrives at 2, EHLO 2->3, AUTH +
  MAIL + RCPT + DATA 3->4, content -> 250 at 5 (6 without TFO: the banner follows the
  handshake, RFC 8314 §3, which a TLS 1.3 server completes when the client's Finished
  arrives, RFC 8446 §2).
* A middlebox that drops SYNs with data: the SYN timer fires after 1 s; the SYN goes again
  without data (the cookie still valid, so the banner still comes early) and the
  ClientHello follows the handshake: exactly the RTO later than a clean TFO connection
  without data.
"""

from __future__ import annotations

import pytest
import simpy
from cases import ideal_case

from smtpsim.model import ServerTiming, TlsConfig
from smtpsim.simulator.frontend import FrontEnd, ServerOffer
from smtpsim.simulator.run import run_session

RTT = 0.5
TOL = 1e-6
IMPLICIT = "baseline+implicit-tls+tls1.3+auth-pipelined"


def _run(variant: str, state: str = "cold", **kw):
    record, _ = run_session(ideal_case(variant, rtt=RTT, state=state, **kw), seed=1)
    assert record.outcome == "accepted"
    return record


@pytest.mark.parametrize(
    ("variant", "state", "greeting", "accept", "offered", "hit"),
    [
        ("baseline+tfo", "cold", 2, 10, False, False),
        ("baseline+tfo", "warm", 1, 9, True, True),
        ("baseline+ttcp", "cold", 2, 10, False, False),
        ("baseline+ttcp", "warm", 1, 9, True, True),
        ("baseline+synack-banner", "cold", 1, 9, False, False),
        (f"{IMPLICIT}+tfo+syn-data", "warm", 2, 5, True, True),
        (f"{IMPLICIT}+tfo+syn-data", "cold", 3, 6, False, False),
        (IMPLICIT, "warm", 3, 6, False, False),
    ],
)
def test_banner_and_accept(variant, state, greeting, accept, offered, hit) -> None:
    r = _run(variant, state)
    assert r.greeting_s == pytest.approx(greeting * RTT, abs=TOL)
    assert r.accept_s == pytest.approx(accept * RTT, abs=TOL)
    assert (r.tfo_offered, r.tfo_hit) == (offered, hit)


@pytest.mark.parametrize(("nagle", "accept"), [("", 5), ("+nodelay", 4)])
def test_early_group_in_the_syn_with_a_config_token(nagle: str, accept: int) -> None:
    """EHLO <token> + STARTTLS in the SYN: greeting, 250 and 220 at 1; ClientHello 1,
    flight 2, the Finished alone at 2 and EHLO + AUTH + MAIL ... written behind it at 2.
    With Nagle the group waits for the Finished's ACK, on the first ticket at 3: 354 at 4,
    250 at 5; with TCP_NODELAY it leaves at 2: 354 at 3, 250 at 4."""
    r = _run("baseline+config-token+tls1.3+tfo+syn-data" + nagle, "warm")
    assert r.mail_s == pytest.approx(2 * RTT, abs=TOL)
    assert r.accept_s == pytest.approx(accept * RTT, abs=TOL)
    assert r.token_hit and r.tfo_hit


def test_a_middlebox_that_drops_syn_data_costs_the_syn_rto() -> None:
    dropped = _run(f"{IMPLICIT}+tfo+syn-data", "warm", syn_data_drop=1.0)
    clean = _run(f"{IMPLICIT}+tfo", "warm")  # cookie, no data in the SYN
    assert dropped.accept_s - clean.accept_s == pytest.approx(1.0, abs=TOL)
    assert dropped.retransmits >= 1


def test_a_refused_cookie_is_replaced() -> None:
    """A cookie the server no longer accepts (other key) gets a fresh one in the SYN-ACK and
    costs the ordinary handshake (RFC 7413 §4.2.2)."""
    front = FrontEnd(simpy.Environment(), "mx", ServerTiming.ideal(), TlsConfig(),
                     ServerOffer(fast_open="tfo"), None)
    check = front.fast_open_check("tfo")
    assert check(None) == (False, None)
    assert check(front.tfo_key) == (True, None)
    assert check("old-key") == (False, front.tfo_key)
