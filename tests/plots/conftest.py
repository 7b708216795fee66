"""Figures are drawn with matplotlib's Agg backend (no display) and closed after each test;
frames are built from real ``SessionRecord`` rows, so their columns are the real ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import smtpsim  # noqa: E402

FARM_TOML = """
[scenario]
name = "farm-small"
seed = 3
replications = 2
reference = "baseline"

[[profile]]
preset = "lte"

[[variant]]
preset = "baseline"

[[variant]]
preset = "config-token"

[[variant]]
preset = "tfo"

[workload]
messages = 4
state = "warm"
gap_s = 600

[server.farm]
frontends = 4

[sweep]
"server.farm.affinity" = [0.0, 1.0]
"""


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def simulated() -> pd.DataFrame:
    """A real run: dsl and 3g, baseline, tfo and an expression that is not a preset, two
    replications, 2 % loss (so the replications differ)."""
    return smtpsim.simulate(["dsl", "3g"], variant=["baseline", "tfo", "baseline+chunking"],
                            loss=0.02, replications=2, executor="serial")


@pytest.fixture(scope="session")
def farm(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """A real scenario run with the sweep axis ``server.farm.affinity`` (0 and 1), four
    front-ends that share no secret, four warm messages per client."""
    path: Path = tmp_path_factory.mktemp("farm") / "farm.toml"
    path.write_text(FARM_TOML)
    return smtpsim.run_scenario(path, executor="serial")
