"""Every line the models put on the wire: SMTP commands and replies, SASL exchanges and IMAP
lines, without their CRLF (``line_bytes`` adds it).

Sizes come from this text, so the simulator and the oracle send the same bytes. The text is
what RFC 5321 §4.1, RFC 2920, RFC 3030, RFC 3207, RFC 4954, RFC 3501, RFC 4467 and RFC 4468
show in their examples and what Postfix and Dovecot answer, with the domains of RFC 2606.
Early pipelining's wire forms are ``PIPE_CONNECT <token>`` in the capability list (Exim's
keyword, draft-harris-early-pipe) and ``EHLO <domain> TOKEN=<token>``, the modelling device
that lets the server refuse a stale token (``Features.early_pipelining``).
"""

from __future__ import annotations

import base64

__all__ = [
    "CLIENT_DOMAIN",
    "SERVER_DOMAIN",
    "SENDER",
    "IMAP_HOST",
    "line_bytes",
]

CLIENT_DOMAIN = "client.example.org"
SERVER_DOMAIN = "submit.example.net"
SENDER = "alice@example.org"
PASSWORD = "correct-horse-battery"
IMAP_HOST = "imap.example.net"


def line_bytes(text: str) -> int:
    """Bytes of a protocol line on the wire: its text and CRLF."""
    return len(text) + 2


def b64(text: str) -> str:
    """Base64 of ``text`` (RFC 4648 §4), as SASL sends credentials."""
    return base64.b64encode(text.encode()).decode()


# ---------------------------------------------------------------------- SMTP: the server
GREETING = f"{SERVER_DOMAIN} ESMTP Postfix"
"""The text of the 220 greeting (RFC 5321 §4.2, §3.1)."""

STARTTLS_READY = "2.0.0 Ready to start TLS"  # 220, RFC 3207 §4
AUTH_OK = "2.7.0 Authentication successful"  # 235, RFC 4954 §6
MAIL_OK = "2.1.0 Ok"  # 250, RFC 5321 §4.1.1.2 (codes: RFC 3463)
RCPT_OK = "2.1.5 Ok"  # 250, RFC 5321 §4.1.1.3
DATA_GO = "End data with <CR><LF>.<CR><LF>"  # 354, RFC 5321 §4.1.1.4
QUEUED_DATA = "2.0.0 Ok: queued as 4F2C81B3A9"  # 250 to the end of data
QUEUED_BURL = "2.0.0 Ok: queued as 4F2C81B3AB"  # 250 to BURL ... LAST, RFC 4468 §3.4
NOOP_OK = "2.0.0 Ok"  # 250, RFC 5321 §4.1.1.9
BYE = "2.0.0 Bye"  # 221, RFC 5321 §4.1.1.10
HELO_OK = SERVER_DOMAIN  # 250 to HELO, RFC 5321 §4.1.1.1
STALE_TOKEN = "Configuration token is stale"  # a refused early-pipelining token
STALE_QHLO = "Please use the correct QHLO ID"  # a refused qhlo-id, quickstart-b §6, §7
REFUSED = "5.5.1 Error: send QHLO first"  # 503 to the rest of a refused group
TIMED_OUT = f"4.4.2 {SERVER_DOMAIN} Error: timeout exceeded"  # 421, Postfix smtpd_timeout
BURL_UNAVAILABLE = "5.5.1 BURL not available"  # 502
BURL_FAILED = "5.6.6 IMAP URL resolution failed"  # 554, RFC 4468 §6
UNKNOWN_COMMAND = "5.5.2 Error: command not recognized"  # 502
BURL_KEYWORD = "BURL imap"
"""What a submission server with an IMAP server behind it lists (RFC 4468 §3.3)."""


def bdat_received(nbytes: int) -> str:
    """The 250 to a ``BDAT <n>`` that is not the last (RFC 3030 §2: "250 <n> octets
    received"; Postfix answers ``250 2.0.0 Ok: <n> bytes``)."""
    return f"2.0.0 Ok: {nbytes} octets"


