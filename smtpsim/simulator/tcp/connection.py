"""A TCP connection: a client and a server endpoint joined by a ``Path``."""

from __future__ import annotations

import simpy

from smtpsim.model import RecordEvent, TcpConfig
from smtpsim.simulator.tcp.endpoint import TcpEndpoint
from smtpsim.simulator.tcp.socket import Socket
from smtpsim.simulator.tcp.states import ESTABLISHED
from smtpsim.simulator.wire import Path

__all__ = ["TcpConnection"]


class TcpConnection:
    """A client and a server endpoint joined by a ``Path``; ``name`` names it in a trace."""

    __slots__ = ("client", "server")

    def __init__(
        self,
        env: simpy.Environment,
        path: Path,
        client_cfg: TcpConfig,
        server_cfg: TcpConfig,
        client_nagle: bool = True,
        server_nagle: bool = False,
        trace: bool = False,
        name: str = "smtp",
    ) -> None:
        self.client = TcpEndpoint(env, client_cfg, "client", path.up, client_nagle, trace)
        self.server = TcpEndpoint(env, server_cfg, "server", path.down, server_nagle, trace)
        self.client.peer = self.server
        self.server.peer = self.client
        self.client.conn = self.server.conn = name
        # SACK-permitted in the SYN and the SYN-ACK (RFC 2018 §2): used if both offer it
        self.client.sack_ok = self.server.sack_ok = client_cfg.sack and server_cfg.sack
        # RACK-TLP needs SACK (Linux tcp_is_sack in tcp_schedule_loss_probe; RACK runs only
        # for SACK connections, tcp_identify_packet_loss); each end runs its own
        sack = self.client.sack_ok
        self.client.rack_on = sack and client_cfg.rack
        self.server.rack_on = sack and server_cfg.rack

    @property
    def client_socket(self) -> Socket:
        return self.client.socket

    @property
    def server_socket(self) -> Socket:
        return self.server.socket

    def connect(self) -> None:
        self.client.connect()

    def retransmits(self) -> int:
        """Segments sent again so far, both ends."""
        return self.client.retransmits + self.server.retransmits

    def discard(self) -> None:
        """End both sides at once without a packet: a connection closed long before the
        modelled time (a warm start's earlier connection). Each application reads
        ``FAILED`` and nothing more is sent."""
        self.client.fail()
        self.server.fail()

    def preopen(self, rtt_s: float) -> None:
        """Make the connection one that already exists (opened before the run, idle since):
        both ends established, the RTT estimator seeded with the path's RTT, the receive
        windows as the handshake left them (``receive_window``), nothing sent."""
        for ep in (self.client, self.server):
            ep.state = ESTABLISHED
            ep._rtt_sample(rtt_s)
            ep.socket.established.succeed(True)
        for ep in (self.client, self.server):
            # the receive windows as after the handshake, each offered once (its last ACK)
            ep._rcv_established()
        for ep in (self.client, self.server):
            ep.snd_wnd = ep.peer._select_window()

    def log_records(self, log: list[RecordEvent]) -> None:
        """Append every record both ends write and read to ``log`` (a trace's records)."""
        self.client.record_log = log
        self.server.record_log = log
