"""The script's builder: what one case's client writes and what the server does with it.

``Script`` holds the case and the state of the script being built (the steps so far, the TLS
record overhead once TLS is up, whether QUIT has been sent) and the building blocks: a
command with the server's processing and replies (``cmd``), the writes a group of records
takes (``parts``: one write, or one per command with per-command writes), a step (``step``,
``send``, ``exchange``) and the capability lists of each security context. The flows
(``smtpsim.oracle.smtp.flows``) put them together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smtpsim.model import Case, text
from smtpsim.oracle.client_state import Start
from smtpsim.oracle.domain import Timing
from smtpsim.oracle.records import Part, Rec, Reply
from smtpsim.oracle.smtp import lines
from smtpsim.oracle.steps import Group, Marks, Step

__all__ = ["Script"]


class Script:
    """The client's steps for one ``Case`` (``steps``), built by the flows. ``fetch``:
    BURL's URLFETCH time on the server's data-centre path, from the time it starts."""

    def __init__(self, case: Case, st: Start, timing: Timing,
                 fetch: Callable[[float], float] | None = None) -> None:
        self.case = case
        self.fetch = fetch
        self.f = case.client.features
        self.tm = timing
        self.tls = case.server.tls
        self.st = st
        self.per_cmd = self.f.writes == "per-command"
        self.steps: list[Step] = []
        self.oh: int | None = None  # TLS record overhead of application writes once TLS is up
        self.quit_sent = False
        self.ehlo_text = text.ehlo("EHLO" if self.f.ehlo else "HELO")
        #: the server writes each reply line on its own (``Server.reply_writes`` "line")
        self.per_line = case.server.reply_writes == "line"
        #: whose EHLO reply the server sends (``Server.ehlo``)
        self.server = case.server.ehlo
        self.greeting: Reply = lines.greeting(self.f, st.version, self.server)
        self.habits = case.client.habits
        #: the message goes as a header chunk, then the rest (``Habits.header_chunk``)
        self.header_chunk = self.habits.header_chunk(case.workload.size,
                                                     self.f.chunking and not self.f.burl)
        #: AUTH PLAIN rides in the MAIL group (``Habits.auth_in_group``: not under Exim's
        #: PIPE_CONNECT)
        self.auth_in_group = self.habits.auth_in_group(self.f)

    def cmd(self, line: str | int, proc: float, *replies: Reply, **kw: Any) -> Rec:
        """A command line (or ``line`` bytes of content) the server processes for ``proc``
        seconds, then answers with ``replies``."""
        n = line if isinstance(line, int) else text.line_bytes(line)
        return Rec(n, str(line), proc, replies, reply_overhead=self.oh, **kw)

    def parts(self, recs: list[Rec]) -> list[list[Part]]:
        """One write for everything sent together, or one per record (per-command)."""
        if self.per_cmd:
            return [[Part([r], self.oh)] for r in recs]
        return [[Part(recs, self.oh)]]

    def step(self, writes: list[list[Part]], expect: int, *, delay: float = 0.0,
             marks: Marks | None = None, on_write: tuple[str, ...] = ()) -> None:
        """Add a step; with BURL the step that writes MAIL waits for the URL (``gate``)."""
        gate = self.f.burl and "mail" in on_write
        self.steps.append(Step(writes, expect, delay, marks or {}, on_write, gate,
                               shutdown=self._shuts_down(writes)))

    def _shuts_down(self, writes: list[list[Part]]) -> bool:
        """Whether the client shuts its side down right behind the last of ``writes``
        (``Habits.shutdown_after_quit``): it ends with QUIT, alone (Exim ``smtp_deliver``
        at ``SEND_QUIT``: ``SCMD_MORE`` QUIT, then ``shutdown(SHUT_WR)``, in cleartext and
        under TLS) or pipelined with the message in cleartext (under TLS the QUIT is
        flushed and the FIN comes at the close)."""
        if not (self.habits.shutdown_after_quit and writes and writes[-1]):
            return False
        recs = [r for write in writes for part in write for r in part.records]
        if not recs or recs[-1].label != lines.QUIT:
            return False
        return len(recs) == 1 or self.oh is None

    def send(self, g: Group) -> None:
        """A step that writes a group and waits for its replies."""
        self.step(self.parts(g.recs), g.expect, marks=g.marks, on_write=g.on_write)

    def exchange(self, rec: Rec, mark: str = "") -> None:
        """A step that writes one record and waits for its reply."""
        self.step([[Part([rec], self.oh)]], 1, marks={1: (mark,)} if mark else None)

    def tls_list(self, code: int = 250, first: str | None = None) -> Reply:
        """The capability list in the TLS security context (STARTTLS no longer offered); the
        first line the server's EHLO greeting (``text.ehlo_domain``) unless given."""
        return lines.capability_list(code, text.ehlo_domain(self.server) if first is None
                                     else first, False, self.f, "tls", self.st.version,
                                     self.server)

    def plain_list(self) -> Reply:
        """The capability list in the cleartext security context."""
        return lines.capability_list(250, text.ehlo_domain(self.server), True, self.f,
                                     "plain", self.st.version, self.server)
