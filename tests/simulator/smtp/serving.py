"""A submission server (a real ``FrontEnd`` running ``ServerSession``) behind a fake socket
(``fakes.Pipe``, one-way delay D), and a client side that writes what a test scripts.

``TIMING`` gives every step its own processing time, so a reply's write time tells which
steps the server spent on it: greeting 1 ms, EHLO/HELO/QHLO 2 ms, STARTTLS 3 ms, AUTH 4 ms,
MAIL 5 ms, RCPT 6 ms each, DATA 7 ms, end of data 8 ms, QUIT 9 ms. The connection is
established at 0, so the banner is written at ``G`` = 1 ms.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any, Literal

import simpy

from smtpsim.model import ServerTiming, TlsConfig, text
from smtpsim.simulator.frontend import FrontEnd, ServerOffer
from smtpsim.simulator.smtp.messages import Command, Reply
from smtpsim.simulator.smtp.server import ServerStats
from smtpsim.simulator.tls import Channel

from ..fakes import Pipe, Write

__all__ = ["D", "G", "TIMING", "Served", "command", "serve"]

D = 0.1
TIMING = ServerTiming(greeting=0.001, ehlo=0.002, starttls=0.003, auth=0.004, mail=0.005,
                      rcpt=0.006, data=0.007, end_of_data=0.008, quit=0.009)
G = TIMING.greeting


def command(line: str) -> Command:
    """A command as the client writes it: its verb, upper case, and the line."""
    return Command(line.split(" ")[0].upper(), line)


class Served:
    """One connection to a front-end: ``send`` what the client writes at a given time,
    ``run``, then look at the server's ``writes``."""

    def __init__(self, offer: ServerOffer, timing: ServerTiming, tls: TlsConfig,
                 fetcher: Any, idle_s: float, reply_writes: Literal["group", "line"],
                 ehlo: str = "generic", quit_linger_s: float = 0.0) -> None:
        self.env = env = simpy.Environment()
        self.pipe = Pipe(env, D)
        self.tls = tls
        self.frontend = FrontEnd(env, text.SERVER_DOMAIN, timing, tls, offer, None,
                                 idle_timeout_s=idle_s, fetcher=fetcher,
                                 reply_writes=reply_writes, ehlo=ehlo,
                                 quit_linger_s=quit_linger_s)
        self.stats: ServerStats = self.frontend.accept(self.pipe.server)
        self.pipe.establish()
        #: the client's application channel (``start_tls`` it after a handshake)
        self.channel = Channel(self.pipe.client)

    def send(self, at: float, items: Sequence[Any]) -> None:
        """The client writes ``items`` (one write) at time ``at``."""
        self.env.timeout(at).callbacks.append(lambda _ev: self.channel.send(list(items)))

    def close(self, at: float) -> None:
        """The client closes its side (its FIN) at time ``at``."""
        self.env.timeout(at).callbacks.append(lambda _ev: self.pipe.client.close())

    def process(self, steps: Callable[[], Generator[simpy.Event, Any, Any]]) -> None:
        """A client process (for the TLS handshake and what follows it)."""
        self.env.process(steps())

    def run(self, until: float | None = None) -> Served:
        self.env.run(until=until)
        return self

    @property
    def writes(self) -> list[Write]:
        """The server's writes, in order."""
        return self.pipe.by("server")

    def replies(self) -> list[tuple[float, list[int]]]:
        """Each server write that carries SMTP replies: its time and their codes."""
        return [(w.time_s, [i.code for i in w.items if isinstance(i, Reply)])
                for w in self.writes if any(isinstance(i, Reply) for i in w.items)]

    def received(self) -> list[Any]:
        """Every item the client received, in order."""
        return [item for _, item in self.pipe.client.received]


def serve(
    offer: ServerOffer | None = None,
    timing: ServerTiming = TIMING,
    tls: TlsConfig | None = None,
    fetcher: Any = None,
    idle_s: float = 300.0,
    reply_writes: Literal["group", "line"] = "group",
    ehlo: str = "generic",
    quit_linger_s: float = 0.0,
) -> Served:
    return Served(offer or ServerOffer(), timing, tls or TlsConfig(), fetcher, idle_s,
                  reply_writes, ehlo, quit_linger_s)


def lines(write: Write) -> list[list[str]]:
    """The lines of each reply in a write."""
    return [i.lines for i in write.items]
