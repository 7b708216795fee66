"""Shared builders: an idealised path where every wait costs exactly one round trip."""

from __future__ import annotations

from dataclasses import replace

import pytest

from smtpsim.scenarios.variants import parse_variant
from smtpsim.simulator.config import PathConfig, ServerTiming, TcpConfig, TlsConfig
from smtpsim.simulator.session import Case

#: 1 Tbit/s: serialization of a 1500 B packet is 12 ps, far below the tolerances used.
FAST = 1e12
NO_CPU = TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0, resumed_cpu_s=0.0)


def ideal_case(
    variant: str,
    *,
    rtt: float = 1.0,
    size: int = 100,
    recipients: int = 1,
    iw: int = 10,
    bandwidth: float = FAST,
    **changes: object,
) -> Case:
    """A lossless, jitter-free case with an ideal server and no TLS CPU time."""
    tcp = TcpConfig(iw=iw)
    case = Case(
        path=PathConfig.symmetric_rtt(rtt, bandwidth, bandwidth),
        features=parse_variant(variant),
        size=size,
        recipients=recipients,
        client_tcp=tcp,
        server_tcp=tcp,
        tls=NO_CPU,
        timing=ServerTiming.ideal(),
        variant=variant,
        server="ideal",
    )
    return replace(case, **changes) if changes else case


@pytest.fixture
def case_factory():
    return ideal_case
