"""Sizes and CPU costs of the TLS handshakes (``TlsConfig``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TlsConfig"]


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """Sizes and CPU costs of the TLS handshake, for both ends of a connection.

    Flight sizes are bytes of TLS records (handshake messages plus 5-byte record headers):

    * ``client_hello`` 517 B: what OpenSSL 1.1.1+/browsers send with the padding extension
      (RFC 7685 pads to 512 B of handshake body).
    * ``server_flight`` 4600 B: ServerHello (about 100 B) + Certificate with a three-certificate
      RSA-2048 chain as Let's Encrypt served it until 2024 (leaf about 1.5 KB, R3
      intermediate 1.3 KB, cross-signed ISRG Root X1 1.4 KB) + ServerKeyExchange (about
      300 B with an RSA-2048 signature) + ServerHelloDone, or the TLS 1.3 equivalents: about
      4 KB, more than an initial window of 3 segments (3 x 1448 B), so under IW 3 it costs a
      second flight as it really does.
    * ``client_finished_12`` 126 B: ClientKeyExchange (ECDHE P-256, 70 B) + ChangeCipherSpec
      (6 B) + Finished (45 B encrypted) + headers, TLS 1.2 (RFC 5246 §7.3), one write
      (OpenSSL buffers the flight and flushes it after the Finished).
    * ``server_finished_12`` 251 B: NewSessionTicket (about 200 B with a 160 B ticket,
      RFC 5077 §3.3; servers issue one by default, Postfix ``tls_session_ticket_cipher``) +
      ChangeCipherSpec (6 B) + Finished (45 B), TLS 1.2.
    * ``client_finished_13`` 80 B: (middlebox-compat ChangeCipherSpec 6 B) + Finished
      (74 B encrypted record), TLS 1.3 (RFC 8446 §2, §D.4).
    * ``tickets_13`` 2 NewSessionTicket records of ``ticket_bytes`` 255 B each, sent by the
      server after the client's Finished (OpenSSL's default, ``SSL_CTX_set_num_tickets``;
      0 for none), each its own write (OpenSSL flushes after each ticket). The first carries
      the ACK of the client's Finished, which a Nagle client's next command waits for.
    * ``record_overhead_12`` 29 B per record (5 header + 8 explicit nonce + 16 GCM tag,
      RFC 5288); ``record_overhead_13`` 22 B (5 header + 1 content type + 16 tag, RFC 8446
      §5.2); ``max_record`` 16384 B of plaintext per record (RFC 8446 §5.1).
    * ``server_cpu_s`` 1 ms (an RSA-2048 signature; an ECDHE about 0.1 ms) and
      ``client_cpu_s`` 0.5 ms (verify the chain, one ECDHE) on current hardware:
      assumptions, as no authoritative figures are published.

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
      at most (an assumption, as ``server_cpu_s``).
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
