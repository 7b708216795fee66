"""The message itself on the wire: a body (SMTP DATA or BDAT), an IMAP literal (APPEND) or a
fetched message (URLFETCH). Only its size matters; its label names it in a trace."""

from __future__ import annotations

__all__ = ["Content"]


class Content:
    """Message content of ``nbytes`` bytes. ``last`` marks the piece that ends the message
    (for DATA, the one holding the ``CRLF.CRLF`` terminator; for BDAT, the LAST chunk)."""

    __slots__ = ("nbytes", "label", "last")

    def __init__(self, nbytes: int, label: str, last: bool = True) -> None:
        self.nbytes = nbytes
        self.label = label
        self.last = last

    @property
    def text(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return self.label
