"""The submission client's side of one SMTP session, driven by its ``Features``.

The client asks its features at each decision point; each start lives in its own module
(``standard``, ``quickstart``, ``early_pipelining``, Exim's ``pipe_connect``), the envelope in
``envelope``, the conversation and its accounting in ``dialogue``. Without PIPELINING every
command is a synchronisation point (RFC 5321 lock-step). ``user_s`` is when the user is told
the message is sent: after the 221 for ``quit`` "wait" and "pipelined", at the 250 for "async"
and "drop", and never before the copy is saved to Sent when the variant saves.
All times are seconds since the client started (``start_s``). Each metric's time comes with
the round trips and the stall of its critical path (``rtt_accept``, ``rtt_done``,
``rtt_user`` and the ``stall_*_s``; ``smtpsim.simulator.tcp.causes``), -1 and NaN when it
was not reached; a message sent with ``save`` "first" starts its submission where the save
ended, and a message on a kept session where it was handed over.

The client is given its connection to a front-end, already accepted there: it never starts
the server. What it learns (session tickets, tokens, cookies) goes into its ``ClientState``
for later connections; its IMAP session comes from ``open_imap``.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from smtpsim.model import Features, Habits, SessionRecord, TlsConfig
from smtpsim.model.timers import CAPABILITY_MAX_AGE_S
from smtpsim.simulator.client_state import ClientState
from smtpsim.simulator.imap import ImapSession
from smtpsim.simulator.smtp.client.base import Abort, Proc, ServerName
from smtpsim.simulator.smtp.client.early_pipelining import EarlyPipelining
from smtpsim.simulator.smtp.client.pipe_connect import PipeConnect
from smtpsim.simulator.smtp.client.quickstart import Quickstart
from smtpsim.simulator.smtp.messages import Command
from smtpsim.simulator.tcp import TcpConnection
from smtpsim.simulator.tcp.causes import TIE_S
from smtpsim.simulator.tls import Channel

__all__ = ["SmtpClient"]

_NO_HABITS = Habits()


class SmtpClient(Quickstart, EarlyPipelining, PipeConnect):
    """Submits one message of ``size`` bytes to ``recipients`` recipients over
    ``connection`` to the front-end ``server`` (and, with ``Features.reuse``, later messages
    on the same session). ``tls_setup_s``: the CPU time between STARTTLS's 220 and the
    ClientHello (``Client.tls_setup_s``; see ``TlsStart``); ``habits``: what the client
    program does beyond its features (``Client.habits``)."""

    def __init__(
        self,
        env: simpy.Environment,
        connection: TcpConnection,
        server: ServerName,
        state: ClientState,
        features: Features,
        size: int,
        recipients: int,
        record: SessionRecord,
        tls: TlsConfig,
        open_imap: Callable[[], ImapSession],
        middlebox: Callable[[], bool] | None = None,
        capability_max_age_s: float = CAPABILITY_MAX_AGE_S,
        tls_setup_s: float = 0.0,
        habits: Habits = _NO_HABITS,
    ) -> None:
        self.env = env
        self.connection = connection
        self.server = server
        self.state = state
        self.f = features
        self.tls = tls
        self.size = size
        self.recipients = recipients
        self.record = record
        self.open_imap = open_imap
        self.imap_connections = []
        self.capability_max_age_s = capability_max_age_s
        self.tls_setup_s = tls_setup_s
        self.habits = habits
        self.start_s = env.now
        self.socket = connection.client_socket
        self.channel = Channel(self.socket)
        self._arm_fast_open(middlebox)
        self.burl_url = env.event()
        self.phase = "connect"
        self.phase_start = 0.0
        self.phase_log = None
        self._greeting_reply = None
        self._early_at = 0.0
        self._imap_cause = None
        self._saved_path = (-1, float("nan"))
        record.frontend = server.name

    def run(self) -> Proc:
        rec = self.record
        f = self.f
        saving = None
        if f.save is not None or f.burl:
            saving = self.env.process(self._save())
            if f.save == "first":
                self._enter("save")
                yield saving
                if self._imap_cause is not None:  # the submission waited for the save
                    self.socket.caused_by(self._imap_cause)
                self._enter("connect")
        try:
            yield from self._session()
        except Abort as abort:
            self._stop(abort)
        self._enter(self.phase)
        if saving is not None:
            yield saving
            if rec.outcome == "accepted" and rec.saved_s != rec.saved_s:  # NaN: not saved
                rec.outcome = "failed"
                rec.failed_in = "save"
        if saving is not None:  # the user is told "sent" once the copy is in Sent too
            rec.done_s = max(rec.accept_s, rec.saved_s)
            told = rec.user_s
            rec.user_s = max(rec.user_s, rec.saved_s)
            # each metric's path: the saved copy's when it came later (never with a NaN)
            if rec.saved_s > rec.accept_s + TIE_S:
                rec.rtt_done, rec.stall_done_s = self._saved_path
            else:
                rec.rtt_done, rec.stall_done_s = rec.rtt_accept, rec.stall_accept_s
            if rec.saved_s > told + TIE_S:
                rec.rtt_user, rec.stall_user_s = self._saved_path
        else:
            rec.done_s = rec.accept_s
            rec.rtt_done, rec.stall_done_s = rec.rtt_accept, rec.stall_accept_s

    def retransmits(self) -> int:
        """Segments sent again so far on the client's connections to the provider: the SMTP
        connection and the IMAP ones, both ends (not the submission server's fetch)."""
        return sum(c.retransmits() for c in (self.connection, *self.imap_connections))

    def _session(self) -> Proc:
        f, rec = self.f, self.record
        self.connection.connect()
        ok = yield self.socket.established
        if not ok:
            raise Abort("failed")
        if f.quickstart is not None:
            yield from self._quickstart()
        elif self.habits.pipe_connect(f):
            yield from self._pipe_connect()
        elif f.early_pipelining:
            yield from self._early_pipelining()
        else:
            prefix, codes = yield from self._setup()
            self._enter("envelope")
            yield from self._envelope(prefix, codes)
        rec.outcome = "accepted"
        self._enter("quit")
        quit = f.quit
        if f.reuse:  # keep the session for the next message: no QUIT
            self._told_user()
            return
        if quit in ("async", "drop"):
            self._told_user()
        if quit in ("wait", "async"):
            yield from self._exchange([Command("QUIT", "QUIT")], [221])
        if quit in ("wait", "pipelined"):
            self._told_user()
        if quit != "drop":  # after the 221
            yield from self._drain()
        self.socket.close()
        rec.close_s = self.now()

    def alive(self) -> bool:
        """Whether the connection can carry another message: established, neither side has
        closed it, nothing unread (a 421 from the server's idle timeout would be)."""
        socket = self.socket
        return (
            self.record.outcome == "accepted"
            and socket.is_established()
            and not socket.peer_closed()
            and not socket.closing()
            and not socket.pending()
        )

    def submit_again(self, record: SessionRecord) -> Proc:
        """The next message on this open session: straight to MAIL (RFC 5321 §4.1.4: a new
        transaction after the previous one ended), nothing else to set up."""
        self.record = record
        record.reused = True
        record.frontend = self.server.name
        self.start_s = self.env.now
        self.socket.origin()
        self.phase = "envelope"
        self.phase_start = 0.0
        try:
            yield from self._envelope([], [])
            record.outcome = "accepted"
            self._told_user()
            record.done_s, record.rtt_done = record.user_s, record.rtt_user
            record.stall_done_s = record.stall_user_s
        except Abort as abort:
            self._stop(abort)
        self._enter(self.phase)

    def _stop(self, abort: Abort) -> None:
        """The session cannot go on: record why and where, and drop the connection."""
        self.record.outcome = abort.outcome
        self.record.failed_in = self.phase
        if abort.outcome == "failed":
            self.socket.abort()
        else:
            self.socket.close()

    def discard(self) -> None:
        """Drop every connection of this session, SMTP and IMAP, without a packet: what a
        warm start's earlier connection left is only the caches, its connections closed long
        ago (their closing exchanges must not fall into the measured message)."""
        for conn in (self.connection, *self.imap_connections):
            conn.discard()

    def close(self) -> None:
        """Leave an idle session (the client's own idle limit): QUIT and close, unanswered."""
        if self.alive():
            self.channel.send([Command("QUIT", "QUIT")])
        self.socket.close()
