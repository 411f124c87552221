"""crm show REF: the 360° view of a contact or a company; a deal or a case by deal:ID, case:ID."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from crmcli.cli.common import JSON_HELP, PlainCommand, app_context, company_ref, contact_ref
from crmcli.context import AppContext
from crmcli.errors import NotFound

if TYPE_CHECKING:
    from crmcli.render.output import Column, Output


# Plain click rather than Typer: `crm show` is typed all day and must answer at once.
@click.command(
    "show",
    cls=PlainCommand,
    arguments={"REF": "A contact (id, e-mail, name), company:REF, deal:ID or case:ID.  [required]"},
)
@click.argument("ref", metavar="REF")
@click.option("--json", "json_output", is_flag=True, help=JSON_HELP)
@click.pass_context
def show(ctx: click.Context, ref: str, json_output: bool) -> None:
    """The 360° view of a contact or a company (company:REF, or a name only a company has);
    deal:ID and case:ID show a deal or a case, as crm deal show and crm case show do."""
    kind, sep, rest = ref.partition(":")
    kind = kind.strip().lower()
    if sep and kind == "deal":
        from crmcli.cli.deals import deal_show

        deal_show(ctx, rest, json_output)  # type: ignore[arg-type]
        return
    if sep and kind == "case":
        from crmcli.cli.cases import case_show

        case_show(ctx, rest, json_output)  # type: ignore[arg-type]
        return
    context = app_context(ctx)
    kind, record_id = resolve_record(context, ref)
    if kind == "company":
        show_company(context, record_id, json_output)
    else:
        show_contact(context, record_id, json_output)


CLICK_COMMANDS = {"show": show}


def resolve_record(context: AppContext, ref: str) -> tuple[str, int]:
    """("contact", id) or ("company", id) for a reference.

    contact:REF and company:REF say which. Otherwise a contact is looked for first, by the
    rules of every contact reference (an id, an e-mail, a prefix of the name or of a word
    of it, accents aside), and a company is taken only when no contact matches: a name
    that only a company has (`crm log acme note` finds Acme even when its people have acme
    e-mail addresses, as a word of an e-mail names nobody). Several contacts matching stop
    with the list, as any ambiguous reference does, saying so when a company matches too.
    """
    from crmcli.errors import Ambiguous, Invalid
    from crmcli.services.refs import parse_id

    kind, sep, rest = ref.partition(":")
    if sep and kind.strip().lower() in ("company", "contact"):
        if kind.strip().lower() == "company":
            return "company", company_ref(context, rest)
        return "contact", contact_ref(context, rest)
    if not ref.strip():
        raise Invalid("A reference cannot be empty; give a contact's id, e-mail or name, or company:REF.")
    try:
        return "contact", contact_ref(context, ref)
    except NotFound:
        if parse_id(ref, "contact") is not None or "@" in ref:
            raise  # an id or an e-mail address is only ever a contact's
    except Ambiguous as exc:
        company = _company_also(context, ref)
        if company is None:
            raise
        raise Ambiguous(
            f"{str(exc).removesuffix('.')} (or company:{ref.strip()} for {company}).", exc.candidates
        ) from None
    try:
        return "company", company_ref(context, ref)
    except NotFound:
        raise NotFound(f"No contact or company matches {ref!r}.") from None


def _company_also(context: AppContext, ref: str) -> str | None:
    """The company (or companies) a reference also matches, named for a message; None if none."""
    from crmcli.services.refs import company_matches

    found = company_matches(context.db, ref)
    if not found:
        return None
    return found[0][1] if len(found) == 1 else f"the {len(found)} companies it matches"


# --- a contact -----------------------------------------------------------------------------------


def show_contact(context: AppContext, contact_id: int, as_json: bool) -> None:
    from crmcli.services.views import contact_view

    view = contact_view(context.db, context.config, contact_id, now=context.now)
    out = context.out
    if as_json:
        out.json(view)
        return
    c = view["contact"]
    out.fields(
        [
            ("Id", c["id"]),
            ("Emails", c["emails"]),
            ("Phones", c["phones"]),
            ("Company", c.get("company")),
            ("Title", c.get("title")),
            ("Stage", c["lifecycle_stage"]),
            ("Customer since", out.when(c.get("customer_since"))),
            ("Churned", out.when(c.get("churned_at"))),
            ("Churn reason", c.get("churn_reason")),
            ("Source", c.get("source")),
            ("Referred by", c.get("referred_by_name")),
            ("Owner", owner_text(view["owner"])),
            ("Country", c.get("country")),
            ("Time zone", c.get("timezone")),
            ("Local time", local_time_text(out, view["local_time"])),
            ("Language", c.get("language")),
            ("Birthday", c.get("birthday")),
            ("Tags", c["tags"]),
            ("Consent", consent_text(out, view["consents"])),
            ("Last touch", out.when(c.get("last_touch_at")) or "never"),
            *[(key, value) for key, value in c["fields"].items()],
        ],
        title=c["name"],
    )
    render_sections(out, view, with_contact=False)


# --- a company ----------------------------------------------------------------------------------


def show_company(context: AppContext, company_id: int, as_json: bool) -> None:
    from crmcli.render.output import Column
    from crmcli.services.views import company_view

    view = company_view(context.db, context.config, company_id, now=context.now)
    out = context.out
    if as_json:
        out.json(view)
        return
    c = view["company"]
    out.fields(
        [
            ("Id", c["id"]),
            ("Domain", c.get("domain")),
            ("Industry", c.get("industry")),
            ("Employees", c.get("employees")),
            ("Revenue", f"{c['annual_revenue']} {c['revenue_currency'] or ''}".strip()
             if c.get("annual_revenue") is not None else None),
            ("Country", c.get("country")),
            ("Owner", owner_text(view["owner"])),
            ("Tags", c["tags"]),
            *[(key, value) for key, value in c["fields"].items()],
        ],
        title=c["name"],
    )  # fmt: skip
    out.heading(f"People ({len(view['people'])})")
    out.table(
        view["people"],
        [Column("id", "ID", "right"), Column("name", "Name"), Column("title", "Title"),
         Column("email", "Email"), Column("lifecycle_stage", "Stage"), Column("owner", "Owner")],
        empty="No people yet.",
    )  # fmt: skip
    render_sections(out, view, with_contact=True)


# --- the sections both views share ----------------------------------------------------------


def render_sections(out: Output, view: dict[str, Any], *, with_contact: bool) -> None:
    from crmcli.render.output import Column, first_line

    who = [Column("contact", "Contact")] if with_contact else []
    out.heading(f"Open deals ({len(view['open_deals'])})")
    out.table(
        view["open_deals"],
        [Column("id", "ID", "right"), Column("title", "Deal"), *who, Column("pipeline", "Pipeline"),
         Column("stage", "Stage"), Column("amount", "Amount", "right"), Column("close_date", "Close"),
         Column("owner", "Owner")],
        empty="No open deals.",
    )  # fmt: skip
    out.heading(f"Open cases ({len(view['open_cases'])})")
    out.table(view["open_cases"], case_columns(out, who), empty="No open cases.")
    shown, total = len(view["follow_ups"]), view["follow_ups_count"]
    out.heading(f"Next follow-ups ({total if shown == total else f'{shown} of {total}'})")
    out.table(
        view["follow_ups"],
        [Column("id", "ID", "right"), Column("due_at", "Due", format=out.when), Column("kind", "Kind"),
         *who, Column("note", "What", format=first_line), Column("owner", "Owner")],
        empty="Nothing planned.",
    )  # fmt: skip
    out.heading("Recent activity")
    out.table(
        view["timeline"],
        [Column("at", "When", format=out.when), Column("kind", "Kind"), *who,
         Column("direction", "Dir"), Column("note", "Note", format=first_line),
         Column("outcome", "Outcome"), Column("owner", "By"), Column("id", "ID", "right")],
        empty="No activity yet.",
    )  # fmt: skip


def case_columns(out: Output, who: list[Column]) -> list[Column]:
    """The columns of the cases section (a feature that adds a field to the section adds
    its column here)."""
    from crmcli.render.output import Column

    return [Column("id", "ID", "right"), Column("subject", "Subject"), *who,
            Column("priority", "Priority"), Column("status", "Status"),
            Column("opened_at", "Opened", format=out.when), Column("sla", "SLA"),
            Column("owner", "Owner")]  # fmt: skip


def owner_text(owner: dict[str, Any] | None) -> str | None:
    if not owner:
        return None
    return f"{owner['handle']} ({owner['name']})" if owner.get("name") else owner["handle"]


def local_time_text(out: Output, local: dict[str, Any] | None) -> str | None:
    """ "Fri 23:30", or the ISO moment in plain output; flagged outside business hours."""
    if not local:
        return None
    from crmcli.render.output import their_time_text

    text = their_time_text(out, local["time"])
    return f"{text} (outside business hours)" if local["outside_hours"] else text


def consent_text(out: Output, consents: list[dict[str, Any]]) -> str | None:
    if not consents:
        return None
    return "; ".join(f"{c['purpose']} {c['status']} {out.when(c['at'])}".strip() for c in consents)