def stale(why: str) -> str:
    """The 504 text refusing a stale token or qhlo-id before TLS (quickstart-b §6, §7)."""
    return f"5.5.1 {why}"


def bdat_queued(nbytes: int) -> str:
    """The 250 to ``BDAT <n> LAST`` (RFC 3030 §2)."""
    return f"2.0.0 Ok: {nbytes} octets, queued"


def reply_line(code: int, text: str) -> str:
    """A one-line reply."""
    return f"{code} {text}"


AUTH_KEYWORD = "AUTH PLAIN LOGIN SCRAM-SHA-256"
"""The AUTH keyword with the SASL mechanisms the model's clients use (RFC 4954 §3): what a
server lists is its site's SASL configuration (Postfix's and Dovecot's backends, Exim's
authenticators), so every server that can be configured for them lists these."""

CLIENT_ADDRESS = "192.0.2.1"
"""The client's address where a server names it (RFC 5737 documentation range)."""

EHLO_KEYWORDS: dict[str, tuple[str, ...]] = {
    # the model's generic server: Postfix's keywords without VRFY, a 50 MB SIZE
    "generic": ("PIPELINING", "SIZE 52428800", "ETRN", "STARTTLS", AUTH_KEYWORD,
                "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"),
    # Postfix 3.7 src/smtpd/smtpd.c ehlo_cmd, in its EHLO_APPEND order, with the defaults
    # message_size_limit = 10240000, disable_vrfy_command = no, smtputf8_enable = yes
    "postfix": ("PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", AUTH_KEYWORD,
                "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"),
    # Exim 4.96 src/src/smtp_in.c smtp_setup_msg (EHLO), in its order, with the defaults of
    # globals.c: message_size_limit = 50M, accept_8bitmime = TRUE, no acl_smtp_etrn/vrfy/
    # expn, pipelining_advertise_hosts = *, chunking_advertise_hosts = *,
    # tls_advertise_hosts = *, prdr_enable = FALSE, smtputf8_advertise_hosts = * (Debian's
    # build has I18N); "HELP" ends it
    "exim": ("SIZE 52428800", "8BITMIME", "PIPELINING", AUTH_KEYWORD, "CHUNKING", "STARTTLS",
             "SMTPUTF8", "HELP"),
    # aiosmtpd 1.4.3 aiosmtpd/smtp.py SMTP.smtp_EHLO with Controller's defaults:
    # DATA_SIZE_DEFAULT = 2**25, decode_data False (8BITMIME), enable_SMTPUTF8 True
    # (controller.py: "Emulate previous behavior of defaulting enable_SMTPUTF8 to True"),
    # "250-AUTH " + " ".join(sorted(self._auth_methods)) (its built-in LOGIN and PLAIN),
    # "250 HELP"
    "aiosmtpd": ("SIZE 33554432", "8BITMIME", "SMTPUTF8", "STARTTLS", "AUTH LOGIN PLAIN",
                 "HELP"),
    # Dovecot 2.3.19 src/submission-login/client-authenticate.c cmd_helo_reply (the login
    # process answers EHLO until AUTH succeeds), in its order, with the defaults: 8BITMIME
    # from the backend, BURL imap, CHUNKING, ENHANCEDSTATUSCODES, SIZE without a limit
    # (submission_max_mail_size = 0), STARTTLS, PIPELINING
    "dovecot": ("8BITMIME", AUTH_KEYWORD, "BURL imap", "CHUNKING", "ENHANCEDSTATUSCODES",
                "SIZE", "STARTTLS", "PIPELINING"),
}
"""The EHLO keywords each server program lists (``Server.ehlo``), in its order: STARTTLS is
left out once TLS is up, AUTH when not offered."""


def ehlo_domain(server: str) -> str:
    """The first line of a server program's EHLO reply: its domain, and with Exim the greeting
    ``"%.3s %s Hello %s%s%s"`` and ``" [%s]"`` with the client's address (Exim 4.96
    smtp_in.c; the others answer with the domain alone, RFC 5321 §4.1.1.1)."""
    if server == "exim":
        return f"{SERVER_DOMAIN} Hello {CLIENT_DOMAIN} [{CLIENT_ADDRESS}]"
    return SERVER_DOMAIN


