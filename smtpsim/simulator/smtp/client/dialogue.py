"""The client's side of the conversation: what it sends, what it waits for.

This is the one place that records when the message was accepted (``_accepted``: the arrival
of the final 2xx, not the moment it is read) and when the user was told (``_told_user``),
each with the round trips and the stall of its critical path (``smtpsim.simulator.tcp.causes``:
the sockets carry them), and the one place that moves the session from phase to phase
(``_enter``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smtpsim.model import text
from smtpsim.model.timers import REPLY_TIMEOUT_S
from smtpsim.model.trace import PhaseSpan
from smtpsim.simulator.smtp.client.base import Abort, Proc
from smtpsim.simulator.smtp.client.caches import Caches
from smtpsim.simulator.smtp.messages import Command, Reply
from smtpsim.simulator.tcp import TIMEOUT, Socket
from smtpsim.simulator.tcp.causes import turns
from smtpsim.simulator.tls import TlsMessage

__all__ = ["Dialogue"]


class Dialogue(Caches):
    """Sending, reading and accounting of ``SmtpClient``."""

    def _accepted(self) -> None:
        """The reply just read is the message's final 2xx: it was accepted when it arrived,
        at the end of that arrival's critical path."""
        rec, sock = self.record, self.socket
        rec.accept_s = sock.arrived_s - self.start_s
        rec.rtt_accept = turns(sock.arrived_legs)
        rec.stall_accept_s = sock.arrived_stall

    def _told_user(self) -> None:
        """The user is told now that the message is sent (``user_s``)."""
        rec = self.record
        rec.user_s = self.now()
        rec.rtt_user, rec.stall_user_s = self._path_now(self.socket)

    def _path_now(self, socket: Socket) -> tuple[int, float]:
        """The round trips and the stall of the critical path to now, for the application
        on ``socket``: its stamp, and its own time since as stall."""
        legs, stall, at = socket.cause()
        return turns(legs), stall + (self.env._now - at)

    def now(self) -> float:
        """Seconds since this client started (the user pressed send)."""
        return self.env._now - self.start_s

    def _enter(self, phase: str) -> None:
        now = self.now()
        attr = f"phase_{self.phase}_s"
        setattr(self.record, attr, getattr(self.record, attr) + now - self.phase_start)
        log = self.phase_log
        if log is not None and now > self.phase_start:  # in the run's time (``run._settle``)
            log.append(PhaseSpan(self.phase, self.start_s + self.phase_start, self.env.now))
        self.phase = phase
        self.phase_start = now

    def _send(self, items: Sequence[Any]) -> None:
        shutdown = self._shuts_down(items)
        if self.f.writes == "per-command":
            for i, item in enumerate(items):
                self.channel.send([item], shutdown and i == len(items) - 1)
        else:
            self.channel.send(items, shutdown)

    def _shuts_down(self, items: Sequence[Any]) -> bool:
        """Whether the client shuts its side down right behind this write
        (``Habits.shutdown_after_quit``): it ends with QUIT, and either the QUIT goes alone
        (Exim ``smtp_deliver`` at ``SEND_QUIT``: ``SCMD_MORE`` QUIT, then
        ``shutdown(sx->cctx.sock, SHUT_WR)`` in cleartext and under TLS) or it is pipelined
        with the message in cleartext (under TLS Exim writes it with ``SCMD_FLUSH`` and its
        FIN comes at the close)."""
        if not (self.habits.shutdown_after_quit and items):
            return False
        last = items[-1]
        if not (isinstance(last, Command) and last.verb == "QUIT"):
            return False
        return len(items) == 1 or not self.channel.tls

    def _read(self, timeout: float = REPLY_TIMEOUT_S["default"]) -> Proc:
        """The next SMTP reply; TLS messages after the handshake (TLS 1.3 session tickets)
        are taken by the TLS layer: a ticket is stored for later connections."""
        while True:
            item = yield from self._next(timeout)
            if isinstance(item, Reply):
                return item
            if not isinstance(item, TlsMessage):
                raise Abort("failed")
            if item.ticket is not None:
                self._store_ticket(item.ticket)

    def _expect(self, code: int) -> Proc:
        """The next reply, which must have ``code``; anything else ends the session."""
        r = yield from self._read()
        if r.code != code:
            raise Abort("rejected")
        return r

    def _next(self, timeout: float) -> Proc:
        """The next item from the socket, or abort with ``timeout`` after ``timeout`` s."""
        item = yield from self.socket.recv_within(timeout, sending=True)
        if item is TIMEOUT:
            raise Abort("timeout")
        return item

    def _exchange(
        self,
        items: Sequence[Any],
        expect: Sequence[int],
        timeout: float = REPLY_TIMEOUT_S["default"],
        accept_index: int = -1,
    ) -> Proc:
        """Send ``items`` as one group and wait for one reply per code in ``expect``.

        ``accept_index``: the position in ``expect`` of the message's final 2xx (250 to the
        end of data or BDAT LAST), which sets ``accept_s`` when it arrives even if more
        replies of the group follow. The reply timeout counts from the connection's last
        progress, so it does not run while a long body is still being acknowledged."""
        self._send(items)
        replies = []
        for i, code in enumerate(expect):
            r = yield from self._read(timeout)
            if r.code != code:
                raise Abort("rejected")
            if i == accept_index:
                self._accepted()
            replies.append(r)
        return replies

    def _run_group(
        self,
        items: list[Any],
        codes: list[int],
        accept: int,
        timeout: float,
        sent: bool = False,
        strict: bool = True,
    ) -> Proc:
        """Write the envelope group (unless it already went with the client's TLS Finished)
        and read one reply per code. ``strict``: abort on an unexpected code; else return
        the replies for the caller to judge (a speculative group)."""
        rec = self.record
        if not sent:
            self._send(items)
            rec.mail_s = self.now()
        replies = []
        for i, code in enumerate(codes):
            r = yield from self._read(timeout)
            if r.code != code and strict:
                raise Abort("rejected")
            if i == accept and r.code == code:
                self._accepted()
            replies.append(r)
        return replies

    def _last_exchange(self, items: list[Any], expect: list[int], quit_code: list[int]) -> Proc:
        """The exchange that ends the message: the last code of ``expect`` is its final 250;
        ``quit_code`` follows when QUIT is pipelined behind it."""
        yield from self._exchange(
            items, expect + quit_code, REPLY_TIMEOUT_S["end"], accept_index=len(expect) - 1
        )

    def _drain(self) -> Proc:
        """After the 221: wait up to ``Habits.fin_wait_s`` for the server's FIN before
        closing (Exim ``smtp_deliver``: ``poll_one_fd(sx->cctx.sock, POLLIN, 20)``)."""
        wait = self.habits.fin_wait_s
        socket = self.socket
        if wait <= 0.0 or socket.peer_closed():
            return
        deadline = self.env.now + wait
        while not socket.peer_closed() and self.env.now < deadline:
            ev = socket.recv()
            yield ev | self.env.timeout(deadline - self.env.now)
            if not ev.triggered:
                socket.forget(ev)
                return

    def _hello(self) -> Command:
        verb = "EHLO" if self.f.ehlo else "HELO"
        return Command(verb, text.ehlo(verb))
