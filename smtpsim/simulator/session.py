"""One run: build an Environment, the path, the connection and both SMTP sides; run; report.

Nothing global: two runs in one process never interact. Randomness comes from one
``numpy.random.SeedSequence(seed)`` spawned into one generator per component, in a fixed
order (uplink, downlink), so the same seed gives every variant the same network (common
random numbers) and results never depend on who runs them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import simpy

from smtpsim.simulator.client_state import ClientState
from smtpsim.simulator.config import Features, PathConfig, ServerTiming, TcpConfig, TlsConfig
from smtpsim.simulator.frontend import FrontEnd
from smtpsim.simulator.messages import SERVER_DOMAIN
from smtpsim.simulator.records import SessionRecord
from smtpsim.simulator.smtp_client import SmtpClient
from smtpsim.simulator.tcp import ACK, FIN, SYN, Segment
from smtpsim.simulator.trace import PacketEvent, Trace
from smtpsim.simulator.wire import Path

__all__ = ["Case", "run_session", "TIME_LIMIT_S"]

#: Simulated-time limit of one run. Linux gives up on a SYN after 127 s and on data after
#: ``tcp_retries2`` (about 15 min); 20 MB at 9.6 kbit/s takes 4.6 h. A run still going
#: after this ends as ``timeout``.
TIME_LIMIT_S = 48 * 3600.0


@dataclass(frozen=True, slots=True)
class Case:
    """Everything that defines one simulated submission, apart from the seed.

    ``state``: ``"cold"``, a client with empty caches, or ``"warm"``, one whose caches hold
    what one earlier connection to the same server left (that connection closed
    ``warm_gap_s`` before the user presses send).
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
    warm_gap_s: float = 60.0
    #: The server's configuration changes between the warm-up connection and this one, so
    #: every cached configuration token is stale (a rolling upgrade).
    config_changed: bool = False
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
    """Simulate one submission; never raises for a network failure (see ``outcome``).

    The run's randomness is ``SeedSequence([seed, replication])``: replications of one seed
    differ, and every variant and profile sees the same stream for the same pair.
    """
    env = simpy.Environment()
    up_seq, down_seq, box_seq = np.random.SeedSequence(_entropy(seed, replication)).spawn(3)
    path = Path(env, case.path, np.random.default_rng(up_seq), np.random.default_rng(down_seq))
    middlebox = None
    if case.syn_data_drop > 0.0:
        box_rng = np.random.default_rng(box_seq)
        p_drop = case.syn_data_drop

        def middlebox() -> bool:
            return bool(box_rng.random() < p_drop)
    f = case.features
    frontend = FrontEnd(
        env, SERVER_DOMAIN, case.timing, case.tls, quickstart=f.quickstart,
        early_pipe=f.config_token,
    )
    state = ClientState()
    record = SessionRecord(
        profile=case.profile, variant=case.variant, seed=seed, replication=replication,
        size=case.size, recipients=case.recipients, iw=case.client_tcp.iw, server=case.server,
    )
    tr: Trace | None = None
    measured: list[SmtpClient] = []
    counters_at_start = [0, 0, 0, 0]

    def client(rec: SessionRecord, traced: Trace | None) -> SmtpClient:
        return SmtpClient(
            env, path, frontend, state, f, case.size, case.recipients, rec, case.tls,
            case.client_tcp, case.server_tcp, case.server_nagle, traced, middlebox,
        )

    def main() -> Generator[simpy.Event, Any, None]:
        nonlocal tr
        if case.state == "warm":
            primer = client(replace(record), None)
            yield env.process(primer.run())
            yield env.timeout(case.warm_gap_s)
            if case.config_changed:
                frontend.config_version += 1
        counters_at_start[:] = [
            path.up.wire_bytes, path.down.wire_bytes, path.up.packets, path.down.packets,
        ]
        if case.drop_up:
            path.up.drop_indices = {i + path.up.packets for i in case.drop_up}
        if case.drop_down:
            path.down.drop_indices = {i + path.down.packets for i in case.drop_down}
        if trace:
            tr = Trace(rtt_s=case.path.rtt_s, profile=case.profile, variant=case.variant)
            path.up.on_send = _link_observer(tr, "up", env.now)
            path.down.on_send = _link_observer(tr, "down", env.now)
        measured.append(client(record, tr))
        yield env.process(measured[0].run())

    env.process(main())
    env.run(until=TIME_LIMIT_S)
    record.bytes_up = path.up.wire_bytes - counters_at_start[0]
    record.bytes_down = path.down.wire_bytes - counters_at_start[1]
    record.packets_up = path.up.packets - counters_at_start[2]
    record.packets_down = path.down.packets - counters_at_start[3]
    if measured:
        smtp = measured[0]
        conn = smtp.connection
        record.retransmits = conn.client.retransmits + conn.server.retransmits
        stats = smtp.server_stats
        if stats.accepted_s is not None:
            end = stats.closed_s if stats.closed_s is not None else env.now
            record.occupancy_s = end - stats.accepted_s
    if record.outcome == "accepted" and math.isnan(record.close_s):
        record.close_s = env.now
    if tr is not None:
        tr.packets.sort(key=lambda p: p.sent_s)
        t0 = measured[0].start_s
        for r in tr.records:
            r.time_s -= t0
    return record, tr


def _entropy(seed: int, replication: int) -> Sequence[int]:
    return [seed, replication]
