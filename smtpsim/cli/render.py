"""Drawing a ``Grid``: a rich table that fits the terminal, a GitHub markdown pipe table, or
CSV; the same cells in each.

Fitting never cuts a cell. A column that is not prose is as wide as its widest cell; prose
columns wrap at spaces (and fold a longer word). When the columns do not fit the width, the
grid's ``group`` column (the profile) becomes a heading line over each section; when they
still do not fit, the columns that do not are moved to a second table (and a third...), each
repeating the ``key`` columns, so every row can still be read across.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from enum import StrEnum

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from smtpsim.cli.grid import Column, Grid

__all__ = ["GridFormat", "csv_text", "fitted", "markdown", "print_grids"]

#: The narrowest a prose column is squeezed to (it wraps to fit).
PROSE_WIDTH = 16


class GridFormat(StrEnum):
    """How a table is printed (``--format`` of the listings)."""

    table = "table"
    markdown = "markdown"
    csv = "csv"


def _width(column: Column, cells: Iterable[str]) -> int:
    """The width a column takes: its widest cell or header line; prose at most
    ``PROSE_WIDTH`` unless its header is wider (it wraps)."""
    header = max(cell_len(part) for part in (column.name, column.unit))
    widest = max((cell_len(line) for c in cells for line in c.splitlines() or [""]), default=0)
    if column.wrap:
        return max(header, min(widest, PROSE_WIDTH))
    return max(header, widest)


def _table_width(widths: Sequence[int]) -> int:
    """Columns plus one space each side between them, and the frame's two edge characters
    (``box.SIMPLE_HEAD`` with ``pad_edge=False``)."""
    return sum(widths) + 2 * (len(widths) - 1) + 2


def _layout(grid: Grid, width: int) -> tuple[bool, list[list[int]]]:
    """``(headings, parts)``: whether the group column is drawn as heading lines, and the
    column indices of each table part."""
    cells = list(zip(*grid.rows, strict=True)) if grid.rows else [()] * len(grid.columns)
    widths = [_width(c, cells[i]) for i, c in enumerate(grid.columns)]
    everything = list(range(len(grid.columns)))
    if _table_width(widths) <= width or grid.group is None:
        headings = False
        shown = everything
    else:
        headings = True
        group = grid.index(grid.group)
        shown = [i for i in everything if i != group]
        first = shown[0]
        widths[first] = max(widths[first], max((cell_len(c) for c in cells[group]), default=0))
    keys = [i for i in shown if grid.columns[i].key]
    parts: list[list[int]] = []
    current = list(keys)
    for i in shown:
        if i in keys:
            continue
        if len(current) > len(keys) and _table_width([widths[j] for j in [*current, i]]) > width:
            parts.append(current)
            current = list(keys)
        current.append(i)
    parts.append(current)
    return headings, parts


def _table(grid: Grid, indices: list[int], headings: bool) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for i in indices:
        c = grid.columns[i]
        table.add_column(c.name + ("\n" + c.unit if c.unit else ""),
                         justify="right" if c.numeric else "left",
                         no_wrap=not c.wrap, overflow="fold")
    group = None if grid.group is None else grid.index(grid.group)
    previous: str | None = None
    for row in grid.rows:
        value = row[group] if group is not None else None
        if group is not None and value != previous:
            if previous is not None:
                table.add_section()
            if headings:
                table.add_row(Text(str(value), style="bold"), *[""] * (len(indices) - 1))
        cells = [Text(row[i]) for i in indices]
        if group is not None and not headings and group in indices and value == previous:
            cells[indices.index(group)] = Text("")
        table.add_row(*cells)
        previous = value
    return table


def fitted(grid: Grid, width: int) -> list[Table]:
    """The grid as rich tables that fit ``width`` columns: one when it can, else parts."""
    headings, parts = _layout(grid, width)
    return [_table(grid, indices, headings) for indices in parts]


def _escape(cell: str) -> str:
    return cell.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def markdown(grid: Grid) -> str:
    """The grid as GitHub-flavoured markdown: the title, a pipe table (numbers
    right-aligned; ``|`` escaped as ``\\|``, a line break as ``<br>``) and the notes."""
    lines = [grid.title, ""] if grid.title else []
    lines.append("| " + " | ".join(_escape(c.header) for c in grid.columns) + " |")
    lines.append("|" + "|".join("---:" if c.numeric else "---" for c in grid.columns) + "|")
    lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in grid.rows]
    if grid.notes:
        lines += ["", grid.notes]
    return "\n".join(lines) + "\n"


def csv_text(grid: Grid) -> str:
    """The grid's header and rows as CSV (no title, no notes)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.header for c in grid.columns])
    writer.writerows(grid.rows)
    return out.getvalue()


def print_grids(grids: Sequence[Grid], fmt: str = GridFormat.table,
                console: Console | None = None) -> None:
    """Print the grids one after the other in ``fmt`` (``table``, ``markdown`` or
    ``csv``)."""
    console = console or Console(highlight=False)
    for n, grid in enumerate(grids):
        if fmt == GridFormat.csv:
            console.out(csv_text(grid), end="", highlight=False)
            continue
        if n:
            console.out("")
        if fmt == GridFormat.markdown:
            console.out(markdown(grid), end="", highlight=False)
            continue
        if grid.title:
            console.print(Text(grid.title))
        for i, table in enumerate(fitted(grid, console.width)):
            if i:
                console.out("")
            console.print(table)
        if grid.notes:
            console.print(Text(grid.notes))
