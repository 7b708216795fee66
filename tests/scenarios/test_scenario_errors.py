"""Bad scenario files: each problem is one line naming the file, the key path, the bad value
and what is allowed (with a did-you-mean for unknown keys and names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpsim.scenarios.errors import ScenarioError
from smtpsim.scenarios.loader import load, loads

SCEN = '[scenario]\nname = "bad"\n'
PROF = '[[profile]]\npreset = "lte"\n'
VAR = '[[variant]]\npreset = "baseline"\n'
OK = SCEN + PROF + VAR


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        loads(text, "bad.toml")
    lines = list(info.value.problems)
    assert str(info.value) == "\n".join(lines)
    for line in lines:
        assert line.startswith("bad.toml: ") and "\n" not in line
    return lines


def _one(text: str) -> tuple[str, str]:
    """The key path and the rest of the only problem line."""
    lines = _problems(text)
    assert len(lines) == 1, lines
    _, path, rest = lines[0].split(": ", 2)
    return path, rest


# (id, file text, key path, the rest of the line exactly)
EXACT = [
    ("unknown-section", OK + "[profiles]\nx = 1\n", "profiles",
     "unknown key (did you mean 'profile'?); allowed: scenario, profile, variant, workload,"
     " client, server, output, sweep"),
    ("loss-out-of-range",
     OK + '[[profile]]\npreset = "3g"\n[[profile]]\nname = "c"\nrtt_ms = 10\nup_kbps = 1\n'
     "down_kbps = 2\nloss = 1.5\n",
     "profile[2].loss", "bad value 1.5; allowed: a number in [0, 1] (a probability)"),
    ("missing-scenario", PROF + VAR, "scenario",
     "missing; required: a table with keys name, description, seed, replications, reference,"
     " metric"),
    ("missing-name", "[scenario]\nseed = 1\n" + PROF + VAR, "scenario.name",
     "missing; required: a name of lower-case letters, digits and . - _ + (at most 128"
     " characters)"),
    ("profile-not-array", SCEN + '[profile]\npreset = "lte"\n' + VAR, "profile",
     "bad value {preset = 'lte'}; allowed: an array of one or more tables (write [[profile]])"),
    ("no-variant", SCEN + PROF, "variant",
     "missing; required: an array of one or more tables (write [[variant]])"),
    ("replications-string", SCEN + 'replications = "10"\n' + PROF + VAR,
     "scenario.replications", "bad value '10'; allowed: a whole number in [1, 1000000]"),
    ("replications-zero", SCEN + "replications = 0\n" + PROF + VAR,
     "scenario.replications", "bad value 0; allowed: a whole number in [1, 1000000]"),
    ("seed-float", SCEN + "seed = 1.5\n" + PROF + VAR, "scenario.seed",
     "bad value 1.5; allowed: a whole number in [0, 9223372036854775807]"),
    ("rtt-and-delay", SCEN + PROF + "rtt_ms = 50\ndelay_up_ms = 10\n" + VAR,
     "profile[0].delay_up_ms",
     "bad value 10; allowed: no one-way delay together with rtt_ms: give rtt_ms, or"
     " delay_up_ms and delay_down_ms"),
    ("inline-missing-rate",
     SCEN + '[[profile]]\nname = "c"\nrtt_ms = 10\nup_kbps = 3\n' + VAR,
     "profile[0].down_kbps", "missing; required: a number (kbit/s; required without a preset)"),
    ("inline-without-name", SCEN + "[[profile]]\nrtt_ms = 10\nup_kbps = 3\ndown_kbps = 3\n" + VAR,
     "profile[0].name", "missing; required: a name (required for a profile without a preset)"),
    ("loss-and-burst", SCEN + PROF + "loss = 0.1\nburst = {p_gb = 0.1, p_bg = 0.5}\n" + VAR,
     "profile[0].burst",
     "bad value {p_gb = 0.1, p_bg = 0.5, loss_good = 0, loss_bad = 1}; allowed: loss"
     " (independent) or burst (Gilbert-Elliott), not both"),
    ("burst-p-bg-zero", SCEN + PROF + "burst = {p_gb = 0.1, p_bg = 0}\n" + VAR,
     "profile[0].burst.p_bg", "bad value 0; allowed: a number in (0, 1] (a probability)"),
    ("mss-not-whole", SCEN + PROF + "mss = 1448.5\n" + VAR, "profile[0].mss",
     "bad value 1448.5; allowed: a whole number in [64, 65495] (bytes)"),
    ("iw-boolean", SCEN + PROF + "iw = true\n" + VAR, "profile[0].iw",
     "bad value true; allowed: a whole number in [1, 1000] (segments)"),
    ("delack-too-long", SCEN + PROF + "delack_ms = 600\n" + VAR, "profile[0].delack_ms",
     "bad value 600; allowed: a number in (0, 500] (ms, delayed-ACK timer, RFC 1122)"),
    ("unknown-congestion", SCEN + PROF + 'congestion = "bbr"\n' + VAR,
     "profile[0].congestion",
     "bad value 'bbr'; allowed: one of cubic, newreno (TCP congestion control)"),
    ("hystart-with-newreno", SCEN + PROF + 'congestion = "newreno"\nhystart = true\n' + VAR,
     "profile[0].hystart",
     "bad value true; allowed: congestion = \"cubic\" for hystart (HyStart is CUBIC's slow"
     " start, Linux tcp_cubic; NewReno has none)"),
    ("hystart-not-a-flag", SCEN + PROF + "hystart = 1\n" + VAR, "profile[0].hystart",
     "bad value 1; allowed: true or false"),
    ("sack-not-a-flag", SCEN + PROF + 'sack = "yes"\n' + VAR, "profile[0].sack",
     "bad value 'yes'; allowed: true or false"),
    ("radio-without-tail",
     SCEN + '[[profile]]\npreset = "dsl"\nradio_promotion_ms = 200\n' + VAR,
     "profile[0].radio_tail_ms",
     "bad value 0; allowed: a number > 0 (ms): a radio with a promotion delay needs a tail"),
    ("conflicting-features",
     SCEN + PROF + '[[variant]]\nname = "v"\nfeatures = ["helo", "pipelining"]\n',
     "variant[0].features",
     "bad value ['helo', 'pipelining']; allowed: tokens that work together; here variant"
     " 'helo+pipelining': 'helo' conflicts with 'pipelining': PIPELINING, CHUNKING, STARTTLS"
     " and AUTH are negotiated in the EHLO reply (RFC 5321 §4.1.1.1, RFC 1869)"),
    ("features-without-name", SCEN + PROF + '[[variant]]\nfeatures = ["baseline"]\n',
     "variant[0].name", "missing; required: a name (required with features)"),
    ("preset-and-features",
     SCEN + PROF + '[[variant]]\npreset = "baseline"\nfeatures = ["tls1.3"]\n',
     "variant[0].features",
     "bad value ['tls1.3']; allowed: a preset, or a name with a features list (not both)"),
    ("dist-kind-typo", OK + '[workload]\nsize_bytes = {dist = "lognorm", median = 1}\n',
     "workload.size_bytes.dist",
     "bad value 'lognorm' (did you mean 'lognormal'?); allowed: one of fixed, exponential,"
     " lognormal, uniform, empirical"),
    ("dist-without-kind", OK + "[workload]\ngap_s = {mean = 10}\n", "workload.gap_s.dist",
     "missing; required: one of fixed, exponential, lognormal, uniform, empirical"),
    ("dist-missing-param", OK + '[workload]\nsize_bytes = {dist = "lognormal", median = 1000}\n',
     "workload.size_bytes.sigma",
     "missing; required: a number in [0, 10] (standard deviation of the log)"),
    ("dist-unknown-param",
     OK + '[workload]\nsize_bytes = {dist = "lognormal", median = 1000, sigma = 1, men = 2}\n',
     "workload.size_bytes.men",
     "unknown key (did you mean 'median'?); allowed: dist, median, sigma"),
    ("size-not-whole", OK + "[workload]\nsize_bytes = 10.5\n", "workload.size_bytes.value",
     "bad value 10.5; allowed: a whole number >= 1 (bytes)"),
    ("recipients-unbounded",
     OK + '[workload]\nrecipients = {dist = "lognormal", median = 2, sigma = 1}\n',
     "workload.recipients.dist",
     "bad value 'lognormal'; allowed: one of fixed, uniform, empirical (recipients must stay"
     " in [1, 1000])"),
    ("empirical-decreasing",
     OK + '[workload]\nsize_bytes = {dist = "empirical", quantiles = [[0, 10], [0.5, 5],'
     " [1, 100]]}\n",
     "workload.size_bytes.quantiles[1][1]", "bad value 5; allowed: a value >= 10 (non-decreasing)"),
    ("empirical-first-p",
     OK + '[workload]\ngap_s = {dist = "empirical", quantiles = [[0.1, 1], [1, 2]]}\n',
     "workload.gap_s.quantiles[0][0]", "bad value 0.1; allowed: 0 (the first row is p = 0)"),
    ("uniform-reversed", OK + '[workload]\ngap_s = {dist = "uniform", low = 5, high = 1}\n',
     "workload.gap_s.high", "bad value 1; allowed: a number >= low (5)"),
    ("state-typo", OK + '[workload]\nstate = "wram"\n', "workload.state",
     "bad value 'wram' (did you mean 'warm'?); allowed: one of cold, warm (client caches)"),
    ("arrival-without-sessions", OK + "[workload]\narrival_rate_per_s = 2\n",
     "workload.arrival_sessions",
     "missing; required: arrival_rate_per_s and arrival_sessions together"),
    ("arrival-with-messages",
     OK + "[workload]\narrival_rate_per_s = 2\narrival_sessions = 10\nmessages = 3\n",
     "workload.messages",
     "bad value 3; allowed: 1 (open-loop arrivals are one-message clients; drop the key)"),
    ("timing-preset", OK + '[server]\ntiming = "fast"\n', "server.timing",
     "bad value 'fast'; allowed: one of ideal, typical, postfix, exim, aiosmtpd, dovecot"
     " (server timing presets)"),
    ("timing-command-typo", OK + "[server.timing_ms]\nrcp = 3\n", "server.timing_ms.rcp",
     "unknown key (did you mean 'rcpt'?); allowed: greeting, ehlo, starttls, auth, mail, rcpt,"
     " data, end_of_data, quit, imap_append, imap_genurlauth, imap_urlfetch, imap_auth"),
    ("timing-negative", OK + "[server.timing_ms]\nrcpt = -1\n", "server.timing_ms.rcpt.value",
     "bad value -1; allowed: a number >= 0"),
    ("workers-zero", OK + "[server]\nworkers = 0\n", "server.workers",
     "bad value 0; allowed: a whole number in [1, 100000] (per front-end)"),
    ("affinity", OK + "[server.farm]\naffinity = 2\n", "server.farm.affinity",
     "bad value 2; allowed: a number in [0, 1] (a probability)"),
    ("farm-key-typo", OK + "[server.farm]\nfrontend = 4\n", "server.farm.frontend",
     "unknown key (did you mean 'frontends'?); allowed: frontends, affinity, shared_tokens,"
     " shared_tfo_key, shared_ticket_key, config_changes_s, rolling_interval_s"),
    ("config-change-negative", OK + "[server.farm]\nconfig_changes_s = [10, -5]\n",
     "server.farm.config_changes_s[1]", "bad value -5; allowed: a number >= 0 (s)"),
    ("output-suffix", OK + '[output]\npath = "x.json"\n', "output.path",
     "bad value 'x.json'; allowed: a file name ending in .parquet or .csv, or a directory "
     "name (no suffix, or ending in /) for a Parquet dataset"),
    ("traces-not-bool", OK + "[output]\ntraces = 1\n", "output.traces",
     "bad value 1; allowed: true or false"),
    ("reference-typo", SCEN + 'reference = "basline"\n' + PROF + VAR, "scenario.reference",
     "bad value 'basline' (did you mean 'baseline'?); allowed: one of the variants: baseline"),
    ("metric-typo", SCEN + 'metric = "acept"\n' + PROF + VAR, "scenario.metric",
     "bad value 'acept' (did you mean 'accept'?); allowed: one of accept, done, user, occupancy"
     " (summary metrics)"),
    ("metric-column-name", SCEN + 'metric = "done_s"\n' + PROF + VAR, "scenario.metric",
     "bad value 'done_s' (did you mean 'done'?); allowed: one of accept, done, user, occupancy"
     " (summary metrics)"),
    ("metric-not-string", SCEN + "metric = 1\n" + PROF + VAR, "scenario.metric",
     "bad value 1; allowed: one of accept, done, user, occupancy (summary metrics)"),
    ("duplicate-profile", SCEN + PROF + PROF + VAR, "profile[1].name",
     "bad value 'lte'; allowed: a name not used before (also profile[0])"),
    ("sweep-value", OK + '[sweep]\n"server.farm.affinity" = [0, 1.5]\n',
     'sweep."server.farm.affinity"[1]',
     "bad value 1.5; allowed: a number in [0, 1] (a probability)"),
    ("sweep-empty", OK + '[sweep]\n"server.workers" = []\n', 'sweep."server.workers"',
     "bad value []; allowed: a non-empty array of values, or a range table {min = ..., max = ..., "
     'scale = "linear" or "log"}'),
    ("sweep-table-value", OK + '[sweep]\n"server.workers" = [1, {a = 1}]\n',
     'sweep."server.workers"[1]', "bad value {a = 1}; allowed: a number, a string or true/false"),
    ("sweep-not-a-table", "sweep = [1]\n" + OK, "sweep",
     'bad value [1]; allowed: a table of key path = [values], e.g. "server.farm.affinity" ='
     " [0, 1]"),
]


@pytest.mark.parametrize(("text", "path", "rest"), [c[1:] for c in EXACT],
                         ids=[c[0] for c in EXACT])
def test_bad_file_names_key_value_and_allowed(text: str, path: str, rest: str) -> None:
    assert _one(text) == (path, rest)


def test_at_least_twenty_distinct_bad_files() -> None:
    assert len({c[1] for c in EXACT}) >= 20
    assert len({c[2] for c in EXACT}) >= 20


def test_toml_syntax_error_has_line_and_column() -> None:
    assert _problems(SCEN + "[[profile]\npreset = 'lte'\n") == [
        "bad.toml: line 3, column 10: invalid TOML: Expected ']]' at the end of an array"
        " declaration"
    ]


def test_toml_error_at_end_of_file() -> None:
    (line,) = _problems(SCEN + 'name2 = "x')
    assert line.startswith("bad.toml: ") and "invalid TOML" in line


@pytest.mark.parametrize(
    ("text", "path", "name", "suggestion"),
    [
        (SCEN + '[[profile]]\npreset = "ltee"\n' + VAR, "profile[0].preset", "'ltee'", "'lte'"),
        (SCEN + PROF + '[[variant]]\npreset = "baselin"\n', "variant[0].preset", "'baselin'",
         "'baseline'"),
        (SCEN + PROF + '[[variant]]\nname = "v"\nfeatures = ["baseline", "tls13"]\n',
         "variant[0].features[1]", "'tls13'", "'tls1.3'"),
    ],
)
def test_unknown_names_suggest_and_list_all(
    text: str, path: str, name: str, suggestion: str
) -> None:
    got_path, rest = _one(text)
    assert got_path == path
    assert rest.startswith(f"bad value {name} (did you mean {suggestion}")
    assert "; allowed: one of " in rest


def test_unknown_key_suggests() -> None:
    path, rest = _one(SCEN + PROF + "lose = 0.1\n" + VAR)
    assert path == "profile[0].lose"
    assert rest.startswith("unknown key (did you mean 'loss'?); allowed: preset, name,")
    assert rest.endswith("radio_promotion_ms, radio_tail_ms, queue_bytes, queue_bdp,"
                         " up_queue_bytes, up_queue_bdp, down_queue_bytes, down_queue_bdp,"
                         " queue, up_queue, down_queue, up_trace, down_trace, outage")


def test_unknown_sweep_path_suggests() -> None:
    path, rest = _one(OK + '[sweep]\n"server.farm.afinity" = [0, 1]\n')
    assert path == 'sweep."server.farm.afinity"'
    assert rest.startswith("unknown key path (did you mean 'server.farm.affinity'")
    assert "allowed: design, samples, or a key path of [workload], [server] or [[profile]]" in rest
    assert "server.farm.frontends" in rest and "profile.loss" in rest


def test_every_problem_of_a_file_is_reported() -> None:
    text = (
        SCEN + "replications = 0\n" + '[[profile]]\npreset = "lte"\nloss = 2\njiter_ms = 1\n'
        + VAR + '[workload]\nstate = "hot"\n[server]\nworkers = -1\n'
    )
    paths = [line.split(": ")[1] for line in _problems(text)]
    assert paths == [
        "scenario.replications", "profile[0].loss", "profile[0].jiter_ms", "workload.state",
        "server.workers",
    ]


def test_sweep_value_on_every_profile() -> None:
    lines = _problems(OK + '[sweep]\n"profile.loss" = [0.1, 2]\n')
    assert lines == [
        'bad.toml: sweep."profile.loss"[1]: bad value 2; allowed: a number in [0, 1]'
        " (a probability)"
    ]


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load(tmp_path / "nope.toml")
    assert info.value.problems == (f"{tmp_path / 'nope.toml'}: cannot read: No such file or"
                                   " directory",)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ScenarioError) as info:
        load(binary)
    assert info.value.problems == (f"{binary}: cannot read: not UTF-8 text",)


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"bad\.toml: scenario: missing"):
        loads(PROF + VAR, "bad.toml")
