"""One run: build an Environment, the path, the connection and both SMTP sides; run; report.

Nothing global: two runs in one process never interact. Randomness comes from one
``numpy.random.SeedSequence(seed)`` spawned into one generator per component, in a fixed
order (uplink, downlink), so the same seed gives every variant the same network (common
random numbers) and results never depend on who runs them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import simpy

from smtpsim.simulator.config import Features, PathConfig, ServerTiming, TcpConfig, TlsConfig
from smtpsim.simulator.records import SessionRecord
from smtpsim.simulator.smtp_client import SmtpClient
from smtpsim.simulator.smtp_server import ServerStats, smtp_server
from smtpsim.simulator.tcp import ACK, FIN, SYN, Segment, TcpConnection
from smtpsim.simulator.trace import PacketEvent, Trace
from smtpsim.simulator.wire import Path

__all__ = ["Case", "run_session", "TIME_LIMIT_S"]

#: Simulated-time limit of one run. Linux gives up on a SYN after 127 s and on data after
#: ``tcp_retries2`` (about 15 min); 20 MB at 9.6 kbit/s takes 4.6 h. A run still going
#: after this ends as ``timeout``.
TIME_LIMIT_S = 48 * 3600.0


@dataclass(frozen=True, slots=True)
class Case:
    """Everything that defines one simulated submission, apart from the seed."""

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
    #: Scripted loss: 0-based indices of packets to drop on the uplink / downlink.
    drop_up: frozenset[int] = frozenset()
    drop_down: frozenset[int] = frozenset()


def _link_observer(trace: Trace, direction: str) -> Callable[..., None]:
    packets = trace.packets

    def observe(seg: Segment, wire_bytes: int, sent: float, arrived: float | None) -> None:
        flags = seg.flags
        text = ("S" if flags & SYN else "") + ("F" if flags & FIN else "")
        text += "A" if flags & ACK else ""
        text += "P" if seg.length else ""
        packets.append(
            PacketEvent(
                direction, sent, arrived, wire_bytes, seg.length, text, seg.seq, seg.ack,
                seg.label, seg.retransmit,
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
    up_seq, down_seq = np.random.SeedSequence(_entropy(seed, replication)).spawn(2)
    path = Path(env, case.path, np.random.default_rng(up_seq), np.random.default_rng(down_seq))
    if case.drop_up:
        path.up.drop_indices = case.drop_up
    if case.drop_down:
        path.down.drop_indices = case.drop_down
    f = case.features
    tr: Trace | None = None
    if trace:
        tr = Trace(rtt_s=case.path.rtt_s, profile=case.profile, variant=case.variant)
        path.up.on_send = _link_observer(tr, "up")
        path.down.on_send = _link_observer(tr, "down")
    conn = TcpConnection(
        env, path, case.client_tcp, case.server_tcp, f.nagle, case.server_nagle, trace
    )
    if tr is not None:
        conn.client.record_log = conn.server.record_log = tr.records
    record = SessionRecord(
        profile=case.profile, variant=case.variant, seed=seed, replication=replication,
        size=case.size, recipients=case.recipients, iw=case.client_tcp.iw, server=case.server,
    )
    stats = ServerStats()
    client = SmtpClient(env, conn, f, case.tls, case.size, case.recipients, record)
    env.process(smtp_server(env, conn.server.socket, case.timing, case.tls, f.tls or "1.2", stats))
    env.process(client.run())
    env.run(until=TIME_LIMIT_S)
    record.bytes_up = path.up.wire_bytes
    record.bytes_down = path.down.wire_bytes
    record.packets_up = path.up.packets
    record.packets_down = path.down.packets
    record.retransmits = conn.client.retransmits + conn.server.retransmits
    if stats.accepted_s is not None:
        end = stats.closed_s if stats.closed_s is not None else env.now
        record.occupancy_s = end - stats.accepted_s
    if record.outcome == "accepted" and math.isnan(record.close_s):
        record.close_s = env.now
    if tr is not None:
        tr.packets.sort(key=lambda p: p.sent_s)
    return record, tr


def _entropy(seed: int, replication: int) -> Sequence[int]:
    return [seed, replication]
