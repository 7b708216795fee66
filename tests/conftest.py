"""Hypothesis profiles: ``dev`` (the default) draws new examples on every run, to keep finding
what no one thought of; ``ci`` (``HYPOTHESIS_PROFILE=ci``, set by ``.ci/run``) draws the same
examples every time (``derandomize``), so that a submission lands or fails on its own merits
and a CI failure can be reproduced exactly. A failure found by a ``dev`` run becomes a
regression test with its case written out (``tests/oracle/test_simulator_issues.py``)."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("dev")
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
