"""The documents in ``docs/`` describe the code as it is.

* Every package path and name they mention exists: a path (``smtpsim/...``, ``tests/...``,
  a file or folder named relative to one mentioned before, such as ``tcp/``), a definition
  inside a file (``path.py::Name.attr``, found by parsing the file), an importable name
  (``smtpsim.x.y``), a class of the package and its attribute (``Features.nagle``), and
  every relative link. Nothing points outside the repository.
* Every table of ``docs/protocol.md`` with numbers agrees with the code: the round-trip
  tables with ``smtpsim.oracle.round_trips`` (a ``+ 40 ms`` with
  ``smtpsim.oracle.delayed_acks``) and with the oracle's times on an ideal path,
  the QUIT table with the oracle, the reuse table with the simulator, the stall and example
  tables with the oracle (the examples with HyStart off; with it on, the 1 MB rows with the
  simulator), the defaults with the model's values, the profiles with
  ``data/profiles.toml``.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import functools
import importlib
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import pytest
from cases import ideal_case, with_features

from smtpsim.model import (
    Case,
    Client,
    LinkConfig,
    Network,
    PathConfig,
    Server,
    ServerTiming,
    TcpConfig,
    TlsConfig,
    Workload,
)
from smtpsim.oracle import SlowStartEnds, delayed_acks, oracle, round_trips
from smtpsim.scenarios.profiles import builtin_profiles, get_profile
from smtpsim.scenarios.variants import PRESETS, parse_variant
from smtpsim.simulator.run import run_messages, run_session

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
PROTOCOL = ROOT / "docs" / "protocol.md"
ROOTS = ("smtpsim/", "tests/", "benchmarks/", "docs/", ".ci/")
RTT = 0.5  # the ideal path's RTT for the oracle (below the 1 s SYN timer)


# ---------------------------------------------------------------------- paths and names
def _code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def _repo_paths() -> list[str]:
    out = []
    for p in ROOT.rglob("*"):
        rel = p.relative_to(ROOT).as_posix()
        if rel.startswith((".git/", ".venv/")) or "__pycache__" in rel or ".egg-info" in rel:
            continue
        out.append(rel + ("/" if p.is_dir() else ""))
    return out


def _defines(path: Path, dotted: str) -> bool:
    """Whether ``dotted`` (``Name`` or ``Class.attr``) is defined in the file at ``path``."""
    body: list[ast.stmt] = ast.parse(path.read_text()).body
    for part in dotted.split("."):
        found = None
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            else:
                names = []
            if part in names:
                found = node
                break
        if found is None:
            return False
        body = found.body if isinstance(found, ast.ClassDef) else []
    return True


def _resolves(name: str) -> bool:
    """Whether the importable name ``smtpsim.x.y[.attr]`` exists."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if dataclasses.is_dataclass(obj) and attr in {f.name for f in dataclasses.fields(obj)}:
                obj = None  # a field of a (slotted) dataclass
                continue
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


