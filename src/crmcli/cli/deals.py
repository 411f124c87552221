"""crm deal …, crm pipeline and crm forecast: deals through their stages, the board, the forecast."""

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
    company_ref,
    contact_ref,
    new_app,
    output_format,
    require,
)
from crmcli.context import AppContext

if TYPE_CHECKING:
    from crmcli.context import AppContext
    from crmcli.services.deals import DealInput
    from crmcli.storage.deals import DealQuery

app = new_app("Deals: amounts in any currency moving through pipeline stages to won or lost.")

DealArg = Annotated[str, typer.Argument(help="The deal id (12, #12 or deal:12).")]
ContactOpt = Annotated[str | None, typer.Option("--contact", help="The contact: id, e-mail or name prefix.")]
CompanyOpt = Annotated[str | None, typer.Option("--company", "-c", help="The company: id, domain or name.")]
AmountOpt = Annotated[
    str | None, typer.Option("--amount", "-a", help="12500, 12 500,50, 12k, 1.5m, or with a code: 1200 SEK.")
]
CurrencyOpt = Annotated[
    str | None, typer.Option("--currency", help="ISO 4217 code (default: the base currency).")
]
CloseOpt = Annotated[
    str | None,
    typer.Option("--close", metavar="WHEN", help="Expected close date (2026-06-30, eom, in 3 weeks)."),
]
PipelineOpt = Annotated[str | None, typer.Option("--pipeline", "-P", help="A pipeline from the config.")]
KindOpt = Annotated[str | None, typer.Option("--kind", help="new, upsell or cross-sell.")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", metavar="WHEN", help="As of this moment (default: now).")
]

LIST_COLUMNS = ("id", "title", "contact", "company", "pipeline", "stage", "status", "amount", "currency",
                "close_date", "owner", "kind")  # fmt: skip


def _columns():  # type: ignore[no-untyped-def]
    from crmcli.render.output import Column

    return [
        Column("id", "ID", "right"),
        Column("title", "Title"),
        Column("contact", "Contact"),
        Column("company", "Company"),
        Column("pipeline", "Pipeline"),
        Column("stage", "Stage"),
        Column("value", "Amount", "right"),
        Column("close_date", "Close"),
        Column("owner", "Owner"),
    ]


def _deal_id(ref: str) -> int:
    from crmcli.services.deals import deal_id_from

    return deal_id_from(ref)


def _links(
    context: AppContext, data: DealInput, contact: str | None, company: str | None, *, adding: bool = False
) -> None:
    """--contact/--company references; "" unlinks (edit), and is refused on a new deal
    (a blank variable in a script would otherwise add a deal linked to nobody)."""
    if adding:
        from crmcli.errors import Invalid

        for option, ref in (("--contact", contact), ("--company", company)):
            if ref is not None and not ref.strip():
                raise Invalid(
                    f"{option} cannot be empty on a new deal; give an id, e-mail or name, or leave it out."
                )
    if contact is not None:
        if contact.strip():
            data.contact_id = contact_ref(context, contact)
        else:
            data.unlink_contact = True
    if company is not None:
        if company.strip():
            data.company_id = company_ref(context, company)
        else:
            data.unlink_company = True


def _show_value(row: dict[str, Any]) -> dict[str, Any]:
    """A copy of the row with its amount as text, for a table or a message: the record
    itself (what --json prints) keeps the one shape `deal show --json` has."""
    from crmcli.money import format_minor

    return {**row, "value": format_minor(row["amount_minor"], row["currency"])}


def note_missing_rate(context: AppContext, record: dict[str, Any]) -> None:
    """A word when a deal's currency has no rate yet: totals will refuse it until it has.
    Every command that opens or edits a deal says it (`lead convert` too), naming every
    command that converts to the base currency, so that none of their refusals surprises."""
    from crmcli.money import Rates

    rates = Rates.from_config(context.config)
    if record["currency"] not in rates.rates:
        context.out.note(
            f"Note: there is no exchange rate for {record['currency']} to {rates.base} yet; crm pipeline, "
            "crm forecast, crm kpi, crm report and crm deal list --sort amount refuse it until "
            f"[currencies] rates in {context.config_path} has one."
        )


def _done(context: AppContext, record: dict[str, Any], as_json: bool, message: str) -> None:
    if as_json:
        context.out.json(record)
    else:
        context.out.note(message)


