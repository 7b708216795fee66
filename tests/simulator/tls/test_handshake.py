"""The TLS handshakes message by message over a fake socket (``fakes.Pipe``, one-way delay
D = 0.1 s), with ``TlsConfig``'s default sizes and CPU times: server 1 ms before a full flight
(its signature), client 0.5 ms after it (chain verification), 0.1 ms each on resumption.

Expected writes, derived by hand (time, side, record sizes). Every write is what OpenSSL
makes: a flight is buffered and flushed once (ssl/statem/statem.c ``state_machine`` pushes the
buffering BIO; ssl/statem/statem_clnt.c ``ossl_statem_client_post_work`` flushes after the
ClientHello and after the Finished), ``SSL_do_handshake`` returns after the flush of the
Finished, so application data is the next write, and a TLS 1.3 server flushes after each
NewSessionTicket (ssl/statem/statem_srvr.c ``ossl_statem_server_post_work``):

* TLS 1.2 full (RFC 5246 §7.3 Fig. 1): ClientHello 517 at 0; the server's flight 4600 at
  D + 1 ms; ClientKeyExchange + ChangeCipherSpec + Finished 126 at 2D + 1.5 ms, one write
  also for a client that writes its own data per command; NewSessionTicket +
  ChangeCipherSpec + Finished 251 at 3D + 1.5 ms; the client may send data at 4D + 1.5 ms
  (2 RTT).
* TLS 1.3 full (RFC 8446 §2): the client's Finished 80 at 2D + 1.5 ms, a write of its own,
  and the application data in the next write at the same instant (1 RTT); the
  NewSessionTickets, ``tickets_13`` writes of ``ticket_bytes`` (255 B) each, when the server
  has read the Finished, at 3D + 1.5 ms.
* Resumption (RFC 5077 §3.1, RFC 5246 §7.3 Fig. 2, RFC 8446 §2.2): the ClientHello carries
  the ticket (517 + 230 B); the server's abbreviated flight (141 B in TLS 1.2, 230 B PSK in
  TLS 1.3) at D + 0.1 ms; the client's Finished (51 B / 80 B) at 2D + 0.2 ms and its data in
  the next write.
* A ticket the server cannot decrypt: the full handshake, as without one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import simpy

from smtpsim.model import TlsConfig, text
from smtpsim.simulator.smtp.messages import Command
from smtpsim.simulator.tls import (
    Channel,
    TlsMessage,
    TlsResult,
    accept_finished,
    client_handshake,
    server_handshake,
)

from ..fakes import Pipe

D = 0.1
CFG = TlsConfig()
TICKET = "ticket-key-1"
EHLO = Command("EHLO", text.ehlo())
EHLO_BYTES = text.line_bytes(text.ehlo())  # 25
HELLO_WITH_TICKET = CFG.client_hello + CFG.hello_ticket_bytes  # 747
FULL_CPU = CFG.server_cpu_s + CFG.client_cpu_s  # 1.5 ms
RESUMED_CPU = 2 * CFG.resumed_cpu_s  # 0.2 ms
TOL = 1e-9


@dataclass
class Run:
    pipe: Pipe
    client: TlsResult | None = None
    server: str | None = None
    client_done_s: float | None = None
    server_done_s: float | None = None
    client_channel: Channel | None = None
    server_channel: Channel | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def writes(self) -> list[tuple[float, str, list[int]]]:
        return [(w.time_s, w.side, w.sizes) for w in self.pipe.writes]


def _run(
    version: str,
    cfg: TlsConfig = CFG,
    client: dict[str, Any] | None = None,
    server: dict[str, Any] | None = None,
    after_server: Callable[[Run], Any] | None = None,
) -> Run:
    """The client's and the server's handshakes against each other; ``after_server`` runs
    in the server's process once its handshake returned."""
    env = simpy.Environment()
    pipe = Pipe(env, D)
    pipe.establish()
    run = Run(pipe, client_channel=Channel(pipe.client), server_channel=Channel(pipe.server))
    client_kw = {"per_record_writes": False, **(client or {})}

    def client_side():
        run.client = yield from client_handshake(env, run.client_channel, cfg, version,
                                                 **client_kw)
        run.client_done_s = env.now

    def server_side():
        run.server = yield from server_handshake(env, run.server_channel, cfg, version,
                                                 **(server or {}))
        run.server_done_s = env.now
        if after_server is not None:
            yield from after_server(run)

    if client is not None:
        env.process(client_side())
    if server is not None:
        env.process(server_side())
    env.run()
    return run