@functools.cache
def _classes() -> dict[str, list[Path]]:
    """Every class the package defines at the top of a module, and the files defining it."""
    out: dict[str, list[Path]] = {}
    for path in sorted((ROOT / "smtpsim").rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                out.setdefault(node.name, []).append(path)
    return out


def _problems(doc: Path) -> list[str]:
    text = doc.read_text()
    repo = _repo_paths()
    bad = []
    for span in _code_spans(text):
        path, _, symbol = span.partition("::")
        if re.fullmatch(r"smtpsim(\.\w+)+", span):
            if not _resolves(span):
                bad.append(f"{span}: no such name")
            continue
        name = span.removesuffix("()")
        if re.fullmatch(r"[A-Z][a-z]+[A-Za-z0-9]*(\.\w+)?", name):
            cls, _, attr = name.partition(".")
            if hasattr(builtins, cls):
                continue
            files = _classes().get(cls, [])
            if not files or (attr and not any(_defines(f, name) for f in files)):
                bad.append(f"{span}: no such class or attribute in smtpsim")
            continue
        if not re.fullmatch(r"[\w.*/-]+", path) or not (
            "/" in path or path.endswith((".py", ".toml", ".md", ".json"))
        ):
            continue  # not a path (a variant expression, a value, a command ...)
        if path.startswith(ROOTS) or path in ("pyproject.toml", "README.md"):
            candidates = [p for p in repo if re.fullmatch(_glob(path), p)]
        else:  # named relative to a folder mentioned before it: any file of that name
            candidates = [p for p in repo if re.search("(^|/)" + _glob(path) + "$", p)]
        if not candidates:
            bad.append(f"{span}: no such path")
        elif symbol and not any(_defines(ROOT / p, symbol) for p in candidates
                                if p.endswith(".py")):
            bad.append(f"{span}: {symbol} is not defined there")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        resolved = (doc.parent / target.split("#")[0]).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            bad.append(f"link {target}: not a file of the repository")
    if re.search(r"shared/|DESIGN\.md", text):
        bad.append("refers to a file outside the repository")
    return bad


def _glob(path: str) -> str:
    return re.escape(path).replace(r"\*", "[^/]*")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_path_and_name_in_the_docs_exists(doc: Path) -> None:
    assert not _problems(doc)


def test_the_checker_finds_what_does_not_exist(tmp_path: Path) -> None:
    fake = tmp_path / "x.md"
    fake.write_text("`smtpsim/simulator/tcp/nagel.py`, `smtpsim/simulator/tcp/nagle.py::holds`,"
                    " `smtpsim.model.tcp.TcpConfig.msss`, `Features.nagel`, `tcp/nagle.py`,"
                    " [a](../elsewhere/b.md)")
    assert [line.split(":")[0] for line in _problems(fake)] == [
        "smtpsim/simulator/tcp/nagel.py", "smtpsim/simulator/tcp/nagle.py",
        "smtpsim.model.tcp.TcpConfig.msss", "Features.nagel", "link ../elsewhere/b.md"]


# ---------------------------------------------------------------------- tables
def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every Markdown table: its header cells and its rows' cells."""
    out: list[tuple[list[str], list[list[str]]]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines) - 1:
        if lines[i].startswith("|") and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1]):
            header = _cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            out.append((header, rows))
        else:
            i += 1
    return out


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _rows(header: list[str]) -> list[list[str]]:
    found = [r for h, rows in _tables(PROTOCOL.read_text()) if h == header for r in rows]
    assert found, f"no table {header} in docs/protocol.md"
    return found


def _variant(cell: str) -> str:
    m = re.fullmatch(r"`([^`]+)`", cell)
    assert m, f"{cell!r}: a variant in backticks"
    return m.group(1)


ROUND_TRIPS = ["variant", "client", "R", "IW", "greeting", "MAIL sent", "final 250"]
ROWS = _rows(ROUND_TRIPS)


def _ideal(variant: str, client: str, **kw: Any) -> Case:
    state = "cold" if client == "cold" else "warm"
    return ideal_case(variant, rtt=RTT, state=state, config_changed=client == "stale", **kw)


def _time(cell: str) -> tuple[int, float]:
    """A time cell: ``N`` round trips, or ``N + 40 ms`` (N round trips and that long more:
    a delayed-ACK timer); returns N and the seconds more."""
    m = re.fullmatch(r"(\d+)(?: \+ (\d+) ms)?", cell)
    assert m, f"{cell!r}: N or N + D ms"
    return int(m.group(1)), int(m.group(2) or 0) / 1000.0


@pytest.mark.parametrize("row", ROWS, ids=[" ".join(r[:4]) for r in ROWS])
def test_the_round_trip_tables_agree_with_the_oracle(row: list[str]) -> None:
    variant, client, r, iw, greeting, mail, accept = row
    assert client in ("cold", "warm", "stale")
    v, n = _variant(variant), int(r)
    kw: dict[str, Any] = dict(iw=int(iw), state="cold" if client == "cold" else "warm",
                              config_changed=client == "stale")
    rtts, more = _time(accept)
    expected = round_trips(parse_variant(v), n, **kw)
    assert rtts == expected, f"{v} {client}: round_trips gives {expected}"
    timers = delayed_acks(parse_variant(v), n, **kw)
    assert more == pytest.approx(timers * TcpConfig().delack_s), f"{v}: {timers} timers"
    result = oracle(_ideal(v, client, recipients=n, iw=int(iw)))
    # in RTT; a BURL fetch adds its 1 ms data-centre round trip (0.002 RTT here)
    for got, cell in ((result.accept_s, accept), (result.greeting_s, greeting),
                      (result.mail_s, mail)):
        whole, extra = _time(cell)
        assert (got - extra) / RTT == pytest.approx(float(whole), abs=0.01)