def capability_lines(
    code: int, first: str, tls_offered: bool, auth_offered: bool = True,
    extra: tuple[str, ...] = (), server: str = "generic",
) -> list[str]:
    """A multi-line reply listing a submission server's extensions (RFC 5321 §4.1.1.1 EHLO
    reply shape), used for the EHLO reply, QUICKSTART's extended greeting and the QHLO and
    520 replies that carry the list: the keywords of the server program ``server``
    (``EHLO_KEYWORDS``). ``extra`` keywords (QUICKSTART, PIPE_CONNECT, BURL) come first,
    unless the program lists them itself. STARTTLS is listed before TLS only."""
    own = EHLO_KEYWORDS[server]
    keywords = [k for k in extra if k not in own]
    for k in own:
        if (k == "STARTTLS" and not tls_offered) or (k.startswith("AUTH ")
                                                     and not auth_offered):
            continue
        keywords.append(k)
    lines = [f"{code}-{first}"] + [f"{code}-{k}" for k in keywords[:-1]]
    lines.append(f"{code} {keywords[-1]}")
    return lines


def config_token(secret: str, version: int, context: str) -> str:
    """A configuration token (or qhlo-id) for a security context (``"plain"`` or ``"tls"``):
    derived from a server secret and its configuration version (quickstart-b §12 derives the
    id from the extension list and a secret), so a new configuration makes it stale."""
    return f"{secret}.v{version}.{context}"


def pipe_connect_keyword(token: str) -> str:
    """The early-pipelining keyword of a capability list, with its token."""
    return f"PIPE_CONNECT {token}"


def early_pipelining_greeting(token: str) -> list[str]:
    """The 220 banner of an early-pipelining server: the greeting, then the cleartext token
    on a second line."""
    return [f"220-{GREETING}", f"220 {pipe_connect_keyword(token)}"]


def quickstart_keyword(full: bool, token: str = "") -> str:
    """The QUICKSTART keyword and parameters (quickstart-01 §4): QTLS and AUTH, and with the
    full profile the qhlo-id."""
    return "QUICKSTART QTLS AUTH" + (f" QHLO={token}" if full else "")


# ---------------------------------------------------------------------- SMTP: the client
def ehlo(verb: str = "EHLO") -> str:
    """EHLO or HELO with the client's domain (RFC 5321 §4.1.1.1)."""
    return f"{verb} {CLIENT_DOMAIN}"


def ehlo_with_token(token: str) -> str:
    """The early EHLO that presents a cached configuration token."""
    return f"EHLO {CLIENT_DOMAIN} TOKEN={token}"


def qhlo(token: str | None = None) -> str:
    """QHLO (quickstart-01 §5), with a cached qhlo-id (full profile) or without."""
    return f"QHLO {CLIENT_DOMAIN} {token}" if token else f"QHLO {CLIENT_DOMAIN}"


def mail_from(size: int, esmtp: bool) -> str:
    """RFC 5321 §4.1.1.2, with the SIZE parameter of RFC 1870 when ESMTP is in use."""
    return f"MAIL FROM:<{SENDER}>" + (f" SIZE={size}" if esmtp else "")


def rcpt_to(i: int) -> str:
    """RFC 5321 §4.1.1.3: the ``i``-th recipient."""
    return f"RCPT TO:<rcpt{i}@example.com>"


def bdat_last(size: int) -> str:
    """RFC 3030 §2: the one and last chunk of the message."""
    return f"BDAT {size} LAST"


def bdat(size: int) -> str:
    """RFC 3030 §2: a chunk that is not the last."""
    return f"BDAT {size}"


def burl_last(url: str) -> str:
    """RFC 4468 §3.2: submit the message the URL names, as the last part."""
    return f"BURL {url} LAST"


def body(size: int, terminator: bool = False) -> str:
    """The label of ``size`` bytes of message (the body is a byte count, not text), with
    DATA's ``CRLF.CRLF`` terminator when ``terminator``."""
    return f"<{size} bytes of message>" + (" ." if terminator else "")


