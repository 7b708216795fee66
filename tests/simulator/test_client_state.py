"""What a client remembers between connections (``ClientState``): its TCP Fast Open cookies
and Linux's back-off after lost SYNs with data, its capability lists with their qhlo-ids or
tokens, and the expiry of every cached entry. It spans the layers (TCP, TLS, SMTP) and the
connections of a run, so it is tested here rather than under one protocol."""

from __future__ import annotations

import pytest

from smtpsim.simulator.client_state import CacheEntry, ClientState


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
