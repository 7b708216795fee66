"""The decisions ``Features`` takes for both models, on hand-chosen cases derived from the
sources each property's docstring cites."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from smtpsim.model import Features

SUBMISSION = Features(pipelining=True, tls="1.2", auth="plain")


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        # RFC 4954 §4: a mechanism with an initial response and one round trip (PLAIN) may be
        # pipelined; with PIPELINING (RFC 2920) and when the client asks for it
        (Features(pipelining=True, auth="plain", auth_pipelined=True), True),
        (Features(pipelining=True, auth="plain"), False),  # not asked: AUTH waits for 235
        (Features(auth="plain", auth_pipelined=True), False),  # no PIPELINING, no group
        # quickstart-01 §7: QUICKSTART always pipelines AUTH PLAIN, asked or not
        (Features(pipelining=True, tls="1.2", auth="plain", quickstart="basic"), True),
        (Features(pipelining=True, tls="1.2", auth="plain", quickstart="full"), True),
        # draft-harris-early-pipe §3: the early group is EHLO + AUTH + MAIL ...
        (Features(pipelining=True, tls="1.2", auth="plain", early_pipelining=True), True),
        # LOGIN and SCRAM need challenges: never in the group, whatever is asked
        (Features(pipelining=True, auth="login", quickstart="basic"), False),
        (Features(pipelining=True, auth="scram", early_pipelining=True), False),
        (Features(pipelining=True, auth="login", auth_pipelined=True), False),
        # no AUTH at all
        (Features(pipelining=True, quickstart="full"), False),
        (Features(pipelining=True, early_pipelining=True), False),
    ],
)
def test_auth_in_group(features: Features, expected: bool) -> None:
    assert features.auth_in_group is expected


@pytest.mark.parametrize(
    ("quit", "reuse", "expected"),
    [
        # RFC 2920 §3.1: QUIT may end the group that the content begins
        ("pipelined", False, True),
        # a session kept for the next message sends no QUIT at all
        ("pipelined", True, False),
        ("wait", False, False),
        ("async", False, False),
        ("drop", False, False),
    ],
)
def test_quit_in_group(quit: str, reuse: bool, expected: bool) -> None:
    f = Features(pipelining=True, quit=quit, reuse=reuse)  # type: ignore[arg-type]
    assert f.quit_in_group is expected


@pytest.mark.parametrize(
    ("implicit_tls", "banner_half_rtt", "tls", "expected"),
    [
        # RFC 8446 §2: a TLS 1.3 server may send data right behind its first flight; with
        # implicit TLS (RFC 8314 §3) the banner is the first thing it has to say
        (True, True, "1.3", True),
        (True, False, "1.3", False),  # not asked: the banner follows the handshake
        (True, True, "1.2", False),  # TLS 1.2 has no 0.5-RTT data
        (False, True, "1.3", False),  # STARTTLS: the banner came before TLS
    ],
)
def test_half_rtt_banner(implicit_tls: bool, banner_half_rtt: bool, tls: str,
                         expected: bool) -> None:
    f = Features(implicit_tls=implicit_tls, banner_half_rtt=banner_half_rtt,
                 tls=tls)  # type: ignore[arg-type]
    assert f.half_rtt_banner is expected


@pytest.mark.parametrize(
    ("features", "resumed", "expected"),
    [
        # RFC 5246 §7.3 Fig. 1: in a full TLS 1.2 handshake the server's Finished is the
        # last flight; its handshake is done once it has sent it, the banner rides behind it
        (Features(implicit_tls=True, tls="1.2"), False, True),
        # Fig. 2, abbreviated: the server's Finished goes first and the handshake ends with
        # the client's, so the banner follows the client's Finished: a flight of its own
        (Features(implicit_tls=True, tls="1.2"), True, False),
        # TLS 1.3 (RFC 8446 §2): the handshake ends with the client's Finished ...
        (Features(implicit_tls=True, tls="1.3"), False, False),
        (Features(implicit_tls=True, tls="1.3"), True, False),
        # ... unless the banner goes as 0.5-RTT data behind the server's flight, full or PSK
        (Features(implicit_tls=True, tls="1.3", banner_half_rtt=True), False, True),
        (Features(implicit_tls=True, tls="1.3", banner_half_rtt=True), True, True),
    ],
)
def test_banner_rides_last_flight(features: Features, resumed: bool, expected: bool) -> None:
    assert features.banner_rides_last_flight(resumed) is expected


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        # draft-harris-early-pipe §3.1: the client caches the EHLO reply with its token
        (Features(pipelining=True, early_pipelining=True), True),
        # quickstart-b §5: the full profile caches the list under its qhlo-id
        (Features(pipelining=True, quickstart="full"), True),
        # quickstart-a: the basic profile re-sends the list in every greeting: no cache
        (Features(pipelining=True, quickstart="basic"), False),
        (SUBMISSION, False),
        # a TLS ticket or a TFO cookie is not a capability cache
        (Features(tls="1.3", resumption=True, fast_open="tfo"), False),
    ],
)
def test_caches_capabilities(features: Features, expected: bool) -> None:
    assert features.caches_capabilities is expected


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (Features(save="parallel"), True),  # send-and-save: APPEND to Sent alongside
        (Features(save="first"), True),
        # RFC 4468: BURL submits the copy saved on the IMAP server first, so it saves
        (Features(auth="plain", burl=True), True),
        (Features(auth="plain", burl=True, save="parallel"), True),
        (SUBMISSION, False),
    ],
)
def test_saves(features: Features, expected: bool) -> None:
    assert features.saves is expected


def test_features_are_frozen_values() -> None:
    f = Features(pipelining=True)
    assert f == Features(pipelining=True)
    assert hash(f) == hash(Features(pipelining=True))
    assert f != Features()
    with pytest.raises(FrozenInstanceError):
        f.pipelining = False  # type: ignore[misc]
