"""Shared case builders for the tests: an idealised path where every wait costs exactly one
round trip (``ideal_case``), and changes to a case's parts by field name."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from smtpsim.model import (
    Case,
    Client,
    Network,
    PathConfig,
    ScriptedLoss,
    Server,
    ServerTiming,
    TcpConfig,
    TlsConfig,
    Workload,
    updated,
)
from smtpsim.scenarios.variants import parse_variant

#: 1 Tbit/s: serialization of a 1500 B packet is 12 ps, far below the tolerances used.
FAST = 1e12
NO_CPU = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0, resumed_cpu_s=0.0)

#: Keyword names the tests use for fields whose own name is not unique across the parts.
_NAMES = {
    "client_tcp": ("client", "tcp"), "server_tcp": ("server", "tcp"),
    "server_nagle": ("server", "nagle"), "client_idle_s": ("client", "idle_s"),
    "server_idle_s": ("server", "idle_s"), "drop_up": ("scripted_loss", "up"),
    "drop_down": ("scripted_loss", "down"),
}
_PARTS = {"network": Network, "client": Client, "server": Server, "workload": Workload,
          "scripted_loss": ScriptedLoss}


def _part_of(name: str) -> tuple[str, str]:
    if name in _NAMES:
        return _NAMES[name]
    owners = [part for part, cls in _PARTS.items() if name in {f.name for f in fields(cls)}]
    assert len(owners) == 1, f"{name}: in {owners or 'no part'}"
    return owners[0], name


def ideal_case(
    variant: str,
    *,
    rtt: float = 1.0,
    size: int = 100,
    recipients: int = 1,
    iw: int = 10,
    bandwidth: float = FAST,
    hystart: bool = True,
    **changes: Any,
) -> Case:
    """A lossless, jitter-free case with an ideal server and no TLS CPU time; ``changes``
    name fields of the case's parts (``messages=2``, ``workers=1``, ``drop_up=...``).
    ``hystart`` False holds CUBIC's HyStart off at both ends (``TcpConfig.hystart``), for
    cases whose slow start it would end: the oracle stops there (``SlowStartEnds``)."""
    tcp = TcpConfig(iw=iw, hystart=hystart)
    case = Case(
        network=Network(PathConfig.symmetric_rtt(rtt, bandwidth, bandwidth)),
        client=Client(parse_variant(variant), variant, tcp=tcp),
        server=Server("ideal", ServerTiming.ideal(), NO_CPU, tcp),
        workload=Workload(size, recipients),
    )
    return change(case, **changes) if changes else case


def change(case: Case, **changes: Any) -> Case:
    """``case`` with fields of its parts changed, each named alone (``messages=2``)."""
    parts: dict[str, dict[str, Any]] = {}
    for name, value in changes.items():
        part, field = _part_of(name)
        parts.setdefault(part, {})[field] = value
    return updated(case, **parts)


def with_features(case: Case, **changes: Any) -> Case:
    """``case`` with some of its client's features changed."""
    return updated(case, client={"features": replace(case.client.features, **changes)})