@app.command("add")
def deal_add(
    ctx: typer.Context,
    title: Annotated[str | None, typer.Argument(help="What is being sold, in a few words.")] = None,
    contact: ContactOpt = None,
    company: CompanyOpt = None,
    amount: AmountOpt = None,
    currency: CurrencyOpt = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help="A stage (default: the first).")] = None,
    close: CloseOpt = None,
    pipeline: PipelineOpt = None,
    owner: OwnerOpt = None,
    kind: KindOpt = None,
    json: JsonOpt = False,
) -> None:
    """Open a deal, in the first stage of the default pipeline unless --stage/--pipeline say."""
    from crmcli.services.deals import DealInput, add_deal

    context = app_context(ctx)
    data = DealInput(
        title=require(title, "TITLE", "Deal title", context), amount=amount, currency=currency,
        close=close, pipeline=pipeline, stage=stage, owner=owner, kind=kind,
    )  # fmt: skip
    _links(context, data, contact, company, adding=True)
    record = add_deal(context.session, data)
    note_missing_rate(context, record)
    _done(context, record, json, f"Opened deal #{record['id']} {record['title']} "
          f"({_show_value(record)['value']}, {record['pipeline']}/{record['stage']}).")  # fmt: skip


@app.command("list")
def deal_list(
    ctx: typer.Context,
    pipeline: PipelineOpt = None,
    stage: Annotated[str | None, typer.Option("--stage", "-s", help="Only this stage.")] = None,
    owner: OwnerOpt = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help="open, won, lost or all (repeatable; default open)."),
    ] = None,
    contact: ContactOpt = None,
    company: Annotated[
        str | None, typer.Option("--company", "-c", help="The company's deals and its people's.")
    ] = None,
    kind: KindOpt = None,
    closing_after: Annotated[
        str | None, typer.Option("--closing-after", metavar="WHEN", help="Close date on or after this day.")
    ] = None,
    closing_before: Annotated[
        str | None, typer.Option("--closing-before", metavar="WHEN", help="Close date on or before this day.")
    ] = None,
    sort: Annotated[
        str, typer.Option("--sort", help="close, amount, created, title, stage or id; -amount reverses.")
    ] = "close",
    limit: LimitOpt = None,
    offset: OffsetOpt = 0,
    json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """List deals (open ones unless --status), soonest expected close first."""
    from crmcli.services.deals import list_deals

    context = app_context(ctx)
    chosen = output_format(json, fmt)
    query = deal_query(context, status=status, default_status="open", pipeline=pipeline, stage=stage,
                       owner=owner, kind=kind, contact=contact, company=company,
                       closing_after=closing_after, closing_before=closing_before, sort=sort)  # fmt: skip
    query.limit, query.offset = limit, offset
    rows = list_deals(context.session, query)
    context.out.listing(chosen, rows, LIST_COLUMNS, _columns(), empty="No deals match.", shown=_show_value)


def deal_query(
    context: AppContext,
    *,
    status: list[str] | None,
    default_status: str,
    pipeline: str | None,
    stage: str | None,
    owner: str | None,
    kind: str | None,
    contact: str | None,
    company: str | None,
    closing_after: str | None,
    closing_before: str | None,
    sort: str,
) -> DealQuery:
    """The query the filters of `crm deal list` make (`crm export deals` too, whose
    default status is all rather than open)."""
    from crmcli.cli.options import split_list
    from crmcli.services.deals import STATUSES, close_day
    from crmcli.storage.deals import DealQuery

    session = context.session
    statuses = tuple(s.lower() for s in split_list(status)) or (default_status,)
    return DealQuery(
        statuses=STATUSES if "all" in statuses else statuses, pipeline=pipeline, stage=stage, owner=owner,
        kind=kind or None, sort=sort,
        closing_after=close_day(session, closing_after) if closing_after else None,
        closing_before=close_day(session, closing_before) if closing_before else None,
        contact_id=contact_ref(context, contact) if contact else None,
        company_id=company_ref(context, company) if company else None,
    )  # fmt: skip


