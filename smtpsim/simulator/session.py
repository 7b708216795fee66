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
from smtpsim.simulator.wire import Path

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

    def observe(seg: Segment, wire_bytes: int, sent: float, arrived: float | None) -> None:
        flags = seg.flags
        text = ("S" if flags & SYN else "") + ("F" if flags & FIN else "")
        text += "A" if flags & ACK else ""
        text += "P" if seg.length else ""
        packets.append(
            PacketEvent(
                direction, sent - t0, None if arrived is None else arrived - t0, wire_bytes,
                seg.length, text, seg.seq, seg.ack, seg.label, seg.retransmit,
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
    """Simulate ``case.messages`` messages of one client, ``case.gap_s`` apart (each sent that
    long after the previous one finished), through ``case.farm``. One record per message;
    the warm-up message of a warm client is not recorded. The trace covers the measured
    messages, with times from the first one's start."""
    env = simpy.Environment()
    up_seq, down_seq, box_seq, lb_seq, dc_up, dc_down = np.random.SeedSequence(
        _entropy(seed, replication)
    ).spawn(6)
    path = Path(env, case.path, np.random.default_rng(up_seq), np.random.default_rng(down_seq))
    middlebox = None
    if case.syn_data_drop > 0.0:
        box_rng = np.random.default_rng(box_seq)
        p_drop = case.syn_data_drop

        def middlebox() -> bool:
            return bool(box_rng.random() < p_drop)

    f = case.features
    farm = ServerFarm(
        env, SERVER_DOMAIN, case.farm, case.timing, case.tls, np.random.default_rng(lb_seq),
        quickstart=f.quickstart, early_pipe=f.config_token,
    )
    if f.burl:
        dc = Path(env, case.dc_path, np.random.default_rng(dc_up), np.random.default_rng(dc_down))
        fetcher = ImapFetcher(env, dc, case.timing, case.tls, case.burl_pooled)
        for fe in farm.frontends:
            fe.fetcher = fetcher
    state = ClientState()
    records: list[SessionRecord] = []
    marks: list[_Mark] = []
    tr: Trace | None = None

    def new_record(message: int) -> SessionRecord:
        return SessionRecord(
            profile=case.profile, variant=case.variant, seed=seed, replication=replication,
            size=case.size, recipients=case.recipients, iw=case.client_tcp.iw,
            server=case.server, message=message, state=case.state,
        )

    def main() -> Generator[simpy.Event, Any, None]:
        nonlocal tr
        warm = case.state == "warm"
        session: SmtpClient | None = None
        previous = None
        for i in range(case.messages + (1 if warm else 0)):
            measured = not (warm and i == 0)
            if i:
                yield env.timeout(case.gap_s)
                if warm and i == 1 and case.config_changed:
                    for fe in farm.frontends:
                        fe.config_version += 1
            if measured and not records:
                _arm_scripted_loss(case, path)
                if trace:
                    tr = Trace(rtt_s=case.path.rtt_s, profile=case.profile, variant=case.variant)
                    path.up.on_send = _link_observer(tr, "up", env.now)
                    path.down.on_send = _link_observer(tr, "down", env.now)
            record = new_record(i - (1 if warm else 0))
            if session is not None and f.reuse and session.alive():
                mark = _Mark(record, session, env.now, path, reused=True)
                proc = session.submit_again(record)
            else:
                if session is not None:
                    session.close()
                previous = frontend = farm.pick(previous)
                session = SmtpClient(
                    env, path, frontend, state, f, case.size, case.recipients, record,
                    case.tls, case.client_tcp, case.server_tcp, case.server_nagle,
                    tr if measured else None, middlebox, case.capability_max_age_s,
                )
                mark = _Mark(record, session, env.now, path, reused=False)
            if marks:
                marks[-1].end(path)
            marks.append(mark)
            yield env.process(proc if mark.reused else session.run())
            if measured:
                records.append(record)
            elif session is not None:
                # warm means the caches hold what the earlier connection left, the connection
                # itself closed
                session.close()
                session = None
            if f.reuse and case.client_idle_s is not None:
                env.process(_idle_close(env, session, case.client_idle_s))

    env.process(main())
    env.run(until=TIME_LIMIT_S)
    if marks:
        marks[-1].end(path)
    for mark, after in zip(marks, [*marks[1:], None], strict=True):
        mark.settle(env.now, after.start if after is not None and after.reused else None)
    for record in records:
        if record.outcome == "accepted" and math.isnan(record.close_s) and not f.reuse:
            record.close_s = env.now
    if tr is not None:
        tr.packets.sort(key=lambda p: p.sent_s)
        t0 = marks[1 if case.state == "warm" else 0].start
        for r in tr.records:
            r.time_s -= t0
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
        conn = session.connection
        self.retx0 = conn.client.retransmits + conn.server.retransmits
        self.counts: list[int] | None = None

    def end(self, path: Path) -> None:
        if self.counts is None:
            self.counts = [b - a for a, b in zip(self.counters, _counters(path), strict=True)]

    def settle(self, run_end: float, handover: float | None) -> None:
        """Fill the record's counts. ``handover``: when the next message took this
        connection over (None if it did not): the server's occupancy for this message runs
        from its accept (or this message's start on a reused connection) to then, or to the
        server's close."""
        rec, conn = self.record, self.session.connection
        assert self.counts is not None
        rec.bytes_up, rec.bytes_down, rec.packets_up, rec.packets_down = self.counts
        rec.retransmits = conn.client.retransmits + conn.server.retransmits - self.retx0
        stats = self.session.server_stats
        begin = self.start if self.reused else stats.accepted_s
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