def test_the_round_trip_tables_cover_every_preset_cold_and_warm() -> None:
    shown = {(_variant(r[0]), r[1]) for r in ROWS}
    assert {(p, c) for p in PRESETS for c in ("cold", "warm")} <= shown
    assert len(ROWS) >= 100


def test_a_wrong_number_fails() -> None:
    with pytest.raises(AssertionError):
        test_the_round_trip_tables_agree_with_the_oracle(
            ["`baseline`", "cold", "1", "10", "2", "8", "9"])


QUIT = ["variant", "client", "final 250", "user told", "closed"]


@pytest.mark.parametrize("row", _rows(QUIT), ids=lambda r: " ".join(r[:2]))
def test_the_quit_table_agrees_with_the_oracle(row: list[str]) -> None:
    variant, client, accept, user, closed = row
    result = oracle(_ideal(_variant(variant), client))
    assert result.accept_s / RTT == pytest.approx(float(accept), abs=0.01)
    assert result.user_s / RTT == pytest.approx(float(user), abs=0.01)
    if closed == "—":
        assert math.isnan(result.close_s)
    else:
        assert result.close_s / RTT == pytest.approx(float(closed), abs=0.01)


REUSE = ["variant", "client", "message 1", "message 2", "message 3"]


@pytest.mark.parametrize("row", _rows(REUSE), ids=lambda r: " ".join(r[:2]))
def test_the_reuse_table_agrees_with_the_simulator(row: list[str]) -> None:
    variant, client, *accepts = row
    case = ideal_case(_variant(variant), rtt=RTT, state=client, messages=3, gap_s=30.0)
    records, _ = run_messages(case, seed=1)
    assert [r.accept_s / RTT for r in records] == pytest.approx(
        [float(a) for a in accepts], abs=0.01)


STALLS = ["variant", "coalesced writes", "one write per command, Nagle on"]


@pytest.mark.parametrize("row", _rows(STALLS), ids=lambda r: r[0])
def test_the_stall_table_agrees_with_the_oracle(row: list[str]) -> None:
    variant, coalesced, per_command = row
    case = ideal_case(_variant(variant))  # RTT 1 s: seconds are RTTs
    assert oracle(case).accept_s == pytest.approx(float(coalesced), abs=5e-4)
    stalled = with_features(case, writes="per-command", nagle=True)
    assert oracle(stalled).accept_s == pytest.approx(float(per_command), abs=5e-4)


EXAMPLES = ["profile", "variant", "client", "size (B)", "server", "IW",
            "round trips × RTT (ms)", "oracle (ms)", "timeout possible"]


def _example(name: str, variant: str, client: str, size: str, server: str, iw: str,
             hystart: bool) -> Case:
    """The lossless version of the built-in profile ``name`` (loss, jitter and the radio
    removed) with the row's variant, client, size, server and IW; CUBIC's HyStart on or
    off (``TcpConfig.hystart``)."""
    profile = get_profile(name)
    up_ms, down_ms = profile.delays_ms()
    path = PathConfig(LinkConfig(up_ms / 1000.0, profile.up_kbps * 1000.0),  # lossless
                      LinkConfig(down_ms / 1000.0, profile.down_kbps * 1000.0))
    tcp = TcpConfig(iw=int(iw), hystart=hystart)
    if profile.mss is not None:
        tcp = replace(tcp, mss=profile.mss)
    if server == "ideal":
        srv = Server("ideal", ServerTiming.ideal(),
                     TlsConfig(server_cpu_s=0.0, client_cpu_s=0.0, resumed_cpu_s=0.0), tcp)
    else:
        assert server == "typical"
        srv = Server("typical", ServerTiming.typical(), TlsConfig(), tcp)
    v = _variant(variant)
    state: Literal["cold", "warm"] = "warm" if client == "warm" else "cold"
    assert client == state
    return Case(Network(path, name), Client(parse_variant(v), v, state, tcp), srv,
                Workload(int(size), 1))


