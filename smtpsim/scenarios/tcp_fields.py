"""The values a ``[[profile]]``'s TCP keys take (``mss``, ``iw``, ``delack_ms``,
``congestion``, ``rmem``), each with its bounds and what the error says is allowed."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from smtpsim.model.tcp import CONGESTION_CONTROLS
from smtpsim.scenarios.fields import Check, choice, fail, number

__all__ = ["Congestion", "DelackMs", "Iw", "Mss", "Rmem"]

Mss = Annotated[int, number("bytes", ge=64, le=65_495, integer=True)]
Iw = Annotated[int, number("segments", ge=1, le=1000, integer=True)]
DelackMs = Annotated[float, number("ms", gt=0, le=500, what="delayed-ACK timer, RFC 1122")]
Congestion = Annotated[str, choice(CONGESTION_CONTROLS, "TCP congestion control")]

_RMEM_ALLOWED = ("three whole numbers of bytes [min, default, max] (Linux net.ipv4.tcp_rmem,"
                 " e.g. [4096, 131072, 6291456]), min <= default <= max, default >= 8192"
                 " (room for two segments), max <= 2147483647")


def _rmem(value: Any) -> Any:
    if (not isinstance(value, list | tuple) or len(value) != 3
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise fail(_RMEM_ALLOWED)
    low, default, high = value
    if not 0 < low <= default <= high <= 2**31 - 1 or default < 8192:
        raise fail(_RMEM_ALLOWED)
    return tuple(value)


#: ``TcpConfig.rmem``: Linux ``net.ipv4.tcp_rmem``
Rmem = Annotated[tuple[int, int, int], BeforeValidator(Check(_RMEM_ALLOWED, _rmem))]
