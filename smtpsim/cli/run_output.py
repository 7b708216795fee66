"""How ``smtpsim run`` meets its output and its end: ``--out`` checked before anything runs,
SIGTERM turned into a clean stop, the records printed (or the streamed rows read back) for
``--format csv|json``, and ``--dry-run``'s estimate printed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from smtpsim.cli.errors import fail, user_errors

if TYPE_CHECKING:
    import pandas as pd

    from smtpsim.execution.run import RunResult
    from smtpsim.scenarios.schema import Scenario

__all__ = ["check_out", "print_estimate", "print_records", "read_back", "stop_on_sigterm",
           "wrote"]


def check_out(out: Path | None, resume: bool = False) -> None:
    """``--out`` obeys the rule of a scenario file's ``[output] path`` and can be written
    (checked before anything is simulated)."""
    if out is None:
        if resume:
            fail("--resume: give the dataset directory to continue with --out DIR")
        return
    from smtpsim.execution.sinks import check_path
    from smtpsim.scenarios.options import check_output

    with user_errors():
        check_output(str(out))
        kind = check_path(out)
    if resume and kind != "dataset":
        fail(f"--resume: {out} is a .{kind} file; only a dataset directory can be resumed")


def stop_on_sigterm() -> None:
    """SIGTERM ends the run as Ctrl-C does: what is half-written is removed (the finished
    part files of a dataset stay, for --resume), and the previous output file is kept."""
    import signal

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def wrote(result: RunResult) -> None:
    if result.path is not None:
        typer.echo(f"wrote {len(result.records)} rows to {result.path}", err=True)


def read_back(out: Path) -> pd.DataFrame:
    """Every column of the rows streamed to ``out`` (for --format csv or json)."""
    import pandas as pd

    if out.suffix.lower() == ".csv" and not out.is_dir():
        return pd.read_csv(out)
    return pd.read_parquet(out)


def print_records(df: pd.DataFrame, fmt: str) -> None:
    """Every record on stdout: ``fmt`` ``json`` (an array of objects, NaN as null) or
    ``csv``."""
    if fmt == "json":
        typer.echo(df.to_json(orient="records", double_precision=15))
    else:
        typer.echo(df.to_csv(index=False), nl=False)


def print_estimate(scenario: Scenario, execution: dict[str, Any]) -> None:
    """--dry-run: the run's size and its estimated time."""
    from smtpsim.cli.views import print_estimate as show
    from smtpsim.execution.estimate import estimate
    from smtpsim.execution.executors import default_workers

    with user_errors():
        show(estimate(scenario, execution.get("workers") or default_workers()))
