"""``updated``: a case with fields of some of its parts changed, everything else kept."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from smtpsim.model import (
    Case,
    Client,
    Features,
    Network,
    PathConfig,
    ScriptedLoss,
    Server,
    Workload,
    updated,
)


def _case() -> Case:
    return Case(
        network=Network(PathConfig.symmetric_rtt(0.1, 1e6, 1e6), profile="lab"),
        client=Client(Features(pipelining=True), variant="pipelining"),
    )


def test_updated_changes_the_named_fields_of_several_parts_at_once() -> None:
    case = _case()
    new = updated(case, workload={"messages": 2, "gap_s": 5.0}, server={"workers": 1})
    assert new.workload == Workload(messages=2, gap_s=5.0)
    assert new.server == Server(workers=1)
    # the parts not named are the very same values
    assert new.network is case.network
    assert new.client is case.client
    assert new.scripted_loss is case.scripted_loss


def test_updated_leaves_the_original_alone() -> None:
    case = _case()
    updated(case, client={"state": "warm"}, scripted_loss={"up": frozenset({0})})
    assert case.client.state == "cold"
    assert case.scripted_loss == ScriptedLoss()
    with pytest.raises(FrozenInstanceError):
        case.workload = Workload(messages=3)  # type: ignore[misc]


def test_updated_keeps_the_other_fields_of_a_named_part() -> None:
    case = _case()
    new = updated(case, client={"state": "warm"})
    assert new.client == Client(Features(pipelining=True), variant="pipelining", state="warm")
    assert new.client.features is case.client.features


def test_updated_with_nothing_is_an_equal_case() -> None:
    case = _case()
    assert updated(case) == case


def test_updated_refuses_a_field_the_part_does_not_have() -> None:
    with pytest.raises(TypeError):
        updated(_case(), workload={"workers": 1})  # workers is the server's
