"""Single-case options (the API's keyword arguments, the CLI's single-case options) become a
scenario and obey its rules; a bad option is named as the CLI spells it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smtpsim.api import build_cases
from smtpsim.model import FarmConfig, TcpConfig
from smtpsim.scenarios.errors import InvalidValueError
from smtpsim.scenarios.loader import loads
from smtpsim.scenarios.options import overridden, scenario


def test_custom_path_values() -> None:
    (case,) = build_cases(rtt_ms=120, up_kbps=256, down_kbps=2048, loss=0.02)
    path = case.network.path
    assert case.network.profile == "custom"
    assert path.rtt_s == pytest.approx(0.120)
    assert path.up.delay_s == path.down.delay_s == pytest.approx(0.060)
    assert (path.up.bandwidth_bps, path.down.bandwidth_bps) == (256_000, 2_048_000)
    assert path.up.loss == path.down.loss == 0.02
    assert path.up.jitter_s == path.down.jitter_s == 0.0
    assert path.up.burst is None
    assert case.client.tcp == TcpConfig()
    assert case.network.radio_promotion_s == case.network.radio_tail_s == 0.0


def test_custom_path_bounds_accepted() -> None:
    build_cases(rtt_ms=10_000, up_kbps=1, down_kbps=1, loss=1.0)
    build_cases(rtt_ms=0.01, up_kbps=1, down_kbps=1, loss=0.0)


def test_custom_path_with_named_profiles_keeps_their_loss() -> None:
    dsl, custom = build_cases("dsl", rtt_ms=50, up_kbps=10, down_kbps=10, loss=0.5)
    assert dsl.network.path.up.loss == 0.0 and custom.network.path.up.loss == 0.5
    (lossy,) = build_cases("3g", loss=0.25)
    assert lossy.network.path.up.loss == lossy.network.path.down.loss == 0.25
    (default,) = build_cases(loss=0.25)  # the default profile takes it too
    assert default.network.profile == "dsl" and default.network.path.up.loss == 0.25


def test_loss_message() -> None:
    with pytest.raises(InvalidValueError) as info:
        build_cases(rtt_ms=50, up_kbps=1000, down_kbps=1000, loss=1.5)
    assert str(info.value) == "--loss: bad value 1.5; allowed: a number in [0, 1] (a probability)"
    assert isinstance(info.value, ValueError)
    assert (info.value.param, info.value.value) == ("loss", 1.5)


@pytest.mark.parametrize(
    ("kwargs", "param", "fragment"),
    [
        ({"rtt_ms": 0}, "rtt_ms", "--rtt-ms: bad value 0;"),
        ({"rtt_ms": -5}, "rtt_ms", "--rtt-ms: bad value -5"),
        ({"rtt_ms": 10_001}, "rtt_ms",
         "--rtt-ms: bad value 10001; allowed: a number in (0, 10000] (ms)"),
        ({"up_kbps": 0}, "up_kbps", "--up-kbps: bad value 0; allowed: a number > 0 (kbit/s)"),
        ({"down_kbps": -1}, "down_kbps", "--down-kbps: bad value -1"),
        ({"loss": -0.1}, "loss", "--loss: bad value -0.1"),
        ({"loss": math.nan}, "loss", "--loss: bad value nan"),
        ({"up_kbps": math.inf}, "up_kbps", "--up-kbps: bad value inf"),
    ],
)
def test_custom_path_rejects(kwargs: dict, param: str, fragment: str) -> None:
    args = {"rtt_ms": 50.0, "up_kbps": 100.0, "down_kbps": 100.0} | kwargs
    with pytest.raises(InvalidValueError) as info:
        build_cases(**args)
    assert info.value.param == param
    assert fragment in str(info.value)
    assert "; allowed: " in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rtt_ms": 50}, "--up-kbps: missing; required: --rtt-ms, --up-kbps and --down-kbps"
         " together (a custom path)"),
        ({"profile": "ltee"}, "--profile: bad value 'ltee' (did you mean 'lte'?); allowed: one of"
         " lan, wifi, dsl,"),
        ({"profile": ["dsl", "LTEE"]}, "--profile: bad value 'LTEE'"),
        ({"variant": "baseline+quic"}, "--variant: bad value 'quic'; allowed: one of"),
        ({"variant": "helo+pipelining"}, "--variant: bad value 'helo+pipelining'; allowed:"
         " tokens that work together; here variant 'helo+pipelining': 'helo' conflicts with"
         " 'pipelining'"),
        ({"size": -1}, "--size: bad value -1; allowed: a number >= 0"),
        ({"size": 0}, "--size: bad value 0; allowed: a whole number >= 1 (bytes)"),
        ({"size": 10.5}, "--size: bad value 10.5; allowed: a whole number >= 1 (bytes)"),
        ({"recipients": 0}, "--recipients: bad value 0; allowed: a whole number in [1, 1000]"),
        ({"iw": 0}, "--iw: bad value 0; allowed: a whole number in [1, 1000] (segments)"),
        ({"delack_ms": 0}, "--delack-ms: bad value 0; allowed: a number in (0, 500] (ms,"
         " delayed-ACK timer, RFC 1122)"),
        ({"server": "Fast"}, "--server: bad value 'Fast'; allowed: one of ideal, typical"),
        ({"state": "hot"}, "--state: bad value 'hot'; allowed: one of cold, warm"),
        ({"messages": 0}, "--messages: bad value 0; allowed: a whole number in [1, 100000]"),
        ({"gap_s": -1}, "--gap-s: bad value -1; allowed: a number >= 0"),
        ({"farm": FarmConfig(affinity=1.5)}, "farm.affinity: bad value 1.5; allowed: a number"
         " in [0, 1] (a probability)"),
        ({"farm": FarmConfig(frontends=0)}, "farm.frontends: bad value 0; allowed: a whole"
         " number in [1, 1000]"),
    ],
)
def test_bad_option_is_named_with_its_value_and_what_is_allowed(
    kwargs: dict, message: str
) -> None:
    with pytest.raises(InvalidValueError) as info:
        build_cases(**kwargs)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_seed_and_replications_obey_the_files_rules() -> None:
    with pytest.raises(InvalidValueError, match=r"^--seed: bad value -1; allowed: a whole"):
        scenario(seed=-1)
    with pytest.raises(InvalidValueError, match=r"^--replications: bad value 0; allowed:"):
        scenario(replications=0)
    file = loads('[scenario]\nname = "t"\n[[profile]]\npreset = "dsl"\n'
                 '[[variant]]\npreset = "baseline"\n')
    assert overridden(file) is file
    assert overridden(file, replications=3, seed=9).scenario.replications == 3
    with pytest.raises(InvalidValueError, match=r"^--replications: bad value 1.5"):
        overridden(file, replications=1.5)  # type: ignore[arg-type]


def test_names_are_canonical() -> None:
    (case,) = build_cases(" LTE ", variant=" Baseline + TLS1.3 ", server="Ideal")
    assert case.network.profile == "lte"
    assert case.client.variant == "baseline+tls1.3"
    assert case.server.name == "ideal"


@given(
    rtt_ms=st.floats(min_value=0.001, max_value=10_000),
    up_kbps=st.floats(min_value=0.001, max_value=1e7),
    down_kbps=st.floats(min_value=0.001, max_value=1e7),
    loss=st.floats(min_value=0.0, max_value=1.0),
)
def test_custom_path_round_trip(
    rtt_ms: float, up_kbps: float, down_kbps: float, loss: float
) -> None:
    (case,) = build_cases(rtt_ms=rtt_ms, up_kbps=up_kbps, down_kbps=down_kbps, loss=loss)
    path = case.network.path
    assert path.rtt_s == pytest.approx(rtt_ms / 1000, rel=1e-12)
    assert path.up.delay_s == path.down.delay_s
    assert path.up.bandwidth_bps == pytest.approx(up_kbps * 1000, rel=1e-12)
    assert path.down.bandwidth_bps == pytest.approx(down_kbps * 1000, rel=1e-12)
    assert path.up.loss == path.down.loss == loss
