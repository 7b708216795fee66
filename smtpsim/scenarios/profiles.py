"""Network profiles: the built-in ones (``data/profiles.toml``, each figure with its source)
and a scenario's ``[[profile]]``, held to one set of rules.

Both are written in ms and kbit/s (1 kbit/s = 1000 bit/s, WebPageTest's unit); the Case's
seconds and bit/s are computed in ``smtpsim.scenarios.cases``. A ``[[profile]]`` may start
from a built-in ``preset`` and override any of its values; a built-in profile is a complete
path. The rules between keys (a round-trip time or both one-way delays, not both; the delays
adding up to at most 10 s; a radio with a promotion delay needs a tail) are checked in one
place, :func:`_check_path`, for both.

The bottleneck's buffer of each direction is ``up_queue_bytes`` / ``down_queue_bytes``, or a
multiple of the path's bandwidth-delay product (``up_queue_bdp`` / ``down_queue_bdp``);
``queue_bytes`` / ``queue_bdp`` set both directions; a direction's own key wins over the
both-directions one, which wins over the preset's. Every built-in profile has one for each
direction; a ``[[profile]]`` without a preset and without one has an unbounded buffer.
``up_trace`` / ``down_trace`` (``smtpsim.scenarios.traces``) and ``[[profile.outage]]``
belong to a ``[[profile]]`` only, as does the buffers' discipline, ``queue`` / ``up_queue`` /
``down_queue`` (``"droptail"``, the default, or ``"fq_codel"``; with fq_codel the buffer is
its shared limit, and a profile without one has Linux's, 10240 packets or 32 MiB).
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Protocol

from pydantic import ValidationInfo, field_validator, model_validator

from smtpsim.model.network import QUEUES
from smtpsim.scenarios.documents import data_file, parse
from smtpsim.scenarios.errors import MISSING, UnknownNameError
from smtpsim.scenarios.fields import (
    MAX_RTT_MS,
    Flag,
    Kbps,
    Line,
    Ms,
    Name,
    Prob,
    RttMs,
    Spec,
    Text,
    choice,
    fail,
    number,
)
from smtpsim.scenarios.show import number as shown
from smtpsim.scenarios.tcp_fields import Congestion, DelackMs, Iw, Mss, Rmem
from smtpsim.scenarios.traces import TraceError, resolve_trace, shipped_traces

__all__ = [
    "BuiltinProfile", "BurstSpec", "OutageSpec", "ProfileSpec", "builtin_profiles",
    "get_profile", "parse_profiles", "queue_setting",
]

QueueBytes = Annotated[int, number("bytes", ge=1500, le=10_000_000_000, integer=True,
                                   what="at least one 1500-byte packet")]
QueueBdp = Annotated[float, number(gt=0, le=1000, what="times the bandwidth-delay product")]
#: a bottleneck's discipline (``LinkConfig.queue``)
Queue = Annotated[str, choice(QUEUES, "bottleneck disciplines")]
#: the longest run the simulator makes (``smtpsim.simulator.run.TIME_LIMIT_S``), in s
_RUN_S = 48 * 3600.0

#: (key, what it sets) of the buffer keys, the direction's own first
_QUEUE_KEYS = {"up": ("up_queue_bytes", "up_queue_bdp", "queue_bytes", "queue_bdp"),
               "down": ("down_queue_bytes", "down_queue_bdp", "queue_bytes", "queue_bdp")}

class _Path(Protocol):
    """The keys a built-in profile and a ``[[profile]]`` share."""

    @property
    def rtt_ms(self) -> float | None: ...
    @property
    def delay_up_ms(self) -> float | None: ...
    @property
    def delay_down_ms(self) -> float | None: ...
    @property
    def up_kbps(self) -> float | None: ...
    @property
    def down_kbps(self) -> float | None: ...
    @property
    def radio_promotion_ms(self) -> float | None: ...
    @property
    def radio_tail_ms(self) -> float | None: ...
    @property
    def queue_bytes(self) -> int | None: ...
    @property
    def queue_bdp(self) -> float | None: ...
    @property
    def up_queue_bytes(self) -> int | None: ...
    @property
    def up_queue_bdp(self) -> float | None: ...
    @property
    def down_queue_bytes(self) -> int | None: ...
    @property
    def down_queue_bdp(self) -> float | None: ...


def _delays_ms(p: _Path, base: BuiltinProfile | None) -> tuple[float, float]:
    """(up, down) one-way delays in ms: half the round trip, or each delay, ``base``'s where
    ``p`` gives neither."""
    if p.rtt_ms is not None:
        return p.rtt_ms / 2.0, p.rtt_ms / 2.0
    up, down = _delays_ms(base, None) if base is not None else (0.0, 0.0)
    if p.delay_up_ms is not None:
        up = p.delay_up_ms
    if p.delay_down_ms is not None:
        down = p.delay_down_ms
    return up, down


def _radio_ms(p: _Path, base: BuiltinProfile | None) -> tuple[float, float]:
    """(promotion, tail) in ms, ``base``'s where ``p`` gives none; 0 where neither does."""
    promotion, tail = _radio_ms(base, None) if base is not None else (0.0, 0.0)
    if p.radio_promotion_ms is not None:
        promotion = p.radio_promotion_ms
    if p.radio_tail_ms is not None:
        tail = p.radio_tail_ms
    return promotion, tail


