"""How the TLS handshakes spend CPU time, what the client writes before its ClientHello and
keeps from before the server's flight, and how a handshake ends when the peer is silent,
closes or fails. Over a fake socket (``fakes.Pipe``), one-way delay D = 0.1 s.

CPU (``TlsConfig``): the server spends ``server_cpu_s`` before its full flight (the
signature), the client ``client_cpu_s`` after reading it (chain verification, key exchange),
each ``resumed_cpu_s`` instead on a resumed handshake; nothing else costs CPU. A handshake
ends ``timeout`` when nothing arrives for its timeout, ``failed`` when the peer closes, the
connection fails, or something other than a handshake message arrives.
"""

from __future__ import annotations

from typing import Any

import pytest
import simpy

from smtpsim.model import TlsConfig, text
from smtpsim.simulator.smtp.messages import Command, greeting
from smtpsim.simulator.tls import Channel, client_handshake, server_handshake
from smtpsim.simulator.tls.messages import flight

from ..fakes import Pipe

D = 0.1
TOL = 1e-9
CPU = TlsConfig(server_cpu_s=0.02, client_cpu_s=0.03, resumed_cpu_s=0.004)
TICKET = "ticket-key-1"


def _env() -> tuple[simpy.Environment, Pipe]:
    env = simpy.Environment()
    pipe = Pipe(env, D)
    pipe.establish()
    return env, pipe


def _client(env: simpy.Environment, pipe: Pipe, out: dict[str, Any], version: str = "1.2",
            cfg: TlsConfig = CPU, **kw: Any) -> None:
    def proc():
        out["client"] = yield from client_handshake(env, Channel(pipe.client), cfg, version,
                                                    False, **kw)
        out["client_s"] = env.now
    env.process(proc())


def _server(env: simpy.Environment, pipe: Pipe, out: dict[str, Any], version: str = "1.2",
            cfg: TlsConfig = CPU, **kw: Any) -> None:
    def proc():
        out["server"] = yield from server_handshake(env, Channel(pipe.server), cfg, version,
                                                    **kw)
        out["server_s"] = env.now
    env.process(proc())


# ---------------------------------------------------------------------- CPU
@pytest.mark.parametrize(
    ("version", "ticket", "times"),
    [
        # full: the server's flight after its CPU, the client's after its own; the server's
        # TLS 1.2 Finished costs none (RFC 5246 §7.3: no signature in it), nor do its TLS 1.3
        # tickets, two writes (OpenSSL flushes after each NewSessionTicket)
        ("1.2", None, [0.0, D + 0.02, 2 * D + 0.05, 3 * D + 0.05]),
        ("1.3", None, [0.0, D + 0.02, 2 * D + 0.05, 3 * D + 0.05, 3 * D + 0.05]),
        # resumed: no certificate, no signature; resumed_cpu_s on each side
        ("1.2", TICKET, [0.0, D + 0.004, 2 * D + 0.008]),
        ("1.3", TICKET, [0.0, D + 0.004, 2 * D + 0.008, 3 * D + 0.008, 3 * D + 0.008]),
    ],
)
def test_cpu_time_is_spent_where_tls_config_says(
    version: str, ticket: str | None, times: list[float]
) -> None:
    env, pipe = _env()
    out: dict[str, Any] = {}
    _client(env, pipe, out, version, ticket=ticket)
    _server(env, pipe, out, version, accepts=lambda t: t == TICKET, issue=TICKET)
    env.run()
    assert [w.time_s for w in pipe.writes] == pytest.approx(times, abs=TOL)
    sides = ["client", "server", "client", "server", "server"]
    assert [w.side for w in pipe.writes] == sides[:len(times)]
    assert out["client"].outcome == "" and out["server"] == ""


def test_no_cpu_configured_means_pure_round_trips() -> None:
    env, pipe = _env()
    out: dict[str, Any] = {}
    cfg = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0, resumed_cpu_s=0.0)
    _client(env, pipe, out, "1.2", cfg)
    _server(env, pipe, out, "1.2", cfg, issue=TICKET)
    env.run()
    assert [w.time_s for w in pipe.writes] == pytest.approx([0.0, D, 2 * D, 3 * D], abs=TOL)
    assert out["client_s"] == pytest.approx(4 * D, abs=TOL)


# ---------------------------------------------------------------------- before the ClientHello
def _quickstart_server(env: simpy.Environment, pipe: Pipe, out: dict[str, Any]) -> None:
    """A server that greets at once (it does not wait for the client), then reads QTLS and
    runs its handshake (draft-fanf-smtp-quickstart-01 §5)."""
    def proc():
        Channel(pipe.server).send([greeting()])
        out["qtls"] = yield pipe.server.recv()
        out["server"] = yield from server_handshake(env, Channel(pipe.server), CPU, "1.2")
    env.process(proc())


