"""What the results mean: summaries of the per-message DataFrame (``summary``, pandas) and
the ladder diagram of one session (``ladder``, standard library only). Import the module
you need; this package imports neither."""
