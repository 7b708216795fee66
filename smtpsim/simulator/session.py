"""One run: build an Environment, the path, the connection and both SMTP sides; run; report.

Nothing global: two runs in one process never interact. Randomness comes from one
``numpy.random.SeedSequence(seed)`` spawned into one generator per component, in a fixed
order (uplink, downlink), so the same seed gives every variant the same network (common
random numbers) and results never depend on who runs them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from smtpsim.simulator.client_state import ClientState
from smtpsim.simulator.config import (
    Distribution,
    FarmConfig,
    Features,
    PathConfig,
    ServerTiming,
    TcpConfig,
    TlsConfig,
)
from smtpsim.simulator.farm import ServerFarm
from smtpsim.simulator.imap import ImapFetcher
from smtpsim.simulator.messages import SERVER_DOMAIN
from smtpsim.simulator.records import SessionRecord
from smtpsim.simulator.smtp_client import CAPABILITY_MAX_AGE_S, SmtpClient
from smtpsim.simulator.tcp import ACK, FIN, SYN, Segment
from smtpsim.simulator.trace import PacketEvent, Trace
from smtpsim.simulator.wire import Path, Radio

__all__ = ["Case", "run_session", "run_messages", "TIME_LIMIT_S"]

#: Simulated-time limit of one run. Linux gives up on a SYN after 127 s and on data after
#: ``tcp_retries2`` (about 15 min); 20 MB at 9.6 kbit/s takes 4.6 h. A run still going
#: after this ends as ``timeout``.
TIME_LIMIT_S = 48 * 3600.0


@dataclass(frozen=True, slots=True)
class Case:
    """Everything that defines one simulated submission, apart from the seed.

    ``state``: ``"cold"``, a client with empty caches, or ``"warm"``, one whose caches hold
    what one earlier connection to the same server left (that connection closed ``gap_s``
    before the user presses send).
    """

    path: PathConfig
    features: Features
    size: int = 10_000
    recipients: int = 1
    client_tcp: TcpConfig = field(default_factory=TcpConfig)
    server_tcp: TcpConfig = field(default_factory=TcpConfig)
    tls: TlsConfig = field(default_factory=TlsConfig)
    timing: ServerTiming = field(default_factory=ServerTiming)
    server_nagle: bool = False
    profile: str = "custom"
    variant: str = "custom"
    server: str = "typical"
    state: str = "cold"
    #: Messages the client sends in the run, and the time from the end of one to the next
    #: send. A warm client's warm-up connection comes ``gap_s`` before the first message.
    messages: int = 1
    gap_s: float = 60.0
    #: The server's configuration changes between the warm-up connection and this one, so
    #: every cached configuration token is stale (a rolling upgrade).
    config_changed: bool = False
    farm: FarmConfig = field(default_factory=FarmConfig)
    #: With ``Features.reuse``: the client closes a kept session after this idle time
    #: (None: it keeps it until the server closes it).
    client_idle_s: float | None = None
    #: BURL: the submission servers' path to the IMAP server, and whether they fetch on a
    #: pooled connection (else a new one per message). Default: one data centre, 1 ms RTT,
    #: 10 Gbit/s (protocol.md §1.6 "data-centre RTT").
    dc_path: PathConfig = field(
        default_factory=lambda: PathConfig.symmetric_rtt(0.001, 10e9, 10e9)
    )
    burl_pooled: bool = True
    #: Workload beyond one client (scenario files). ``clients`` each send ``messages``
    #: messages; ``gap`` (if given, instead of ``gap_s``), ``size_dist`` and
    #: ``recipients_dist`` are drawn per message from the workload's generator. With
    #: ``arrival_rate`` (sessions per second), sessions arrive open-loop as a Poisson
    #: process instead, each a new client with one message, ``arrival_sessions`` of them.
    clients: int = 1
    gap: Distribution | None = None
    size_dist: Distribution | None = None
    recipients_dist: Distribution | None = None
    arrival_rate: float | None = None
    arrival_sessions: int = 0
    #: Server worker pool per front-end (Postfix smtpd processes, ``default_process_limit``):
    #: a connection holds a worker from accept to close; with all busy, new connections
    #: wait in the listen queue before their greeting. None: unlimited.
    workers: int | None = None
    #: How long a server worker waits for the next command before closing (RFC 5321
    #: §4.5.3.2.7: at least 5 minutes; Postfix ``smtpd_timeout`` 300 s).
    server_idle_s: float = 300.0
    #: Cellular radio: the first packet after the radio went idle (no traffic for
    #: ``radio_tail_s``) waits ``radio_promotion_s`` (profile data; 0: no radio).
    radio_promotion_s: float = 0.0
    radio_tail_s: float = 0.0
    #: How long the client trusts a cached capability list and its token
    #: (draft-harris-early-pipe §3.1 asks for a limit; one day by default).
    capability_max_age_s: float = CAPABILITY_MAX_AGE_S
    #: Probability that a middlebox drops a SYN carrying data (protocol.md §1.10).
    syn_data_drop: float = 0.0
    #: Scripted loss: 0-based indices of packets to drop on the uplink / downlink.
    drop_up: frozenset[int] = frozenset()
    drop_down: frozenset[int] = frozenset()


def _link_observer(trace: Trace, direction: str, t0: float) -> Callable[..., None]:
    packets = trace.packets

    def observe(
        seg: Segment, wire_bytes: int, sent: float, arrived: float | None, deliver: Any
    ) -> None:
        # the receiving endpoint names the connection (SMTP, or the client's IMAP session)
        conn = getattr(getattr(deliver, "__self__", None), "conn", "smtp")
        flags = seg.flags
        text = ("S" if flags & SYN else "") + ("F" if flags & FIN else "")
        text += "A" if flags & ACK else ""
        text += "P" if seg.length else ""
        packets.append(
            PacketEvent(
                direction, sent - t0, None if arrived is None else arrived - t0, wire_bytes,
                seg.length, text, seg.seq, seg.ack, seg.label, seg.retransmit, conn,
            )
        )

    return observe


def run_session(
    case: Case, seed: int, replication: int = 0, trace: bool = False
) -> tuple[SessionRecord, Trace | None]:
    """Simulate one submission (the first message of ``case``); never raises for a network
    failure (see ``outcome``).

    The run's randomness is ``SeedSequence([seed, replication])``: replications of one seed
    differ, and every variant and profile sees the same stream for the same pair.
    """
    records, tr = run_messages(case, seed, replication, trace)
    return records[0], tr


def run_messages(
    case: Case, seed: int, replication: int = 0, trace: bool = False
) -> tuple[list[SessionRecord], Trace | None]:
    """Simulate the case's workload: ``case.clients`` clients each sending ``case.messages``
    messages (the next one a gap after the previous one finished), or open-loop Poisson
    arrivals of one-message clients (``case.arrival_rate``), all served by ``case.farm``.
    Each client has its own access path (same profile, own random streams) and its own
    ``ClientState``. One record per message, in completion order; a warm client's warm-up
    message is not recorded. The trace covers client 0's measured messages, with times from
    the first one's start.

    Random streams (``SeedSequence([seed, replication])``): client 0's links, the SYN-data
    middlebox, the balancer and the data-centre path come first, then the workload's draws
    (sizes, recipients, gaps, arrivals) and the servers' processing-time draws, then each
    further client's links in the order the clients start, so one client's results do not
    depend on how many others there are.
    """
    env = simpy.Environment()
    root = np.random.SeedSequence(_entropy(seed, replication))
    up_seq, down_seq, box_seq, lb_seq, dc_up, dc_down = root.spawn(6)
    work_seq, timing_seq = root.spawn(2)
    work = np.random.default_rng(work_seq)
    f = case.features

    def new_path(up: np.random.SeedSequence, down: np.random.SeedSequence) -> Path:
        radio = None
        if case.radio_promotion_s > 0.0:
            radio = Radio(case.radio_promotion_s, case.radio_tail_s)
        return Path(env, case.path, np.random.default_rng(up), np.random.default_rng(down), radio)

    first_path = new_path(up_seq, down_seq)
    middlebox = None
    if case.syn_data_drop > 0.0:
        box_rng = np.random.default_rng(box_seq)
        p_drop = case.syn_data_drop

        def middlebox() -> bool:
            return bool(box_rng.random() < p_drop)

    farm = ServerFarm(
        env, SERVER_DOMAIN, case.farm, case.timing, case.tls, np.random.default_rng(lb_seq),
        quickstart=f.quickstart, early_pipe=f.config_token,
    )
    timing_rng = np.random.default_rng(timing_seq)  # processing-time draws, all front-ends
    for fe in farm.frontends:
        fe.rng = timing_rng
        fe.idle_timeout_s = case.server_idle_s
        if case.workers is not None:
            fe.workers = simpy.Resource(env, capacity=case.workers)
    if f.burl:
        dc = Path(env, case.dc_path, np.random.default_rng(dc_up), np.random.default_rng(dc_down))
        fetcher = ImapFetcher(
            env, dc, case.timing, case.tls, case.burl_pooled, farm.frontends[0].rng,
            case.server_tcp, case.server_nagle,
        )
        for fe in farm.frontends:
            fe.fetcher = fetcher
    records: list[SessionRecord] = []
    marks: list[list[_Mark]] = []
    paths: list[Path] = []
    tr: Trace | None = None
    t0: list[float] = []

    def draw(dist: Distribution | None, fixed: float, low: int) -> int:
        value = fixed if dist is None else dist.sample(work)
        return max(low, int(round(value)))

    def client(index: int, path: Path, messages: int) -> Generator[simpy.Event, Any, None]:
        nonlocal tr
        state = ClientState()
        own: list[_Mark] = []
        marks.append(own)
        warm = case.state == "warm"
        session: SmtpClient | None = None
        previous = None
        for i in range(messages + (1 if warm else 0)):
            measured = not (warm and i == 0)
            if i:
                gap = case.gap.sample(work) if case.gap is not None else case.gap_s
                yield env.timeout(max(0.0, gap))
                if warm and i == 1 and case.config_changed:
                    for fe in farm.frontends:
                        fe.config_version += 1
            traced = measured and index == 0 and trace
            if measured and index == 0 and not t0:
                t0.append(env.now)
                _arm_scripted_loss(case, path)
                if trace:
                    tr = Trace(rtt_s=case.path.rtt_s, profile=case.profile, variant=case.variant)
                    path.up.on_send = _link_observer(tr, "up", env.now)
                    path.down.on_send = _link_observer(tr, "down", env.now)
            size = draw(case.size_dist, case.size, 1) if measured else case.size
            recipients = (
                draw(case.recipients_dist, case.recipients, 1) if measured else case.recipients
            )
            record = SessionRecord(
                profile=case.profile, variant=case.variant, seed=seed, replication=replication,
                size=size, recipients=recipients, iw=case.client_tcp.iw, server=case.server,
                client=index, message=i - (1 if warm else 0), state=case.state,
            )
            if session is not None and f.reuse and session.alive():
                session.size, session.recipients = size, recipients
                mark = _Mark(record, session, env.now, path, reused=True)
                proc = session.submit_again(record)
            else:
                if session is not None:
                    session.close()
                previous = frontend = farm.pick(previous)
                session = SmtpClient(
                    env, path, frontend, state, f, size, recipients, record, case.tls,
                    case.client_tcp, case.server_tcp, case.server_nagle,
                    tr if traced else None, middlebox, case.capability_max_age_s,
                )
                mark = _Mark(record, session, env.now, path, reused=False)
                proc = session.run()
            if own:
                own[-1].end(path)
            own.append(mark)
            if measured:  # recorded from its start: one still running at the limit counts
                records.append(record)  # as "unfinished", never disappears
            yield env.process(proc)
            if not measured:
                # warm means the caches hold what the earlier connection left, the connection
                # itself closed (long ago: no closing packets fall into the measured message)
                session.discard()
                session = None
            if f.reuse and case.client_idle_s is not None and session is not None:
                env.process(_idle_close(env, session, case.client_idle_s))

    def arrivals() -> Generator[simpy.Event, Any, None]:
        assert case.arrival_rate is not None
        for k in range(case.arrival_sessions):
            if k:
                yield env.timeout(float(work.exponential(1.0 / case.arrival_rate)))
            path = first_path if k == 0 else new_path(*root.spawn(2))
            paths.append(path)
            env.process(client(k, path, 1))

    if case.arrival_rate is not None:
        env.process(arrivals())
    else:
        for k in range(case.clients):
            path = first_path if k == 0 else new_path(*root.spawn(2))
            paths.append(path)
            env.process(client(k, path, case.messages))
    env.run(until=TIME_LIMIT_S)
    for own, path in zip(marks, paths, strict=False):
        if own:
            own[-1].end(path)
        for mark, after in zip(own, [*own[1:], None], strict=True):
            mark.settle(env.now, after.start if after is not None and after.reused else None)
    for record in records:
        if record.outcome == "accepted" and math.isnan(record.close_s) and not f.reuse:
            record.close_s = env.now
    if tr is not None:
        tr.packets.sort(key=lambda p: p.sent_s)
        for r in tr.records:
            r.time_s -= t0[0]
    return records, tr


class _Mark:
    """Per-message accounting: link counters and server occupancy from this message's start
    to the next one's (or the run's end)."""

    __slots__ = ("record", "session", "start", "counters", "reused", "retx0", "counts")

    def __init__(
        self, record: SessionRecord, session: SmtpClient, now: float, path: Path, reused: bool
    ) -> None:
        self.record = record
        self.session = session
        self.start = now
        self.reused = reused
        self.counters = _counters(path)
        self.retx0 = session.retransmits()
        self.counts: list[int] | None = None

    def end(self, path: Path) -> None:
        if self.counts is None:
            self.counts = [b - a for a, b in zip(self.counters, _counters(path), strict=True)]

    def settle(self, run_end: float, handover: float | None) -> None:
        """Fill the record's counts. ``handover``: when the next message took this
        connection over (None if it did not): the server's occupancy for this message runs
        from its accept (or this message's start on a reused connection) to then, or to the
        server's close."""
        rec = self.record
        assert self.counts is not None
        rec.bytes_up, rec.bytes_down, rec.packets_up, rec.packets_down = self.counts
        rec.retransmits = self.session.retransmits() - self.retx0
        stats = self.session.server_stats
        begin = self.start if self.reused else stats.worker_s
        if not self.reused and stats.accepted_s is not None and stats.worker_s is not None:
            rec.server_queue_s = stats.worker_s - stats.accepted_s
        if begin is not None:
            closed = stats.closed_s if stats.closed_s is not None else run_end
            rec.occupancy_s = (closed if handover is None else min(closed, handover)) - begin


def _counters(path: Path) -> list[int]:
    return [path.up.wire_bytes, path.down.wire_bytes, path.up.packets, path.down.packets]


def _arm_scripted_loss(case: Case, path: Path) -> None:
    if case.drop_up:
        path.up.drop_indices = {i + path.up.packets for i in case.drop_up}
    if case.drop_down:
        path.down.drop_indices = {i + path.down.packets for i in case.drop_down}


def _idle_close(
    env: simpy.Environment, session: SmtpClient, idle: float
) -> Generator[simpy.Event, Any, None]:
    """The client's own idle limit on a kept session."""
    yield env.timeout(idle)
    if session.alive() and env.now - session.start_s >= idle:
        session.close()


def _entropy(seed: int, replication: int) -> Sequence[int]:
    return [seed, replication]
