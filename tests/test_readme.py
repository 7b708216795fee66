"""README's examples work: the two commands at the top exist and .ci/run runs the test command
verbatim; every fenced ``python`` block runs; every ``smtpsim ...`` line of the ``sh`` blocks
exits 0 through the CLI, a scenario file the README does not ship being its own TOML block."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smtpsim.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(language: str, text: str = README) -> list[str]:
    return re.findall(rf"```{language}\n(.+?)\n```", text, flags=re.DOTALL)


def _commands() -> list[str]:
    first_section = README.split("## What it models")[0]
    return _blocks("sh", first_section)


#: The two install commands at the top: checked against .ci/run below, not run here.
INSTALL = _commands()[:2]


def _cli_lines() -> list[list[str]]:
    """Every command line of the README's other ``sh`` blocks, continuation lines joined and
    comments left out, as argument lists."""
    lines = []
    for block in _blocks("sh"):
        if block in INSTALL:
            continue
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                lines.append(words)
    return lines


def test_readme_starts_with_the_run_and_test_commands() -> None:
    run, test = INSTALL
    assert run.endswith("smtpsim run")
    assert test.endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test = INSTALL[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci_lines


def test_the_readme_shows_commands_python_and_a_scenario() -> None:
    assert len(_cli_lines()) >= 10
    assert all(words[0] == "smtpsim" for words in _cli_lines())
    assert len(_blocks("python")) >= 2
    assert len(_blocks("toml")) == 1


@pytest.mark.parametrize("words", _cli_lines(), ids=" ".join)
def test_readme_command_exits_0(
    words: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in an empty directory; a ``*.toml`` the README names but does not ship is the
    README's own scenario (its TOML block)."""
    monkeypatch.chdir(tmp_path)
    for arg in words[1:]:
        if arg.endswith(".toml") and not (ROOT / arg).exists():
            (tmp_path / arg).write_text(_blocks("toml")[0] + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, words[1:], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_readme_python_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``python`` blocks in order, in one namespace, as a notebook would run them."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme"}
    for i, block in enumerate(_blocks("python")):
        exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
