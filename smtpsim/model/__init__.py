"""Plain values, standard library only: what a run is (``Case`` and its parts, ``Features``
and the negotiation ``RULES``), what it returns (``SessionRecord``, ``Trace``), the wire text
(``text``) and the protocol timers (``timers``).

Every other layer imports this one; it imports nothing of the package's.
"""

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
