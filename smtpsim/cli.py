"""The ``smtpsim`` command: thin, it calls ``smtpsim.api`` and ``smtpsim.analysis`` and prints.

Commands: ``run`` (the default scenario, one case given by options, a scenario file or a
shipped example), ``check`` (validate a scenario file and print it resolved), ``examples``
(the shipped scenarios), ``trace`` (the ladder diagram of one session), ``profiles`` and
``variants`` (the built-in presets).

Bad input (an unknown name, a value out of range, any ``ValueError`` from the API, a bad
option) prints one line ``error: <message>`` on stderr and exits with status 2, without a
traceback. A bad scenario file prints one line per problem instead,
``FILE: key.path: bad value X; allowed: ...``, also with status 2. ``smtpsim.api`` and the
scenario modules are imported on use, so ``--help`` does not import the SimPy engine.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, NoReturn

import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from smtpsim.analysis.ladder import ladder_lines
from smtpsim.analysis.summary import summarize

try:  # recent typer vendors click as typer._click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover - older typer depends on click
    from click.exceptions import ClickException, NoArgsIsHelpError

__all__ = ["app", "main"]

USAGE_ERROR = 2
OUT_SUFFIXES = (".parquet", ".csv")
REFERENCE = "baseline"


class UserError(ClickException):
    """Bad input, reported as ``error: <message>`` with status 2."""

    exit_code = USAGE_ERROR


class ScenarioProblems(UserError):
    """A scenario file's problems, printed one per line as they are (status 2)."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__(lines[0] if lines else "invalid scenario")
        self.lines = list(lines)


class _OneLineErrors(TyperGroup):
    """Reports every usage error as one ``error: ...`` line on stderr, status 2."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as e:
            if e.format_message():  # with rich help the help is already printed
                typer.echo(e.format_message())
            rv = USAGE_ERROR
        except ScenarioProblems as e:
            for line in e.lines:
                typer.echo(line, err=True)
            rv = USAGE_ERROR
        except ClickException as e:
            message = " ".join(e.format_message().split())
            typer.echo(f"error: {message}", err=True)
            rv = USAGE_ERROR
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            rv = 1
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    name="smtpsim",
    help="Discrete-event latency simulator for SMTP mail submission.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Metric(StrEnum):
    """The time the summary table shows (``smtpsim.analysis.summary.METRICS``)."""

    accept = "accept"
    done = "done"
    user = "user"
    occupancy = "occupancy"


#: The default summary metric, when neither ``--metric`` nor a scenario file sets one.
DEFAULT_METRIC = "done"

#: What the table's median and p95 are, per metric (its caption), and the single-case title.
METRIC_CAPTIONS = {
    "accept": "accept time (the server's final 250 for the message)",
    "done": "done time (accepted, and saved to Sent when the variant saves)",
    "user": 'user time (until the user is told "sent", e.g. after the 221 with quit-wait)',
    "occupancy": "server occupancy (how long the server held the connection)",
}
METRIC_TITLES = {
    "accept": "accept time",
    "done": "done time",
    "user": "user time",
    "occupancy": "server occupancy",
}


# Options shared by `run` and `trace` (None means "not given": the API's default applies).
RttOpt = Annotated[
    float | None, typer.Option("--rtt-ms", metavar="MS", help="Custom path: round-trip time, ms.")
]
UpOpt = Annotated[
    float | None,
    typer.Option("--up-kbps", metavar="KBPS", help="Custom path: uplink rate, kbit/s."),
]
DownOpt = Annotated[
    float | None,
    typer.Option("--down-kbps", metavar="KBPS", help="Custom path: downlink rate, kbit/s."),
]
LossOpt = Annotated[
    float | None, typer.Option("--loss", metavar="P", help="Packet loss probability per direction.")
]
SizeOpt = Annotated[
    int | None,
    typer.Option(
        "--size", min=1, metavar="BYTES", help="Message body size, bytes [default: 10000]."
    ),
]
RcptOpt = Annotated[
    int | None,
    typer.Option("--recipients", min=1, metavar="N", help="Recipients per message [default: 1]."),
]
IwOpt = Annotated[
    int | None,
    typer.Option("--iw", min=1, metavar="SEGMENTS", help="TCP initial window, segments."),
]
DelackOpt = Annotated[
    float | None,
    typer.Option(
        "--delack-ms",
        min=0.001,
        max=500.0,
        metavar="MS",
        help="TCP delayed-ACK timer, ms [default: 40, Linux; Windows uses 200].",
    ),
]
StateOpt = Annotated[
    str | None,
    typer.Option(
        "--state",
        metavar="cold|warm",
        help="Client caches: cold (empty) or warm (left by one earlier connection) "
        "[default: cold].",
    ),
]
ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server", metavar="NAME", help="Server timing: ideal|typical [default: typical]."
    ),
]
ExampleOpt = Annotated[
    str | None,
    typer.Option(
        "--example",
        metavar="NAME",
        help="A scenario shipped with smtpsim (see `smtpsim examples`).",
    ),
]
SeedOpt = Annotated[int | None, typer.Option("--seed", metavar="N", help="Base seed [default: 0].")]
MetricOpt = Annotated[
    Metric | None,
    typer.Option(
        "--metric",
        help="The time the table shows: accept (server's final 250), done (accepted, and "
        "saved to Sent when the variant saves), user (what the user waits) or occupancy "
        "(server connection held) [default: done, or the scenario file's metric].",
        show_default=False,
    ),
]


def _api() -> ModuleType:
    return importlib.import_module("smtpsim.api")


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn a ``ValueError`` from the API or the scenario modules into a ``UserError`` (a
    scenario file's problems into ``ScenarioProblems``)."""
    try:
        yield
    except ValueError as e:
        problems = getattr(e, "problems", None)
        if problems:
            raise ScenarioProblems(problems) from e
        raise UserError(str(e)) from e


