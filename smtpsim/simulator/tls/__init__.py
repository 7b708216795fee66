"""TLS over TCP: the handshakes and the record layer.

Handshakes, as flights of records (sizes in ``TlsConfig``):

* TLS 1.2 full handshake, RFC 5246 §7.3 (2 RTT)::

      C: ClientHello
      S: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone
      C: ClientKeyExchange, ChangeCipherSpec, Finished
      S: ChangeCipherSpec, Finished            -> client may send application data

* TLS 1.3 full handshake, RFC 8446 §2 (1 RTT)::

      C: ClientHello (+key_share)
      S: ServerHello, {EncryptedExtensions, Certificate, CertificateVerify, Finished}
      C: {Finished}                             -> application data may follow at once
      S: NewSessionTicket, NewSessionTicket     (after the client's Finished, OpenSSL default)

* Resumption with a session ticket (RFC 5077, RFC 8446 §2.2), and TLS 1.3 0-RTT data
  (RFC 8446 §2.3).

CPU: the server spends ``server_cpu_s`` before its first flight (signature), the client
``client_cpu_s`` after the server's flight (chain verification, key exchange).

Writes, as OpenSSL makes them (``client``'s docstring has the functions): each flight is one
write (a buffering BIO holds the handshake messages until the flight is flushed), whatever
the application does with its own writes, so the TLS 1.2 client flight is one write even for
a ``per-command`` client. The client's last flight (its Finished) is flushed before
``SSL_do_handshake`` returns: application data after it is always another write, which
Nagle holds while the Finished is unacknowledged; its ACK rides on the server's first TLS 1.3
NewSessionTicket, which OpenSSL writes one by one (a flush after each), or, with no tickets
and after a resumed TLS 1.2 handshake, on whatever the server writes next or its delayed ACK.

After the handshake, ``Channel`` (``channel``) frames each application write into TLS records
of at most ``max_record`` plaintext bytes, each with ``record_overhead`` bytes of header,
nonce and tag; a record is delivered (decrypted) only when all of it has arrived. The
client's side is ``client``, the server's ``server``, the handshake messages ``messages``.
"""

from smtpsim.simulator.tls.channel import Channel
from smtpsim.simulator.tls.client import client_handshake
from smtpsim.simulator.tls.messages import TlsMessage, TlsResult
from smtpsim.simulator.tls.server import accept_finished, server_handshake

__all__ = [
    "Channel", "TlsMessage", "TlsResult", "accept_finished", "client_handshake",
    "server_handshake",
]
