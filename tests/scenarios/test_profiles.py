"""Built-in network profiles (smtpsim.scenarios.profiles): the shipped data, its units as they
reach a Case, and the data file held to the scenario schema's rules. Custom paths are
single-case options (tests/scenarios/test_options.py)."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest
from pydantic import ValidationError

from smtpsim.model import Case, PathConfig, TcpConfig
from smtpsim.scenarios.cases import build_cases
from smtpsim.scenarios.errors import ScenarioError, UnknownNameError
from smtpsim.scenarios.loader import loads
from smtpsim.scenarios.profiles import builtin_profiles, get_profile, parse_profiles

REQUIRED = [
    "lan", "wifi", "dsl", "cable", "fibre", "gprs", "edge", "3g", "hspa", "lte", "5g",
    "geo-satellite", "leo-satellite", "intercontinental",
]
WIRED = ["lan", "dsl", "cable", "fibre", "intercontinental"]


def raw_toml() -> dict[str, dict]:
    """The shipped TOML read directly, independently of the loader under test."""
    path = resources.files("smtpsim.scenarios").joinpath("data/profiles.toml")
    return tomllib.loads(path.read_text("utf-8"))["profiles"]


def case_of(name: str) -> Case:
    """The Case of a scenario with built-in profile ``name`` as its only ``[[profile]]``."""
    (case,) = build_cases(loads(f'[scenario]\nname = "t"\n[[profile]]\npreset = "{name}"\n'
                                '[[variant]]\npreset = "baseline"\n'))
    return case


@pytest.mark.parametrize("name", REQUIRED)
def test_required_profile_exists(name: str) -> None:
    assert name in builtin_profiles()
    assert get_profile(name) is builtin_profiles()[name]


@pytest.mark.parametrize("name", sorted(builtin_profiles()))
def test_profile_is_well_formed(name: str) -> None:
    p = get_profile(name)
    assert p.source.strip() and p.description.strip()
    assert "\n" not in p.source and "\n" not in p.description
    assert p.round_trip_ms == sum(p.delays_ms())
    assert 0 < p.round_trip_ms <= 10_000.0
    assert p.up_kbps > 0 and p.down_kbps > 0
    assert 0.0 <= p.loss <= 1.0
    assert p.jitter_ms >= 0.0 and p.radio_promotion_ms >= 0.0


@pytest.mark.parametrize("name", sorted(raw_toml()))
def test_units_converted_from_toml(name: str) -> None:
    """ms -> s and kbit/s -> bit/s on the way to a Case, against values computed here from
    the raw TOML."""
    raw, case = raw_toml()[name], case_of(name)
    path = case.network.path
    assert path.up.bandwidth_bps == pytest.approx(raw["up_kbps"] * 1000, rel=1e-12)
    assert path.down.bandwidth_bps == pytest.approx(raw["down_kbps"] * 1000, rel=1e-12)
    if "rtt_ms" in raw:
        assert path.rtt_s == pytest.approx(raw["rtt_ms"] / 1000, rel=1e-12)
        assert path.up.delay_s == path.down.delay_s
    else:
        assert path.up.delay_s == pytest.approx(raw["delay_up_ms"] / 1000, rel=1e-12)
        assert path.down.delay_s == pytest.approx(raw["delay_down_ms"] / 1000, rel=1e-12)
    assert path.up.loss == raw["loss"]
    assert path.up.jitter_s == pytest.approx(raw["jitter_ms"] / 1000, rel=1e-12, abs=0)
    net = case.network
    assert net.radio_promotion_s == pytest.approx(raw["radio_promotion_ms"] / 1000, abs=0)
    assert net.radio_tail_s == pytest.approx(raw["radio_tail_ms"] / 1000, abs=0)


@pytest.mark.parametrize("name", sorted(builtin_profiles()))
def test_path_is_the_same_both_ways(name: str) -> None:
    path = case_of(name).network.path
    assert isinstance(path, PathConfig)
    assert path.up.loss == path.down.loss == get_profile(name).loss
    assert path.up.jitter_s == path.down.jitter_s
    assert path.up.burst is None and path.down.burst is None
    assert path.rtt_s == pytest.approx(get_profile(name).round_trip_ms / 1000, rel=1e-12)


def test_webpagetest_dsl_exact() -> None:
    """WebPageTest connectivity.ini DSL: 1.5 Mbit/s down, 384 kbit/s up, 50 ms RTT, no loss."""
    path = case_of("dsl").network.path
    assert path.down.bandwidth_bps == 1_500_000
    assert path.up.bandwidth_bps == 384_000
    assert path.rtt_s == 0.050
    assert path.up.delay_s == path.down.delay_s == 0.025
    assert path.up.loss == 0.0 and path.up.jitter_s == 0.0
    assert "WebPageTest" in get_profile("dsl").source


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
    path = case_of(name).network.path
    assert (path.down.bandwidth_bps, path.up.bandwidth_bps) == (down_bps, up_bps)
    assert path.rtt_s == pytest.approx(rtt_s, rel=1e-12)


def test_radio_promotion() -> None:
    assert case_of("lte").network.radio_promotion_s == pytest.approx(0.260)  # ARO lte.conf
    assert case_of("3g").network.radio_promotion_s == pytest.approx(2.0)  # ARO create3G
    for name in WIRED:
        assert case_of(name).network.radio_promotion_s == 0.0


def test_radio_tail() -> None:
    """The tail is the idle time after which the next packet pays the promotion again.
    LTE: AT&T's ARO ``lte.conf`` (carrier AT&T) keeps the radio in continuous reception for
    ``INACTIVITY_TIMER=0.1`` s, then short DRX for ``T_SHORT_DRX=0.02`` s, then long DRX for
    ``T_LONG_DRX=10`` s before idle: 0.1 + 0.02 + 10 = 10.12 s (5G assumed the same). UMTS:
    ARO's ``create3G`` defaults ``DCH_FACH_TIMER`` 5 s + ``FACH_IDLE_TIMER`` 12 s = 17 s."""
    assert case_of("lte").network.radio_tail_s == pytest.approx(10.12)
    assert case_of("5g").network.radio_tail_s == pytest.approx(10.12)
    assert case_of("3g").network.radio_tail_s == pytest.approx(17.0)
    assert case_of("hspa").network.radio_tail_s == pytest.approx(17.0)
    for name in WIRED:
        assert case_of(name).network.radio_tail_s == 0.0
    for name, p in builtin_profiles().items():
        assert (p.radio_promotion_ms > 0) <= (p.radio_tail_ms > 0), name
        assert "tail" in p.source or p.radio_promotion_ms == 0.0, name


