"""The closed-form oracle: the latency of one submission on a lossless, jitter-free path
(``closed_form``; an independent computation the tests hold the simulator to)."""

from smtpsim.oracle.closed_form import (
    KeepAliveNotModelled,
    OracleResult,
    SmtpTimeoutPossible,
    WarmStateUnknown,
    client_waits,
    oracle,
    round_trips,
    slow_start_rounds,
    url_race,
)

__all__ = [
    "KeepAliveNotModelled",
    "OracleResult",
    "SmtpTimeoutPossible",
    "WarmStateUnknown",
    "client_waits",
    "oracle",
    "round_trips",
    "slow_start_rounds",
    "url_race",
]
