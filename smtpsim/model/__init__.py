"""Plain values, standard library only: what a run is (``Case`` and its parts, ``Features``
and the negotiation ``RULES``), what it returns (``SessionRecord``, ``Trace``), the wire text
(``text``) and the protocol timers (``timers``).

Every other layer imports this one; it imports nothing of the package's. The names below
are loaded on first use (PEP 562): ``smtpsim --help`` reads ``METRICS`` without building
every dataclass of the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smtpsim.model.case import Case, Client, Network, ScriptedLoss, Server, Workload, updated
    from smtpsim.model.distribution import Distribution, cost
    from smtpsim.model.features import RULES, Features, Rule, violations
    from smtpsim.model.habits import Habits
    from smtpsim.model.network import CapacityTrace, GilbertElliott, LinkConfig, Outage, PathConfig
    from smtpsim.model.records import (
        METRICS,
        OUTCOMES,
        PHASES,
        ROUND_TRIPS,
        SessionRecord,
        columns,
    )
    from smtpsim.model.server import FarmConfig, ServerTiming
    from smtpsim.model.tcp import TcpConfig
    from smtpsim.model.tls import TlsConfig
    from smtpsim.model.trace import PacketEvent, PhaseSpan, RecordEvent, Trace

__all__ = [
    "METRICS", "OUTCOMES", "PHASES", "ROUND_TRIPS", "RULES", "CapacityTrace", "Case", "Client",
    "Distribution",
    "FarmConfig", "Features", "GilbertElliott", "Habits", "LinkConfig", "Network", "Outage",
    "PacketEvent",
    "PhaseSpan",
    "PathConfig", "RecordEvent", "Rule", "ScriptedLoss", "Server", "ServerTiming",
    "SessionRecord", "TcpConfig", "TlsConfig", "Trace", "Workload", "columns", "cost",
    "updated", "violations",
]

_HOMES = {
    "CapacityTrace": "smtpsim.model.network",
    "Case": "smtpsim.model.case",
    "Client": "smtpsim.model.case",
    "Distribution": "smtpsim.model.distribution",
    "FarmConfig": "smtpsim.model.server",
    "Features": "smtpsim.model.features",
    "GilbertElliott": "smtpsim.model.network",
    "Habits": "smtpsim.model.habits",
    "LinkConfig": "smtpsim.model.network",
    "METRICS": "smtpsim.model.records",
    "Network": "smtpsim.model.case",
    "OUTCOMES": "smtpsim.model.records",
    "Outage": "smtpsim.model.network",
    "PHASES": "smtpsim.model.records",
    "PacketEvent": "smtpsim.model.trace",
    "PathConfig": "smtpsim.model.network",
    "PhaseSpan": "smtpsim.model.trace",
    "ROUND_TRIPS": "smtpsim.model.records",
    "RULES": "smtpsim.model.features",
    "RecordEvent": "smtpsim.model.trace",
    "Rule": "smtpsim.model.features",
    "ScriptedLoss": "smtpsim.model.case",
    "Server": "smtpsim.model.case",
    "ServerTiming": "smtpsim.model.server",
    "SessionRecord": "smtpsim.model.records",
    "TcpConfig": "smtpsim.model.tcp",
    "TlsConfig": "smtpsim.model.tls",
    "Trace": "smtpsim.model.trace",
    "Workload": "smtpsim.model.case",
    "columns": "smtpsim.model.records",
    "cost": "smtpsim.model.distribution",
    "updated": "smtpsim.model.case",
    "violations": "smtpsim.model.features",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'smtpsim.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
