"""Rich views of scenarios for the ``smtpsim`` command (``check``, ``examples``, ``run``).

Display only: every number shown comes from the validated scenario or from
``smtpsim.analysis.summary``; nothing here simulates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
from rich import box
from rich.console import RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from smtpsim.analysis.summary import summarize
from smtpsim.model import Features
from smtpsim.scenarios.loader import dumps, example_names, load_example
from smtpsim.scenarios.runner import build_case, case_count
from smtpsim.scenarios.schema import Scenario
from smtpsim.scenarios.sweep import points

__all__ = ["examples_table", "resolved_view", "scenario_summary"]


def _g(x: float) -> str:
    return f"{x:g}"


def _profiles_table(scenario: Scenario) -> Table:
    table = Table(title="profiles, resolved (preset values where not overridden)",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("name", "preset", "delay up/down ms", "kbit/s up/down", "loss", "jitter ms",
                 "MSS", "IW", "delACK ms", "radio ms"):
        table.add_column(name, justify="left" if name in ("name", "preset", "loss") else "right")
    variant = scenario.variant[0]
    for p in scenario.profile:
        case = build_case(scenario, p, variant)
        up, down, tcp = case.network.path.up, case.network.path.down, case.client.tcp
        loss = (f"GE p_gb={_g(up.burst.p_gb)} p_bg={_g(up.burst.p_bg)} "
                f"(mean {_g(up.burst.mean_loss)})" if up.burst is not None else _g(up.loss))
        net = case.network
        radio = (f"{_g(net.radio_promotion_s * 1e3)} / tail {_g(net.radio_tail_s * 1e3)}"
                 if net.radio_promotion_s else "-")
        cells = (
            p.label, p.preset or "-", f"{_g(up.delay_s * 1e3)} / {_g(down.delay_s * 1e3)}",
            f"{_g(up.bandwidth_bps / 1e3)} / {_g(down.bandwidth_bps / 1e3)}", loss,
            _g(up.jitter_s * 1e3), str(tcp.mss), str(tcp.iw), _g(tcp.delack_s * 1e3), radio,
        )
        table.add_row(*map(Text, cells))
    return table


def _features(f: Features) -> str:
    default = Features()
    return " ".join(
        f"{name}={getattr(f, name)}" for name in Features.__dataclass_fields__
        if getattr(f, name) != getattr(default, name)
    )


def _variants_table(scenario: Scenario) -> Table:
    table = Table(title=f"variants (reference: {scenario.reference}, summary metric: "
                  f"{scenario.scenario.metric})", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("name", "expression", "features set"):
        table.add_column(name)
    profile = scenario.profile[0]
    for v in scenario.variant:
        case = build_case(scenario, profile, v)
        table.add_row(Text(v.label), Text(v.expression), Text(_features(case.client.features)))
    return table


def resolved_view(scenario: Scenario) -> list[RenderableType]:
    """What ``smtpsim check`` prints: the scenario as TOML with every default written out,
    the resolved profiles and variants, and how many runs it makes."""
    meta = scenario.scenario
    grid = points(scenario)
    runs = case_count(scenario) * meta.replications
    head = Text.assemble(
        ("scenario ", "bold"), (meta.name, "bold cyan"), f": {meta.description}\n",
        f"{len(grid)} sweep point(s) x {len(scenario.profile)} profile(s) x "
        f"{len(scenario.variant)} variant(s) x {meta.replications} replication(s) = "
        f"{runs} runs, base seed {meta.seed}",
    )
    return [
        head,
        Syntax(dumps(scenario), "toml", theme="ansi_dark", background_color="default"),
        _profiles_table(scenario),
        _variants_table(scenario),
    ]


def examples_table(names: Iterable[str] | None = None) -> Table:
    """The shipped examples: name, description, runs at the file's replications."""
    table = Table(title="shipped examples (smtpsim run --example NAME)", title_justify="left")
    for name in ("name", "description", "runs"):
        table.add_column(name, justify="right" if name == "runs" else "left")
    for name in names if names is not None else example_names():
        s = load_example(name)
        runs = case_count(s) * s.scenario.replications
        table.add_row(Text(name), Text(s.scenario.description), Text(str(runs)))
    return table


def scenario_summary(df: pd.DataFrame, reference: str, metric: str = "done") -> pd.DataFrame:
    """``summarize`` of the ``metric`` time per sweep point, with the point's label (axis
    values) as a column ``point`` (empty without a sweep); ``attrs["metric"]`` is ``metric``."""
    axes = list(df.columns[2:df.columns.get_loc("profile")])
    parts = []
    for _, group in df.groupby("point", sort=True):
        s = summarize(group, reference=reference, metric=metric)
        row = group.iloc[0]
        label = " ".join(f"{a.rsplit('.', 1)[-1]}={_value(row[a])}" for a in axes)
        s.insert(0, "point", label)
        parts.append(s)
    if not parts:
        return summarize(df, reference=reference, metric=metric).assign(point="")
    out = pd.concat(parts, ignore_index=True)
    out.attrs["metric"] = metric
    return out


def _value(x: object) -> str:
    if isinstance(x, float) and math.isfinite(x) and x.is_integer():
        return str(int(x))
    return str(x)
