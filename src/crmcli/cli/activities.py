"""crm activity … (and crm log): every touch with a customer, and what to do next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.options import (
    FormatOpt,
    JsonOpt,
    LimitOpt,
    OffsetOpt,
    OwnerOpt,
    YesOpt,
    app_context,
    confirm,
    new_app,
    output_format,
)
from crmcli.cli.stdin_text import read_text

if TYPE_CHECKING:
    from crmcli.context import AppContext
    from crmcli.render.output import Column, Output
    from crmcli.storage.activities import ActivityFilter

app = new_app("Activities: calls, e-mails, meetings, notes, messages, and follow-ups to do.")

RefArg = Annotated[str, typer.Argument(help="A contact (id, e-mail, name prefix) or company:REF.")]
IdArg = Annotated[str, typer.Argument(help="The activity id (12 or #12).")]
KindArg = Annotated[
    str, typer.Argument(help="call, email, meeting, note, message, task, or a kind from [activities] kinds.")
]
NoteArg = Annotated[str | None, typer.Argument(help="What happened, or what to do; - reads it from stdin.")]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at", metavar="WHEN", help='When it happened: "yesterday 15:00", "2h ago" (default: now).'
    ),
]
DueOpt = Annotated[
    str | None,
    typer.Option("--due", metavar="WHEN", help='Makes it a follow-up due then: "next friday 10am", "3d".'),
]
DurationOpt = Annotated[
    str | None, typer.Option("--duration", help="How long: 45 (minutes), 30m, 1h, 1h30m.")
]
DirectionOpt = Annotated[str | None, typer.Option("--direction", help="in (they reached us) or out.")]
OutcomeOpt = Annotated[
    str | None, typer.Option("--outcome", help='How it went: "no answer", "interested", …')
]
DealOpt = Annotated[str | None, typer.Option("--deal", metavar="ID", help="The deal it is about.")]
CaseOpt = Annotated[str | None, typer.Option("--case", metavar="ID", help="The support case it is about.")]

LIST_COLUMNS = ("id", "at", "kind", "status", "due_at", "done_at", "contact", "company", "direction",
                "duration_min", "outcome", "owner", "deal_id", "case_id", "note")  # fmt: skip


def _input(**values: Any):  # type: ignore[no-untyped-def]
    from crmcli.services.activities import ActivityInput

    return ActivityInput(**values)


def _target(context: AppContext, ref: str) -> dict[str, int]:
    from crmcli.cli.show import resolve_record

    kind, record_id = resolve_record(context, ref)
    return {"contact_id": record_id} if kind == "contact" else {"company_id": record_id}


def _confirm_logged(out: Output, record: dict[str, Any]) -> None:
    who = record.get("contact") or record.get("company") or "nobody"
    if record["status"] == "open":
        out.note(
            f"Follow-up #{record['id']} ({record['kind']}) with {who}, due {out.when(record['due_at'])}."
        )
    else:
        out.note(f"Logged {record['kind']} #{record['id']} with {who}.")


@app.command("log")
def activity_log(
    ctx: typer.Context,
    ref: RefArg,
    kind: KindArg,
    note: NoteArg = None,
    at: AtOpt = None,
    duration: DurationOpt = None,
    direction: DirectionOpt = None,
    outcome: OutcomeOpt = None,
    deal: DealOpt = None,
    case: CaseOpt = None,
    due: DueOpt = None,
    owner: OwnerOpt = None,
    json: JsonOpt = False,
) -> None:
    """Log a call, e-mail, meeting, note or message; with --due (or as a task) it is a follow-up."""
    from crmcli.services.activities import log_activity

    context = app_context(ctx)
    data = _input(kind=kind, note=read_text(note), at=at, duration=duration, direction=direction,
                  outcome=outcome, deal=deal, case=case, due=due, owner=owner)  # fmt: skip
    record = log_activity(context.session, data, **_target(context, ref))
    if json:
        context.out.json(record)
    else:
        _confirm_logged(context.out, record)


@app.command("add")
def activity_add(
    ctx: typer.Context,
    ref: RefArg,
    note: Annotated[str, typer.Argument(help="What to do; - reads it from stdin.")],
    due: Annotated[
        str | None,
        typer.Option(
            "--due", metavar="WHEN", help='When it is due: "tomorrow 15:00", "fri" (default: today).'
        ),
    ] = None,
    kind: Annotated[
        str, typer.Option("--kind", "-k", help="The kind of follow-up (call, email, …).")
    ] = "task",
    duration: DurationOpt = None,
    deal: DealOpt = None,
    case: CaseOpt = None,
    owner: OwnerOpt = None,
    json: JsonOpt = False,
) -> None:
    """Add a follow-up (a task unless --kind), due by the end of today unless --due."""
    from crmcli.services.activities import log_activity

    context = app_context(ctx)
    data = _input(kind=kind, note=read_text(note), due=due or "eod", duration=duration, deal=deal,
                  case=case, owner=owner)  # fmt: skip
    record = log_activity(context.session, data, **_target(context, ref))
    if json:
        context.out.json(record)
    else:
        _confirm_logged(context.out, record)


@app.command("list")
def activity_list(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Option("--contact", "-c", help="Only this contact's.")] = None,
    company: Annotated[
        str | None, typer.Option("--company", help="Only this company's, and its people's.")
    ] = None,
    owner: OwnerOpt = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "-k", help="Only this kind (repeatable).")
    ] = None,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only open follow-ups, soonest due first.")
    ] = False,
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
    deal: DealOpt = None,
    case: CaseOpt = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in the note or outcome.")] = None,
    limit: LimitOpt = None,
    offset: OffsetOpt = 0,
    json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """List activities, latest first; --open lists follow-ups still to do, soonest first.

    --since, --until and --period apply to when it happened, or to the due date with --open.
    """
    from crmcli.services import activities as service

    context = app_context(ctx)
    chosen = output_format(json, fmt)
    query = activity_filter(context, contact=contact, company=company, owner=owner, kind=kind,
                            open_only=open_only, done_only=done_only, since=since, until=until,
                            period=period, deal=deal, case=case, search=search)  # fmt: skip
    query.limit, query.offset = limit, offset
    rows = service.list_activities(context.db, query)
    context.out.listing(
        chosen, rows, LIST_COLUMNS, _columns(context.out, open_only), empty="No activities match."
    )


def activity_filter(
    context: AppContext,
    *,
    contact: str | None,
    company: str | None,
    owner: str | None,
    kind: list[str] | None,
    open_only: bool,
    done_only: bool,
    since: str | None,
    until: str | None,
    period: str | None,
    deal: str | None,
    case: str | None,
    search: str | None,
) -> ActivityFilter:
    """The filter the options of `crm activity list` make (`crm export activities` too)."""
    from crmcli import validate
    from crmcli.cli.options import company_ref, contact_ref, split_list
    from crmcli.clock import to_iso
    from crmcli.errors import Invalid
    from crmcli.services import activities as service
    from crmcli.services.contacts import owner_handle
    from crmcli.storage.activities import ActivityFilter

    session = context.session
    if open_only and done_only:
        raise Invalid("--open and --done exclude each other; give one.")
    if period is not None and (since or until):
        raise Invalid("--period replaces --since and --until; give one or the others.")
    # Refused as logging refuses them: a kind or owner nothing can have would list nothing,
    # which reads as "nothing to do" rather than as the typo it is.
    query = ActivityFilter(
        owner=owner_handle(session, owner) if owner is not None else None,
        kinds=tuple(service.activity_kind(context.config, k) for k in split_list(kind)),
        state="open" if open_only else "done" if done_only else None,
        search=validate.fold(search) if search else None,
    )
    if period is not None:
        start, end = service.period_bounds(period, now=session.now, tz=session.tz,
                                           week_start=context.config.week_start)  # fmt: skip
        query.since, query.until = to_iso(start), to_iso(end)
    if since:
        query.since = to_iso(service.when(session, since))
    if until:
        query.until = to_iso(service.when(session, until, service.END_OF_DAY))
    if open_only:
        service.by_owners_days(query, context.config, session.tz)
    if deal:
        query.deal_id = service.linked_id(deal, "deal")
    if case:
        query.case_id = service.linked_id(case, "case")
    if contact:
        query.contact_id = contact_ref(context, contact)
    if company:
        query.company_id = company_ref(context, company)
    return query


def _columns(out: Output, open_only: bool) -> list[Column]:
    from crmcli.render.output import Column, first_line

    moment = Column("due_at", "Due", format=out.when) if open_only else Column("at", "When", format=out.when)
    return [
        Column("id", "ID", "right"),
        moment,
        Column("kind", "Kind"),
        Column("status", "Status"),
        Column("contact", "Contact"),
        Column("company", "Company"),
        Column("note", "Note", format=first_line),
        Column("outcome", "Outcome"),
        Column("owner", "Owner"),
    ]


@app.command("show")
def activity_show(ctx: typer.Context, activity: IdArg, json: JsonOpt = False) -> None:
    """Show one activity in full."""
    from crmcli.services.activities import activity_id_from, get_activity

    context = app_context(ctx)
    record = get_activity(context.db, activity_id_from(activity))
    out = context.out
    if json:
        out.json(record)
        return
    out.fields(
        [
            ("Id", record["id"]),
            ("Kind", record["kind"]),
            ("Status", record["status"]),
            ("Contact", record.get("contact")),
            ("Company", record.get("company")),
            ("When", out.when(record["at"])),
            ("Due", out.when(record.get("due_at"))),
            ("Done", out.when(record.get("done_at"))),
            ("Duration", f"{record['duration_min']} min" if record.get("duration_min") else None),
            ("Direction", record.get("direction")),
            ("Outcome", record.get("outcome")),
            ("Deal", record.get("deal_id")),
            ("Case", record.get("case_id")),
            ("Owner", record.get("owner")),
        ],
        title=f"{record['kind'].capitalize()} #{record['id']}",
    )
    if record.get("note"):
        out.heading("Note")
        out.line(record["note"])


@app.command("edit")
def activity_edit(
    ctx: typer.Context,
    activity: IdArg,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="Another kind.")] = None,
    note: Annotated[str | None, typer.Option("--note", "-m", help="New text; - reads stdin.")] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", help="Move it to another contact (or company:REF).")
    ] = None,
    at: AtOpt = None,
    duration: DurationOpt = None,
    direction: DirectionOpt = None,
    outcome: OutcomeOpt = None,
    deal: DealOpt = None,
    case: CaseOpt = None,
    due: DueOpt = None,
    owner: OwnerOpt = None,
    json: JsonOpt = False,
) -> None:
    """Change an activity; "" clears a field (--due "" makes a follow-up a plain activity)."""
    from crmcli.services.activities import activity_id_from, edit_activity

    context = app_context(ctx)
    activity_id = activity_id_from(activity)
    data = _input(kind=kind, note=read_text(note), at=at, duration=duration, direction=direction,
                  outcome=outcome, deal=deal, case=case, due=due, owner=owner)  # fmt: skip
    target = _target(context, contact) if contact else {}
    record = edit_activity(context.session, activity_id, data, **target)
    if json:
        context.out.json(record)
    else:
        context.out.note(f"Updated {record['kind']} #{record['id']}.")


@app.command("done")
def activity_done(
    ctx: typer.Context,
    activity: IdArg,
    at: Annotated[
        str | None, typer.Option("--at", metavar="WHEN", help="When it was done (default: now).")
    ] = None,
    outcome: OutcomeOpt = None,
    note: Annotated[str | None, typer.Option("--note", "-m", help="A line added to its note.")] = None,
    json: JsonOpt = False,
) -> None:
    """Mark a follow-up done."""
    from crmcli.services.activities import activity_id_from, complete

    context = app_context(ctx)
    record = complete(context.session, activity_id_from(activity), at=at, outcome=outcome, note=note)
    if json:
        context.out.json(record)
    else:
        who = record.get("contact") or record.get("company") or "nobody"
        context.out.note(f"Done: {record['kind']} #{record['id']} with {who}.")


@app.command("delete")
def activity_delete(ctx: typer.Context, activity: IdArg, yes: YesOpt = False) -> None:
    """Delete an activity."""
    from crmcli.services.activities import activity_id_from, delete_activity, get_activity

    context = app_context(ctx)
    activity_id = activity_id_from(activity)
    record = get_activity(context.db, activity_id)
    confirm(context, yes, f"Delete {record['kind']} #{activity_id}?")
    delete_activity(context.session, activity_id)
    context.out.note(f"Deleted {record['kind']} #{activity_id}.")
