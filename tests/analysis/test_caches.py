"""smtpsim.analysis.caches: hit rates among the offers, with Wilson score intervals checked
against the formula worked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from smtpsim.analysis.caches import HIT_RATE_COLUMNS, hit_rates, wilson_interval


def test_wilson_interval_by_hand() -> None:
    """z = 1.959964 (95 %), z² = 3.841459, 1 + z²/10 = 1.3841459. 5 of 10: centre
    (0.5 + 0.1920730) / 1.3841459 = 0.5, half 1.959964 · √(0.025 + 0.0096036) / 1.3841459
    = 1.959964 · 0.1860205 / 1.3841459 = 0.263407: (0.236593, 0.763407) (the 0.2366 to
    0.7634 of published Wilson tables). 0 of 10: centre 0.1920730 / 1.3841459 = 0.138767,
    half 1.959964 · 0.0979980 / 1.3841459 = 0.138767: (0, 0.277533). No offer: NaN."""
    assert wilson_interval(5, 10) == pytest.approx((0.236593, 0.763407), abs=2e-6)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.277533), abs=2e-6)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def _frame() -> pd.DataFrame:
    """config-token at affinity 0: four messages offered a token, one hit; one message
    without an offer marked hit (not counted). tfo at affinity 0: two TFO offers, both hit;
    no ticket offered anywhere."""
    rows = [("config-token", 0.0, True, h, False, False) for h in (True, False, False, False)]
    rows += [("config-token", 0.0, False, True, False, False)]
    rows += [("tfo", 0.0, False, False, True, True)] * 2
    df = pd.DataFrame(rows, columns=["variant", "server.farm.affinity", "token_offered",
                                     "token_hit", "tfo_offered", "tfo_hit"])
    df["ticket_offered"] = False
    df["tls_resumed"] = False
    return df


def test_hit_rates_among_offers() -> None:
    """token: 1 hit of 4 offers = 0.25 (the hit without an offer does not count); tfo: 2 of 2;
    ticket: no offer, NaN rate."""
    out = hit_rates(_frame(), by=["server.farm.affinity", "variant"])
    assert list(out.columns) == ["server.farm.affinity", "variant", *HIT_RATE_COLUMNS]
    rate = out.set_index(["variant", "cache"])
    assert (rate.loc[("config-token", "token"), ["offered", "hits"]] == [4, 1]).all()
    assert rate.loc[("config-token", "token"), "rate"] == 0.25
    assert rate.loc[("tfo", "tfo"), "rate"] == 1.0
    assert rate.loc[("tfo", "tfo"), "rate_high"] == pytest.approx(1.0)
    assert math.isnan(rate.loc[("tfo", "ticket"), "rate"])


def test_hit_rates_refuses_unknown_caches_and_missing_columns() -> None:
    with pytest.raises(ValueError, match="unknown cache cookie"):
        hit_rates(_frame(), by=["variant"], caches=["cookie"])
    with pytest.raises(ValueError, match="tls_resumed"):
        hit_rates(_frame().drop(columns="tls_resumed"), by=["variant"])
