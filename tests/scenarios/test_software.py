"""Implementation profiles (``data/software.toml``, ``smtpsim.scenarios.software``): what a
client or server program sets in the case, which variants it refuses, and that every
behaviour and figure cites its source."""

from __future__ import annotations

import pytest

from smtpsim import api
from smtpsim.model import PathConfig, TlsConfig
from smtpsim.scenarios.cases import build_cases
from smtpsim.scenarios.errors import ScenarioError
from smtpsim.scenarios.loader import loads
from smtpsim.scenarios.servers import get_server_timing
from smtpsim.scenarios.software import (
    CLIENT_SOFTWARE,
    CLIENT_SOURCES,
    SERVER_SOFTWARE,
    SERVER_SOURCES,
    software_refusals,
)
from smtpsim.scenarios.variants import parse_variant

HEAD = '[scenario]\nname = "s"\n[[profile]]\npreset = "dsl"\n'
LOCKSTEP_13 = "rfc5321+tls1.3+auth-plain"  # what smtplib can do: no pipelining


def _case(variant: str = LOCKSTEP_13, client: str | None = None, server: str | None = None):
    (case,) = api.build_cases("dsl", variant=variant, client=client, server=server)
    return case


def test_every_program_cites_its_sources() -> None:
    for name, c in CLIENT_SOFTWARE.items():
        assert c.source.strip() and c.description.strip(), name
        for rule in c.allowed:
            assert rule.why.strip() and "\n" not in rule.why, (name, rule.field)
        for figure in CLIENT_SOURCES[name].values():
            assert "measured: " in figure, (name, figure)
    for name, s in SERVER_SOFTWARE.items():
        assert s.source.strip() and s.timing == name, name
        for key, why in SERVER_SOURCES[name].items():
            assert why.split(": ", 1)[1].strip(), (name, key)
        for rule in s.allowed:
            assert rule.why.strip(), (name, rule.field)
    assert list(CLIENT_SOFTWARE)[0] == "generic" and not CLIENT_SOFTWARE["generic"].allowed


def test_the_generic_client_keeps_the_variants_behaviour() -> None:
    generic = _case("baseline+nagle-per-command")
    assert generic.client.software == "generic"
    assert generic.client.features == parse_variant("baseline+nagle-per-command")
    assert generic.client.tls_setup_s == 0.0


def test_smtplib_writes_per_command_with_nagle_and_its_measured_tls_cpu() -> None:
    """CPython Lib/smtplib.py: one sendall() per command, no TCP_NODELAY; the figures are
    data/software.toml's measured ones (0.65 ms context, 0.654 ms to the Finished)."""
    case = _case(LOCKSTEP_13 + "+nodelay", client="smtplib")
    f = case.client.features
    assert (f.writes, f.nagle) == ("per-command", True)  # the program's socket, not nodelay
    assert case.client.software == "smtplib"
    assert case.client.tls_setup_s == pytest.approx(0.00065)
    assert case.server.tls.client_cpu_s == pytest.approx(0.000654)


@pytest.mark.parametrize(("client", "server", "variant", "named"), [
    ("smtplib", None, "baseline", "smtplib cannot do pipelining=True"),
    ("swaks", None, "baseline+auth-pipelined", "swaks cannot do auth_pipelined=True"),
    ("smtplib", None, LOCKSTEP_13 + "+quit-async", "smtplib cannot do quit='async'"),
    ("generic", "aiosmtpd", "baseline", "aiosmtpd cannot do pipelining=True"),
    ("generic", "postfix", "burl", "postfix cannot do burl=True"),
    ("generic", "exim", "baseline+resumption+tls1.3", "exim cannot do resumption=True"),
])
def test_a_variant_a_program_cannot_do_is_refused_in_one_line(
    client: str, server: str | None, variant: str, named: str
) -> None:
    """Issue 9 §4: pipelining with smtplib, auth-pipelined with swaks, ... refused with a
    one-line error naming the program and the feature (and the variant)."""
    text = HEAD + f'[[variant]]\nname = "v"\nfeatures = {variant.split("+")!r}\n'.replace(
        "'", '"') + f'[client]\nsoftware = "{client}"\n'
    if server:
        text += f'[server]\nsoftware = "{server}"\n'
    with pytest.raises(ScenarioError) as info:
        loads(text, "study.toml")
    message = str(info.value)
    assert message.startswith("study.toml: variant[0]: bad value")
    assert named in message and "\n" not in message
    assert software_refusals(parse_variant(variant), client, server)


