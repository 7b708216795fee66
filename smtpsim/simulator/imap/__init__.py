"""IMAP for send-and-save and BURL: the server, the client's session, the submission server's
fetch.

What is modelled (RFC 3501 unless named):

* **APPEND** of the message to Sent (§6.3.11) with a synchronizing literal: the command line
  ends in ``{M}``, the server answers ``+ Ready for literal data``, then the client sends the
  literal and gets ``OK [APPENDUID v uid]`` (RFC 4315 UIDPLUS): 2 round trips plus the
  upload. With LITERAL+ (RFC 7888) the literal follows the command at once (``{M+}``): 1 round
  trip plus the upload.
* **GENURLAUTH** (RFC 4467 §7.2) for the appended message with ``urlauth=submit+<user>``
  and the INTERNAL mechanism: one round trip; it needs the UID from APPEND's reply.
* **URLFETCH** (RFC 4467 §7.3) by the submission server over its data-centre path: on a
  pooled, authenticated connection one round trip plus the message; on a new connection
  first TCP, implicit TLS (RFC 8314 §3), the greeting and ``AUTHENTICATE PLAIN`` with an
  initial response (RFC 4959): five data-centre round trips before the fetch's own.
* A **cold** client IMAP session first connects: TCP, then implicit TLS and the greeting
  as above (port 993), or the cleartext greeting and, with STARTTLS (RFC 3501 §6.2.1),
  STARTTLS, the handshake and CAPABILITY again (the client discards the capabilities it
  learnt before TLS), or cleartext throughout; then AUTHENTICATE, waited for, or
  **pipelined** with the APPEND and its LITERAL+ literal in one write (RFC 3501 §5.5). A
  warm one is already open, authenticated and selected, as mobile clients keep one open to
  receive mail (RFC 2177 IDLE). GENURLAUTH always waits for APPEND's OK: its URL names the
  UID that OK gives.

Server processing per command: ``ServerTiming.imap_append`` (mailbox write and fsync),
``imap_genurlauth``, ``imap_urlfetch``, ``imap_auth``.
"""

from smtpsim.simulator.imap.fetch import ImapFetcher
from smtpsim.simulator.imap.lines import ImapLine
from smtpsim.simulator.imap.server import ImapServer
from smtpsim.simulator.imap.session import ImapSession, open_session

__all__ = ["ImapFetcher", "ImapLine", "ImapServer", "ImapSession", "open_session"]