def queue_setting(p: _Path, base: BuiltinProfile | None, direction: str
                  ) -> tuple[str, float] | None:
    """The buffer of ``direction`` (``"up"`` or ``"down"``): ``("bytes", n)`` or ``("bdp",
    k)``, from ``p``'s own keys, else ``base``'s; None when neither sets one (unbounded)."""
    own_bytes, own_bdp, both_bytes, both_bdp = _QUEUE_KEYS[direction]
    for key_bytes, key_bdp in ((own_bytes, own_bdp), (both_bytes, both_bdp)):
        if getattr(p, key_bytes) is not None:
            return "bytes", float(getattr(p, key_bytes))
        if getattr(p, key_bdp) is not None:
            return "bdp", float(getattr(p, key_bdp))
    return queue_setting(base, None, direction) if base is not None else None


def _check_path(p: _Path, base: BuiltinProfile | None, required: str) -> None:
    """Raise the first broken rule between the keys of path ``p`` (with its preset ``base``;
    without one, ``required`` says why a key must be there)."""
    split = (p.delay_up_ms, p.delay_down_ms)
    if p.rtt_ms is not None and any(d is not None for d in split):
        key = "delay_up_ms" if p.delay_up_ms is not None else "delay_down_ms"
        raise fail("no one-way delay together with rtt_ms: give rtt_ms, or delay_up_ms"
                   " and delay_down_ms", key=(key,), value=getattr(p, key))
    if base is None:
        if p.rtt_ms is None and all(d is None for d in split):
            raise fail(f"rtt_ms, or delay_up_ms and delay_down_ms ({required})",
                       key=("rtt_ms",), value=MISSING)
        for key in ("delay_up_ms", "delay_down_ms", "up_kbps", "down_kbps"):
            if getattr(p, key) is None and (key[:5] != "delay" or p.rtt_ms is None):
                unit = "ms" if key.endswith("_ms") else "kbit/s"
                raise fail(f"a number ({unit}; {required})", key=(key,), value=MISSING)
    up_ms, down_ms = _delays_ms(p, base)
    if not 0 < up_ms + down_ms <= MAX_RTT_MS:
        raise fail(f"one-way delays adding up to (0, {shown(MAX_RTT_MS)}] ms",
                   key=("delay_up_ms",), value=up_ms)
    promotion_ms, tail_ms = _radio_ms(p, base)
    if promotion_ms > 0 and tail_ms <= 0:
        raise fail("a number > 0 (ms): a radio with a promotion delay needs a tail",
                   key=("radio_tail_ms",), value=tail_ms)
    for key_bytes, key_bdp in (("queue_bytes", "queue_bdp"), ("up_queue_bytes", "up_queue_bdp"),
                               ("down_queue_bytes", "down_queue_bdp")):
        if getattr(p, key_bytes) is not None and getattr(p, key_bdp) is not None:
            raise fail(f"{key_bytes} or {key_bdp} (a buffer in bytes, or a multiple of the"
                       " bandwidth-delay product), not both", key=(key_bdp,),
                       value=getattr(p, key_bdp))


