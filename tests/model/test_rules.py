"""The negotiation table ``RULES``: each rule, broken by a hand-written ``Features`` that
breaks that rule and no other, next to a valid neighbour one field away.

Each case is derived from the source the rule cites (RFC 5321 §4.1.1.1 and RFC 1869: what
EHLO negotiates; RFC 8314 §3; RFC 8446 §2, §2.3; RFC 5077; draft-fanf-smtp-quickstart-01 §3,
§5, §6; draft-harris-early-pipe §3; RFC 4954 §4; RFC 4468; RFC 7413 §4.2.1;
RFC 2920 §3.1; RFC 3501 §5.5, §7.5 and RFC 7888), not from the table itself: a rule that
stops firing, fires on the neighbour, or drags another rule along fails here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from smtpsim.model import RULES, Features, Rule, violations

PLAIN_SUBMISSION = Features(pipelining=True, tls="1.2", auth="plain")


@dataclass(frozen=True)
class Case:
    """``broken`` breaks ``RULES[index]`` only; ``neighbour`` differs from it by one field
    and can be negotiated. ``culprits`` and ``needs`` are what the error names."""

    index: int
    subject: str
    broken: Features
    neighbour: Features
    culprits: tuple[str, ...] = ()
    needs: str = ""


CASES = [
    # HELO cannot negotiate what only the EHLO reply lists (RFC 5321 §4.1.1.1, RFC 1869)
    Case(0, "ehlo", Features(ehlo=False, pipelining=True), Features(ehlo=False),
         ("pipelining",)),
    Case(0, "ehlo", Features(ehlo=False, chunking=True, tls="1.2", auth="plain"),
         Features(ehlo=True, chunking=True, tls="1.2", auth="plain"),
         ("chunking", "tls", "auth")),
    # port 465 speaks TLS from the first byte: a version is needed (RFC 8314 §3)
    Case(1, "implicit_tls", Features(implicit_tls=True), Features(implicit_tls=True, tls="1.2"),
         ("tls",)),
    # 0.5-RTT data exists in TLS 1.3 only (RFC 8446 §2), for the implicit-TLS banner
    Case(2, "banner_half_rtt", Features(implicit_tls=True, tls="1.2", banner_half_rtt=True),
         Features(implicit_tls=True, tls="1.3", banner_half_rtt=True), needs="implicit TLS 1.3"),
    Case(2, "banner_half_rtt", Features(tls="1.3", banner_half_rtt=True),
         Features(implicit_tls=True, tls="1.3", banner_half_rtt=True), needs="implicit TLS 1.3"),
    # a session ticket needs a TLS session (RFC 5077, RFC 8446 §2.2)
    Case(3, "resumption", Features(resumption=True), Features(resumption=True, tls="1.3"),
         needs="TLS (starttls, tls1.2, tls1.3 or implicit-tls)"),
    # QUICKSTART starts TLS with QTLS on the submission port (quickstart-01 §6)
    Case(4, "quickstart", Features(quickstart="basic", pipelining=True, tls="1.2",
                                   implicit_tls=True),
         Features(quickstart="basic", pipelining=True, tls="1.2"), ("implicit_tls",)),
    # it pipelines AUTH, which only a one-round-trip mechanism allows (quickstart-01 §7)
    Case(5, "quickstart", Features(quickstart="full", pipelining=True, tls="1.2", auth="login"),
         Features(quickstart="full", pipelining=True, tls="1.2", auth="plain"), ("auth",)),
    Case(5, "quickstart", Features(quickstart="full", pipelining=True, tls="1.2", auth="scram"),
         Features(quickstart="full", pipelining=True, tls="1.2"), ("auth",)),
    # it needs PIPELINING (quickstart-a and -b §4)
    Case(6, "quickstart", Features(quickstart="basic"),
         Features(quickstart="basic", pipelining=True), ("pipelining",)),
    # QTLS and its ClientHello are one write (quickstart-01 §6)
    Case(7, "quickstart", Features(quickstart="basic", pipelining=True, writes="per-command"),
         Features(quickstart="basic", pipelining=True), ("writes",)),
    # two cached ids for one thing: choose one
    Case(8, "early_pipelining", Features(early_pipelining=True, pipelining=True,
                                         quickstart="full"),
         Features(early_pipelining=True, pipelining=True), ("quickstart",)),
    # the early group EHLO + AUTH PLAIN + MAIL ... needs PIPELINING and a one-round-trip AUTH
    # (draft-harris-early-pipe §3, RFC 4954 §4)
    Case(9, "early_pipelining", Features(early_pipelining=True),
         Features(early_pipelining=True, pipelining=True), ("pipelining",)),
    Case(9, "early_pipelining", Features(early_pipelining=True, pipelining=True, auth="scram"),
         Features(early_pipelining=True, pipelining=True, auth="plain"), ("auth",)),
    # the early group is one write (draft-harris-early-pipe §3)
    Case(10, "early_pipelining", Features(early_pipelining=True, pipelining=True,
                                          writes="per-command"),
         Features(early_pipelining=True, pipelining=True), ("writes",)),
    # 0-RTT data rides on a TLS 1.3 ticket (RFC 8446 §2.3)
    Case(11, "early_data", Features(tls="1.3", early_data=True),
         Features(tls="1.3", resumption=True, early_data=True), needs="TLS 1.3 with resumption"),
    Case(11, "early_data", Features(tls="1.2", resumption=True, early_data=True),
         Features(tls="1.3", resumption=True, early_data=True), needs="TLS 1.3 with resumption"),
    # BURL is for an authenticated submission client (RFC 4468) ...
    Case(12, "burl", Features(burl=True, save="parallel"),
         Features(burl=True, save="parallel", auth="plain"), needs="AUTH"),
    # ... and refers to a copy saved on the IMAP server first (RFC 4468)
    Case(13, "burl", Features(burl=True, auth="plain"),
         Features(burl=True, auth="plain", save="first"), needs="a save to Sent"),
    # with implicit TLS the server's first bytes are its TLS flight (RFC 8314 §3)
    Case(14, "fast_open", Features(fast_open="synack-banner", implicit_tls=True, tls="1.3"),
         Features(fast_open="tfo", implicit_tls=True, tls="1.3"), ("implicit_tls",)),
    # only a SYN with a cached cookie may carry data (RFC 7413 §4.2.1)
    Case(15, "syn_data", Features(syn_data=True), Features(syn_data=True, fast_open="ttcp"),
         needs="'tfo' or 'ttcp'"),
    Case(15, "syn_data", Features(syn_data=True, fast_open="synack-banner"),
         Features(syn_data=True, fast_open="tfo"), needs="'tfo' or 'ttcp'"),
    # QUIT may end a pipelined group only with PIPELINING (RFC 2920 §3.1)
    Case(16, "quit", Features(quit="pipelined"), Features(quit="pipelined", pipelining=True),
         ("pipelining",), "'pipelining'"),
    # AUTH PLAIN rides in the MAIL group only with PIPELINING (RFC 4954 §4) ...
    Case(17, "auth_pipelined", Features(auth="plain", auth_pipelined=True),
         Features(auth="plain", auth_pipelined=True, pipelining=True), ("pipelining",),
         "'pipelining'"),
    # ... and only PLAIN with an initial response is one round trip (RFC 4954 §4)
    Case(18, "auth_pipelined", Features(pipelining=True, auth="login", auth_pipelined=True),
         Features(pipelining=True, auth="plain", auth_pipelined=True), ("auth",), "AUTH PLAIN"),
    Case(18, "auth_pipelined", Features(pipelining=True, auth_pipelined=True),
         Features(pipelining=True, auth="plain", auth_pipelined=True), ("auth",), "AUTH PLAIN"),
    # APPEND rides behind AUTHENTICATE only with a non-synchronizing literal: a synchronizing
    # one waits for the "+" (RFC 3501 §7.5), and continuations are negotiated before any
    # subsequent command (RFC 3501 §5.5); LITERAL+ sends it without one (RFC 7888)
    Case(19, "imap_pipelined", Features(imap_pipelined=True),
         Features(imap_pipelined=True, literal_plus=True), ("literal_plus",), "LITERAL+"),
    Case(19, "imap_pipelined", Features(imap_pipelined=True, imap_cold=True, save="parallel"),
         Features(imap_pipelined=False, imap_cold=True, save="parallel"), ("literal_plus",),
         "LITERAL+"),
]


def _id(case: Case) -> str:
    return f"{case.index}-{case.subject}"


def test_every_rule_has_a_case() -> None:
    """A rule added to the table without a case here fails."""
    assert len(RULES) == 20
    assert {c.index for c in CASES} == set(range(len(RULES)))


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_broken_features_break_exactly_that_rule(case: Case) -> None:
    rule = RULES[case.index]
    assert violations(case.broken) == [rule]
    assert rule.subject == case.subject
    assert rule.broken(case.broken)
    assert rule.culprits(case.broken) == case.culprits
    assert rule.needs == case.needs
    assert rule.why


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_neighbour_breaks_no_rule(case: Case) -> None:
    assert violations(case.neighbour) == []
    assert not RULES[case.index].broken(case.neighbour)


def test_the_defaults_and_a_full_submission_can_be_negotiated() -> None:
    assert violations(Features()) == []
    assert violations(PLAIN_SUBMISSION) == []


def test_violations_come_in_table_order() -> None:
    """HELO with pipelining, a pipelined QUIT and a pipelined AUTH LOGIN: rules 0, 18 (16 and
    17 hold, since pipelining is on)."""
    f = Features(ehlo=False, pipelining=True, quit="pipelined", auth="login",
                 auth_pipelined=True)
    assert violations(f) == [RULES[0], RULES[18]]
    both = Features(quit="pipelined", auth="plain", auth_pipelined=True)
    assert violations(both) == [RULES[16], RULES[17]]


def test_a_rule_is_a_frozen_value() -> None:
    rule = RULES[0]
    assert isinstance(rule, Rule)
    with pytest.raises(AttributeError):
        rule.subject = "tls"  # type: ignore[misc]
