"""What every part of the SMTP client works on: one submission's connection, message, record
and caches; and how a part says the session cannot go on (``Abort``).

``SmtpClient`` is built from parts, one module per concept (``caches``, ``dialogue``,
``tls``, ``auth``, ``burl``, ``envelope``, ``speculative``, ``standard``, ``quickstart``,
``early_pipelining``, ``pipe_connect``, ``session``); each part derives from the parts it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Protocol

import simpy

from smtpsim.model import Features, Habits, PhaseSpan, SessionRecord, TlsConfig
from smtpsim.simulator.client_state import ClientState
from smtpsim.simulator.imap import ImapSession
from smtpsim.simulator.smtp.messages import Reply
from smtpsim.simulator.tcp import Socket, TcpConnection
from smtpsim.simulator.tcp.causes import Cause
from smtpsim.simulator.tls import Channel

__all__ = ["Abort", "ClientBase", "Proc", "ServerName"]

Proc = Generator[simpy.Event, Any, Any]


class Abort(Exception):
    """The session cannot go on; ``outcome`` says why (``SessionRecord.outcome``)."""

    def __init__(self, outcome: str) -> None:
        self.outcome = outcome


class ServerName(Protocol):
    """What a client knows of the server it talks to: ``host`` (what tickets and cookies are
    cached under), ``address`` (what capability tokens are cached under) and ``name`` (which
    front-end served it, for the record)."""

    host: str
    address: str
    name: str


class ClientBase:
    """The state of one submission (set by ``SmtpClient.__init__``)."""

    env: simpy.Environment
    connection: TcpConnection
    socket: Socket
    channel: Channel
    server: ServerName
    state: ClientState
    f: Features
    tls: TlsConfig
    size: int
    recipients: int
    record: SessionRecord
    start_s: float
    #: With BURL: triggered with the URL once GENURLAUTH has answered.
    burl_url: simpy.Event
    phase: str
    phase_start: float
    #: the trace's phase spans (``Trace.phases``) when this session is traced, else None
    phase_log: list[PhaseSpan] | None
    capability_max_age_s: float
    #: CPU time between STARTTLS's 220 and the ClientHello (``Client.tls_setup_s``)
    tls_setup_s: float
    #: what the client program does beyond its features (``Client.habits``)
    habits: Habits
    #: Opens the client's IMAP session (send-and-save, BURL) to the provider.
    open_imap: Callable[[], ImapSession]
    #: the client's IMAP connections, one per message saved
    imap_connections: list[TcpConnection]
    _greeting_reply: Reply | None
    _early_at: float
    #: The IMAP side's critical path (``smtpsim.simulator.tcp.causes``): where its work
    #: ended (the URL with BURL, else the saved message's OK), which BURL's group and a save
    #: that comes first wait for; and the round trips and stall to the saved OK.
    _imap_cause: Cause | None
    _saved_path: tuple[int, float]