HEADER_SECTION = (
    f"Received: from alice by {CLIENT_DOMAIN} with local (Exim 4.96)",
    f"\t(envelope-from <{SENDER}>)",
    "\tid 1vPabc-000123-AB",
    "\tfor rcpt0@example.com;",
    "\tSun, 30 Nov 2026 07:04:58 +0000",
    f"From: {SENDER}",
    "To: rcpt0@example.com",
    "Subject: t",
    f"Message-Id: <E1vPabc-000123-AB@{CLIENT_DOMAIN}>",
    "Date: Sun, 30 Nov 2026 07:04:58 +0000",
    "",
)
"""The header section of the model's message as Exim 4.96 relays a locally submitted one
(the first ``size`` bytes of the message; only a client that chunks it apart needs it): its
``Received:`` line (``globals.c received_header_text``: "from $sender_ident", "by
$primary_hostname", "with $received_protocol", "(Exim $version_number)", "(envelope-from
<$sender_address>)", "id $message_exim_id", "for $received_for" and the date), the
submitter's From, To and Subject, the Message-Id and Date Exim adds, and the empty line that
ends the section (``transport.c transport_headers_send``: ``return sendfn(tctx, US"\n",
1);``), each with CRLF. The same lines with the measured message's names came to 333 bytes
(``BDAT 333`` on the wire, Exim 4.96 to Postfix)."""

HEADER_BYTES = sum(line_bytes(line) for line in HEADER_SECTION)
"""Bytes of ``HEADER_SECTION`` on the wire (339)."""

DATA_TERMINATOR = "."
"""The end of DATA's content written on its own (3 bytes with CRLF before: RFC 5321 §4.1.1.4)."""
TERMINATOR_BYTES = 3


# ---------------------------------------------------------------------- SASL (RFC 4954)
def auth_plain_ir() -> str:
    """RFC 4616 PLAIN message ``authzid NUL authcid NUL passwd``, base64 (RFC 4954 §4)."""
    return b64(f"\0{SENDER}\0{PASSWORD}")


def auth_plain() -> str:
    """AUTH PLAIN with its initial response: one round trip."""
    return f"AUTH PLAIN {auth_plain_ir()}"


PLAIN_CHALLENGE = ""  # 334 with an empty challenge, PLAIN without an initial response
LOGIN_USER_PROMPT = "VXNlcm5hbWU6"  # 334, base64 "Username:" (draft-murchison-sasl-login)
LOGIN_PASSWORD_PROMPT = "UGFzc3dvcmQ6"  # 334, base64 "Password:"
LOGIN_USER = b64(SENDER)
LOGIN_PASSWORD = b64(PASSWORD)

# SCRAM-SHA-256 (RFC 5802 §5, RFC 7677): the base64 of the GS2 header and user name followed
# by a 32-character client nonce; the server's first message (combined nonce, 24-character
# salt, i=4096); the client-final message (channel binding, nonce, 60-character proof); the
# server-final verifier; and the client's empty response to it (RFC 4954 §4: additional data
# with success sent as a 334 challenge).
SCRAM_CLIENT_FIRST = ("AUTH SCRAM-SHA-256 " + b64(f"n,,n={SENDER},r=").rstrip("=")
                      + "a" * 32)
SCRAM_SERVER_FIRST = "cj1" + "x" * 80 + "LHM9" + "y" * 24 + "LGk9NDA5Ng=="
SCRAM_CLIENT_FINAL = "Yz1iaXdzLHI9" + "b" * 96 + "LHA9" + "c" * 60
SCRAM_SERVER_FINAL = "dj1" + "z" * 41
SCRAM_CLIENT_EMPTY = ""

