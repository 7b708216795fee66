"""Built-in network profiles (smtpsim.scenarios.profiles); custom paths are single-case
options (tests/scenarios/test_options.py)."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from smtpsim.model import PathConfig, TcpConfig
from smtpsim.scenarios.errors import InvalidValueError, UnknownNameError
from smtpsim.scenarios.profiles import (
    builtin_profiles,
    get_profile,
    parse_profiles,
)

REQUIRED = [
    "lan", "wifi", "dsl", "cable", "fibre", "gprs", "edge", "3g", "hspa", "lte", "5g",
    "geo-satellite", "leo-satellite", "intercontinental",
]
WIRED = ["lan", "dsl", "cable", "fibre", "intercontinental"]


def raw_toml() -> dict[str, dict]:
    """The shipped TOML read directly, independently of the loader under test."""
    path = resources.files("smtpsim.scenarios").joinpath("data/profiles.toml")
    return tomllib.loads(path.read_text("utf-8"))["profiles"]


@pytest.mark.parametrize("name", REQUIRED)
def test_required_profile_exists(name: str) -> None:
    assert name in builtin_profiles()
    assert get_profile(name).name == name


@pytest.mark.parametrize("name", sorted(builtin_profiles()))
def test_profile_is_well_formed(name: str) -> None:
    p = get_profile(name)
    assert p.source.strip() and p.description.strip()
    assert "\n" not in p.source and "\n" not in p.description
    assert p.rtt_s == p.delay_up_s + p.delay_down_s
    assert 0 < p.rtt_s <= 10.0
    assert p.up_bps > 0 and p.down_bps > 0
    assert 0.0 <= p.loss <= 1.0
    assert p.jitter_s >= 0.0 and p.radio_promotion_s >= 0.0


@pytest.mark.parametrize("name", sorted(raw_toml()))
def test_units_converted_from_toml(name: str) -> None:
    """ms -> s and kbit/s -> bit/s, against values computed here from the raw TOML."""
    raw, p = raw_toml()[name], get_profile(name)
    assert p.up_bps == pytest.approx(raw["up_kbps"] * 1000, rel=1e-12)
    assert p.down_bps == pytest.approx(raw["down_kbps"] * 1000, rel=1e-12)
    if "rtt_ms" in raw:
        assert p.rtt_s == pytest.approx(raw["rtt_ms"] / 1000, rel=1e-12)
        assert p.delay_up_s == p.delay_down_s
    else:
        assert p.delay_up_s == pytest.approx(raw["delay_up_ms"] / 1000, rel=1e-12)
        assert p.delay_down_s == pytest.approx(raw["delay_down_ms"] / 1000, rel=1e-12)
    assert p.loss == raw["loss"]
    assert p.jitter_s == pytest.approx(raw["jitter_ms"] / 1000, rel=1e-12, abs=0)
    assert p.radio_promotion_s == pytest.approx(raw["radio_promotion_ms"] / 1000, abs=0)
    assert p.radio_tail_s == pytest.approx(raw["radio_tail_ms"] / 1000, abs=0)


@pytest.mark.parametrize("name", sorted(builtin_profiles()))
def test_path_round_trips(name: str) -> None:
    p = get_profile(name)
    path = p.path()
    assert isinstance(path, PathConfig)
    assert (path.up.delay_s, path.down.delay_s) == (p.delay_up_s, p.delay_down_s)
    assert (path.up.bandwidth_bps, path.down.bandwidth_bps) == (p.up_bps, p.down_bps)
    assert path.up.loss == path.down.loss == p.loss
    assert path.up.jitter_s == path.down.jitter_s == p.jitter_s
    assert path.up.burst is None and path.down.burst is None
    assert path.rtt_s == p.rtt_s


def test_webpagetest_dsl_exact() -> None:
    """WebPageTest connectivity.ini DSL: 1.5 Mbit/s down, 384 kbit/s up, 50 ms RTT, no loss."""
    p = get_profile("dsl")
    assert p.down_bps == 1_500_000
    assert p.up_bps == 384_000
    assert p.rtt_s == 0.050
    assert p.delay_up_s == p.delay_down_s == 0.025
    assert p.loss == 0.0 and p.jitter_s == 0.0
    assert "WebPageTest" in p.source


@pytest.mark.parametrize(
    ("name", "down_bps", "up_bps", "rtt_s"),
    [
        ("cable", 5_000_000, 1_000_000, 0.028),  # WebPageTest Cable
        ("fibre", 20_000_000, 5_000_000, 0.004),  # WebPageTest FIOS
        ("edge", 240_000, 200_000, 0.840),  # WebPageTest Edge
        ("3g", 1_600_000, 768_000, 0.300),  # WebPageTest 3G
        ("hspa", 1_600_000, 768_000, 0.150),  # WebPageTest 3G Fast
        ("lte", 13_000_000, 6_000_000, 0.070),  # Huang 2012 medians, WebPageTest LTE RTT
        ("geo-satellite", 100_000_000, 10_000_000, 0.600),  # APNIC 2022
    ],
)
def test_anchor_numbers(name: str, down_bps: float, up_bps: float, rtt_s: float) -> None:
    p = get_profile(name)
    assert (p.down_bps, p.up_bps) == (down_bps, up_bps)
    assert p.rtt_s == pytest.approx(rtt_s, rel=1e-12)


def test_radio_promotion() -> None:
    assert get_profile("lte").radio_promotion_s == pytest.approx(0.260)  # Huang 2012
    assert get_profile("3g").radio_promotion_s == pytest.approx(2.0)  # Qian 2010
    for name in WIRED:
        assert get_profile(name).radio_promotion_s == 0.0


def test_radio_tail() -> None:
    assert get_profile("lte").radio_tail_s == pytest.approx(11.576)  # Huang 2012
    assert get_profile("3g").radio_tail_s == pytest.approx(17.0)  # Qian 2010: DCH 5 + FACH 12
    assert get_profile("hspa").radio_tail_s == pytest.approx(17.0)
    for name in WIRED:
        assert get_profile(name).radio_tail_s == 0.0
    for name, p in builtin_profiles().items():
        assert (p.radio_promotion_s > 0) <= (p.radio_tail_s > 0), name
        assert "tail" in p.source or p.radio_promotion_s == 0.0, name


def test_wifi_uses_per_direction_delays() -> None:
    p = get_profile("wifi")
    assert p.delay_up_s == pytest.approx(0.001) and p.delay_down_s == pytest.approx(0.001)


def test_get_profile_is_case_insensitive() -> None:
    assert get_profile(" LTE ") is get_profile("lte")


def test_unknown_profile() -> None:
    with pytest.raises(UnknownNameError) as info:
        get_profile("ltee")
    err = info.value
    assert isinstance(err, ValueError)
    msg = str(err)
    assert "'ltee'" in msg and "did you mean 'lte'" in msg
    for name in REQUIRED:
        assert name in msg
    assert "\n" not in msg


def test_builtin_profiles_returns_a_copy() -> None:
    first = builtin_profiles()
    first.clear()
    assert "lan" in builtin_profiles()


def test_profile_is_frozen() -> None:
    with pytest.raises(AttributeError):
        get_profile("lan").loss = 0.5  # type: ignore[misc]


GOOD_TABLE = """
[profiles.x]
description = "d"
source = "s"
delay_up_ms = 10
delay_down_ms = 30
up_kbps = 64
down_kbps = 128
loss = 0.1
jitter_ms = 1
mss = 1380
"""


def test_parse_profiles_per_direction_and_mss() -> None:
    p = parse_profiles(GOOD_TABLE)["x"]
    assert (p.delay_up_s, p.delay_down_s) == (pytest.approx(0.010), pytest.approx(0.030))
    assert p.rtt_s == pytest.approx(0.040)
    assert p.mss == 1380 and p.radio_promotion_s == 0.0
    assert p.tcp().mss == 1380
    assert p.tcp(TcpConfig(iw=3)).iw == 3
    assert get_profile("lan").tcp() == TcpConfig()


@pytest.mark.parametrize(
    ("edit", "error", "fragment"),
    [
        (("loss = 0.1", "loss = 2"), InvalidValueError, "[profiles.x] loss =: bad value 2"),
        (("mss = 1380", "mss = 0"), InvalidValueError, "mss"),
        (("mss = 1380", "rtt_ms = 5"), ValueError, "give rtt_ms, or both"),
        (("mss = 1380", "rtt = 5"), UnknownNameError, "did you mean 'rtt_ms'"),
        (('source = "s"', 'source = ""'), ValueError, "source must be a non-empty string"),
        (("jitter_ms = 1", ""), ValueError, "missing key 'jitter_ms'"),
        (("delay_up_ms = 10", "delay_up_ms = -20"), InvalidValueError, "delay_up_ms"),
        (("up_kbps = 64", "up_kbps = 0"), InvalidValueError, "up_kbps =: bad value 0"),
        (("mss = 1380", "radio_promotion_ms = 200"), InvalidValueError,
         "[profiles.x] radio_tail_ms =: bad value 0; allowed: a radio with a promotion delay"
         " needs a tail > 0 ms"),
        (("mss = 1380", "radio_tail_ms = -1"), InvalidValueError, "radio_tail_ms =: bad value -1"),
    ],
)
def test_parse_profiles_rejects(edit: tuple[str, str], error: type, fragment: str) -> None:
    text = GOOD_TABLE.replace(*edit)
    with pytest.raises(error) as info:
        parse_profiles(text)
    assert fragment in str(info.value)
