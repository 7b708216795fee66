"""What a client remembers between connections (``ClientState``): its TCP Fast Open cookies and
Linux's back-off after lost SYNs with data, its capability lists with their qhlo-ids or tokens,
the expiry of every cached entry and what restarts an entry's age. It spans the layers (TCP,
TLS, SMTP) and the connections of a run, so it is tested here rather than under one protocol."""

from __future__ import annotations

import pytest
from cases import ideal_case

from smtpsim.model import FarmConfig
from smtpsim.simulator.client_state import CacheEntry, ClientState
from smtpsim.simulator.run import run_messages, run_session

RTT = 0.5  # the ideal path's RTT in the multi-message tests
TOL = 1e-6


def test_linux_backs_off_after_the_second_lost_syn_with_data() -> None:
    """Linux: no data in SYNs to a destination for 60 s << losses once losses > 1."""
    state = ClientState()
    state.note_syn_data_lost("mx", now=100.0)
    assert "mx" not in state.tfo_disabled_until
    state.note_syn_data_lost("mx", now=200.0)
    assert state.tfo_disabled_until["mx"] == pytest.approx(200.0 + 240.0)
    state.note_syn_data_lost("mx", now=300.0)
    assert state.tfo_disabled_until["mx"] == pytest.approx(300.0 + 480.0)


def test_a_cookie_the_server_may_refuse_is_still_presented() -> None:
    """The client cannot tell a cookie made under a key the server no longer holds from a
    valid one (RFC 7413 §4.1.2): within its lifetime the cache returns it, and the server's
    check refuses it (``tcp/test_fast_open.py``)."""
    state = ClientState()
    state.tfo_cookies["mx"] = CacheEntry("old-key", 0.0)
    assert state.get(state.tfo_cookies, "mx", 10.0, 3600.0) == "old-key"


def test_flush_server_forgets_every_context_of_that_server_only() -> None:
    """quickstart-b §5: after any rejection the client flushes all lists for that server."""
    state = ClientState()
    for key in [("a.example", "plain"), ("a.example", "tls"), ("b.example", "tls")]:
        state.capabilities[key] = CacheEntry("id", 0.0)
    state.flush_server("a.example")
    assert list(state.capabilities) == [("b.example", "tls")]


def test_cache_entries_expire() -> None:
    state = ClientState()
    state.tickets["h"] = CacheEntry("t", 10.0)
    assert state.get(state.tickets, "h", 20.0, max_age=15.0) == "t"
    assert state.get(state.tickets, "h", 30.0, max_age=15.0) is None
    assert "h" not in state.tickets


def test_a_confirmed_entry_ages_from_its_confirmation() -> None:
    """``refresh``: the server confirmed an entry, whose age restarts (``get`` counts its age
    from ``stored_s``); a missing entry stays missing."""
    state = ClientState()
    state.capabilities[("a.example", "plain")] = CacheEntry("id", 0.0)
    state.refresh(state.capabilities, ("a.example", "plain"), 50.0)
    state.refresh(state.capabilities, ("a.example", "tls"), 50.0)
    assert state.get(state.capabilities, ("a.example", "plain"), 60.0, max_age=15.0) == "id"
    assert ("a.example", "tls") not in state.capabilities


#: QUICKSTART's full profile with TLS 1.3 and no session resumption: every connection makes
#: the same full handshake, so only the qhlo-ids decide its round trips. TCP_NODELAY, as the
#: quickstart-full preset: the group written after the Finished (a write of its own, OpenSSL)
#: leaves with it instead of waiting for its ACK.
_QS_13 = "pipelining+data+tls1.3+auth-plain+qs-full+nodelay"


@pytest.mark.parametrize(("variant", "accept_rtt"), [("config-token", 6), (_QS_13, 4)])
def test_tokens_the_server_accepts_stay_cached_for_messages_600_s_apart(
    variant: str, accept_rtt: int
) -> None:
    """200 messages, 600 s apart (each session about 3 s, so one starts every ~603 s), from
    a warm client whose earlier connection learnt its tokens at the start. Counted from that
    connection, the tokens would be older than ``CAPABILITY_MAX_AGE_S`` (86 400 s) from
    message 143 on (86 400 / 603 = 143.3); but every message presents them and the server
    accepts them, which confirms them: their age restarts (as a Fast Open cookie's does with
    every SYN-ACK, Linux ``tcp_fastopen_cache_set``), so it never exceeds one gap and one
    session. Every message then costs what a warm client's does (docs/protocol.md, ideal
    path):

    * ``config-token`` (STARTTLS, TLS 1.2): `EHLO <token>` + STARTTLS with the handshake
      ACK, answered at 2; ClientHello 2 -> 3; client flight 3 -> 4; the group 4 -> 5 (354);
      content, 250 at 6 (without the cleartext token: greeting, EHLO, STARTTLS first: 8);
    * QUICKSTART full with TLS 1.3: QTLS + ClientHello with the handshake ACK; greeting and
      the server's flight at 2; the Finished and, right after it (TCP_NODELAY), `QHLO
      <domain> <id>` and the group, 354 at 3, 250 at 4 (without the TLS-context id a bare
      QHLO first: 5). The server
      confirms that id with a bare 250 (quickstart-01 §5), which carries no list to learn
      it from again.

    Every message records its token offered and accepted."""
    records, _ = run_messages(
        ideal_case(variant, rtt=RTT, state="warm", messages=200, gap_s=600.0), seed=1)
    assert len(records) == 200
    assert all(r.outcome == "accepted" for r in records)
    slow = [r.message for r in records
            if abs(r.accept_s - accept_rtt * RTT) > TOL or r.rtt_accept != accept_rtt]
    assert slow == []
    assert all(r.token_offered and r.token_hit for r in records)


def test_a_refused_token_is_a_miss_and_the_refusal_restocks_the_cache() -> None:
    """QUICKSTART full with TLS 1.3, no tickets, ideal path (the same counts as above: 250 at
    4 RTT on cached ids).

    * One message, the server's configuration changed since the warm client's earlier
      connection (``Server.config_changed``): the ids are stale. The client does not wait
      for the greeting (it holds a cleartext id), the server refuses the QHLO with a 520
      carrying the new list and the rest of the group with 503 (quickstart-b §6, §7); the
      client flushes every list of the server (§5), learns the new id from the 520 and sends
      the group again: 250 at 5. The id was presented and refused: ``token_hit`` is False.
    * Six messages 600 s apart, the configuration changing at 1 500 s (``FarmConfig
      .config_changes_s``): the first message after the change is that refused one (5 RTT,
      a miss). The greeting the client read before the refusal carried the new cleartext
      list, and the 520 the new TLS-context one: both are current, so after the flush the
      client holds both, and the next message costs 4 RTT again, its ids accepted."""
    one, _ = run_session(ideal_case(_QS_13, rtt=RTT, state="warm", config_changed=True),
                         seed=1)
    assert one.outcome == "accepted"
    assert (one.token_offered, one.token_hit) == (True, False)
    assert one.accept_s == pytest.approx(5 * RTT, abs=TOL)

    farm = FarmConfig(config_changes_s=(1500.0,))
    records, _ = run_messages(ideal_case(_QS_13, rtt=RTT, state="warm", messages=6,
                                         gap_s=600.0, farm=farm), seed=1)
    misses = [r.message for r in records if not r.token_hit]
    assert len(misses) == 1
    refused = misses[0]
    assert 0 < refused < 5
    for r in records:
        assert r.outcome == "accepted" and r.token_offered
        rtts = 5 if r.message == refused else 4
        assert r.accept_s == pytest.approx(rtts * RTT, abs=TOL), r.message
