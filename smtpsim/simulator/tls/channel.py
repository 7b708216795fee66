"""One side's application channel: cleartext, or TLS records, over a ``Socket``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smtpsim.model import TlsConfig
from smtpsim.simulator.tcp import Record, Socket

__all__ = ["Channel"]


class Channel:
    """One side's application channel: cleartext or TLS records over a ``Socket``. After
    ``start_tls`` every write is framed into records of at most ``max_record`` plaintext
    bytes, each with ``record_overhead`` bytes of header, nonce and tag (RFC 5246 §6.2,
    RFC 8446 §5.2).

    The reader gets each item once all its bytes have arrived. An item with a ``completes``
    attribute hands the reader those items instead of itself (a line of a reply written on
    its own completes the reply only when it is the reply's last line)."""

    __slots__ = ("socket", "overhead", "max_record")

    def __init__(self, socket: Socket) -> None:
        self.socket = socket
        self.overhead = 0
        self.max_record = 0

    @property
    def tls(self) -> bool:
        return self.overhead > 0

    def start_tls(self, cfg: TlsConfig, version: str) -> None:
        self.overhead = cfg.record_overhead_13 if version == "1.3" else cfg.record_overhead_12
        self.max_record = cfg.max_record

    def send(self, items: Sequence[Any], shutdown: bool = False) -> None:
        """One ``write()`` of application items (commands, replies, content); ``shutdown``:
        ``shutdown(SHUT_WR)`` right behind it (``Socket.write``)."""
        self.socket.write(self.frame(items), shutdown)

    def frame(self, items: Sequence[Any]) -> list[Record]:
        if not self.overhead:  # one record per item (``_label``, ``_completes``, inlined)
            plain: list[Record] = []
            for item in items:
                label = getattr(item, "text", None)
                completes = getattr(item, "completes", None)
                plain.append(Record(item.nbytes, label if label is not None else repr(item),
                                    (item,) if completes is None else completes))
            return plain
        # TLS: fill records of up to max_record plaintext bytes, in order.
        records: list[Record] = []
        room = self.max_record
        fill = 0
        done: list[Any] = []
        labels: list[str] = []
        for item in items:
            left = item.nbytes
            labels.append(_label(item))
            while left > 0:
                take = left if left < room - fill else room - fill
                fill += take
                left -= take
                if fill == room:
                    if left == 0:
                        done += _completes(item)
                    records.append(self._record(fill, labels, done))
                    fill, done, labels = 0, [], []
            if left == 0 and fill > 0:
                done += _completes(item)
        if fill:
            records.append(self._record(fill, labels, done))
        return records

    def _record(self, plaintext: int, labels: list[str], items: list[Any]) -> Record:
        label = "TLS[" + " | ".join(labels) + "]" if labels else "TLS[…]"
        return Record(plaintext + self.overhead, label, tuple(items))


def _completes(item: Any) -> tuple[Any, ...]:
    """What the reader gets when ``item`` has arrived whole: the item, or its ``completes``."""
    completes = getattr(item, "completes", None)
    return (item,) if completes is None else completes


def _label(item: Any) -> str:
    text = getattr(item, "text", None)
    return text if text is not None else repr(item)
