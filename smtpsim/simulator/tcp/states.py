"""The states of a TCP endpoint (RFC 793 §3.2). The closing states are not needed here: a FIN
is a flag on the endpoint (``fin_queued``, ``peer_fin``), and a failed or discarded
connection is ``DEAD``."""

from __future__ import annotations

__all__ = ["DEAD", "ESTABLISHED", "LISTEN", "SYN_RECV", "SYN_SENT"]

LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED, DEAD = range(5)
