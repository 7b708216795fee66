"""The Python API: what notebooks call, and what the CLI is a thin layer over.

``simulate`` runs every (profile, variant, replication) of one single-case description and
returns one row per message; ``trace`` returns one session's packet and record log
(``write_pcap`` writes it as a pcap file);
``build_cases`` returns the description's ``Case`` values. All three turn their options into
a scenario (``smtpsim.scenarios.options``) and run it as a scenario file is run, so every
option obeys the scenario file's rules. ``run_scenario`` runs a scenario file (or a loaded
``Scenario``) and ``load_scenario`` only validates one; ``default_scenario_frame`` runs the
built-in default scenario (the shipped example ``default``).

Bad input raises a ``ValueError`` subclass whose message says what is allowed: for an option
an ``InvalidValueError`` (``--size: bad value -1; allowed: ...``), for a scenario file a
``ScenarioError`` (one line per problem).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from smtpsim.execution import run as runner
from smtpsim.execution.executors import ExecutorName
from smtpsim.execution.run import RunResult
from smtpsim.model import Case, FarmConfig, Trace
from smtpsim.scenarios import cases, loader, options
from smtpsim.scenarios.schema import Scenario
from smtpsim.simulator.run import run_session

__all__ = [
    "build_cases", "default_scenario_frame", "load_scenario", "run_scenario",
    "run_scenario_result", "simulate", "single_scenario", "trace", "write_pcap",
]

#: The columns a scenario run adds in front of the simulator's record.
_SCENARIO_COLUMNS = ["scenario", "point"]


def build_cases(
    profile: str | Sequence[str] | None = None,
    *,
    rtt_ms: float | None = None,
    up_kbps: float | None = None,
    down_kbps: float | None = None,
    loss: float | None = None,
    variant: str | Sequence[str] | None = None,
    size: int | None = None,
    recipients: int | None = None,
    iw: int | None = None,
    delack_ms: float | None = None,
    server: str | None = None,
    client: str | None = None,
    state: str | None = None,
    messages: int | None = None,
    gap_s: float | None = None,
    farm: FarmConfig | None = None,
) -> list[Case]:
    """Validate a single-case description (see :func:`simulate`) and expand it to one
    ``Case`` per profile × variant."""
    return cases.build_cases(single_scenario(
        profile, rtt_ms=rtt_ms, up_kbps=up_kbps, down_kbps=down_kbps, loss=loss,
        variant=variant, size=size, recipients=recipients, iw=iw, delack_ms=delack_ms,
        server=server, client=client, state=state, messages=messages, gap_s=gap_s, farm=farm,
    ))


def simulate(
    profile: str | Sequence[str] | None = None,
    *,
    rtt_ms: float | None = None,
    up_kbps: float | None = None,
    down_kbps: float | None = None,
    loss: float | None = None,
    variant: str | Sequence[str] | None = None,
    size: int | None = None,
    recipients: int | None = None,
    iw: int | None = None,
    delack_ms: float | None = None,
    server: str | None = None,
    client: str | None = None,
    state: str | None = None,
    messages: int | None = None,
    gap_s: float | None = None,
    farm: FarmConfig | None = None,
    seed: int | None = None,
    replications: int | None = None,
    workers: int | None = None,
    progress: bool = False,
    executor: ExecutorName = "processes",
    scheduler: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
) -> pd.DataFrame:
    """Simulate each profile × variant ``replications`` times; one row per message.

    ``profile`` names built-in profiles (default ``dsl``); ``rtt_ms``, ``up_kbps`` and
    ``down_kbps`` together add a custom path; ``loss`` sets its loss (or overrides the named
    profiles'). ``variant`` is a preset or ``+``-joined feature tokens, or a list of them
    (default ``baseline``). ``size`` (bytes, default 10000) to ``recipients`` (default 1).
    ``iw`` and ``delack_ms`` set both endpoints' initial window and delayed-ACK timer.
    ``server`` is a server program (``postfix``, ``exim``, ``aiosmtpd``, ``dovecot``: its
    behaviour and measured timings) or a timing preset (default ``typical``); ``client`` a
    client program (``generic``, the default, ``smtplib``, ``swaks``, ``exim``). ``state``
    is ``"warm"`` (what one earlier connection left, the default) or ``"cold"`` (empty client
    caches).
    ``messages`` from one client, ``gap_s`` apart (default 1, 60 s), through ``farm`` (one
    front-end by default): one row per message, with its index and the front-end it used.
    ``seed`` (default 0) and ``replications`` (default 1). ``workers``, ``executor`` and
    ``scheduler`` as for :func:`run_scenario` (the rows are the same for any of them).
    ``progress`` shows progress on stderr. ``out`` streams the rows to a file or dataset
    directory as :func:`run_scenario_result` does (``resume`` continues one), and then only
    the columns a summary needs are returned. An option left at ``None`` takes the scenario
    file's default, and every option obeys the scenario file's rules.
    """
    scenario = single_scenario(
        profile, rtt_ms=rtt_ms, up_kbps=up_kbps, down_kbps=down_kbps, loss=loss,
        variant=variant, size=size, recipients=recipients, iw=iw, delack_ms=delack_ms,
        server=server, client=client, state=state, messages=messages, gap_s=gap_s, farm=farm,
        seed=seed, replications=replications,
    )
    result = runner.run(scenario, progress=progress, workers=workers, executor=executor,
                        scheduler=scheduler, out=out, resume=resume)
    return result.records.drop(columns=_SCENARIO_COLUMNS)


def single_scenario(
    profile: str | Sequence[str] | None = None,
    *,
    rtt_ms: float | None = None,
    up_kbps: float | None = None,
    down_kbps: float | None = None,
    loss: float | None = None,
    variant: str | Sequence[str] | None = None,
    size: int | None = None,
    recipients: int | None = None,
    iw: int | None = None,
    delack_ms: float | None = None,
    server: str | None = None,
    client: str | None = None,
    state: str | None = None,
    messages: int | None = None,
    gap_s: float | None = None,
    farm: FarmConfig | None = None,
    seed: int | None = None,
    replications: int | None = None,
) -> Scenario:
    """The scenario a single-case description (see :func:`simulate`) stands for, validated
    as a scenario file is."""
    return options.scenario(
        profile, rtt_ms=rtt_ms, up_kbps=up_kbps, down_kbps=down_kbps, loss=loss,
        variant=variant, size=size, recipients=recipients, iw=iw, delack_ms=delack_ms,
        server=server, client=client, state=state, messages=messages, gap_s=gap_s, farm=farm,
        seed=seed, replications=replications,
    )


def trace(
    profile: str | None = None,
    *,
    rtt_ms: float | None = None,
    up_kbps: float | None = None,
    down_kbps: float | None = None,
    loss: float | None = None,
    variant: str | None = None,
    size: int | None = None,
    recipients: int | None = None,
    iw: int | None = None,
    delack_ms: float | None = None,
    server: str | None = None,
    client: str | None = None,
    state: str | None = None,
    seed: int | None = None,
    replication: int = 0,
) -> Trace:
    """One session's trace: the first message of the description (see :func:`simulate`),
    its first profile and variant."""
    scenario = options.scenario(
        profile, rtt_ms=rtt_ms, up_kbps=up_kbps, down_kbps=down_kbps, loss=loss,
        variant=variant, size=size, recipients=recipients, iw=iw, delack_ms=delack_ms,
        server=server, client=client, state=state, seed=seed,
    )
    case = cases.build_cases(scenario)[0]
    _, tr = run_session(case, scenario.scenario.seed, replication, trace=True)
    assert tr is not None
    return tr


def write_pcap(session: Trace, path: str | Path) -> None:
    """Write one session's trace (from :func:`trace`) to ``path`` as a pcap file, atomically:
    the packets a capture on the client host would hold, with IPv4/TCP headers, the SMTP and
    IMAP text as payload and TLS records as opaque records of their sizes
    (``smtpsim.analysis.pcap``)."""
    from smtpsim.analysis.pcap import write_pcap as write

    write(session, path)


def default_scenario_frame(seed: int | None = None, replications: int | None = None
                           ) -> pd.DataFrame:
    """The records of the built-in default scenario, the shipped example ``default``
    (baseline, every variant preset and ``baseline+save`` on every built-in profile, warm
    clients), one row per message as :func:`simulate` returns them. ``seed`` and
    ``replications`` override the file's (0 and 1)."""
    result = runner.run(loader.load_example(loader.DEFAULT), replications, seed=seed)
    return result.records.drop(columns=_SCENARIO_COLUMNS)


def load_scenario(path: str | Path | None = None, *, example: str | None = None) -> Scenario:
    """Validate the scenario file at ``path``, or the shipped ``example`` (by name).

    Raises ``ScenarioError`` (one line per problem, each naming the file and the key) or
    ``UnknownNameError`` for an unknown example.
    """
    if path is not None and example is None:
        return loader.load(path)
    if example is not None and path is None:
        return loader.load_example(example)
    raise ValueError("give a scenario file or an example name (one of them)")


def run_scenario_result(
    path_or_scenario: str | Path | Scenario,
    replications: int | None = None,
    progress: bool = False,
    *,
    seed: int | None = None,
    workers: int | None = None,
    executor: ExecutorName = "processes",
    scheduler: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
) -> RunResult:
    """Like :func:`run_scenario`, with the packet table (``[output] traces``), the
    reference variant, the summary metric (``[scenario] metric``), the run's size and its
    wall-clock time as well. With ``out``, the records are streamed there and the result's
    ``records`` hold only the columns a summary needs."""
    scenario = (path_or_scenario if isinstance(path_or_scenario, Scenario)
                else load_scenario(path_or_scenario))
    return runner.run(scenario, replications, progress, seed, workers=workers,
                      executor=executor, scheduler=scheduler, out=out, resume=resume)


def run_scenario(
    path_or_scenario: str | Path | Scenario,
    replications: int | None = None,
    progress: bool = False,
    *,
    seed: int | None = None,
    workers: int | None = None,
    executor: ExecutorName = "processes",
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Run a scenario: every sweep point × profile × variant × replication; one row per
    message (``scenario``, ``point`` and the sweep axes first, then the simulator's record).

    ``replications`` and ``seed`` override the file's; ``progress`` shows progress on
    stderr. ``workers`` processes (default: every core) of ``executor``: ``"processes"``, a
    local pool; ``"serial"``, this process; ``"dask"``, a local Dask cluster, or the
    ``distributed`` scheduler at ``scheduler``. The rows are the same, bit for bit, for every
    executor and number of workers. Messages that did not finish are rows with their
    ``outcome``, never dropped. To stream a large run to disk (and resume it), use
    :func:`run_scenario_result` with ``out``.
    """
    return run_scenario_result(path_or_scenario, replications, progress, seed=seed,
                               workers=workers, executor=executor,
                               scheduler=scheduler).records
