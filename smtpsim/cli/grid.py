"""A table as the commands build it, before it is drawn: its columns, its rows of finished
cells (text), a title and the notes under it. ``smtpsim.cli.render`` draws one as a rich
table fitted to the terminal, a GitHub markdown table or CSV, the same cells in each."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Column", "Grid"]


@dataclass(frozen=True)
class Column:
    """One column: its ``name`` and the ``unit`` of its numbers (under the name in a
    terminal, after it in markdown and CSV).

    ``numeric`` columns are right-aligned and never wrapped; ``key`` columns (which row this
    is: profile, variant, name) are repeated in every part of a table split to fit; ``wrap``
    columns (prose: descriptions, sources) may wrap at spaces, and fold a word longer than the
    column, never cut it. Other columns are never wrapped.
    """

    name: str
    unit: str = ""
    numeric: bool = False
    key: bool = False
    wrap: bool = False

    @property
    def header(self) -> str:
        """The header on one line: ``median ms``."""
        return f"{self.name} {self.unit}" if self.unit else self.name


@dataclass
class Grid:
    """A table's content. ``group`` names a key column whose value, repeated on consecutive
    rows, starts a section (a profile's variants); a terminal too narrow for that column
    shows it as a heading line over its section instead."""

    columns: list[Column]
    rows: list[list[str]] = field(default_factory=list)
    title: str = ""
    notes: str = ""
    group: str | None = None

    def add(self, *cells: str) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(list(cells))

    def index(self, name: str) -> int:
        return [c.name for c in self.columns].index(name)
