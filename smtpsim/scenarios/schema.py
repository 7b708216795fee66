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
* ``[sweep]`` optional axes, ``"server.farm.affinity" = [0, 0.5, 1]``: by default (``design
  = "grid"``) every combination of the listed values is a sweep point; ``design = "random"``
  or ``"lhs"`` draws ``samples`` points, an axis from its values or from a range
  ``{min = 0, max = 1, scale = "linear" | "log"}`` (:class:`Sweep`, ``smtpsim.scenarios.sweep``).

Choices (a name from a fixed list) are case-insensitive (``smtpsim.scenarios.fields.choice``);
the limits of ``smtpsim.scenarios.limits`` (message size, sessions per run and per study,
sweep points) are checked here, so a file, an option and the API meet the same ones.

Every model forbids unknown keys and is frozen; sequences are tuples.
"""

from __future__ import annotations

import functools
import math
import typing
from pathlib import PurePath
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    create_model,
    field_serializer,
    model_validator,
)

from smtpsim.model import METRICS
from smtpsim.scenarios.dists import Dist, Fixed, check_support
from smtpsim.scenarios.errors import VariantError, did_you_mean
from smtpsim.scenarios.fields import (
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
    allowed_text,
    choice,
    fail,
    number,
)
from smtpsim.scenarios.limits import (
    MAX_LHS_SAMPLES,
    MAX_MESSAGE_BYTES,
    MAX_POINTS,
    MAX_SEED,
    MAX_SESSIONS,
    MAX_SESSIONS_PER_RUN,
)
from smtpsim.scenarios.problems import SWEEP_KEYS
from smtpsim.scenarios.profiles import BurstSpec, ProfileSpec
from smtpsim.scenarios.servers import SERVER_TIMINGS, TIMING_STEPS
from smtpsim.scenarios.show import number as num
from smtpsim.scenarios.software import CLIENT_SOFTWARE, SERVER_SOFTWARE, software_refusals
from smtpsim.scenarios.variants import PRESETS, TOKENS, parse_variant

__all__ = [
    "BurstSpec",
    "ClientSpec",
    "DcPathSpec",
    "FarmSpec",
    "OutputSpec",
    "ProfileSpec",
    "Scenario",
    "ScenarioMeta",
    "ServerSpec",
    "AxisRange",
    "DESIGNS",
    "Sweep",
    "SweepAxis",
    "VariantSpec",
    "WorkloadSpec",
    "path_kinds",
    "size_problem",
    "study_size",
    "sweepable_paths",
]




_TOKEN_NAMES = tuple(sorted({t.name for t in TOKENS} | set(PRESETS)))


class VariantSpec(Spec):
    """A variant: a ``preset`` (``smtpsim variants``), or a ``name`` with a ``features`` list,
    an expression written as a list: the first may be a preset, the later ones are tokens,
    applied left to right (joined with ``+``). ``name`` renames a preset in the records."""

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


def _largest(d: Dist) -> tuple[tuple[str | int, ...], float]:
    """The largest value a distribution is written to take, and its key: a fixed value, a
    uniform's ``high``, an empirical's last quantile, an exponential's ``mean``, a
    lognormal's ``median`` (their tails are unbounded)."""
    if isinstance(d, Fixed):
        return ("value",), d.value
    for key in ("high", "mean", "median"):
        if hasattr(d, key):
            return (key,), float(getattr(d, key))
    quantiles = getattr(d, "quantiles", ())
    return ("quantiles", len(quantiles) - 1, 1), float(quantiles[-1][1]) if quantiles else 0.0


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
    state: Annotated[str, choice(("cold", "warm"), "client caches")] = "warm"
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
        where, size = _largest(self.size_bytes)
        if size > MAX_MESSAGE_BYTES:
            raise fail(f"a size <= {MAX_MESSAGE_BYTES} bytes (100 MB, twice Exim's default "
                       "message_size_limit; a lognormal's median and an exponential's mean "
                       "too): larger messages do not finish simulating",
                       key=("size_bytes", *where), value=size)
        if self.clients * self.messages > MAX_SESSIONS_PER_RUN:
            raise fail(f"clients x messages <= {MAX_SESSIONS_PER_RUN} (sessions in one run, "
                       f"here {self.clients} x {self.messages})", key=("messages",),
                       value=self.messages)
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


