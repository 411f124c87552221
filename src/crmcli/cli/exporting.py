"""crm export …: records as CSV (that crm import reads back) or JSON, and contacts as vCards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.options import (
    FieldFilterOpt,
    OwnerOpt,
    TagOpt,
    app_context,
    new_app,
    split_list,
)
from crmcli.models import LIFECYCLE_STAGES

if TYPE_CHECKING:
    from crmcli.context import AppContext
    from crmcli.models import ListQuery
    from crmcli.services.exporting import Export

app = new_app("Export records as CSV (importable again) or JSON, and contacts as vCards.")

FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", metavar="FORMAT", help="csv or json (default: from --output, else csv)."),
]
OutputOpt = Annotated[
    str | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write to FILE, replaced only when complete."),
]
SearchOpt = Annotated[
    str | None, typer.Option("--search", "-s", help="Text in names, e-mails, companies, notes.")
]
StageOpt = Annotated[
    str | None, typer.Option("--stage", help=f"Lifecycle stage: {', '.join(LIFECYCLE_STAGES)}.")
]
CountryOpt = Annotated[str | None, typer.Option("--country", help="ISO country code or name.")]
CompanyOpt = Annotated[str | None, typer.Option("--company", "-c", help="Company id, domain or name.")]
IndustryOpt = Annotated[str | None, typer.Option("--industry", help="The company's industry.")]
MinEmployeesOpt = Annotated[int | None, typer.Option("--min-employees", help="Company size at least N.")]
MaxEmployeesOpt = Annotated[int | None, typer.Option("--max-employees", help="Company size at most N.")]
ConsentOpt = Annotated[
    str | None,
    typer.Option("--consent", metavar="PURPOSE", help="Only people whose consent for PURPOSE is given."),
]
SortOpt = Annotated[
    str, typer.Option("--sort", help="id, name, created, updated, … as in the list; -name reverses.")
]
ContactOpt = Annotated[str | None, typer.Option("--contact", help="Only this contact's: id, e-mail or name.")]


@app.command("contacts")
def export_contacts(
    ctx: typer.Context,
    search: SearchOpt = None,
    tag: TagOpt = None,
    owner: OwnerOpt = None,
    stage: StageOpt = None,
    country: CountryOpt = None,
    company: CompanyOpt = None,
    industry: IndustryOpt = None,
    min_employees: MinEmployeesOpt = None,
    max_employees: MaxEmployeesOpt = None,
    field: FieldFilterOpt = None,
    consent: ConsentOpt = None,
    sort: SortOpt = "id",
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Export contacts, narrowed by the filters of `crm contact list`."""
    from crmcli.services import exporting

    context = app_context(ctx)
    query = _contact_query(context, search=search, tag=tag, owner=owner, stage=stage, country=country,
                           company=company, industry=industry, min_employees=min_employees,
                           max_employees=max_employees, field=field, consent=consent, sort=sort)  # fmt: skip
    _run(context, lambda: exporting.contacts(context.db, query), fmt, output)


