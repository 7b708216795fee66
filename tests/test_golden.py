"""Nothing a restructuring does may change a result: every record of the built-in default
scenario and of every shipped example, and the oracle's and the simulator's results on 400
lossless cases, are compared bit for bit with copies stored before the move
(``tests/golden/make_golden.py`` wrote them; regenerate only for an intended change)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from golden_cases import oracle_row, simulator_row

import smtpsim.api as api

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = sorted(p.stem.removeprefix("records-") for p in GOLDEN.glob("records-*.parquet"))
CASES = json.loads((GOLDEN / "oracle-cases.json").read_text())


def _frame(name: str) -> pd.DataFrame:
    if name == "default":
        return api.default_scenario_frame()
    return api.run_scenario(api.load_scenario(example=name))


def test_every_shipped_example_has_a_stored_copy() -> None:
    from smtpsim.scenarios.loader import example_names

    assert sorted([*example_names(), "default"]) == EXAMPLES


@pytest.mark.parametrize("name", EXAMPLES)
def test_records_are_unchanged(name: str) -> None:
    stored = pd.read_parquet(GOLDEN / f"records-{name}.parquet")
    pd.testing.assert_frame_equal(_frame(name), stored, check_exact=True)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b) and type(a) is type(b)


def _differences(now: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    keys = sorted(set(now) | set(stored))
    return [f"{k}: {stored.get(k)!r} -> {now.get(k)!r}" for k in keys
            if not _same(now.get(k), stored.get(k))]


@pytest.mark.parametrize("chunk", range(8))
def test_oracle_and_simulator_results_are_unchanged(chunk: int) -> None:
    bad = []
    for i, row in enumerate(CASES[chunk::8]):
        for what, fn in (("oracle", oracle_row), ("simulator", simulator_row)):
            diff = _differences(fn(row["case"]), row[what])
            if diff:
                bad.append(f"case {chunk + 8 * i} ({row['case']['variant']}) {what}: "
                           + "; ".join(diff[:4]))
    assert not bad, "\n".join(bad[:10])
