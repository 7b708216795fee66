"""`smtpsim run`'s execution options against the real API: --dry-run, --workers,
--executor, --resume, --out as a dataset; bad uses refused before anything runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from .fake_api import assert_user_error, invoke


def test_dry_run_prints_the_size_and_an_estimate() -> None:
    """The default scenario: 14 profiles x 15 variants = 210 cases, x 2 replications."""
    result = invoke("run", "--replications", "2", "--dry-run", "--workers", "2")
    assert result.exit_code == 0, result.output
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert lines["points"] == "1" and lines["sessions"] == "420"
    assert lines["runs"].startswith("420 ") and lines["workers"] == "2"
    assert "sessions in" in lines["calibration"]
    assert lines["estimate"].endswith("on 2 workers")


def test_single_case_streams_to_a_dataset(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    result = invoke("run", "--profile", "lan", "--replications", "3", "--workers", "2",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    df = pd.read_parquet(out)
    assert len(df) == 3 and set(df["profile"]) == {"lan"}
    assert f"wrote 3 rows to {out}" in result.stderr


def test_resume_continues_a_dataset(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    args = ("run", "--profile", "lan", "--replications", "3", "--out", str(out))
    assert invoke(*args).exit_code == 0
    again = invoke(*args)
    assert_user_error(again, "already holds files", "--resume")
    resumed = invoke(*args, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert len(pd.read_parquet(out)) == 3


@pytest.mark.usefixtures("nothing_runs")
def test_resume_without_a_dataset_is_refused(tmp_path: Path) -> None:
    assert_user_error(invoke("run", "--profile", "lan", "--resume"), "--resume", "--out")
    assert_user_error(invoke("run", "--profile", "lan", "--resume", "--out",
                             str(tmp_path / "r.csv")), "--resume", "dataset directory")


@pytest.mark.usefixtures("nothing_runs")
def test_out_naming_a_directory_is_refused_before_running(tmp_path: Path) -> None:
    (tmp_path / "somedir.csv").mkdir()
    assert_user_error(invoke("run", "--profile", "lan", "--out", str(tmp_path / "somedir.csv")),
                      "is a directory")
    assert_user_error(invoke("run", "--example", "default", "--out",
                             str(tmp_path / "somedir.csv")), "is a directory")


@pytest.mark.usefixtures("nothing_runs")
@pytest.mark.parametrize("option", [("--workers", "0"), ("--executor", "threads")])
def test_bad_execution_options_are_refused(option: tuple[str, str]) -> None:
    assert_user_error(invoke("run", "--profile", "lan", *option), option[0])