def _fail(message: str) -> NoReturn:
    raise UserError(message)


def _case_kwargs(
    rtt_ms: float | None,
    up_kbps: float | None,
    down_kbps: float | None,
    **given: Any,
) -> dict[str, Any]:
    """The keyword arguments the user gave (``None`` ones are left to the API's defaults)."""
    custom = {"--rtt-ms": rtt_ms, "--up-kbps": up_kbps, "--down-kbps": down_kbps}
    if any(v is not None for v in custom.values()) and any(v is None for v in custom.values()):
        missing = ", ".join(k for k, v in custom.items() if v is None)
        _fail(
            f"a custom path needs --rtt-ms, --up-kbps and --down-kbps together; missing {missing}"
        )
    given.update(rtt_ms=rtt_ms, up_kbps=up_kbps, down_kbps=down_kbps)
    return {k: v for k, v in given.items() if v is not None}


def _one_or_many(values: list[str] | None) -> str | list[str] | None:
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def _check_out(out: Path | None) -> None:
    if out is None:
        return
    if out.suffix.lower() not in OUT_SUFFIXES:
        _fail(f"--out {out}: the file name must end in .parquet or .csv")
    if not out.parent.is_dir():
        _fail(f"--out {out}: directory {out.parent} does not exist")


def _write(df: pd.DataFrame, out: Path) -> None:
    try:
        if out.suffix.lower() == ".parquet":
            df.to_parquet(out, index=False)
        else:
            df.to_csv(out, index=False)
    except OSError as e:
        _fail(f"--out {out}: {e.strerror or e}")
    typer.echo(f"wrote {len(df)} rows to {out}", err=True)


def _fmt(value: float, digits: int = 1) -> str:
    return "—" if pd.isna(value) else f"{value:.{digits}f}"


