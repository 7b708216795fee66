"""The ``smtpsim`` commands: thin, they call ``smtpsim.api`` and print through the views.

Commands: ``run`` (the default scenario, one case given by options, a scenario file or a
shipped example), ``check`` (validate a scenario file and print it resolved), ``examples``
(the shipped scenarios), ``trace`` (the ladder diagram of one session), ``profiles`` and
``variants`` (the built-in presets and their sources).

Bad input prints one line ``error: <message>`` (a scenario file's problems one line each) and
exits with status 2, without a traceback (``smtpsim.cli.errors``). The API, the scenario
modules and pandas are imported inside the commands that use them, so ``--help`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from smtpsim.cli.errors import OneLineErrors, fail, user_errors
from smtpsim.cli.figure_files import PlotOpt, check_plot_path, plot_run
from smtpsim.cli.options import (
    ClientOpt,
    DelackOpt,
    DetailsOpt,
    DownOpt,
    ExampleOpt,
    FormatOpt,
    IwOpt,
    ListFormatOpt,
    LossOpt,
    MetricOpt,
    OutOpt,
    OutputFormat,
    ProfilesOpt,
    RcptOpt,
    ReferenceOpt,
    ReplicationsOpt,
    RttOpt,
    ScenarioArg,
    SeedOpt,
    ServerOpt,
    SizeOpt,
    StateOpt,
    UpOpt,
    VariantsOpt,
)
from smtpsim.cli.options import given as _given
from smtpsim.cli.render import GridFormat
from smtpsim.cli.run_options import (
    DryRunOpt,
    ExecutorOpt,
    ResumeOpt,
    SchedulerOpt,
    WorkersOpt,
)
from smtpsim.cli.run_output import (
    check_out,
    print_estimate,
    print_records,
    read_back,
    stop_on_sigterm,
    wrote,
)

if TYPE_CHECKING:

    from smtpsim.scenarios.schema import Scenario

__all__ = ["app"]

REFERENCE = "baseline"
#: The default summary metric, when neither ``--metric`` nor a scenario file sets one.
DEFAULT_METRIC = "user"

app = typer.Typer(
    cls=OneLineErrors,
    name="smtpsim",
    help="Discrete-event latency simulator for SMTP mail submission.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from smtpsim.version import __version__

        typer.echo(f"smtpsim {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_version,
        help="Print the version (smtpsim VERSION) and exit.")] = False,
) -> None:
    """Discrete-event latency simulator for SMTP mail submission."""


def _one_or_many(values: list[str] | None) -> str | list[str] | None:
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


@app.command()
def run(
    scenario: ScenarioArg = None,
    example: ExampleOpt = None,
    profile: ProfilesOpt = None,
    rtt_ms: RttOpt = None,
    up_kbps: UpOpt = None,
    down_kbps: DownOpt = None,
    loss: LossOpt = None,
    variant: VariantsOpt = None,
    size: SizeOpt = None,
    recipients: RcptOpt = None,
    iw: IwOpt = None,
    delack_ms: DelackOpt = None,
    server: ServerOpt = None,
    client: ClientOpt = None,
    state: StateOpt = None,
    seed: SeedOpt = None,
    replications: ReplicationsOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    metric: MetricOpt = None,
    reference: ReferenceOpt = None,
    out: OutOpt = None,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = None,
    scheduler: SchedulerOpt = None,
    resume: ResumeOpt = False,
    dry_run: DryRunOpt = False,
    plot: PlotOpt = None,
) -> None:
    """Simulate and summarise: median time (--metric; the user's by default) and its ratio
    to the reference (baseline, or the scenario file's); with --reference VARIANT, also each
    variant paired against that one, message by message, with 95 % intervals.

    Without options: the built-in default scenario, the example `default` (baseline and
    baseline plus one proposal on the built-in profiles). With any of --profile,
    --rtt-ms/--up-kbps/--down-kbps, --loss, --variant, --size, --recipients, --iw,
    --server or --client: that one case. With SCENARIO.toml or --example NAME: that scenario (its
    [output] path unless --out is given). --seed, --replications and --metric apply to all
    of them (--metric overrides a scenario file's [scenario] metric).

    Runs use every core (--workers) or a Dask cluster (--executor dask, --scheduler); the
    results are the same for any of them. --out streams the rows to disk as they are made;
    a dataset directory can be continued with --resume after an interruption. --plot FILE
    also draws the result: bars per profile and variant (.png, .svg, .pdf) or a report
    (.html).
    """
    case = _given(
        profile=_one_or_many(profile), rtt_ms=rtt_ms, up_kbps=up_kbps, down_kbps=down_kbps,
        loss=loss, variant=_one_or_many(variant), size=size, recipients=recipients, iw=iw,
        delack_ms=delack_ms, server=server, client=client, state=state,
    )
    if case and (scenario is not None or example is not None):
        given = ", ".join("--" + name.replace("_", "-") for name in case)
        fail(f"{given}: single-case options do not apply to a scenario, which sets them itself")
    execution = _given(workers=workers, executor=executor and executor.value,
                       scheduler=scheduler)
    if case:
        _run_single(case, _given(seed=seed, replications=replications), fmt, out, metric,
                    execution, resume, dry_run, reference, plot)
        return
    if scenario is None and example is None:
        from smtpsim.scenarios.loader import DEFAULT

        example = DEFAULT
    _run_scenario(scenario, example, seed, replications, fmt, out, metric, execution, resume,
                  dry_run, reference, plot)


def _run_single(
    case: dict[str, Any], repeat: dict[str, Any], fmt: OutputFormat, out: Path | None,
    metric: str | None, execution: dict[str, Any] | None = None, resume: bool = False,
    dry_run: bool = False, reference: str | None = None, plot: Path | None = None,
) -> None:
    """``smtpsim run`` with single-case options: ``api.simulate``, summarised against
    baseline, or paired against ``reference`` (``--reference``); drawn to ``plot``."""
    check_out(out, resume)
    if plot is not None:
        check_plot_path(plot)
    chosen = DEFAULT_METRIC if metric is None else metric
    if reference is not None:
        from smtpsim.cli.reference import case_variants, reference_variant

        reference = reference_variant(reference, case_variants({**case, **repeat}))
    from smtpsim import api
    from smtpsim.cli.views import METRIC_TITLES

    if dry_run:
        with user_errors():
            scenario = api.single_scenario(**case, **repeat)
        print_estimate(scenario, execution or {})
        return
    stop_on_sigterm()
    streamed = _given(out=out, resume=resume or None)
    with user_errors():
        df = api.simulate(**case, **repeat, **(execution or {}), **streamed,
                          progress=True)
    if out is not None:
        typer.echo(f"wrote {len(df)} rows to {out}", err=True)
    if out is not None and (reference is not None or plot is not None
                            or fmt in (OutputFormat.json, OutputFormat.csv)):
        df = read_back(out)  # every column: the pairing needs client and message too
    if fmt in (OutputFormat.json, OutputFormat.csv):
        print_records(df, fmt)
    else:
        from smtpsim.cli.summaries import print_summaries

        print_summaries(df, f"{METRIC_TITLES[chosen]} per profile and variant",
                        reference or REFERENCE, chosen, fmt, paired=reference is not None)
    if plot is not None:
        plot_run(df, plot, reference, chosen)


def _load(scenario: Path | None, example: str | None) -> Scenario:
    if scenario is not None and example is not None:
        fail("give a scenario file or --example NAME, not both")
    if scenario is None and example is None:
        fail("give a scenario file (SCENARIO.toml) or --example NAME")
    from smtpsim import api

    with user_errors():
        return api.load_scenario(scenario, example=example)


def _run_scenario(
    path: Path | None,
    example: str | None,
    seed: int | None,
    replications: int | None,
    fmt: OutputFormat,
    out: Path | None,
    metric: str | None = None,
    execution: dict[str, Any] | None = None,
    resume: bool = False,
    dry_run: bool = False,
    reference: str | None = None,
    plot: Path | None = None,
) -> None:
    """``smtpsim run SCENARIO.toml`` / ``--example NAME``; ``metric`` (``--metric``)
    overrides the file's ``[scenario] metric``, ``reference`` (``--reference``) its
    ``reference`` and adds the paired comparison; drawn to ``plot``."""
    check_out(out, resume and out is not None)
    loaded = _load(path, example)
    if reference is not None:
        from smtpsim.cli.reference import reference_variant

        reference = reference_variant(reference, [v.label for v in loaded.variant])
    if out is None and loaded.output.path is not None:
        out = Path(loaded.output.path)
    check_out(out, resume)
    if plot is not None:
        from smtpsim.scenarios.sweep import point_count

        check_plot_path(plot, point_count(loaded))
    from smtpsim import api

    if dry_run:
        from smtpsim.scenarios.options import overridden

        with user_errors():
            print_estimate(overridden(loaded, replications, seed), execution or {})
        return
    stop_on_sigterm()
    with user_errors():
        result = api.run_scenario_result(loaded, replications, True, seed=seed,
                                         **(execution or {}), **_given(out=out),
                                         **_given(resume=resume or None))
    wrote(result)
    df = result.records
    chosen = result.metric if metric is None else metric
    if out is not None and (reference is not None or plot is not None
                            or fmt in (OutputFormat.json, OutputFormat.csv)):
        df = read_back(out)  # the sink kept the summary's columns; pairing needs all
    if fmt in (OutputFormat.json, OutputFormat.csv):
        print_records(df, fmt)
    else:
        from smtpsim.cli.summaries import print_summaries

        meta = loaded.scenario
        title = f"{meta.name}: {meta.description}" if meta.description else meta.name
        print_summaries(df, title, reference or result.reference, chosen, fmt,
                        paired=reference is not None)
    if plot is not None:
        from smtpsim.execution.run import canonical_text

        plot_run(df, plot, reference or result.reference, chosen, canonical_text(loaded))


@app.command()
def check(scenario: ScenarioArg = None, example: ExampleOpt = None) -> None:
    """Validate a scenario file (nothing is simulated) and print it resolved: every default
    written out, profiles with their preset's numbers, variants with their features."""
    loaded = _load(scenario, example)
    from smtpsim.cli.grid import Grid
    from smtpsim.cli.listings import resolved_view
    from smtpsim.cli.render import print_grids

    console = Console(highlight=False)
    for item in resolved_view(loaded):
        if isinstance(item, Grid):
            print_grids([item], console=console)
        else:
            console.print(item)


@app.command()
def examples() -> None:
    """List the scenario files shipped with smtpsim (run one with --example NAME)."""
    from smtpsim.cli.listings import examples_table
    from smtpsim.cli.render import print_grids

    print_grids([examples_table()])


@app.command()
def clients() -> None:
    """List the client programs (--client NAME) with what they do and their sources."""
    from smtpsim.cli.listings import clients_table
    from smtpsim.cli.render import print_grids

    print_grids([clients_table()])


@app.command()
def servers() -> None:
    """List the server programs and timing presets (--server NAME) with their sources."""
    from smtpsim.cli.listings import server_software_table
    from smtpsim.cli.presets import servers_grid
    from smtpsim.cli.render import print_grids

    print_grids([server_software_table(), servers_grid(details=True)])


@app.command()
def profiles(details: DetailsOpt = False, fmt: ListFormatOpt = GridFormat.table) -> None:
    """List the built-in network profiles and server timing presets: one line each (--details:
    every figure and its source)."""
    from smtpsim.cli.presets import LIST_WIDTH, profiles_grid, servers_grid
    from smtpsim.cli.render import print_grids

    width = LIST_WIDTH if fmt is GridFormat.table else None
    print_grids([profiles_grid(details, width), servers_grid(details, width)], fmt)


@app.command()
def variants(
    expressions: Annotated[list[str] | None, typer.Argument(
        metavar="[EXPRESSION]...",
        help="variant expressions to resolve (the first name may be a preset, later names"
             " are tokens): print the features each one sets")] = None,
    details: DetailsOpt = False,
    fmt: ListFormatOpt = GridFormat.table,
) -> None:
    """List every variant token and preset, one line each (--details: what each sets and its
    source); with expressions, the features each resolves to."""
    from smtpsim.cli.listings import expressions_table
    from smtpsim.cli.presets import LIST_WIDTH, variants_grid
    from smtpsim.cli.render import print_grids

    if not expressions:
        width = LIST_WIDTH if fmt is GridFormat.table else None
        print_grids([variants_grid(details, width)], fmt)
        return
    with user_errors():
        grid = expressions_table(expressions)
    print_grids([grid], fmt)
