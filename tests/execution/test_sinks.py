"""Where records go: one CSV or Parquet file written under a temporary name and renamed, a
Parquet dataset directory (part per chunk, manifest) that ``resume`` continues and that
refuses another scenario; output paths checked before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from smtpsim.execution.run import run
from smtpsim.execution.sinks import MANIFEST, OutputError, check_path, output_kind

from .scenarios import TEXT, scenario


@pytest.fixture(scope="module")
def memory() -> pd.DataFrame:
    return run(scenario(), executor="serial", chunk_sessions=5).records


@pytest.mark.parametrize("name", ["r.csv", "r.parquet", "ds"])
def test_streamed_output_holds_every_record(memory: pd.DataFrame, tmp_path: Path,
                                            name: str) -> None:
    out = tmp_path / name
    result = run(scenario(), executor="serial", chunk_sessions=5, out=out)
    assert result.path == out
    read = pd.read_csv(out) if name.endswith(".csv") else pd.read_parquet(out)
    assert len(read) == len(memory) == 48
    assert read.columns.tolist() == memory.columns.tolist()
    assert read["user_s"].tolist() == pytest.approx(memory["user_s"].tolist(), nan_ok=True)
    assert read["variant"].tolist() == memory["variant"].tolist()
    # the summary columns are kept for the table, not the whole records
    assert "user_s" in result.records and "bytes_up" not in result.records
    assert len(result.records) == 48
    assert [p.name for p in tmp_path.rglob(".*")] == []  # no temporary file left


def test_parquet_file_is_bit_identical_to_memory(memory: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "r.parquet"
    run(scenario(), workers=2, chunk_sessions=5, out=out)
    pd.testing.assert_frame_equal(pd.read_parquet(out), memory)


def test_dataset_directory_has_a_part_per_chunk_and_a_manifest(memory: pd.DataFrame,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "ds"
    run(scenario(), workers=2, chunk_sessions=5, out=out)
    parts = sorted(p.name for p in out.glob("part-*.parquet"))
    assert parts == [f"part-{i:06d}.parquet" for i in range(10)]
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["complete"] is True and manifest["chunk_sessions"] == 5
    assert 'name = "exec"' in manifest["scenario"] and len(manifest["scenario_sha256"]) == 64
    pd.testing.assert_frame_equal(pd.read_parquet(out), memory)


def test_resume_skips_the_parts_written(memory: pd.DataFrame, tmp_path: Path) -> None:
    """Remove three parts of a finished dataset: resuming runs exactly those three chunks
    again (the others' files are not touched) and the dataset is whole again."""
    out = tmp_path / "ds"
    run(scenario(), executor="serial", chunk_sessions=5, out=out)
    kept = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.parquet")}
    for i in (0, 4, 9):
        (out / f"part-{i:06d}.parquet").unlink()
    resumed = run(scenario(), executor="serial", chunk_sessions=5, out=out, resume=True)
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.parquet")}
    assert len(after) == 10
    assert all(after[name] == mtime for name, mtime in kept.items() if name in after
               and name not in {"part-000000.parquet", "part-000004.parquet",
                                "part-000009.parquet"})
    assert len(resumed.records) == 48
    pd.testing.assert_frame_equal(pd.read_parquet(out), memory)


def test_a_used_directory_needs_resume(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    run(scenario(), executor="serial", chunk_sessions=5, out=out)
    with pytest.raises(OutputError, match="already holds files: give --resume"):
        run(scenario(), executor="serial", chunk_sessions=5, out=out)


def test_resume_refuses_another_scenario(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    run(scenario(), executor="serial", chunk_sessions=5, out=out)
    changed = scenario(TEXT.replace("size_bytes = 3000", "size_bytes = 4000"))
    with pytest.raises(OutputError, match="written for another scenario"):
        run(changed, executor="serial", chunk_sessions=5, out=out, resume=True)


def test_resume_refuses_a_directory_smtpsim_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not a smtpsim dataset"):
        run(scenario(), executor="serial", out=tmp_path / "ds", resume=True)


@pytest.mark.parametrize("name, kind", [("a.csv", "csv"), ("a.PARQUET", "parquet"),
                                        ("runs", "dataset"), ("runs.2026/", "dataset")])
def test_output_kind_is_read_from_the_name(name: str, kind: str) -> None:
    assert output_kind(name) == kind


def test_a_directory_named_like_a_file_is_refused_before_running(tmp_path: Path) -> None:
    (tmp_path / "somedir.csv").mkdir()
    with pytest.raises(OutputError, match="is a directory"):
        check_path(tmp_path / "somedir.csv")


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        check_path(tmp_path / "nowhere" / "r.csv")
