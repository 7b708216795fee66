"""Capacity traces for a profile's ``up_trace`` / ``down_trace``: a user's file in
Mahimahi's format, or one shipped in ``data/traces/`` (never fetched at run time).

Mahimahi's format (``mm-link``, ``src/frontend/link_queue.cc``, ``LinkQueue::LinkQueue``):
one line per 1500-byte delivery opportunity, each a whole number of milliseconds; no empty
line ("invalid empty line"), "timestamps must be monotonically nondecreasing", at least one
("no valid timestamps found"), and the "trace must last for a nonzero amount of time" (the
last timestamp, the period after which it repeats, > 0). This reader holds a file to the
same rules (a final newline is allowed, as ``getline`` stops there).

A value names a shipped trace (``data/traces/<name>.trace``; ``traces.toml`` there says what
model and which measurements made each, ``make_traces.py`` made them) or is a path: relative
to the scenario file's folder (to the current directory for a scenario not read from a
file). The validated value is the shipped name, or the file's absolute path.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from smtpsim.model import CapacityTrace

__all__ = ["MAX_TRACE_BYTES", "TraceError", "load_trace", "resolve_trace", "shipped_traces"]

#: A trace file larger than this is refused (about 8 million opportunities).
MAX_TRACE_BYTES = 64 * 1024 * 1024

_SUFFIX = ".trace"


class TraceError(ValueError):
    """A trace that cannot be read, or breaks the format's rules."""


@functools.cache
def shipped_traces() -> tuple[str, ...]:
    """The names of the shipped traces, sorted."""
    folder = resources.files("smtpsim.scenarios").joinpath("data", "traces")
    return tuple(sorted(p.name.removesuffix(_SUFFIX) for p in folder.iterdir()
                        if p.name.endswith(_SUFFIX)))


def parse_trace(text: str, name: str) -> CapacityTrace:
    """``text`` in Mahimahi's format as a trace; :class:`TraceError` says the first rule it
    breaks, with its line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    stamps: list[int] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip().isdigit():
            what = "an empty line" if not line.strip() else f"{line.strip()[:20]!r}"
            raise TraceError(f"line {number}: {what} is not a whole number of ms")
        ms = int(line)
        if stamps and ms < stamps[-1]:
            raise TraceError(f"line {number}: {ms} ms comes before {stamps[-1]} ms (timestamps"
                             " must be non-decreasing)")
        stamps.append(ms)
    if not stamps:
        raise TraceError("no timestamps")
    if stamps[-1] == 0:
        raise TraceError("the trace lasts 0 ms (its last timestamp must be > 0)")
    return CapacityTrace(name, tuple(stamps))


def resolve_trace(value: str, base: Path | None) -> str:
    """The shipped trace ``value`` names, or the absolute path of the file it names
    (relative to ``base``, else the current directory); :class:`TraceError` when there is
    no such file or it is not a valid trace."""
    if value in shipped_traces():
        return value
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = (base if base is not None else Path.cwd()) / path
    path = path.resolve()
    load_trace(str(path))
    return str(path)


@functools.cache
def load_trace(value: str) -> CapacityTrace:
    """The trace a resolved ``value`` names (a shipped name or an absolute path), read once
    per process."""
    if value in shipped_traces():
        folder = resources.files("smtpsim.scenarios").joinpath("data", "traces")
        return parse_trace(folder.joinpath(value + _SUFFIX).read_text("ascii"), value)
    path = Path(value)
    try:
        if path.stat().st_size > MAX_TRACE_BYTES:
            raise TraceError(f"{path}: larger than {MAX_TRACE_BYTES} bytes")
        text = path.read_text("ascii")
    except FileNotFoundError:
        raise TraceError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise TraceError(f"{path}: not a text file of digits") from None
    except OSError as e:
        raise TraceError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        return parse_trace(text, path.name)
    except TraceError as e:
        raise TraceError(f"{path}: {e}") from None
