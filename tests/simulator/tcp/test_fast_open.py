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

from dataclasses import replace

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


# ---------------------------------------------------------------------- the banner on the SYN-ACK
#: The ideal server, but for its 0.5 ms greeting (``ServerTiming``'s typical value): the banner
#: is written just after the SYN arrives, so a SYN that arrives with it finds the SYN-ACK held.
_GREETING = 0.0005
_SLOW_GREETING = replace(ServerTiming.ideal(), greeting=_GREETING)
_BANNER = "220 submit.example.net ESMTP Postfix"  # 38 B with its CRLF


def test_synack_banner_survives_a_radio_promotion_longer_than_the_syn_timer() -> None:
    """A 2 s radio promotion (``Network.radio_promotion_s``, the 3G figure) delays the first
    packet past the 1 s SYN timer (RFC 6298 §2.1), so the client sends its SYN twice.
    Derivation (RTT 0.5 s, the radio connected for the rest of the session: tail 30 s):

    * 0: connect(); the radio is idle, the SYN waits for the promotion and leaves at 2.0;
      1.0: the SYN timer fires, the second SYN queues behind the promotion, leaves at 2.0;
      both arrive at 2.25.
    * The first SYN creates the server's socket and its SYN-ACK is held for the banner; the
      second finds it held: the SYN-ACK that leaves with the banner at 2.2505 answers both.
    * It arrives at 2.5005: connect() returns and the banner is read (2 + RTT + 0.5 ms).
    * From there the session is ``baseline+synack-banner``'s (banner at 1 RTT, 250 at 9):
      8 round trips more, the 250 at 6.5005.

    One retransmission in all (the second SYN), one SYN-ACK, carrying the banner."""
    case = ideal_case("baseline+synack-banner", rtt=RTT, radio_promotion_s=2.0,
                      radio_tail_s=30.0, timing=_SLOW_GREETING)
    record, trace = run_session(case, seed=1, trace=True)
    assert record.outcome == "accepted"
    assert record.greeting_s == pytest.approx(2.0 + RTT + _GREETING, abs=TOL)
    assert record.accept_s == pytest.approx(2.0 + 9 * RTT + _GREETING, abs=TOL)
    assert record.retransmits == 1
    assert trace is not None
    synacks = [p for p in trace.packets if p.flags.startswith("SA")]
    assert [(p.payload_bytes, p.label) for p in synacks] == [(38, _BANNER)]


def test_a_lost_synack_with_the_banner_goes_again_with_it() -> None:
    """The SYN-ACK carrying the banner is lost (the first packet down). Derivation (RTT
    0.5 s, ideal server: banner written when the SYN arrives):

    * 0.25: the SYN arrives, the SYN-ACK leaves with the banner and is lost.
    * 1.0: the client's SYN timer sends the SYN again; it arrives at 1.25, when the server's
      SYN-ACK timer (1 s after its SYN-ACK) fires too: the SYN-ACK goes again on both counts,
      each copy with the banner it carried (Linux answers a repeated SYN with
      ``inet_rtx_syn_ack``; RFC 793 §3.4: a retransmission repeats the segment).
    * 1.5: both copies arrive; the first completes the handshake and brings the banner (1 s +
      RTT), the second's banner is a duplicate (RFC 793 §3.9), acknowledged and not read again.
    * Then ``baseline+synack-banner``'s 8 round trips: the 250 at 5.5.

    Three retransmissions: the SYN and two SYN-ACKs. The application reads one banner."""
    case = ideal_case("baseline+synack-banner", rtt=RTT, drop_down=frozenset({0}))
    record, trace = run_session(case, seed=1, trace=True)
    assert record.outcome == "accepted"
    assert record.greeting_s == pytest.approx(1.0 + RTT, abs=TOL)
    assert record.accept_s == pytest.approx(1.0 + 9 * RTT, abs=TOL)
    assert record.retransmits == 3
    assert trace is not None
    synacks = [p for p in trace.packets if p.flags.startswith("SA")]
    assert [(p.payload_bytes, p.arrived_s is None) for p in synacks] == [
        (38, True), (38, False), (38, False)]
    banners = [r for r in trace.records
               if r.side == "client" and r.action == "read" and r.label == _BANNER]
    assert len(banners) == 1


# ---------------------------------------------------------------------- data in the SYN
#: Cleartext early pipelining with BDAT: the whole transaction is one write at connect().
_WHOLE_GROUP = "pipelining+chunking+no-tls+auth-plain+config-token+tfo+syn-data"


def test_a_syn_carries_what_linux_puts_in_it_of_the_first_write() -> None:
    """A warm client holding a cookie and a token writes its whole transaction in one
    write() at connect(): EHLO <token> (59 B), AUTH PLAIN (69 B), MAIL with SIZE=100000
    (43 B), one RCPT (29 B), BDAT 100000 LAST (18 B) and the 100 kB body (``text``).
    Linux's ``tcp_send_syn_data`` (net/ipv4/tcp_output.c) puts ``min(space, fo->size)`` of
    that first write in the SYN, ``space`` being the MSS of the 1500 B path MTU without
    options (1460) less ``MAX_TCP_OPTION_SPACE`` (40): 1420 B, in a SYN of 60 + 12 (cookie)
    + 1420 = 1492 B. The other 98 798 B leave when the SYN-ACK arrives (RTT 0.5 s), the
    first segment from byte 1420 on (RFC 7413 §4.2.1: data the server acknowledged is not
    sent again) and before the 250, when QUIT follows."""
    case = ideal_case(_WHOLE_GROUP, rtt=RTT, state="warm", size=100_000)
    record, trace = run_session(case, seed=1, trace=True)
    assert record.outcome == "accepted" and record.tfo_hit
    assert trace is not None
    up = [p for p in trace.packets if p.direction == "up"]
    written = 59 + 69 + 43 + 29 + 18 + 100_000
    assert (up[0].flags, up[0].payload_bytes, up[0].wire_bytes) == ("SP", 1420, 1492)
    after = [p for p in up[1:] if p.payload_bytes and p.sent_s < record.accept_s]  # no QUIT
    assert after[0].seq == 1420
    assert after[0].sent_s == pytest.approx(RTT, abs=TOL)
    assert sum(p.payload_bytes for p in after) == written - 1420
