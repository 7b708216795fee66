"""The scenario file, validated into immutable pydantic models.

Sections (TOML), units in the key names as in ``data/profiles.toml``:

* ``[scenario]`` ``name``, ``description``, ``seed`` (base seed), ``replications``,
  ``reference`` (the variant ratios are taken against; default ``baseline`` if there is one,
  else the first variant), ``metric`` (the time the summary table shows, a key of
  ``smtpsim.model.records.METRICS``: ``accept``, ``done`` (the default: accepted, and
  saved to Sent when the variant saves), ``user`` or ``occupancy``; ``smtpsim run
  --metric`` overrides it).
* ``[[profile]]`` a built-in ``preset`` and/or inline values, which override the preset's:
  see :class:`ProfileSpec`.
* ``[[variant]]`` a ``preset``, or a ``name`` with a ``features`` list: :class:`VariantSpec`.
* ``[workload]`` clients, messages and the random quantities: :class:`WorkloadSpec`.
* ``[server]`` timing, workers, idle timeout, farm, data-centre path: :class:`ServerSpec`.
* ``[output]`` where the records go and whether packet traces are kept: :class:`OutputSpec`.
* ``[sweep]`` optional grid axes, ``"server.farm.affinity" = [0, 0.5, 1]``: every
  combination of the listed values is a sweep point (see ``smtpsim.scenarios.sweep``).

Every model forbids unknown keys and is frozen; sequences are tuples.
"""

from __future__ import annotations

from dataclasses import fields as dc_fields
from pathlib import PurePath
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    create_model,
    field_serializer,
    model_validator,
)

from smtpsim.model import METRICS, ServerTiming
from smtpsim.scenarios.dists import Dist, Fixed, check_support
from smtpsim.scenarios.errors import VariantError, did_you_mean
from smtpsim.scenarios.fields import (
    MAX_RTT_MS,
    MISSING,
    Check,
    Flag,
    Kbps,
    Ms,
    Name,
    Prob,
    RttMs,
    Seconds,
    Spec,
    Text,
    choice,
    fail,
    number,
)
from smtpsim.scenarios.profiles import builtin_profiles
from smtpsim.scenarios.variants import PRESETS, TOKENS, parse_variant

__all__ = [
    "BurstSpec",
    "DcPathSpec",
    "FarmSpec",
    "OutputSpec",
    "ProfileSpec",
    "Scenario",
    "ScenarioMeta",
    "ServerSpec",
    "SweepAxis",
    "VariantSpec",
    "WorkloadSpec",
]




DelackMs = Annotated[float, number("ms", gt=0, le=500, what="delayed-ACK timer, RFC 1122")]


class BurstSpec(Spec):
    """Gilbert–Elliott bursty loss (per packet): Good -> Bad with ``p_gb``, back with ``p_bg``,
    losing ``loss_good`` / ``loss_bad`` of the packets in each state."""

    p_gb: Annotated[float, number(gt=0, le=1, what="a probability")]
    p_bg: Annotated[float, number(gt=0, le=1, what="a probability")]
    loss_good: Prob = 0.0
    loss_bad: Prob = 1.0


