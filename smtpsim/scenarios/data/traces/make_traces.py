"""Write the shipped capacity traces (``*.trace``, Mahimahi's format) from the model and
parameters in ``traces.toml``; run ``python make_traces.py`` in this folder. Standard library
only, seeded: the same files every time (``tests/scenarios/test_traces.py`` checks that).

The model, per direction: the link is *up* or *stalled*, alternating, each spell exponential
with the mean ``up_s`` / ``stall_s`` (a two-state Markov chain in continuous time, as
Gilbert–Elliott's in discrete time). While up, the rate is drawn again every second from a
lognormal with the mean ``mean_kbps`` / (fraction of time up) and the coefficient of
variation ``cv``, so that the long-run mean is ``mean_kbps``. While stalled, nothing is
delivered. The rate becomes delivery opportunities millisecond by millisecond: the bytes the
rate allows accumulate, and every 1500 of them are one line (a timestamp in ms). The file
lasts ``period_s`` and repeats.
"""

from __future__ import annotations

import math
import random
import tomllib
from pathlib import Path

HERE = Path(__file__).parent
MTU = 1500


def opportunities(mean_kbps: float, cv: float, up_s: float, stall_s: float, period_s: int,
                  seed: int) -> list[int]:
    """The timestamps (ms) of one period of the model (see the module docstring)."""
    rng = random.Random(seed)
    up_share = up_s / (up_s + stall_s)
    mean_up_bps = mean_kbps * 1000.0 / up_share
    sigma = math.sqrt(math.log(1.0 + cv * cv))
    mu = math.log(mean_up_bps) - sigma * sigma / 2.0  # lognormal with mean mean_up_bps
    stamps: list[int] = []
    up = True
    switch_ms = rng.expovariate(1.0 / up_s) * 1000.0
    credit = 0.0
    rate = rng.lognormvariate(mu, sigma)
    for ms in range(1, period_s * 1000 + 1):
        while ms > switch_ms:
            up = not up
            switch_ms += rng.expovariate(1.0 / (up_s if up else stall_s)) * 1000.0
        if ms % 1000 == 1:
            rate = rng.lognormvariate(mu, sigma)
        if up:
            credit += rate / 8.0 / 1000.0
            while credit >= MTU:
                stamps.append(ms)
                credit -= MTU
    if not stamps or stamps[-1] != period_s * 1000:
        stamps.append(period_s * 1000)  # the period: the file repeats after it
    return stamps


def main() -> None:
    specs = tomllib.loads((HERE / "traces.toml").read_text("utf-8"))["traces"]
    for name, spec in specs.items():
        m = spec["model"]
        stamps = opportunities(m["mean_kbps"], m["cv"], m["up_s"], m["stall_s"],
                               m["period_s"], m["seed"])
        (HERE / f"{name}.trace").write_text("".join(f"{s}\n" for s in stamps), "ascii")


if __name__ == "__main__":
    main()
