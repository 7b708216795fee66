"""Cache hit rates against the farm's affinity (or any column): ``smtpsim.analysis.caches``."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from smtpsim.analysis.caches import CACHES, hit_rates
from smtpsim.plots.figure import axis_label, hue_colors, new_axes, one_point, require

__all__ = ["CACHE_STYLES", "cache_hits"]

#: Each cache's line style and marker; the colour is the variant's.
CACHE_STYLES: dict[str, tuple[str, str]] = {
    "token": ("-", "o"), "tfo": ("--", "s"), "ticket": (":", "D"),
}


def cache_hits(df: pd.DataFrame, x: str = "server.farm.affinity", hue: str = "variant",
               caches: Sequence[str] = tuple(CACHES), confidence: float = 0.95,
               ax: Axes | None = None) -> Figure:
    """The hit rate of each cache (``token``: configuration token, ``tfo``: TFO cookie,
    ``ticket``: TLS session resumption; ``hit_rates``) among the messages that offered it,
    along ``x`` (by default the sweep axis ``server.farm.affinity``, the probability that
    the balancer keeps a client on its last front-end, ``FarmConfig.affinity``): a line per
    value of ``hue`` (a variant in its fixed colour) and cache (its ``CACHE_STYLES`` style)
    that offered at least once, with a band for the Wilson interval at ``confidence``.

    Raises ``ValueError`` for a missing column, no offer of the caches at all, or several
    profiles or sweep points neither ``x`` nor ``hue`` shows (``one_point``: with the
    example ``server-farm``, select one ``server.farm.frontends``).
    """
    require(df, [x, hue], "cache_hits")
    one_point(df, [x, hue], "cache_hits")
    table = hit_rates(df, by=[x, hue], caches=caches, confidence=confidence)
    if not (table["offered"] > 0).any():
        raise ValueError(f"cache_hits: no message offered a cache ({', '.join(caches)})")
    table = table.sort_values(x, kind="stable")
    figure, ax = new_axes(ax)
    for key, color in hue_colors(df, hue).items():
        for cache in caches:
            mine = table[(table[hue] == key) & (table["cache"] == cache)
                         & (table["offered"] > 0)]
            if not len(mine):
                continue
            style, marker = CACHE_STYLES[cache]
            ax.plot(mine[x], mine["rate"], linestyle=style, marker=marker, color=color,
                    label=f"{key}: {cache}")
            ax.fill_between(mine[x], mine["rate_low"].to_numpy(),
                            mine["rate_high"].to_numpy(), color=color, alpha=0.15,
                            linewidth=0)
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel("hit rate (hits / offers)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"Cache hits against {x} ({confidence:.0%} Wilson intervals)")
    ax.grid(True, alpha=0.3)
    ax.legend(title=f"{hue}: cache", fontsize="small")
    return figure