@app.command("companies")
def export_companies(
    ctx: typer.Context,
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Text in name, domain, industry.")
    ] = None,
    tag: TagOpt = None,
    owner: OwnerOpt = None,
    country: CountryOpt = None,
    industry: Annotated[str | None, typer.Option("--industry", help="Industry.")] = None,
    min_employees: Annotated[
        int | None, typer.Option("--min-employees", help="At least N employees.")
    ] = None,
    max_employees: Annotated[int | None, typer.Option("--max-employees", help="At most N employees.")] = None,
    field: FieldFilterOpt = None,
    sort: SortOpt = "id",
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Export companies, narrowed by the filters of `crm company list`."""
    from crmcli.cli.companies import company_query
    from crmcli.services import exporting
    from crmcli.services.companies import check_query

    context = app_context(ctx)
    query = company_query(context, search=search, tag=tag, owner=owner, country=country, industry=industry,
                          min_employees=min_employees, max_employees=max_employees, field=field,
                          sort=sort)  # fmt: skip
    check_query(query)
    _run(context, lambda: exporting.companies(context.db, query), fmt, output)


@app.command("deals")
def export_deals(
    ctx: typer.Context,
    pipeline: Annotated[
        str | None, typer.Option("--pipeline", "-P", help="A pipeline from the config.")
    ] = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help="Only this stage.")] = None,
    owner: OwnerOpt = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="open, won, lost or all (repeatable; default all, unlike the list)."),
    ] = None,
    contact: ContactOpt = None,
    company: Annotated[
        str | None, typer.Option("--company", "-c", help="The company's deals and its people's.")
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="new, upsell or cross-sell.")] = None,
    closing_after: Annotated[
        str | None, typer.Option("--closing-after", metavar="WHEN", help="Close date on or after this day.")
    ] = None,
    closing_before: Annotated[
        str | None, typer.Option("--closing-before", metavar="WHEN", help="Close date on or before this day.")
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Export deals (of every status unless --status), narrowed by the filters of `crm deal list`."""
    from crmcli.cli.deals import deal_query
    from crmcli.services import exporting
    from crmcli.services.deals import check_query

    context = app_context(ctx)
    query = deal_query(context, status=status, default_status="all", pipeline=pipeline, stage=stage,
                       owner=owner, kind=kind, contact=contact, company=company,
                       closing_after=closing_after, closing_before=closing_before, sort="id")  # fmt: skip
    check_query(context.session, query)
    _run(context, lambda: exporting.deals(context.db, query), fmt, output)


@app.command("activities")
def export_activities(
    ctx: typer.Context,
    contact: ContactOpt = None,
    company: Annotated[
        str | None, typer.Option("--company", help="Only this company's, and its people's.")
    ] = None,
    owner: OwnerOpt = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "-k", help="Only this kind (repeatable).")
    ] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open follow-ups.")] = False,
    done_only: Annotated[bool, typer.Option("--done", help="Only follow-ups that were done.")] = False,
    since: Annotated[str | None, typer.Option("--since", metavar="WHEN", help="From this moment on.")] = None,
    until: Annotated[
        str | None, typer.Option("--until", metavar="WHEN", help="Up to this moment (a day: all of it).")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help='today, week, last-week, month, year, 7d, 4w, or as crm kpi: "last 30 days", 2026-Q3 …',
        ),
    ] = None,
    deal: Annotated[str | None, typer.Option("--deal", metavar="ID", help="The deal it is about.")] = None,
    case: Annotated[
        str | None, typer.Option("--case", metavar="ID", help="The support case it is about.")
    ] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in the note or outcome.")] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Export activities, narrowed by the filters of `crm activity list` (oldest first).

    --since, --until and --period apply to when it happened, or to the due date with --open.
    """
    from crmcli.cli.activities import activity_filter
    from crmcli.services import exporting

    context = app_context(ctx)
    query = activity_filter(context, contact=contact, company=company, owner=owner, kind=kind,
                            open_only=open_only, done_only=done_only, since=since, until=until,
                            period=period, deal=deal, case=case, search=search)  # fmt: skip
    _run(context, lambda: exporting.activities(context.db, query), fmt, output)


@app.command("cases")
def export_cases(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="new, open, pending, resolved, closed (repeatable; default all)."),
    ] = None,
    queue: Annotated[str | None, typer.Option("--queue", "-q", help="A queue from [queues].")] = None,
    owner: OwnerOpt = None,
    priority: Annotated[
        str | None, typer.Option("--priority", "-p", help="low, normal, high or urgent.")
    ] = None,
    contact: ContactOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Export support cases (of every status unless --status), with the filters of `crm case list`."""
    from crmcli.cli.options import contact_ref
    from crmcli.services import exporting
    from crmcli.services.cases import checked_filters, checked_people

    context = app_context(ctx)
    statuses, checked_priority = checked_filters(tuple(split_list(status)), priority or None)
    queue, owner = checked_people(context.session, queue, owner)
    filters: dict[str, Any] = {
        "statuses": statuses,
        "queue": queue,
        "owner": owner,
        "priority": checked_priority,
        "contact_id": contact_ref(context, contact) if contact else None,
    }
    _run(context, lambda: exporting.cases(context.db, filters), fmt, output)


