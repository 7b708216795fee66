"""Server timing presets: ``data/servers.toml`` -> :class:`~smtpsim.model.ServerTiming`.

Each preset gives every step of :class:`~smtpsim.model.ServerTiming` in ms with its source
(``typical``'s are assumptions: no authoritative figures are published), validated as a
scenario file is (``smtpsim.scenarios.documents``).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from pydantic import create_model

from smtpsim.model import ServerTiming
from smtpsim.scenarios.documents import data_file, parse
from smtpsim.scenarios.errors import UnknownNameError
from smtpsim.scenarios.fields import Line, Ms, Spec

__all__ = [
    "SERVER_TIMINGS", "TIMING_STEPS", "ServerPreset", "get_server_timing", "parse_servers",
    "server_presets",
]

#: The steps a server spends time on, as :class:`ServerTiming` names them.
TIMING_STEPS = tuple(f.name for f in fields(ServerTiming))


class Step(Spec):
    """One step's processing time and where the figure comes from."""

    ms: Ms
    source: Line


class _Preset(Spec):
    description: Line

    def timing(self) -> ServerTiming:
        """The preset as the simulator takes it (seconds)."""
        return ServerTiming(**{s: getattr(self, s).ms / 1000.0 for s in TIMING_STEPS})

    def steps(self) -> dict[str, Step]:
        """Every step's time and source, in :data:`TIMING_STEPS` order."""
        return {s: getattr(self, s) for s in TIMING_STEPS}


_STEPS: dict[str, Any] = {s: (Step, ...) for s in TIMING_STEPS}

#: One ``[servers.<name>]`` table: a ``description`` and every step, ``{ms, source}``.
ServerPreset = create_model("ServerPreset", __base__=_Preset, **_STEPS)


class _ServersFile(Spec):
    servers: dict[str, ServerPreset]  # type: ignore[valid-type]


def parse_servers(text: str, source: str = "servers.toml") -> dict[str, _Preset]:
    """Presets from TOML text in the ``data/servers.toml`` format (``[servers.<name>]``);
    a :class:`ScenarioError` names ``source`` and the key of every problem."""
    return dict(parse(text, source, _ServersFile).servers)


_PRESETS: dict[str, _Preset] = dict(data_file("servers.toml", _ServersFile).servers)

SERVER_TIMINGS: dict[str, str] = {name: p.description for name, p in _PRESETS.items()}
"""Server timing preset names -> one-line descriptions."""


def server_presets() -> dict[str, _Preset]:
    """The presets by name, each with its steps and their sources."""
    return dict(_PRESETS)


def get_server_timing(name: str) -> ServerTiming:
    """The ServerTiming preset ``name`` (case-insensitive); :class:`UnknownNameError` otherwise."""
    key = name.strip().lower()
    if key not in _PRESETS:
        raise UnknownNameError("server timing", name, SERVER_TIMINGS)
    return _PRESETS[key].timing()