@app.command("show")
def deal_show(ctx: typer.Context, ref: DealArg, json: JsonOpt = False) -> None:
    """Show one deal with its stage history."""
    from crmcli.render.output import Column
    from crmcli.services.deals import deal_view

    context = app_context(ctx)
    view = deal_view(context.session, _deal_id(ref))
    out = context.out
    if json:
        out.json(view)
        return
    probability = f"{view['probability']}%" if view["probability"] is not None else "not configured"
    out.fields(
        [
            ("ID", view["id"]),
            ("Amount", _show_value(view)["value"]),
            ("Contact", view.get("contact")),
            ("Company", view.get("company")),
            ("Pipeline", view["pipeline"]),
            ("Stage", f"{view['stage']} ({probability}), {view['days_in_stage']} days"),
            ("Status", view["status"]),
            ("Lost because", view.get("lost_reason")),
            ("Close date", view.get("close_date")),
            ("Owner", view.get("owner")),
            ("Kind", view.get("kind")),
            ("Created", out.when(view["created_at"])),
        ],
        title=view["title"],
    )
    out.heading("Stage changes")
    out.table(
        view["stage_changes"],
        [Column("at", "When", format=out.when), Column("from_stage", "From"), Column("to_stage", "To"),
         Column("actor", "By")],
    )  # fmt: skip


@app.command("edit")
def deal_edit(
    ctx: typer.Context,
    ref: DealArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help='The contact ("" unlinks).')] = None,
    company: Annotated[str | None, typer.Option("--company", "-c", help='The company ("" unlinks).')] = None,
    amount: AmountOpt = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="ISO 4217 code; alone, it keeps the amount's figure.")
    ] = None,
    close: Annotated[
        str | None, typer.Option("--close", metavar="WHEN", help='Expected close date ("" clears).')
    ] = None,
    owner: OwnerOpt = None,
    kind: KindOpt = None,
    json: JsonOpt = False,
) -> None:
    """Change a deal's title, contact, company, amount, currency, close date, owner or kind."""
    from crmcli.services.deals import DealInput, edit_deal

    context = app_context(ctx)
    deal_id = _deal_id(ref)
    data = DealInput(title=title, amount=amount, currency=currency, close=close, owner=owner, kind=kind)
    _links(context, data, contact, company)
    record = edit_deal(context.session, deal_id, data)
    if amount is not None or currency is not None:
        note_missing_rate(context, record)
    _done(context, record, json, f"Updated deal #{record['id']} {record['title']}.")


