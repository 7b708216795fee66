"""``[sweep]`` designs (grid, random, Latin hypercube), points made from their index alone,
counted without being made, and the sweeps too large to run.

Expectations are derived from the documented design (``smtpsim.scenarios.sweep``'s
docstring) and from the definition of a Latin hypercube (McKay, Beckman and Conover 1979:
with n samples, each axis's range cut into n equal strata holds exactly one point), not
from what the code printed.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from pydantic import ValidationError

from smtpsim.scenarios.errors import ScenarioError
from smtpsim.scenarios.loader import dumps, loads
from smtpsim.scenarios.schema import Scenario
from smtpsim.scenarios.sweep import (
    iter_points,
    point,
    point_count,
    point_values,
)

BASE = ('[scenario]\nname = "d"\nseed = 11\n[[profile]]\npreset = "dsl"\n'
        '[[variant]]\npreset = "baseline"\n')


def _load(sweep: str, base: str = BASE) -> Scenario:
    return loads(base + "[sweep]\n" + sweep, "bad.toml")


def _refused(sweep: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        _load(sweep)
    return list(info.value.problems)


# ---------------------------------------------------------------- grid
def test_grid_point_from_its_index_alone() -> None:
    """Axes a (3 values), b (2 values), first slowest: the points are (a0,b0) (a0,b1)
    (a1,b0) (a1,b1) (a2,b0) (a2,b1), so index 3 is (a1, b1) and index 4 (a2, b0)."""
    s = _load('"server.farm.affinity" = [0, 0.5, 1]\n"server.farm.frontends" = [2, 4]\n')
    assert point_count(s) == 6
    assert point_values(s, 3) == {"server.farm.affinity": 0.5, "server.farm.frontends": 4}
    p = point(s, 4)
    assert p.values == {"server.farm.affinity": 1, "server.farm.frontends": 2}
    assert p.scenario.server.farm.affinity == 1.0 and p.scenario.server.farm.frontends == 2
    assert [q.values for q in iter_points(s, start=3, stop=5)] == [
        point_values(s, 3), point_values(s, 4)]
    with pytest.raises(IndexError):
        point_values(s, 6)


def test_large_grid_is_counted_not_made() -> None:
    """1000 x 1000 values = 10^6 points, the limit: read (each value validated alone, 2000
    validations) and counted at once; point 999,999 is the last value of both axes."""
    loss = ", ".join(str(i / 1000) for i in range(1000))
    jitter = ", ".join(str(i) for i in range(1000))
    start = time.perf_counter()
    s = _load(f'"server.dc_path.loss" = [{loss}]\n"server.dc_path.jitter_ms" = [{jitter}]\n')
    assert point_count(s) == 1_000_000
    last = next(iter_points(s, start=999_999))
    assert last.values == {"server.dc_path.loss": 0.999, "server.dc_path.jitter_ms": 999}
    assert time.perf_counter() - start < 60  # all 10^6 points made would take ~20 minutes


def test_grid_beyond_the_limit_is_refused_at_once() -> None:
    """Five axes of 40 values: 40^5 = 102,400,000 points, over the 1,000,000 limit: one line
    naming the file, the key and the limit, before any point is made."""
    values = "[" + ", ".join(str(i / 40) for i in range(40)) + "]"
    axes = ["server.farm.affinity", "profile.loss", "profile.jitter_ms", "server.dc_path.loss",
            "server.dc_path.jitter_ms"]
    start = time.perf_counter()
    lines = _refused("".join(f'"{a}" = {values}\n' for a in axes))
    assert time.perf_counter() - start < 10
    assert lines == ["bad.toml: sweep: bad value 102400000 points; allowed: at most 1000000 "
                     "sweep points (a grid of 40 x 40 x 40 x 40 x 40 = 102400000 points)"]


# ---------------------------------------------------------------- random
RANDOM = ('design = "random"\nsamples = {n}\n'
          '"workload.size_bytes" = {{ min = 1000, max = 1e7, scale = "log" }}\n'
          '"server.farm.affinity" = {{ min = 0.25, max = 0.75 }}\n'
          '"workload.state" = ["cold", "warm"]\n')


def _expected_random(seed: int, index: int) -> dict[str, object]:
    """The documented derivation: u = default_rng(SeedSequence([seed, "sweep" in ASCII,
    index])).random(3), one per axis in the written order; a whole-number log range
    [1000, 10^7] is floor(exp(ln 1000 + u (ln(10^7 + 1) - ln 1000))); a linear range
    0.25 + u (0.75 - 0.25); a list of 2 values the value floor(2u)."""
    sweep_ascii = int.from_bytes(b"sweep", "big")
    u = np.random.default_rng(np.random.SeedSequence([seed, sweep_ascii, index])).random(3)
    size = math.floor(math.exp(math.log(1000) + u[0] * (math.log(10**7 + 1) - math.log(1000))))
    return {"workload.size_bytes": size, "server.farm.affinity": 0.25 + u[1] * 0.5,
            "workload.state": ["cold", "warm"][math.floor(2 * u[2])]}


def test_random_design_follows_the_documented_seed_derivation() -> None:
    s = _load(RANDOM.format(n=20))
    assert point_count(s) == 20
    for i in (0, 7, 19):
        got = point_values(s, i)
        want = _expected_random(11, i)
        assert got["workload.size_bytes"] == want["workload.size_bytes"]
        assert isinstance(got["workload.size_bytes"], int)
        assert got["server.farm.affinity"] == pytest.approx(want["server.farm.affinity"],
                                                            rel=1e-12)
        assert got["workload.state"] == want["workload.state"]
    made = point(s, 7).scenario.workload.size_bytes
    assert made.value == _expected_random(11, 7)["workload.size_bytes"]  # type: ignore[union-attr]


def test_random_points_depend_on_seed_and_index_only() -> None:
    """More samples, more replications or another profile leave point i as it was; another
    seed changes it."""
    s = _load(RANDOM.format(n=10))
    more = _load(RANDOM.format(n=30), BASE.replace('seed = 11', 'seed = 11\nreplications = 4')
                 + '[[profile]]\npreset = "lte"\n')
    assert [point_values(s, i) for i in range(10)] == [point_values(more, i) for i in range(10)]
    other = _load(RANDOM.format(n=10), BASE.replace("seed = 11", "seed = 12"))
    assert point_values(other, 0) != point_values(s, 0)


def test_whole_number_range_draws_every_whole_number() -> None:
    """frontends (a whole-number key) over {min = 0.5, max = 4.2}: whole numbers 1 to 4 only
    (ceil 0.5 to floor 4.2), each equally likely on a linear scale: in 2000 draws each
    appears 500 times give or take 5 standard deviations (sqrt(2000 x 1/4 x 3/4) = 19)."""
    s = _load('design = "random"\nsamples = 2000\n'
              '"server.farm.frontends" = { min = 0.5, max = 4.2 }\n')
    drawn = [point_values(s, i)["server.farm.frontends"] for i in range(2000)]
    assert all(type(v) is int for v in drawn)
    assert {v: drawn.count(v) for v in set(drawn)}.keys() == {1, 2, 3, 4}
    assert all(abs(drawn.count(v) - 500) < 5 * 19.4 for v in (1, 2, 3, 4))


# ---------------------------------------------------------------- Latin hypercube
def test_latin_hypercube_puts_one_point_in_each_stratum() -> None:
    """n = 50 samples: on the linear axis [0, 1] floor(50 v) takes each of 0..49 once; on
    the log axis [1, 10^4] floor(50 ln v / ln 10^4) does; a list of 5 values is taken
    50 / 5 = 10 times each (strata of u mapped to list positions)."""
    s = _load('design = "LHS"\nsamples = 50\n'  # choices are case-insensitive
              '"server.farm.affinity" = { min = 0, max = 1 }\n'
              '"profile.jitter_ms" = { min = 1, max = 1e4, scale = "log" }\n'
              '"server.dc_path.rtt_ms" = [1, 2, 3, 4, 5]\n')
    assert s.sweep.design == "lhs"
    rows = [point_values(s, i) for i in range(50)]
    strata = sorted(math.floor(50 * r["server.farm.affinity"]) for r in rows)
    assert strata == list(range(50))
    log_strata = sorted(math.floor(50 * math.log(r["profile.jitter_ms"]) / math.log(1e4))
                        for r in rows)
    assert log_strata == list(range(50))
    rtts = [r["server.dc_path.rtt_ms"] for r in rows]
    assert all(rtts.count(v) == 10 for v in (1, 2, 3, 4, 5))
    again = _load('design = "lhs"\nsamples = 50\n'
                  '"server.farm.affinity" = { min = 0, max = 1 }\n'
                  '"profile.jitter_ms" = { min = 1, max = 1e4, scale = "log" }\n'
                  '"server.dc_path.rtt_ms" = [1, 2, 3, 4, 5]\n')
    assert [point_values(again, i) for i in range(50)] == rows


def test_design_survives_a_round_trip_in_order() -> None:
    """dumps writes design, samples and every axis inline in the written order, and loads
    reads back an equal scenario (the order decides which draw each axis gets)."""
    s = _load(RANDOM.format(n=5))
    text = dumps(s)
    assert text.index('"workload.size_bytes"') < text.index('"server.farm.affinity"') < (
        text.index('"workload.state"'))
    assert loads(text) == s


# ---------------------------------------------------------------- refused designs
@pytest.mark.parametrize(("sweep", "line"), [
    ('"server.farm.affinity" = { min = 0, max = 1 }\n',
     "bad.toml: sweep.\"server.farm.affinity\": bad value {min = 0, max = 1, scale = 'linear'};"
     ' allowed: an array of values (a range needs design = "random" or "lhs")'),
    ('samples = 3\n"server.farm.affinity" = [0, 1]\n',
     'bad.toml: sweep.samples: bad value 3; allowed: no samples with design = "grid" '
     '(samples is for design = "random" or "lhs")'),
    ('design = "random"\n"server.farm.affinity" = [0, 1]\n',
     "bad.toml: sweep.samples: missing; required: a whole number in [1, 1000000] (points; "
     "required with design = 'random')"),
    ('design = "lhs"\nsamples = 100001\n"server.farm.affinity" = [0, 1]\n',
     "bad.toml: sweep.samples: bad value 100001; allowed: a whole number in [1, 100000] "
     "(points of a Latin hypercube, drawn at once)"),
    ('design = "random"\nsamples = 2000000\n"server.farm.affinity" = [0, 1]\n',
     "bad.toml: sweep.samples: bad value 2000000; allowed: a whole number in [1, 1000000] "
     "(points)"),
    ('design = "sobol"\n',
     "bad.toml: sweep.design: bad value 'sobol'; allowed: one of grid, random, lhs "
     "(sweep designs)"),
    ('design = "random"\nsamples = 2\n"workload.state" = { min = 0, max = 1 }\n',
     "bad.toml: sweep.\"workload.state\": bad value {min = 0, max = 1, scale = 'linear'}; "
     "allowed: an array of values (a range is for a key that takes a number)"),
    ('design = "random"\nsamples = 2\n"server.farm.affinity" = { min = 0, max = 1, '
     'scale = "log" }\n',
     "bad.toml: sweep.\"server.farm.affinity\".min: bad value 0; allowed: a number > 0 "
     "(a log-scale range)"),
    ('design = "random"\nsamples = 2\n"server.farm.affinity" = { min = 0.5, max = 0.5 }\n',
     "bad.toml: sweep.\"server.farm.affinity\".max: bad value 0.5; allowed: a number > min "
     "(0.5)"),
    ('design = "random"\nsamples = 2\n"server.farm.frontends" = { min = 1.2, max = 1.8 }\n',
     "bad.toml: sweep.\"server.farm.frontends\": bad value {min = 1.2, max = 1.8, scale = "
     "'linear'}; allowed: a range that holds a whole number (the key takes whole numbers)"),
    ('design = "random"\nsamples = 2\n"server.farm.affinity" = { min = 0.5, max = 2 }\n',
     "bad.toml: sweep.\"server.farm.affinity\".max: bad value 2; allowed: a number in [0, 1] "
     "(a probability)"),
])
def test_bad_designs_name_the_key(sweep: str, line: str) -> None:
    assert _refused(sweep) == [line]


def test_large_random_sweep_validates_each_point_when_made() -> None:
    """A profile's one-way delays must add up to at most 10 s (``MAX_RTT_MS``): up and down
    each in [4000, 6000] ms are fine alone (with the dsl preset's other delay), but about
    half the pairs add up to more. With 2000 samples (over the 1000 points validated on
    reading) the file is read, and the first such point is refused when it is made; with 2
    points the reader itself finds it."""
    s = _load('design = "random"\nsamples = 2000\n'
              '"profile.delay_up_ms" = { min = 4000, max = 6000 }\n'
              '"profile.delay_down_ms" = { min = 4000, max = 6000 }\n')
    with pytest.raises(ValidationError):
        for _ in iter_points(s):
            pass
    lines = _refused('"profile.delay_up_ms" = [6000]\n"profile.delay_down_ms" = [4000, 5000]\n')
    assert lines == ["bad.toml: profile[0].delay_up_ms: bad value 6000; allowed: one-way delays "
                     "adding up to (0, 10000] ms (in a combination of the sweep values)"]