def test_lead_items_go_in_the_clienthellos_write_and_an_early_greeting_is_kept() -> None:
    """QTLS and the ClientHello are one write (quickstart-01 §6); the greeting the client did
    not wait for arrives before the server's flight and is kept, with its arrival time."""
    env, pipe = _env()
    out: dict[str, Any] = {}
    stash: list[tuple[float, Any]] = []
    qtls = Command("QTLS", "QTLS")
    _client(env, pipe, out, lead=[qtls], stash=stash)
    _quickstart_server(env, pipe, out)
    env.run()
    first = pipe.writes[0]
    assert (first.time_s, first.side) == (0.0, "client")
    assert first.sizes == [text.line_bytes("QTLS"), CPU.client_hello]
    assert first.items[0] is qtls and out["qtls"] is qtls
    assert [(t, r.code, r.lines) for t, r in stash] == [
        (pytest.approx(D, abs=TOL), 220, [f"220 {text.GREETING}"])]
    assert out["client"].outcome == "" and out["server"] == ""


def test_without_a_stash_a_cleartext_reply_ends_the_handshake() -> None:
    env, pipe = _env()
    out: dict[str, Any] = {}
    _client(env, pipe, out, lead=[Command("QTLS", "QTLS")])
    _quickstart_server(env, pipe, out)
    env.run()
    assert out["client"].outcome == "failed"
    assert out["client_s"] == pytest.approx(D, abs=TOL)


# ---------------------------------------------------------------------- silence, close, failure
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_a_client_that_hears_nothing_times_out(version: str) -> None:
    env, pipe = _env()
    out: dict[str, Any] = {}
    _client(env, pipe, out, version, timeout=2.0)
    env.run()
    assert out["client"].outcome == "timeout"
    assert out["client_s"] == pytest.approx(2.0, abs=TOL)
    assert [w.sizes for w in pipe.writes] == [[CPU.client_hello]]


def test_a_client_waiting_for_the_tls12_servers_finished_times_out() -> None:
    """A server that sends its flight at once (no CPU) and nothing more: the client's wait
    for the Finished starts when it has written its own flight (2D + its 30 ms) and lasts
    the timeout."""
    env, pipe = _env()
    out: dict[str, Any] = {}

    def silent_after_flight():
        yield pipe.server.recv()
        pipe.server.write([flight("ServerHello, Certificate, ...", CPU.server_flight)])

    _client(env, pipe, out, "1.2", timeout=1.0)
    env.process(silent_after_flight())
    env.run()
    assert out["client"].outcome == "timeout"
    assert out["client_s"] == pytest.approx(2 * D + CPU.client_cpu_s + 1.0, abs=TOL)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_a_server_that_hears_nothing_times_out(version: str) -> None:
    env, pipe = _env()
    out: dict[str, Any] = {}
    _server(env, pipe, out, version, timeout=2.0)
    env.run()
    assert out["server"] == "timeout"
    assert out["server_s"] == pytest.approx(2.0, abs=TOL)
    assert pipe.writes == []


def test_a_server_that_closes_ends_the_clients_handshake_as_failed() -> None:
    env, pipe = _env()
    out: dict[str, Any] = {}

    def closes():
        yield pipe.server.recv()
        pipe.server.close()

    _client(env, pipe, out, "1.3")
    env.process(closes())
    env.run()
    assert out["client"].outcome == "failed"
    assert out["client_s"] == pytest.approx(2 * D, abs=TOL)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_a_client_that_closes_after_its_hello_ends_the_servers_handshake_as_failed(
    version: str
) -> None:
    """The ClientHello and the FIN arrive together at D; the server still spends its CPU and
    writes its flight, then reads the close."""
    env, pipe = _env()
    out: dict[str, Any] = {}
    pipe.client.write([flight("ClientHello", CPU.client_hello)])
    pipe.client.close()
    _server(env, pipe, out, version)
    env.run()
    assert out["server"] == "failed"
    assert out["server_s"] == pytest.approx(D + CPU.server_cpu_s, abs=TOL)
    assert [(w.side, w.sizes) for w in pipe.writes] == [
        ("client", [CPU.client_hello]), ("server", [CPU.server_flight])]


def test_a_failed_connection_ends_both_handshakes_as_failed() -> None:
    env, pipe = _env()
    out: dict[str, Any] = {}
    _client(env, pipe, out, "1.2")
    _server(env, pipe, out, "1.2")
    env.timeout(D + CPU.server_cpu_s / 2).callbacks.append(lambda _ev: pipe.client.fail())
    env.run()
    assert out["client"].outcome == out["server"] == "failed"
    assert out["client_s"] == pytest.approx(D + CPU.server_cpu_s / 2, abs=TOL)
    # the server read the ClientHello, spent its CPU, and found the connection gone
    assert out["server_s"] == pytest.approx(D + CPU.server_cpu_s, abs=TOL)
