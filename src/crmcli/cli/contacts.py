"""crm contact …: the people you sell to and support."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli.options import (
    FieldFilterOpt,
    FieldOpt,
    FormatOpt,
    JsonOpt,
    LimitOpt,
    OffsetOpt,
    OwnerOpt,
    TagOpt,
    YesOpt,
    app_context,
    confirm,
    contact_ref,
    new_app,
    output_format,
    parse_fields,
    referrer_ref,
    require,
    split_list,
)
from crmcli.errors import Invalid
from crmcli.models import LIFECYCLE_STAGES, ListQuery

if TYPE_CHECKING:
    from crmcli.context import AppContext

app = new_app("Contacts: the people you sell to and support.")

EmailOpt = Annotated[
    list[str] | None, typer.Option("--email", "-e", help="An e-mail address (repeatable; first is primary).")
]
PhoneOpt = Annotated[
    list[str] | None, typer.Option("--phone", "-p", help="A phone number (repeatable; stored as E.164).")
]
CompanyOpt = Annotated[
    str | None, typer.Option("--company", "-c", help="Company id, domain or name (a new name creates it).")
]
StageOpt = Annotated[
    str | None,
    typer.Option("--stage", help=f"Lifecycle stage: {', '.join(LIFECYCLE_STAGES)}."),
]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Job title.")]
SourceOpt = Annotated[
    str | None, typer.Option("--source", help="Where they came from (web, referral, event, …).")
]
ReferredOpt = Annotated[str | None, typer.Option("--referred-by", help="The contact who referred them.")]
CountryOpt = Annotated[str | None, typer.Option("--country", help="ISO country code or name.")]
TzOpt = Annotated[str | None, typer.Option("--tz", "--timezone", help="IANA time zone (Europe/Oslo).")]
LangOpt = Annotated[str | None, typer.Option("--lang", "--language", help="Preferred language (nb, sv, zh).")]
BirthdayOpt = Annotated[str | None, typer.Option("--birthday", help="YYYY-MM-DD, or --MM-DD without a year.")]

# A list creates and clears nothing: its filters have their own help, not add's and edit's.
CompanyFilterOpt = Annotated[
    str | None, typer.Option("--company", "-c", help="Only this company's people: its id, domain or name.")
]

LIST_COLUMNS = ("id", "name", "email", "phone", "company", "lifecycle_stage", "owner", "country", "tags")


def _columns():  # type: ignore[no-untyped-def]
    from crmcli.render.output import Column

    return [
        Column("id", "ID", "right"),
        Column("name", "Name"),
        Column("email", "Email"),
        Column("phone", "Phone"),
        Column("company", "Company"),
        Column("lifecycle_stage", "Stage"),
        Column("owner", "Owner"),
        Column("country", "Country"),
        Column("tags", "Tags"),
    ]


@app.command("add")
def contact_add(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Full name, as the person writes it.")] = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    stage: StageOpt = None,
    source: SourceOpt = None,
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
    """Add a contact (a person)."""
    from crmcli.services.contacts import ContactInput, add_contact

    context = app_context(ctx)
    data = ContactInput(
        name=require(name, "NAME", "Name:", context),
        emails=email,
        phones=phone,
        company=company,
        title=title,
        lifecycle_stage=stage,
        source=source,
        referred_by=referrer_ref(context, referred_by),
        owner=owner,
        country=country,
        timezone=tz,
        language=lang,
        birthday=birthday,
        tags=split_list(tag),
        fields=parse_fields(field),
    )
    record = add_contact(context.session, data)
    if json:
        context.out.json(record)
    else:
        company_note = f" at {record['company']}" if record.get("company") else ""
        context.out.note(f"Added contact #{record['id']} {record['name']}{company_note}.")


@app.command("list")
def contact_list(
    ctx: typer.Context,
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Text in names, e-mails, companies, notes.")
    ] = None,
    tag: TagOpt = None,
    owner: OwnerOpt = None,
    stage: StageOpt = None,
    country: CountryOpt = None,
    company: CompanyFilterOpt = None,
    industry: Annotated[str | None, typer.Option("--industry", help="The company's industry.")] = None,
    min_employees: Annotated[
        int | None, typer.Option("--min-employees", help="Company size at least N.")
    ] = None,
    max_employees: Annotated[
        int | None, typer.Option("--max-employees", help="Company size at most N.")
    ] = None,
    field: FieldFilterOpt = None,
    consent: Annotated[
        str | None,
        typer.Option("--consent", metavar="PURPOSE", help="Only people whose consent for PURPOSE is given."),
    ] = None,
    sort: Annotated[
        str,
        typer.Option("--sort", help="name, id, created, updated, stage, country or owner; -name reverses."),
    ] = "name",
    limit: LimitOpt = None,
    offset: OffsetOpt = 0,
    json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """List contacts, narrowed by any filter."""
    from crmcli.services.contacts import list_contacts

    context = app_context(ctx)
    chosen = output_format(json, fmt)
    query = contact_query(context, search=search, tag=tag, owner=owner, stage=stage, country=country,
                          company=company, industry=industry, min_employees=min_employees,
                          max_employees=max_employees, field=field, consent=consent, sort=sort)  # fmt: skip
    query.limit, query.offset = limit, offset
    rows = list_contacts(context.db, query)
    context.out.listing(chosen, rows, LIST_COLUMNS, _columns(), empty="No contacts match.")


def contact_query(
    context: AppContext,
    *,
    search: str | None,
    tag: list[str] | None,
    owner: str | None,
    stage: str | None,
    country: str | None,
    company: str | None,
    industry: str | None,
    min_employees: int | None,
    max_employees: int | None,
    field: list[str] | None,
    consent: str | None,
    sort: str,
) -> ListQuery:
    """The query the filters of `crm contact list` make (`crm export contacts|vcard` too)."""
    from crmcli import validate

    query = ListQuery(
        tags=split_list(tag),
        owner=_owner_filter(context, owner),
        stage=stage.strip().lower() if stage else None,
        country=validate.country_code(country) if country else None,
        industry=industry,
        min_employees=min_employees,
        max_employees=max_employees,
        fields={k: v or "" for k, v in parse_fields(field).items()},
        search=validate.fold(search) if search else None,
        sort=sort,
    )
    if consent is not None:
        from crmcli.services.privacy import purpose_name

        query.consent = purpose_name(consent)
    if company:
        from crmcli.cli.options import company_ref

        query.company_id = company_ref(context, company)
    return query


def _owner_filter(context: AppContext, owner: str | None) -> str | None:
    """--owner as `crm deal list` takes it: someone not on the team is refused, not read
    as an owner who happens to own nothing."""
    if owner is None:
        return None
    from crmcli.services.contacts import owner_handle

    return owner_handle(context.session, owner)


@app.command("show")
def contact_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, e-mail or name prefix.")],
    json: JsonOpt = False,
) -> None:
    """Show one contact: the 360° view."""
    from crmcli.cli.show import show_contact

    context = app_context(ctx)
    show_contact(context, contact_ref(context, ref), json)


@app.command("edit")
def contact_edit(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, e-mail or name prefix.")],
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    stage: StageOpt = None,
    source: SourceOpt = None,
    referred_by: ReferredOpt = None,
    owner: OwnerOpt = None,
    country: CountryOpt = None,
    tz: TzOpt = None,
    lang: LangOpt = None,
    birthday: BirthdayOpt = None,
    tag: TagOpt = None,
    untag: Annotated[list[str] | None, typer.Option("--untag", help="Remove a tag (repeatable).")] = None,
    field: FieldOpt = None,
    json: JsonOpt = False,
) -> None:
    """Change a contact; --email and --phone replace the whole list, "" clears a field."""
    from crmcli.services.contacts import ContactInput, edit_contact

    context = app_context(ctx)
    contact_id = contact_ref(context, ref)
    data = ContactInput(
        name=name,
        emails=email,
        phones=phone,
        company=company,
        title=title,
        lifecycle_stage=stage,
        source=source,
        referred_by=referrer_ref(context, referred_by),
        owner=owner,
        country=country,
        timezone=tz,
        language=lang,
        birthday=birthday,
        tags=split_list(tag),
        untags=split_list(untag),
        fields=parse_fields(field),
    )
    record = edit_contact(context.session, contact_id, data)
    if json:
        context.out.json(record)
    else:
        context.out.note(f"Updated contact #{record['id']} {record['name']}.")


@app.command("tag")
def contact_tag(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, e-mail or name prefix.")],
    tags: Annotated[list[str], typer.Argument(help="Tags to add; -tag removes one.")],
    json: JsonOpt = False,
) -> None:
    """Add tags to a contact, or remove them with a leading minus (crm contact tag 12 vip -- -trial)."""
    from crmcli.services.contacts import tag_contact

    context = app_context(ctx)
    contact_id = contact_ref(context, ref)
    # The sign belongs to each tag of an argument ("nordic,-trial" adds one, removes one):
    # split first. A tag may not start with a sign (validate.tag), so none is misread.
    add: list[str] = []
    remove: list[str] = []
    for name in split_list(tags):
        if name in ("-", "+"):
            raise Invalid(f"{name!r} names no tag; write the tag right after the sign ({name}trial).")
        if name[0] == "-":
            remove.append(name[1:])
        else:
            add.append(name.removeprefix("+"))
    record = tag_contact(context.session, contact_id, add, remove)
    if json:
        context.out.json(record)
    else:
        context.out.note(f"Tags of #{record['id']} {record['name']}: {', '.join(record['tags']) or 'none'}.")


@app.command("delete")
def contact_delete(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, e-mail or name prefix.")],
    yes: YesOpt = False,
) -> None:
    """Delete a contact; their deals, cases and activities stay, unlinked."""
    from crmcli.services.contacts import delete_contact, get_contact

    context = app_context(ctx)
    contact_id = contact_ref(context, ref)
    record = get_contact(context.db, contact_id)
    confirm(context, yes, f"Delete contact #{contact_id} {record['name']}?")
    delete_contact(context.session, contact_id)
    context.out.note(f"Deleted contact #{contact_id} {record['name']}.")


@app.command("churn")
def contact_churn(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, e-mail or name prefix.")],
    reason: Annotated[str | None, typer.Option("--reason", "-r", help="Why they left (required).")] = None,
    json: JsonOpt = False,
) -> None:
    """Mark a customer churned, with the reason; their customer-since date is kept."""
    from crmcli.services.leads import churn_contact

    context = app_context(ctx)
    contact_id = contact_ref(context, ref)
    # Required as `crm lead add --source` is: asked for at a terminal, a usage error elsewhere.
    reason = require(reason, "--reason", "Why did they leave", context)
    record = churn_contact(context.session, contact_id, reason)
    if json:
        context.out.json(record)
    else:
        context.out.note(f"#{record['id']} {record['name']} churned ({record['churn_reason']}).")


@app.command("duplicates")
def contact_duplicates(
    ctx: typer.Context,
    threshold: Annotated[
        int,
        typer.Option(
            "--threshold", metavar="N", help="The lowest score (0-100) that makes two contacts a pair."
        ),
    ] = 80,
    json: JsonOpt = False,
) -> None:
    """Groups of contacts that are probably one person: same e-mail, same phone, or a
    similar name at the same company, scored 0-100 with the reasons."""
    from crmcli.services.duplicates import find_duplicates

    context = app_context(ctx)
    groups = find_duplicates(context.db, threshold=threshold, default_country=context.config.default_country)
    if json:
        context.out.json([group.as_dict() for group in groups])
        return
    from crmcli.render.output import Column

    rows = [
        {
            "group": group.number,
            "score": group.score,
            "contacts": "; ".join(
                f"#{c['id']} {c['name']}" + (f" ({c['company']})" if c.get("company") else "")
                for c in group.contacts
            ),
            "reasons": "; ".join(group.reasons),
        }
        for group in groups
    ]
    context.out.table(
        rows,
        [
            Column("group", "Group", "right"),
            Column("score", "Score", "right"),
            Column("contacts", "Contacts"),
            Column("reasons", "Reasons"),
        ],
        empty="No probable duplicates.",
    )
    if groups:
        first = groups[0]
        context.out.note(
            f"{len(groups)} group(s); merge one with: crm contact merge {' '.join(map(str, first.ids))}"
        )


@app.command("merge")
def contact_merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The contact to keep: id, e-mail or name prefix.")],
    others: Annotated[
        list[str], typer.Argument(metavar="OTHER...", help="The contacts merged into it, then deleted.")
    ],
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Merge duplicates into one contact: their activities, deals, cases, feedback, consents,
    tags, custom fields, e-mails, phones and history move to KEEP, its empty fields are
    filled from them (never overwritten), and they are deleted. One transaction; crm undo
    takes it apart."""
    from crmcli.services.contacts import writable_contact
    from crmcli.services.merge import check_refs, merge_contacts

    context = app_context(ctx)
    keep_id = contact_ref(context, keep)
    other_ids = check_refs(keep_id, [contact_ref(context, ref) for ref in others])
    # An erased contact is refused before the question, not after a "yes".
    kept = writable_contact(context.db, keep_id)
    names = ", ".join(f"#{i} {writable_contact(context.db, i)['name']}" for i in other_ids)
    confirm(context, yes, f"Merge {names} into #{keep_id} {kept['name']} and delete the merged ones?")
    result = merge_contacts(context.session, keep_id, other_ids)
    if json:
        context.out.json(result.as_dict())
    else:
        context.out.note(result.describe())
