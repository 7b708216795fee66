"""The largest inputs smtpsim accepts, and why: beyond them a run would not finish, or its
records would not fit, on any machine it is meant for.

Each limit is checked where the value is read (a scenario file, a single-case option, the
API), before anything is simulated, and refused with one line naming the key or option and
the limit.

* :data:`MAX_MESSAGE_BYTES` 100,000,000 bytes (100 MB): twice Exim's default
  ``message_size_limit`` (``50M``, Exim specification ch. 14, "message_size_limit") and ten
  times Postfix's (``10240000``, postconf(5) ``message_size_limit``), the largest defaults of
  the servers modelled; a real submission server refuses anything larger with 552 (RFC 1870
  §6.1). A 100 MB body is about 69,000 segments of 1448 bytes, a few seconds of simulation;
  a 10^15-byte one would be 7·10^11 segments.
* :data:`MAX_SESSIONS_PER_RUN` 1,000,000: clients × messages of one run (the same bound as
  ``arrival_sessions``). A run is one simulated environment whose clients all live at once.
* :data:`MAX_SESSIONS` 10^9 sessions in a whole study (sweep points × profiles × variants ×
  replications × sessions per run): at the simulator's target of 5,000 sessions per second
  per core (issue 10) that is 55 core-hours, and about 100 GB of records at some 100 bytes
  a row in Parquet.
* :data:`MAX_POINTS` 1,000,000 sweep points (a grid's combinations or a random design's
  samples); :data:`MAX_LHS_SAMPLES` 100,000 for a Latin hypercube, whose whole design is
  drawn at once (samples × axes numbers, kept in memory: 32 MB at 40 axes).
* :data:`CHECKED_POINTS` 1,000: a sweep of at most this many points has every point validated
  when the file is read (about 1 ms a point); a larger one has each axis value validated then,
  and each point when it is produced (``smtpsim.scenarios.sweep.iter_points``).
* :data:`MAX_DEPTH` 16 levels of nested arrays and tables in a TOML document: the deepest
  key of a scenario is 5 levels down (``server.timing_ms.rcpt.quantiles[0][1]``); deeper
  nesting is refused before it is walked (a recursive walk of 10^4 levels overflows the
  stack).
* :data:`MAX_SEED` 2^63 − 1: seeds are signed 64-bit integers in the records.
* :data:`MAX_WIDTH` 1000 columns for ``smtpsim trace --width`` (each ladder line is built
  that wide).
"""

from __future__ import annotations

__all__ = [
    "CHECKED_POINTS",
    "MAX_DEPTH",
    "MAX_LHS_SAMPLES",
    "MAX_MESSAGE_BYTES",
    "MAX_POINTS",
    "MAX_SEED",
    "MAX_SESSIONS",
    "MAX_SESSIONS_PER_RUN",
    "MAX_WIDTH",
]

MAX_MESSAGE_BYTES = 100_000_000
MAX_SESSIONS_PER_RUN = 1_000_000
MAX_SESSIONS = 1_000_000_000
MAX_POINTS = 1_000_000
MAX_LHS_SAMPLES = 100_000
CHECKED_POINTS = 1_000
MAX_DEPTH = 16
MAX_SEED = 2**63 - 1
MAX_WIDTH = 1000
