"""Write the stored copies that ``tests/test_golden.py`` compares the package against.

    python tests/golden/make_golden.py

Run it only when a change is *meant* to alter what the simulator or the oracle computes, and
say so in the commit: the point of these files is that a restructuring leaves every record of
the default scenario and of every shipped example, and every oracle result, bit for bit as it
was. ``oracle-cases.json`` holds 400 lossless cases drawn once (derandomized) from the
property-test strategies, each with the oracle's result (or the exception it raises) and the
simulator's record.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from golden_cases import describe, oracle_row, simulator_row  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

import smtpsim.api as api  # noqa: E402

EXAMPLES = ("big-attachments", "busy-server", "lemonade-2006", "mobile-today", "server-farm")
N_CASES = 400


def _records() -> None:
    api.default_scenario_frame().to_parquet(HERE / "records-default.parquet", index=False)
    for name in EXAMPLES:
        df = api.run_scenario(api.load_scenario(example=name))
        df.to_parquet(HERE / f"records-{name}.parquet", index=False)


def _cases() -> None:
    from strategies import lossless_cases

    drawn: list[dict] = []

    @settings(max_examples=N_CASES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(lossless_cases())
    def collect(case) -> None:  # type: ignore[no-untyped-def]
        if len(drawn) < N_CASES:
            drawn.append(describe(case))

    collect()
    rows = []
    for d in drawn:
        rows.append({"case": d, "oracle": oracle_row(d), "simulator": simulator_row(d)})
    text = json.dumps(rows, indent=None, allow_nan=True)
    (HERE / "oracle-cases.json").write_text(text + "\n")
    outside = sum(1 for r in rows if "error" in r["oracle"])
    print(f"{len(rows)} cases, {outside} outside the oracle's domain")


if __name__ == "__main__":
    assert not math.isnan(0.0)
    _records()
    _cases()
