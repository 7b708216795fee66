"""The submission server side: processing time per step (``ServerTiming``) and a farm of
front-ends behind one address (``FarmConfig``)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from smtpsim.model.distribution import Distribution

__all__ = ["FarmConfig", "ServerTiming"]

Seconds = float | Distribution


@dataclass(frozen=True, slots=True)
class ServerTiming:
    """Server processing time per SMTP and IMAP step, in seconds.

    Each field is a number of seconds (the defaults: constants, so variants stay paired), or
    a ``Distribution`` drawn per command from the servers' own random stream (``cost``).
    ``ServerTiming.ideal()`` is all zero. The ``typical`` default is an assumption, since no
    authoritative figures are published; each value sits in the range a Postfix-style
    server shows for that step: EHLO, MAIL and STARTTLS with local maps 0.5 ms (0.1-1 ms);
    RCPT with a directory lookup 5 ms each (5-50 ms with LDAP, SQL or a policy service);
    AUTH PLAIN against a local hash 10 ms (1-100 ms, by the hash's cost); end of data (queue
    file fsync on SSD, no content filter) 5 ms (1-10 ms); greeting 0.5 ms; QUIT 0.1 ms.
    IMAP: APPEND writes and syncs the message, 5 ms; GENURLAUTH 0.5 ms; URLFETCH reads it,
    1 ms; AUTHENTICATE 10 ms.
    """

    greeting: Seconds = 0.0005
    ehlo: Seconds = 0.0005
    starttls: Seconds = 0.0005
    auth: Seconds = 0.010
    mail: Seconds = 0.0005
    rcpt: Seconds = 0.005
    data: Seconds = 0.0005
    end_of_data: Seconds = 0.005
    quit: Seconds = 0.0001
    imap_append: Seconds = 0.005
    imap_genurlauth: Seconds = 0.0005
    imap_urlfetch: Seconds = 0.001
    imap_auth: Seconds = 0.010

    @classmethod
    def ideal(cls) -> ServerTiming:
        return cls(**{f.name: 0.0 for f in fields(cls)})

    @classmethod
    def typical(cls) -> ServerTiming:
        return cls()


@dataclass(frozen=True, slots=True)
class FarmConfig:
    """N front-ends behind one address and a balancer.

    * ``frontends`` how many; ``affinity`` the probability that the balancer keeps a client
      on the front-end it used last (otherwise it picks one uniformly, possibly the same).
    * ``shared_tokens``, ``shared_tfo_key``, ``shared_ticket_key``: whether the front-ends
      derive configuration tokens (quickstart-b §12: a digest with a secret), TFO cookies
      (RFC 7413 §4.1.2: a MAC under a server key) and session tickets (RFC 5077 §4: state
      encrypted under a server key) from one farm-wide secret, so that each honours what
      another issued. draft-harris-early-pipe §3.2 warns against early pipelining behind
      one address without that.
    * ``config_changes_s``: times (seconds from the run's start) of rolling upgrades: the
      front-ends change configuration one after the other, ``rolling_interval_s`` apart,
      and every token they issued before becomes stale.
    """

    frontends: int = 1
    affinity: float = 1.0
    shared_tokens: bool = False
    shared_tfo_key: bool = False
    shared_ticket_key: bool = False
    config_changes_s: tuple[float, ...] = ()
    rolling_interval_s: float = 60.0