def _approx(writes: list[tuple[float, str, list[int]]]) -> list[Any]:
    return [(pytest.approx(t, abs=TOL), side, sizes) for t, side, sizes in writes]


# ---------------------------------------------------------------------- full handshakes
def test_tls12_full_handshake_takes_two_round_trips() -> None:
    run = _run("1.2", client={"early_items": [EHLO]}, server={"issue": TICKET})
    assert run.writes() == _approx([
        (0.0, "client", [CFG.client_hello]),
        (D + CFG.server_cpu_s, "server", [CFG.server_flight]),
        (2 * D + FULL_CPU, "client", [CFG.client_finished_12]),
        (3 * D + FULL_CPU, "server", [CFG.server_finished_12]),
    ])
    assert [r.label for w in run.pipe.writes for r in w.records] == [
        "TLS ClientHello",
        "TLS ServerHello, Certificate, ServerKeyExchange, ServerHelloDone",
        "TLS ClientKeyExchange, ChangeCipherSpec, Finished",
        "TLS NewSessionTicket, ChangeCipherSpec, Finished",
    ]
    assert run.server == ""
    assert run.server_done_s == pytest.approx(3 * D + FULL_CPU, abs=TOL)
    assert run.client is not None
    assert (run.client.outcome, run.client.resumed, run.client.ticket) == ("", False, TICKET)
    assert run.client_done_s == pytest.approx(4 * D + FULL_CPU, abs=TOL)
    # no data rides a TLS 1.2 full handshake: the caller sends the early items afterwards
    assert run.client.sent_early is False
    assert not [i for _, i in run.pipe.server.received if not isinstance(i, TlsMessage)]
    assert run.client_channel.overhead == run.server_channel.overhead == CFG.record_overhead_12


def test_tls12_client_flight_is_one_write_also_per_command() -> None:
    """A client that writes its own data per command (``per-command``, Python's smtplib over
    ssl) still hands the handshake to OpenSSL, which buffers ClientKeyExchange,
    ChangeCipherSpec and Finished and flushes them once after the Finished
    (``ossl_statem_client_post_work``, ``TLS_ST_CW_FINISHED``): one write of 126 B at
    2D + 1.5 ms, not three; the server answers D later."""
    run = _run("1.2", client={"per_record_writes": True}, server={"issue": TICKET})
    t = 2 * D + FULL_CPU
    assert run.writes() == _approx([
        (0.0, "client", [CFG.client_hello]),
        (D + CFG.server_cpu_s, "server", [CFG.server_flight]),
        (t, "client", [CFG.client_finished_12]),
        (t + D, "server", [CFG.server_finished_12]),
    ])
    assert [r.label for r in run.pipe.writes[2].records] == [
        "TLS ClientKeyExchange, ChangeCipherSpec, Finished"]
    assert run.client is not None and run.client.outcome == ""


@pytest.mark.parametrize("tickets", [2, 3, 0])
def test_tls13_full_handshake_takes_one_round_trip_and_tickets_follow(tickets: int) -> None:
    cfg = TlsConfig(tickets_13=tickets)
    run = _run("1.3", cfg, client={"early_items": [EHLO]}, server={"issue": TICKET})
    expected = [
        (0.0, "client", [cfg.client_hello]),
        (D + cfg.server_cpu_s, "server", [cfg.server_flight]),
        (2 * D + FULL_CPU, "client", [cfg.client_finished_13]),
        (2 * D + FULL_CPU, "client", [EHLO_BYTES + cfg.record_overhead_13]),
    ]
    expected += [(3 * D + FULL_CPU, "server", [cfg.ticket_bytes])] * tickets
    assert run.writes() == _approx(expected)
    for write in run.pipe.writes[4:]:
        (record,) = write.records
        assert record.label == "TLS NewSessionTicket"
        assert record.items[0].ticket == TICKET
    assert run.client is not None
    assert (run.client.outcome, run.client.resumed, run.client.ticket) == ("", False, None)
    assert run.client.sent_early is True
    assert run.client_done_s == pytest.approx(2 * D + FULL_CPU, abs=TOL)
    assert run.server == ""
    # the EHLO behind the Finished waits for the application, in its own TLS record
    assert run.pipe.server.pending()
    assert run.pipe.server.received[-1] == (pytest.approx(3 * D + FULL_CPU, abs=TOL), EHLO)


