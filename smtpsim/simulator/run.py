"""One run: build an Environment, the paths, the provider's hosts and the clients; run; report.

Nothing global: two runs in one process never interact. Randomness comes from one
``numpy.random.SeedSequence([seed, replication])`` spawned into one generator per component,
in a fixed order, so the same seed gives every variant the same network (common random
numbers) and results never depend on who runs them.

This is the one place that opens connections: the client's SMTP connection to the front-end
the balancer picks (which accepts it and starts serving it), and, through the callbacks it
hands out, the IMAP connections of the client and of BURL's fetch. The clients never start a
server.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterator
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
import simpy

from smtpsim.model import Case, Distribution, SessionRecord, Trace
from smtpsim.model.text import SERVER_DOMAIN
from smtpsim.simulator.accounting import MessageMark
from smtpsim.simulator.client_state import ClientState
from smtpsim.simulator.clock import Clock
from smtpsim.simulator.farm import ServerFarm
from smtpsim.simulator.fq_link import new_link
from smtpsim.simulator.frontend import FrontEnd, ServerOffer
from smtpsim.simulator.imap import ImapFetcher, ImapServer, ImapSession, open_session
from smtpsim.simulator.smtp.client import SmtpClient
from smtpsim.simulator.smtp.server import ServerStats
from smtpsim.simulator.streams import lazy_generator, materialize
from smtpsim.simulator.tcp import TcpConnection
from smtpsim.simulator.tracing import observe_path
from smtpsim.simulator.wire import Path, Radio

__all__ = ["TIME_LIMIT_S", "run_drawing", "run_messages", "run_replications", "run_session"]

#: Simulated-time limit of one run. Linux gives up on a SYN after 127 s and on data after
#: ``tcp_retries2`` (about 15 min); 20 MB at 9.6 kbit/s takes 4.6 h. A message still going
#: after this is recorded as ``unfinished``.
TIME_LIMIT_S = 48 * 3600.0

Proc = Generator[simpy.Event, Any, None]


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
    further client's links in the order the clients start, so the network one client sees
    does not depend on how many others there are (the workload's and the servers' streams,
    and the servers themselves, are shared: with random processing times or a worker pool
    its times do).
    """
    return _Run(case, seed, replication, trace).run()


def run_drawing(
    case: Case, seed: int, replication: int = 0, trace: bool = False
) -> tuple[list[SessionRecord], Trace | None, bool]:
    """``run_messages``, and whether the run drew a random number (made any of its streams'
    generators, ``streams``)."""
    run = _Run(case, seed, replication, trace)
    records, tr = run.run()
    return records, tr, bool(run.made)


def run_replications(
    case: Case, seed: int, first: int, stop: int, trace: bool = False
) -> Iterator[tuple[int, list[SessionRecord], Trace | None]]:
    """``run_messages`` of replications ``first`` to ``stop - 1``, each as (replication,
    records, trace), in order.

    A replication's seed reaches the run only through its random streams
    (``SeedSequence([seed, replication])``, ``streams``). A run that drew no random number
    (no stream made its generator: a path without loss or jitter, fixed processing times and
    workload, one front-end) is therefore the same run for every replication: it is
    simulated once, and the later replications are its records with their ``replication``
    changed (and its trace). Any draw, and each replication is simulated.
    """
    for r in range(first, stop):
        records, tr, drew = run_drawing(case, seed, r, trace)
        yield r, records, tr
        if not drew:
            for later in range(r + 1, stop):
                yield later, [replace(rec, replication=later) for rec in records], tr
            return


