"""The submission server's side of SMTP: one ``ServerSession`` per connection (``session``),
the verbs it knows (``commands``)."""

from smtpsim.simulator.smtp.server.session import ServerSession, ServerStats

__all__ = ["ServerSession", "ServerStats"]