@app.command("vcard")
def export_vcard(
    ctx: typer.Context,
    search: SearchOpt = None,
    tag: TagOpt = None,
    owner: OwnerOpt = None,
    stage: StageOpt = None,
    country: CountryOpt = None,
    company: CompanyOpt = None,
    industry: IndustryOpt = None,
    min_employees: MinEmployeesOpt = None,
    max_employees: MaxEmployeesOpt = None,
    field: FieldFilterOpt = None,
    consent: ConsentOpt = None,
    sort: Annotated[
        str, typer.Option("--sort", help="name, id, created, … as in `crm contact list`.")
    ] = "name",
    version: Annotated[
        str, typer.Option("--version", help="vCard version: 4.0 or 3.0 (older phones).")
    ] = "4.0",
    output: Annotated[
        str | None, typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (.vcf).")
    ] = None,
) -> None:
    """Export contacts as vCards (4.0, or 3.0), with the filters of `crm contact list`."""
    from crmcli.io.writers import destination
    from crmcli.services.vcard import count_cards, export_cards
    from crmcli.storage.exporting import snapshot

    context = app_context(ctx)
    query = _contact_query(context, search=search, tag=tag, owner=owner, stage=stage, country=country,
                           company=company, industry=industry, min_employees=min_employees,
                           max_employees=max_employees, field=field, consent=consent, sort=sort)  # fmt: skip
    db = context.db
    with snapshot(db):
        cards = export_cards(db, query, version.strip())
        first = next(cards, None)  # a bad --version is refused before anything is written
        tick, done = _progress(lambda: count_cards(db, query), output)
        count = 0
        try:
            with destination(output) as stream:
                if first is not None:
                    for card in _chain(first, cards):
                        stream.write(card)
                        count += 1
                        if tick is not None and count % 200 == 0:
                            tick(count)
        finally:
            done()
    _told(context, count, "contacts as vCards", output)


def _chain(first: str, rest: Any) -> Any:
    yield first
    yield from rest


# --- shared ------------------------------------------------------------------------------------


def _contact_query(context: AppContext, **given: Any) -> ListQuery:
    """The query `crm contact list` builds from the same options, checked as it checks it."""
    from crmcli.cli.contacts import contact_query
    from crmcli.services.contacts import check_query

    query = contact_query(context, **given)
    check_query(query)
    return query


def _run(context: AppContext, make: Any, fmt: str | None, output: str | None) -> None:
    """Write the export in the chosen format, from one snapshot of the database."""
    from crmcli.io.writers import chosen_format, destination, write_csv, write_json
    from crmcli.storage.exporting import snapshot

    chosen = chosen_format(fmt, output, ("csv", "json"), "csv")
    with snapshot(context.db):
        export: Export = make()
        tick, done = _progress(export.count, output)
        try:
            with destination(output) as stream:
                if chosen == "json":
                    count = write_json(stream, export.json_rows(), tick)
                else:
                    count = write_csv(stream, export.columns, export.csv_rows(), tick)
        finally:
            done()
    _told(context, count, export.kind, output)


def _told(context: AppContext, count: int, what: str, output: str | None) -> None:
    """A line for a person at a terminal; nothing for a script or cron."""
    import sys

    if sys.stderr.isatty() and output and output != "-":
        context.out.note(f"Exported {count} {what} to {output}.")


def _progress(total: Any, output: str | None) -> tuple[Any, Any]:
    """A Rich progress bar on stderr when a person watches a file being written."""
    import os
    import sys

    if not output or output == "-" or not sys.stderr.isatty() or os.environ.get("CI"):
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)  # fmt: skip
    task = bar.add_task("export", total=total())
    bar.start()

    def tick(count: int) -> None:
        bar.update(task, completed=count)

    return tick, bar.stop
