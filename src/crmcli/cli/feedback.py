"""crm feedback …: survey answers (NPS and CSAT) that feed the KPIs."""

from __future__ import annotations

from typing import Annotated

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

app = new_app("Feedback: NPS (0-10) and CSAT (1-5) answers from customers.")

PeriodOpt = Annotated[
    str | None,
    typer.Option("--period", help='"this month", "last 30 days", "2026-Q3", "2026-10", "since 2026-01-01" …'),
]
SinceOpt = Annotated[str | None, typer.Option("--since", help="The first day (a date or words).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="The first day left out (exclusive).")]

LIST_COLUMNS = ("id", "at", "contact", "kind", "score", "category", "case_id", "comment", "created_by")


def _columns(out):  # type: ignore[no-untyped-def]
    from crmcli.render.output import Column

    return [
        Column("id", "ID", "right"),
        Column("at", "When", format=out.when),
        Column("contact", "Contact"),
        Column("kind", "Kind", format=lambda kind: str(kind or "").upper()),
        Column("score", "Score", "right"),
        Column("category", "Category"),
        Column("case_id", "Case", "right"),
        Column("comment", "Comment"),
        Column("created_by", "By"),
    ]


@app.command("add")
def feedback_add(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The contact who answered: id, e-mail or name prefix.")],
    nps: Annotated[
        str | None, typer.Option("--nps", metavar="0..10", help="How likely to recommend us, 0 to 10.")
    ] = None,
    csat: Annotated[str | None, typer.Option("--csat", metavar="1..5", help="How satisfied, 1 to 5.")] = None,
    comment: Annotated[str | None, typer.Option("--comment", "-m", help="What they wrote.")] = None,
    case: Annotated[str | None, typer.Option("--case", help="The case the answer is about.")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When they answered (default now; words or ISO 8601).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Record an answer: --nps 0..10 or --csat 1..5, with an optional comment."""
    from crmcli.services.feedback import add_feedback

    context = app_context(ctx)
    case_id = None
    if case is not None:
        from crmcli.services.cases import case_id_from

        case_id = case_id_from(case)
    record = add_feedback(context.session, contact_ref(context, ref), nps=nps, csat=csat,
                          comment=comment, case_id=case_id, at=at)  # fmt: skip
    if json:
        context.out.json(record)
    else:
        context.out.note(f"Recorded {record['kind'].upper()} {record['score']} ({record['category']}) "
                         f"from {record['contact']} as feedback #{record['id']}.")  # fmt: skip


@app.command("list")
def feedback_list(
    ctx: typer.Context,
    contact: Annotated[str | None, typer.Option("--contact", help="Only this contact's answers.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="nps or csat.")] = None,
    case: Annotated[str | None, typer.Option("--case", help="Only answers about this case.")] = None,
    owner: OwnerOpt = None,
    period: PeriodOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    limit: LimitOpt = None,
    offset: OffsetOpt = 0,
    json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """List answers, newest first; --owner is the contact's owner."""
    from crmcli.clock import to_iso
    from crmcli.services import periods
    from crmcli.services.contacts import owner_handle
    from crmcli.services.feedback import list_feedback
    from crmcli.storage.feedback import FeedbackFilter

    context = app_context(ctx)
    chosen = output_format(json, fmt)
    session = context.session
    span = periods.chosen(period, since, until, now=session.now, tz=session.tz,
                          week_start=context.config.week_start, default=None)  # fmt: skip
    where = FeedbackFilter(
        contact_id=contact_ref(context, contact) if contact else None,
        kind=kind,
        # Refused as deal list refuses it: an owner nobody is would list nothing, silently.
        owner=owner_handle(session, owner) if owner is not None else None,
        start=to_iso(span.start) if span else None,
        end=to_iso(span.end) if span else None,
        limit=limit,
        offset=offset,
    )
    if case is not None:
        from crmcli.services.cases import case_id_from

        where.case_id = case_id_from(case)
    rows = list_feedback(context.db, where)
    context.out.listing(chosen, rows, LIST_COLUMNS, _columns(context.out), empty="No feedback matches.")
