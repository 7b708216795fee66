"""The notebook API: the package's lazy public names, shapes, replications, common random
numbers, errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

import smtpsim
import smtpsim.api as sim
from smtpsim.model import Features
from smtpsim.model.records import PHASES, columns
from smtpsim.scenarios.profiles import builtin_profiles
from smtpsim.scenarios.variants import PRESETS, parse_variant


@pytest.mark.parametrize("module", ["smtpsim", "smtpsim.model", "smtpsim.cli", "smtpsim.oracle",
                                    "smtpsim.analysis.ladder"])
def test_light_modules_import_neither_pandas_nor_simpy(module: str) -> None:
    """The package's __init__ loads its public names on first use (PEP 562): importing the
    model, the CLI (for --help) or the ladder pulls in no engine and no data frames."""
    code = (f"import sys, {module}; "
            "print(sorted({'pandas', 'simpy', 'numpy'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_cli_builds_no_model_dataclass_it_does_not_show() -> None:
    """``smtpsim --help`` reads the metric names only: ``smtpsim.model`` loads its names on
    first use (PEP 562), so importing the CLI leaves the case, network and TCP values (a
    quarter of --help's import time when built) unloaded; they load on use, as themselves."""
    code = ("import json, sys, smtpsim.cli; "
            "print(json.dumps([m for m in sys.modules if m.startswith('smtpsim.model.')]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    loaded = set(json.loads(out.stdout))
    assert loaded.isdisjoint({"smtpsim.model.case", "smtpsim.model.network",
                              "smtpsim.model.tcp", "smtpsim.model.features"}), loaded
    import smtpsim.model as model
    from smtpsim.model.case import Case

    assert model.Case is Case and "Case" in dir(model)
    with pytest.raises(AttributeError, match="no attribute 'Cas'"):
        model.Cas  # noqa: B018


def test_public_names_load_on_use() -> None:
    assert set(smtpsim.__all__) <= set(dir(smtpsim))
    for name in smtpsim.__all__:
        assert getattr(smtpsim, name) is not None, name
    assert smtpsim.simulate is sim.simulate and smtpsim.trace is sim.trace
    assert smtpsim.Features is Features
    with pytest.raises(AttributeError, match="no attribute 'simulat'"):
        smtpsim.simulat  # noqa: B018


def test_simulate_returns_one_row_per_profile_variant_replication() -> None:
    df = sim.simulate(["dsl", "lte"], variant=["baseline", "chunking"], replications=3, seed=7)
    assert list(df.columns) == columns()
    assert len(df) == 2 * 2 * 3
    assert set(df.profile) == {"dsl", "lte"}
    assert set(df.variant) == {"baseline", "chunking"}
    assert sorted(df.replication.unique()) == [0, 1, 2]
    assert (df.seed == 7).all()
    assert (df.outcome == "accepted").all()


def test_records_carry_the_brief_fields() -> None:
    df = sim.simulate("dsl")
    for name in ("profile", "variant", "seed", "outcome", "accept_s", "close_s", "rtt_accept",
                 "bytes_up", "bytes_down", "packets_up", "packets_down", "retransmits"):
        assert name in df.columns
    for phase in PHASES:
        assert f"phase_{phase}_s" in df.columns
    row = df.iloc[0]
    assert row.close_s > row.accept_s > row.greeting_s > 0
    assert math.isclose(sum(row[f"phase_{p}_s"] for p in PHASES), row.close_s, abs_tol=1e-9)


def test_custom_path_and_loss() -> None:
    df = sim.simulate(rtt_ms=200, up_kbps=100, down_kbps=400, variant="pipelining")
    assert df.profile.tolist() == ["custom"]
    # pipelining, ideal-ish: 5 RTT of 200 ms at least, plus serialization at 100 kbit/s
    assert df.accept_s.iloc[0] > 1.0


def test_replications_differ_on_a_random_network_and_variants_are_paired() -> None:
    """3g has jitter and loss. Replication r of every variant uses the same seed pair, so
    the first packets (the handshake, identical in every variant) meet the same network."""
    df = sim.simulate("3g", variant=["baseline", "pipelining"], replications=4, seed=1)
    base = df[df.variant == "baseline"].reset_index()
    pipe = df[df.variant == "pipelining"].reset_index()
    assert base.accept_s.nunique() == 4
    assert (base.phase_connect_s == pipe.phase_connect_s).all()


def test_a_warm_clients_warm_up_draws_from_streams_of_its_own() -> None:
    """The warm-up connection (unmeasured) sends a different number of packets per variant;
    the measured message must still meet the network a cold client meets (same seed and
    replication): baseline's handshake, cold or warm, and every variant's, is the same draw."""
    kw = dict(variant=["baseline", "quickstart-full"], replications=3, seed=5)
    cold = sim.simulate("3g", state="cold", **kw)
    warm = sim.simulate("3g", state="warm", **kw)
    # (times count from the message's start: the warm run's later start costs a few ulps)
    assert warm.phase_connect_s.tolist() == pytest.approx(cold.phase_connect_s.tolist(),
                                                          rel=1e-9)
    assert cold.phase_connect_s.nunique() > 1  # the network is random: the test can fail


def test_same_call_same_frame() -> None:
    a = sim.simulate("3g", variant="baseline", replications=3, seed=11)
    b = sim.simulate("3g", variant="baseline", replications=3, seed=11)
    assert a.equals(b)


def test_trace_has_packets_and_records() -> None:
    tr = sim.trace("lte", variant="chunking", size=5000)
    assert tr.profile == "lte" and tr.variant == "chunking"
    assert tr.packets[0].flags == "S"
    labels = " ".join(p.label for p in tr.packets)
    assert "MAIL FROM:<alice@example.org>" in labels and "BDAT 5000 LAST" in labels
    assert any(r.side == "server" and r.action == "read" for r in tr.records)


#: The variants of the built-in default scenario (the shipped example ``default``), in order.
DEFAULT_VARIANTS = tuple(v.label for v in sim.load_scenario(example="default").variant)


def test_default_scenario_is_baseline_plus_one_proposal_on_every_profile() -> None:
    """Issue 9 §6: every default row is baseline, baseline plus one proposal, or a full
    streamlined set; the protocol-only presets (no TLS, no AUTH) are left out."""
    df = sim.default_scenario_frame()
    assert list(df.columns) == columns()
    assert set(df.profile) == set(builtin_profiles())
    assert set(df.variant) == set(DEFAULT_VARIANTS)
    assert len(df) == len(builtin_profiles()) * len(DEFAULT_VARIANTS)
    protocol_only = {"rfc5321", "pipelining", "chunking"}
    assert set(PRESETS) - protocol_only <= set(DEFAULT_VARIANTS)
    assert not protocol_only & set(DEFAULT_VARIANTS)
    base = parse_variant("baseline")
    for v in sim.load_scenario(example="default").variant:
        f = parse_variant(v.expression)
        # TLS and AUTH in every row: the baseline's, or the streamlined sets' own
        assert f.tls is not None and f.auth == base.auth, v.label
    assert DEFAULT_VARIANTS[0] == "baseline"
    assert (df["state"] == "warm").all() and (df["size"] == 10_000).all()


def test_default_scenario_seed_and_replications() -> None:
    df = sim.default_scenario_frame(seed=3, replications=2)
    assert (df.seed == 3).all() and sorted(df.replication.unique()) == [0, 1]
    assert len(df) == 2 * len(builtin_profiles()) * len(DEFAULT_VARIANTS)


def test_default_scenario_has_burls_fair_comparison_right_before_it() -> None:
    """baseline+save (baseline that also APPENDs to Sent) sits right before burl: both send
    and save, so the default summary (done time) compares the whole operation."""
    variants = list(DEFAULT_VARIANTS)
    assert variants.index("baseline+save") == variants.index("burl") - 1
    assert variants.count("baseline+save") == 1
    df = sim.default_scenario_frame()
    assert df.variant.tolist()[: len(variants)] == variants  # display order, first profile
    saving = df[df.variant.isin(["baseline+save", "burl"])]
    assert len(saving) == 2 * len(builtin_profiles())
    assert saving.saved_s.notna().all()  # both save
    assert (saving.done_s >= saving.accept_s).all()
    assert df[df.variant == "baseline"].saved_s.isna().all()


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"profile": "marsnet"}, "allowed"),
        ({"variant": "baseline+quic"}, "quic"),
        ({"size": -1}, "size"),
        ({"rtt_ms": 50, "up_kbps": 10, "down_kbps": 10, "loss": 1.5}, "[0, 1]"),
        ({"profile": "dsl", "loss": -0.2}, "[0, 1]"),
        ({"recipients": 0}, "recipients"),
        ({"iw": 0}, "iw"),
        ({"delack_ms": 0}, "delayed-ACK"),
        ({"server": "fast"}, "allowed"),
        ({"rtt_ms": 50}, "together"),
    ],
)
def test_bad_input_raises_a_value_error_saying_what_is_allowed(kwargs, needle) -> None:
    with pytest.raises(ValueError, match=None) as info:
        sim.simulate(**kwargs)
    assert needle in str(info.value)
    assert "\n" not in str(info.value)
