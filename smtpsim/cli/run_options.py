"""The options of ``smtpsim run`` that say how a run executes and where it streams to:
``--workers``, ``--executor``, ``--scheduler``, ``--resume``, ``--dry-run``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["DryRunOpt", "ExecutorOpt", "ExecutorOption", "ResumeOpt", "SchedulerOpt",
           "WorkersOpt", "MAX_WORKERS"]

#: The most worker processes one machine's pool may have (``--workers``).
MAX_WORKERS = 1024


class ExecutorOption(StrEnum):
    processes = "processes"
    serial = "serial"
    dask = "dask"


WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", metavar="N", min=1, max=MAX_WORKERS,
                 help="Worker processes [default: every core]."),
]
ExecutorOpt = Annotated[
    ExecutorOption | None,
    typer.Option("--executor", case_sensitive=False,
                 help="processes: a local pool; serial: this process; dask: a local Dask "
                      "cluster (or --scheduler) [default: processes]."),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", metavar="ADDRESS",
                 help="Run on the Dask cluster whose scheduler is at ADDRESS "
                      "(tcp://host:8786)."),
]
ResumeOpt = Annotated[
    bool,
    typer.Option("--resume", help="Continue the interrupted run written to --out DIR."),
]
DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Print the run's size and an estimated time; simulate "
                                   "only a short calibration."),
]
