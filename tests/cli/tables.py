"""Reading the CLI's tables back: the rich tables (fitted to a width, maybe split in parts,
the profile maybe a heading line) and the markdown pipe tables, as rows of named cells; and
checking that a printed number is a value of the frame, no digit lost."""

from __future__ import annotations

import math
import re

#: What a second header line may say: the unit of the column's numbers.
FACTORS = {"µs": 1e6, "ms": 1e3, "s": 1.0}
RULE = "─"


def _tokens(line: str) -> list[tuple[int, int, str]]:
    """``(start, end, text)`` of each run of characters not separated by two spaces."""
    return [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", line)]


def rich_tables(out: str) -> list[list[dict[str, str]]]:
    """Every table of ``out`` (``box.SIMPLE_HEAD``: header lines, a rule, rows, blank lines
    between sections) as its rows, each ``{header: cell}`` where the header is the column's
    name and unit (``median ms``), matched by the cell's right edge (right-aligned numbers)
    or left edge (left-aligned text). A heading line (one cell, in the first column) gives
    the rows under it ``{"profile": heading}``; an empty first cell is the one above it (a
    section's group value is written once)."""
    lines = out.splitlines()
    tables = []
    for i, line in enumerate(lines):
        if not line.strip() or set(line.strip()) != {RULE}:
            continue
        header_lines = []
        j = i - 1
        while j >= 0 and lines[j].strip():
            header_lines.insert(0, lines[j])
            j -= 1
        columns: list[list[object]] = []  # [start, end, words]
        for header in header_lines:
            for start, end, text in _tokens(header):
                for col in columns:
                    if col[1] == end or col[0] == start:
                        col[2] = f"{col[2]} {text}"
                        break
                else:
                    columns.append([start, end, text])
        columns.sort(key=lambda c: c[0])
        rows: list[dict[str, str]] = []
        heading = ""
        for row_line in lines[i + 1:]:
            if row_line == "" or set(row_line.strip()) == {RULE}:
                break  # an empty line (not the frame's spaces) ends a table
            tokens = _tokens(row_line)
            if not tokens:
                continue
            if RULE in row_line or (rows and not row_line.startswith(" ")):
                break
            if len(tokens) == 1 and tokens[0][0] == columns[0][0] and len(columns) > 1:
                heading = tokens[0][2]
                continue
            row: dict[str, str] = {"profile": heading} if heading else {}
            for start, end, text in tokens:
                col = next((c for c in columns if c[1] == end or c[0] == start), None)
                if col is None:
                    raise AssertionError(f"cell {text!r} under no header: {row_line!r}")
                row[str(col[2])] = text
            first = str(columns[0][2])
            if first not in row and rows and first in rows[-1]:
                row[first] = rows[-1][first]  # a section's first value, not repeated
            rows.append(row)
        tables.append(rows)
    return tables


def markdown_tables(out: str) -> list[list[list[str]]]:
    """Every pipe table of ``out`` as its lines of cells (the header first, the alignment
    line left out), ``\\|`` read back as ``|``."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    for line in out.splitlines():
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|").replace("\\\\", "\\")
                     for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if current is None:
                current = []
                tables.append(current)
            if not all(re.fullmatch(r"-+:?", c) for c in cells):
                current.append(cells)
        else:
            current = None
    return tables


def shows(cell: str, value: float, factor: float = 1.0, digits: int = 3) -> bool:
    """``cell`` is ``value`` (times ``factor``) written with every digit it shows right,
    at least ``digits`` significant ones (so ``0.9`` for 0.93 or ``1591…`` fail), or ``—`` for
    NaN."""
    if math.isnan(value):
        return cell == "—"
    if not re.fullmatch(r"-?\d+(\.\d+)?", cell):
        return False
    decimals = len(cell.split(".")[1]) if "." in cell else 0
    significant = len(cell.lstrip("-").replace(".", "").lstrip("0"))
    expected = value * factor
    return (abs(float(cell) - expected) <= 0.5 * 10 ** -decimals * (1 + 1e-9)
            and (significant >= digits or expected == 0))
