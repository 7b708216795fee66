"""The client's SMTP script: what it writes and waits for, step by step, and what the server
does with each record (RFC 5321, 2920, 3030, 3207, 4954, 8314; draft-fanf-smtp-quickstart-01;
draft-harris-early-pipe).

* ``lines``: the command and reply lines and their sizes (from ``smtpsim.model.text``).
* ``script``: the builder and its building blocks.
* ``tls``: the TLS handshake's steps and what rides with them.
* ``envelope``: the MAIL group, AUTH, lock-step, the content and QUIT.
* ``flows``: the standard, implicit-TLS, QUICKSTART and early-pipelining starts; ``build``.
"""
