"""Server timing presets (smtpsim.scenarios.servers, data/servers.toml)."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from smtpsim.model import ServerTiming
from smtpsim.scenarios.errors import ScenarioError, UnknownNameError
from smtpsim.scenarios.servers import (
    SERVER_TIMINGS,
    TIMING_STEPS,
    get_server_timing,
    parse_servers,
    server_presets,
)


def test_names() -> None:
    assert sorted(SERVER_TIMINGS) == ["aiosmtpd", "dovecot", "exim", "ideal", "postfix",
                                      "typical"]
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


def test_every_step_has_a_time_and_a_source() -> None:
    for name, preset in server_presets().items():
        steps = preset.steps()
        assert list(steps) == list(TIMING_STEPS), name
        for step, value in steps.items():
            assert value.source.strip() and "\n" not in value.source, (name, step)
            # an assumption (no published figures), or measured against the real program
            assert value.source.startswith(("assumption", "measured: ")), (name, step)
            if name in ("ideal", "typical"):
                assert "assumption" in value.source, (name, step)
            for outside in ("protocol.md", "shared/", "DESIGN"):
                assert outside not in value.source, (name, step)


GOOD = "[servers.x]\ndescription = \"d\"\n" + "".join(
    f'{step} = {{ ms = 1, source = "s" }}\n' for step in TIMING_STEPS)


def test_parse_servers() -> None:
    assert parse_servers(GOOD)["x"].timing() == ServerTiming(
        **dict.fromkeys(TIMING_STEPS, 0.001))


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (("rcpt = { ms = 1,", "rcpt = { ms = -1,"),
         "servers.x.rcpt.ms: bad value -1; allowed: a number >= 0 (ms)"),
        (('rcpt = { ms = 1, source = "s" }\n', ""),
         "servers.x.rcpt: missing; required: a table with keys ms, source"),
        (("rcpt = {", "rcp = {"),
         "servers.x.rcpt: missing; required: a table with keys ms, source"),
        (('quit = { ms = 1, source = "s" }', 'quit = { ms = 1, source = "" }'),
         "servers.x.quit.source: bad value ''; allowed: a non-empty one-line string"),
    ],
)
def test_parse_servers_rejects(edit: tuple[str, str], line: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_servers(GOOD.replace(*edit), "s.toml")
    assert f"s.toml: {line}" in info.value.problems
