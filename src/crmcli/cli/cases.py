"""crm case …: support cases, from opened to closed, with their SLA clocks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.options import (
    FormatOpt,
    JsonOpt,
    LimitOpt,
    OffsetOpt,
    OwnerOpt,
    app_context,
    contact_ref,
    new_app,
    output_format,
)
from crmcli.cli.stdin_text import read_required_text

if TYPE_CHECKING:
    from datetime import timedelta

    from crmcli.context import AppContext
    from crmcli.render.output import Output

app = new_app("Support cases: open, answer, escalate, resolve; SLA clocks included.")

CaseArg = Annotated[str, typer.Argument(help="The case id (12, #12 or case:12).")]
PriorityOpt = Annotated[str | None, typer.Option("--priority", "-p", help="low, normal, high or urgent.")]
QueueOpt = Annotated[str | None, typer.Option("--queue", "-q", help="A queue from [queues] (first-line …).")]
NoteOpt = Annotated[
    str | None, typer.Option("--note", "-m", help="Why, kept in the case's timeline; - reads it from stdin.")
]

LIST_COLUMNS = ("id", "subject", "contact", "priority", "status", "queue", "owner", "opened_at", "sla")


def _columns(out):  # type: ignore[no-untyped-def]
    from crmcli.render.output import Column

    return [
        Column("id", "ID", "right"),
        Column("subject", "Subject"),
        Column("contact", "Contact"),
        Column("priority", "Priority"),
        Column("status", "Status"),
        Column("queue", "Queue"),
        Column("owner", "Owner"),
        Column("opened_at", "Opened", format=out.when),
        Column("sla", "SLA"),
    ]


def _case_id(ref: str) -> int:
    from crmcli.services.cases import case_id_from

    return case_id_from(ref)


@app.command("open")
def case_open(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The contact: id, e-mail or name prefix.")],
    subject: Annotated[str, typer.Argument(help="What the case is about, in a line.")],
    priority: PriorityOpt = None,
    channel: Annotated[
        str | None,
        typer.Option("--channel", "-c", help="email, phone, web, chat, social, portal, in-person, other."),
    ] = None,
    queue: QueueOpt = None,
    owner: OwnerOpt = None,
    body: Annotated[
        str | None, typer.Option("--body", "-b", help="The request itself; - reads it from stdin.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Open a case for a contact; routing rules on case.opened may set its queue and owner."""
    from crmcli.services.cases import open_case

    context = app_context(ctx)
    contact_id = contact_ref(context, ref)
    record = open_case(context.session, contact_id, subject, priority=priority, channel=channel,
                       queue=queue, owner=owner, body=read_required_text(body, "request"))  # fmt: skip
    if json:
        context.out.json(_with_sla(context, record))
        return
    who = f", owner {record['owner']}" if record["owner"] else ""
    context.out.note(f"Opened case #{record['id']} for {record['contact']} "
                     f"({record['priority']}, queue {record['queue']}{who}).")  # fmt: skip


@app.command("list")
def case_list(
    ctx: typer.Context,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", "-s", help="new, open, pending, resolved, closed (repeatable)."),
    ] = None,
    all_cases: Annotated[bool, typer.Option("--all", "-a", help="Every case, closed ones too.")] = False,
    queue: QueueOpt = None,
    owner: OwnerOpt = None,
    priority: PriorityOpt = None,
    contact: Annotated[str | None, typer.Option("--contact", help="Only this contact's cases.")] = None,
    limit: LimitOpt = None,
    offset: OffsetOpt = 0,
    json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """List cases (new, open and pending unless --status or --all), oldest first, with SLA state."""
    from crmcli.cli.options import split_list
    from crmcli.services import cases

    context = app_context(ctx)
    chosen = output_format(json, fmt)
    statuses = tuple(s.lower() for s in split_list(status)) or (() if all_cases else cases.OPEN_STATUSES)
    queue, owner = cases.checked_people(context.session, queue, owner)
    rows = cases.list_cases(
        context.db, statuses=statuses or cases.STATUSES, queue=queue, owner=owner, priority=priority,
        contact_id=contact_ref(context, contact) if contact else None, limit=limit, offset=offset,
    )  # fmt: skip
    rows = _add_sla(context, rows)
    context.out.listing(chosen, rows, LIST_COLUMNS, _columns(context.out), empty="No cases match.")