@pytest.mark.parametrize("row", _rows(EXAMPLES), ids=lambda r: " ".join(r[:6]))
def test_the_real_path_examples_agree_with_the_oracle(row: list[str]) -> None:
    """With HyStart off, as the document says: the oracle stops where HyStart ends slow
    start (``SlowStartEnds``), which it does for the 1 MB bodies."""
    name, variant, client, size, server, iw, ideal_ms, oracle_ms, rto = row
    case = _example(name, variant, client, size, server, iw, hystart=False)
    n = round_trips(case.client.features, 1, iw=int(iw), state=case.client.state)
    assert n * get_profile(name).round_trip_ms == pytest.approx(float(ideal_ms), abs=0.05)
    result = oracle(case)
    assert result.accept_s * 1000 == pytest.approx(float(oracle_ms), abs=0.05)
    assert result.rto_possible == (rto == "yes")


HYSTART = ["profile", "variant", "client", "size (B)", "server", "IW",
           "oracle, HyStart off (ms)", "simulator, HyStart on (ms)"]


@pytest.mark.parametrize("row", _rows(HYSTART), ids=lambda r: " ".join(r[:6]))
def test_the_hystart_examples_agree_with_the_simulator(row: list[str]) -> None:
    """The same path with CUBIC's HyStart on (the default): the oracle stops where it ends
    slow start (``SlowStartEnds``), the simulator (seed 0; lossless, so every seed gives
    the same) goes on with CUBIC's congestion avoidance; HyStart off, the oracle's time is
    the examples table's."""
    *what, off_ms, on_ms = row
    with pytest.raises(SlowStartEnds):
        oracle(_example(*what, hystart=True))
    assert oracle(_example(*what, hystart=False)).accept_s * 1000 == pytest.approx(
        float(off_ms), abs=0.05)
    record, _ = run_session(_example(*what, hystart=True), seed=0)
    assert record.outcome == "accepted"
    assert record.accept_s * 1000 == pytest.approx(float(on_ms), abs=0.05)


def test_the_hystart_examples_are_the_1_mb_rows() -> None:
    """Every 1 MB row of the examples table, where HyStart acts, and its oracle time."""
    examples = [r[:6] + [r[7]] for r in _rows(EXAMPLES) if r[3] == "1000000"]
    assert examples
    assert [r[:7] for r in _rows(HYSTART)] == examples


DEFAULTS = ["default", "value", "where", "source"]
_UNITS = {"B": 1.0, "segments": 1.0, "s": 1.0, "ms": 1e-3, "h": 3600.0, "": 1.0}


def _default(name: str) -> Any:
    module, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except ImportError:  # a field of a dataclass: its default
        module, _, cls = module.rpartition(".")
        owner = getattr(importlib.import_module(module), cls)
        return next(f.default for f in dataclasses.fields(owner) if f.name == attr)


@pytest.mark.parametrize("row", _rows(DEFAULTS), ids=lambda r: r[0])
def test_the_defaults_tables_agree_with_the_model(row: list[str]) -> None:
    _what, value, where, _source = row
    actual = _default(_variant(where))
    numbers = [float(n) * _UNITS[u] for n, u in
               re.findall(r"(\d+(?:\.\d+)?)\s*(B|segments|ms|s|h|)(?![\w/])", value)]
    assert numbers, f"{value!r}: no number"
    if isinstance(actual, dict | tuple):  # a table of values, or (min, default, max)
        values = actual.values() if isinstance(actual, dict) else actual
        assert sorted(numbers) == pytest.approx(sorted(values))
    else:
        assert numbers[0] == pytest.approx(actual)


PROFILES = ["profile", "RTT (ms)", "down (kbit/s)", "up (kbit/s)", "loss", "jitter (ms)",
            "radio promotion (ms)", "radio tail (ms)", "sources"]


def test_the_profile_table_agrees_with_the_built_in_profiles() -> None:
    rows = _rows(PROFILES)
    profiles = builtin_profiles()
    assert [r[0] for r in rows] == list(profiles)
    for name, rtt, down, up, loss, jitter, promotion, tail, _sources in rows:
        p = profiles[name]
        shown = [float(x) for x in (rtt, down, up, loss, jitter, promotion, tail)]
        actual = [p.round_trip_ms, p.down_kbps, p.up_kbps, p.loss, p.jitter_ms,
                  p.radio_promotion_ms, p.radio_tail_ms]
        assert shown == pytest.approx(actual), name
