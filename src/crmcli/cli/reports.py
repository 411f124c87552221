"""crm report weekly|monthly: the report a cron job mails, in Markdown, HTML, CSV or JSON."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.options import OwnerOpt, app_context, new_app

app = new_app("Weekly and monthly reports: KPIs, pipeline, cases, activities, follow-ups.")

AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Report as if it were this moment (default now); makes a run reproducible."),
]
ReportFormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format", "-f", metavar="FORMAT", help="md, html, csv or json (default: from --output, else md)."
    ),
]
OutputOpt = Annotated[
    str | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write the report to FILE (- for stdout)."),
]


@app.command("weekly")
def report_weekly(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    fmt: ReportFormatOpt = None,
    output: OutputOpt = None,
    owner: OwnerOpt = None,
) -> None:
    """The last complete week before --as-of, against the week before it."""
    _report(ctx, "weekly", as_of, fmt, output, owner)


@app.command("monthly")
def report_monthly(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    fmt: ReportFormatOpt = None,
    output: OutputOpt = None,
    owner: OwnerOpt = None,
) -> None:
    """The last complete month before --as-of, against the month before it."""
    _report(ctx, "monthly", as_of, fmt, output, owner)


def _report(
    ctx: typer.Context, kind: str, as_of: str | None, fmt: str | None, output: str | None, owner: str | None
) -> None:
    import sys

    from crmcli.render.reports import render_report, report_format
    from crmcli.services.reports import build_report

    context = app_context(ctx)
    session = context.session
    chosen = report_format(fmt, output)
    moment = session.now
    if as_of is not None:
        from crmcli.dates import parse_when

        moment = parse_when(as_of, now=session.now, tz=session.tz, week_start=session.config.week_start)
    report = build_report(session, kind, moment, owner=owner)
    text = render_report(report, chosen)
    if output is None or output == "-":
        context.out.stdout.write(text)
        return
    from crmcli.io.writers import destination

    # Written as every export is: a missing folder (a typo, in a cron job) is refused rather
    # than made, as are a folder and a database given for the file, and a report replaces
    # the previous one whole or not at all.
    with destination(output) as stream:
        stream.write(text)
    if sys.stderr.isatty():  # cron mails whatever a job prints: say nothing when nobody is there
        context.out.note(f"Wrote the {kind} report for {report['period']['label']} to {output}.")
