"""Hand-made frames with the real record columns (``SessionRecord.as_row``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from smtpsim.model.records import SessionRecord


def record(variant: str, user_s: float, *, profile: str = "lte", replication: int = 0,
           outcome: str = "accepted", **fields: Any) -> dict[str, object]:
    """One accepted row (unless ``outcome`` says otherwise) whose user, done, accept and
    close times are ``user_s``."""
    rec = SessionRecord(profile=profile, variant=variant, seed=1, replication=replication,
                        size=fields.pop("size", 10_000), recipients=1, iw=10, server="typical",
                        outcome=outcome)
    for name in ("user_s", "done_s", "accept_s", "close_s"):
        setattr(rec, name, user_s)
    rec.rtt_user = rec.rtt_done = rec.rtt_accept = 6
    for name, value in fields.items():
        setattr(rec, name, value)
    return rec.as_row()


def frame(rows: list[dict[str, object]], **axes: list[object]) -> pd.DataFrame:
    """The rows; with ``axes`` a scenario frame (``scenario``, ``point``, the axis columns
    in front, as ``smtpsim.execution.columns.record_schema`` orders them), the axis values
    given per row (keyword names use ``__`` for ``.``)."""
    df = pd.DataFrame(rows)
    if axes:
        for i, (name, values) in enumerate(axes.items()):
            df.insert(i, name.replace("__", "."), values)
        names = [name.replace("__", ".") for name in axes]
        df.insert(0, "point", df.groupby(names, sort=False).ngroup())
        df.insert(0, "scenario", "hand")
    return df