class BuiltinProfile(Spec):
    """One ``[profiles.<name>]`` table of ``data/profiles.toml``: a whole path, ``rtt_ms`` or
    both one-way delays, rates, loss and jitter (each direction), optionally the MSS and a
    cellular radio: ``radio_promotion_ms`` is paid by the first packet after the radio idled
    for ``radio_tail_ms``; 0 for wired links. ``description`` and ``source`` are one line
    each, ``source`` naming where every figure comes from."""

    description: Line
    source: Line
    rtt_ms: RttMs | None = None
    delay_up_ms: Ms | None = None
    delay_down_ms: Ms | None = None
    up_kbps: Kbps
    down_kbps: Kbps
    loss: Prob
    jitter_ms: Ms
    mss: Mss | None = None
    radio_promotion_ms: Ms = 0.0
    radio_tail_ms: Ms = 0.0
    queue_bytes: QueueBytes | None = None
    queue_bdp: QueueBdp | None = None
    up_queue_bytes: QueueBytes | None = None
    up_queue_bdp: QueueBdp | None = None
    down_queue_bytes: QueueBytes | None = None
    down_queue_bdp: QueueBdp | None = None

    @model_validator(mode="after")
    def _complete(self) -> BuiltinProfile:
        _check_path(self, None, "required in a built-in profile")
        for direction in ("up", "down"):
            if queue_setting(self, None, direction) is None:
                raise fail(f"a number (bytes; the {direction}link's buffer, required in a"
                           " built-in profile)", key=(f"{direction}_queue_bytes",),
                           value=MISSING)
        return self

    def delays_ms(self) -> tuple[float, float]:
        """(up, down) one-way delays in ms."""
        return _delays_ms(self, None)

    @property
    def round_trip_ms(self) -> float:
        """The round-trip time in ms: the one-way delays added up."""
        return sum(self.delays_ms())


class _ProfilesFile(Spec):
    profiles: dict[str, BuiltinProfile]


def parse_profiles(text: str, source: str = "profiles.toml") -> dict[str, BuiltinProfile]:
    """Profiles from TOML text in the ``data/profiles.toml`` format (``[profiles.<name>]``);
    a :class:`ScenarioError` names ``source`` and the key of every problem."""
    return parse(text, source, _ProfilesFile).profiles


@functools.cache
def _builtin() -> dict[str, BuiltinProfile]:
    return data_file("profiles.toml", _ProfilesFile).profiles


def builtin_profiles() -> dict[str, BuiltinProfile]:
    """The built-in profiles by name (read once; each call returns a fresh dict)."""
    return dict(_builtin())


def get_profile(name: str) -> BuiltinProfile:
    """The built-in profile ``name`` (case-insensitive); :class:`UnknownNameError` otherwise."""
    profiles = _builtin()
    key = name.strip().lower()
    if key not in profiles:
        raise UnknownNameError("profile", name, profiles)
    return profiles[key]


class BurstSpec(Spec):
    """Gilbert–Elliott bursty loss (per packet): Good -> Bad with ``p_gb``, back with ``p_bg``,
    losing ``loss_good`` / ``loss_bad`` of the packets in each state."""

    p_gb: Annotated[float, number(gt=0, le=1, what="a probability")]
    p_bg: Annotated[float, number(gt=0, le=1, what="a probability")]
    loss_good: Prob = 0.0
    loss_bad: Prob = 1.0


class OutageSpec(Spec):
    """A ``[[profile.outage]]``: no delivery either way from ``at_s`` (seconds from the
    run's start) for ``for_s``."""

    at_s: Annotated[float, number("s from the run's start", ge=0, le=_RUN_S)]
    for_s: Annotated[float, number("s", gt=0, le=_RUN_S)]


_TRACE_ALLOWED = ("a Mahimahi trace file (one whole number of ms per line, non-decreasing,"
                  " the last > 0; a path relative to the scenario file) or a shipped trace: ")


