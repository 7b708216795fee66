"""The options and arguments the ``smtpsim`` commands share, as typer annotations.

``None`` means "not given": the API's (or the scenario file's) default applies, and the
command can tell which single-case options were given at all. The values are checked where
a scenario file's are (``smtpsim.scenarios.options``), not here, so each rule and its
"allowed" text exists once; ``--width`` (no file key) is checked here. Choices are
case-insensitive, as everywhere (``--format CSV``, ``--metric User``, ``--state WARM``).
The ``--metric`` choices are the keys of ``smtpsim.model.records.METRICS``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from smtpsim.cli.errors import UserError
from smtpsim.cli.render import GridFormat
from smtpsim.cli.views import metric_help
from smtpsim.model.records import METRICS
from smtpsim.scenarios.errors import InvalidValueError
from smtpsim.scenarios.limits import MAX_WIDTH

__all__ = [
    "given",
    "DelackOpt", "DetailsOpt", "DownOpt", "ExampleOpt", "FormatOpt", "IwOpt",
    "ListFormatOpt", "LossOpt", "MetricName", "MetricOpt", "OutOpt", "OutputFormat",
    "ProfileOpt", "ProfilesOpt", "RcptOpt", "ReferenceOpt", "ReplicationsOpt",
    "RttOpt", "ScenarioArg", "SeedOpt", "ServerOpt", "SizeOpt", "StateOpt",
    "UpOpt", "VariantOpt", "VariantsOpt", "WidthOpt",
]


class OutputFormat(StrEnum):
    """``run --format``: the summary as a table or markdown, or the records as JSON or
    CSV."""

    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"


if TYPE_CHECKING:
    MetricName = str
else:  # typer offers a Literal's values as the choices
    MetricName = Literal[tuple(METRICS)]

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="SCENARIO.toml",
        help="Scenario file (TOML): runs every profile x variant x replication.",
    ),
]
ExampleOpt = Annotated[
    str | None,
    typer.Option(
        "--example", metavar="NAME",
        help="A scenario shipped with smtpsim (see `smtpsim examples`).",
    ),
]
ProfilesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--profile", metavar="NAME",
        help="Built-in profile name (see `smtpsim profiles`); repeat for several.",
    ),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile", metavar="NAME", help="Built-in profile name (see `smtpsim profiles`)."
    ),
]
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
VariantsOpt = Annotated[
    list[str] | None,
    typer.Option("--variant", metavar="EXPR", help="Variant expression; repeat for several."),
]
VariantOpt = Annotated[
    str | None,
    typer.Option("--variant", metavar="EXPR", help="Variant expression [default: baseline]."),
]
SizeOpt = Annotated[
    int | None,
    typer.Option(
        "--size", metavar="BYTES", help="Message body size, bytes [default: 10000]."
    ),
]
RcptOpt = Annotated[
    int | None,
    typer.Option("--recipients", metavar="N", help="Recipients per message [default: 1]."),
]
IwOpt = Annotated[
    int | None,
    typer.Option("--iw", metavar="SEGMENTS", help="TCP initial window, segments."),
]
DelackOpt = Annotated[
    float | None,
    typer.Option(
        "--delack-ms", metavar="MS",
        help="TCP delayed-ACK timer, ms [default: 40, Linux; Windows uses 200].",
    ),
]
StateOpt = Annotated[
    str | None,
    typer.Option(
        "--state", metavar="cold|warm",
        help="Client caches: warm (left by one earlier connection) or cold (empty) "
        "[default: warm].",
    ),
]
ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server", metavar="NAME",
        help="Server program (postfix, exim, aiosmtpd, dovecot: behaviour and measured timings;"
        " smtpsim servers) or timing preset (ideal, typical) [default: typical].",
    ),
]
ClientOpt = Annotated[
    str | None,
    typer.Option(
        "--client", metavar="NAME",
        help="Client program: generic (the variant's own writes and Nagle), smtplib, swaks,"
        " exim (smtpsim clients) [default: generic].",
    ),
]
SeedOpt = Annotated[int | None, typer.Option("--seed", metavar="N", help="Base seed [default: 0].")]
ReplicationsOpt = Annotated[
    int | None,
    typer.Option("--replications", metavar="R", help="Runs per case [default: 1]."),
]
FormatOpt = Annotated[
    OutputFormat, typer.Option(
        "--format", case_sensitive=False,
        help="Output on stdout: the summary as a table fitted to the terminal or as a markdown"
             " table, or every record as JSON or CSV.")
]
ListFormatOpt = Annotated[
    GridFormat, typer.Option(
        "--format", case_sensitive=False,
        help="A table fitted to the terminal, a markdown table, or CSV.")
]
DetailsOpt = Annotated[
    bool, typer.Option("--details", "-l", help="Every field and source, not the short list.")
]
ReferenceOpt = Annotated[
    str | None,
    typer.Option(
        "--reference", metavar="VARIANT",
        help="Compare every variant with this one, message by message (difference, ratio,"
             " round trips saved, with 95 % intervals) [default: ratios only, to baseline or"
             " the scenario file's reference].",
        show_default=False,
    ),
]
MetricOpt = Annotated[
    MetricName | None,
    typer.Option(
        "--metric",
        case_sensitive=False,
        help=f"The time the table shows: {metric_help()} [default: done, or the scenario "
        "file's metric].",
        show_default=False,
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", metavar="PATH",
        help="Also write the per-message rows, as they are made: a .csv or .parquet file, "
             "or a Parquet dataset directory (any other name; resumable).",
    ),
]
def _width(value: int | None) -> int | None:
    """``--width`` up to ``MAX_WIDTH`` columns (each line is built that wide; the ladder
    says the least it needs)."""
    if value is not None and not 1 <= value <= MAX_WIDTH:
        raise UserError(str(InvalidValueError(
            "width", value, f"a whole number in [1, {MAX_WIDTH}] (columns; the ladder needs "
            "76 or more)")))
    return value


WidthOpt = Annotated[
    int | None,
    typer.Option(
        "--width", metavar="COLUMNS", help="Line width [default: the terminal's, or 100].",
        callback=_width,
    ),
]


def given(**options: Any) -> dict[str, Any]:
    """The options the user gave (``None`` ones are left to the API's defaults)."""
    return {k: v for k, v in options.items() if v is not None}
