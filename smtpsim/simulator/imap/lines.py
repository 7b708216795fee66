"""One IMAP protocol line on the wire."""

from __future__ import annotations

__all__ = ["ImapLine"]


class ImapLine:
    """One IMAP protocol line (command, continuation request, untagged or tagged
    response), ``text`` without CRLF. ``tag`` is set on tagged lines."""

    __slots__ = ("text", "nbytes", "tag")

    def __init__(self, text: str, tag: str = "") -> None:
        self.text = text
        self.nbytes = len(text) + 2
        self.tag = tag

    def __repr__(self) -> str:
        return self.text
