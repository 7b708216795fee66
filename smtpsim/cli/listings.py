"""What ``smtpsim clients``, ``servers``, ``variants EXPRESSION``, ``examples`` and ``check``
print: the client and server programs with their sources, variant expressions resolved, the
shipped scenarios, and a scenario resolved (the presets' lists are in
``smtpsim.cli.presets``).

Display only: every number shown comes from the presets or the validated scenario; nothing
here simulates.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import RenderableType
from rich.syntax import Syntax
from rich.text import Text

from smtpsim.cli.grid import Column, Grid
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


def clients_table() -> Grid:
    """The client programs: how each writes, its Nagle setting, its TLS CPU, what it can do,
    and the sources."""
    grid = Grid([Column("name", key=True), Column("behaviour", wrap=True),
                 Column("figures", wrap=True), Column("can do", wrap=True),
                 Column("source", wrap=True)],
                title="client programs (--client, [client] software)", group="name")
    for name, c in CLIENT_SOFTWARE.items():
        writes = "the variant's" if c.writes is None else c.writes
        nagle = "the variant's" if c.nagle is None else ("on" if c.nagle else "off (TCP_NODELAY)")
        behaviour = f"{c.description}. Writes: {writes}; Nagle: {nagle}"
        behaviour += "".join(f"\n{k}: {v}" for k, v in CLIENT_HABITS[name].items())
        figures = "\n".join(f"{k}: {v}" for k, v in CLIENT_SOURCES[name].items()) or "-"
        grid.add(name, behaviour, figures, _allowed(c), c.source)
    return grid


def server_software_table() -> Grid:
    """The server programs: each behaviour with its source, and what they offer."""
    grid = Grid([Column("name", key=True), Column("behaviour", wrap=True),
                 Column("offers", wrap=True), Column("source", wrap=True)],
                title="server programs (--server, [server] software; timing: the preset of the"
                      " same name below)", group="name")
    for name, s in SERVER_SOFTWARE.items():
        behaviour = s.description + "\n" + "\n".join(
            f"{k}: {v}" for k, v in SERVER_SOURCES[name].items())
        grid.add(name, behaviour, _allowed(s), s.source)
    return grid


def expressions_table(expressions: Iterable[str]) -> Grid:
    """Each expression resolved: every feature it sets, and how the parts were read (the
    first name as a preset or a token, the later names as tokens)."""
    grid = Grid([Column("expression", key=True), Column("read as", wrap=True),
                 Column("features set (beyond plain RFC 5321)", wrap=True)],
                title="variant expressions, resolved")
    for expr in expressions:
        features = parse_variant(expr)
        first, *later = canonical_name(expr).split("+")
        read = (f"preset {first} = {PRESETS[first]}" if first in PRESETS else f"token {first}")
        if later:
            read += " + tokens " + "+".join(later)
        grid.add(canonical_name(expr), read, _features(features))
    return grid


def _ms(seconds: float) -> str:
    return rounded(seconds * 1e3)


def _profiles_table(scenario: Scenario) -> Grid:
    """The profiles as built: one-way delays, rates, loss (a Gilbert-Elliott model's
    parameters), jitter, TCP's MSS, initial window and delayed-ACK timer, the radio's
    promotion delay and tail."""
    numbers = [("up", "ms"), ("down", "ms"), ("up", "kbit/s"), ("down", "kbit/s")]
    more = [("jitter", "ms"), ("MSS", "B"), ("IW", ""), ("delACK", "ms"), ("radio", "ms"),
            ("tail", "ms")]
    grid = Grid([Column("name", key=True), Column("preset"),
                 *(Column(n, u, numeric=True) for n, u in numbers), Column("loss", wrap=True),
                 *(Column(n, u, numeric=True) for n, u in more)],
                title="profiles, resolved (preset values where not overridden; up, down: "
                      "one-way delay, then rate)")
    variant = scenario.variant[0]
    for p in scenario.profile:
        case = build_case(scenario, p, variant)
        up, down, tcp, net = (case.network.path.up, case.network.path.down, case.client.tcp,
                              case.network)
        burst = up.burst
        loss = (f"GE p_gb={rounded(burst.p_gb)} p_bg={rounded(burst.p_bg)} "
                f"(mean {rounded(burst.mean_loss)})" if burst is not None else rounded(up.loss))
        radio = net.radio_promotion_s
        grid.add(
            p.label, p.preset or "-", _ms(up.delay_s), _ms(down.delay_s),
            rounded(up.bandwidth_bps / 1e3), rounded(down.bandwidth_bps / 1e3), loss,
            _ms(up.jitter_s), str(tcp.mss), str(tcp.iw), _ms(tcp.delack_s),
            _ms(radio) if radio else "-", _ms(net.radio_tail_s) if radio else "-",
        )
    return grid


def _features(f: Features) -> str:
    default = Features()
    return " ".join(
        f"{name}={getattr(f, name)}" for name in Features.__dataclass_fields__
        if getattr(f, name) != getattr(default, name)
    )


def _variants_table(scenario: Scenario) -> Grid:
    grid = Grid([Column("name", key=True), Column("expression", wrap=True),
                 Column("features set", wrap=True)],
                title=f"variants (reference: {scenario.reference}, summary metric: "
                      f"{scenario.scenario.metric})")
    profile = scenario.profile[0]
    for v in scenario.variant:
        case = build_case(scenario, profile, v)
        grid.add(v.label, v.expression, _features(case.client.features))
    return grid


def resolved_view(scenario: Scenario) -> list[RenderableType | Grid]:
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


def examples_table(names: Iterable[str] | None = None) -> Grid:
    """The shipped examples, the default scenario first: name, description, runs at the
    file's replications."""
    grid = Grid([Column("name", key=True), Column("description", wrap=True),
                 Column("runs", numeric=True)],
                title="shipped examples (smtpsim run --example NAME)")
    for name in names if names is not None else example_names(default=True):
        s = load_example(name)
        runs = case_count(s) * s.scenario.replications
        grid.add(name, s.scenario.description, str(runs))
    return grid
