"""Application records and how writes frame them.

A record is what one side hands its TCP in a write and the other side reads whole: an SMTP or
IMAP line, a TLS handshake flight, a message body. A record is delivered when its last byte
has arrived in order. TLS wraps each application write into records of at most ``max_record``
plaintext bytes plus ``record_overhead`` (RFC 5246 §6.2, RFC 8446 §5.2).

A reply is written as one record, or (``Server.reply_writes`` "line") as one write per line
(``reply_writes``): then only its last line is a record the client waits for (a client has a
multi-line reply when the line whose code is followed by a space has come, RFC 5321 §4.2.1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Part", "Rec", "Reply", "frame", "reply_writes"]


class Reply(NamedTuple):
    """A reply as the oracle needs it: its bytes on the wire (every line with its CRLF), a
    label, and the bytes of each of its lines."""

    nbytes: int
    label: str
    lines: tuple[int, ...]


@dataclass(slots=True)
class Rec:
    """An application record (an SMTP line, a TLS flight, a body) and what the server does
    when it reads it: process for ``proc`` seconds, then make ``writes`` at once (TLS
    handshake messages, a banner; each one write), then buffer ``replies``; ``hold`` keeps
    the buffer (a BDAT line: its answer comes with the chunk); ``closes``: the server closes
    (FIN) once its reply is written (QUIT). For a record the client reads: ``wait`` False if
    no step of the client waits for it; ``react`` (delay, parts): what the client's TLS
    layer writes on its own that long after reading it (the Finished after 0-RTT data).
    ``fetch``: more processing whose length depends on when it starts (BURL's URLFETCH,
    ``imap.fetch_time``), called with the time the processing starts."""

    nbytes: int
    label: str
    proc: float = 0.0
    replies: tuple[Reply, ...] = ()
    reply_overhead: int | None = None  # TLS record overhead of the replies, None = cleartext
    writes: tuple[tuple[Part, ...], ...] = ()
    hold: bool = False
    closes: bool = False
    wait: bool = True  # the client waits for it (not the tickets after 0-RTT data)
    react: tuple[float, list[Part]] | None = None  # the client's TLS layer writes, delayed
    fetch: Callable[[float], float] | None = None  # more processing from its start time


@dataclass(slots=True)
class Part:
    """Records written together, framed as TLS application records (``overhead`` bytes each,
    at most ``max_record`` plaintext bytes) unless ``overhead`` is None (cleartext, or TLS
    handshake messages, whose sizes already include their record headers)."""

    records: list[Rec]
    overhead: int | None = None


def frame(part: Part, max_record: int) -> tuple[int, list[tuple[int, Rec]]]:
    """Wire bytes of a part and the offset (relative) at which each record is complete."""
    if part.overhead is None:
        out, off = [], 0
        for r in part.records:
            off += r.nbytes
            out.append((off, r))
        return off, out
    overhead = part.overhead
    plain = sum(r.nbytes for r in part.records)
    n_tls = max(1, math.ceil(plain / max_record))

    def tls_end(j: int) -> int:  # wire offset at the end of TLS record j (0-based)
        full = min(plain, (j + 1) * max_record)
        return full + (j + 1) * overhead

    out, cum = [], 0
    for r in part.records:
        cum += r.nbytes
        out.append((tls_end((cum - 1) // max_record), r))
    return tls_end(n_tls - 1), out


def reply_writes(reply: Reply, overhead: int | None, per_line: bool) -> list[list[Part]]:
    """The writes of ``reply`` (TLS record ``overhead``, None in cleartext): one, or one per
    line when ``per_line``, each its own TLS record, the client waiting only for the last."""
    if not per_line:
        return [[Part([Rec(reply.nbytes, reply.label)], overhead)]]
    last = len(reply.lines) - 1
    return [[Part([Rec(n, reply.label if i == last else f"{reply.label} [line {i + 1}]",
                       wait=i == last)], overhead)]
            for i, n in enumerate(reply.lines)]
