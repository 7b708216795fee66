"""What ``smtpsim clients``, ``servers``, ``variants EXPRESSION``, ``examples`` and ``check``
print: the client and server programs with their sources, variant expressions resolved, the
shipped scenarios, and a scenario resolved (the presets' lists are in
``smtpsim.cli.presets``).

Display only: every number shown comes from the presets or the validated scenario; nothing
here simulates.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from smtpsim.model import Features
from smtpsim.model.software import ClientSoftware, ServerSoftware
from smtpsim.scenarios.cases import build_case, case_count
from smtpsim.scenarios.loader import dumps, example_names, load_example
from smtpsim.scenarios.schema import Scenario
from smtpsim.scenarios.show import rounded
from smtpsim.scenarios.software import (
    CLIENT_HABITS,
    CLIENT_SOFTWARE,
    CLIENT_SOURCES,
    SERVER_SOFTWARE,
    SERVER_SOURCES,
)
from smtpsim.scenarios.sweep import point_count
from smtpsim.scenarios.variants import PRESETS, canonical_name, parse_variant

__all__ = [
    "clients_table", "examples_table", "expressions_table", "resolved_view",
    "server_software_table",
]


def _allowed(program: ClientSoftware | ServerSoftware) -> str:
    return "; ".join(
        f"{a.field} only {' or '.join('none' if v is None else repr(v) for v in a.values)}"
        f" ({a.why})" for a in program.allowed) or "every variant"


def clients_table() -> Table:
    """The client programs: how each writes, its Nagle setting, its TLS CPU, what it can do,
    and the sources."""
    table = Table(title=Text("client programs (--client, [client] software)"),
                  title_justify="left")
    for name in ("name", "behaviour", "figures", "can do", "source"):
        table.add_column(name)
    for i, (name, c) in enumerate(CLIENT_SOFTWARE.items()):
        if i:
            table.add_section()
        writes = "the variant's" if c.writes is None else c.writes
        nagle = "the variant's" if c.nagle is None else ("on" if c.nagle else "off (TCP_NODELAY)")
        behaviour = f"{c.description}. Writes: {writes}; Nagle: {nagle}"
        behaviour += "".join(f"\n{k}: {v}" for k, v in CLIENT_HABITS[name].items())
        figures = "\n".join(f"{k}: {v}" for k, v in CLIENT_SOURCES[name].items()) or "-"
        table.add_row(*map(Text, (name, behaviour, figures, _allowed(c), c.source)))
    return table


def server_software_table() -> Table:
    """The server programs: each behaviour with its source, and what they offer."""
    table = Table(title=Text("server programs (--server, [server] software; timing: the preset"
                             " of the same name below)"), title_justify="left")
    for name in ("name", "behaviour", "offers", "source"):
        table.add_column(name)
    for i, (name, s) in enumerate(SERVER_SOFTWARE.items()):
        if i:
            table.add_section()
        behaviour = s.description + "\n" + "\n".join(
            f"{k}: {v}" for k, v in SERVER_SOURCES[name].items())
        table.add_row(*map(Text, (name, behaviour, _allowed(s), s.source)))
    return table


def expressions_table(expressions: Iterable[str]) -> Table:
    """Each expression resolved: every feature it sets, and how the parts were read (the
    first name as a preset or a token, the later names as tokens)."""
    table = Table(title="variant expressions, resolved", title_justify="left",
                  box=box.SIMPLE_HEAD)
    for name in ("expression", "read as", "features set (beyond plain RFC 5321)"):
        table.add_column(name)
    for expr in expressions:
        features = parse_variant(expr)
        first, *later = canonical_name(expr).split("+")
        read = (f"preset {first} = {PRESETS[first]}" if first in PRESETS else f"token {first}")
        if later:
            read += " + tokens " + "+".join(later)
        table.add_row(Text(canonical_name(expr)), Text(read), Text(_features(features)))
    return table


def _ms(seconds: float) -> str:
    return rounded(seconds * 1e3)


def _profiles_table(scenario: Scenario) -> Table:
    table = Table(title="profiles, resolved (preset values where not overridden)",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("name", "preset", "delay up/down ms", "kbit/s up/down", "loss", "jitter ms",
                 "MSS", "IW", "delACK ms", "radio ms"):
        table.add_column(name, justify="left" if name in ("name", "preset", "loss") else "right")
    variant = scenario.variant[0]
    for p in scenario.profile:
        case = build_case(scenario, p, variant)
        up, down, tcp, net = (case.network.path.up, case.network.path.down, case.client.tcp,
                              case.network)
        burst = up.burst
        loss = (f"GE p_gb={rounded(burst.p_gb)} p_bg={rounded(burst.p_bg)} "
                f"(mean {rounded(burst.mean_loss)})" if burst is not None else rounded(up.loss))
        radio = (f"{_ms(net.radio_promotion_s)} / tail {_ms(net.radio_tail_s)}"
                 if net.radio_promotion_s else "-")
        cells = (
            p.label, p.preset or "-", f"{_ms(up.delay_s)} / {_ms(down.delay_s)}",
            f"{rounded(up.bandwidth_bps / 1e3)} / {rounded(down.bandwidth_bps / 1e3)}", loss,
            _ms(up.jitter_s), str(tcp.mss), str(tcp.iw), _ms(tcp.delack_s), radio,
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
    runs = case_count(scenario) * meta.replications
    head = Text.assemble(
        ("scenario ", "bold"), (meta.name, "bold cyan"), f": {meta.description}\n",
        f"{point_count(scenario)} sweep point(s) x {len(scenario.profile)} profile(s) x "
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
    """The shipped examples, the default scenario first: name, description, runs at the
    file's replications."""
    table = Table(title="shipped examples (smtpsim run --example NAME)", title_justify="left")
    for name in ("name", "description", "runs"):
        table.add_column(name, justify="right" if name == "runs" else "left")
    for name in names if names is not None else example_names(default=True):
        s = load_example(name)
        runs = case_count(s) * s.scenario.replications
        table.add_row(Text(name), Text(s.scenario.description), Text(str(runs)))
    return table