# ---------------------------------------------------------------------- IMAP (RFC 3501)
IMAP_CAPABILITIES = "IMAP4rev1 LITERAL+ UIDPLUS URLAUTH AUTH=PLAIN SASL-IR"
"""What the IMAP server offers once the session is protected (or on a cleartext port that
allows it): RFC 7888, 4315, 4467, 4959."""
IMAP_GREETING = f"* OK [CAPABILITY {IMAP_CAPABILITIES}] {IMAP_HOST} ready"
IMAP_STARTTLS_GREETING = f"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] {IMAP_HOST} ready"
"""The cleartext greeting on port 143 before STARTTLS (the capabilities of RFC 3501 §6.2.1's
example: no authentication offered before TLS)."""
IMAP_CONTINUE = "+ Ready for literal data"  # RFC 3501 §7.5
IMAP_BYE = "* BYE"
FIRST_UID = 42
"""The UID the IMAP server gives the first message appended in a run (UIDVALIDITY 1): its
number of digits is part of the URL's size."""


def imap_tag(n: int) -> str:
    """The client's ``n``-th command tag."""
    return f"a{n}"


def burl_url(uid: int) -> str:
    """The URLAUTH-authorized URL of the saved message (RFC 4467 §3, RFC 4468 §3.3)."""
    return (
        f"imap://{SENDER.replace('@', '%40')}@{IMAP_HOST}/Sent;UIDVALIDITY=1/;UID={uid}"
        f";urlauth=submit+{SENDER.split('@')[0]}:internal:91354a473744909de610943775f92038"
    )


def imap_append(tag: str, size: int, literal_plus: bool) -> str:
    """APPEND to Sent (RFC 3501 §6.3.11) with a synchronizing literal, or LITERAL+ (RFC 7888)."""
    return f"{tag} APPEND Sent (\\Seen) {{{size}{'+' if literal_plus else ''}}}"


def imap_appended(tag: str, uid: int) -> str:
    """APPEND's tagged OK with the new UID (RFC 4315 APPENDUID)."""
    return f"{tag} OK [APPENDUID 1 {uid}] APPEND completed"


def imap_genurlauth(tag: str, uid: int) -> str:
    """GENURLAUTH for the saved message with the INTERNAL mechanism (RFC 4467 §7.2)."""
    return f'{tag} GENURLAUTH "{burl_url(uid).split(":internal:")[0]}" INTERNAL'


def imap_genurlauth_answer(tag: str, uid: int) -> list[str]:
    """GENURLAUTH's untagged answer with the URL, and its tagged OK."""
    return [f'* GENURLAUTH "{burl_url(uid)}"', f"{tag} OK GENURLAUTH completed"]


def imap_urlfetch(tag: str, url: str, size: int) -> str:
    """URLFETCH (RFC 4467 §7.3); the model passes the message's size with the URL."""
    return f"{tag} URLFETCH {url} {size}"


def imap_urlfetch_answer(tag: str, url: str, size: int) -> tuple[str, str]:
    """URLFETCH's untagged line (the message, ``size`` bytes, follows it) and tagged OK."""
    return f'* URLFETCH "{url}" {{{size}}}', f"{tag} OK URLFETCH completed"


def imap_authenticate(tag: str) -> str:
    """AUTHENTICATE PLAIN with an initial response (RFC 4959)."""
    return f"{tag} AUTHENTICATE PLAIN {auth_plain_ir()}"


def imap_starttls(tag: str) -> str:
    """STARTTLS (RFC 3501 §6.2.1)."""
    return f"{tag} STARTTLS"


def imap_starttls_ok(tag: str) -> str:
    """STARTTLS's tagged OK, as RFC 3501 §6.2.1's example words it: no CAPABILITY response
    code, since what it carried would come before TLS and be discarded."""
    return f"{tag} OK Begin TLS negotiation now"


def imap_capability(tag: str) -> str:
    """CAPABILITY (RFC 3501 §6.1.1), re-issued after STARTTLS (§6.2.1)."""
    return f"{tag} CAPABILITY"


def imap_capability_answer(tag: str) -> list[str]:
    """CAPABILITY's untagged answer (RFC 3501 §7.2.1) and its tagged OK."""
    return [f"* CAPABILITY {IMAP_CAPABILITIES}", imap_ok(tag, "CAPABILITY")]


def imap_ok(tag: str, command: str) -> str:
    """A tagged OK."""
    return f"{tag} OK {command} completed"


def imap_bad(tag: str) -> str:
    return f"{tag} BAD unknown command"