#: Per-command server processing times in ms (ServerTiming's field names), overriding the
#: ``timing`` preset's: a number, or a distribution drawn per command.
TimingMs = create_model(  # type: ignore[call-overload]
    "TimingMs",
    __base__=Spec,
    **{name: (Dist | None, None) for name in TIMING_STEPS},
)


class FarmSpec(Spec):
    """Front-ends behind one address (``smtpsim.model.FarmConfig``)."""

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
    """The submission server side. ``timing``: a preset of ``data/servers.toml``, ``ideal``
    (zero processing) or ``typical``, with ``timing_ms`` overriding single commands (ms,
    fixed or a distribution); ``workers`` per front-end (absent: unlimited; a busy server
    queues new connections); ``idle_timeout_s`` before a worker drops an idle connection
    (RFC 5321 §4.5.3.2.7: 5 min); ``burl_pooled``: BURL fetches ride one pooled IMAP
    connection. ``software``: the server program it behaves as (``data/software.toml``:
    reply writing, Nagle, TLS tickets and flight, and its measured timing preset unless
    ``timing`` is given)."""

    @model_validator(mode="before")
    @classmethod
    def _software_timing(cls, data: Any) -> Any:
        if isinstance(data, dict) and "timing" not in data and isinstance(
                data.get("software"), str):
            name = data["software"].strip().lower()
            if name in SERVER_SOFTWARE:
                data = {**data, "timing": SERVER_SOFTWARE[name].timing}
        return data

    timing: Annotated[str, choice(SERVER_TIMINGS, "server timing presets")] = "typical"
    software: Annotated[str, choice(SERVER_SOFTWARE, "server programs")] | None = None
    timing_ms: TimingMs | None = None  # type: ignore[valid-type]
    workers: Annotated[int, number("per front-end", ge=1, le=100_000, integer=True)] | None = (
        None)
    idle_timeout_s: Annotated[float, number("s", gt=0)] = 300.0
    farm: FarmSpec = FarmSpec()
    dc_path: DcPathSpec = DcPathSpec()
    burl_pooled: Flag = True


