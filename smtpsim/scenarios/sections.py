"""The sections of a scenario file other than ``[sweep]``, validated into immutable pydantic
models: ``[[variant]]`` (:class:`VariantSpec`), ``[workload]`` (:class:`WorkloadSpec`),
``[server]`` (:class:`ServerSpec` with ``FarmSpec`` and ``DcPathSpec``), ``[output]``
(:class:`OutputSpec`), ``[scenario]`` (:class:`ScenarioMeta`) and ``[client]``
(:class:`ClientSpec`); ``[[profile]]`` is ``smtpsim.scenarios.profiles.ProfileSpec``. The
whole file is ``smtpsim.scenarios.schema.Scenario``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Annotated, Any

from pydantic import BeforeValidator, create_model, model_validator

from smtpsim.model import METRICS
from smtpsim.scenarios.dists import Dist, Fixed, check_support
from smtpsim.scenarios.errors import VariantError
from smtpsim.scenarios.fields import (
    MISSING,
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
from smtpsim.scenarios.limits import MAX_MESSAGE_BYTES, MAX_SEED, MAX_SESSIONS_PER_RUN
from smtpsim.scenarios.servers import SERVER_TIMINGS, TIMING_STEPS
from smtpsim.scenarios.software import CLIENT_SOFTWARE, SERVER_SOFTWARE
from smtpsim.scenarios.variants import PRESETS, TOKENS, parse_variant

__all__ = ["ClientSpec", "DcPathSpec", "FarmSpec", "OutputSpec", "ScenarioMeta", "ServerSpec",
           "VariantSpec", "WorkloadSpec"]


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


class ClientSpec(Spec):
    """``[client]``: the client program the variants run as (``data/software.toml``:
    ``generic``, the variant's own write pattern and Nagle, or a real program's)."""

    software: Annotated[str, choice(CLIENT_SOFTWARE, "client programs")] = "generic"
