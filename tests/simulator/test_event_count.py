"""How many SimPy events a session costs (issue 10, "Speed": about 3.9 per packet before,
target at most 1.5).

A SimPy event is what goes through ``Environment.schedule`` (``simpy/core.py``): a
``Timeout``, a triggered ``Event``, a ``Condition`` that became true, a process's start and
end. What a run needs one for is a process waiting (a server's processing time, a read that
waits for its item, the handshake a session waits for). A packet's arrival, the delayed-ACK,
retransmission and SYN timers and a read's deadline need none: they only call back
(``clock.call_later``), and a read waits on one event, not on a ``Condition`` of its event and
a ``Timeout``.

The case: ``baseline`` (STARTTLS, AUTH, a 10 kB message), cold and warm, on a 50 ms path of
1.5 Mbit/s with a typical server. Counted by hand for the warm session (which runs a
warm-up connection first, 2 x 39 packets): per connection the client and the server each
wait for every item they read (about 19 reads between them), the server spends a processing
time per command (12), and 2 processes start and end; about 40 events per 39 packets. Before,
every packet, delayed ACK and read deadline was a ``Timeout`` and every read a ``Condition``
besides: about 4 per packet.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import simpy

from smtpsim.api import build_cases
from smtpsim.simulator.run import _Run


@pytest.mark.parametrize("state", ["cold", "warm"])
def test_a_baseline_session_costs_few_simpy_events_per_packet(
    state: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = build_cases("dsl", variant="baseline", size=10_000, state=state)[0]
    counted = [0]
    schedule = simpy.Environment.schedule

    def counting(self: simpy.Environment, *args: object, **kw: object) -> None:
        counted[0] += 1
        schedule(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(simpy.Environment, "schedule", counting)
    run = _Run(case, 0, 0, False)
    run.run()
    packets = sum(p.up.packets + p.down.packets for p in run.paths)
    assert run.records[0].outcome == "accepted"
    assert packets >= 38
    assert counted[0] / packets <= 1.5


def test_a_read_makes_no_condition(monkeypatch: pytest.MonkeyPatch) -> None:
    """``recv_within`` waits on one event: no ``Condition`` (``ev | timeout``) is made."""
    made = [0]
    init = simpy.events.Condition.__init__

    def counting(self: simpy.events.Condition, *args: object, **kw: object) -> None:
        made[0] += 1
        init(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(simpy.events.Condition, "__init__", counting)
    case = build_cases("dsl", variant="baseline", size=10_000, state="cold")[0]
    _Run(case, 0, 0, False).run()
    assert made[0] == 0


def _benchmarks() -> ModuleType:
    """``benchmarks/run.py``, whose ``events_per_packet`` the speed table reports (loaded by
    path: the benchmarks are scripts, not a package)."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("smtpsim_benchmarks_run", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("state", ["cold", "warm"])
def test_a_baseline_session_queues_few_entries_per_packet(state: str) -> None:
    """Every entry of the event queue, SimPy's and the lean ones. Per connection (39
    packets, one arrival entry each; about 19 reads; 12 processing times), before: each read
    queued its deadline (19, minutes away, all but never firing) and, once its item came,
    a hop and its wake event (2 x 19); each delayed-ACK timer armed was queued (about 11,
    nearly all of them carried by a reply first): about 3.9 entries per packet. Now a
    socket queues one deadline (the others only take their keys), a wake that would be the
    next entry runs at once (about 19 fewer SimPy events, ``tcp.socket._hop``): under 3.2
    entries and 0.75 SimPy events per packet, as ``benchmarks/run.py`` counts them (the
    session itself is checked accepted, with at least 38 packets, above)."""
    case = build_cases("dsl", variant="baseline", size=10_000, state=state)[0]
    events, entries = _benchmarks().events_per_packet(case)
    assert entries <= 3.2
    assert events <= 0.75
