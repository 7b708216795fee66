"""A server farm: front-ends behind one address, a balancer with affinity, rolling upgrades.

Clients see one server (one address, one host name), so they keep one entry per cache for
it; whether an entry is honoured depends on which front-end the balancer picks and on what
the front-ends share (``FarmConfig``). This is how "caches die without client affinity"
becomes a number.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from smtpsim.model import FarmConfig
from smtpsim.simulator.frontend import FrontEnd

__all__ = ["ServerFarm"]

#: Builds one front-end: ``make(name, keys)``, the keys as ``FrontEnd``'s keyword arguments.
FrontEndFactory = Callable[[str, dict[str, str]], FrontEnd]


class ServerFarm:
    """The front-ends of one address and the balancer in front of them. ``make`` builds each
    front-end, given its name and the keys the farm shares (``FarmConfig``); ``rng`` is the
    balancer's stream."""

    def __init__(
        self,
        env: simpy.Environment,
        address: str,
        config: FarmConfig,
        rng: np.random.Generator,
        make: FrontEndFactory,
    ) -> None:
        self.env = env
        self.config = config
        self.rng = rng
        farm_wide = f"{address}/farm"
        shared: dict[str, str] = {}
        if config.shared_tokens:
            shared["token_secret"] = farm_wide
        if config.shared_tfo_key:
            shared |= {"tfo_key": f"{farm_wide}/tfo-key-1", "ttcp_key": f"{farm_wide}/tao-1"}
        if config.shared_ticket_key:
            shared["ticket_key"] = f"{farm_wide}/ticket-key-1"
        self.frontends = [
            make(f"fe{i + 1}" if config.frontends > 1 else address, shared)
            for i in range(config.frontends)
        ]
        for t in config.config_changes_s:
            env.process(self._rolling_upgrade(t))

    def pick(self, previous: FrontEnd | None) -> FrontEnd:
        """The front-end for a new connection: the previous one with probability
        ``affinity``, else one drawn uniformly (which may be the previous one again). A farm
        of one draws nothing (its stream is its own, so no other draw moves)."""
        if len(self.frontends) == 1:
            return self.frontends[0]
        if previous is not None and self.rng.random() < self.config.affinity:
            return previous
        return self.frontends[int(self.rng.integers(len(self.frontends)))]

    def reconfigure(self) -> None:
        """Every front-end changes its configuration now: every token issued is stale."""
        for fe in self.frontends:
            fe.config_version += 1

    def _rolling_upgrade(self, at: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(at)
        for i, fe in enumerate(self.frontends):
            if i:
                yield self.env.timeout(self.config.rolling_interval_s)
            fe.config_version += 1
