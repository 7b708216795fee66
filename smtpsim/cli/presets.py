"""What ``smtpsim variants``, ``profiles`` and ``servers`` list, as ``Grid``s: by default one
line per preset (its name, its figures, and its description shortened to what is left of 80
columns; whole in markdown and CSV), with ``--details`` every field and source.

Display only: every figure shown comes from the presets (``smtpsim.scenarios``).
"""

from __future__ import annotations

from smtpsim.cli.grid import Column, Grid
from smtpsim.scenarios.profiles import builtin_profiles
from smtpsim.scenarios.servers import server_presets
from smtpsim.scenarios.show import number as shown
from smtpsim.scenarios.show import rounded
from smtpsim.scenarios.variants import variant_table

__all__ = ["LIST_WIDTH", "profiles_grid", "servers_grid", "short", "variants_grid"]

#: The width a short list fits in: an 80-column terminal.
LIST_WIDTH = 80
#: Where a long description is best cut: after its first clause.
_CLAUSE_ENDS = ("; ", ": ", " (", ", ")


def short(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: whole when it fits, else up to the last end
    of a clause (``;``, ``:``, ``(`` or ``,``, outside brackets) that fits when that keeps half
    of ``limit``,
    else its words that fit and ``…``."""
    if len(text) <= limit:
        return text
    ends = [i for i in range(1, limit + 1) if text.startswith(_CLAUSE_ENDS, i)
            and text.count("(", 0, i) == text.count(")", 0, i)]  # not inside brackets
    if ends and ends[-1] >= limit // 2:
        return text[:ends[-1]]
    words = text[:limit].rsplit(" ", 1)[0]
    return words[:limit - 1].rstrip(" ,;:") + "…"


def _fill(grid: Grid, column: str, texts: list[str], width: int | None) -> Grid:
    """Put ``texts`` in the last column (``column``), each shortened to what the other
    columns leave of ``width`` (``smtpsim.cli.render``'s frame: two edge characters and two
    spaces between columns); whole with ``width`` None (markdown, CSV)."""
    if width is None:
        for row, text in zip(grid.rows, texts, strict=True):
            row[-1] = text
        return grid
    others = [max(len(c.name), len(c.unit), *(len(row[i]) for row in grid.rows))
              for i, c in enumerate(grid.columns[:-1])]
    limit = width - sum(others) - 2 * len(others) - 2
    for row, text in zip(grid.rows, texts, strict=True):
        row[-1] = short(text, limit)
    if grid.columns[-1].name != column:  # pragma: no cover - a caller's mistake
        raise ValueError(f"the last column is {grid.columns[-1].name}, not {column}")
    return grid


def variants_grid(details: bool = False, width: int | None = LIST_WIDTH) -> Grid:
    """Every variant token (its kind: the tokens of one kind exclude each other) and preset:
    name, kind and a short description; with ``details`` also what each sets, the whole
    description and its source."""
    infos = variant_table()
    if details:
        grid = Grid([Column("name", key=True), Column("kind"), Column("sets", wrap=True),
                     Column("description", wrap=True), Column("source", wrap=True)],
                    title="variant tokens and presets")
        for t in infos:
            grid.add(t.name, t.kind, t.sets, t.description, t.source)
        return grid
    grid = Grid([Column("name", key=True), Column("kind"), Column("description")],
                title="variant tokens and presets (smtpsim variants --details: what each "
                      "sets, and its source)")
    for t in infos:
        grid.add(t.name, t.kind, "")
    return _fill(grid, "description", [t.description for t in infos], width)


def profiles_grid(details: bool = False, width: int | None = LIST_WIDTH) -> Grid:
    """The built-in network profiles: name, round-trip time, rates, loss and a short
    description; with ``details`` the jitter, the whole description and the source of the
    figures."""
    columns = [Column("name", key=True), Column("RTT", "ms", numeric=True),
               Column("down", "kbit/s", numeric=True), Column("up", "kbit/s", numeric=True),
               Column("loss", "%", numeric=True)]
    if details:
        columns += [Column("jitter", "ms", numeric=True), Column("description", wrap=True),
                    Column("source", wrap=True)]
    else:
        columns.append(Column("description"))
    title = "built-in profiles" + ("" if details else " (smtpsim profiles --details: sources)")
    grid = Grid(columns, title=title)
    profiles = builtin_profiles()
    for name, p in profiles.items():
        cells = [name, rounded(p.round_trip_ms), rounded(p.down_kbps), rounded(p.up_kbps),
                 rounded(p.loss * 100)]
        if details:
            cells += [rounded(p.jitter_ms), p.description, p.source]
        else:
            cells.append("")
        grid.add(*cells)
    if details:
        return grid
    return _fill(grid, "description", [p.description for p in profiles.values()],
                 width)


def servers_grid(details: bool = False, width: int | None = LIST_WIDTH) -> Grid:
    """The server timing presets: name and description; with ``details`` each step's time
    and the source of the figure, a preset's steps one section."""
    if not details:
        grid = Grid([Column("name", key=True), Column("description")],
                    title="server timing presets (--server, [server] timing)")
        presets = server_presets()
        for name in presets:
            grid.add(name, "")
        return _fill(grid, "description", [p.description for p in presets.values()],
                     width)
    grid = Grid([Column("preset", key=True), Column("step", key=True),
                 Column("time", "ms", numeric=True), Column("source", wrap=True)],
                title="server timing presets (--server, [server] timing)", group="preset")
    for name, preset in server_presets().items():
        for step, value in preset.steps().items():
            grid.add(name, step, shown(value.ms), value.source)
    return grid
