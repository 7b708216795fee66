"""Named server processing-time presets -> :class:`~smtpsim.simulator.config.ServerTiming`.

``typical`` is an assumption (no authoritative figures are published; the ranges are in
``shared/reference/protocol.md`` §3.5): see ``ServerTiming``'s docstring for each value.
"""

from __future__ import annotations

from collections.abc import Callable

from smtpsim.model import ServerTiming
from smtpsim.scenarios.errors import UnknownNameError

__all__ = ["SERVER_TIMINGS", "get_server_timing"]

SERVER_TIMINGS: dict[str, str] = {
    "ideal": "zero processing time at every step: network round trips only",
    "typical": "local maps 0.5 ms, RCPT lookup 5 ms, AUTH PLAIN 10 ms, queue fsync 5 ms "
    "(assumed from protocol.md §3.5 ranges)",
}
"""Server timing preset names -> one-line descriptions."""

_FACTORIES: dict[str, Callable[[], ServerTiming]] = {
    "ideal": ServerTiming.ideal,
    "typical": ServerTiming.typical,
}


def get_server_timing(name: str) -> ServerTiming:
    """The ServerTiming preset ``name`` (case-insensitive); :class:`UnknownNameError` otherwise."""
    key = name.strip().lower()
    if key not in _FACTORIES:
        raise UnknownNameError("server timing", name, SERVER_TIMINGS)
    return _FACTORIES[key]()
