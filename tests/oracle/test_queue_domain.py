"""The oracle stays lossless: a buffer that would drop a packet, a capacity trace and an
outage are outside its domain; a buffer that never fills changes nothing, in either model."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from cases import ideal_case
from hypothesis import HealthCheck, Phase, given, settings
from strategies import lossless_cases

from smtpsim.model import CapacityTrace, Case, LinkConfig, Outage, PathConfig, updated
from smtpsim.oracle import QueueMayOverflow, oracle
from smtpsim.simulator.run import run_session


def _with_links(case: Case, **changes: object) -> Case:
    path = case.network.path
    return updated(case, network={"path": PathConfig(replace(path.up, **changes),
                                                     replace(path.down, **changes))})


def test_a_buffer_that_fills_is_outside_the_domain() -> None:
    """100 kbit/s both ways, RTT 1 s, a 3000-B buffer, 100 kB: the first flight of ten
    1500-B segments leaves one being sent and nine waiting, 13500 B > 3000 B."""
    case = updated(ideal_case("rfc5321"), workload={"size": 100_000})
    path = PathConfig(LinkConfig(0.5, 100_000.0, queue_bytes=3000),
                      LinkConfig(0.5, 100_000.0, queue_bytes=3000))
    with pytest.raises(QueueMayOverflow, match="closed form: the link's buffer of 3000 B"):
        oracle(updated(case, network={"path": path}))


@pytest.mark.parametrize("changes", [
    {"trace": CapacityTrace("t", (1,))},
    {"outages": (Outage(1.0, 1.0),)},
])
def test_a_varying_capacity_is_outside_the_domain(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="closed form: the uplink's capacity varies"):
        oracle(_with_links(ideal_case("rfc5321"), **changes))


def test_an_fq_codel_bottleneck_is_outside_the_domain() -> None:
    """fq_codel serves a link's connections in turn (reordering the packets of SMTP and IMAP
    sharing it) and CoDel drops by delay: the oracle's FIFO links do neither, so even a
    path where it would do nothing is refused, on the access path and on BURL's
    data-centre path."""
    with pytest.raises(ValueError, match="closed form: the uplink's bottleneck is fq_codel"):
        oracle(_with_links(ideal_case("rfc5321"), queue="fq_codel"))
    case = ideal_case("burl")
    dc = case.server.dc_path
    case = updated(case, server={"dc_path": PathConfig(dc.up, replace(dc.down,
                                                                      queue="fq_codel"))})
    with pytest.raises(ValueError, match="an fq_codel bottleneck"):
        oracle(case)


def _row(case: Case) -> dict[str, object]:
    record, _ = run_session(case, seed=0)
    return {k: ("nan" if isinstance(v, float) and math.isnan(v) else v)
            for k, v in record.as_row().items()}


@settings(max_examples=40, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(lossless_cases())
def test_a_buffer_that_never_fills_changes_neither_model(case: Case) -> None:
    """A 100 MB buffer each way (more than any drawn message, so never full): the oracle's
    result and the simulator's record are those of the unbounded path, exactly."""
    big = _with_links(case, queue_bytes=100_000_000)
    try:
        expected = oracle(case)
    except ValueError:
        with pytest.raises(ValueError):
            oracle(big)
        return
    assert oracle(big) == expected
    assert _row(big) == _row(case)
