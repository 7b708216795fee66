"""The submission server's side of BURL: fetching the message a URL names."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from smtpsim.simulator.imap.session import ImapSession

__all__ = ["ImapFetcher"]


class ImapFetcher:
    """URLFETCH over the submission servers' data-centre path, on one pooled authenticated
    connection (Dovecot's submission service keeps one to its imap-urlauth service) or a new
    connection per fetch. ``connect(warm)`` opens a session to the IMAP server."""

    def __init__(self, connect: Callable[[bool], ImapSession], pooled: bool) -> None:
        self.connect = connect
        self.pooled = pooled
        self.pool = connect(True) if pooled else None

    def fetch(self, url: str, size: int) -> Generator[simpy.Event, Any, None]:
        """URLFETCH on the pooled connection, opening a new one first if the server logged
        the old one out (RFC 3501 §5.4: after 30 idle minutes), or on a new connection."""
        session = self.pool
        if session is None or not session.usable():
            session = self.connect(False)
            if self.pooled:
                self.pool = session
        yield from session.urlfetch(url, size)