@app.command("show")
def case_show(ctx: typer.Context, ref: CaseArg, json: JsonOpt = False) -> None:
    """Show a case: its details, SLA targets and the whole timeline."""
    from crmcli.render.output import Column
    from crmcli.services import cases

    context = app_context(ctx)
    case = _with_sla(context, cases.get_case(context.db, _case_id(ref)))
    events = cases.timeline(context.db, case["id"])
    if json:
        context.out.json({**case, "timeline": events})
        return
    out = context.out
    day = _business_day(context)
    out.fields(
        [
            ("Id", case["id"]),
            ("Contact", case.get("contact")),
            ("Company", case.get("company")),
            ("Priority", case["priority"]),
            ("Channel", case.get("channel")),
            ("Status", case["status"]),
            ("Queue", case.get("queue")),
            ("Owner", case.get("owner")),
            ("Escalation level", case["escalation_level"] or None),
            ("Opened", out.when(case["opened_at"])),
            ("First response", out.when(case.get("first_response_at"))),
            ("Resolved", out.when(case.get("resolved_at"))),
            ("Closed", out.when(case.get("closed_at"))),
            ("SLA", case["sla"]),
            *[(f"  {c['target'].replace('_', ' ')}", _clock_line(out, c, day)) for c in case["sla_targets"]],
            ("Tags", case["tags"]),
        ],
        title=f"Case #{case['id']}: {case['subject']}",
    )
    out.heading("Timeline")
    out.table(
        [{**e, "change": _change(e)} for e in events],
        [Column("at", "At", format=out.when), Column("actor", "By"), Column("kind", "What"),
         Column("change", "Change"), Column("body", "Text")],
        empty="Nothing yet.",
    )  # fmt: skip


def _change(event: dict[str, Any]) -> str:
    if event["from_value"] is None and event["to_value"] is None:
        return ""
    return f"{event['from_value'] or '-'} → {event['to_value'] or '-'}"


def _business_day(context: AppContext) -> timedelta:
    from crmcli.services.business_hours import calendar_from_config

    return calendar_from_config(context.config).day_length


def _clock_line(out: Output, clock: dict[str, Any], business_day: timedelta) -> str:
    from datetime import timedelta

    from crmcli.services.business_hours import format_duration

    # In the days targets are written in: business days of the calendar, or 24 hours around the clock.
    day = business_day if clock["hours"] == "business" else timedelta(hours=24)
    allowed = clock.get("written") or format_duration(timedelta(minutes=clock["allowed_minutes"]), day)
    used = format_duration(timedelta(minutes=clock["used_minutes"]), day)
    due = f", due {out.when(clock['due_at'])}" if clock["due_at"] else ""
    return f"{clock['state'].replace('_', ' ')}: {used} of {allowed} ({clock['hours']}){due}"


@app.command("assign")
def case_assign(
    ctx: typer.Context, ref: CaseArg,
    handle: Annotated[str, typer.Argument(help="The team member who takes it.")],
    note: NoteOpt = None, json: JsonOpt = False,
) -> None:  # fmt: skip
    """Give a case to a team member."""
    from crmcli.services.cases import assign

    context = app_context(ctx)
    record = assign(context.session, _case_id(ref), handle, note=read_required_text(note, "note"))
    _done(context, record, f"Case #{record['id']} is now {record['owner']}'s.", json)