@app.command("move")
def deal_move(
    ctx: typer.Context,
    ref: DealArg,
    stage: Annotated[str, typer.Argument(help="The stage to move to (a unique prefix will do).")],
    pipeline: Annotated[
        str | None, typer.Option("--pipeline", "-P", help="Move it into this pipeline as well.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Move an open deal to another stage."""
    from crmcli.services.deals import get_deal, move_deal

    context = app_context(ctx)
    deal_id = _deal_id(ref)
    before = get_deal(context.db, deal_id)
    record = move_deal(context.session, deal_id, stage, pipeline)
    if record["stage"] == before["stage"] and record["pipeline"] == before["pipeline"]:
        message = f"Deal #{deal_id} is in {record['pipeline']}/{record['stage']} already."
    else:
        message = f"Moved deal #{deal_id} {record['title']}: {before['stage']} → {record['stage']}."
    _done(context, record, json, message)


@app.command("won")
def deal_won(ctx: typer.Context, ref: DealArg, json: JsonOpt = False) -> None:
    """Mark a deal won today; its contact becomes a customer."""
    from crmcli.services.deals import win_deal

    context = app_context(ctx)
    record = win_deal(context.session, _deal_id(ref))
    _done(
        context, record, json, f"Won deal #{record['id']} {record['title']} ({_show_value(record)['value']})."
    )


@app.command("lost")
def deal_lost(
    ctx: typer.Context,
    ref: DealArg,
    reason: Annotated[
        str | None, typer.Option("--reason", "-r", help="Why, from lost_reasons in the config (required).")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", "-m", help="More words, kept in the history.")] = None,
    json: JsonOpt = False,
) -> None:
    """Mark a deal lost today, with a reason from the configured list."""
    from crmcli.services.deals import lose_deal

    context = app_context(ctx)
    deal_id = _deal_id(ref)
    if reason is None and context.interactive:
        from crmcli.cli import prompts
        from crmcli.services.pipelines import lost_reasons

        reasons = lost_reasons(context.config)
        reason = reasons[prompts.pick(f"Why was deal #{deal_id} lost?", list(enumerate(reasons)))]
    record = lose_deal(context.session, deal_id, reason, note)
    _done(context, record, json, f"Lost deal #{record['id']} {record['title']} ({record['lost_reason']}).")


@app.command("reopen")
def deal_reopen(
    ctx: typer.Context,
    ref: DealArg,
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="The stage (default: where it was closed from).")
    ] = None,
    pipeline: PipelineOpt = None,
    json: JsonOpt = False,
) -> None:
    """Open a won or lost deal again."""
    from crmcli.services.deals import reopen_deal

    context = app_context(ctx)
    record = reopen_deal(context.session, _deal_id(ref), stage, pipeline)
    _done(context, record, json, f"Reopened deal #{record['id']} {record['title']} in {record['stage']}.")


def _as_of(context: AppContext, as_of: str | None) -> None:
    if as_of is not None:  # "" is no date, not now: parse_when refuses it
        from crmcli.dates import parse_when

        session = context.session
        session.now = parse_when(as_of, now=session.now, tz=session.tz, week_start=session.config.week_start)


@app.command("pipeline")
def pipeline(
    ctx: typer.Context,
    pipeline_name: Annotated[
        str | None, typer.Option("--pipeline", "-P", help="Which pipeline (default: the first).")
    ] = None,
    owner: OwnerOpt = None,
    limit: Annotated[
        int,
        typer.Option("--limit", "-n", min=0, help="Deals shown per stage (default 10); totals count all."),
    ] = 10,
    as_of: AsOfOpt = None,
    json: JsonOpt = False,
) -> None:
    """The board: open deals by stage, with count, total and weighted total in the base currency."""
    from crmcli.render.board import render_board
    from crmcli.services.board import pipeline_board

    context = app_context(ctx)
    _as_of(context, as_of)
    board = pipeline_board(context.session, pipeline_name, owner, limit)
    if json:
        context.out.json(board)
    else:
        render_board(context.out, board)
    _note_unconfigured(context, board, pipeline_name is None)


def _note_unconfigured(context: AppContext, board: dict[str, Any], plain: bool) -> None:
    """What the board leaves out or cannot weigh because the config no longer has a pipeline:
    the forecast and the KPIs count those open deals, and a board that silently left them
    out could not be reconciled with them."""
    import shlex

    from crmcli.services.board import unconfigured_open_deals
    from crmcli.services.pipelines import pipelines

    if not plain:
        if board["pipeline"] not in {p.name for p in pipelines(context.config)}:
            context.out.note(
                f"Note: the config no longer has the pipeline {board['pipeline']}, so none of its "
                "stages is configured; move its deals with `crm deal move ID STAGE --pipeline P`."
            )
        return
    counts = unconfigured_open_deals(context.session, board["owner"])
    if not counts:
        return
    total = sum(counts.values())
    deals, them = ("1 open deal is", "it") if total == 1 else (f"{total} open deals are", "them")
    if len(counts) == 1:
        (name,) = counts
        where, command = f"the pipeline {name}, which the config no longer has", shlex.quote(name)
    else:
        listed = ", ".join(f"{name} {count}" for name, count in counts.items())
        where, command = f"pipelines the config no longer has ({listed})", "NAME"
    context.out.note(
        f"Note: {deals} in {where}; the forecast and the KPIs count {them}, this board does not: "
        f"see {them} with `crm pipeline --pipeline {command}`."
    )


@app.command("forecast")
def forecast(
    ctx: typer.Context,
    months: Annotated[
        int | None, typer.Option("--months", "-m", help="How many months from this one (default 3).")
    ] = None,
    pipeline_name: Annotated[
        str | None, typer.Option("--pipeline", "-P", help="Only this pipeline (default: all).")
    ] = None,
    owner: OwnerOpt = None,
    as_of: AsOfOpt = None,
    json: JsonOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Expected value by close month: won, committed, weighted and best case, in the base currency."""
    from crmcli.render.board import FORECAST_COLUMNS, forecast_rows, render_forecast
    from crmcli.services.forecast import forecast as build

    context = app_context(ctx)
    chosen = output_format(json, fmt)
    _as_of(context, as_of)
    data = build(context.session, months, pipeline_name, owner)
    if chosen == "json":
        context.out.json(data)
    elif chosen == "csv":
        context.out.csv(forecast_rows(data), FORECAST_COLUMNS)
    else:
        render_forecast(context.out, data)
