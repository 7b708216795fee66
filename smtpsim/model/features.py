"""What a client does (``Features``), which feature combinations can be negotiated
(``RULES``, the one table the variant parser, the oracle's domain and the tests use), and the
decisions both models take from the features.

A variant is a set of features, not a class: the client asks its features at each decision
point. ``smtpsim.scenarios.variants`` builds them from variant expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Features", "ImapTls", "RULES", "Rule", "violations"]

TlsVersion = Literal["1.2", "1.3"]
AuthMechanism = Literal["plain", "login", "scram"]
WriteMode = Literal["coalesced", "per-command"]
ImapTls = Literal["implicit", "starttls", "plain"]


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
      smtplib over ssl does. Either way the TLS library writes each handshake flight as one
      write and the client's Finished as a write of its own, before any application data.
    * ``nagle`` the client's Nagle setting (False is TCP_NODELAY). With Nagle, what the
      client writes right behind its TLS Finished waits for the Finished's ACK.
    * ``quit`` "wait": send QUIT after the 250 and wait for 221 before telling the user;
      "pipelined": QUIT goes in the same write as the end of data (RFC 2920 §3.1: the
      content may begin a group that QUIT ends), 250 and 221 come back together;
      "async": the user is told at the 250, QUIT and its 221 follow in the background;
      "drop": no QUIT, the client closes the connection after the 250 (not RFC 5321
      §4.1.1.10 compliant); the server holds it until the FIN arrives.
    * ``implicit_tls`` TLS from the first byte (RFC 8314 §3, port 465) instead of STARTTLS;
      the version is ``tls``. The server writes its banner once the handshake is complete,
      or with ``banner_half_rtt`` (TLS 1.3 only) right behind its flight as 0.5-RTT data
      (RFC 8446 §2 and §4.4.4; few SMTP servers do this: a hypothetical option).
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
    * ``early_pipelining`` early pipelining on a configuration token (the 2006 thread's
      "config token" or "server configuration indicator", deployed as Exim's PIPE_CONNECT,
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
    * ``syn_data`` with a cookie in hand, the SYN also carries the client's first write, if
      it makes one at once (at most ``smtpsim.model.tcp.syn_data_space`` bytes of it, as
      Linux's ``tcp_send_syn_data``): the ClientHello of implicit TLS, an early-pipelined
      group, QTLS + ClientHello.
    * ``early_data`` TLS 1.3 0-RTT (RFC 8446 §2.3): with a ticket, what the client would send
      with its Finished goes with its ClientHello instead; a server that accepts the ticket
      answers it right behind its flight. Hypothetical: no SMTP specification defines early
      data, and it is replayable (RFC 8446 §8).
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
    * ``imap_pipelined`` a cold IMAP session sends ``AUTHENTICATE PLAIN`` with its initial
      response (RFC 4959) and the APPEND with its LITERAL+ literal (RFC 7888) in one write,
      without waiting for the authentication's tagged OK. RFC 3501 §5.5: "The client MAY send
      another command without waiting for the completion result response of a command, subject
      to ambiguity rules"; "any command continuation request responses and command
      continuations MUST be negotiated before any subsequent command is initiated", and
      "Clients MUST NOT send multiple commands without waiting if an ambiguity would result",
      the ambiguity being "a command that would affect the results of other commands". Neither
      command here has a continuation (PLAIN completes in its initial response, a LITERAL+
      literal is sent without one: hence LITERAL+ is needed), and AUTHENTICATE does not change
      what APPEND does, only whether it may run: refused, an APPEND in the not-authenticated
      state is refused too (APPEND is valid in the authenticated state, §6.3) and appends
      nothing (§6.3.11: "no partial appending"). PLAIN negotiates no security layer (RFC
      4616), so the APPEND is not sent under one it does not know of yet (§6.2.2). GENURLAUTH
      cannot join them: its URL names the UID that only APPEND's tagged OK gives (RFC 4315
      APPENDUID, RFC 4467 §7.2). Dovecot passes what the client sent behind its login to the
      post-login process (its imap process's ``login_client_connected``:
      ``client_add_istream_prefix``). An open session has nothing to pipeline.
    * ``imap_tls`` how a cold IMAP session secures itself: "implicit", TLS from the first
      byte on port 993 (RFC 8314 §3; the greeting follows the handshake); "starttls", a
      cleartext greeting on port 143, ``STARTTLS`` and its OK, the TLS handshake, then
      ``CAPABILITY`` again, sent with the client Finished and waited for: RFC 3501 §6.2.1
      "the client MUST discard cached information about server capabilities and SHOULD
      re-issue the CAPABILITY command" (RFC 2595 §3.1 likewise), so the LITERAL+ and SASL-IR
      the cleartext greeting listed cannot be used before the new list has come; "plain",
      cleartext throughout (lab comparisons: "Server sites SHOULD NOT use any configuration
      which permits a plaintext password mechanism without such a protection mechanism",
      RFC 3501 §6.2.2). An open session has TLS records up, or none with "plain".
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
    early_pipelining: bool = False
    fast_open: Literal["tfo", "ttcp", "synack-banner"] | None = None
    syn_data: bool = False
    reuse: bool = False
    early_data: bool = False
    save: Literal["parallel", "first"] | None = None
    burl: bool = False
    literal_plus: bool = False
    imap_cold: bool = False
    imap_pipelined: bool = False
    imap_tls: ImapTls = "implicit"

    # ------------------------------------------------------------------ decisions
    @property
    def auth_in_group(self) -> bool:
        """AUTH PLAIN rides in the MAIL group (RFC 4954 §4): when asked for, and always with
        QUICKSTART (quickstart-01 §7) and early pipelining (its group is EHLO + AUTH +
        MAIL ...)."""
        if self.auth != "plain":
            return False
        return (self.quickstart is not None or self.early_pipelining
                or (self.auth_pipelined and self.pipelining))

    @property
    def quit_in_group(self) -> bool:
        """QUIT goes in the same write as the end of the message (RFC 2920 §3.1): pipelined,
        and the session is not kept for another message."""
        return self.quit == "pipelined" and not self.reuse

    @property
    def half_rtt_banner(self) -> bool:
        """The implicit-TLS banner leaves right behind the server's TLS 1.3 flight as 0.5-RTT
        data (RFC 8446 §2)."""
        return self.implicit_tls and self.banner_half_rtt and self.tls == "1.3"

    def banner_rides_last_flight(self, resumed: bool) -> bool:
        """With implicit TLS (RFC 8314 §3), the banner reaches the client together with the
        server's last handshake flight, so waiting for it costs no round trip of its own:
        the server Finished of a full TLS 1.2 handshake (its handshake is done once it has
        sent it), or the TLS 1.3 flight it follows as 0.5-RTT data."""
        return (self.tls == "1.2" and not resumed) or self.half_rtt_banner

    @property
    def caches_capabilities(self) -> bool:
        """The client caches the server's capabilities with a token it presents later: a
        configuration token (early pipelining) or a qhlo-id (QUICKSTART's full profile)."""
        return self.early_pipelining or self.quickstart == "full"

    @property
    def saves(self) -> bool:
        """The message is also stored in Sent over IMAP (send-and-save, or BURL)."""
        return self.save is not None or self.burl


# ---------------------------------------------------------------------- negotiation rules
@dataclass(frozen=True, slots=True)
class Rule:
    """One combination of features that cannot be negotiated.

    ``broken(f)`` says whether ``f`` breaks it. ``subject`` is the feature field that asks for
    something (named first in an error); ``culprits(f)`` the fields that stand in its way
    (named as "conflicts with"), or none, when the rule says what ``subject`` ``needs``;
    ``why`` the reason, with its source.
    """

    subject: str
    broken: Callable[[Features], bool]
    why: str
    culprits: Callable[[Features], tuple[str, ...]] = lambda f: ()
    needs: str = ""


def _on(f: Features, *names: str) -> tuple[str, ...]:
    return tuple(n for n in names if getattr(f, n) not in (False, None))


def _one_round_trip_group(f: Features) -> tuple[str, ...]:
    """What keeps a start that sends EHLO/QHLO + AUTH + MAIL ... as one group from doing so."""
    if f.auth not in (None, "plain"):
        return ("auth",)
    return ("pipelining",) if not f.pipelining else ("ehlo",)


RULES: tuple[Rule, ...] = (
    Rule("ehlo", lambda f: not f.ehlo and bool(_on(f, "pipelining", "chunking", "tls", "auth")),
         "PIPELINING, CHUNKING, STARTTLS and AUTH are negotiated in the EHLO reply"
         " (RFC 5321 §4.1.1.1, RFC 1869)",
         culprits=lambda f: _on(f, "pipelining", "chunking", "tls", "auth")),
    Rule("implicit_tls", lambda f: f.implicit_tls and f.tls is None,
         "implicit TLS needs a TLS version (RFC 8314 §3)", culprits=lambda f: ("tls",)),
    Rule("banner_half_rtt", lambda f: f.banner_half_rtt and not (f.implicit_tls
                                                                 and f.tls == "1.3"),
         "only a TLS 1.3 server can send 0.5-RTT data, and only an implicit-TLS banner can"
         " use it (RFC 8446 §2)", needs="implicit TLS 1.3"),
    Rule("resumption", lambda f: f.resumption and f.tls is None,
         "there is no session to resume", needs="TLS (starttls, tls1.2, tls1.3 or"
         " implicit-tls)"),
    Rule("quickstart", lambda f: f.quickstart is not None and f.implicit_tls,
         "QUICKSTART starts TLS with QTLS on the submission port (quickstart-01 §6)",
         culprits=lambda f: ("implicit_tls",)),
    Rule("quickstart", lambda f: f.quickstart is not None and f.auth not in (None, "plain"),
         "QUICKSTART pipelines AUTH, which only one-round-trip mechanisms such as PLAIN allow"
         " (quickstart-01 §6, RFC 4954 §4)", culprits=lambda f: ("auth",)),
    Rule("quickstart", lambda f: f.quickstart is not None and not (f.pipelining and f.ehlo),
         "QUICKSTART needs PIPELINING and extended SMTP (quickstart-a and -b §4)",
         culprits=lambda f: ("pipelining",) if not f.pipelining else ("ehlo",)),
    Rule("quickstart", lambda f: f.quickstart is not None and f.writes == "per-command",
         "QTLS and its ClientHello go in one write (quickstart-01 §6)",
         culprits=lambda f: ("writes",)),
    Rule("early_pipelining", lambda f: f.early_pipelining and f.quickstart is not None,
         "the full QUICKSTART profile has its own cached id (qhlo-id); choose one",
         culprits=lambda f: ("quickstart",)),
    Rule("early_pipelining",
         lambda f: f.early_pipelining and (f.auth not in (None, "plain") or not f.pipelining
                                           or not f.ehlo),
         "early pipelining sends EHLO and AUTH PLAIN/MAIL in one group, which needs"
         " PIPELINING, EHLO and a one-round-trip AUTH (draft-harris-early-pipe §3, RFC 4954"
         " §4)", culprits=_one_round_trip_group),
    Rule("early_pipelining", lambda f: f.early_pipelining and f.writes == "per-command",
         "the early group is one write (draft-harris-early-pipe §3)",
         culprits=lambda f: ("writes",)),
    Rule("early_data", lambda f: f.early_data and not (f.tls == "1.3" and f.resumption),
         "0-RTT data rides on a session ticket (RFC 8446 §2.3)",
         needs="TLS 1.3 with resumption"),
    Rule("burl", lambda f: f.burl and f.auth is None,
         "BURL is offered only to an authenticated submission client (RFC 4468 §3.1, §5)",
         needs="AUTH"),
    Rule("burl", lambda f: f.burl and f.save is None,
         "BURL submits a copy saved on the IMAP server first (RFC 4468 §3.4)",
         needs="a save to Sent"),
    Rule("fast_open", lambda f: f.fast_open == "synack-banner" and f.implicit_tls,
         "with implicit TLS the server's first bytes are its TLS flight, which needs the"
         " ClientHello, and the banner follows the handshake (RFC 8314 §3)",
         culprits=lambda f: ("implicit_tls",)),
    Rule("syn_data", lambda f: f.syn_data and f.fast_open not in ("tfo", "ttcp"),
         "only a SYN with a cached cookie may carry data (RFC 7413 §4.2.1)",
         needs="'tfo' or 'ttcp'"),
    Rule("quit", lambda f: f.quit == "pipelined" and not f.pipelining,
         "QUIT may end a pipelined group only with PIPELINING (RFC 2920 §3.1)",
         culprits=lambda f: ("pipelining",), needs="'pipelining'"),
    Rule("auth_pipelined", lambda f: f.auth_pipelined and not f.pipelining,
         "AUTH PLAIN rides in the MAIL group only with PIPELINING (RFC 4954 §4)",
         culprits=lambda f: ("pipelining",), needs="'pipelining'"),
    Rule("auth_pipelined", lambda f: f.auth_pipelined and f.auth != "plain",
         "only AUTH PLAIN with an initial response can be pipelined (RFC 4954 §4)",
         culprits=lambda f: ("auth",), needs="AUTH PLAIN"),
    Rule("imap_pipelined", lambda f: f.imap_pipelined and not f.literal_plus,
         "APPEND can follow AUTHENTICATE in the same write only with a non-synchronizing"
         " literal (RFC 7888): a synchronizing one waits for the server's \"+\" (RFC 3501"
         " §7.5), and continuations must be negotiated before any subsequent command"
         " (RFC 3501 §5.5)", culprits=lambda f: ("literal_plus",), needs="LITERAL+"),
)
"""Every combination of features that cannot be negotiated, in the order errors report them."""


def violations(f: Features) -> list[Rule]:
    """The rules ``f`` breaks (empty when it can be negotiated)."""
    return [rule for rule in RULES if rule.broken(f)]
