"""Progress of a run, in sessions: on a terminal a bar (sessions done, sessions per second,
time left) that appears once the run has taken a second; elsewhere (a log, CI) a line every
``LINE_EVERY_S`` seconds. Nothing at all for a run shorter than that.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

__all__ = ["LINE_EVERY_S", "SessionProgress"]

#: Seconds between progress lines when stderr is not a terminal, and before the bar appears.
LINE_EVERY_S = 5.0
_BAR_AFTER_S = 1.0


class SessionProgress:
    """Counts sessions towards ``total``; ``enabled`` False shows nothing."""

    def __init__(self, total: int, label: str, enabled: bool,
                 stream: TextIO | None = None) -> None:
        self.total, self.label, self.enabled = total, label, enabled
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self._start = time.monotonic()
        self._skipped = 0  # sessions of chunks resumed, not run now
        self._last_line = self._start
        self._bar: Any = None
        self._task: Any = None
        self._tty = self.stream.isatty()

    def __enter__(self) -> SessionProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

    def skip(self, sessions: int) -> None:
        """Sessions already done by an earlier run (``--resume``)."""
        self.done += sessions
        self._skipped += sessions

    def rate(self) -> float:
        """Sessions per second run by this run so far."""
        elapsed = time.monotonic() - self._start
        return (self.done - self._skipped) / elapsed if elapsed > 0 else 0.0

    def advance(self, sessions: int) -> None:
        self.done += sessions
        if not self.enabled:
            return
        now = time.monotonic()
        if self._tty:
            if self._bar is None and now - self._start >= _BAR_AFTER_S:
                self._start_bar()
            if self._bar is not None:
                self._bar.update(self._task, completed=self.done,
                                 rate=f"{self.rate():,.0f}")
        elif now - self._last_line >= LINE_EVERY_S:
            self._last_line = now
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def line(self) -> str:
        """``name: 12000/100000 sessions (12 %), 3,400/s, 26 s left``."""
        rate = self.rate()
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        share = 100 * self.done / self.total if self.total else 100.0
        return (f"{self.label}: {self.done}/{self.total} sessions ({share:.0f} %), "
                f"{rate:,.0f}/s, {left:.0f} s left")

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("sessions"), TextColumn("{task.fields[rate]}/s"),
            TimeRemainingColumn(), console=Console(file=self.stream), transient=True,
        )
        self._task = self._bar.add_task(self.label, total=self.total, completed=self.done,
                                        rate="…")
        self._bar.start()
