"""Everything that defines one simulated run, apart from its seed: a ``Case``, made of the
network, the client, the server side and the workload (and, for tests, scripted loss).

Plain frozen values: ``smtpsim.scenarios`` builds them from presets and scenario files, the
simulator and the oracle read them. ``updated`` changes fields of some parts at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from smtpsim.model.distribution import Distribution
from smtpsim.model.features import Features
from smtpsim.model.habits import Habits
from smtpsim.model.network import PathConfig
from smtpsim.model.server import FarmConfig, ServerTiming
from smtpsim.model.tcp import TcpConfig
from smtpsim.model.timers import CAPABILITY_MAX_AGE_S, SERVER_IDLE_TIMEOUT_S
from smtpsim.model.tls import TlsConfig

__all__ = ["Case", "Client", "Network", "ScriptedLoss", "Server", "Workload", "updated"]


def _data_centre() -> PathConfig:
    """One data centre: 1 ms RTT, 10 Gbit/s each way (an assumption: submission and IMAP
    servers of one provider sit in the same site)."""
    return PathConfig.symmetric_rtt(0.001, 10e9, 10e9)


@dataclass(frozen=True, slots=True)
class Network:
    """The client's access path to the provider. ``profile`` names it in the records.

    ``radio_promotion_s``: a cellular radio's promotion delay, paid by the first packet after
    the radio went idle (no traffic for ``radio_tail_s``; 0: no radio). ``syn_data_drop``:
    the probability that a middlebox on the path drops a SYN carrying data (Linux then backs
    off Fast Open, kernel commit aab48743).
    """

    path: PathConfig
    profile: str = "custom"
    radio_promotion_s: float = 0.0
    radio_tail_s: float = 0.0
    syn_data_drop: float = 0.0


@dataclass(frozen=True, slots=True)
class Client:
    """The mail client: its variant's ``features`` (``variant`` names them in the records),
    its TCP stack, and what it remembers.

    ``state``: ``"cold"``, empty caches, or ``"warm"``, the caches one earlier connection to
    the same server left (that connection closed ``Workload.gap_s`` before the user presses
    send). ``capability_max_age_s``: how long it trusts a cached capability list and its
    token. ``idle_s``: with ``Features.reuse``, it closes a kept session after this idle
    time (None: it keeps it until the server closes it). ``software``: the implementation
    profile it behaves as (``smtpsim.model.software``; ``generic`` by default), which set
    its write pattern and Nagle in ``features``; ``tls_setup_s``: the CPU time it spends
    between the 220 to STARTTLS and its ClientHello (building a TLS context: swaks loads the
    CA bundle then). ``habits``: what the program does beyond its features (how it ends the
    session, how it chunks a large message, whose early-pipelining schedule it follows;
    ``smtpsim.model.habits``).
    """

    features: Features
    variant: str = "custom"
    state: Literal["cold", "warm"] = "cold"
    tcp: TcpConfig = field(default_factory=TcpConfig)
    capability_max_age_s: float = CAPABILITY_MAX_AGE_S
    idle_s: float | None = None
    software: str = "generic"
    tls_setup_s: float = 0.0
    habits: Habits = field(default_factory=Habits)


@dataclass(frozen=True, slots=True)
class Server:
    """The provider's side: submission front-ends and the IMAP server behind them.

    ``name`` names the timing in the records; ``timing`` its processing time per step; ``tls``
    the handshake as this server and its clients make it (sizes and CPU on both sides);
    ``tcp`` and ``nagle`` its stack (Nagle off: servers set TCP_NODELAY). ``workers`` per
    front-end (Postfix smtpd processes, ``default_process_limit``: a connection holds one
    from accept to close; with all busy, new connections wait in the listen queue; None:
    unlimited). ``idle_s``: how long a worker waits for the next command before closing
    (RFC 5321 §4.5.3.2.7). ``farm``: the front-ends behind one address. ``dc_path`` and
    ``burl_pooled``: BURL's fetch from the IMAP server, over the data-centre path, on a
    pooled connection or a new one per message. ``config_changed``: the configuration
    changed between a warm client's earlier connection and its first message (a rolling
    upgrade), so every token it cached is stale. ``reply_writes``: how the submission server
    writes its replies: ``"group"``, the replies of a pipelined group buffered and written
    together when no further input waits (RFC 2920 §3.2; Postfix, Exim), or ``"line"``,
    every reply line a write of its own (aiosmtpd: ``SMTP.push`` writes and drains each
    line). ``ehlo``: the server program whose EHLO reply it sends (a key of
    ``text.EHLO_KEYWORDS``: its keywords, in its order). ``quit_linger_s``: after the 221 the
    server waits this long for the client's FIN before closing (Exim 4.96
    ``smtp_quit_handler``: ``poll_one_fd(fileno(smtp_in), POLLIN, 200)`` "hoping client will
    FIN first"), with the socket corked (``EXIM_TCP_CORK``), so in cleartext the 221, and
    what was buffered with it, leaves only when the FIN arrives or the wait ends; under TLS
    the 221 leaves at once and only the server's FIN waits (0: it closes right after the
    221). ``imap_tickets_13``: the TLS 1.3 session tickets the IMAP server sends after the
    client's Finished, one write each (``TlsConfig.tickets_13`` is the submission
    server's).
    """

    name: str = "typical"
    timing: ServerTiming = field(default_factory=ServerTiming)
    tls: TlsConfig = field(default_factory=TlsConfig)
    tcp: TcpConfig = field(default_factory=TcpConfig)
    nagle: bool = False
    workers: int | None = None
    idle_s: float = SERVER_IDLE_TIMEOUT_S
    farm: FarmConfig = field(default_factory=FarmConfig)
    dc_path: PathConfig = field(default_factory=_data_centre)
    burl_pooled: bool = True
    config_changed: bool = False
    reply_writes: Literal["group", "line"] = "group"
    ehlo: str = "generic"
    quit_linger_s: float = 0.0
    imap_tickets_13: int = 0


@dataclass(frozen=True, slots=True)
class Workload:
    """What is sent, and when.

    ``clients`` each send ``messages`` messages of ``size`` bytes to ``recipients``, the next
    one ``gap_s`` after the previous one finished. ``gap``, ``size_dist`` and
    ``recipients_dist``, when given, are drawn per message from the workload's generator
    instead. With ``arrival_rate`` (sessions per second), sessions arrive open-loop as a
    Poisson process instead, each a new client with one message, ``arrival_sessions`` of them.
    """

    size: int = 10_000
    recipients: int = 1
    messages: int = 1
    gap_s: float = 60.0
    clients: int = 1
    gap: Distribution | None = None
    size_dist: Distribution | None = None
    recipients_dist: Distribution | None = None
    arrival_rate: float | None = None
    arrival_sessions: int = 0


@dataclass(frozen=True, slots=True)
class ScriptedLoss:
    """Packets to drop, by 0-based index on the uplink / downlink from the first measured
    message on (as ns-3's ``ReceiveListErrorModel``): for tests that need a loss at a chosen
    place."""

    up: frozenset[int] = frozenset()
    down: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Case:
    """One simulated run's definition, apart from the seed."""

    network: Network
    client: Client
    server: Server = field(default_factory=Server)
    workload: Workload = field(default_factory=Workload)
    scripted_loss: ScriptedLoss = field(default_factory=ScriptedLoss)


def updated(case: Case, **parts: Mapping[str, Any]) -> Case:
    """``case`` with fields of its parts changed: ``updated(case, workload={"messages": 2},
    server={"workers": 1})``."""
    return replace(case, **{name: replace(getattr(case, name), **changes)
                            for name, changes in parts.items()})
