"""Running scenarios: records, common random numbers, failures counted, traces, examples."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

import smtpsim.api as api
from smtpsim.analysis.summary import summarize
from smtpsim.execution.columns import PACKET_COLUMNS
from smtpsim.execution.run import run
from smtpsim.model.records import OUTCOMES, columns
from smtpsim.scenarios.cases import build_cases
from smtpsim.scenarios.loader import example_names, load_example, loads
from smtpsim.scenarios.sweep import points

HEAD = '[scenario]\nname = "t"\nseed = 7\nreplications = 2\n'
DSL = '[[profile]]\npreset = "dsl"\n'
VAR = '[[variant]]\npreset = "baseline"\n'


def test_records_carry_identity_and_every_message() -> None:
    scenario = loads(
        HEAD + DSL + VAR + '[[variant]]\npreset = "tfo"\n'
        "[workload]\nclients = 3\nmessages = 2\ngap_s = 5\n[server.farm]\nfrontends = 2\n"
        '[sweep]\n"server.farm.affinity" = [0, 1]\n'
    )
    df = run(scenario).records
    assert list(df.columns) == ["scenario", "point", "server.farm.affinity", *columns()]
    assert len(df) == 2 * 1 * 2 * 2 * 3 * 2  # points x profiles x variants x reps x msgs
    assert set(df["scenario"]) == {"t"} and set(df["point"]) == {0, 1}
    assert set(df["client"]) == {0, 1, 2} and set(df["message"]) == {0, 1}
    assert set(df["frontend"]) <= {"fe1", "fe2"} and df["frontend"].ne("").all()
    assert set(df["replication"]) == {0, 1} and set(df["seed"]) == {7}
    assert df.groupby("point")["server.farm.affinity"].first().tolist() == [0, 1]


def test_same_seed_same_network_for_every_variant() -> None:
    scenario = loads(
        HEAD + '[[profile]]\npreset = "3g"\n' + VAR
        + '[[variant]]\nname = "again"\nfeatures = ["baseline"]\n'
        + '[workload]\nsize_bytes = {dist = "lognormal", median = 50000, sigma = 1}\n'
    )
    df = run(scenario).records
    a, b = (df[df["variant"] == v].reset_index(drop=True) for v in ("baseline", "again"))
    assert a["accept_s"].tolist() == b["accept_s"].tolist()
    assert a["size"].tolist() == b["size"].tolist()
    assert a["accept_s"].nunique() == 2  # the two replications differ


def test_result_carries_the_reference_and_the_metric() -> None:
    default = api.run_scenario_result(loads(HEAD + DSL + VAR), replications=1)
    assert (default.reference, default.metric) == ("baseline", "user")
    chosen = run(loads(HEAD.replace("seed = 7\n", 'seed = 7\nmetric = "occupancy"\n')
                       + DSL + VAR), replications=1)
    assert (chosen.reference, chosen.metric) == ("baseline", "occupancy")


def test_replications_and_seed_override() -> None:
    scenario = loads(HEAD + '[[profile]]\npreset = "3g"\n' + VAR)
    assert len(run(scenario, replications=5).records) == 5
    first = run(scenario).records["accept_s"].tolist()
    assert run(scenario, seed=7).records["accept_s"].tolist() == first
    assert run(scenario, seed=8).records["accept_s"].tolist() != first
    with pytest.raises(ValueError, match="replications"):
        run(scenario, replications=0)


def test_failures_are_counted_not_dropped() -> None:
    scenario = loads(
        HEAD + DSL + '[[profile]]\nname = "dead"\nrtt_ms = 100\nup_kbps = 100\n'
        "down_kbps = 100\nloss = 1\n" + VAR
    )
    df = run(scenario).records
    dead = df[df["profile"] == "dead"]
    assert len(dead) == 2 and set(dead["outcome"]) == {"failed"}
    summary = summarize(df, reference="baseline").set_index("profile")
    assert summary.loc["dead", "n"] == 2 and summary.loc["dead", "failed"] == 2
    assert summary.loc["dsl", "failed"] == 0


def test_messages_cut_by_the_time_limit_are_unfinished_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("smtpsim.simulator.run.TIME_LIMIT_S", 30.0)
    scenario = loads(
        HEAD + '[[profile]]\npreset = "gprs"\n' + VAR
        + "[workload]\nmessages = 3\ngap_s = 1\nsize_bytes = 20000\n"
    )
    df = run(scenario, replications=1).records
    assert sorted(df["message"]) == [0, 1, 2]
    assert (df["outcome"] == "unfinished").sum() >= 1
    assert set(df["outcome"]) <= set(OUTCOMES)


def test_traces_give_a_packet_table() -> None:
    scenario = loads(HEAD + DSL + VAR + '[[variant]]\npreset = "tfo"\n[output]\ntraces = true\n')
    result = run(scenario, replications=1)
    packets = result.packets
    assert packets is not None and list(packets.columns) == PACKET_COLUMNS
    assert set(packets["variant"]) == {"baseline", "tfo"}
    assert set(packets["direction"]) == {"up", "down"}
    assert set(packets["connection"]) == {"smtp"}  # nothing saved: no IMAP session
    assert run(loads(HEAD + DSL + VAR), replications=1).packets is None


def test_the_packet_table_tells_the_imap_session_apart() -> None:
    scenario = loads(HEAD + DSL + '[[variant]]\npreset = "burl"\n[output]\ntraces = true\n')
    packets = run(scenario, replications=1).packets
    assert packets is not None
    imap = packets[packets["connection"] == "imap"]
    assert imap["label"].str.contains("APPEND").any()
    assert not packets[packets["connection"] == "smtp"]["label"].str.contains("APPEND").any()


def test_api_run_scenario(tmp_path: Path) -> None:
    text = HEAD + DSL + VAR
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    from_path = api.run_scenario(path, replications=1)
    from_model = api.run_scenario(loads(text), replications=1, progress=True)
    pd.testing.assert_frame_equal(from_path, from_model)
    assert len(from_path) == 1 and from_path["outcome"].iloc[0] == "accepted"
    assert api.load_scenario(example="busy-server") == load_example("busy-server")
    with pytest.raises(ValueError, match="one of them"):
        api.load_scenario()


def _expected_rows(name: str) -> int:
    n = 0
    for pt in points(load_example(name)):
        for case in build_cases(pt.scenario):
            w = case.workload
            n += w.arrival_sessions if w.arrival_rate else w.clients * w.messages
    return n


@pytest.mark.parametrize("name", sorted(example_names()))
def test_every_example_runs_to_completion(name: str) -> None:
    """One replication each (the files ask for more); every message is a row."""
    start = time.perf_counter()
    df = api.run_scenario(load_example(name), replications=1)
    assert len(df) == _expected_rows(name)
    assert set(df["outcome"]) <= set(OUTCOMES)
    assert (df["outcome"] == "accepted").mean() > 0.8
    assert time.perf_counter() - start < 30
