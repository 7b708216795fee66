"""Network profiles: named paths with the source of every figure.

The built-in profiles live in ``data/profiles.toml`` (figures from
``shared/reference/protocol.md`` §4, each with its anchor: WebPageTest ``connectivity.ini``,
Lighthouse/DevTools, Loadero, Huang et al. MobiSys 2012, APNIC blog posts, physics).
Units there are ms and kbit/s (1 kbit/s = 1000 bit/s, WebPageTest's unit); a :class:`Profile`
holds seconds and bit/s, the units of :class:`~smtpsim.simulator.config.PathConfig`.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from smtpsim.model import LinkConfig, PathConfig, TcpConfig
from smtpsim.scenarios.errors import InvalidValueError, UnknownNameError
from smtpsim.scenarios.fields import MAX_RTT_MS

__all__ = [
    "MAX_RTT_MS",
    "Profile",
    "builtin_profiles",
    "get_profile",
    "parse_profiles",
]


_REQUIRED = ("description", "source", "up_kbps", "down_kbps", "loss", "jitter_ms")
_OPTIONAL = (
    "rtt_ms", "delay_up_ms", "delay_down_ms", "mss", "radio_promotion_ms", "radio_tail_ms"
)


@dataclass(frozen=True, slots=True)
class Profile:
    """A network path between a client and the submission server.

    ``rtt_s`` is derived: ``delay_up_s + delay_down_s``. ``loss`` (independent, per packet)
    and ``jitter_s`` (mean extra delay per packet) apply to each direction. ``mss`` is
    ``None`` for TcpConfig's default. ``radio_promotion_s`` is the cellular idle -> connected
    delay paid before the first packet after an idle period (LTE 260 ms, Huang et al.
    MobiSys 2012; 3G 2 s, Qian et al. IMC 2010; 0 for wired links) and ``radio_tail_s`` how
    long the radio stays connected after the last packet (LTE 11.576 s, Huang et al.; 3G
    DCH 5 s + FACH 12 s = 17 s, Qian et al.; 0 for wired links).
    """

    name: str
    rtt_s: float = field(init=False)
    delay_up_s: float
    delay_down_s: float
    up_bps: float
    down_bps: float
    loss: float
    jitter_s: float
    mss: int | None
    radio_promotion_s: float
    description: str
    source: str
    radio_tail_s: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "rtt_s", self.delay_up_s + self.delay_down_s)

    def path(self) -> PathConfig:
        """The simulator's path: the profile's loss and jitter on both directions."""
        return PathConfig(
            LinkConfig(self.delay_up_s, self.up_bps, self.jitter_s, self.loss),
            LinkConfig(self.delay_down_s, self.down_bps, self.jitter_s, self.loss),
        )

    def tcp(self, base: TcpConfig | None = None) -> TcpConfig:
        """``base`` (default ``TcpConfig()``) with this profile's MSS, if it sets one."""
        base = base if base is not None else TcpConfig()
        return base if self.mss is None else replace(base, mss=self.mss)


