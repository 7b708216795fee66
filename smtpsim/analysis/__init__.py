"""What the results mean: summaries of the per-message DataFrame (``summary``, pandas) and
the ladder diagram of one session (``ladder``, standard library only) and the session as
a pcap file (``pcap``, dpkt). Import the module you need; this package imports none of
them."""
