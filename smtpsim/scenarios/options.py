"""Options given one by one -> a validated :class:`Scenario`: the keyword arguments of
``smtpsim.api.simulate``, ``trace`` and ``build_cases`` (the CLI's single-case options), and
``--seed``/``--replications``/``--out`` over a scenario file.

Each option is written where a scenario file writes it (``size`` is ``[workload]
size_bytes``, ``iw`` every profile's ``iw``, ``server`` ``[server] timing``), so the schema's
rules and their "allowed" texts are the only ones. A bad option raises
:class:`InvalidValueError` naming it as the CLI spells it:
``--size: bad value -1; allowed: a whole number >= 1 (bytes)``.

Profiles: the built-in ``profile`` names (case-insensitive; ``dsl`` when none is given), and
with ``rtt_ms``, ``up_kbps`` and ``down_kbps`` (all three) a custom path named ``custom``;
``loss`` is the custom path's loss, or without one every named profile's. Variants: the
``variant`` expressions (``baseline`` when none is given), each named by its canonical form
(``baseline+tls1.3``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, TypedDict, Unpack

from pydantic import ValidationError

from smtpsim.model import FarmConfig
from smtpsim.scenarios.errors import MISSING, InvalidValueError
from smtpsim.scenarios.problems import Problem, problems
from smtpsim.scenarios.schema import OutputSpec, Scenario, ScenarioMeta, size_problem
from smtpsim.scenarios.software import SERVER_SOFTWARE
from smtpsim.scenarios.variants import canonical_name

__all__ = [
    "CUSTOM", "DEFAULT_PROFILE", "DEFAULT_VARIANT", "Options", "check_output", "overridden",
    "scenario",
]

DEFAULT_PROFILE = "dsl"
DEFAULT_VARIANT = "baseline"
CUSTOM = "custom"
"""The name of the path ``rtt_ms``, ``up_kbps`` and ``down_kbps`` describe."""

_CUSTOM_PATH = ("rtt_ms", "up_kbps", "down_kbps")
#: Option -> its key in ``[workload]``.
_WORKLOAD = {"size": "size_bytes", "recipients": "recipients", "messages": "messages",
             "gap_s": "gap_s", "state": "state"}
_META = ("seed", "replications")
_PER_PROFILE = ("iw", "delack_ms")


class Options(TypedDict, total=False):
    """The single-case options; ``None`` (or absent) leaves the scenario file's default."""

    rtt_ms: float | None
    up_kbps: float | None
    down_kbps: float | None
    loss: float | None
    variant: str | Sequence[str] | None
    size: int | None
    recipients: int | None
    iw: int | None
    delack_ms: float | None
    server: str | None
    client: str | None
    state: str | None
    messages: int | None
    gap_s: float | None
    farm: FarmConfig | None
    seed: int | None
    replications: int | None