def test_wifi_uses_per_direction_delays() -> None:
    path = case_of("wifi").network.path
    assert path.up.delay_s == pytest.approx(0.001) and path.down.delay_s == pytest.approx(0.001)
    assert get_profile("wifi").rtt_ms is None


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
    with pytest.raises(ValidationError):
        get_profile("lan").loss = 0.5  # type: ignore[misc]


def test_sources_name_no_file_outside_the_repository() -> None:
    for name, p in builtin_profiles().items():
        for outside in ("protocol.md", "shared/", "DESIGN"):
            assert outside not in p.source + p.description, name


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
up_queue_bytes = 65536
down_queue_bdp = 2
"""


def test_parse_profiles_per_direction_and_mss() -> None:
    p = parse_profiles(GOOD_TABLE)["x"]
    assert p.delays_ms() == (10.0, 30.0)
    assert p.round_trip_ms == 40.0
    assert p.mss == 1380 and p.radio_promotion_ms == 0.0
    assert case_of("lan").client.tcp == TcpConfig()


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (("loss = 0.1", "loss = 2"),
         "profiles.x.loss: bad value 2; allowed: a number in [0, 1] (a probability)"),
        (("mss = 1380", "mss = 0"),
         "profiles.x.mss: bad value 0; allowed: a whole number in [64, 65495] (bytes)"),
        (("mss = 1380", "rtt_ms = 5"),
         "profiles.x.delay_up_ms: bad value 10; allowed: no one-way delay together with"
         " rtt_ms: give rtt_ms, or delay_up_ms and delay_down_ms"),
        (("mss = 1380", "rtt = 5"),
         "profiles.x.rtt: unknown key (did you mean 'rtt_ms'?); allowed: description, source,"
         " rtt_ms, delay_up_ms, delay_down_ms, up_kbps, down_kbps, loss, jitter_ms, mss,"
         " radio_promotion_ms, radio_tail_ms, queue_bytes, queue_bdp, up_queue_bytes,"
         " up_queue_bdp, down_queue_bytes, down_queue_bdp"),
        (("up_queue_bytes = 65536", ""),
         "profiles.x.up_queue_bytes: missing; required: a number (bytes; the uplink's buffer,"
         " required in a built-in profile)"),
        (('source = "s"', 'source = ""'),
         "profiles.x.source: bad value ''; allowed: a non-empty one-line string"),
        (("jitter_ms = 1", ""), "profiles.x.jitter_ms: missing; required: a number >= 0 (ms)"),
        (("delay_down_ms = 30", ""), "profiles.x.delay_down_ms: missing; required: a number"
         " (ms; required in a built-in profile)"),
        (("delay_up_ms = 10", "delay_up_ms = -20"),
         "profiles.x.delay_up_ms: bad value -20; allowed: a number >= 0 (ms)"),
        (("up_kbps = 64", "up_kbps = 0"),
         "profiles.x.up_kbps: bad value 0; allowed: a number > 0 (kbit/s)"),
        (("mss = 1380", "radio_promotion_ms = 200"),
         "profiles.x.radio_tail_ms: bad value 0; allowed: a number > 0 (ms): a radio with a"
         " promotion delay needs a tail"),
        (("mss = 1380", "radio_tail_ms = -1"),
         "profiles.x.radio_tail_ms: bad value -1; allowed: a number >= 0 (ms)"),
    ],
)
def test_parse_profiles_rejects(edit: tuple[str, str], line: str) -> None:
    """The data file's problems read as a scenario file's: one line each, naming the file,
    the key, the bad value and what is allowed."""
    with pytest.raises(ScenarioError) as info:
        parse_profiles(GOOD_TABLE.replace(*edit), "my-profiles.toml")
    assert info.value.problems == (f"my-profiles.toml: {line}",)


def test_parse_profiles_wrong_table() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_profiles(GOOD_TABLE.replace("[profiles.x]", "[profile.x]"), "p.toml")
    assert info.value.problems == (
        "p.toml: profiles: missing; required: a table of named tables ([profiles.<name>])",
        "p.toml: profile: unknown key (did you mean 'profiles'?); allowed: profiles",
    )
