"""SMTP submission (RFC 5321, RFC 6409): the client (``client``) and the server (``server``)
exchange the commands and replies of ``messages``."""