def _out_path(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip() or (
        PurePath(value).suffix.lower() not in ("", ".parquet", ".csv")
        and not value.endswith("/")
    ):
        raise fail("a file name ending in .parquet or .csv, or a directory name (no suffix, "
                   "or ending in /) for a Parquet dataset")
    return value


class OutputSpec(Spec):
    """``path``: where ``smtpsim run`` writes the records as they are made (relative to the
    current directory; ``--out`` overrides it): one ``.csv`` or ``.parquet`` file, or a
    Parquet dataset directory (``smtpsim.execution.sinks``); ``traces``: also keep client 0's
    packets of every run, written beside a file as ``<stem>.packets<suffix>``, in a
    dataset's ``_packets/``."""

    path: Annotated[str, BeforeValidator(_out_path)] | None = None
    traces: Flag = False


class ScenarioMeta(Spec):
    """``[scenario]``: identity, base seed, replications, the reference variant and the
    summary metric (the time the table shows; ``user`` unless set)."""

    name: Name
    description: Text = ""
    seed: Annotated[int, number(ge=0, le=MAX_SEED, integer=True)] = 0
    replications: Annotated[int, number(ge=1, le=1_000_000, integer=True)] = 1
    reference: Name | None = None
    metric: Annotated[str, choice(METRICS, "summary metrics")] = "user"


_Scalar = int | float | str | bool

#: The designs of ``[sweep] design``: every combination of value lists, or ``samples``
#: points drawn independently (``random``) or as a Latin hypercube (``lhs``).
DESIGNS = ("grid", "random", "lhs")
_RANGE_TEXT = "a range table {min = ..., max = ..., scale = \"linear\" or \"log\"}"


def _sweep_path(value: Any) -> Any:
    paths = sweepable_paths()
    if value not in paths:
        raise fail("design, samples, or a key path of [workload], [server] or [[profile]] "
                   "(every profile): " + ", ".join(paths),
                   hint=did_you_mean(str(value), (*SWEEP_KEYS, *paths)))
    return value


def _sweep_values(value: Any) -> Any:
    if not isinstance(value, list | tuple) or not value:
        raise fail("a non-empty array of values")
    for i, v in enumerate(value):
        if not isinstance(v, int | float | str):  # bool is an int
            raise fail("a number, a string or true/false", key=(i,), value=v)
    return value


class AxisRange(Spec):
    """The range a ``random`` or ``lhs`` design draws an axis's values from: ``min`` to
    ``max``, uniformly (``scale = "linear"``) or log-uniformly (``"log"``, ``min`` > 0). For
    a key that takes whole numbers the draws are whole numbers from ``ceil(min)`` to
    ``floor(max)`` (``smtpsim.scenarios.sweep``)."""

    min: Annotated[float, number()]
    max: Annotated[float, number()]
    scale: Annotated[str, choice(("linear", "log"), "range scales")] = "linear"

    @model_validator(mode="after")
    def _ordered(self) -> AxisRange:
        if not self.min < self.max:
            raise fail(f"a number > min ({num(self.min)})", key=("max",), value=self.max)
        if self.scale == "log" and not self.min > 0:
            raise fail("a number > 0 (a log-scale range)", key=("min",), value=self.min)
        return self


class SweepAxis(Spec):
    """One axis of the sweep: a key path and the values it takes (a grid's, or those a
    random design picks from), or the range a random design draws from."""

    path: Annotated[str, BeforeValidator(_sweep_path)]
    values: Annotated[tuple[_Scalar, ...], BeforeValidator(_sweep_values)] | None = None
    range: AxisRange | None = None

    @model_validator(mode="after")
    def _one(self) -> SweepAxis:
        if (self.values is None) == (self.range is None):
            raise fail("a non-empty array of values, or " + _RANGE_TEXT, value=MISSING)
        kind = path_kinds().get(self.path)
        if self.range is not None:
            if kind is None:
                raise fail("an array of values (a range is for a key that takes a number)",
                           value=self.range.model_dump())
            if kind == "integer" and math.ceil(self.range.min) > math.floor(self.range.max):
                raise fail("a range that holds a whole number (the key takes whole numbers)",
                           value=self.range.model_dump())
        return self

    @property
    def size(self) -> int | None:
        """How many values a grid takes from it (None for a range)."""
        return None if self.values is None else len(self.values)


def _sweep_axes(value: dict[str, Any]) -> list[dict[str, Any]]:
    axes = []
    for path, spec in value.items():
        if path in SWEEP_KEYS:
            continue
        if isinstance(spec, dict):
            axes.append({"path": path, "range": spec})
        elif isinstance(spec, list | tuple) and spec:
            axes.append({"path": path, "values": tuple(spec)})
        else:
            raise fail("a non-empty array of values, or " + _RANGE_TEXT, key=("axes", path),
                       value=spec)
    return axes


def _sweep_table(value: Any) -> Any:
    if isinstance(value, Sweep):
        return value
    if isinstance(value, tuple | list) and all(isinstance(a, SweepAxis) for a in value):
        return {"axes": tuple(value)}  # axes built in Python: a grid
    if not isinstance(value, dict):
        raise fail('a table of key path = [values], e.g. "server.farm.affinity" = [0, 1]')
    if "axes" in value and all(isinstance(a, SweepAxis) for a in value["axes"]):
        return value  # built in Python
    return {**{k: value[k] for k in SWEEP_KEYS if k in value}, "axes": _sweep_axes(value)}


def _product(sizes: list[int], limit: int) -> int:
    """The product of ``sizes``, stopping once it passes ``limit``."""
    n = 1
    for size in sizes:
        n *= size
        if n > limit:
            break
    return n


class Sweep(Spec):
    """``[sweep]``: the ``design`` (``grid``, the default: every combination of the axes'
    value lists, the first axis slowest; ``random`` or ``lhs``: ``samples`` points, each axis
    drawn from its range or its value list) and the axes, in the order written."""

    design: Annotated[str, choice(DESIGNS, "sweep designs")] = "grid"
    samples: Annotated[int, number("points", ge=1, le=MAX_POINTS, integer=True)] | None = None
    axes: tuple[SweepAxis, ...] = ()

    @model_validator(mode="after")
    def _design(self) -> Sweep:
        if self.design == "grid":
            if self.samples is not None:
                raise fail('no samples with design = "grid" (samples is for design = '
                           '"random" or "lhs")', key=("samples",), value=self.samples)
            for i, axis in enumerate(self.axes):
                if axis.range is not None:
                    raise fail('an array of values (a range needs design = "random" or '
                               '"lhs")', key=("axes", i), value=axis.range.model_dump())
            sizes = [len(a.values or ()) for a in self.axes]
            count = _product(sizes, MAX_POINTS)
            if count > MAX_POINTS:
                total = math.prod(sizes)
                raise fail(f"at most {MAX_POINTS} sweep points (a grid of "
                           + " x ".join(map(str, sizes)) + f" = {total} points)",
                           value=total, hint=" points")
            return self
        if self.samples is None:
            raise fail(f"a whole number in [1, {MAX_POINTS}] (points; required with design "
                       f"= {self.design!r})", key=("samples",), value=MISSING)
        if self.design == "lhs" and self.samples > MAX_LHS_SAMPLES:
            raise fail(f"a whole number in [1, {MAX_LHS_SAMPLES}] (points of a Latin "
                       "hypercube, drawn at once)", key=("samples",), value=self.samples)
        if not self.axes:
            raise fail(f"at least one axis with design = {self.design!r}", value=MISSING)
        return self

    @property
    def point_count(self) -> int:
        """How many points the sweep makes (one without axes), without making them."""
        if self.design != "grid":
            return int(self.samples or 1)
        return math.prod(len(a.values or ()) for a in self.axes)

    def dump(self) -> dict[str, Any]:
        """The ``[sweep]`` table as written: design and samples (when not a grid), then
        each axis's values or range."""
        out: dict[str, Any] = {}
        if self.design != "grid":
            out |= {"design": self.design, "samples": self.samples}
        for a in self.axes:
            out[a.path] = list(a.values) if a.values is not None else a.range.model_dump()  # type: ignore[union-attr]
        return out


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


class ClientSpec(Spec):
    """``[client]``: the client program the variants run as (``data/software.toml``:
    ``generic``, the variant's own write pattern and Nagle, or a real program's)."""

    software: Annotated[str, choice(CLIENT_SOFTWARE, "client programs")] = "generic"


class Scenario(Spec):
    """A whole scenario file (see the module docstring)."""

    scenario: ScenarioMeta
    profile: Annotated[tuple[ProfileSpec, ...], _tables("profile")]
    variant: Annotated[tuple[VariantSpec, ...], _tables("variant")]
    workload: WorkloadSpec = WorkloadSpec()
    client: ClientSpec = ClientSpec()
    server: ServerSpec = ServerSpec()
    output: OutputSpec = OutputSpec()
    sweep: Annotated[Sweep, BeforeValidator(_sweep_table)] = Sweep()

    @model_validator(mode="after")
    def _names(self) -> Scenario:
        _by_label(self.profile, "profile")
        _by_label(self.variant, "variant")
        ref = self.scenario.reference
        labels = [v.label for v in self.variant]
        if ref is not None and ref not in labels:
            raise fail("one of the variants: " + ", ".join(labels), key=("scenario", "reference"),
                       value=ref, hint=did_you_mean(ref, labels))
        client, server = self.client.software, self.server.software
        for i, v in enumerate(self.variant):
            why = software_refusals(parse_variant(v.expression), client, server)
            if why:
                programs = f"client {client}" + (f" and server {server}" if server else "")
                raise fail(f"a variant the {programs} can run; here {why[0]}",
                           key=("variant", i), value=v.expression)
        return self

    @model_validator(mode="after")
    def _size(self) -> Scenario:
        problem = size_problem(self)
        if problem is not None:
            key, n, allowed = problem
            raise fail(allowed, key=tuple(key.split(".")), value=n)
        return self

    @field_serializer("sweep")
    def _dump_sweep(self, sweep: Sweep) -> dict[str, Any]:
        return sweep.dump()

    @property
    def reference(self) -> str:
        """The variant ratios are taken against."""
        labels = [v.label for v in self.variant]
        if self.scenario.reference is not None:
            return self.scenario.reference
        return "baseline" if "baseline" in labels else labels[0]


# ---------------------------------------------------------------- sweep axes
#: Fields that are not single numbers, names or flags (or that identify a profile).
_NOT_SWEPT = {"preset", "name", "description", "burst", "config_changes_s"}


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The nested model a field holds (a table such as ``farm``), or None for a leaf (a
    number, name, flag or distribution)."""
    stack, found = [annotation], []
    while stack:
        tp = stack.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found.append(tp)
        else:
            stack += list(typing.get_args(tp))
    models = [m for m in found if "dist" not in m.model_fields]
    return models[0] if models and len(models) == len(found) else None


def _leaves(prefix: str, model: type[BaseModel]) -> list[str]:
    out = []
    for name, info in model.model_fields.items():
        if name in _NOT_SWEPT:
            continue
        sub = _submodel(info.annotation)
        out += _leaves(f"{prefix}{name}.", sub) if sub is not None else [prefix + name]
    return out


@functools.cache
def sweepable_paths() -> tuple[str, ...]:
    """Every key path a sweep axis may name."""
    return tuple(
        _leaves("workload.", WorkloadSpec)
        + _leaves("server.", ServerSpec)
        + _leaves("profile.", ProfileSpec)
    )


#: Distributions whose values are whole numbers (``WorkloadSpec``'s support check).
_WHOLE_DISTS = {"workload.size_bytes", "workload.recipients"}


def _kind(annotation: Any) -> str | None:
    """``integer`` or ``number`` for a field that takes a number (a checked number, or a
    distribution), else None."""
    stack, found = [annotation], None
    while stack:
        tp = stack.pop()
        if typing.get_origin(tp) is typing.Annotated:
            tp, *meta = typing.get_args(tp)
            for item in meta:
                func = getattr(item, "func", None)
                text = func.allowed if isinstance(func, Check) else ""
                if text.startswith("a whole number"):
                    return "integer"
                if text.startswith("a number"):
                    found = "number"
        if isinstance(tp, type) and issubclass(tp, BaseModel) and "dist" in tp.model_fields:
            found = "number"
        stack += list(typing.get_args(tp))
    return found


@functools.cache
def path_kinds() -> dict[str, str]:
    """The sweepable key paths that take a number, each ``integer`` (a whole number) or
    ``number``: the keys a sweep range may name."""
    out = {}
    for path in sweepable_paths():
        section, *rest = path.split(".")
        model: Any = {"workload": WorkloadSpec, "server": ServerSpec,
                      "profile": ProfileSpec}[section]
        info = None
        for part in rest:
            info = model.model_fields[part]
            model = _submodel(info.annotation)
        text = (allowed_text(info) or "") if info is not None else ""
        kind = ("integer" if path in _WHOLE_DISTS or text.startswith("a whole number")
                else "number" if text.startswith("a number")
                else _kind(info.annotation if info is not None else None))
        if kind is not None:
            out[path] = kind
    return out


def _axis_max(scenario: Scenario, path: str, default: int) -> int:
    """The largest value the sweep gives ``path`` (a whole-number key), else ``default``."""
    for axis in scenario.sweep.axes:
        if axis.path == path:
            if axis.range is not None:
                return max(1, math.floor(axis.range.max))
            return max(int(v) for v in axis.values or () if isinstance(v, int | float))
    return default


def study_size(scenario: Scenario) -> tuple[list[tuple[str, str, int]], int]:
    """The factors of a study's session count (key, what, how many: sweep points, profiles,
    variants, replications, sessions per run, the last counted at the sweep's largest
    clients, messages and arrival_sessions) and their product."""
    w = scenario.workload
    if w.arrival_rate_per_s is not None or any(
            a.path == "workload.arrival_sessions" for a in scenario.sweep.axes):
        per_run = _axis_max(scenario, "workload.arrival_sessions", w.arrival_sessions or 1)
    else:
        per_run = (_axis_max(scenario, "workload.clients", w.clients)
                   * _axis_max(scenario, "workload.messages", w.messages))
    factors = [
        ("sweep", "points", scenario.sweep.point_count),
        ("profile", "profiles", len(scenario.profile)),
        ("variant", "variants", len(scenario.variant)),
        ("scenario.replications", "replications", scenario.scenario.replications),
        ("workload", "sessions per run", per_run),
    ]
    return factors, math.prod(n for *_, n in factors)


def size_problem(scenario: Scenario) -> tuple[str, int, str] | None:
    """Why a study is too large to simulate (more than ``MAX_SESSIONS`` sessions): the key
    of its largest factor, that factor, and what is allowed; None when it is not."""
    factors, total = study_size(scenario)
    if total <= MAX_SESSIONS:
        return None
    key, _, n = max(factors, key=lambda f: f[2])
    product = " x ".join(f"{n} {what}" for _, what, n in factors)
    return key, n, (f"at most {MAX_SESSIONS} sessions in a study (here {product} = {total}: "
                    "points x profiles x variants x replications x sessions per run)")