def _number(param: str, value: Any, label: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidValueError(param, value, f"{param} must be a finite number", label)
    return float(value)


def _check_rtt(rtt_ms: float, label: str, param: str = "rtt_ms") -> None:
    if not 0.0 < rtt_ms <= MAX_RTT_MS:
        allowed = f"rtt must be > 0 ms and at most {MAX_RTT_MS:g} ms (10 s)"
        raise InvalidValueError(param, rtt_ms, allowed, label)


def _check_rate(param: str, kbps: float, label: str) -> None:
    if not kbps > 0.0:
        raise InvalidValueError(param, kbps, "bandwidth must be > 0 kbit/s", label)


def _check_loss(loss: float, label: str) -> None:
    if not 0.0 <= loss <= 1.0:
        raise InvalidValueError("loss", loss, "loss must be a probability in [0, 1]", label)


def _check_nonnegative(param: str, value: float, label: str, what: str) -> None:
    if not value >= 0.0:
        raise InvalidValueError(param, value, f"{what} must be >= 0 ms", label)


def _profile_from_table(name: str, table: Mapping[str, Any], where: str) -> Profile:
    """One ``[profiles.<name>]`` table -> Profile, validating every key (ms, kbit/s in)."""
    unknown = sorted(set(table) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise UnknownNameError(f"key in {where}", unknown[0], _REQUIRED + _OPTIONAL)
    missing = [k for k in _REQUIRED if k not in table]
    if missing:
        raise ValueError(f"{where}: missing key {missing[0]!r}")
    for key in ("description", "source"):
        if not isinstance(table[key], str) or not table[key].strip():
            raise ValueError(f"{where}: {key} must be a non-empty string")

    def num(key: str, default: float | None = None) -> float:
        return _number(key, table.get(key, default), f"{where} {key} =")

    has_rtt = "rtt_ms" in table
    has_split = "delay_up_ms" in table or "delay_down_ms" in table
    if has_rtt == has_split:
        raise ValueError(f"{where}: give rtt_ms, or both delay_up_ms and delay_down_ms")
    if has_rtt:
        _check_rtt(num("rtt_ms"), f"{where} rtt_ms =")
        up_ms = down_ms = num("rtt_ms") / 2.0
    else:
        up_ms, down_ms = num("delay_up_ms"), num("delay_down_ms")
        for key, value in (("delay_up_ms", up_ms), ("delay_down_ms", down_ms)):
            _check_nonnegative(key, value, f"{where} {key} =", "one-way delay")
        _check_rtt(up_ms + down_ms, f"{where} delay_up_ms + delay_down_ms =", "rtt_ms")
    for key in ("up_kbps", "down_kbps"):
        _check_rate(key, num(key), f"{where} {key} =")
    _check_loss(num("loss"), f"{where} loss =")
    _check_nonnegative("jitter_ms", num("jitter_ms"), f"{where} jitter_ms =", "jitter")
    promotion_ms = num("radio_promotion_ms", 0.0)
    _check_nonnegative("radio_promotion_ms", promotion_ms, f"{where} radio_promotion_ms =",
                       "radio promotion delay")
    tail_ms = num("radio_tail_ms", 0.0)
    _check_nonnegative("radio_tail_ms", tail_ms, f"{where} radio_tail_ms =", "radio tail")
    if promotion_ms > 0.0 and tail_ms <= 0.0:
        raise InvalidValueError(
            "radio_tail_ms", tail_ms,
            "a radio with a promotion delay needs a tail > 0 ms (the idle time before it"
            " sleeps)", f"{where} radio_tail_ms =",
        )
    mss = table.get("mss")
    if mss is not None and (isinstance(mss, bool) or not isinstance(mss, int) or mss <= 0):
        raise InvalidValueError("mss", mss, "mss must be a positive integer (bytes)",
                                f"{where} mss =")
    return Profile(
        name=name,
        delay_up_s=up_ms / 1000.0,
        delay_down_s=down_ms / 1000.0,
        up_bps=num("up_kbps") * 1000.0,
        down_bps=num("down_kbps") * 1000.0,
        loss=num("loss"),
        jitter_s=num("jitter_ms") / 1000.0,
        mss=mss,
        radio_promotion_s=promotion_ms / 1000.0,
        description=table["description"].strip(),
        source=table["source"].strip(),
        radio_tail_s=tail_ms / 1000.0,
    )


def parse_profiles(text: str, filename: str = "profiles.toml") -> dict[str, Profile]:
    """Profiles from TOML text in the ``data/profiles.toml`` format (``[profiles.<name>]``)."""
    doc = tomllib.loads(text)
    extra = sorted(set(doc) - {"profiles"})
    if extra:
        raise UnknownNameError(f"top-level table in {filename}", extra[0], ["profiles"])
    tables = doc.get("profiles", {})
    return {
        name: _profile_from_table(name, table, f"{filename} [profiles.{name}]")
        for name, table in tables.items()
    }


@functools.cache
def _builtin() -> dict[str, Profile]:
    text = resources.files("smtpsim.scenarios").joinpath("data/profiles.toml").read_text("utf-8")
    return parse_profiles(text)


def builtin_profiles() -> dict[str, Profile]:
    """The built-in profiles by name (parsed once; each call returns a fresh dict)."""
    return dict(_builtin())


def get_profile(name: str) -> Profile:
    """The built-in profile ``name`` (case-insensitive); :class:`UnknownNameError` otherwise."""
    profiles = _builtin()
    key = name.strip().lower()
    if key not in profiles:
        raise UnknownNameError("profile", name, profiles)
    return profiles[key]
