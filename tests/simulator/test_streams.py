"""Random streams made on first use draw exactly what the spawned children would have, and
components that never draw never make theirs.

numpy's ``SeedSequence.spawn(n)`` (``numpy/random/bit_generator.pyx``) makes child ``i`` as
``SeedSequence(self.entropy, spawn_key=self.spawn_key + (i,), pool_size=self.pool_size)``,
``i`` counting on from the children spawned before; ``LazyGenerator(entropy, (i,))`` stands
for that child's generator.
"""

from __future__ import annotations

import numpy as np
import simpy

from smtpsim.model import FarmConfig, LinkConfig
from smtpsim.simulator.farm import ServerFarm
from smtpsim.simulator.streams import LazyGenerator, lazy_generator, materialize
from smtpsim.simulator.wire import Link


def test_a_lazy_stream_is_the_spawned_child() -> None:
    root = np.random.SeedSequence([12, 3])
    children = root.spawn(6) + root.spawn(2)
    for i, child in enumerate(children):
        lazy = lazy_generator((12, 3), (i,))
        assert (lazy.random(5) == np.random.default_rng(child).random(5)).all()


def test_a_lossless_link_never_makes_its_generator() -> None:
    stream = LazyGenerator((1, 0), (0,))
    env = simpy.Environment()
    link = Link(env, LinkConfig(0.01, 1e6), stream, "up")  # type: ignore[arg-type]
    for i in range(3):
        link.send(i, 1000, lambda _e: None)
    env.run()
    assert stream._generator is None


def test_a_lossy_link_draws_from_the_child() -> None:
    """With loss every packet draws one uniform number: the same numbers as the child's
    generator made up front."""
    env = simpy.Environment()
    link = Link(env, LinkConfig(0.01, 1e6, loss=0.5), lazy_generator((1, 0), (0,)), "up")
    for i in range(20):
        link.send(i, 100, lambda _e: None)
    expected = np.random.default_rng(np.random.SeedSequence([1, 0]).spawn(1)[0]).random(20)
    assert link.dropped == int((expected < 0.5).sum())
    assert isinstance(link.rng, np.random.Generator)
    assert materialize(link.rng) is link.rng


def test_a_farm_of_one_draws_nothing() -> None:
    """With one front-end every pick is that front-end whatever is drawn, so nothing is."""

    class NoDraws:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"drew {name}")

    env = simpy.Environment()
    farm = ServerFarm(env, "mx", FarmConfig(frontends=1, affinity=0.5), NoDraws(),  # type: ignore[arg-type]
                      lambda name, keys: name)  # type: ignore[arg-type, return-value]
    first = farm.pick(None)
    assert farm.pick(first) is first
