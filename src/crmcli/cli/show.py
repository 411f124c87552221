"""crm show REF: the 360° view of a contact or a company."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.options import JsonOpt, app_context, company_ref, contact_ref, new_app
from crmcli.context import AppContext
from crmcli.errors import NotFound

app = new_app("The 360° view of a record.")


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="A contact (id, e-mail, name) or company:REF.")],
    json: JsonOpt = False,
) -> None:
    """The 360° view of a contact or a company (company:REF, or a name only a company has)."""
    context = app_context(ctx)
    kind, _, rest = ref.partition(":")
    if rest and kind in ("company", "contact"):
        if kind == "company":
            show_company(context, company_ref(context, rest), json)
        else:
            show_contact(context, contact_ref(context, rest), json)
        return
    try:
        contact_id = contact_ref(context, ref)
    except NotFound:
        try:
            company_id = company_ref(context, ref)
        except NotFound:
            raise NotFound(f"No contact or company matches {ref!r}.") from None
        show_company(context, company_id, json)
        return
    show_contact(context, contact_id, json)


def show_contact(context: AppContext, contact_id: int, as_json: bool) -> None:
    from crmcli.services.views import contact_view

    view = contact_view(context.db, contact_id, context.session.now)
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
            ("Source", c.get("source")),
            ("Referred by", c.get("referred_by_name")),
            ("Owner", c.get("owner")),
            ("Country", c.get("country")),
            ("Time zone", c.get("timezone")),
            ("Local time", view["local_time"]),
            ("Language", c.get("language")),
            ("Birthday", c.get("birthday")),
            ("Tags", c["tags"]),
            *[(key, value) for key, value in c["fields"].items()],
        ],
        title=c["name"],
    )


def show_company(context: AppContext, company_id: int, as_json: bool) -> None:
    from crmcli.render.output import Column
    from crmcli.services.views import company_view

    view = company_view(context.db, company_id)
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
            ("Owner", c.get("owner")),
            ("Tags", c["tags"]),
            *[(key, value) for key, value in c["fields"].items()],
        ],
        title=c["name"],
    )
    out.heading(f"People ({len(view['people'])})")
    out.table(
        view["people"],
        [Column("id", "ID", "right"), Column("name", "Name"), Column("title", "Title"),
         Column("email", "Email"), Column("lifecycle_stage", "Stage"), Column("owner", "Owner")],
        empty="No people yet.",
    )  # fmt: skip
