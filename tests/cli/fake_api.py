"""A recording stand-in for ``smtpsim.api`` and the helpers that run the `smtpsim` command:
what the CLI tests share."""


from __future__ import annotations

import math
import types
from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner, Result

from smtpsim.cli import app
from smtpsim.execution.run import RunResult
from smtpsim.model.trace import PacketEvent, Trace
from smtpsim.scenarios.loader import load_example
from smtpsim.scenarios.schema import Scenario

COLUMNS = [
    "profile", "variant", "seed", "replication", "size", "recipients", "iw", "server",
    "outcome", "accept_s", "saved_s", "done_s", "user_s", "close_s", "occupancy_s",
    "greeting_s", "rtt_accept", "rtt_done", "rtt_user", "bytes_up", "bytes_down",
    "packets_up", "packets_down", "retransmits", "phase_connect_s", "phase_greeting_s",
    "phase_tls_s", "phase_ehlo_s", "phase_auth_s", "phase_envelope_s", "phase_data_s",
    "phase_quit_s",
]  # fmt: skip

runner = CliRunner()


def frame() -> pd.DataFrame:
    """3g: baseline 2.0 s, pipelining 1.0 s (+1 failure); lte: baseline 0.4 s, pipelining 0.3 s.

    Accept times; nothing is saved, so ``done_s`` is the accept time; the user waits 0.1 s
    longer (``user_s``); the server holds the connection 0.05 s less (``occupancy_s``). Round
    trips to the 250: baseline 8, pipelining 5 (done the same, the user one more; -1 for the
    failure, which reached none)."""
    cases = [
        ("3g", "baseline", "accepted", 2.0, 8),
        ("3g", "pipelining", "accepted", 1.0, 5),
        ("3g", "pipelining", "failed", math.nan, 1),
        ("lte", "baseline", "accepted", 0.4, 8),
        ("lte", "pipelining", "accepted", 0.3, 5),
    ]
    rows = []
    for i, (profile, variant, outcome, accept, rtt) in enumerate(cases):
        rtt = rtt if outcome == "accepted" else -1
        row: dict[str, Any] = {c: 0.0 for c in COLUMNS if c.endswith("_s")}
        row.update(
            profile=profile, variant=variant, seed=0, replication=i, size=10_000,
            recipients=1, iw=10, server="typical", outcome=outcome, accept_s=accept,
            saved_s=math.nan, done_s=accept, user_s=accept + 0.1, close_s=accept + 0.1,
            occupancy_s=accept - 0.05, rtt_accept=rtt, rtt_done=rtt,
            rtt_user=rtt + 1 if rtt >= 0 else -1, bytes_up=11_000, bytes_down=3_000,
            packets_up=12, packets_down=10, retransmits=0,
        )  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def fake_trace() -> Trace:
    packets = [
        PacketEvent("up", 0.0, 0.05, 52, 0, "S", 0, 0, ""),
        PacketEvent("down", 0.05, 0.1, 52, 0, "SA", 0, 1, ""),
        PacketEvent("down", 0.1, None, 80, 28, "PA", 1, 1, "220 mx ESMTP\r\n"),
    ]
    return Trace(packets=packets, rtt_s=0.1, profile="lte", variant="baseline")


def _written(df: pd.DataFrame, out: Any) -> pd.DataFrame:
    """``df``, written to ``out`` first when given (a .csv file, else Parquet)."""
    if out is not None:
        if str(out).endswith(".csv"):
            df.to_csv(out, index=False)
        else:
            df.to_parquet(out, index=False)
    return df


class FakeApi(types.ModuleType):
    """Stands in for ``smtpsim.api``: records each call, returns canned results."""

    def __init__(self) -> None:
        super().__init__("smtpsim.api")
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.error: Exception | None = None

    def _call(self, name: str, kwargs: dict[str, Any]) -> None:
        """Records a call; ``progress`` is display only, and ``out`` is written here as the
        real API writes it (``_written``)."""
        self.calls.append((name, {k: v for k, v in kwargs.items() if k != "progress"}))
        if self.error is not None:
            raise self.error

    def simulate(self, profile: Any = None, **kwargs: Any) -> pd.DataFrame:
        self._call("simulate", {"profile": profile, **kwargs})
        return _written(frame(), kwargs.get("out"))

    def load_scenario(self, path: Any = None, **kwargs: Any) -> Scenario:
        self._call("load_scenario", {"path": path, **kwargs})
        return load_example(kwargs["example"])

    def run_scenario_result(self, scenario: Scenario, replications: Any, progress: bool,
                            **kwargs: Any) -> RunResult:
        self._call("run_scenario_result", {"scenario": scenario.scenario.name,
                                           "replications": replications, **kwargs})
        records = frame()
        records.insert(0, "point", 0)
        records.insert(0, "scenario", scenario.scenario.name)
        out = kwargs.get("out")
        return RunResult(_written(records, out), None, scenario.reference,
                         scenario.scenario.metric, None if out is None else Path(out))

    def trace(self, profile: Any = None, **kwargs: Any) -> Trace:
        self._call("trace", {"profile": profile, **kwargs})
        return fake_trace()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def assert_user_error(result: Result, *needles: str) -> str:
    """Status 2, nothing on stdout, one ``error: ...`` line on stderr; returns that line."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


def table_caption(out: str) -> str:
    """The table's caption, on one line (rich wraps it)."""
    return " ".join(out[out.index("median, p95:"):].split())
