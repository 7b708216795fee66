"""Plain, immutable values that configure one simulated run.

The simulator takes only these; it never reads files. ``smtpsim.scenarios`` builds them from
presets and scenario files. Every default cites where it comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

__all__ = [
    "cost",
    "Distribution",
    "FarmConfig",
    "GilbertElliott",
    "LinkConfig",
    "PathConfig",
    "TcpConfig",
    "TlsConfig",
    "ServerTiming",
    "Features",
    "replace",
]


@dataclass(frozen=True, slots=True)
class GilbertElliott:
    """Two-state bursty loss (Gilbert 1960, Elliott 1963).

    ``p_gb``: probability per packet of moving Good -> Bad; ``p_bg``: Bad -> Good;
    ``loss_good`` / ``loss_bad``: loss probability in each state. The stationary loss rate
    is ``(p_bg*loss_good + p_gb*loss_bad) / (p_gb + p_bg)``.
    """

    p_gb: float
    p_bg: float
    loss_good: float = 0.0
    loss_bad: float = 1.0

    @property
    def mean_loss(self) -> float:
        return (self.p_bg * self.loss_good + self.p_gb * self.loss_bad) / (self.p_gb + self.p_bg)


@dataclass(frozen=True, slots=True)
class LinkConfig:
    """One direction of a path.

    ``delay_s`` one-way propagation delay; ``bandwidth_bps`` serialization rate in bit/s;
    ``jitter_s`` the mean of an exponential extra delay per packet (order is preserved: a
    packet never overtakes the one before it); ``loss`` independent loss probability per
    packet, or ``burst`` for Gilbert–Elliott loss (``burst`` wins when both are given).
    """

    delay_s: float
    bandwidth_bps: float
    jitter_s: float = 0.0
    loss: float = 0.0
    burst: GilbertElliott | None = None


@dataclass(frozen=True, slots=True)
class PathConfig:
    """An uplink (client -> server) and a downlink (server -> client)."""

    up: LinkConfig
    down: LinkConfig

    @property
    def rtt_s(self) -> float:
        return self.up.delay_s + self.down.delay_s

    @classmethod
    def symmetric_rtt(
        cls,
        rtt_s: float,
        up_bps: float,
        down_bps: float,
        loss: float = 0.0,
        jitter_s: float = 0.0,
    ) -> PathConfig:
        """A path with half the RTT in each direction and the same loss both ways."""
        half = rtt_s / 2.0
        return cls(
            LinkConfig(half, up_bps, jitter_s, loss),
            LinkConfig(half, down_bps, jitter_s, loss),
        )


@dataclass(frozen=True, slots=True)
class TcpConfig:
    """TCP parameters of one endpoint (both endpoints use the same by default).

    Defaults are Linux's:

    * ``mss`` 1448 B payload per segment: the 1460 B MSS of Ethernet IPv4 (RFC 879,
      RFC 6691) less the 12 B timestamp option Linux puts in every segment (RFC 7323), so a
      full segment is a 1500 B packet.
    * ``header_bytes`` 52: 20 B IPv4 + 20 B TCP + 12 B timestamp option. Counted on the wire
      for serialization and bytes.
    * ``iw`` 10 segments (RFC 6928; Linux since 2.6.39). 3 is RFC 3390's value for 2006.
    * ``delack_s`` 40 ms: Linux ``TCP_DELACK_MIN`` (HZ/25). RFC 1122 allows up to 500 ms;
      Windows uses 200 ms. An ACK is sent at once for every second full-sized segment
      (RFC 5681 §4.2, RFC 1122 §4.2.3.2).
    * Nagle is set per endpoint, not here: the client's by ``Features.nagle``, the server's
      by ``Case.server_nagle``. Linux holds a sub-MSS segment only while an earlier *small*
      segment is unacknowledged (Minshall's variant, ``tcp_nagle_check``/
      ``tcp_minshall_check``), which is what is modelled.
    * ``rto_initial_s`` 1 s (RFC 6298 §2.1), doubling on each expiry (§5.5);
      ``rto_min_s`` 200 ms (Linux ``TCP_RTO_MIN``; RFC 6298 §2.4 says 1 s);
      ``rto_max_s`` 120 s (Linux ``TCP_RTO_MAX``).
    * ``syn_retries`` 6 (Linux ``tcp_syn_retries``): SYNs at 0, 1, 3, 7, 15, 31, 63 s, then
      failure after the last RTO (127 s). ``synack_retries`` 5 (Linux ``tcp_synack_retries``).
    * ``data_retries`` 15 (Linux ``tcp_retries2``): RTO expiries on one segment before the
      connection is declared dead.
    * ``dupack_threshold`` 3 (RFC 5681 §3.2 fast retransmit).
    * ``rwnd_bytes`` receive window: 6 MB, the ``tcp_rmem`` maximum Linux autotuning grows
      to. It limits only the largest transfers on long paths (20 MB at a 1 s RTT).
    """

    mss: int = 1448
    header_bytes: int = 52
    iw: int = 10
    delack_s: float = 0.040
    rto_initial_s: float = 1.0
    rto_min_s: float = 0.200
    rto_max_s: float = 120.0
    syn_retries: int = 6
    synack_retries: int = 5
    data_retries: int = 15
    dupack_threshold: int = 3
    rwnd_bytes: int = 6 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """Sizes and CPU costs of the TLS handshake.

    Flight sizes are bytes of TLS records (handshake messages plus 5-byte record headers):

    * ``client_hello`` 517 B: what OpenSSL 1.1.1+/browsers send with the padding extension
      (RFC 7685 pads to 512 B of handshake body).
    * ``server_flight`` 4600 B: ServerHello (about 100 B) + Certificate with a three-certificate
      RSA-2048 chain as Let's Encrypt served it until 2024 (leaf about 1.5 KB, R3
      intermediate 1.3 KB, cross-signed ISRG Root X1 1.4 KB) + ServerKeyExchange (about
      300 B with an RSA-2048 signature) + ServerHelloDone, or the TLS 1.3 equivalents. The
      brief's "about 4 KB", and more than an initial window of 3 segments (3 x 1448 B), so
      under IW 3 it costs a second flight as it really does.
    * ``client_finished_12`` 126 B: ClientKeyExchange (ECDHE P-256, 70 B) + ChangeCipherSpec
      (6 B) + Finished (45 B encrypted) + headers, TLS 1.2 (RFC 5246 §7.3).
    * ``server_finished_12`` 251 B: NewSessionTicket (about 200 B with a 160 B ticket,
      RFC 5077 §3.3; servers issue one by default, Postfix ``tls_session_ticket_cipher``) +
      ChangeCipherSpec (6 B) + Finished (45 B), TLS 1.2.
    * ``client_finished_13`` 80 B: (middlebox-compat ChangeCipherSpec 6 B) + Finished
      (74 B encrypted record), TLS 1.3 (RFC 8446 §2, §D.4).
    * ``tickets_13`` 2 NewSessionTicket records of ``ticket_bytes`` 255 B each, sent by the
      server after the client's Finished (OpenSSL's default, ``SSL_CTX_set_num_tickets``).
    * ``record_overhead_12`` 29 B per record (5 header + 8 explicit nonce + 16 GCM tag,
      RFC 5288); ``record_overhead_13`` 22 B (5 header + 1 content type + 16 tag, RFC 8446
      §5.2); ``max_record`` 16384 B of plaintext per record (RFC 8446 §5.1).
    * ``server_cpu_s`` 1 ms (RSA-2048 signature; ECDHE about 0.1 ms) and ``client_cpu_s``
      0.5 ms (verify chain + ECDHE) on modern hardware: assumptions of
      ``shared/reference/protocol.md`` §3.5.

    Resumption (a ticket from an earlier connection):

    * ``hello_ticket_bytes`` 230 B more in the ClientHello: the SessionTicket extension with
      a 160-200 B ticket (RFC 5077 §3.2), or TLS 1.3's pre_shared_key extension (identity
      plus a 33 B binder, RFC 8446 §4.2.11).
    * ``server_resumed_12`` 141 B: ServerHello (about 90 B) + ChangeCipherSpec + Finished:
      the abbreviated handshake, server's Finished first (RFC 5246 §7.3 Fig. 2, RFC 5077
      §3.1 Fig. 2); the client's ChangeCipherSpec + Finished is ``client_resumed_12`` 51 B,
      and its application data may ride with it.
    * ``server_resumed_13`` 230 B: ServerHello with key_share + EncryptedExtensions +
      Finished, no Certificate (RFC 8446 §2.2 psk_dhe_ke).
    * ``resumed_cpu_s`` 0.1 ms on each side: no signature and no chain to verify, an ECDHE
      at most (protocol.md §3.5).
    """

    client_hello: int = 517
    server_flight: int = 4600
    client_finished_12: int = 126
    server_finished_12: int = 251
    client_finished_13: int = 80
    tickets_13: int = 2
    ticket_bytes: int = 255
    record_overhead_12: int = 29
    record_overhead_13: int = 22
    max_record: int = 16384
    server_cpu_s: float = 0.001
    client_cpu_s: float = 0.0005
    hello_ticket_bytes: int = 230
    server_resumed_12: int = 141
    client_resumed_12: int = 51
    server_resumed_13: int = 230
    resumed_cpu_s: float = 0.0001


@dataclass(frozen=True, slots=True)
class ServerTiming:
    """Server processing time per SMTP step, in seconds.

    Each field is a number of seconds (the defaults: constants, so variants stay paired), or
    a ``Distribution`` drawn per command from the servers' own random stream (``cost``).
    ``ServerTiming.ideal()`` is all zero. The ``typical`` default is an assumption, since no
    authoritative figures are published (``shared/reference/protocol.md`` §3.5): EHLO, MAIL
    and STARTTLS with local maps 0.5 ms; RCPT with a directory lookup 5 ms each; AUTH PLAIN
    against a local hash 10 ms; end of data (queue file fsync on SSD, no content filter)
    5 ms; greeting 0.5 ms; QUIT 0.1 ms. IMAP (protocol.md §1.6): APPEND writes and syncs the
    message, 5 ms; GENURLAUTH 0.5 ms; URLFETCH reads it, 1 ms; AUTHENTICATE 10 ms.
    """

    greeting: float = 0.0005
    ehlo: float = 0.0005
    starttls: float = 0.0005
    auth: float = 0.010
    mail: float = 0.0005
    rcpt: float = 0.005
    data: float = 0.0005
    end_of_data: float = 0.005
    quit: float = 0.0001
    imap_append: float = 0.005
    imap_genurlauth: float = 0.0005
    imap_urlfetch: float = 0.001
    imap_auth: float = 0.010

    @classmethod
    def ideal(cls) -> ServerTiming:
        return cls(**{f.name: 0.0 for f in fields(cls)})

    @classmethod
    def typical(cls) -> ServerTiming:
        return cls()


TlsVersion = Literal["1.2", "1.3"]
AuthMechanism = Literal["plain", "login", "scram"]
WriteMode = Literal["coalesced", "per-command"]


@dataclass(frozen=True, slots=True)
class Features:
    """What the client does: the decision points of a variant.

    * ``pipelining`` use RFC 2920 PIPELINING for MAIL/RCPT/DATA (and BDAT).
    * ``chunking`` send the body with ``BDAT <n> LAST`` (RFC 3030) instead of DATA.
    * ``ehlo`` greet with EHLO (RFC 5321 §4.1.1.1); False means HELO.
    * ``tls`` None for cleartext, or the STARTTLS (RFC 3207) handshake version.
    * ``auth`` None, or the SASL mechanism (RFC 4954).
    * ``auth_pipelined`` send ``AUTH PLAIN <initial-response>`` inside the MAIL group
      (RFC 4954 §4 allows it for one-round-trip mechanisms) instead of waiting for 235.
    * ``writes`` "coalesced": everything sent together is one write() (what RFC 2920 §3.1
      expects); "per-command": one write per command and per TLS record, as Python's
      smtplib over ssl does.
    * ``nagle`` the client's Nagle setting (False is TCP_NODELAY).
    * ``quit`` "wait": send QUIT after the 250 and wait for 221 before telling the user;
      "pipelined": QUIT goes in the same write as the end of data (RFC 2920 §3.1: the
      content may begin a group that QUIT ends), 250 and 221 come back together;
      "async": the user is told at the 250, QUIT and its 221 follow in the background;
      "drop": no QUIT, the client closes the connection after the 250 (not RFC 5321
      §4.1.1.10 compliant); the server holds it until the FIN arrives.
    * ``implicit_tls`` TLS from the first byte (RFC 8314 §3, port 465) instead of STARTTLS;
      the version is ``tls``. The server writes its banner once the handshake is complete,
      or with ``banner_half_rtt`` (TLS 1.3 only) right behind its flight as 0.5-RTT data
      (RFC 8446 §2; few servers do this: protocol.md §1.9).
    * ``resumption`` offer a cached session ticket (RFC 5077; RFC 8446 §2.2) when the
      client holds one for this server host.
    * ``quickstart`` None, "basic" or "full" (draft-fanf-smtp-quickstart-01; -a is the basic
      profile, -b the full one): capabilities in an extended 220 greeting, QHLO instead of
      EHLO, QTLS instead of STARTTLS (the ClientHello follows it in the same write, no reply
      before the handshake), AUTH PLAIN pipelined. The basic server re-greets with the list
      after TLS; the full profile adds the qhlo-id: the client caches the list's id per
      server address and security context and sends ``QHLO <domain> <id>`` with the
      following commands without waiting; a full client with a cache sends QTLS and its
      ClientHello at once, without waiting for the greeting.
    * ``config_token`` early pipelining with a configuration token (the 2006 thread's
      "server configuration indicator", deployed as Exim's PIPE_CONNECT,
      draft-harris-early-pipe): the client caches the token of the EHLO reply per server
      address and security context and, holding one, sends EHLO and the commands that
      follow without waiting for the greeting or the EHLO reply (EHLO + STARTTLS at
      connect; EHLO + AUTH + MAIL ... with the TLS Finished). Modelling device: the early
      EHLO carries the cached token as ``TOKEN=<id>`` and the server refuses a stale one as
      quickstart-b refuses a stale qhlo-id (504 before TLS, 520 with the list after it,
      503 for the rest of the group), so a stale cache costs what it really costs.
    * ``fast_open`` "tfo": TCP Fast Open (RFC 7413) with a cookie cached per server host:
      holding one, the SYN carries it and the server may write its banner as soon as the
      SYN arrives (the banner reaches the client at about 1 RTT instead of 2); without one
      the SYN asks for a cookie. "ttcp": T/TCP (RFC 1644, Historic since RFC 6247) with the
      same latency semantics and a connection-count cache of its own. "synack-banner": the
      idealised case, the banner rides in every SYN-ACK (no cache needed).
    * ``syn_data`` with a cookie in hand, the SYN also carries what the client can send at
      once: the ClientHello of implicit TLS, an early-pipelined group, QTLS + ClientHello.
    * ``early_data`` TLS 1.3 0-RTT (RFC 8446 §2.3): with a ticket, what the client would send
      with its Finished goes with its ClientHello instead; a server that accepts the ticket
      answers it right behind its flight. Hypothetical: no SMTP specification defines early
      data, and it is replayable (protocol.md §1.4).
    * ``reuse`` keep the session open after the message instead of QUIT; the next message
      goes straight to MAIL on it (no handshake, TLS or AUTH) if the server has not closed
      it (its idle timeout, RFC 5321 §4.5.3.2.7: 5 min) and the client's own idle limit has
      not passed; otherwise it pays for a new connection.
    * ``save`` also store the message in Sent with IMAP APPEND (send-and-save): "parallel"
      while the submission runs, or "first", before it starts. ``burl`` (RFC 4468, with
      URLAUTH, RFC 4467) submits by reference instead: APPEND, GENURLAUTH, then
      ``BURL <url> LAST`` in the MAIL group, and the server fetches the message from the
      IMAP server over its data-centre path, so the body crosses the client's uplink once.
      BURL implies saving. ``literal_plus``: APPEND with a non-synchronizing literal
      (RFC 7888) instead of waiting for the "+" continuation. ``imap_cold``: the client's
      IMAP session must first be opened (TCP, TLS, AUTHENTICATE) instead of being open.
    """

    pipelining: bool = False
    chunking: bool = False
    ehlo: bool = True
    tls: TlsVersion | None = None
    auth: AuthMechanism | None = None
    auth_pipelined: bool = False
    writes: WriteMode = "coalesced"
    nagle: bool = True
    quit: Literal["wait", "pipelined", "async", "drop"] = "wait"
    implicit_tls: bool = False
    banner_half_rtt: bool = False
    resumption: bool = False
    quickstart: Literal["basic", "full"] | None = None
    config_token: bool = False
    fast_open: Literal["tfo", "ttcp", "synack-banner"] | None = None
    syn_data: bool = False
    reuse: bool = False
    early_data: bool = False
    save: Literal["parallel", "first"] | None = None
    burl: bool = False
    literal_plus: bool = False
    imap_cold: bool = False


@dataclass(frozen=True, slots=True)
class FarmConfig:
    """N front-ends behind one address and a balancer (DESIGN.md "Server farm").

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


