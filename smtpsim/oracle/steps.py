"""The client's script as data: steps (write, then wait for so many records) and groups of
commands written together.

A client writes the next step the moment the last record it waits for is delivered (after the
step's ``delay``: the client's TLS CPU time after the server's flight, or before its
ClientHello after STARTTLS's 220). ``marks`` name the moments the result reports
(``greeting``, ``tls``, ``auth``, ``mail``, ``accept``, ``close`` and, on the IMAP side,
``saved`` and ``url``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smtpsim.oracle.records import Part, Rec

__all__ = ["Group", "Marks", "Step", "merge", "shift"]

Marks = dict[int, tuple[str, ...]]
"""The names marked when the n-th awaited record (from 1) is delivered."""


@dataclass(slots=True)
class Step:
    """A client step: after ``delay``, write ``writes`` (each one write()), then wait until
    ``expect`` more records have been delivered. ``marks`` name the times the n-th of those
    records is delivered; ``on_write`` the names marked when the step writes."""

    writes: list[list[Part]]
    expect: int
    delay: float = 0.0
    marks: Marks = field(default_factory=dict)
    on_write: tuple[str, ...] = ()
    gate: bool = False  # written only once the BURL URL is known (GENURLAUTH answered)
    #: with ``gate``: what is written at once when the URL is not known yet (the TLS
    #: library's Finished, which waits for no application data) and the writes that follow
    #: when it comes (the group, each its own write, so Nagle may hold it)
    split: tuple[list[list[Part]], list[list[Part]]] | None = None
    #: with ``gate``: the steps taken instead when the URL is not known at the write (0-RTT
    #: data cannot carry the group: the full handshake, the group with the Finished if the
    #: URL has come by then)
    fallback: list[Step] | None = None
    noop: bool = False  # a keep-alive NOOP put in while a step waits for the URL
    #: the client shuts its side down right behind the step's last write, its FIN riding on
    #: that write's last segment (``Habits.shutdown_after_quit``)
    shutdown: bool = False


@dataclass(slots=True)
class Group:
    """Commands written together, the replies they draw, the marks among those replies and
    the names marked when they are written."""

    recs: list[Rec]
    expect: int
    marks: Marks = field(default_factory=dict)
    on_write: tuple[str, ...] = ()


def shift(marks: Marks, by: int) -> Marks:
    """``marks`` of records that come ``by`` records later."""
    return {i + by: names for i, names in marks.items()}


def merge(*dicts: Marks) -> Marks:
    """The union of marks, names at the same record joined."""
    out: Marks = {}
    for d in dicts:
        for i, names in d.items():
            out[i] = out.get(i, ()) + names
    return out