class ProfileSpec(Spec):
    """A network path. ``preset`` starts from a built-in profile (``smtpsim profiles``); every
    other key overrides it. Without a preset, ``name``, ``up_kbps``, ``down_kbps`` and
    ``rtt_ms`` (or both ``delay_up_ms`` and ``delay_down_ms``) are required.

    ``loss`` (independent, per packet) or ``burst`` (Gilbert–Elliott) and ``jitter_ms`` apply
    to both directions; ``mss``, ``iw`` (segments) and ``delack_ms`` to both TCP endpoints;
    ``radio_promotion_ms`` is paid before the first packet after the radio idled for
    ``radio_tail_ms``.
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
    mss: Annotated[int, number("bytes", ge=64, le=65_495, integer=True)] | None = None
    iw: Annotated[int, number("segments", ge=1, le=1000, integer=True)] | None = None
    delack_ms: DelackMs | None = None
    radio_promotion_ms: Ms | None = None
    radio_tail_ms: Ms | None = None

    @model_validator(mode="after")
    def _complete(self) -> ProfileSpec:
        inline = self.preset is None
        if inline and self.name is None:
            raise fail("a name (required for a profile without a preset)", key=("name",),
                       value=MISSING)
        split = (self.delay_up_ms, self.delay_down_ms)
        if self.rtt_ms is not None and any(d is not None for d in split):
            key = "delay_up_ms" if self.delay_up_ms is not None else "delay_down_ms"
            raise fail("no one-way delay together with rtt_ms: give rtt_ms, or delay_up_ms"
                       " and delay_down_ms", key=(key,), value=getattr(self, key))
        if inline:
            if self.rtt_ms is None and all(d is None for d in split):
                raise fail("rtt_ms, or delay_up_ms and delay_down_ms (required without a"
                           " preset)", key=("rtt_ms",), value=MISSING)
            for key in ("delay_up_ms", "delay_down_ms", "up_kbps", "down_kbps"):
                if getattr(self, key) is None and (key[:5] != "delay" or self.rtt_ms is None):
                    unit = "ms" if key.endswith("_ms") else "kbit/s"
                    raise fail(f"a number ({unit}; required without a preset)", key=(key,),
                               value=MISSING)
        if self.loss is not None and self.burst is not None:
            raise fail("loss (independent) or burst (Gilbert-Elliott), not both",
                       key=("burst",), value=self.burst.model_dump())
        up_ms, down_ms = self.delays_ms()
        if not 0 < up_ms + down_ms <= MAX_RTT_MS:
            raise fail(f"one-way delays adding up to (0, {MAX_RTT_MS:g}] ms",
                       key=("delay_up_ms",), value=up_ms)
        promotion_ms, tail_ms = self.radio_ms()
        if promotion_ms > 0 and tail_ms <= 0:
            raise fail("a number > 0 (ms): a radio with a promotion delay needs a tail",
                       key=("radio_tail_ms",), value=tail_ms)
        return self

    @property
    def label(self) -> str:
        """The name in records: ``name``, else the preset's."""
        return self.name if self.name is not None else str(self.preset)

    def value(self, key: str) -> Any:
        """The value of ``key`` (a field name): this profile's, else its preset's (``*_ms``
        keys converted from the preset's seconds), else None."""
        own = getattr(self, key)
        if own is not None or self.preset is None:
            return own
        base = builtin_profiles()[self.preset]
        if key.endswith("_ms"):
            return getattr(base, key[:-3] + "_s") * 1000.0
        if key.endswith("_kbps"):
            return getattr(base, key[:-5] + "_bps") / 1000.0
        return getattr(base, key, None)

    def delays_ms(self) -> tuple[float, float]:
        """(up, down) one-way delays in ms, the preset's where not overridden."""
        if self.rtt_ms is not None:
            return self.rtt_ms / 2.0, self.rtt_ms / 2.0
        return self.value("delay_up_ms") or 0.0, self.value("delay_down_ms") or 0.0

    def radio_ms(self) -> tuple[float, float]:
        """(promotion, tail) in ms; 0 where neither the profile nor its preset gives one."""
        return self.value("radio_promotion_ms") or 0.0, self.value("radio_tail_ms") or 0.0


_TOKEN_NAMES = tuple(sorted({t.name for t in TOKENS} | set(PRESETS)))


class VariantSpec(Spec):
    """A variant: a ``preset`` (``smtpsim variants``), or a ``name`` with a ``features`` list
    of tokens and presets applied left to right (joined with ``+``). ``name`` renames a
    preset in the records."""

    preset: Annotated[str, choice(PRESETS, "variant presets")] | None = None
    name: Name | None = None
    features: tuple[Annotated[str, choice(_TOKEN_NAMES, "variant tokens and presets")], ...] | (
        None) = None

    @model_validator(mode="after")
    def _complete(self) -> VariantSpec:
        if (self.preset is None) == (self.features is None):
            key = "features" if self.preset is not None else "preset"
            raise fail("a preset, or a name with a features list (not both)", key=(key,),
                       value=self.features if self.preset is not None else MISSING)
        if self.features is not None:
            if not self.features:
                raise fail("a non-empty list of variant tokens", key=("features",), value=[])
            if self.name is None:
                raise fail("a name (required with features)", key=("name",), value=MISSING)
            try:
                parse_variant(self.expression)
            except VariantError as e:
                raise fail(f"tokens that work together; here {e}", key=("features",),
                           value=list(self.features)) from None
        return self

    @property
    def label(self) -> str:
        """The name in records: ``name``, else the preset."""
        return self.name if self.name is not None else str(self.preset)

    @property
    def expression(self) -> str:
        """The variant expression for :func:`~smtpsim.scenarios.variants.parse_variant`."""
        return self.preset if self.preset is not None else "+".join(self.features or ())


