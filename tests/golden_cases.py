"""Lossless cases as plain dicts, and what the oracle and the simulator make of them.

``tests/golden/oracle-cases.json`` stores such descriptions with the results computed before a
restructuring; ``build`` turns a description into the package's current case type, so the
stored results stay comparable whatever shape the case takes.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from smtpsim import oracle
from smtpsim.model import (
    Case,
    Client,
    LinkConfig,
    Network,
    PathConfig,
    Server,
    ServerTiming,
    TcpConfig,
    TlsConfig,
    Workload,
)
from smtpsim.scenarios.variants import parse_variant
from smtpsim.simulator.run import run_session

__all__ = ["build", "describe", "oracle_row", "simulator_row"]


def describe(case: Case) -> dict[str, Any]:
    """The fields ``tests/strategies.lossless_cases`` draws (every other one is a default)."""
    link = ("delay_s", "bandwidth_bps")
    return {
        "variant": case.client.variant,
        "up": [getattr(case.network.path.up, k) for k in link],
        "down": [getattr(case.network.path.down, k) for k in link],
        "size": case.workload.size,
        "recipients": case.workload.recipients,
        "iw": case.client.tcp.iw,
        "hystart": case.client.tcp.hystart,
        "rack": case.client.tcp.rack,
        "rmem": list(case.client.tcp.rmem),
        "rmem_autotune": case.client.tcp.rmem_autotune,
        "server": case.server.name,
        "state": case.client.state,
        "config_changed": case.server.config_changed,
        "burl_pooled": case.server.burl_pooled,
    }


def build(d: dict[str, Any]) -> Case:
    """The case ``d`` describes (as ``lossless_cases`` builds it); a description stored
    before ``hystart``, ``rack`` or ``rmem`` was drawn has Linux's defaults."""
    default = TcpConfig()
    tcp = TcpConfig(iw=d["iw"], hystart=d.get("hystart", True), rack=d.get("rack", True),
                    rmem=tuple(d.get("rmem", default.rmem)),
                    rmem_autotune=d.get("rmem_autotune", default.rmem_autotune))
    if d["server"] == "ideal":
        timing = ServerTiming.ideal()
        tls = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0, resumed_cpu_s=0.0)
    else:
        timing, tls = ServerTiming.typical(), TlsConfig()
    return Case(
        network=Network(PathConfig(LinkConfig(*d["up"]), LinkConfig(*d["down"]))),
        client=Client(parse_variant(d["variant"]), d["variant"], d["state"], tcp),
        server=Server(d["server"], timing, tls, tcp, burl_pooled=d["burl_pooled"],
                      config_changed=d["config_changed"]),
        workload=Workload(d["size"], d["recipients"]),
    )


def oracle_row(d: dict[str, Any]) -> dict[str, Any]:
    """The oracle's result for ``d`` as a dict, or ``{"error": <exception class>}`` for a
    case outside its domain (``ValueError``: ``SlowStartEnds``, ``QueueMayOverflow`` ...)."""
    try:
        result = oracle.oracle(build(d))
    except ValueError as e:
        return {"error": type(e).__name__}
    return asdict(result)


def simulator_row(d: dict[str, Any]) -> dict[str, Any]:
    """The simulator's record of ``d`` (seed 0, replication 0) as a dict."""
    record, _ = run_session(build(d), 0)
    return record.as_row()
