"""crm kpi: the KPIs of a period, each with the previous period's value and the change."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.options import FormatOpt, JsonOpt, OwnerOpt, app_context, new_app, output_format

app = new_app("KPIs for a period, compared with the period before.")

CSV_COLUMNS = ("key", "label", "group", "unit", "value", "previous", "change", "change_ratio",
               "numerator", "denominator")  # fmt: skip


@app.command("kpi")
def kpi(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            "-p",
            help='"last 30 days" (default), "this week", "last month", "2026-Q3", "2026-10", "2026", '
            '"since 2026-01-01" …',
        ),
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="The first day (a date or words).")] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="The first day left out (exclusive); default: after today.")
    ] = None,
    owner: OwnerOpt = None,
    pipeline: Annotated[
        str | None, typer.Option("--pipeline", help="Only deals of this pipeline (deal KPIs).")
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare/--no-compare", help="Show the previous period and the change.")
    ] = True,
    json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Show the KPIs of a period (default the last 30 days) against the period before."""
    from crmcli.services import periods
    from crmcli.services.kpis import kpi_report

    context = app_context(ctx)
    chosen = output_format(json, fmt)
    session = context.session
    span = periods.chosen(period, since, until, now=session.now, tz=session.tz,
                          week_start=context.config.week_start)  # fmt: skip
    assert span is not None  # a default period is always given
    report = kpi_report(session, span, owner=owner, pipeline=pipeline, compare=compare)
    render(context, report, chosen, compare)


def render(context, report, chosen: str, compare: bool) -> None:  # type: ignore[no-untyped-def]
    from crmcli.render.output import Column
    from crmcli.render.reports import json_ready, kpi_csv_rows, kpi_table_rows, span

    out = context.out
    if chosen == "json":
        out.json(json_ready(report))
        return
    if chosen == "csv":
        out.csv(kpi_csv_rows(report["kpis"], CSV_COLUMNS), CSV_COLUMNS)
        return
    currency = report["base_currency"]
    title = f"KPIs for {report['period']['label']} ({span(report['period'])})"
    if compare and report["previous_period"]:
        title += f", against {span(report['previous_period'])}"
    title += f"; amounts in {currency}"
    if report["owner"]:
        title += f"; owner {report['owner']}"
    if report["pipeline"]:
        title += f"; pipeline {report['pipeline']}"
    columns = [Column("kpi", "KPI"), Column("value", "Value", "right")]
    if compare:
        columns += [Column("previous", "Previous", "right"), Column("change", "Change", "right")]
    if out.tty:
        out.table(kpi_table_rows(report["kpis"], currency, compare), columns, title=title)
    else:
        out.note(title + ".")
        out.table(kpi_table_rows(report["kpis"], currency, compare), columns)
