"""README's two commands exist, and .ci/run runs the README's test command verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    first_section = readme.split("## What it models")[0]
    return re.findall(r"```sh\n(.+?)\n```", first_section)


def test_readme_starts_with_the_run_and_test_commands() -> None:
    run, test = _commands()[:2]
    assert run.endswith("smtpsim run")
    assert test.endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test = _commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci_lines