def test_a_server_without_tickets_sends_none() -> None:
    run = _run("1.3", client={}, server={})
    assert [w.side for w in run.pipe.writes] == ["client", "server", "client"]


def test_half_rtt_data_rides_behind_the_tls13_flight() -> None:
    """RFC 8446 §2: the server may send application data right after its first flight,
    before the client's Finished (here the implicit-TLS banner, 0.5-RTT data)."""
    banner = Command("220", f"220 {text.GREETING}")
    run = _run("1.3", client={}, server={"half_rtt_items": [banner]})
    assert run.pipe.writes[1].time_s == pytest.approx(D + CFG.server_cpu_s, abs=TOL)
    assert run.pipe.writes[1].sizes == [CFG.server_flight,
                                        text.line_bytes(banner.text) + CFG.record_overhead_13]
    assert run.pipe.writes[1].items[1] is banner


# ---------------------------------------------------------------------- resumption
def test_tls12_abbreviated_handshake_lets_data_follow_the_clients_finished() -> None:
    run = _run("1.2", client={"early_items": [EHLO], "ticket": TICKET},
               server={"accepts": lambda t: t == TICKET, "issue": TICKET})
    assert run.writes() == _approx([
        (0.0, "client", [HELLO_WITH_TICKET]),
        (D + CFG.resumed_cpu_s, "server", [CFG.server_resumed_12]),
        (2 * D + RESUMED_CPU, "client", [CFG.client_resumed_12]),
        (2 * D + RESUMED_CPU, "client", [EHLO_BYTES + CFG.record_overhead_12]),
    ])
    assert run.pipe.writes[1].items[0].resumed is True
    assert run.client is not None
    assert (run.client.outcome, run.client.resumed, run.client.ticket) == ("", True, TICKET)
    assert run.client.sent_early is True
    assert run.client_done_s == pytest.approx(2 * D + RESUMED_CPU, abs=TOL)
    # the server's handshake ends with the client's Finished (RFC 5246 §7.3 Fig. 2)
    assert run.server == ""
    assert run.server_done_s == pytest.approx(3 * D + RESUMED_CPU, abs=TOL)


def test_tls13_psk_handshake() -> None:
    run = _run("1.3", client={"early_items": [EHLO], "ticket": TICKET},
               server={"accepts": lambda t: t == TICKET, "issue": TICKET})
    assert run.writes() == _approx([
        (0.0, "client", [HELLO_WITH_TICKET]),
        (D + CFG.resumed_cpu_s, "server", [CFG.server_resumed_13]),
        (2 * D + RESUMED_CPU, "client", [CFG.client_finished_13]),
        (2 * D + RESUMED_CPU, "client", [EHLO_BYTES + CFG.record_overhead_13]),
        (3 * D + RESUMED_CPU, "server", [CFG.ticket_bytes]),
        (3 * D + RESUMED_CPU, "server", [CFG.ticket_bytes]),
    ])
    assert run.client is not None
    assert (run.client.outcome, run.client.resumed, run.client.ticket) == ("", True, None)


@pytest.mark.parametrize(
    ("version", "finished"), [("1.2", CFG.client_finished_12), ("1.3", CFG.client_finished_13)]
)
def test_a_ticket_the_server_does_not_accept_gets_the_full_handshake(
    version: str, finished: int
) -> None:
    """A ticket under a key the server no longer holds (RFC 5077 §3.1, RFC 8446 §4.2.11): the
    server ignores it and runs the full handshake, certificate, signature and all."""
    run = _run(version, client={"ticket": "other-key"},
               server={"accepts": lambda t: t == TICKET, "issue": TICKET})
    assert run.writes()[:3] == _approx([
        (0.0, "client", [HELLO_WITH_TICKET]),
        (D + CFG.server_cpu_s, "server", [CFG.server_flight]),
        (2 * D + FULL_CPU, "client", [finished]),
    ])
    assert run.pipe.writes[1].items[0].resumed is False
    assert run.client is not None
    assert run.client.outcome == "" and run.client.resumed is False


