"""Results read back from what ``smtpsim run --out`` wrote: CSV, Parquet, dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from smtpsim.analysis.results import ResultsError, read_results
from smtpsim.api import run_scenario_result, single_scenario


def _rows() -> pd.DataFrame:
    return pd.DataFrame({"profile": ["dsl", "dsl"], "variant": ["baseline", "burl"],
                         "outcome": ["accepted", "failed"], "user_s": [1.5, float("nan")]})


def test_csv_and_parquet_files_read_back_equal(tmp_path: Path) -> None:
    """Both single-file outputs give the rows written, and nothing about a scenario."""
    df = _rows()
    df.to_csv(tmp_path / "r.csv", index=False)
    df.to_parquet(tmp_path / "r.parquet")
    for name in ("r.csv", "r.parquet"):
        got = read_results(tmp_path / name)
        pd.testing.assert_frame_equal(got.records, df)
        assert got.scenario is None and got.complete


def test_a_dataset_directory_brings_its_scenario_text(tmp_path: Path) -> None:
    """A dataset written by a real run: every row, and the manifest's canonical scenario
    text (which names the scenario), complete."""
    out = tmp_path / "ds"
    scenario = single_scenario("dsl", variant=["baseline", "burl"], replications=3)
    run_scenario_result(scenario, workers=1, executor="serial", out=out)
    got = read_results(out)
    assert len(got.records) == 6
    assert set(got.records["variant"]) == {"baseline", "burl"}
    manifest = json.loads((out / "_manifest.json").read_text())
    assert got.scenario == manifest["scenario"] and "[scenario]" in got.scenario
    assert got.complete


def test_an_interrupted_dataset_says_so(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    out.mkdir()
    _rows().to_parquet(out / "part-000000.parquet")
    (out / "_manifest.json").write_text(json.dumps({"scenario": "x", "complete": False}))
    assert not read_results(out).complete


@pytest.mark.parametrize(("name", "content", "says"), [
    ("missing.csv", None, "no such file"),
    ("notes.txt", "hello", "allowed: a .csv or .parquet"),
    ("bad.parquet", "not parquet", "cannot be read"),
    ("other.csv", "a,b\n1,2\n", "no column profile, variant, outcome"),
])
def test_what_is_not_results_is_refused_in_one_line(
        tmp_path: Path, name: str, content: str | None, says: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(ResultsError) as err:
        read_results(path)
    message = str(err.value)
    assert says in message and str(path) in message and "\n" not in message


def test_an_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="without Parquet part files"):
        read_results(tmp_path)
