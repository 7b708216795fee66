"""What the closed form covers, and the exceptions for what it does not.

The domain: lossless (``loss == 0``, no Gilbert-Elliott burst, no forced drops, no dropped SYN
data), jitter-free, constant-rate paths (no capacity trace, no outage) whose bottlenecks are FIFOs
(``LinkConfig.queue`` "droptail": fq_codel serves the connections in turn, reordering the
packets of a shared link, and CoDel drops by delay), one message on one
connection to one front-end (``messages == 1``, the default ``FarmConfig``, every ``Case``
field the oracle does not read at its default: one client, no radio promotion), constant
server times (no ``Distribution``), a lossless and jitter-free data-centre path for BURL,
and features that can be negotiated (``smtpsim.model.features.RULES``: no HELO with
extensions, no pipelined AUTH or QUIT without PIPELINING, no QUICKSTART or early pipelining
without PIPELINING or with per-command writes, no data in the SYN without Fast Open, no
banner on the SYN-ACK with implicit TLS, ...); otherwise ``ValueError``.

Four limits only show while the oracle computes, and have exceptions of their own: CUBIC's
HyStart ending slow start without a loss (:class:`SlowStartEnds`, below); a
link's finite buffer that fills (:class:`QueueMayOverflow`: it would drop a packet); with
``save`` "parallel" an SMTP client that waits longer than the NOOP interval for a reply, or a
BURL fetch after the pooled IMAP connection's autologout (:class:`SmtpTimeoutPossible`); and a
warm client whose earlier connection lasted about as long as what it cached lives
(:class:`WarmStateUnknown`: slow links with big bodies).

``TcpConfig.sack`` and ``TcpConfig.congestion`` change nothing in the domain: without loss no
data arrives out of order (no SACK blocks) and no window is reduced, and CUBIC's slow start is
NewReno's; the oracle models that one slow start for both. CUBIC's HyStart
(``TcpConfig.hystart``) may end it without a loss, on an ACK train or a delay increase; the
oracle runs HyStart's tests (``smtpsim.oracle.tcp``) and, when one fires, says so
(:class:`SlowStartEnds`): CUBIC's congestion avoidance that follows is not modelled.

The retransmission timer (RFC 6298) is not part of the closed form either; the result says
when a timeout cannot be excluded (``OracleResult.rto_possible``, see ``smtpsim.oracle.run``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from smtpsim.model import Case, FarmConfig, LinkConfig, ServerTiming, violations

__all__ = [
    "MODELLED",
    "KeepAliveNotModelled",
    "QueueMayOverflow",
    "SlowStartEnds",
    "SmtpTimeoutPossible",
    "Timing",
    "WarmStateUnknown",
    "check_domain",
    "constant_timing",
]


class KeepAliveNotModelled(ValueError):
    """Outside the domain: a wait the session may not survive (the base of
    :class:`SmtpTimeoutPossible`; the NOOP keep-alives of a MAIL group waiting for the BURL
    URL are modelled)."""


class SmtpTimeoutPossible(KeepAliveNotModelled):
    """Outside the domain: with ``save`` "parallel" the SMTP client waited longer than the
    NOOP interval (``smtpsim.model.timers.NOOP_INTERVAL_S``) for a reply, its packets queued
    behind the IMAP upload on the shared uplink (slow links, big messages); RFC 5321
    §4.5.3.2's timeouts and the server's idle limit may end the session there, and the closed
    form does not model them. Or the BURL fetch comes after the pooled IMAP connection's
    autologout (``IMAP_AUTOLOGOUT_S``, RFC 3501 §5.4); reconnecting is not modelled."""


class QueueMayOverflow(ValueError):
    """Outside the domain: a link's finite buffer (``LinkConfig.queue_bytes``) fills and
    would drop a packet (a loss; the oracle's links are lossless). Found while computing: the
    oracle's own FIFO schedule says how many bytes wait (``smtpsim.oracle.wire``)."""


class SlowStartEnds(ValueError):
    """Outside the domain: CUBIC's HyStart (Linux ``tcp_cubic.c`` ``hystart_update``, on by
    default) ends slow start without a loss (``ssthresh = cwnd``), on an ACK train or a
    delay increase, and CUBIC's congestion avoidance (RFC 9438 §4) governs cwnd from then on;
    the closed form models slow start only. Found while computing (``smtpsim.oracle.tcp``)."""


class WarmStateUnknown(ValueError):
    """Outside the domain: a warm client's earlier connection lasted about as long as what it
    cached lives, so whether it still holds it is not known
    (``smtpsim.oracle.client_state.alive``)."""


MODELLED = {
    "network": ("path", "profile"),
    "client": ("features", "variant", "state", "tcp", "capability_max_age_s", "idle_s",
               "software", "tls_setup_s", "habits"),
    "server": ("name", "timing", "tls", "tcp", "nagle", "idle_s", "dc_path", "burl_pooled",
               "config_changed", "reply_writes", "ehlo", "quit_linger_s", "imap_tickets_13"),
    "workload": ("size", "recipients", "gap_s"),
    "scripted_loss": (),
}
"""The ``Case`` fields the oracle reads, per part (``dc_path`` and ``burl_pooled`` for BURL's
fetch; the idle limits only matter for a next message, outside the domain; ``software``, like
``variant``, only names what ``features`` and the other fields say); every other field must
keep its default (one message, one client, one front-end, no radio, no losses)."""


@dataclass(frozen=True, slots=True)
class Timing:
    """The server's processing times (``ServerTiming``) the oracle reads, each a constant."""

    greeting: float
    ehlo: float
    starttls: float
    auth: float
    mail: float
    rcpt: float
    data: float
    end_of_data: float
    quit: float
    imap_append: float
    imap_genurlauth: float
    imap_urlfetch: float
    imap_auth: float


def constant_timing(timing: ServerTiming) -> Timing:
    """``timing`` with every field a number; ``ValueError`` for one drawn at random."""
    values = {}
    for fld in dataclasses.fields(timing):
        value = getattr(timing, fld.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"closed form: ServerTiming.{fld.name} is drawn at random"
                             " (constant processing times only)")
        values[fld.name] = value
    return Timing(**{fld.name: values[fld.name] for fld in dataclasses.fields(Timing)})


def _check_link(name: str, link: LinkConfig) -> None:
    if link.loss > 0 or link.burst is not None:
        raise ValueError(f"closed form: the {name}link loses packets (lossless paths only)")
    if link.jitter_s > 0:
        raise ValueError(f"closed form: the {name}link has jitter (jitter-free paths only)")
    if link.delay_s < 0 or link.bandwidth_bps <= 0:
        raise ValueError(f"closed form: the {name}link needs delay >= 0 and bandwidth > 0")
    if link.trace is not None or link.outages:
        raise ValueError(f"closed form: the {name}link's capacity varies (a capacity trace"
                         " or outages; constant-rate links only)")
    if link.queue != "droptail":
        raise ValueError(f"closed form: the {name}link's bottleneck is {link.queue} (it"
                         " reorders the connections' packets and drops by delay; FIFO links"
                         " only)")


def _check_defaults(case: Case) -> None:
    """Every field outside ``MODELLED`` at its default."""
    for part, modelled in MODELLED.items():
        value = getattr(case, part)
        for fld in dataclasses.fields(value):
            if fld.name in modelled:
                continue
            if fld.default is not dataclasses.MISSING:
                default = fld.default
            elif fld.default_factory is not dataclasses.MISSING:
                default = fld.default_factory()
            else:  # pragma: no cover - a new required field
                raise ValueError(f"closed form: Case.{part}.{fld.name} is not modelled")
            if getattr(value, fld.name) != default:
                raise ValueError(f"closed form: Case.{part}.{fld.name} is not modelled (only its"
                                 f" default, {default!r})")


def check_domain(case: Case) -> None:
    """``ValueError`` (its message begins "closed form:") when ``case`` is outside the
    domain (see the module docstring)."""
    _check_link("up", case.network.path.up)
    _check_link("down", case.network.path.down)
    if case.scripted_loss.up or case.scripted_loss.down or case.network.syn_data_drop > 0:
        raise ValueError("closed form: forced drops are losses (lossless paths only)")
    if case.workload.messages != 1 or case.server.farm != FarmConfig():
        raise ValueError("closed form: one message on one connection to one front-end only")
    _check_defaults(case)
    constant_timing(case.server.timing)
    if case.client.state not in ("cold", "warm"):
        raise ValueError(f"closed form: unknown client state {case.client.state!r}")
    f = case.client.features
    for rule in violations(f):
        raise ValueError(f"closed form: {rule.why}")
    if f.burl:
        for name, link in (("up", case.server.dc_path.up), ("down", case.server.dc_path.down)):
            if (link.loss > 0 or link.burst is not None or link.jitter_s > 0
                    or link.trace is not None or link.outages or link.queue != "droptail"):
                raise ValueError(f"closed form: the data-centre {name}link loses packets, has"
                                 " jitter, a varying capacity or an fq_codel bottleneck")
            if link.delay_s < 0 or link.bandwidth_bps <= 0:
                raise ValueError(f"closed form: the data-centre {name}link needs delay >= 0"
                                 " and bandwidth > 0")
    if case.workload.size < 1 or case.workload.recipients < 1:
        raise ValueError("closed form: size and recipients must be >= 1")
