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

import math
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, PrivateAttr, ValidationInfo, field_serializer, model_validator

from smtpsim.scenarios.errors import did_you_mean
from smtpsim.scenarios.fields import Check, Spec, fail
from smtpsim.scenarios.limits import MAX_SESSIONS
from smtpsim.scenarios.profiles import BurstSpec, ProfileSpec
from smtpsim.scenarios.sections import (
    ClientSpec,
    DcPathSpec,
    FarmSpec,
    OutputSpec,
    ScenarioMeta,
    ServerSpec,
    VariantSpec,
    WorkloadSpec,
)
from smtpsim.scenarios.software import software_refusals
from smtpsim.scenarios.sweep_spec import (
    DESIGNS,
    AxisRange,
    Sweep,
    SweepAxis,
    path_kinds,
    sweep_table,
    sweepable_paths,
)
from smtpsim.scenarios.variants import parse_variant

__all__ = [
    "DESIGNS",
    "AxisRange",
    "BurstSpec",
    "ClientSpec",
    "DcPathSpec",
    "FarmSpec",
    "OutputSpec",
    "ProfileSpec",
    "Scenario",
    "ScenarioMeta",
    "ServerSpec",
    "Sweep",
    "SweepAxis",
    "VariantSpec",
    "WorkloadSpec",
    "path_kinds",
    "size_problem",
    "study_size",
    "sweepable_paths",
]


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
    """A whole scenario file (see the module docstring).

    :attr:`base` is the folder the file's relative paths start from (pydantic's validation
    context ``base``: the scenario file's folder; None, the current directory, for a
    scenario not read from a file). It is kept so that a sweep point, validated again with
    its values written in (``smtpsim.scenarios.sweep.with_values``), resolves a swept trace
    path as the same key written in ``[[profile]]`` is resolved.
    """

    scenario: ScenarioMeta
    profile: Annotated[tuple[ProfileSpec, ...], _tables("profile")]
    variant: Annotated[tuple[VariantSpec, ...], _tables("variant")]
    workload: WorkloadSpec = WorkloadSpec()
    client: ClientSpec = ClientSpec()
    server: ServerSpec = ServerSpec()
    output: OutputSpec = OutputSpec()
    sweep: Annotated[Sweep, BeforeValidator(sweep_table)] = Sweep()

    _base: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _keep_base(self, info: ValidationInfo) -> Scenario:
        base = (info.context or {}).get("base")
        self._base = None if base is None else Path(base)
        return self

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
    def base(self) -> Path | None:
        """The folder relative paths in the scenario start from (None: the current
        directory)."""
        return self._base

    @property
    def reference(self) -> str:
        """The variant ratios are taken against."""
        labels = [v.label for v in self.variant]
        if self.scenario.reference is not None:
            return self.scenario.reference
        return "baseline" if "baseline" in labels else labels[0]


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
