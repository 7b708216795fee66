"""One run: build an Environment, the path, the connection and both SMTP sides; run; report.

Nothing global: two runs in one process never interact. Randomness comes from one
``numpy.random.SeedSequence(seed)`` spawned into one generator per component, in a fixed
order (uplink, downlink), so the same seed gives every variant the same network (common
random numbers) and results never depend on who runs them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from typing import Any

import numpy as np
import simpy

from smtpsim.model import Case, Distribution, PacketEvent, SessionRecord, Trace
from smtpsim.model.text import SERVER_DOMAIN
from smtpsim.simulator.client_state import ClientState
from smtpsim.simulator.farm import ServerFarm
from smtpsim.simulator.imap import ImapFetcher
from smtpsim.simulator.smtp_client import SmtpClient
from smtpsim.simulator.tcp import ACK, FIN, SYN, Segment
from smtpsim.simulator.wire import Path, Radio

__all__ = ["run_session", "run_messages", "TIME_LIMIT_S"]

#: Simulated-time limit of one run. Linux gives up on a SYN after 127 s and on data after
#: ``tcp_retries2`` (about 15 min); 20 MB at 9.6 kbit/s takes 4.6 h. A run still going
#: after this ends as ``timeout``.
TIME_LIMIT_S = 48 * 3600.0


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
    """Simulate the case's workload: ``clients`` clients each sending ``messages`` messages
    (the next one a gap after the previous one finished), or open-loop Poisson arrivals of
    one-message clients (``arrival_rate``), all served by ``case.server.farm``.
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
    f = case.client.features
    net, srv, w = case.network, case.server, case.workload

    def new_path(up: np.random.SeedSequence, down: np.random.SeedSequence) -> Path:
        radio = None
        if net.radio_promotion_s > 0.0:
            radio = Radio(net.radio_promotion_s, net.radio_tail_s)
        return Path(env, net.path, np.random.default_rng(up), np.random.default_rng(down), radio)

    first_path = new_path(up_seq, down_seq)
    middlebox = None
    if net.syn_data_drop > 0.0:
        box_rng = np.random.default_rng(box_seq)
        p_drop = net.syn_data_drop

        def middlebox() -> bool:
            return bool(box_rng.random() < p_drop)

    farm = ServerFarm(
        env, SERVER_DOMAIN, srv.farm, srv.timing, srv.tls, np.random.default_rng(lb_seq),
        quickstart=f.quickstart, early_pipe=f.early_pipelining,
    )
    timing_rng = np.random.default_rng(timing_seq)  # processing-time draws, all front-ends
    for fe in farm.frontends:
        fe.rng = timing_rng
        fe.idle_timeout_s = srv.idle_s
        if srv.workers is not None:
            fe.workers = simpy.Resource(env, capacity=srv.workers)
    if f.burl:
        dc = Path(env, srv.dc_path, np.random.default_rng(dc_up), np.random.default_rng(dc_down))
        fetcher = ImapFetcher(
            env, dc, srv.timing, srv.tls, srv.burl_pooled, farm.frontends[0].rng,
            srv.tcp, srv.nagle,
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
        warm = case.client.state == "warm"
        session: SmtpClient | None = None
        previous = None
        for i in range(messages + (1 if warm else 0)):
            measured = not (warm and i == 0)
            if i:
                gap = w.gap.sample(work) if w.gap is not None else w.gap_s
                yield env.timeout(max(0.0, gap))
                if warm and i == 1 and srv.config_changed:
                    for fe in farm.frontends:
                        fe.config_version += 1
            traced = measured and index == 0 and trace
            if measured and index == 0 and not t0:
                t0.append(env.now)
                _arm_scripted_loss(case, path)
                if trace:
                    tr = Trace(rtt_s=net.path.rtt_s, profile=net.profile,
                               variant=case.client.variant)
                    path.up.on_send = _link_observer(tr, "up", env.now)
                    path.down.on_send = _link_observer(tr, "down", env.now)
            size = draw(w.size_dist, w.size, 1) if measured else w.size
            recipients = (
                draw(w.recipients_dist, w.recipients, 1) if measured else w.recipients
            )
            record = SessionRecord(
                profile=net.profile, variant=case.client.variant, seed=seed,
                replication=replication,
                size=size, recipients=recipients, iw=case.client.tcp.iw, server=srv.name,
                client=index, message=i - (1 if warm else 0), state=case.client.state,
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
                    env, path, frontend, state, f, size, recipients, record, srv.tls,
                    case.client.tcp, srv.tcp, srv.nagle,
                    tr if traced else None, middlebox, case.client.capability_max_age_s,
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
            if f.reuse and case.client.idle_s is not None and session is not None:
                env.process(_idle_close(env, session, case.client.idle_s))

    def arrivals() -> Generator[simpy.Event, Any, None]:
        assert w.arrival_rate is not None
        for k in range(w.arrival_sessions):
            if k:
                yield env.timeout(float(work.exponential(1.0 / w.arrival_rate)))
            path = first_path if k == 0 else new_path(*root.spawn(2))
            paths.append(path)
            env.process(client(k, path, 1))

    if w.arrival_rate is not None:
        env.process(arrivals())
    else:
        for k in range(w.clients):
            path = first_path if k == 0 else new_path(*root.spawn(2))
            paths.append(path)
            env.process(client(k, path, w.messages))
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
    if case.scripted_loss.up:
        path.up.drop_indices = {i + path.up.packets for i in case.scripted_loss.up}
    if case.scripted_loss.down:
        path.down.drop_indices = {i + path.down.packets for i in case.scripted_loss.down}


def _idle_close(
    env: simpy.Environment, session: SmtpClient, idle: float
) -> Generator[simpy.Event, Any, None]:
    """The client's own idle limit on a kept session."""
    yield env.timeout(idle)
    if session.alive() and env.now - session.start_s >= idle:
        session.close()


def _entropy(seed: int, replication: int) -> Sequence[int]:
    return [seed, replication]
