"""The Python API: what notebooks call, and what the CLI is a thin layer over.

``simulate`` runs every (profile, variant, replication) of one single-case description and
returns one row per message; ``trace`` returns one session's packet and record log;
``run_scenario`` runs a scenario file (or a loaded ``Scenario``) and ``load_scenario`` only
validates one. Bad input raises a ``ValueError`` subclass whose message says what is allowed
(for a scenario file a ``ScenarioError``, one line per problem).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from smtpsim.model import (
    Case,
    Client,
    FarmConfig,
    Network,
    Server,
    TcpConfig,
    Trace,
    Workload,
    columns,
)
from smtpsim.scenarios.errors import InvalidValueError
from smtpsim.scenarios.profiles import Profile, builtin_profiles, custom_profile, get_profile
from smtpsim.scenarios.servers import get_server_timing
from smtpsim.scenarios.variants import canonical_name, parse_variant
from smtpsim.simulator.run import run_messages, run_session

if TYPE_CHECKING:
    from smtpsim.scenarios.runner import RunResult
    from smtpsim.scenarios.schema import Scenario

__all__ = [
    "simulate", "trace", "build_cases", "default_scenario_frame", "DEFAULT_VARIANTS",
    "load_scenario", "run_scenario", "run_scenario_result",
]

#: The variants of the built-in default scenario, in display order: baseline against every
#: preset, with ``baseline+save`` (baseline that also APPENDs the message to Sent) right
#: before ``burl``, BURL's fair comparison: both send and save, and the summary's default
#: metric, ``done``, counts the save.
DEFAULT_VARIANTS = (
    "baseline", "rfc5321", "pipelining", "chunking", "quickstart-basic", "quickstart-full",
    "config-token", "tfo", "implicit-tls", "baseline+save", "burl", "streamlined",
    "streamlined-2006",
)

#: The default scenario's clients are warm: they hold what their previous connection left
#: (tickets, cookies, tokens), as a client that submits mail regularly does; the cache-based
#: savings only show then. Baseline is the same cold or warm.
DEFAULT_STATE = "warm"

#: The message of the built-in default scenario: a short text message (10 kB) to one recipient.
DEFAULT_SIZE = 10_000


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _profiles(
    profile: str | Sequence[str] | None,
    rtt_ms: float | None,
    up_kbps: float | None,
    down_kbps: float | None,
    loss: float | None,
) -> list[Profile]:
    custom = (rtt_ms, up_kbps, down_kbps)
    profiles = [get_profile(name) for name in _as_list(profile)]
    if any(v is not None for v in custom):
        if any(v is None for v in custom):
            raise InvalidValueError(
                "rtt_ms",
                custom,
                "a custom path needs --rtt-ms, --up-kbps and --down-kbps together",
                label="--rtt-ms/--up-kbps/--down-kbps",
            )
        profiles.append(
            custom_profile(rtt_ms, up_kbps, down_kbps, 0.0 if loss is None else loss)  # type: ignore[arg-type]
        )
    elif loss is not None:
        if not 0.0 <= loss <= 1.0:
            raise InvalidValueError("loss", loss, "loss must be a probability in [0, 1]")
        profiles = [replace(p, loss=loss) for p in profiles]
    if not profiles:
        profiles = [get_profile("dsl")]
    return profiles


def build_cases(
    profile: str | Sequence[str] | None = None,
    *,
    rtt_ms: float | None = None,
    up_kbps: float | None = None,
    down_kbps: float | None = None,
    loss: float | None = None,
    variant: str | Sequence[str] = "baseline",
    size: int = DEFAULT_SIZE,
    recipients: int = 1,
    iw: int | None = None,
    delack_ms: float | None = None,
    server: str = "typical",
    state: str = "cold",
    messages: int = 1,
    gap_s: float = 60.0,
    farm: FarmConfig | None = None,
) -> list[Case]:
    """Validate a single-case description and expand it to one ``Case`` per profile × variant."""
    if not isinstance(size, int) or size < 1:
        raise InvalidValueError("size", size, "size must be a whole number of bytes >= 1")
    if not isinstance(recipients, int) or not 1 <= recipients <= 1000:
        raise InvalidValueError("recipients", recipients, "recipients must be between 1 and 1000")
    if iw is not None and (not isinstance(iw, int) or not 1 <= iw <= 1000):
        raise InvalidValueError("iw", iw, "iw must be a whole number of segments in [1, 1000]")
    if delack_ms is not None and not 0.0 < delack_ms <= 500.0:
        raise InvalidValueError(
            "delack_ms", delack_ms, "the delayed-ACK timer must be in (0, 500] ms (RFC 1122)"
        )
    base_tcp = TcpConfig()
    if iw is not None:
        base_tcp = replace(base_tcp, iw=iw)
    if delack_ms is not None:
        base_tcp = replace(base_tcp, delack_s=delack_ms / 1000.0)
    if state not in ("cold", "warm"):
        raise InvalidValueError(
            "state", state, "state must be 'cold' (empty client caches) or 'warm' (what one"
            " earlier connection to the server left)"
        )
    if not isinstance(messages, int) or not 1 <= messages <= 100_000:
        raise InvalidValueError("messages", messages, "messages must be between 1 and 100000")
    if not gap_s >= 0.0:
        raise InvalidValueError("gap_s", gap_s, "the gap between messages must be >= 0 s")
    if farm is not None and (farm.frontends < 1 or not 0.0 <= farm.affinity <= 1.0):
        raise InvalidValueError(
            "farm", farm, "a farm needs >= 1 front-end and an affinity in [0, 1]"
        )
    timing = get_server_timing(server)
    variants = [(canonical_name(v), parse_variant(v)) for v in _as_list(variant) or ["baseline"]]
    cases = []
    for prof in _profiles(profile, rtt_ms, up_kbps, down_kbps, loss):
        tcp = prof.tcp(base_tcp)
        for name, features in variants:
            cases.append(
                Case(
                    network=Network(prof.path(), prof.name, prof.radio_promotion_s,
                                    prof.radio_tail_s),
                    client=Client(features, name, state, tcp),  # type: ignore[arg-type]
                    server=Server(server, timing, tcp=tcp, farm=farm or FarmConfig()),
                    workload=Workload(size, recipients, messages, gap_s),
                )
            )
    return cases


def _rows(cases: list[Case], seed: int, replications: int) -> Iterator[dict[str, object]]:
    if not isinstance(replications, int) or replications < 1:
        raise InvalidValueError("replications", replications, "replications must be >= 1")
    if not isinstance(seed, int) or seed < 0:
        raise InvalidValueError("seed", seed, "seed must be a whole number >= 0")
    for case in cases:
        for r in range(replications):
            records, _ = run_messages(case, seed, r)
            for record in records:
                yield record.as_row()


def simulate(
    profile: str | Sequence[str] | None = None,
    *,
    rtt_ms: float | None = None,
    up_kbps: float | None = None,
    down_kbps: float | None = None,
    loss: float | None = None,
    variant: str | Sequence[str] = "baseline",
    size: int = DEFAULT_SIZE,
    recipients: int = 1,
    iw: int | None = None,
    delack_ms: float | None = None,
    server: str = "typical",
    state: str = "cold",
    messages: int = 1,
    gap_s: float = 60.0,
    farm: FarmConfig | None = None,
    seed: int = 0,
    replications: int = 1,
) -> pd.DataFrame:
    """Simulate each profile × variant ``replications`` times; one row per message.

    ``profile`` names built-in profiles (default ``dsl``); ``rtt_ms``, ``up_kbps`` and
    ``down_kbps`` together add a custom path; ``loss`` sets its loss (or overrides the named
    profiles'). ``variant`` is a preset or ``+``-joined feature tokens. ``iw`` and
    ``delack_ms`` set both endpoints' initial window and delayed-ACK timer. ``state`` is
    ``"cold"`` (empty client caches) or ``"warm"`` (what one earlier connection left).
    ``messages`` from one client, ``gap_s`` apart, through ``farm`` (one front-end by
    default): one row per message, with its index and the front-end it used.
    """
    cases = build_cases(
        profile, rtt_ms=rtt_ms, up_kbps=up_kbps, down_kbps=down_kbps, loss=loss,
        variant=variant, size=size, recipients=recipients, iw=iw, delack_ms=delack_ms,
        server=server, state=state, messages=messages, gap_s=gap_s, farm=farm,
    )
    return pd.DataFrame(list(_rows(cases, seed, replications)), columns=columns())


def trace(
    profile: str | None = None,
    *,
    rtt_ms: float | None = None,
    up_kbps: float | None = None,
    down_kbps: float | None = None,
    loss: float | None = None,
    variant: str = "baseline",
    size: int = DEFAULT_SIZE,
    recipients: int = 1,
    iw: int | None = None,
    delack_ms: float | None = None,
    server: str = "typical",
    state: str = "cold",
    seed: int = 0,
    replication: int = 0,
) -> Trace:
    """One session's trace (the first profile and variant given)."""
    cases = build_cases(
        profile, rtt_ms=rtt_ms, up_kbps=up_kbps, down_kbps=down_kbps, loss=loss,
        variant=variant, size=size, recipients=recipients, iw=iw, delack_ms=delack_ms,
        server=server, state=state,
    )
    _, tr = run_session(cases[0], seed, replication, trace=True)
    assert tr is not None
    return tr


def default_scenario_frame(seed: int = 0, replications: int = 1) -> pd.DataFrame:
    """The built-in default scenario: ``DEFAULT_VARIANTS`` (baseline, every variant preset and
    ``baseline+save``) on every built-in profile, warm clients (``DEFAULT_STATE``)."""
    return simulate(
        list(builtin_profiles()), variant=list(DEFAULT_VARIANTS), seed=seed,
        replications=replications, state=DEFAULT_STATE,
    )


def load_scenario(path: str | Path | None = None, *, example: str | None = None) -> Scenario:
    """Validate the scenario file at ``path``, or the shipped ``example`` (by name).

    Raises ``ScenarioError`` (one line per problem, each naming the file and the key) or
    ``UnknownNameError`` for an unknown example.
    """
    from smtpsim.scenarios import loader

    if (path is None) == (example is None):
        raise ValueError("give a scenario file or an example name (one of them)")
    return loader.load_example(example) if example is not None else loader.load(path)  # type: ignore[arg-type]


def _scenario(path_or_scenario: str | Path | Scenario) -> Scenario:
    from smtpsim.scenarios.schema import Scenario

    if isinstance(path_or_scenario, Scenario):
        return path_or_scenario
    return load_scenario(path_or_scenario)


def run_scenario_result(
    path_or_scenario: str | Path | Scenario,
    replications: int | None = None,
    progress: bool = False,
    *,
    seed: int | None = None,
) -> RunResult:
    """Like :func:`run_scenario`, with the packet table (``[output] traces``), the
    reference variant and the summary metric (``[scenario] metric``) as well."""
    from smtpsim.scenarios import runner

    return runner.run(_scenario(path_or_scenario), replications, progress, seed)


def run_scenario(
    path_or_scenario: str | Path | Scenario,
    replications: int | None = None,
    progress: bool = False,
    *,
    seed: int | None = None,
) -> pd.DataFrame:
    """Run a scenario: every sweep point × profile × variant × replication; one row per
    message (``scenario``, ``point`` and the sweep axes first, then the simulator's record).

    ``replications`` and ``seed`` override the file's; ``progress`` shows a progress bar on
    stderr. Messages that did not finish are rows with their ``outcome``, never dropped.
    """
    return run_scenario_result(path_or_scenario, replications, progress, seed=seed).records
