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
  message; ``render_ladder`` a trace as text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smtpsim.analysis.ladder import render_ladder
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
    from smtpsim.scenarios.variants import parse_variant
    from smtpsim.version import __version__


__all__ = [
    "__version__", "Case", "FarmConfig", "Features", "build_cases", "compare",
    "default_scenario_frame", "load_scenario", "parse_variant", "render_ladder",
    "run_scenario", "simulate", "summarize", "summarize_statistics", "trace",
]

_API = ("build_cases", "default_scenario_frame", "load_scenario", "run_scenario", "simulate",
        "trace")
_MODEL = ("Case", "FarmConfig", "Features")


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
    if name == "render_ladder":
        from smtpsim.analysis.ladder import render_ladder

        return render_ladder
    raise AttributeError(f"module 'smtpsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
