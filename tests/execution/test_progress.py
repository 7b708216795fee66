"""Progress off a terminal: a line every few seconds with sessions, rate and time left;
nothing for a run shorter than that."""

from __future__ import annotations

import io

import pytest

from smtpsim.execution import progress
from smtpsim.execution.progress import SessionProgress


def test_lines_count_sessions_and_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "LINE_EVERY_S", 0.0)
    stream = io.StringIO()
    with SessionProgress(100, "study", enabled=True, stream=stream) as bar:
        bar.skip(20)  # resumed: done before, not counted in the rate
        bar.advance(30)
        bar.advance(50)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("study: 50/100 sessions (50 %), ")
    assert lines[1].startswith("study: 100/100 sessions (100 %), ")
    assert lines[1].endswith(" 0 s left")


def test_a_short_run_prints_nothing() -> None:
    stream = io.StringIO()
    with SessionProgress(10, "quick", enabled=True, stream=stream) as bar:
        bar.advance(10)
    assert stream.getvalue() == ""


def test_disabled_prints_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "LINE_EVERY_S", 0.0)
    stream = io.StringIO()
    with SessionProgress(10, "quiet", enabled=False, stream=stream) as bar:
        bar.advance(10)
    assert stream.getvalue() == "" and bar.done == 10