def _summary_table(
    summary: pd.DataFrame,
    title: str,
    reference: str = REFERENCE,
    caption: bool = True,
    metric: str = DEFAULT_METRIC,
) -> Table:
    """Median/p95 of the ``metric`` time in ms, mean waits and the ratio to ``reference``."""
    table = Table(
        title=title,
        title_justify="left",
        caption=f"median, p95: {METRIC_CAPTIONS[metric]} in ms; ratio: median / median of "
        f"{reference} on the same profile; waits: mean round trips waited; all over accepted "
        "messages; failed: messages not accepted (counted here, left out of the times)"
        if caption else None,
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in ("profile", "variant"):
        table.add_column(name, no_wrap=True)
    # with one run per group the p95 is the median: leave it out (80-column terminals)
    with_p95 = bool((summary["n"] > 1).any())
    numbers = ("n", "failed", "median", "p95", "waits", "ratio") if with_p95 else (
        "n", "failed", "median", "waits", "ratio")
    for name in numbers:
        table.add_column(name, justify="right", min_width=len(name), no_wrap=True)
    previous = None
    for r in summary.itertuples():
        if previous is not None and r.profile != previous:
            table.add_section()
        cells = [
            str(r.profile) if r.profile != previous else "",
            str(r.variant),
            str(r.n),
            str(r.failed),
            _fmt(r.median_s * 1e3),
            _fmt(r.p95_s * 1e3),
            _fmt(r.mean_waits),
            _fmt(r.ratio, 2),
        ]
        if not with_p95:
            del cells[5]
        table.add_row(*map(Text, cells))
        previous = r.profile
    return table


def _print(df: pd.DataFrame, fmt: OutputFormat, title: str, metric: str = DEFAULT_METRIC) -> None:
    if fmt is OutputFormat.json:
        typer.echo(df.to_json(orient="records", double_precision=15))
    elif fmt is OutputFormat.csv:
        typer.echo(df.to_csv(index=False), nl=False)
    else:
        summary = summarize(df, reference=REFERENCE, metric=metric)
        Console().print(_summary_table(summary, title, metric=metric))


@app.command()
def run(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            metavar="SCENARIO.toml",
            help="Scenario file (TOML): runs every profile x variant x replication.",
        ),
    ] = None,
    example: ExampleOpt = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            metavar="NAME",
            help="Built-in profile name (see `smtpsim profiles`); repeat for several.",
        ),
    ] = None,
    rtt_ms: RttOpt = None,
    up_kbps: UpOpt = None,
    down_kbps: DownOpt = None,
    loss: LossOpt = None,
    variant: Annotated[
        list[str] | None,
        typer.Option("--variant", metavar="EXPR", help="Variant expression; repeat for several."),
    ] = None,
    size: SizeOpt = None,
    recipients: RcptOpt = None,
    iw: IwOpt = None,
    delack_ms: DelackOpt = None,
    server: ServerOpt = None,
    state: StateOpt = None,
    seed: SeedOpt = None,
    replications: Annotated[
        int | None,
        typer.Option("--replications", min=1, metavar="R", help="Runs per case [default: 1]."),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Output on stdout.")
    ] = OutputFormat.table,
    metric: MetricOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="FILE", help="Also write the per-message rows (.parquet or .csv)."
        ),
    ] = None,
) -> None:
    """Simulate and summarise: median time (--metric; done by default) and its ratio to the
    reference (baseline, or the scenario file's).

    Without options: the built-in default scenario (every variant preset, and
    baseline+save beside burl, on the built-in profiles). With any of --profile,
    --rtt-ms/--up-kbps/--down-kbps, --loss, --variant, --size, --recipients, --iw or
    --server: that one case. With SCENARIO.toml or --example NAME: that scenario (its
    [output] path unless --out is given). --seed, --replications and --metric apply to all
    of them (--metric overrides a scenario file's [scenario] metric).
    """
    if scenario is not None or example is not None:
        single = {
            "--profile": profile, "--rtt-ms": rtt_ms, "--up-kbps": up_kbps,
            "--down-kbps": down_kbps, "--loss": loss, "--variant": variant, "--size": size,
            "--recipients": recipients, "--iw": iw, "--delack-ms": delack_ms,
            "--server": server, "--state": state,
        }
        given = [k for k, v in single.items() if v is not None]
        if given:
            _fail(f"{', '.join(given)}: single-case options do not apply to a scenario, "
                  "which sets them itself")
        _run_scenario(scenario, example, seed, replications, fmt, out, metric)
        return
    _check_out(out)
    case = _case_kwargs(
        rtt_ms,
        up_kbps,
        down_kbps,
        profile=_one_or_many(profile),
        loss=loss,
        variant=_one_or_many(variant),
        size=size,
        recipients=recipients,
        iw=iw,
        delack_ms=delack_ms,
        server=server,
        state=state,
    )
    given = {"seed": seed, "replications": replications}
    repeat = {k: v for k, v in given.items() if v is not None}
    chosen = DEFAULT_METRIC if metric is None else metric.value
    with _user_errors():
        if case:
            df = _api().simulate(**case, **repeat)
            title = f"{METRIC_TITLES[chosen]} per profile and variant"
        else:
            df = _api().default_scenario_frame(**repeat)
            title = (
                "default scenario: every variant preset, and baseline+save beside burl, on "
                "every built-in profile, warm clients"
            )
    _print(df, fmt, title, chosen)
    if out is not None:
        _write(df, out)


def _load(scenario: Path | None, example: str | None) -> Any:
    if scenario is not None and example is not None:
        _fail("give a scenario file or --example NAME, not both")
    if scenario is None and example is None:
        _fail("give a scenario file (SCENARIO.toml) or --example NAME")
    with _user_errors():
        return _api().load_scenario(scenario, example=example)


def _run_scenario(
    path: Path | None,
    example: str | None,
    seed: int | None,
    replications: int | None,
    fmt: OutputFormat,
    out: Path | None,
    metric: Metric | None = None,
) -> None:
    """``smtpsim run SCENARIO.toml`` / ``--example NAME``; ``metric`` (``--metric``)
    overrides the file's ``[scenario] metric``."""
    loaded = _load(path, example)
    if out is None and loaded.output.path is not None:
        out = Path(loaded.output.path)
    _check_out(out)
    with _user_errors():
        result = _api().run_scenario_result(
            loaded, replications, sys.stderr.isatty(), seed=seed
        )
    df = result.records
    chosen = result.metric if metric is None else metric.value
    if fmt is OutputFormat.table:
        summary = importlib.import_module("smtpsim.cli_scenario").scenario_summary(
            df, result.reference, chosen)
        meta = loaded.scenario
        title = f"{meta.name}: {meta.description}" if meta.description else meta.name
        groups = list(summary.groupby("point", sort=False))
        console = Console()
        for i, (label, group) in enumerate(groups):
            head = f"{title}\n{label}" if i == 0 and label else label or title
            last = i == len(groups) - 1
            console.print(_summary_table(group, head, result.reference, caption=last,
                                         metric=chosen))
    else:
        _print(df, fmt, "", chosen)
    if out is not None:
        _write(df, out)
        if result.packets is not None:
            _write(result.packets, out.with_name(f"{out.stem}.packets{out.suffix}"))


