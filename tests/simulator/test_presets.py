"""The composite presets, against hand derivations (ideal path, RTT from the first SYN).

* streamlined, warm (cookie, token cached): the SYN carries the ClientHello (TFO); the
  server's TLS 1.3 flight arrives at 1; the client's Finished goes alone at 1 and EHLO
  <token> + AUTH PLAIN + MAIL + RCPT + BDAT LAST and the chunk follow it at once (the preset
  sets TCP_NODELAY); 250 at 2. A later message on the kept session: 1. Cold: ClientHello 1,
  flight 2, banner 3 (RFC 8314 §3: after the handshake, which the TLS 1.3 server completes
  when the client's Finished arrives, RFC 8446 §2), EHLO 4, the group with BDAT 5.
* streamlined-2006, warm: QTLS + ClientHello (with its session ticket) in the SYN (T/TCP);
  greeting and the abbreviated handshake's server Finished at 1; the client's Finished, then
  QHLO <id> + AUTH + MAIL + RCPT + BDAT + chunk as the next write, at once (TCP_NODELAY);
  250 at 2.
* The same with Nagle (``+nagle``): the group waits for the Finished's ACK. streamlined:
  the server writes its tickets and the banner when it reads the Finished (1.5), so the ACK
  comes at 2 and the 250 at 3. streamlined-2006: a resumed TLS 1.2 server writes nothing
  when it reads the client's Finished (its own came first, RFC 5246 §7.3 Fig. 2), so the
  ACK waits for its delayed-ACK timer: at the client at 2 RTT + 40 ms, the 250 at
  3 RTT + 40 ms. Cold: QUICKSTART full
  profile with nothing cached and BDAT: 6 (the drafts' table, one less than with DATA).
* Every preset parses, has a description and a source, and runs.
"""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.model import TcpConfig
from smtpsim.scenarios.variants import PRESETS, TOKENS, parse_variant
from smtpsim.simulator.run import run_messages, run_session

RTT = 0.5
TOL = 1e-6


@pytest.mark.parametrize(
    ("variant", "state", "accept"),
    [
        ("streamlined", "warm", 2),
        ("streamlined", "cold", 5),
        ("streamlined-2006", "warm", 2),
        ("streamlined-2006", "cold", 6),
    ],
)
def test_streamlined_presets(variant: str, state: str, accept: int) -> None:
    r, _ = run_session(ideal_case(variant, rtt=RTT, state=state), seed=1)
    assert r.outcome == "accepted"
    assert r.accept_s == pytest.approx(accept * RTT, abs=TOL)


@pytest.mark.parametrize(("variant", "accept"), [
    ("streamlined", 3 * RTT),
    ("streamlined-2006", 3 * RTT + TcpConfig().delack_s),
])
def test_streamlined_presets_need_nodelay(variant: str, accept: float) -> None:
    assert not parse_variant(variant).nagle
    r, _ = run_session(ideal_case(variant + "+nagle", rtt=RTT, state="warm"), seed=1)
    assert r.accept_s == pytest.approx(accept, abs=TOL)
    assert r.user_s == r.accept_s  # async QUIT (or none, reusing): the user is told at 250


def test_streamlined_reuses_its_session_for_the_next_message() -> None:
    records, _ = run_messages(
        ideal_case("streamlined", rtt=RTT, state="warm", messages=3, gap_s=30.0), seed=1
    )
    assert [r.reused for r in records] == [False, True, True]
    assert [round(r.accept_s / RTT, 6) for r in records] == [2, 1, 1]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_is_documented_and_runs(preset: str) -> None:
    info = {t.name: t for t in TOKENS if t.kind == "preset"}[preset]
    assert info.description and info.source
    parse_variant(preset)
    for state in ("cold", "warm"):
        r, _ = run_session(ideal_case(preset, rtt=RTT, state=state), seed=1)
        assert r.outcome == "accepted"
        assert r.done_s >= r.accept_s > 0
