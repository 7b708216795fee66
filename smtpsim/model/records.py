"""One result row per submitted message, kept apart from the simulation (ciw's records idea).

Times are seconds from the moment the user pressed send (the first SYN leaves at 0). A time
that was never reached is NaN; ``outcome`` says why.

Each metric's time (``METRICS``, but ``occupancy``) comes with the *critical path* that led to
it: follow the chain of causes back from the event (each packet was sent because an earlier
packet arrived, a timer fired, or a step of the client or the server ended; each step because
the last thing it waited for arrived) to the moment the user pressed send. ``rtt_accept``,
``rtt_done`` and ``rtt_user`` count the client -> server -> client round trips on that path
(``ROUND_TRIPS``): the round trips the user waited for, not the times the client's code
stopped. ``stall_accept_s``, ``stall_done_s`` and ``stall_user_s`` are the time the path spent
at the ends instead of on the wire: in server and client processing (the server's steps,
BURL's fetch, TLS CPU), in the delayed-ACK timer, in retransmission and SYN timers and in the
client's keep-alive timer. A metric not reached has -1 round trips and a NaN stall. On a path
without serialization or queueing each round trip costs one RTT exactly: the time is the round
trips x RTT plus the stall.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter

__all__ = ["METRICS", "OUTCOMES", "PHASES", "ROUND_TRIPS", "SessionRecord", "columns"]

NAN = float("nan")

#: Phase durations, in order; they add up to ``close_s`` for an accepted message (``save``:
#: the APPEND to Sent before the submission starts, with ``save="first"``).
PHASES = ("save", "connect", "greeting", "tls", "ehlo", "auth", "envelope", "data", "quit")

#: ``accepted``: the final 2xx for the message arrived. ``failed``: the connection failed
#: (handshake or retransmission limit reached). ``rejected``: the server answered with an
#: unexpected code. ``timeout``: a reply did not come within the client's RFC 5321
#: §4.5.3.2 timeout. ``unfinished``: the simulated-time limit of the run was reached.
OUTCOMES = ("accepted", "failed", "rejected", "timeout", "unfinished")

#: The times a result can be ranked by: metric name -> record column (seconds from the first
#: SYN). ``accept``: the server's final 250 for the message arrived. ``done``: accepted, and
#: the copy saved to Sent when the variant saves (the later of ``accept_s`` and ``saved_s``;
#: ``accept_s`` itself when nothing is saved), the fair time for send-and-save. ``user`` (the
#: default): when the user is told "sent": after the 221 when the client waits for it, at the
#: 250 otherwise, and not before the copy is saved to Sent when the variant saves.
#: ``occupancy``: how long the server held the connection.
METRICS: dict[str, str] = {
    "accept": "accept_s",
    "done": "done_s",
    "user": "user_s",
    "occupancy": "occupancy_s",
}

#: The round trips on the critical path to a metric's time: metric name -> record column
#: (``occupancy``, a duration at the server, has none).
ROUND_TRIPS: dict[str, str] = {
    "accept": "rtt_accept",
    "done": "rtt_done",
    "user": "rtt_user",
}


@dataclass(slots=True)
class SessionRecord:
    profile: str
    variant: str
    seed: int
    replication: int
    size: int
    recipients: int
    iw: int
    server: str
    client: int = 0
    message: int = 0
    state: str = "cold"
    #: the client program the variant ran as (``Client.software``: ``generic``, ``smtplib``...)
    software: str = "generic"
    frontend: str = ""
    reused: bool = False
    outcome: str = "unfinished"
    failed_in: str = ""
    greeting_s: float = NAN
    tls_s: float = NAN
    auth_s: float = NAN
    mail_s: float = NAN
    accept_s: float = NAN
    saved_s: float = NAN
    done_s: float = NAN
    user_s: float = NAN
    close_s: float = NAN
    occupancy_s: float = NAN
    server_queue_s: float = NAN
    tfo_offered: bool = False
    tfo_hit: bool = False
    token_offered: bool = False
    token_hit: bool = False
    ticket_offered: bool = False
    tls_resumed: bool = False
    #: round trips and stall on the critical path to ``accept_s``, ``done_s``, ``user_s``
    rtt_accept: int = -1
    rtt_done: int = -1
    rtt_user: int = -1
    stall_accept_s: float = NAN
    stall_done_s: float = NAN
    stall_user_s: float = NAN
    bytes_up: int = 0
    bytes_down: int = 0
    packets_up: int = 0
    packets_down: int = 0
    #: segments sent again on the SMTP and the client's IMAP connections (both ends)
    retransmits: int = 0
    #: the longest and the mean wait for the link (queueing delay) of the packets the
    #: client's access path carried, both ways, from this message's start to the next one's
    #: (0 when none waited), and the packets its full queues dropped (tail drop)
    queue_max_s: float = 0.0
    queue_mean_s: float = 0.0
    queue_drops: int = 0
    phase_save_s: float = 0.0
    phase_connect_s: float = 0.0
    phase_greeting_s: float = 0.0
    phase_tls_s: float = 0.0
    phase_ehlo_s: float = 0.0
    phase_auth_s: float = 0.0
    phase_envelope_s: float = 0.0
    phase_data_s: float = 0.0
    phase_quit_s: float = 0.0

    def as_row(self) -> dict[str, object]:
        """The record as a row: column name -> value, in ``columns()`` order (every field is
        a plain value, so this is what ``dataclasses.asdict`` gives, without its recursive
        copy)."""
        return dict(zip(_COLUMNS, _VALUES(self), strict=True))


_COLUMNS = tuple(f.name for f in fields(SessionRecord))
_VALUES = attrgetter(*_COLUMNS)


def columns() -> list[str]:
    """Column names of a record row, in order."""
    return list(_COLUMNS)
