"""What a client program does beyond its variant's features (``Client.habits``): how it ends
the session, how it cuts a large message into chunks and which schedule its early pipelining
follows. The defaults are smtpsim's generic client; the ``exim`` profile
(``smtpsim/scenarios/data/software.toml``) sets Exim 4.96's smtp transport's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from smtpsim.model.features import Features
from smtpsim.model.text import HEADER_BYTES

__all__ = ["DELIVER_OUT_BUFFER_SIZE", "EarlyGroup", "Habits"]

EarlyGroup = Literal["token", "exim"]

DELIVER_OUT_BUFFER_SIZE = 8192
"""Exim's output buffer (``src/src/config.h.defaults``: ``#define DELIVER_OUT_BUFFER_SIZE
8192``): ``transport.c internal_transport_write_message`` sends a message larger than this
with CHUNKING as a first chunk of its header section, then the rest."""


@dataclass(frozen=True, slots=True)
class Habits:
    """A client program's habits (the defaults: none).

    * ``shutdown_after_quit`` in cleartext, the write that ends the message with a pipelined
      QUIT also shuts the client's side down: its FIN rides on the last segment of that write
      (Exim ``transports/smtp.c smtp_deliver``: ``smtp_write_command(sx, SCMD_MORE,
      "QUIT\\r\\n")`` then ``shutdown(sx->cctx.sock, SHUT_WR); /* flush output buffer, with
      TCP FIN */``; under TLS it writes the QUIT with ``SCMD_FLUSH`` and its FIN comes at
      the close).
    * ``fin_wait_s`` after the 221, the client waits up to this long for the server's FIN
      before it closes (Exim ``smtp_deliver``: ``poll_one_fd(sx->cctx.sock, POLLIN, 20)
      /* 20ms */`` before ``close``); 0: it closes at the 221.
    * ``header_chunk_above`` with CHUNKING, a message larger than this many bytes goes as
      ``BDAT <h>`` with its header section (``smtpsim.model.text.HEADER_BYTES``), the
      replies to MAIL, RCPT and that chunk waited for, then ``BDAT <rest> LAST`` (Exim
      ``transport.c internal_transport_write_message``: ``if (size >
      DELIVER_OUT_BUFFER_SIZE && hsize > 0)`` "sending small initial BDAT", ``chunk_cb(tctx,
      0, tc_reap_prev)``); None: one ``BDAT <n> LAST``. The header chunk is the message's header
      section and the rest its body (Exim: ``size = hsize + fsize``, then ``size -=
      hsize``); a message of ``HEADER_BYTES`` or less (a threshold below it lets one
      through) is no header section and a body, and goes as one ``BDAT <n> LAST``.
    * ``early_group`` the schedule of early pipelining (``Features.early_pipelining``) on a
      cached token: "token", the model's (``EHLO <domain> TOKEN=<id>``, a stale token
      refused; EHLO + AUTH + MAIL ... and the body in one speculative group, QUIT after its
      250); "exim", Exim 4.96's PIPE_CONNECT (``transports/smtp.c smtp_setup_conn``,
      ``smtp_reap_early_pipe``; ``smtp_out.c flush_buffer``): a plain EHLO, buffered and
      written with the next flush, which opens the connection (with a Fast Open cookie its
      data rides in the SYN: "TFO, with data"); nothing is refused (the server checks no
      token: a changed EHLO reply only rewrites the client's cache, "just carry on"). In
      cleartext the first write is commands only, EHLO + MAIL + RCPT + ``BDAT n LAST``
      ("We ignore the more-flag if we're doing a connect with early-data, which means we
      won't get BDAT+data"), the body and QUIT a second write; with AUTH, EHLO + AUTH are
      one write and the banner, the EHLO reply and the 235 are waited for before the MAIL
      group (``auth_client_item`` flushes AUTH and reads its reply); with STARTTLS, EHLO +
      STARTTLS, then behind the TLS Finished EHLO + MAIL + RCPT + BDAT + body + QUIT in one
      TLS write (``tls_write`` corks what comes with "more"), or EHLO + AUTH waited for.
      Exim never pipelines AUTH PLAIN into the MAIL group (:meth:`auth_in_group`).
    """

    shutdown_after_quit: bool = False
    fin_wait_s: float = 0.0
    header_chunk_above: int | None = None
    early_group: EarlyGroup = "token"

    def header_chunk(self, size: int, chunking: bool) -> bool:
        """Whether a message of ``size`` bytes goes with a header chunk first."""
        limit = self.header_chunk_above
        return chunking and limit is not None and size > max(limit, HEADER_BYTES)

    def pipe_connect(self, f: Features) -> bool:
        """Whether early pipelining follows Exim's PIPE_CONNECT schedule (``early_group``)."""
        return f.early_pipelining and self.early_group == "exim"

    def auth_in_group(self, f: Features) -> bool:
        """Whether AUTH PLAIN rides in the MAIL group: ``Features.auth_in_group``, except
        under Exim's PIPE_CONNECT, which waits for the 235 (``auths/get_data.c
        auth_client_item``: ``smtp_write_command(sx, SCMD_FLUSH, "AUTH ...")`` then
        ``smtp_read_response``) whether or not it holds a token."""
        return f.auth_in_group and not self.pipe_connect(f)
