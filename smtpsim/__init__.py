"""smtpsim: a discrete-event latency simulator for SMTP mail submission.

The names a notebook needs, loaded on first use (PEP 562), so that importing a light part
of the package (``smtpsim.cli``, ``smtpsim.model``) does not import pandas or SimPy through
this one:

* ``simulate`` one row per message of each profile × variant; ``trace`` one session's
  packets; ``build_cases`` the ``Case`` values of such a description.
* ``run_scenario`` and ``load_scenario`` scenario files and the shipped examples;
  ``default_scenario_frame`` the built-in default scenario.
* ``Features``, ``Case`` and ``FarmConfig``, the model's values; ``parse_variant`` a
  variant expression's features.
* ``summarize`` the per-message rows per profile and variant (the CLI's table);
  ``summarize_statistics`` per sweep point, profile and variant (or any columns) with
  confidence intervals, and ``compare`` each variant against the reference message by
  message; ``render_ladder`` a trace as text; ``phases`` where the time goes,
  ``breakeven`` where a variant starts to pay along an axis, ``hit_rates`` the caches' hit
  rates.
* ``read_results`` what ``smtpsim run --out`` wrote; ``write_report`` one self-contained
  HTML report of it. The figures are in ``smtpsim.plots`` (``import smtpsim.plots``), the
  one module that loads matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smtpsim.analysis.breakeven import breakeven
    from smtpsim.analysis.caches import hit_rates
    from smtpsim.analysis.ladder import render_ladder
    from smtpsim.analysis.phases import phases
    from smtpsim.analysis.results import read_results
    from smtpsim.analysis.statistics import compare
    from smtpsim.analysis.statistics import summarize as summarize_statistics
    from smtpsim.analysis.summary import summarize
    from smtpsim.api import (
        build_cases,
        default_scenario_frame,
        load_scenario,
        run_scenario,
        simulate,
        trace,
    )
    from smtpsim.model import Case, FarmConfig, Features
    from smtpsim.plots.report import write_report
    from smtpsim.scenarios.variants import parse_variant
    from smtpsim.version import __version__


__all__ = [
    "__version__", "Case", "FarmConfig", "Features", "breakeven", "build_cases", "compare",
    "default_scenario_frame", "hit_rates", "load_scenario", "parse_variant", "phases",
    "read_results", "render_ladder", "run_scenario", "simulate", "summarize",
    "summarize_statistics", "trace", "write_report",
]

_API = ("build_cases", "default_scenario_frame", "load_scenario", "run_scenario", "simulate",
        "trace")
_MODEL = ("Case", "FarmConfig", "Features")
#: name -> (module, attribute) of the analysis functions and the report
_ELSEWHERE = {
    "breakeven": ("smtpsim.analysis.breakeven", "breakeven"),
    "hit_rates": ("smtpsim.analysis.caches", "hit_rates"),
    "phases": ("smtpsim.analysis.phases", "phases"),
    "read_results": ("smtpsim.analysis.results", "read_results"),
    "write_report": ("smtpsim.plots.report", "write_report"),
}


def __getattr__(name: str) -> Any:
    """Import the module that holds ``name`` the first time it is asked for."""
    if name == "__version__":
        from smtpsim.version import __version__

        return __version__
    if name in _API:
        from smtpsim import api

        return getattr(api, name)
    if name in _MODEL:
        from smtpsim import model

        return getattr(model, name)
    if name == "parse_variant":
        from smtpsim.scenarios.variants import parse_variant

        return parse_variant
    if name == "summarize":
        from smtpsim.analysis.summary import summarize

        return summarize
    if name in ("compare", "summarize_statistics"):
        from smtpsim.analysis import statistics

        return statistics.compare if name == "compare" else statistics.summarize
    if name in _ELSEWHERE:
        from importlib import import_module

        module, attribute = _ELSEWHERE[name]
        return getattr(import_module(module), attribute)
    if name == "render_ladder":
        from smtpsim.analysis.ladder import render_ladder

        return render_ladder
    raise AttributeError(f"module 'smtpsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
