"""crm agenda: what is overdue, due today and coming up; milestones; who to get back to.

Plain click rather than Typer, like `crm show`: a command typed first thing every
morning must answer at once, and Typer's import alone would double its time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from crmcli.cli.common import JSON_HELP, PlainCommand, app_context

if TYPE_CHECKING:
    from crmcli.context import AppContext
    from crmcli.render.output import Output


@click.command("agenda", cls=PlainCommand)
@click.option(
    "--days", "-d", type=click.IntRange(min=0), help="How many days ahead (default 7, or [agenda] days)."
)
@click.option("--owner", metavar="HANDLE", help="The owner.")
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(min=1),
    help="At most N items a section, the most pressing first (default 20, or [agenda] limit).",
)
@click.option("--all", "show_all", is_flag=True, help="Every item of every section.")
@click.option(
    "--ics", metavar="FILE", help="Also write every open follow-up to FILE as iCalendar (- for stdout)."
)
@click.option("--as-of", "as_of", metavar="WHEN", help="The agenda as of this moment (default: now).")
@click.option("--json", "json_output", is_flag=True, help=JSON_HELP)
@click.pass_context
def agenda(
    ctx: click.Context,
    days: int | None,
    owner: str | None,
    limit: int | None,
    show_all: bool,
    ics: str | None,
    as_of: str | None,
    json_output: bool,
) -> None:
    """What is overdue, due today and in the next days; birthdays, anniversaries; who to call."""
    from crmcli.services import agenda as service

    if ics == "-" and json_output:
        # --json promises JSON alone on stdout; refused before the database is opened.
        from crmcli.errors import Invalid

        raise Invalid("--ics - and --json both write to stdout; give --ics a file, or leave out --json.")
    context = app_context(ctx)
    tz = context.tz
    if as_of is None:
        now = context.now
    else:  # "" is no date, not now
        now = _as_of(as_of, context.now, tz, context.config.week_start)
    view = None
    if ics != "-":  # built first: a bad --days stops the command before any file is written
        view = service.build_agenda(
            context.db, context.config, now=now, tz=tz, days=days, owner=owner, limit=limit, show_all=show_all
        )
    if ics:
        follow_ups = service.open_follow_ups(context.db, context.config, now=now, tz=tz, owner=owner)
        _write_ics(context, ics, follow_ups, now)
    if view is None:
        return
    if json_output:
        context.out.json(view)
    else:
        render_agenda(context.out, view)


CLICK_COMMANDS = {"agenda": agenda}


def _as_of(text: str, now: Any, tz: Any, week_start: int) -> Any:
    """The moment of --as-of. A full ISO 8601 moment with its offset, as scripts write it,
    is read directly; any other form goes through the date grammar, whose import costs
    more than the rest of reading the option."""
    from datetime import datetime

    from crmcli.clock import YEARS

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is not None and YEARS[0] <= moment.year <= YEARS[1]:
        return moment.astimezone(tz)
    from crmcli.dates import parse_when

    return parse_when(text, now=now, tz=tz, week_start=week_start)


def _write_ics(context: AppContext, target: str, items: list[dict[str, Any]], now: Any) -> None:
    import sys

    from crmcli.io.writers import destination
    from crmcli.render.ics import follow_ups_calendar

    data = follow_ups_calendar(items, now=now)
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    with destination(target, option="--ics") as stream:  # private and whole, as every export
        stream.write(data.decode("utf-8"))
    noun = "follow-up" if len(items) == 1 else "follow-ups"
    context.out.note(f"Wrote {len(items)} open {noun} to {target}.")


def render_agenda(out: Output, view: dict[str, Any]) -> None:
    from datetime import date

    from crmcli.render.output import Column, first_line

    for section in ("overdue", "due_today", "upcoming", "milestones"):
        for item in view[section]:
            _add_their_text(out, item)
    for item in view["keep_in_touch"]["contacts"]:
        _add_their_text(out, item)
        item["last_text"] = out.when(item["last_touch_at"]) if item["last_touch_at"] else "never"
    for section in ("overdue", "due_today", "upcoming"):
        for item in view[section]:
            # A day alone when it is due by the end of a day; otherwise as the times elsewhere.
            item["due_text"] = item["due_local"] if out.tty or item["all_day"] else item["due_at"]
    for item in view["milestones"]:
        item["what"] = _milestone_text(item)
        item["when_text"] = "today" if item["in_days"] == 0 else f"in {item['in_days']}d"
    their = [Column("their_text", "Their time")]
    if not out.tty:
        their.append(Column("outside_hours", "Outside hours"))

    follow_up_columns = [Column("due_text", "Due"), Column("kind", "Kind"), Column("contact", "Contact"),
                         Column("company", "Company"), Column("note", "What", format=first_line),
                         Column("owner", "Owner"), *their, Column("id", "ID", "right")]  # fmt: skip
    today = date.fromisoformat(view["today"])
    counts = view["counts"]

    def how_many(section: str) -> str:
        """ "481", or "20 of 481" when the section was cut to the limit."""
        shown, total = len(view[section]), counts[section]
        return str(total) if shown == total else f"{shown} of {total}"

    out.heading(f"Overdue ({how_many('overdue')})")
    out.table(view["overdue"], follow_up_columns, empty="Nothing overdue.")
    out.heading(f"Today, {today:%A %d %B} ({how_many('due_today')})")
    out.table(view["due_today"], follow_up_columns, empty="Nothing else due today.")
    out.heading(f"Next {view['days']} days ({how_many('upcoming')})")
    out.table(view["upcoming"], follow_up_columns, empty="Nothing due.")
    out.heading(f"Birthdays and anniversaries ({how_many('milestones')})")
    out.table(
        view["milestones"],
        [Column("date", "Date"), Column("when_text", "In"), Column("what", "What"),
         Column("contact", "Contact"), Column("company", "Company"), Column("owner", "Owner"), *their],
        empty="None coming up.",
    )  # fmt: skip
    keep = view["keep_in_touch"]
    summary = "; ".join(f"{r['rule']}: {r['count']} over {r['days']} days" for r in keep["rules"])
    out.heading(f"Keep in touch ({summary})" if summary else "Keep in touch")
    if keep["rules"]:
        out.table(
            keep["contacts"],
            [Column("contact", "Contact"), Column("company", "Company"), Column("rule", "Rule"),
             Column("last_text", "Last touch"), Column("days_since", "Days", "right"),
             Column("owner", "Owner"), *their, Column("contact_id", "ID", "right")],
            empty="Everyone has been kept in touch with.",
        )  # fmt: skip
    else:
        out.note(
            "No keep-in-touch intervals set; add [agenda] keep_in_touch = { customer = 30 } to the config."
        )
    limit = view["limit"]
    if keep["cut"] or any(len(view[section]) < total for section, total in counts.items()):
        items = "item" if limit == 1 else "items"
        out.note(f"At most {limit} {items} a section, the most pressing first; --all shows every one.")


def _add_their_text(out: Output, item: dict[str, Any]) -> None:
    """The contact's own clock: "Fri 23:30 (outside hours)" on a terminal; in plain text the
    ISO moment, with outside hours in a column of its own."""
    from crmcli.render.output import their_time_text

    text = their_time_text(out, item.get("their_time"))
    item["their_text"] = f"{text} (outside hours)" if out.tty and item.get("outside_hours") else text


def _milestone_text(item: dict[str, Any]) -> str:
    if item["kind"] == "birthday":
        return f"birthday, turns {item['years']}" if item["years"] else "birthday"
    years = item["years"]
    return f"{years} year{'s' if years != 1 else ''} a customer"