@dataclass(frozen=True, slots=True)
class Distribution:
    """A random quantity, drawn from the run's own generator.

    ``kind``: "fixed" (``a`` is the value), "exponential" (``a`` the mean), "lognormal"
    (``a`` the median, ``b`` sigma of the log), "uniform" (``a`` to ``b``), or "empirical"
    (``quantiles``: (cumulative probability, value) pairs from p = 0 to p = 1, linearly
    interpolated: the inverse-CDF method).
    """

    kind: Literal["fixed", "exponential", "lognormal", "uniform", "empirical"] = "fixed"
    a: float = 0.0
    b: float = 0.0
    quantiles: tuple[tuple[float, float], ...] = ()

    @classmethod
    def fixed(cls, value: float) -> Distribution:
        return cls("fixed", value)

    def sample(self, rng: Any) -> float:
        kind = self.kind
        if kind == "fixed":
            return self.a
        if kind == "exponential":
            return float(rng.exponential(self.a))
        if kind == "lognormal":
            return float(self.a * math.exp(self.b * rng.standard_normal()))
        if kind == "uniform":
            return float(rng.uniform(self.a, self.b))
        u = float(rng.random())
        points = self.quantiles
        for (p0, v0), (p1, v1) in zip(points, points[1:], strict=False):
            if u <= p1:
                return v0 + (v1 - v0) * (u - p0) / (p1 - p0) if p1 > p0 else v1
        return points[-1][1]

    @property
    def mean(self) -> float:
        """The expected value (for reports and tests)."""
        kind = self.kind
        if kind in ("fixed", "exponential"):
            return self.a
        if kind == "lognormal":
            return self.a * math.exp(self.b * self.b / 2.0)
        if kind == "uniform":
            return (self.a + self.b) / 2.0
        points = self.quantiles
        pairs = zip(points, points[1:], strict=False)
        return sum((p1 - p0) * (v0 + v1) / 2.0 for (p0, v0), (p1, v1) in pairs)


def cost(value: float | Distribution, rng: Any) -> float:
    """A processing time: ``value`` itself, or a draw from it when it is a distribution."""
    if isinstance(value, Distribution):
        return max(0.0, value.sample(rng))
    return value
