"""One side of a TCP connection: the parts of its behaviour joined on one control block."""

from __future__ import annotations

from smtpsim.simulator.tcp.delayed_ack import DelayedAck
from smtpsim.simulator.tcp.handshake import Handshake
from smtpsim.simulator.tcp.input import Input
from smtpsim.simulator.tcp.output import Output
from smtpsim.simulator.tcp.rack import Rack
from smtpsim.simulator.tcp.receive_window import ReceiveWindow
from smtpsim.simulator.tcp.rto import Retransmission
from smtpsim.simulator.tcp.sack import Scoreboard
from smtpsim.simulator.tcp.socket import FAILED
from smtpsim.simulator.tcp.states import DEAD
from smtpsim.simulator.tcp.tlp import LossProbe

__all__ = ["TcpEndpoint"]


class TcpEndpoint(
    Handshake, Input, DelayedAck, Scoreboard, Rack, LossProbe, Output, Retransmission,
    ReceiveWindow,
):
    """One side of a TCP connection (see ``smtpsim.simulator.tcp``)."""

    __slots__ = ()

    def fail(self) -> None:
        """Give up: the application reads ``FAILED``; nothing more is sent."""
        if self.state == DEAD:
            return
        self.state = DEAD
        self.timer_gen += 1
        self.rto_deadline = None
        self.delack_pending = False
        if not self.socket.established.triggered:
            self.socket.established.succeed(False)
        self.socket._deliver(FAILED)
        if not self.socket.closed.triggered:
            self.socket.closed.succeed(False)
