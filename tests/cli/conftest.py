"""Fixtures of the CLI tests: the fake API in place of the real one, and a guard that nothing
is simulated."""

from __future__ import annotations

import sys
from typing import Any

import pytest

import smtpsim

from .fake_api import FakeApi


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    """The CLI imports ``from smtpsim import api`` inside its commands: the fake takes the
    module's place in ``sys.modules`` and as the package's attribute."""
    fake = FakeApi()
    monkeypatch.setitem(sys.modules, "smtpsim.api", fake)
    monkeypatch.setattr(smtpsim, "api", fake, raising=False)
    return fake


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails the test if anything is simulated (bad input must be refused before)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("simulated despite bad input")

    monkeypatch.setattr("smtpsim.execution.work.run_replications", refuse)
    monkeypatch.setattr("smtpsim.api.run_session", refuse)