@app.command()
def check(
    scenario: Annotated[
        Path | None,
        typer.Argument(metavar="SCENARIO.toml", help="Scenario file (TOML) to validate."),
    ] = None,
    example: ExampleOpt = None,
) -> None:
    """Validate a scenario file (nothing is simulated) and print it resolved: every default
    written out, profiles with their preset's numbers, variants with their features."""
    loaded = _load(scenario, example)
    console = Console(highlight=False)
    for item in importlib.import_module("smtpsim.cli_scenario").resolved_view(loaded):
        console.print(item)


@app.command()
def examples() -> None:
    """List the scenario files shipped with smtpsim (run one with --example NAME)."""
    Console().print(importlib.import_module("smtpsim.cli_scenario").examples_table())


@app.command()
def trace(
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", metavar="NAME", help="Built-in profile name (see `smtpsim profiles`)."
        ),
    ] = None,
    rtt_ms: RttOpt = None,
    up_kbps: UpOpt = None,
    down_kbps: DownOpt = None,
    loss: LossOpt = None,
    variant: Annotated[
        str | None,
        typer.Option("--variant", metavar="EXPR", help="Variant expression [default: baseline]."),
    ] = None,
    size: SizeOpt = None,
    recipients: RcptOpt = None,
    iw: IwOpt = None,
    delack_ms: DelackOpt = None,
    server: ServerOpt = None,
    state: StateOpt = None,
    seed: SeedOpt = None,
    width: Annotated[
        int | None,
        typer.Option(
            "--width", metavar="COLUMNS", help="Line width [default: the terminal's, or 100]."
        ),
    ] = None,
) -> None:
    """Simulate one session and print its ladder diagram, one line per packet."""
    case = _case_kwargs(
        rtt_ms,
        up_kbps,
        down_kbps,
        profile=profile,
        loss=loss,
        variant=variant,
        size=size,
        recipients=recipients,
        iw=iw,
        delack_ms=delack_ms,
        server=server,
        state=state,
        seed=seed,
    )
    console = Console(soft_wrap=True, highlight=False)
    if width is None:
        width = max(100, console.width) if console.is_terminal else 100
    with _user_errors():
        session = _api().trace(**case)
        lines = ladder_lines(session, width=width)
    for line, row in lines:
        if row is None:
            style = "bold"
        elif row["lost"]:
            style = "red"
        elif row["retransmit"]:
            style = "yellow"
        else:
            style = "green" if row["direction"] == "up" else "cyan"
        console.print(Text(line, style=style))


@app.command()
def profiles() -> None:
    """List the built-in network profiles and the source of their figures."""
    table_of = importlib.import_module("smtpsim.scenarios.profiles").builtin_profiles()
    table = Table(title="built-in profiles", title_justify="left")
    table.add_column("name")
    for name in ("RTT ms", "down kbit/s", "up kbit/s", "loss %", "jitter ms"):
        table.add_column(name, justify="right")
    table.add_column("source")
    for p in table_of.values():
        cells = (
            p.name,
            f"{p.rtt_s * 1e3:g}",
            f"{p.down_bps / 1e3:,.0f}",
            f"{p.up_bps / 1e3:,.0f}",
            f"{p.loss * 100:g}",
            f"{p.jitter_s * 1e3:g}",
            p.source,
        )
        table.add_row(*map(Text, cells))
    Console().print(table)


@app.command()
def variants() -> None:
    """List every variant token and preset with what it does and its source."""
    module = importlib.import_module("smtpsim.scenarios.variants")
    rows = [
        (t.name, t.kind, getattr(t, "sets", ""), t.description, t.source)
        for t in module.variant_table()
    ]
    listed = {name for name, kind, *_ in rows if kind == "preset"}
    rows += [
        (name, "preset", expr, "", "")
        for name, expr in module.PRESETS.items()
        if name not in listed
    ]
    table = Table(title="variant tokens and presets", title_justify="left")
    for name in ("name", "kind", "sets", "description", "source"):
        table.add_column(name)
    for row in rows:
        table.add_row(*map(Text, row))
    Console().print(table)


def main() -> None:
    """Console-script entry point (``smtpsim = smtpsim.cli:main``)."""
    app()
