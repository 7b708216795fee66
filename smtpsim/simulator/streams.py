"""Random streams made only when something draws from them.

A run's streams are the children of one ``numpy.random.SeedSequence([seed, replication])``
(``run``); most components of a typical run never draw (a link without loss or jitter, a farm
of one front-end, fixed processing times), and building a ``numpy.random.Generator`` costs
more than simulating several packets. ``LazyGenerator`` stands for the generator of
``SeedSequence(entropy, spawn_key=key)``, which is exactly the ``key[-1]``-th child that
``SeedSequence(entropy).spawn`` would have made (numpy's ``SeedSequence.spawn``), and makes it
on first use: the numbers drawn are the same, whoever draws first and whenever. A run that
made none of its generators drew no random number: its result does not depend on its seed
(``smtpsim.simulator.run.run_replications``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np

__all__ = ["LazyGenerator", "lazy_generator", "materialize"]


class LazyGenerator:
    """The generator of ``SeedSequence(entropy, spawn_key=key)``, made when first used;
    any ``numpy.random.Generator`` method may be called on it. ``made``: a list this one
    appends its key to when it makes its generator (a run's record of what drew)."""

    __slots__ = ("entropy", "key", "made", "_generator")

    def __init__(self, entropy: Sequence[int], key: tuple[int, ...],
                 made: list[tuple[int, ...]] | None = None) -> None:
        self.entropy = entropy
        self.key = key
        self.made = made
        self._generator: np.random.Generator | None = None

    def generator(self) -> np.random.Generator:
        gen = self._generator
        if gen is None:
            seq = np.random.SeedSequence(list(self.entropy), spawn_key=self.key)
            gen = self._generator = np.random.default_rng(seq)
            if self.made is not None:
                self.made.append(self.key)
        return gen

    def __getattr__(self, name: str) -> Any:
        return getattr(self.generator(), name)


def lazy_generator(entropy: Sequence[int], key: tuple[int, ...],
                   made: list[tuple[int, ...]] | None = None) -> np.random.Generator:
    """A ``LazyGenerator``, typed as the generator it stands for."""
    return cast(np.random.Generator, LazyGenerator(entropy, key, made))


def materialize(rng: np.random.Generator) -> np.random.Generator:
    """The generator itself (for a component that draws often)."""
    lazy: Any = rng
    return lazy.generator() if isinstance(lazy, LazyGenerator) else rng
