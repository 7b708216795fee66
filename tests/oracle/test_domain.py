"""The oracle's domain: what it refuses (``ValueError``, and its own exceptions for the limits
that only show while it computes), and what a warm client still holds.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Literal, get_args, get_origin, get_type_hints

import pytest
from cases import change, ideal_case, with_features
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from smtpsim.model import (
    Case,
    Distribution,
    Features,
    GilbertElliott,
    LinkConfig,
    PathConfig,
    ServerTiming,
    violations,
)
from smtpsim.oracle import (
    SmtpTimeoutPossible,
    WarmStateUnknown,
    oracle,
)


@pytest.mark.parametrize(
    "path",
    [
        PathConfig.symmetric_rtt(0.1, 1e6, 1e6, loss=0.01),
        PathConfig.symmetric_rtt(0.1, 1e6, 1e6, jitter_s=0.001),
        PathConfig(LinkConfig(0.05, 1e6, burst=GilbertElliott(0.01, 0.5)), LinkConfig(0.05, 1e6)),
    ],
)
def test_lossy_or_jittery_paths_are_outside_the_domain(path: PathConfig) -> None:
    with pytest.raises(ValueError, match="closed form"):
        oracle(ideal_case("baseline", path=path))


def test_forced_drops_are_outside_the_domain() -> None:
    with pytest.raises(ValueError, match="closed form"):
        oracle(ideal_case("baseline", drop_up=frozenset({3})))


def test_a_ticket_older_than_an_hour_is_not_offered() -> None:
    """A warm client's earlier connection took 4 MB at 9.6 kbit/s (about an hour): the session
    ticket and the Fast Open cookie it got have expired (3600 s) when the next one starts,
    the capability tokens (a day) have not; if that connection lasted about as long as a
    lifetime, what is cached is unknown and the case is outside the domain. HyStart is held
    off so the oracle can follow: the megabytes queued on the slow link end CUBIC's slow
    start by the delay test (``SlowStartEnds``)."""
    slow = 9600.0
    def case(size: int, variant: str = "baseline+resumption+tfo") -> Case:
        return ideal_case(variant, rtt=0.1, bandwidth=slow, size=size, state="warm",
                          hystart=False)
    short = oracle(case(10_000))
    long_ = oracle(case(5_000_000))
    cold = oracle(change(case(5_000_000), state="cold"))
    # the banner leaves at the SYN (cookie): SYN 72 B, SYN-ACK 60 B and banner 90 B serialized
    assert short.greeting_s == pytest.approx(0.1 + 8 * (72 + 60 + 90) / slow, rel=1e-9)
    assert long_.accept_s == pytest.approx(cold.accept_s, rel=1e-9)  # nothing left: cold
    with pytest.raises(WarmStateUnknown):
        oracle(case(4_000_000))
    token = oracle(case(5_000_000, "pipelining+config-token"))
    assert token.mail_s < token.greeting_s  # the token (a day) is still there: early MAIL


def test_domain_excludes_what_the_closed_form_does_not_model() -> None:
    for changes in ({"messages": 2}, {"syn_data_drop": 1.0}):
        with pytest.raises(ValueError, match="closed form"):
            oracle(ideal_case("baseline", **changes))
    burl = ideal_case("burl")
    with pytest.raises(ValueError, match="closed form"):  # RFC 4468 §5: BURL needs AUTH
        oracle(with_features(burl, auth=None))
    random_rcpt = replace(ServerTiming.typical(), rcpt=Distribution("exponential", 0.005))
    with pytest.raises(ValueError, match="closed form"):
        oracle(ideal_case("baseline", timing=random_rcpt))


def _feature_values() -> dict[str, st.SearchStrategy[Any]]:
    """Every value each ``Features`` field can take (its ``bool`` or ``Literal`` type)."""
    values: dict[str, st.SearchStrategy[Any]] = {}
    for name, tp in get_type_hints(Features).items():
        if tp is bool:
            values[name] = st.booleans()
            continue
        options: list[Any] = []
        for arg in (tp,) if get_origin(tp) is Literal else get_args(tp):
            options += [None] if arg is type(None) else list(get_args(arg))
        values[name] = st.sampled_from(options)
    return values


@settings(max_examples=200, deadline=None, database=None)
@given(st.fixed_dictionaries(_feature_values()))
def test_features_that_cannot_be_negotiated_are_outside_the_domain(
    fields: dict[str, Any]
) -> None:
    """The domain's feature rules are the negotiation table (``smtpsim.model.features.RULES``):
    a combination that breaks one is refused with the first broken rule's reason."""
    f = Features(**fields)
    broken = violations(f)
    assume(broken)
    with pytest.raises(ValueError, match=re.escape(f"closed form: {broken[0].why}")):
        oracle(with_features(ideal_case("baseline"), **fields))


def test_a_pipelined_auth_without_pipelining_is_outside_the_domain() -> None:
    """RFC 4954 §4 lets AUTH PLAIN ride in the MAIL group, and only PIPELINING makes a group
    (RFC 2920): the negotiation table refuses ``auth_pipelined`` without it."""
    case = with_features(ideal_case("baseline"), auth_pipelined=True, pipelining=False)
    with pytest.raises(ValueError, match="closed form: AUTH PLAIN rides in the MAIL group"):
        oracle(case)


def test_smtp_waiting_behind_a_long_parallel_upload_is_outside_the_domain() -> None:
    """3 MB saved in parallel at 9.6 kbit/s: the SMTP replies queue behind about 40 min of
    literal on the shared uplink (the simulator's session then times out or fails). HyStart
    is held off so the oracle can follow: the literal's queue on the slow link ends CUBIC's
    slow start by the delay test (``SlowStartEnds``) before the wait is found."""
    for variant in ("baseline+save", "baseline+save+literal-plus"):
        with pytest.raises(SmtpTimeoutPossible):
            oracle(ideal_case(variant, rtt=0.1, size=3_000_000, bandwidth=9600.0,
                              hystart=False))
    first = oracle(ideal_case("baseline+save-first", rtt=0.1, size=3_000_000, bandwidth=9600.0,
                              hystart=False))
    assert first.accept_s > 2 * first.saved_s  # saved first, then submitted: no overlap
