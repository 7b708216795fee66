"""The oracle is an independent computation: it imports ``smtpsim.model`` and the standard
library only, never the simulator, the scenarios, SimPy, numpy or pandas."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import smtpsim.oracle

ORACLE = Path(smtpsim.oracle.__file__).parent


def test_importing_the_oracle_loads_neither_simpy_nor_the_simulator() -> None:
    code = ("import smtpsim.oracle, sys; "
            "assert 'simpy' not in sys.modules and 'smtpsim.simulator' not in sys.modules; "
            "heavy = {'numpy', 'pandas', 'smtpsim.scenarios'} & set(sys.modules); "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_every_oracle_module_imports_the_model_and_the_standard_library_only() -> None:
    modules = sorted(ORACLE.rglob("*.py"))
    assert len(modules) > 10
    for path in modules:
        for name in _imported(path):
            top = name.split(".")[0]
            allowed = (name.startswith(("smtpsim.model", "smtpsim.oracle"))
                       or top in sys.stdlib_module_names or top == "__future__")
            assert allowed, f"{path.relative_to(ORACLE)} imports {name}"
