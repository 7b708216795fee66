"""The record layer (``Channel``): cleartext items are one record each; after ``start_tls``
every write is framed into TLS records of at most ``max_record`` plaintext bytes (RFC 8446
§5.1; RFC 5246 §6.2.1), each with its overhead: 29 B in TLS 1.2 (5 B header, 8 B explicit
nonce, 16 B GCM tag, RFC 5288 §3) and 22 B in TLS 1.3 (5 B header, 1 B inner content type,
16 B tag, RFC 8446 §5.2). An item is delivered with the record that completes it."""

from __future__ import annotations

import pytest
import simpy

from smtpsim.model import TlsConfig
from smtpsim.simulator.content import Content
from smtpsim.simulator.smtp.messages import Reply, reply_lines
from smtpsim.simulator.tls import Channel

from ..fakes import Pipe

CFG = TlsConfig()
MAX = CFG.max_record  # 16384 = 2^14


def _channel() -> tuple[simpy.Environment, Pipe, Channel]:
    env = simpy.Environment()
    pipe = Pipe(env, 0.1)
    pipe.establish()
    return env, pipe, Channel(pipe.client)


def _shape(records) -> list[tuple[int, str, tuple]]:
    return [(r.nbytes, r.label, r.items) for r in records]


def test_cleartext_is_one_record_per_item_in_one_write() -> None:
    env, pipe, channel = _channel()
    a, b = Content(10, "a"), Content(20, "b")
    assert not channel.tls
    channel.send([a, b])
    (write,) = pipe.writes
    assert _shape(write.records) == [(10, "a", (a,)), (20, "b", (b,))]
    env.run()
    assert [i for _, i in pipe.server.received] == [a, b]


@pytest.mark.parametrize(("version", "overhead"), [("1.2", 29), ("1.3", 22)])
def test_after_start_tls_a_write_is_one_record_with_the_overhead(
    version: str, overhead: int
) -> None:
    env, pipe, channel = _channel()
    channel.start_tls(CFG, version)
    assert channel.tls and channel.overhead == overhead and channel.max_record == MAX
    a, b = Content(10, "a"), Content(20, "b")
    channel.send([a, b])
    (write,) = pipe.writes
    assert _shape(write.records) == [(30 + overhead, "TLS[a | b]", (a, b))]


def test_a_large_item_is_split_into_full_records_and_completes_with_the_last() -> None:
    """40000 B: 16384 + 16384 + 7232 B of plaintext; only the last record completes it."""
    _, pipe, channel = _channel()
    channel.start_tls(CFG, "1.3")
    body = Content(40_000, "body")
    channel.send([body])
    (write,) = pipe.writes
    assert _shape(write.records) == [
        (MAX + 22, "TLS[body]", ()),
        (MAX + 22, "TLS[…]", ()),
        (40_000 - 2 * MAX + 22, "TLS[…]", (body,)),
    ]


def test_an_item_that_straddles_a_record_boundary_completes_in_the_second() -> None:
    """16000 B then 1000 B: the first record is full (16000 + 384 B) and completes only the
    first item; the second carries the other 616 B. A record is labelled with the items that
    start in it ("…" when none does)."""
    _, pipe, channel = _channel()
    channel.start_tls(CFG, "1.2")
    a, b = Content(16_000, "a"), Content(1000, "b")
    channel.send([a, b])
    (write,) = pipe.writes
    assert _shape(write.records) == [
        (MAX + 29, "TLS[a | b]", (a,)),
        (1000 - (MAX - 16_000) + 29, "TLS[…]", (b,)),
    ]


def test_an_item_that_fills_a_record_exactly_ends_it() -> None:
    _, _, channel = _channel()
    channel.start_tls(TlsConfig(max_record=100), "1.3")
    a, b = Content(100, "a"), Content(1, "b")
    assert _shape(channel.frame([a, b])) == [(122, "TLS[a]", (a,)), (23, "TLS[b]", (b,))]


def test_each_item_is_delivered_once_with_the_record_that_completes_it() -> None:
    """150 B then 10 B in records of 100 B: the first record completes nothing, the second
    (50 + 10 B) both items."""
    env, pipe, channel = _channel()
    channel.start_tls(TlsConfig(max_record=100), "1.3")
    a, b = Content(150, "a"), Content(10, "b")
    channel.send([a, b])
    assert _shape(pipe.writes[0].records) == [(122, "TLS[a]", ()), (82, "TLS[b]", (a, b))]
    env.run()
    assert pipe.server.received == [(pytest.approx(0.1), a), (pytest.approx(0.1), b)]


@pytest.mark.parametrize(("version", "overhead"), [(None, 0), ("1.2", 29), ("1.3", 22)])
def test_a_reply_written_line_by_line_is_delivered_with_its_last_line(
    version: str | None, overhead: int
) -> None:
    """A reply written one line per write (``Server.reply_writes`` "line", aiosmtpd's
    ``SMTP.push``): each line is a record of its own (its text and CRLF, plus the TLS
    overhead once TLS is up), and the reader has the reply when its last line has come
    (RFC 5321 §4.2.1: the line whose code is followed by a space), not before."""
    env, pipe, channel = _channel()
    if version is not None:
        channel.start_tls(CFG, version)
    reply = Reply(250, ["250-submit.example.net", "250 CHUNKING"])
    for line in reply_lines(reply):
        channel.send([line])
    first, last = pipe.writes
    assert _shape(first.records) == [(24 + overhead, _tls("250-submit.example.net", version),
                                      ())]
    assert _shape(last.records) == [(14 + overhead, _tls("250 CHUNKING", version), (reply,))]
    env.run()
    assert [item for _, item in pipe.server.received] == [reply]


def _tls(label: str, version: str | None) -> str:
    return label if version is None else f"TLS[{label}]"
