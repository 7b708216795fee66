"""``smtpsim trace``: one session, as a ladder diagram of its packets (text), and on request
as a pcap file (``--pcap``) and as a picture (``--plot``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from smtpsim.cli.app import app
from smtpsim.cli.errors import fail, user_errors
from smtpsim.cli.figure_files import check_figure_path, save_figure
from smtpsim.cli.options import (
    ClientOpt,
    DelackOpt,
    DownOpt,
    IwOpt,
    LossOpt,
    ProfileOpt,
    RcptOpt,
    RttOpt,
    SeedOpt,
    ServerOpt,
    SizeOpt,
    StateOpt,
    UpOpt,
    VariantOpt,
    WidthOpt,
    given,
)

__all__ = ["trace"]


@app.command()
def trace(
    profile: ProfileOpt = None,
    rtt_ms: RttOpt = None,
    up_kbps: UpOpt = None,
    down_kbps: DownOpt = None,
    loss: LossOpt = None,
    variant: VariantOpt = None,
    size: SizeOpt = None,
    recipients: RcptOpt = None,
    iw: IwOpt = None,
    delack_ms: DelackOpt = None,
    server: ServerOpt = None,
    client: ClientOpt = None,
    state: StateOpt = None,
    seed: SeedOpt = None,
    width: WidthOpt = None,
    pcap: Annotated[Path | None, typer.Option(
        "--pcap", metavar="FILE",
        help="also write the session as a pcap file (a capture on the client host), for"
             " Wireshark")] = None,
    plot: Annotated[Path | None, typer.Option(
        "--plot", metavar="FILE",
        help="also draw the ladder as a picture: a .png, .svg or .pdf file")] = None,
) -> None:
    """Simulate one session and print its ladder diagram, one line per packet; with --pcap,
    also write it as a pcap file; with --plot, also draw it as a picture."""
    if plot is not None:
        check_figure_path(plot, "--plot")
    case = given(
        profile=profile, rtt_ms=rtt_ms, up_kbps=up_kbps, down_kbps=down_kbps, loss=loss,
        variant=variant, size=size, recipients=recipients, iw=iw, delack_ms=delack_ms,
        server=server, client=client, state=state, seed=seed,
    )
    console = Console(soft_wrap=True, highlight=False)
    if width is None:
        width = max(100, console.width) if console.is_terminal else 100
    from smtpsim import api
    from smtpsim.analysis.ladder import ladder_lines
    from smtpsim.cli.views import ladder_text

    with user_errors():
        session = api.trace(**case)
        lines = ladder_lines(session, width=width)
    if pcap is not None:
        try:
            api.write_pcap(session, pcap)
        except OSError as exc:
            fail(f"--pcap: cannot write {pcap}: {exc.strerror}")
    for text in ladder_text(lines):
        console.print(text)
    if plot is not None:
        from smtpsim.plots import ladder

        save_figure(ladder(session), plot, "--plot")
        typer.echo(f"wrote {plot}", err=True)
