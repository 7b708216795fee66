"""What the results mean: summaries of the per-message DataFrame (``summary``, the CLI's
table; ``statistics``, with confidence intervals and paired comparisons; ``phases``, where
the time goes; ``breakeven``, where a variant starts to pay along an axis; ``caches``, cache
hit rates; pandas), the ladder diagram of one session (``ladder``, standard library only)
with its waits and phases (``timeline``), and the session as a pcap file (``pcap``, dpkt).
Import the module you need; this package imports none of them."""
