"""crm sla …: service-level checks, for a person or a cron job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli.options import FormatOpt, JsonOpt, app_context, new_app, output_format

if TYPE_CHECKING:
    from crmcli.services.session import Session
    from crmcli.services.sla import Finding

app = new_app("Service levels: find cases that breached or will soon breach their targets.")

CHECK_COLUMNS = ("case_id", "subject", "contact", "priority", "status", "queue", "owner", "target",
                 "state", "due_at", "new")  # fmt: skip


@app.command("check")
def sla_check(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="WHEN", help="Check as of this moment, now or earlier (default: now)."
        ),
    ] = None,
    warn: Annotated[
        str | None,
        typer.Option(
            "--warn",
            metavar="DURATION",
            help="Warn about targets due within this (default: sla.warn_within).",
        ),
    ] = None,
    json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """List breached and soon-due SLA targets; fire case.sla_breached once per breach; exit 3 on breaches."""
    from crmcli.errors import Invalid, ProblemsFound
    from crmcli.render.output import Column
    from crmcli.services import sla
    from crmcli.services.business_hours import parse_duration

    context = app_context(ctx)
    chosen = output_format(json, fmt)
    session = context.session
    moment = session.now if as_of is None else _moment(context, as_of)  # "" is no date, not now
    if warn is not None:
        try:
            parse_duration(warn)
        except ValueError as exc:
            raise Invalid(f"--warn: {exc}.") from None
    try:
        findings = sla.check_breaches(session, moment, warn)
    except sla.NotYet:
        # Said in the words the user typed, with the option that does look ahead.
        raise Invalid(
            f"--as-of {as_of!r} has not come yet; sla check records only breaches that have happened, "
            "so give now or an earlier moment, or use --warn DURATION to see what falls due sooner."
        ) from None
    rows = [f.as_dict() for f in findings]
    out = context.out
    if chosen == "json":
        out.json(rows)
    elif chosen == "csv":
        out.csv(rows, CHECK_COLUMNS)
    else:
        out.table(
            rows,
            [Column("case_id", "Case", "right"), Column("subject", "Subject"), Column("contact", "Contact"),
             Column("priority", "Priority"), Column("queue", "Queue"), Column("owner", "Owner"),
             Column("target", "Target", format=lambda v: str(v).replace("_", " ")),
             Column("state", "State", format=lambda v: str(v).replace("_", " ")),
             Column("due_at", "Due", format=out.when),
             Column("new", "New", format=lambda v: "yes" if v else "")],
            empty="No SLA target is breached or due soon.",
        )  # fmt: skip
    breaches = [f for f in findings if f.clock.breached]
    if breaches:
        counted = f"{len(breaches)} SLA breach{'es' if len(breaches) != 1 else ''}"
        raise ProblemsFound(f"{counted} ({_what_happened(session, breaches)}).")


def _what_happened(session: Session, breaches: list[Finding]) -> str:
    """How many breaches are new and what the rules did with them: an escalation is claimed
    only when a rule escalated, since cron logs are read as the record of who was told."""
    from crmcli.services.events import listened

    fresh = sum(1 for f in breaches if f.new)
    if not fresh:
        return "0 new"
    if not listened(session, "case.sla_breached"):
        return f"{fresh} new; no rule acts on case.sla_breached"
    escalated = sum(1 for f in breaches if f.escalated)
    how_many = "" if escalated == fresh else f"{escalated or 'none'} "
    return f"{fresh} new, {how_many}escalated by the rules on case.sla_breached{_held_back(breaches)}"


def _held_back(breaches: list[Finding]) -> str:
    """What the rules would have done to cases resolved or closed since the moment checked,
    and did not: said, so that a cron log does not read as if nobody noticed."""
    by_case: dict[int, list[str]] = {}
    for finding in breaches:
        if finding.held_back:
            by_case.setdefault(finding.case["id"], []).extend(finding.held_back)
    return "".join(f"; skipped on case #{case_id}, resolved or closed since: {', '.join(actions)}"
                   for case_id, actions in by_case.items())  # fmt: skip


def _moment(context, text: str):  # type: ignore[no-untyped-def]
    """--as-of: a date or time in words or ISO 8601, read in the user's time zone."""
    from crmcli.dates import parse_when

    session = context.session
    return parse_when(text, now=session.now, tz=session.tz, week_start=session.config.week_start)


@app.command("policy")
def sla_policy(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Show the targets in force per priority and the business hours they are counted in."""
    from crmcli.render.output import Column
    from crmcli.services import sla
    from crmcli.services.business_hours import format_duration

    context = app_context(ctx)
    policy = sla.load_policy(context.config)
    described = sla.describe_policy(context.config, policy)
    if json:
        context.out.json(described)
        return
    out = context.out
    rows = [
        {"priority": priority, "target": name.replace("_", " "), "within": target["written"],
         "hours": target["hours"]}
        for priority, targets in described["targets"].items()
        for name, target in targets.items()
    ]  # fmt: skip
    out.table(
        rows,
        [Column("priority", "Priority"), Column("target", "Target"), Column("within", "Within"),
         Column("hours", "Counted")],
        empty="No SLA targets: cases have no service levels.",
    )  # fmt: skip
    out.line("")
    out.line(f"Business hours ({described['timezone']}):")
    for day, spans in described["week"].items():
        out.line(f"  {day:<10} {', '.join(spans) or 'closed'}")
    out.line(f"A business day (1d) is {format_duration(policy_day(described))}; warn within "
             f"{described['warn_within']}.")  # fmt: skip
    if described["holidays"]:
        out.line("Holidays: " + ", ".join(described["holidays"]))


def policy_day(described):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(minutes=described["day_length_minutes"])
