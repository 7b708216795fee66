"""Figures of the per-message records (matplotlib): each function takes the frame
``smtpsim.simulate`` or ``smtpsim.run_scenario`` returns (or one read back from the CSV or
Parquet that ``smtpsim run --out`` wrote), draws into ``ax`` when given (else a new figure),
and returns the ``Figure``. A variant has one fixed colour in every figure
(``palette.variant_colors``). Times are shown in ms or s as their size asks; the label says
which.

* ``cdf`` the latency CDF per variant; ``bars`` profile × variant with intervals; ``line``
  a metric along a sweep axis with interval bands (``summaries``);
* ``heatmap`` the paired saving against the reference over two axes; ``breakeven_map`` where
  a variant starts to pay along an axis, per value of another (``comparisons``);
* ``phases`` where the time goes, phase by phase (``waterfall``);
* ``cache_hits`` cache hit rates against the farm's affinity (``caches``);
* ``ladder`` one session's packets as a picture ladder (``ladder``), packet for packet the
  text ladder of ``smtpsim.analysis.ladder``.

The CLI never imports this package, so ``smtpsim --help`` does not load matplotlib.
"""

from __future__ import annotations

from smtpsim.plots.caches import cache_hits
from smtpsim.plots.comparisons import breakeven_map, heatmap
from smtpsim.plots.distributions import cdf
from smtpsim.plots.ladder import ladder
from smtpsim.plots.palette import variant_color, variant_colors
from smtpsim.plots.summaries import bars, line
from smtpsim.plots.waterfall import phases

__all__ = [
    "bars", "breakeven_map", "cache_hits", "cdf", "heatmap", "ladder", "line", "phases",
    "variant_color", "variant_colors",
]