def test_a_refusal_from_the_command_line_options_names_the_option() -> None:
    with pytest.raises(ValueError, match=r"--variant.*smtplib cannot do pipelining=True"):
        api.build_cases("dsl", variant="baseline", client="smtplib")


def test_a_server_program_sets_its_behaviour_and_measured_timing() -> None:
    """Postfix (tls_server_init: one ticket; smtpd never sets TCP_NODELAY; replies buffered
    per group) with its measured timing preset of the same name."""
    case = _case("baseline", server="postfix")
    s = case.server
    assert (s.name, s.nagle, s.reply_writes) == ("postfix", True, "group")
    assert (s.tls.tickets_13, s.tls.server_flight) == (1, 2418)
    assert s.tls.server_cpu_s == pytest.approx(0.000578)
    assert s.timing == get_server_timing("postfix")
    aio = _case(LOCKSTEP_13, server="aiosmtpd").server
    assert (aio.nagle, aio.reply_writes, aio.tls.tickets_13) == (False, "line", 2)
    exim = _case("baseline", server="exim").server
    assert exim.tls.tickets_13 == 0 and exim.timing.quit == pytest.approx(0.000160)


def test_the_server_programs_ehlo_quit_and_imap_tickets() -> None:
    """Each program's own EHLO reply (``Server.ehlo``); Exim 4.96 smtp_quit_handler's
    ``poll_one_fd(fileno(smtp_in), POLLIN, 200)``: 200 ms for the client's FIN, the others
    close at once; Dovecot's IMAP server keeps OpenSSL's two TLS 1.3 tickets (ssl_lib.c
    ``num_tickets = 2``), the programs without an IMAP server leave the generic one's none."""
    got = {name: (c.server.ehlo, c.server.quit_linger_s, c.server.imap_tickets_13)
           for name in ("postfix", "exim", "aiosmtpd", "dovecot")
           for c in [_case(LOCKSTEP_13, server=name)]}
    assert got == {"postfix": ("postfix", 0.0, 0), "exim": ("exim", 0.2, 0),
                   "aiosmtpd": ("aiosmtpd", 0.0, 0), "dovecot": ("dovecot", 0.0, 2)}
    assert _case("baseline").server.ehlo == "generic"


def test_aiosmtpd_refuses_scram() -> None:
    """aiosmtpd's built-in mechanisms are auth_LOGIN and auth_PLAIN (EHLO: AUTH LOGIN PLAIN)."""
    assert software_refusals(parse_variant("rfc5321+tls1.3+auth-scram"), server="aiosmtpd") \
        == ["aiosmtpd cannot do auth='scram': SMTP's built-in mechanisms are auth_LOGIN and"
            " auth_PLAIN (EHLO: AUTH LOGIN PLAIN)"]


def test_a_timing_given_with_a_server_program_is_kept() -> None:
    scenario = loads(HEAD + '[[variant]]\npreset = "baseline"\n'
                     '[server]\nsoftware = "postfix"\ntiming = "ideal"\n')
    (case,) = build_cases(scenario)
    assert case.server.name == "postfix+ideal" and case.server.nagle
    assert case.server.timing == get_server_timing("ideal")


def test_dovecot_fetches_the_submitting_users_url_locally() -> None:
    """lib-imap-urlauth imap_urlauth_fetch_url: the same user's URL is fetched inside the
    submission process: no data-centre path, no new IMAP login."""
    case = _case("burl", server="dovecot")
    assert case.server.dc_path == PathConfig.symmetric_rtt(0.0, 1e12, 1e12)
    assert case.server.burl_pooled
    typical = _case("burl")
    assert typical.server.dc_path != case.server.dc_path
    assert typical.server.tls == TlsConfig()


def test_the_records_name_the_client_and_server_programs() -> None:
    df = api.simulate("lan", variant=LOCKSTEP_13, client="smtplib", server="aiosmtpd")
    assert list(df["server"]) == ["aiosmtpd"] and list(df["software"]) == ["smtplib"]
    assert list(df["outcome"]) == ["accepted"]


def test_a_software_file_naming_no_features_field_is_refused() -> None:
    from smtpsim.scenarios.documents import parse
    from smtpsim.scenarios.software import _SoftwareFile

    text = ('[clients.x]\ndescription = "d"\nsource = "s"\n'
            '[clients.x.allowed]\npipelineing = { values = [false], why = "w" }\n[servers]\n')
    with pytest.raises(ScenarioError, match=r"clients\.x\.allowed\.pipelineing.*Features field"):
        parse(text, "software.toml", _SoftwareFile)