class ProfileSpec(Spec):
    """A ``[[profile]]``: a network path. ``preset`` starts from a built-in profile
    (``smtpsim profiles``); every other key overrides it. Without a preset, ``name``,
    ``up_kbps``, ``down_kbps`` and ``rtt_ms`` (or both ``delay_up_ms`` and
    ``delay_down_ms``) are required.

    ``loss`` (independent, per packet) or ``burst`` (Gilbert–Elliott) and ``jitter_ms`` apply
    to both directions; ``mss``, ``iw`` (segments), ``delack_ms``, ``sack`` (selective
    acknowledgments, RFC 2018; default true, as Linux), ``rack`` (RACK-TLP loss detection
    and tail loss probes, RFC 8985, used with SACK; default true, as Linux) and
    ``congestion`` (``"cubic"``, the default as in Linux, or ``"newreno"``), ``hystart``
    (CUBIC's hybrid slow start, Linux ``tcp_cubic`` ``hystart``; default true, as Linux;
    only with ``congestion = "cubic"``), ``rmem`` (Linux ``net.ipv4.tcp_rmem`` [min,
    default, max], default [4096, 131072, 6291456]) and ``rmem_autotune`` (receive-buffer
    autotuning, Linux ``tcp_moderate_rcvbuf``; default true; false: a fixed window of
    ``rmem``'s max) to both TCP endpoints; ``radio_promotion_ms`` is
    paid before the first packet after the radio idled for ``radio_tail_ms``. The buffers:
    ``queue_bytes``, ``queue_bdp`` and their ``up_`` and ``down_`` forms (see the module
    docstring). ``up_trace`` / ``down_trace``: the direction's capacity over time
    (``smtpsim.scenarios.traces``), in place of its rate; ``outage``: times without
    delivery, not overlapping.
    """

    preset: Annotated[str, choice(builtin_profiles(), "built-in profiles")] | None = None
    name: Name | None = None
    description: Text | None = None
    rtt_ms: RttMs | None = None
    delay_up_ms: Ms | None = None
    delay_down_ms: Ms | None = None
    up_kbps: Kbps | None = None
    down_kbps: Kbps | None = None
    loss: Prob | None = None
    burst: BurstSpec | None = None
    jitter_ms: Ms | None = None
    mss: Mss | None = None
    iw: Iw | None = None
    delack_ms: DelackMs | None = None
    sack: Flag | None = None
    rack: Flag | None = None
    rmem: Rmem | None = None
    rmem_autotune: Flag | None = None
    congestion: Congestion | None = None
    hystart: Flag | None = None
    radio_promotion_ms: Ms | None = None
    radio_tail_ms: Ms | None = None
    queue_bytes: QueueBytes | None = None
    queue_bdp: QueueBdp | None = None
    up_queue_bytes: QueueBytes | None = None
    up_queue_bdp: QueueBdp | None = None
    down_queue_bytes: QueueBytes | None = None
    down_queue_bdp: QueueBdp | None = None
    queue: Queue | None = None
    up_queue: Queue | None = None
    down_queue: Queue | None = None
    up_trace: str | None = None
    down_trace: str | None = None
    outage: list[OutageSpec] | None = None

    @field_validator("up_trace", "down_trace", mode="before")
    @classmethod
    def _trace(cls, value: Any, info: ValidationInfo) -> Any:
        allowed = _TRACE_ALLOWED + ", ".join(shipped_traces())
        if not isinstance(value, str) or not value.strip() or "\n" in value:
            raise fail(allowed)
        base = (info.context or {}).get("base")
        try:
            return resolve_trace(value.strip(), base)
        except TraceError as e:
            raise fail(f"{allowed} ({e})") from None

    @model_validator(mode="after")
    def _complete(self) -> ProfileSpec:
        if self.preset is None and self.name is None:
            raise fail("a name (required for a profile without a preset)", key=("name",),
                       value=MISSING)
        if self.loss is not None and self.burst is not None:
            raise fail("loss (independent) or burst (Gilbert-Elliott), not both",
                       key=("burst",), value=self.burst.model_dump())
        _check_path(self, self.base, "required without a preset")
        if self.hystart is not None and self.value("congestion") == "newreno":
            raise fail('congestion = "cubic" for hystart (HyStart is CUBIC\'s slow start,'
                       ' Linux tcp_cubic; NewReno has none)', key=("hystart",),
                       value=self.hystart)
        outages = sorted(enumerate(self.outage or []), key=lambda io: io[1].at_s)
        for (_, before), (i, after) in zip(outages, outages[1:], strict=False):
            if after.at_s < before.at_s + before.for_s:
                raise fail(f"outages that do not overlap (this one starts before the one at"
                           f" {shown(before.at_s)} s ends)", key=("outage", i, "at_s"),
                           value=after.at_s)
        return self

    @property
    def base(self) -> BuiltinProfile | None:
        """The built-in profile this one starts from, if any."""
        return None if self.preset is None else _builtin()[self.preset]

    @property
    def label(self) -> str:
        """The name in records: ``name``, else the preset's."""
        return self.name if self.name is not None else str(self.preset)

    def discipline(self, direction: str) -> str:
        """The bottleneck discipline of ``direction`` (``"up"`` or ``"down"``): its own key,
        else ``queue``, else drop-tail."""
        own = getattr(self, f"{direction}_queue")
        return own if own is not None else self.queue if self.queue is not None else QUEUES[0]

    def value(self, key: str) -> Any:
        """The value of ``key`` (a field name): this profile's, else its preset's, else
        None."""
        own = getattr(self, key)
        return own if own is not None or self.base is None else getattr(self.base, key, None)

    def delays_ms(self) -> tuple[float, float]:
        """(up, down) one-way delays in ms, the preset's where not overridden."""
        return _delays_ms(self, self.base)

    def radio_ms(self) -> tuple[float, float]:
        """(promotion, tail) in ms; 0 where neither the profile nor its preset gives one."""
        return _radio_ms(self, self.base)
