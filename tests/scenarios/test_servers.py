"""Server timing presets (smtpsim.scenarios.servers)."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from smtpsim.model import ServerTiming
from smtpsim.scenarios.errors import UnknownNameError
from smtpsim.scenarios.servers import SERVER_TIMINGS, get_server_timing


def test_names() -> None:
    assert sorted(SERVER_TIMINGS) == ["ideal", "typical"]
    assert all(d.strip() and "\n" not in d for d in SERVER_TIMINGS.values())


def test_ideal_is_all_zero() -> None:
    timing = get_server_timing("ideal")
    assert timing == ServerTiming.ideal()
    assert all(v == 0.0 for v in astuple(timing))


def test_typical() -> None:
    timing = get_server_timing("Typical")
    assert timing == ServerTiming.typical() == ServerTiming()
    assert timing.auth == pytest.approx(0.010) and timing.rcpt == pytest.approx(0.005)


def test_unknown_server_timing() -> None:
    with pytest.raises(UnknownNameError) as info:
        get_server_timing("tipical")
    msg = str(info.value)
    assert isinstance(info.value, ValueError)
    assert "'tipical'" in msg and "did you mean 'typical'" in msg and "ideal" in msg