@app.command("reply")
def case_reply(
    ctx: typer.Context,
    ref: CaseArg,
    text: Annotated[
        str,
        typer.Argument(
            help="What was answered (or, with --inbound, what the customer wrote); - reads it from stdin."
        ),
    ],
    pending: Annotated[
        bool, typer.Option("--pending", help="Then wait on the customer (the clock stops).")
    ] = False,
    inbound: Annotated[
        bool,
        typer.Option("--inbound", help="A message from the customer: a pending or resolved case reopens."),
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Record a reply to the customer; the first one is the case's first response."""
    from crmcli.services.cases import reply

    context = app_context(ctx)
    body = read_required_text(text, "message" if inbound else "reply")
    record = reply(context.session, _case_id(ref), body, inbound=inbound, then_pending=pending)
    what = "the customer's message" if inbound else "the reply"
    _done(context, record, f"Recorded {what} on case #{record['id']} ({record['status']}).", json)


@app.command("note")
def case_note(
    ctx: typer.Context, ref: CaseArg,
    text: Annotated[str, typer.Argument(help="An internal note, never sent; - reads it from stdin.")],
    json: JsonOpt = False,
) -> None:  # fmt: skip
    """Add an internal note to a case."""
    from crmcli.services.cases import add_note, get_case

    context = app_context(ctx)
    case_id = _case_id(ref)
    add_note(context.session, case_id, read_required_text(text, "note"))
    _done(context, get_case(context.db, case_id), f"Noted on case #{case_id}.", json)


@app.command("pending")
def case_pending(ctx: typer.Context, ref: CaseArg, note: NoteOpt = None, json: JsonOpt = False) -> None:
    """Wait on the customer: the SLA clock stops until the case is open again."""
    from crmcli.services.cases import set_pending

    context = app_context(ctx)
    record = set_pending(context.session, _case_id(ref), read_required_text(note, "note"))
    _done(context, record, f"Case #{record['id']} is pending; its SLA clock is stopped.", json)


@app.command("escalate")
def case_escalate(
    ctx: typer.Context,
    ref: CaseArg,
    queue: QueueOpt = None,
    to: Annotated[str | None, typer.Option("--to", help="Give it to this team member too.")] = None,
    priority: PriorityOpt = None,
    note: NoteOpt = None,
    json: JsonOpt = False,
) -> None:
    """Escalate a case one level: to --queue, else to its queue's escalate_to (second-line)."""
    from crmcli.services.cases import escalate

    context = app_context(ctx)
    reason = read_required_text(note, "note")
    record = escalate(context.session, _case_id(ref), queue=queue, owner=to, priority=priority, reason=reason)
    _done(context, record, f"Case #{record['id']} escalated to level {record['escalation_level']} "
          f"(queue {record['queue']}, owner {record['owner'] or 'none'}).", json)  # fmt: skip


@app.command("resolve")
def case_resolve(ctx: typer.Context, ref: CaseArg, note: NoteOpt = None, json: JsonOpt = False) -> None:
    """Mark a case resolved (the resolution time is stamped)."""
    from crmcli.services.cases import resolve

    context = app_context(ctx)
    record = resolve(context.session, _case_id(ref), read_required_text(note, "note"))
    _done(context, record, f"Case #{record['id']} is resolved.", json)


@app.command("close")
def case_close(ctx: typer.Context, ref: CaseArg, note: NoteOpt = None, json: JsonOpt = False) -> None:
    """Close a case for good (reopen brings it back)."""
    from crmcli.services.cases import close

    context = app_context(ctx)
    record = close(context.session, _case_id(ref), read_required_text(note, "note"))
    _done(context, record, f"Case #{record['id']} is closed.", json)


@app.command("reopen")
def case_reopen(ctx: typer.Context, ref: CaseArg, note: NoteOpt = None, json: JsonOpt = False) -> None:
    """Reopen a resolved or closed case; its resolution clock carries on."""
    from crmcli.services.cases import reopen

    context = app_context(ctx)
    record = reopen(context.session, _case_id(ref), read_required_text(note, "note"))
    _done(context, record, f"Case #{record['id']} is open again.", json)


def _done(context, record: dict[str, Any], message: str, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    if as_json:
        context.out.json(_with_sla(context, record))
    else:
        context.out.note(message)


def _add_sla(context, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from crmcli.services import sla

    return sla.with_sla(context.db, context.config, rows, context.session.now)


def _with_sla(context, record: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return _add_sla(context, [dict(record)])[0]
