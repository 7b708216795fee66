"""``smtpsim.model`` is plain values: importing it, and every module in it, loads the standard
library only, none of the simulator's, the analysis' or the scenarios' dependencies and no
other part of the package (every other layer imports it, so it must import none of them)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import smtpsim.model

#: every module of the package, ``text`` and ``timers`` included (``__init__`` does not
#: import ``text``)
MODULES = ["smtpsim.model"] + sorted(
    f"smtpsim.model.{m.name}" for m in pkgutil.iter_modules(smtpsim.model.__path__)
)

_PROBE = """
import importlib, json, sys
names = json.loads(sys.argv[1])
before = set(sys.modules)
for name in names:
    importlib.import_module(name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def _loaded_by_the_model() -> list[str]:
    """What importing the model's modules adds to ``sys.modules`` of a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(MODULES)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def test_the_probe_imports_every_module_of_the_model() -> None:
    assert {"smtpsim.model.text", "smtpsim.model.timers", "smtpsim.model.features",
            "smtpsim.model.case"} <= set(MODULES)
    assert set(MODULES) <= set(_loaded_by_the_model())


def test_importing_the_model_loads_no_third_party_package() -> None:
    loaded = _loaded_by_the_model()
    for heavy in ("simpy", "numpy", "pandas", "pydantic", "pyarrow", "matplotlib"):
        assert not [m for m in loaded if m == heavy or m.startswith(heavy + ".")], heavy


def test_importing_the_model_loads_no_other_part_of_the_package() -> None:
    package = [m for m in _loaded_by_the_model() if m.split(".")[0] == "smtpsim"]
    others = [m for m in package if m != "smtpsim" and not m.startswith("smtpsim.model")]
    assert others == []


def test_everything_else_the_model_loads_is_the_standard_library() -> None:
    rest = [m for m in _loaded_by_the_model() if m.split(".")[0] != "smtpsim"]
    outside = [m for m in rest if m.split(".")[0] not in sys.stdlib_module_names]
    assert outside == []
