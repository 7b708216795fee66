"""The SimPy models of one run, layer over layer, each talking only to the one below:

* ``wire``: a link direction (serialization FIFO, loss, delay, jitter) and a path; the
  cellular radio;
* ``tcp``: endpoints and connections as Linux runs them, seen by applications through a
  ``Socket`` of whole records;
* ``tls``: the handshakes and the record layer, over a socket;
* ``smtp`` (``client``, ``server``, ``messages``) and ``imap``: the applications,
  exchanging the real text of ``smtpsim.model.text``;
* ``frontend`` and ``farm``: the provider's submission hosts, ``client_state``: what a
  client remembers between connections;
* ``run``: builds one run from a ``Case`` and runs it (``run_session``, ``run_messages``);
  ``accounting`` and ``tracing`` fill the records and the trace.

It reads only ``smtpsim.model``; it never reads files or prints.
"""
