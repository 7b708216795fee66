"""The submission client's side of SMTP (``SmtpClient``), built from one module per concept:
``session`` (the session and its lifecycle), ``dialogue`` (sending, waiting, accounting),
``standard``, ``quickstart``, ``early_pipelining`` and Exim's ``pipe_connect`` (the starts),
``speculative`` (groups sent on a cached token), ``envelope`` (MAIL, RCPT, DATA/BDAT/BURL,
QUIT), ``tls``, ``auth``, ``burl`` (send-and-save and BURL's URL), ``caches`` (tickets,
cookies, tokens)."""

from smtpsim.simulator.smtp.client.session import SmtpClient

__all__ = ["SmtpClient"]
