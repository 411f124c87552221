"""crm company …: the organisations your contacts work for."""

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
    company_ref,
    confirm,
    new_app,
    output_format,
    parse_fields,
    require,
    split_list,
)
from crmcli.models import ListQuery

if TYPE_CHECKING:
    from crmcli.context import AppContext

app = new_app("Companies: the organisations your contacts work for.")

DomainOpt = Annotated[str | None, typer.Option("--domain", "-d", help="Web domain (acme.no).")]
IndustryOpt = Annotated[str | None, typer.Option("--industry", help="Industry.")]
EmployeesOpt = Annotated[str | None, typer.Option("--employees", help="Number of employees.")]
RevenueOpt = Annotated[str | None, typer.Option("--revenue", help="Annual revenue, whole units.")]
RevenueCurrencyOpt = Annotated[
    str | None, typer.Option("--revenue-currency", help="Currency of --revenue (default: base).")
]
CountryOpt = Annotated[str | None, typer.Option("--country", help="ISO country code or name.")]

LIST_COLUMNS = ("id", "name", "domain", "industry", "employees", "country", "owner", "people", "tags")


def _columns():  # type: ignore[no-untyped-def]
    from crmcli.render.output import Column

    return [
        Column("id", "ID", "right"),
        Column("name", "Name"),
        Column("domain", "Domain"),
        Column("industry", "Industry"),
        Column("employees", "Employees", "right"),
        Column("country", "Country"),
        Column("owner", "Owner"),
        Column("people", "People", "right"),
        Column("tags", "Tags"),
    ]


@app.command("add")
def company_add(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="The company's name.")] = None,
    domain: DomainOpt = None,
    industry: IndustryOpt = None,
    employees: EmployeesOpt = None,
    revenue: RevenueOpt = None,
    revenue_currency: RevenueCurrencyOpt = None,
    country: CountryOpt = None,
    owner: OwnerOpt = None,
    tag: TagOpt = None,
    field: FieldOpt = None,
    json: JsonOpt = False,
) -> None:
    """Add a company (an account)."""
    from crmcli.services.companies import CompanyInput, add_company

    context = app_context(ctx)
    data = CompanyInput(
        name=require(name, "NAME", "Company name:", context),
        domain=domain,
        industry=industry,
        employees=employees,
        annual_revenue=revenue,
        revenue_currency=revenue_currency,
        country=country,
        owner=owner,
        tags=split_list(tag),
        fields=parse_fields(field),
    )
    record = add_company(context.session, data)
    if json:
        context.out.json(record)
    else:
        context.out.note(f"Added company #{record['id']} {record['name']}.")


@app.command("list")
def company_list(
    ctx: typer.Context,
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Text in name, domain, industry.")
    ] = None,
    tag: TagOpt = None,
    owner: OwnerOpt = None,
    country: CountryOpt = None,
    industry: IndustryOpt = None,
    min_employees: Annotated[
        int | None, typer.Option("--min-employees", help="At least N employees.")
    ] = None,
    max_employees: Annotated[int | None, typer.Option("--max-employees", help="At most N employees.")] = None,
    field: FieldFilterOpt = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort", help="name, id, created, updated, employees, revenue, country, industry, owner."
        ),
    ] = "name",
    limit: LimitOpt = None,
    offset: OffsetOpt = 0,
    json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """List companies, narrowed by any filter."""
    from crmcli.services.companies import list_companies

    context = app_context(ctx)
    chosen = output_format(json, fmt)
    query = company_query(context, search=search, tag=tag, owner=owner, country=country, industry=industry,
                          min_employees=min_employees, max_employees=max_employees, field=field,
                          sort=sort)  # fmt: skip
    query.limit, query.offset = limit, offset
    rows = list_companies(context.db, query)
    context.out.listing(chosen, rows, LIST_COLUMNS, _columns(), empty="No companies match.")


def company_query(
    context: AppContext,
    *,
    search: str | None,
    tag: list[str] | None,
    owner: str | None,
    country: str | None,
    industry: str | None,
    min_employees: int | None,
    max_employees: int | None,
    field: list[str] | None,
    sort: str,
) -> ListQuery:
    """The query the filters of `crm company list` make (`crm export companies` too)."""
    from crmcli import validate
    from crmcli.services.contacts import owner_handle

    return ListQuery(
        tags=split_list(tag),
        # Someone not on the team is refused, as `crm contact list --owner` refuses them,
        # not read as an owner who happens to own nothing.
        owner=owner_handle(context.session, owner) if owner is not None else None,
        country=validate.country_code(country) if country else None,
        industry=industry,
        min_employees=min_employees,
        max_employees=max_employees,
        fields={k: v or "" for k, v in parse_fields(field).items()},
        search=validate.fold(search) if search else None,
        sort=sort,
    )


@app.command("show")
def company_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, domain or name prefix.")],
    json: JsonOpt = False,
) -> None:
    """Show one company with its people."""
    from crmcli.cli.show import show_company

    context = app_context(ctx)
    show_company(context, company_ref(context, ref), json)


@app.command("edit")
def company_edit(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, domain or name prefix.")],
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    domain: DomainOpt = None,
    industry: IndustryOpt = None,
    employees: EmployeesOpt = None,
    revenue: RevenueOpt = None,
    revenue_currency: RevenueCurrencyOpt = None,
    country: CountryOpt = None,
    owner: OwnerOpt = None,
    tag: TagOpt = None,
    untag: Annotated[list[str] | None, typer.Option("--untag", help="Remove a tag (repeatable).")] = None,
    field: FieldOpt = None,
    json: JsonOpt = False,
) -> None:
    """Change a company; "" clears a field."""
    from crmcli.services.companies import CompanyInput, edit_company

    context = app_context(ctx)
    company_id = company_ref(context, ref)
    data = CompanyInput(
        name=name,
        domain=domain,
        industry=industry,
        employees=employees,
        annual_revenue=revenue,
        revenue_currency=revenue_currency,
        country=country,
        owner=owner,
        tags=split_list(tag),
        untags=split_list(untag),
        fields=parse_fields(field),
    )
    record = edit_company(context.session, company_id, data)
    if json:
        context.out.json(record)
    else:
        context.out.note(f"Updated company #{record['id']} {record['name']}.")


@app.command("delete")
def company_delete(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, domain or name prefix.")],
    yes: YesOpt = False,
) -> None:
    """Delete a company; its people, deals and cases stay, unlinked."""
    from crmcli.services.companies import delete_company, get_company

    context = app_context(ctx)
    company_id = company_ref(context, ref)
    record = get_company(context.db, company_id)
    confirm(context, yes, f"Delete company #{company_id} {record['name']}?")
    delete_company(context.session, company_id)
    context.out.note(f"Deleted company #{company_id} {record['name']}.")
