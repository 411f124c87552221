"""crm lead …: leads from their source to qualified to converted (an opportunity with a deal)."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.contacts import (
    BirthdayOpt,
    CompanyOpt,
    CountryOpt,
    EmailOpt,
    LangOpt,
    PhoneOpt,
    ReferredOpt,
    TitleOpt,
    TzOpt,
)
from crmcli.cli.deals import AmountOpt, CloseOpt, CurrencyOpt, KindOpt, PipelineOpt, note_missing_rate
from crmcli.cli.options import (
    FieldOpt,
    FormatOpt,
    JsonOpt,
    LimitOpt,
    OffsetOpt,
    OwnerOpt,
    TagOpt,
    app_context,
    contact_ref,
    new_app,
    output_format,
    parse_fields,
    referrer_ref,
    require,
    split_list,
)

app = new_app("Leads: from where they came from, to qualified, to an opportunity with a deal.")

LeadArg = Annotated[str, typer.Argument(help="The lead: id, e-mail or name prefix.")]
LIST_COLUMNS = ("id", "name", "email", "company", "lifecycle_stage", "source", "owner", "created_at")


@app.command("add")
def lead_add(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Full name, as the person writes it.")] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Where the lead came from: web form, cold call, event …")
    ] = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    referred_by: ReferredOpt = None,
    owner: OwnerOpt = None,
    country: CountryOpt = None,
    tz: TzOpt = None,
    lang: LangOpt = None,
    birthday: BirthdayOpt = None,
    tag: TagOpt = None,
    field: FieldOpt = None,
    json: JsonOpt = False,
) -> None:
    """Add a lead: a contact in the lead stage, with its source (routing rules on lead.created apply)."""
    from crmcli.services.contacts import ContactInput
    from crmcli.services.leads import add_lead

    context = app_context(ctx)
    data = ContactInput(
        name=require(name, "NAME", "Name", context),
        source=require(source, "--source", "Where did the lead come from", context),
        emails=email, phones=phone, company=company, title=title,
        referred_by=referrer_ref(context, referred_by),
        owner=owner, country=country, timezone=tz, language=lang, birthday=birthday,
        tags=split_list(tag), fields=parse_fields(field),
    )  # fmt: skip
    record = add_lead(context.session, data)
    if json:
        context.out.json(record)
    else:
        who = f", owner {record['owner']}" if record.get("owner") else ""
        context.out.note(f"Added lead #{record['id']} {record['name']} (from {record['source']}{who}).")


@app.command("list")
def lead_list(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option("--stage", help="lead or qualified (default: both).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only leads from this source.")] = None,
    owner: OwnerOpt = None,
    limit: LimitOpt = None,
    offset: OffsetOpt = 0,
    json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """List leads and qualified leads, newest first."""
    from crmcli.render.output import Column
    from crmcli.services.leads import OPEN_STAGES, list_leads

    context = app_context(ctx)
    chosen = output_format(json, fmt)
    stages = (stage.strip().lower(),) if stage else OPEN_STAGES
    rows = list_leads(context.session, stages=stages, source=source, owner=owner, limit=limit, offset=offset)
    if chosen == "json":
        context.out.json(rows)
    elif chosen == "csv":
        context.out.csv(rows, LIST_COLUMNS)
    else:
        out = context.out
        out.table(
            rows,
            [Column("id", "ID", "right"), Column("name", "Name"), Column("email", "Email"),
             Column("company", "Company"), Column("lifecycle_stage", "Stage"), Column("source", "Source"),
             Column("owner", "Owner"), Column("created_at", "Added", format=out.when)],
            empty="No leads match.",
        )  # fmt: skip


@app.command("qualify")
def lead_qualify(ctx: typer.Context, ref: LeadArg, json: JsonOpt = False) -> None:
    """Mark a lead qualified (lead.qualified)."""
    from crmcli.services.leads import qualify_lead

    context = app_context(ctx)
    record = qualify_lead(context.session, contact_ref(context, ref))
    if json:
        context.out.json(record)
    else:
        context.out.note(f"Qualified #{record['id']} {record['name']}.")


@app.command("convert")
def lead_convert(
    ctx: typer.Context,
    ref: LeadArg,
    deal: Annotated[
        str | None, typer.Option("--deal", help="The deal's title (default: the company's or lead's name).")
    ] = None,
    amount: AmountOpt = None,
    currency: CurrencyOpt = None,
    pipeline: PipelineOpt = None,
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="The deal's stage (default: the first).")
    ] = None,
    close: CloseOpt = None,
    owner: Annotated[
        str | None,
        typer.Option("--owner", metavar="HANDLE", help="The deal's owner (default: the contact's)."),
    ] = None,
    kind: KindOpt = None,
    no_deal: Annotated[bool, typer.Option("--no-deal", help="Convert without opening a deal.")] = False,
    json: JsonOpt = False,
) -> None:
    """Make a lead an opportunity and open a deal for it (lead.converted, then deal.created)."""
    from crmcli.errors import Invalid
    from crmcli.services.deals import DealInput
    from crmcli.services.leads import convert_lead

    context = app_context(ctx)
    contact_id = contact_ref(context, ref)
    deal_options = (deal, amount, currency, pipeline, stage, close, owner, kind)
    if no_deal and any(option is not None for option in deal_options):
        raise Invalid("--no-deal cannot go with the deal's options (--deal, --amount, --stage …).")
    data = None if no_deal else DealInput(
        title=deal, amount=amount, currency=currency, pipeline=pipeline, stage=stage, close=close,
        owner=owner, kind=kind,
    )  # fmt: skip
    contact, opened = convert_lead(context.session, contact_id, data)
    if opened is not None:
        note_missing_rate(context, opened)
    if json:
        context.out.json({"contact": contact, "deal": opened})
        return
    if opened is None:
        context.out.note(f"Converted #{contact['id']} {contact['name']} to an opportunity.")
    else:
        from crmcli.money import format_minor

        context.out.note(
            f"Converted #{contact['id']} {contact['name']} to an opportunity; opened deal #{opened['id']} "
            f"{opened['title']} ({format_minor(opened['amount_minor'], opened['currency'])}, "
            f"{opened['pipeline']}/{opened['stage']}, owner {opened['owner']})."
        )
