"""The notebooks in ``notebooks/``: committed without outputs, and written against the
public API only (``.ci/run`` executes them with nbmake: ``pytest --nbmake notebooks``)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
#: What a notebook may import of the package: the top level and the figures.
PUBLIC = {"smtpsim", "smtpsim.plots"}


def test_the_three_notebooks_are_there() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "lemonade-2006.ipynb", "server-farms.ipynb", "sweeps.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path) -> None:
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_uses_the_public_api_only(path: Path) -> None:
    """Every import of smtpsim is ``import smtpsim``, ``from smtpsim import plots`` or
    ``import smtpsim.plots``: nothing private, nothing below them."""
    cells = json.loads(path.read_text())["cells"]
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    used = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            used |= {a.name for a in node.names if a.name.startswith("smtpsim")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("smtpsim"):
            used |= {f"{node.module}.{a.name}" if node.module != "smtpsim" or a.name != "plots"
                     else "smtpsim.plots" for a in node.names}
    assert used and used <= PUBLIC, used - PUBLIC