class WorkloadSpec(Spec):
    """Who sends what, when. ``clients`` each send ``messages`` messages, ``gap_s`` apart
    (from the end of one to the next send); ``size_bytes`` and ``recipients`` are drawn per
    message. ``state``: ``cold`` (empty client caches) or ``warm`` (what one earlier
    connection left). ``arrival_rate_per_s`` instead makes sessions arrive open-loop (Poisson),
    ``arrival_sessions`` of them, each a new one-message client. ``client_idle_s``: with
    connection reuse, the client closes a kept session after that much idle time."""

    clients: Annotated[int, number(ge=1, le=100_000, integer=True)] = 1
    messages: Annotated[int, number("per client", ge=1, le=100_000, integer=True)] = 1
    gap_s: Dist = Fixed(value=60.0)
    size_bytes: Dist = Fixed(value=10_000)
    recipients: Dist = Fixed(value=1)
    state: Annotated[str, choice(("cold", "warm"), "client caches")] = "cold"
    arrival_rate_per_s: Annotated[float, number("sessions/s", gt=0)] | None = None
    arrival_sessions: Annotated[int, number(ge=1, le=1_000_000, integer=True)] | None = None
    client_idle_s: Seconds | None = None

    @model_validator(mode="after")
    def _consistent(self) -> WorkloadSpec:
        for key, low, high, what in (("size_bytes", 1, None, "bytes"),
                                     ("recipients", 1, 1000, "recipients")):
            try:
                check_support(getattr(self, key), low, high, what, integer=True)
            except Exception as e:  # a fail() error, re-keyed below this field
                ctx = getattr(e, "context", None) or {}
                raise fail(ctx.get("allowed", str(e)), key=(key, *ctx.get("key", ())),
                           value=ctx.get("value", MISSING)) from None
        if (self.arrival_rate_per_s is None) != (self.arrival_sessions is None):
            key = "arrival_sessions" if self.arrival_sessions is None else "arrival_rate_per_s"
            raise fail("arrival_rate_per_s and arrival_sessions together", key=(key,),
                       value=MISSING)
        if self.arrival_rate_per_s is not None:
            for key in ("clients", "messages"):
                if key in self.model_fields_set and getattr(self, key) != 1:
                    raise fail("1 (open-loop arrivals are one-message clients; drop the key)",
                               key=(key,), value=getattr(self, key))
        return self


_TIMING_FIELDS = tuple(f.name for f in dc_fields(ServerTiming))

#: Per-command server processing times in ms (ServerTiming's field names), overriding the
#: ``timing`` preset's: a number, or a distribution drawn per command.
TimingMs = create_model(  # type: ignore[call-overload]
    "TimingMs",
    __base__=Spec,
    **{name: (Dist | None, None) for name in _TIMING_FIELDS},
)


class FarmSpec(Spec):
    """Front-ends behind one address (``smtpsim.simulator.config.FarmConfig``)."""

    frontends: Annotated[int, number(ge=1, le=1000, integer=True)] = 1
    affinity: Prob = 1.0
    shared_tokens: Flag = False
    shared_tfo_key: Flag = False
    shared_ticket_key: Flag = False
    config_changes_s: tuple[Seconds, ...] = ()
    rolling_interval_s: Seconds = 60.0


class DcPathSpec(Spec):
    """The submission servers' path to the IMAP server (BURL fetches); default one data
    centre: 1 ms RTT, 10 Gbit/s each way."""

    rtt_ms: RttMs = 1.0
    up_kbps: Kbps = 10_000_000.0
    down_kbps: Kbps = 10_000_000.0
    loss: Prob = 0.0
    jitter_ms: Ms = 0.0


class ServerSpec(Spec):
    """The submission server side. ``timing``: ``ideal`` (zero processing) or ``typical``,
    with ``timing_ms`` overriding single commands (ms, fixed or a distribution); ``workers``
    per front-end (absent: unlimited; a busy server queues new connections);
    ``idle_timeout_s`` before a worker drops an idle connection (RFC 5321 §4.5.3.2.7:
    5 min); ``burl_pooled``: BURL fetches ride one pooled IMAP connection."""

    timing: Annotated[str, choice(("ideal", "typical"), "server timing presets")] = "typical"
    timing_ms: TimingMs | None = None  # type: ignore[valid-type]
    workers: Annotated[int, number("per front-end", ge=1, le=100_000, integer=True)] | None = (
        None)
    idle_timeout_s: Annotated[float, number("s", gt=0)] = 300.0
    farm: FarmSpec = FarmSpec()
    dc_path: DcPathSpec = DcPathSpec()
    burl_pooled: Flag = True