# ---------------------------------------------------------------------- 0-RTT data
def _read_early_then_finished(run: Run):
    """The application's side after ``"early"``: read the 0-RTT data, then the client's
    Finished, then let the server issue its tickets (``accept_finished``)."""
    sock = run.pipe.server
    item = yield sock.recv()
    run.extra["early"] = (item, sock.arrived_s)
    item = yield sock.recv()
    run.extra["finished"] = (item, sock.arrived_s)
    accept_finished(run.server_channel, CFG, TICKET)


def test_zero_rtt_data_accepted_is_read_before_the_finished() -> None:
    """RFC 8446 §2.3: the early data follows the ClientHello in its first flight, under the
    early traffic keys (a record with TLS 1.3 overhead); a server that accepts the PSK reads
    it at once and answers behind its flight. The client's Finished then goes alone."""
    run = _run("1.3", client={"early_items": [EHLO], "ticket": TICKET, "zero_rtt": True},
               server={"accepts": lambda t: t == TICKET, "issue": TICKET},
               after_server=_read_early_then_finished)
    assert run.writes() == _approx([
        (0.0, "client", [HELLO_WITH_TICKET, EHLO_BYTES + CFG.record_overhead_13]),
        (D + CFG.resumed_cpu_s, "server", [CFG.server_resumed_13]),
        (2 * D + RESUMED_CPU, "client", [CFG.client_finished_13]),
        (3 * D + RESUMED_CPU, "server", [CFG.ticket_bytes]),
        (3 * D + RESUMED_CPU, "server", [CFG.ticket_bytes]),
    ])
    assert run.pipe.writes[0].items[0].early is True
    assert run.server == "early"
    assert run.server_done_s == pytest.approx(D + CFG.resumed_cpu_s, abs=TOL)
    assert run.extra["early"] == (EHLO, pytest.approx(D, abs=TOL))
    finished, at = run.extra["finished"]
    assert isinstance(finished, TlsMessage) and finished.name == "Finished"
    assert at == pytest.approx(3 * D + RESUMED_CPU, abs=TOL)
    assert run.client is not None
    assert (run.client.outcome, run.client.resumed, run.client.sent_early) == ("", True, True)


def test_zero_rtt_data_refused_is_skipped_and_sent_again_with_the_finished() -> None:
    """RFC 8446 §4.2.10: a server that does not accept the PSK skips the early data; the
    client sends it again after the handshake, in the write right behind its Finished."""
    run = _run("1.3", client={"early_items": [EHLO], "ticket": "other-key", "zero_rtt": True},
               server={"accepts": lambda t: t == TICKET, "issue": TICKET})
    again = 2 * D + FULL_CPU
    assert run.writes() == _approx([
        (0.0, "client", [HELLO_WITH_TICKET, EHLO_BYTES + CFG.record_overhead_13]),
        (D + CFG.server_cpu_s, "server", [CFG.server_flight]),
        (again, "client", [CFG.client_finished_13]),
        (again, "client", [EHLO_BYTES + CFG.record_overhead_13]),
        (again + D, "server", [CFG.ticket_bytes]),
        (again + D, "server", [CFG.ticket_bytes]),
    ])
    assert run.server == ""
    assert run.client is not None
    assert (run.client.outcome, run.client.resumed, run.client.sent_early) == ("", False, True)
    # the refused copy was consumed by the handshake; the one left is the copy sent again
    sock = run.pipe.server
    assert [t for t, i in sock.received if i is EHLO] == [pytest.approx(D, abs=TOL),
                                                         pytest.approx(again + D, abs=TOL)]
    assert sock.pending()
    assert sock.recv().value is EHLO and sock.arrived_s == pytest.approx(again + D, abs=TOL)
    assert not sock.pending()
