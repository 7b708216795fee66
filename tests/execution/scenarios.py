"""Small scenarios the execution tests share: cheap sessions, several chunks."""

from __future__ import annotations

from smtpsim.scenarios.loader import loads
from smtpsim.scenarios.schema import Scenario

#: Two profiles (one lossy, so runs differ by replication), two variants, a two-value sweep:
#: 2 x 2 x 2 = 8 cases per replication.
TEXT = """
[scenario]
name = "exec"
seed = 11
replications = 6

[[profile]]
preset = "lan"

[[profile]]
preset = "3g"
loss = 0.02

[[variant]]
preset = "baseline"

[[variant]]
preset = "streamlined-2006"

[workload]
size_bytes = 3000

[sweep]
"workload.recipients" = [1, 3]
"""


def scenario(text: str = TEXT) -> Scenario:
    return loads(text)