def _out_path(value: Any) -> Any:
    if not isinstance(value, str) or PurePath(value).suffix.lower() not in (".parquet", ".csv"):
        raise fail("a file name ending in .parquet or .csv")
    return value


class OutputSpec(Spec):
    """``path``: where ``smtpsim run`` writes the records (relative to the current directory;
    ``--out`` overrides it); ``traces``: also keep client 0's packets of every run, written
    beside it as ``<stem>.packets<suffix>``."""

    path: Annotated[str, BeforeValidator(_out_path)] | None = None
    traces: Flag = False


class ScenarioMeta(Spec):
    """``[scenario]``: identity, base seed, replications, the reference variant and the
    summary metric (the time the table shows; ``done`` unless set)."""

    name: Name
    description: Text = ""
    seed: Annotated[int, number(ge=0, le=2**63 - 1, integer=True)] = 0
    replications: Annotated[int, number(ge=1, le=1_000_000, integer=True)] = 1
    reference: Name | None = None
    metric: Annotated[str, choice(METRICS, "summary metrics")] = "done"


_Scalar = int | float | str | bool


def _sweep_path(value: Any) -> Any:
    from smtpsim.scenarios.sweep import sweepable_paths  # sweep imports this module

    paths = sweepable_paths()
    if value not in paths:
        raise fail("a key path of [workload], [server] or [[profile]] (every profile): "
                   + ", ".join(paths), hint=did_you_mean(str(value), paths))
    return value


def _sweep_values(value: Any) -> Any:
    if not isinstance(value, list | tuple) or not value:
        raise fail("a non-empty array of values")
    for i, v in enumerate(value):
        if not isinstance(v, int | float | str):  # bool is an int
            raise fail("a number, a string or true/false", key=(i,), value=v)
    return value


class SweepAxis(Spec):
    """One axis of the sweep grid: a key path and the values it takes."""

    path: Annotated[str, BeforeValidator(_sweep_path)]
    values: Annotated[tuple[_Scalar, ...], BeforeValidator(_sweep_values)]


def _sweep_table(value: Any) -> Any:
    if isinstance(value, tuple | list) and all(isinstance(a, SweepAxis) for a in value):
        return value  # axes built in Python
    if not isinstance(value, dict):
        raise fail('a table of key path = [values], e.g. "server.farm.affinity" = [0, 1]')
    axes = []
    for path, values in value.items():
        if not isinstance(values, list | tuple) or not values:
            raise fail("a non-empty array of values", key=(path,), value=values)
        axes.append({"path": path, "values": tuple(values)})
    return axes


def _tables(section: str) -> BeforeValidator:
    """An array of one or more tables, ``[[section]]``."""
    allowed = f"an array of one or more tables (write [[{section}]])"

    def check(value: Any) -> Any:
        if not isinstance(value, list | tuple) or not value:
            raise fail(allowed)
        return value

    return BeforeValidator(Check(allowed, check))


def _by_label(items: tuple[Any, ...], section: str) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.label in seen:
            raise fail(f"a name not used before (also {section}[{seen[item.label]}])",
                       key=(section, i, "name"), value=item.label)
        seen[item.label] = i


class Scenario(Spec):
    """A whole scenario file (see the module docstring)."""

    scenario: ScenarioMeta
    profile: Annotated[tuple[ProfileSpec, ...], _tables("profile")]
    variant: Annotated[tuple[VariantSpec, ...], _tables("variant")]
    workload: WorkloadSpec = WorkloadSpec()
    server: ServerSpec = ServerSpec()
    output: OutputSpec = OutputSpec()
    sweep: Annotated[tuple[SweepAxis, ...], BeforeValidator(_sweep_table)] = ()

    @model_validator(mode="after")
    def _names(self) -> Scenario:
        _by_label(self.profile, "profile")
        _by_label(self.variant, "variant")
        ref = self.scenario.reference
        labels = [v.label for v in self.variant]
        if ref is not None and ref not in labels:
            raise fail("one of the variants: " + ", ".join(labels), key=("scenario", "reference"),
                       value=ref, hint=did_you_mean(ref, labels))
        return self

    @field_serializer("sweep")
    def _dump_sweep(self, axes: tuple[SweepAxis, ...]) -> dict[str, list[_Scalar]]:
        return {a.path: list(a.values) for a in axes}

    @property
    def reference(self) -> str:
        """The variant ratios are taken against."""
        labels = [v.label for v in self.variant]
        if self.scenario.reference is not None:
            return self.scenario.reference
        return "baseline" if "baseline" in labels else labels[0]