def _names(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _lower(name: Any) -> Any:
    """A preset name as the presets spell it (anything else is left for the schema)."""
    return name.strip().lower() if isinstance(name, str) else name


def _profiles(names: list[str], given: dict[str, Any]) -> list[dict[str, Any]]:
    tcp = {k: given[k] for k in _PER_PROFILE if k in given}
    custom = {k: given[k] for k in _CUSTOM_PATH if k in given}
    if custom and len(custom) < len(_CUSTOM_PATH):
        missing = [k for k in _CUSTOM_PATH if k not in custom]
        raise InvalidValueError(missing[0], MISSING, "--rtt-ms, --up-kbps and --down-kbps "
                                "together (a custom path)")
    if not names and not custom:
        names = [DEFAULT_PROFILE]
    out = [{"preset": _lower(name), **tcp} for name in names]
    loss = {"loss": given["loss"]} if "loss" in given else {}
    if custom:
        return [*out, {"name": CUSTOM, **custom, **loss, **tcp}]
    return [{**p, **loss} for p in out]


def _variant(expression: Any) -> dict[str, Any]:
    if not isinstance(expression, str):
        return {"name": expression}
    canon = canonical_name(expression)
    return {"name": canon, "features": canon.split("+")}


def _document(names: list[str], variants: list[str], given: dict[str, Any]) -> dict[str, Any]:
    server: dict[str, Any] = {}
    if "server" in given:  # a server program (with its timing), or a timing preset
        name = _lower(given["server"])
        server["software" if name in SERVER_SOFTWARE else "timing"] = name
    if "farm" in given:
        server["farm"] = asdict(given["farm"])
    doc = {
        "scenario": {"name": "single-case", **{k: given[k] for k in _META if k in given}},
        "profile": _profiles(names, given),
        "variant": [_variant(v) for v in variants],
        "workload": {key: given[opt] for opt, key in _WORKLOAD.items() if opt in given},
        "server": server,
    }
    if "client" in given:
        doc["client"] = {"software": _lower(given["client"])}
    return doc


def _error(problem: Problem, names: list[str], variants: list[str],
           given: dict[str, Any]) -> InvalidValueError:
    """``problem`` of the document, told of the option it comes from and of the value the
    user gave that option."""
    section, rest = problem.loc[0], problem.loc[1:]
    value, label = problem.value, None
    if section == "profile":
        i, key = int(rest[0]), str(rest[1]) if len(rest) > 1 else "preset"
        option = key if key in given else "profile"
        shown = names[i] if option == "profile" and i < len(names) else given.get(option, value)
    elif section == "variant":  # the expression, or the one of its tokens that is wrong
        option, shown = "variant", value if len(rest) > 2 else variants[int(rest[0])]
    elif section == "server" and rest[0] == "farm":
        option, label, shown = "farm", "farm." + ".".join(map(str, rest[1:])), value
    elif section == "client":
        option, shown = "client", given.get("client", value)
    else:  # [scenario] seed and replications, [workload] and [server] timing
        key = str(rest[0]) if rest else "messages"  # [workload] as a whole: its sessions
        option = {"size_bytes": "size", "timing": "server", "software": "server"}.get(key, key)
        shown = given.get(option, value)
    if problem.kind == "missing":
        shown = MISSING
    return InvalidValueError(option, shown, problem.allowed, label, problem.hint)


def scenario(profile: str | Sequence[str] | None = None, **options: Unpack[Options]) -> Scenario:
    """The scenario of one single-case description (see the module docstring)."""
    variants = _names(options.get("variant")) or [DEFAULT_VARIANT]
    given = {k: v for k, v in options.items() if v is not None and k != "variant"}
    names = _names(profile)
    doc = _document(names, variants, given)
    try:
        return Scenario.model_validate(doc)
    except ValidationError as e:
        raise _error(problems(e, doc, Scenario)[0], names, variants, given) from None


def overridden(
    scenario: Scenario, replications: int | None = None, seed: int | None = None
) -> Scenario:
    """``scenario`` with ``replications`` and ``seed`` (when given) in place of its own,
    validated as the file's are, the study's size (``smtpsim.scenarios.limits``) included."""
    changes = {k: v for k, v in (("replications", replications), ("seed", seed))
               if v is not None}
    if not changes:
        return scenario
    doc = {**scenario.scenario.model_dump(), **changes}
    try:
        meta = ScenarioMeta.model_validate(doc)
    except ValidationError as e:
        problem = problems(e, doc, ScenarioMeta)[0]
        option = str(problem.loc[0])
        raise InvalidValueError(option, changes.get(option, problem.value), problem.allowed,
                                hint=problem.hint) from None
    changed = scenario.model_copy(update={"scenario": meta})
    too_large = size_problem(changed)
    if too_large is not None and "replications" in changes:
        raise InvalidValueError("replications", changes["replications"], too_large[2])
    return changed


def check_output(path: str) -> None:
    """Refuse an output file (``--out``) that a scenario file's ``[output] path`` would
    refuse."""
    try:
        OutputSpec.model_validate({"path": path})
    except ValidationError as e:
        problem = problems(e, {"path": path}, OutputSpec)[0]
        raise InvalidValueError("out", path, problem.allowed) from None