class _Run:
    """The hosts, paths and clients of one run."""

    def __init__(self, case: Case, seed: int, replication: int, trace: bool) -> None:
        self.case, self.seed, self.replication, self.tracing = case, seed, replication, trace
        self.env = env = Clock()
        # the children of SeedSequence([seed, replication]) in spawn order, made when drawn
        # from (``streams``)
        self.entropy = (seed, replication)
        self.spawned = 0
        #: the keys of the streams that made their generator: none, and the run drew no
        #: random number (``run_replications``)
        self.made: list[tuple[int, ...]] = []
        up_seq, down_seq, box_seq, lb_seq, dc_up, dc_down, work_seq, timing_seq = self.spawn(8)
        self.work = work_seq
        self.f = f = case.client.features
        srv = case.server
        self.first_path = self.new_path(up_seq, down_seq)
        self.middlebox = _middlebox(case.network.syn_data_drop, box_seq)
        timing_rng = timing_seq  # processing times, every server
        self.imap = ImapServer(env, srv.timing, srv.tls, timing_rng, srv.imap_tickets_13)
        fetcher = None
        if f.burl:
            dc = Path(env, srv.dc_path, dc_up, dc_down, make_link=new_link)
            fetcher = ImapFetcher(
                lambda warm: open_session(env, dc, self.imap, srv.tls, warm, srv.tcp,
                                          srv.tcp, srv.nagle, srv.nagle),
                srv.burl_pooled,
            )
        offer = ServerOffer.for_client(f)

        def frontend(name: str, keys: dict[str, str]) -> FrontEnd:
            return FrontEnd(env, SERVER_DOMAIN, srv.timing, srv.tls, offer, timing_rng,
                            name=name, workers=srv.workers, idle_timeout_s=srv.idle_s,
                            fetcher=fetcher, reply_writes=srv.reply_writes, ehlo=srv.ehlo,
                            quit_linger_s=srv.quit_linger_s, **keys)

        self.farm = ServerFarm(env, SERVER_DOMAIN, srv.farm, lb_seq, frontend)
        self.records: list[SessionRecord] = []
        self.marks: list[list[MessageMark]] = []
        self.paths: list[Path] = []
        self.trace: Trace | None = None
        self.t0: list[float] = []

    def spawn(self, n: int) -> list[np.random.Generator]:
        """The next ``n`` streams, as ``SeedSequence([seed, replication]).spawn(n)``."""
        first, self.spawned = self.spawned, self.spawned + n
        return [lazy_generator(self.entropy, (i,), self.made) for i in range(first, first + n)]

    def new_path(self, up: np.random.Generator, down: np.random.Generator) -> Path:
        """A client's access path: the profile's links, with its own random streams."""
        net = self.case.network
        radio = None
        if net.radio_promotion_s > 0.0:
            radio = Radio(net.radio_promotion_s, net.radio_tail_s)
        return Path(self.env, net.path, up, down, radio, new_link)

    # ------------------------------------------------------------------ running
    def run(self) -> tuple[list[SessionRecord], Trace | None]:
        env, w = self.env, self.case.workload
        if w.arrival_rate is not None:
            env.process(self._arrivals())
        else:
            for k in range(w.clients):
                path = self.first_path if k == 0 else self.new_path(*self.spawn(2))
                self.paths.append(path)
                env.process(self._client(k, path, w.messages))
        env.run(until=TIME_LIMIT_S)
        self._settle()
        return self.records, self.trace

    def _arrivals(self) -> Proc:
        """Open-loop Poisson arrivals of one-message clients."""
        w = self.case.workload
        assert w.arrival_rate is not None
        for k in range(w.arrival_sessions):
            if k:
                yield self.env.timeout(float(self.work.exponential(1.0 / w.arrival_rate)))
            path = self.first_path if k == 0 else self.new_path(*self.spawn(2))
            self.paths.append(path)
            self.env.process(self._client(k, path, 1))

    def _client(self, index: int, path: Path, messages: int) -> Proc:
        """One client sending ``messages`` messages (one more first when warm: the earlier
        connection whose caches it holds, not recorded)."""
        env, case, f = self.env, self.case, self.f
        w, srv = case.workload, case.server
        state = ClientState()
        own: list[MessageMark] = []
        self.marks.append(own)
        warm = case.client.state == "warm"
        session: SmtpClient | None = None
        stats = ServerStats()
        previous = None
        saved_streams: list[tuple[np.random.Generator, bool]] = []
        for i in range(messages + (1 if warm else 0)):
            measured = not (warm and i == 0)
            if not measured:
                # the warm-up draws from streams of its own: the measured messages meet the
                # network a cold client meets, whatever the warm-up sent (variants stay paired
                # by seed and replication, cold or warm)
                warmup = (self.seed, self.replication, index, 1)
                saved_streams = [link.swap_randomness(lazy_generator(warmup, (i,), self.made))
                                 for i, link in enumerate((path.up, path.down))]
            elif saved_streams:
                for link, (rng, bad) in zip((path.up, path.down), saved_streams, strict=True):
                    link.swap_randomness(rng, bad)
                saved_streams = []
            if i:
                gap = w.gap.sample(self.work) if w.gap is not None else w.gap_s
                yield env.timeout(max(0.0, gap))
                if warm and i == 1 and srv.config_changed:
                    self.farm.reconfigure()
            traced = measured and index == 0 and self.tracing
            if measured and index == 0 and not self.t0:
                self._first_measured(path)
            record = self._record(index, i - (1 if warm else 0), measured)
            if session is not None and f.reuse and session.alive():
                session.size, session.recipients = record.size, record.recipients
                mark = MessageMark(record, session, stats, env.now, path, reused=True)
                proc = session.submit_again(record)
            else:
                if session is not None:
                    session.close()
                previous = frontend = self.farm.pick(previous)
                session, stats = self._connect(path, frontend, state, record, traced)
                mark = MessageMark(record, session, stats, env.now, path, reused=False)
                proc = session.run()
            if own:
                own[-1].end(path)
            own.append(mark)
            if measured:  # recorded from its start: one still running at the limit counts
                self.records.append(record)  # as "unfinished", never disappears
            yield env.process(proc)
            if not measured:
                # warm means the caches hold what the earlier connection left, the connection
                # itself closed (long ago: no closing packets fall into the measured message)
                session.discard()
                session = None
            if f.reuse and case.client.idle_s is not None and session is not None:
                env.process(_idle_close(env, session, case.client.idle_s))

    def _first_measured(self, path: Path) -> None:
        """Client 0's first measured message starts: times and scripted losses count from
        here, and the trace begins."""
        case, env = self.case, self.env
        self.t0.append(env.now)
        loss = case.scripted_loss
        if loss.up:
            path.up.drop_indices = {i + path.up.packets for i in loss.up}
        if loss.down:
            path.down.drop_indices = {i + path.down.packets for i in loss.down}
        if self.tracing:
            self.trace = Trace(rtt_s=case.network.path.rtt_s, profile=case.network.profile,
                               variant=case.client.variant)
            observe_path(self.trace, path, env.now)

    def _record(self, client: int, message: int, measured: bool) -> SessionRecord:
        """The record of a new message, its size and recipients drawn (when measured)."""
        case, w = self.case, self.case.workload
        size = _draw(w.size_dist, w.size, self.work) if measured else w.size
        recipients = (_draw(w.recipients_dist, w.recipients, self.work) if measured
                      else w.recipients)
        return SessionRecord(
            profile=case.network.profile, variant=case.client.variant, seed=self.seed,
            replication=self.replication, size=size, recipients=recipients,
            iw=case.client.tcp.iw, server=case.server.name, client=client, message=message,
            state=case.client.state, software=case.client.software,
        )

    def _connect(
        self, path: Path, frontend: FrontEnd, state: ClientState, record: SessionRecord,
        traced: bool,
    ) -> tuple[SmtpClient, ServerStats]:
        """A new SMTP connection over ``path`` that ``frontend`` accepts, and the client
        session on it; its IMAP sessions open over the same path to the IMAP server."""
        env, case, f = self.env, self.case, self.f
        srv, client = case.server, case.client
        trace = self.trace if traced else None
        connection = TcpConnection(env, path, client.tcp, srv.tcp, f.nagle, srv.nagle,
                                   trace is not None)
        if trace is not None:
            connection.log_records(trace.records)
        stats = frontend.accept(connection.server_socket)
        open_imap: Callable[[], ImapSession] = partial(
            open_session, env, path, self.imap, srv.tls, not f.imap_cold, client.tcp, srv.tcp,
            f.nagle, srv.nagle, trace, f.imap_tls,
        )
        session = SmtpClient(
            env, connection, frontend, state, f, record.size, record.recipients, record,
            srv.tls, open_imap, self.middlebox, client.capability_max_age_s,
            client.tls_setup_s, client.habits,
        )
        if trace is not None:
            session.phase_log = trace.phases
        return session, stats

    def _settle(self) -> None:
        """After the run: every message's counts, closes at the run's end, trace times."""
        env = self.env
        for own, path in zip(self.marks, self.paths, strict=False):
            if own:
                own[-1].end(path)
            for mark, after in zip(own, [*own[1:], None], strict=True):
                mark.settle(env.now, after.start if after is not None and after.reused else None)
        for record in self.records:
            if record.outcome == "accepted" and math.isnan(record.close_s) and not self.f.reuse:
                record.close_s = env.now
        if self.trace is not None:
            self.trace.packets.sort(key=lambda p: p.sent_s)
            for r in self.trace.records:
                r.time_s -= self.t0[0]
            for span in self.trace.phases:
                span.start_s -= self.t0[0]
                span.end_s -= self.t0[0]


def _draw(dist: Distribution | None, fixed: float, rng: np.random.Generator) -> int:
    """A whole number >= 1: ``fixed``, or a draw from ``dist``."""
    value = fixed if dist is None else dist.sample(rng)
    return max(1, int(round(value)))


def _middlebox(p_drop: float, stream: np.random.Generator) -> Callable[[], bool] | None:
    """A middlebox that drops a SYN carrying data with probability ``p_drop`` (None: no
    such middlebox)."""
    if p_drop <= 0.0:
        return None
    rng = materialize(stream)

    def drops() -> bool:
        return bool(rng.random() < p_drop)

    return drops


def _idle_close(env: simpy.Environment, session: SmtpClient, idle: float) -> Proc:
    """The client's own idle limit on a kept session."""
    yield env.timeout(idle)
    if session.alive() and env.now - session.start_s >= idle:
        session.close()
