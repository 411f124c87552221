"""The pipeline board and the forecast, from the plain data the services build.

On a terminal the board is a Rich table with one column per stage: a card per deal
(title, amount, owner, days in stage, close date), "+K more" under the cards shown, and
each stage's count, total and weighted total in the base currency at the foot. Off a
terminal it is two plain tables in a fixed order, one line per stage then one line per
deal shown, with plain numbers (12500.00) that scripts can read:

    STAGE  PROBABILITY  DEALS  SHOWN  MORE  TOTAL <BASE>  WEIGHTED <BASE>
    STAGE  ID  TITLE  CONTACT  COMPANY  AMOUNT  CURRENCY  <BASE>  OWNER  DAYS IN STAGE  CLOSE DATE
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crmcli.money import format_amount, format_minor
from crmcli.render.output import Column, Output, visible


def render_board(out: Output, board: dict[str, Any]) -> None:
    if out.tty:
        _board_terminal(out, board)
    else:
        _board_plain(out, board)


def _figure(out: Output, text: str | None, currency: str) -> str:
    """A total as text: grouped on a terminal (12,500.00), plain in pipes (12500.00)."""
    if text is None:
        return ""
    return format_amount(Decimal(text), currency) if out.tty else text


def _board_plain(out: Output, board: dict[str, Any]) -> None:
    base = board["base_currency"]
    summary = [
        {"stage": s["name"], "probability": s["probability"], "count": s["count"], "shown": len(s["deals"]),
         "more": s["more"], "total": s["total"], "weighted": s["weighted"]}
        for s in board["stages"]
    ]  # fmt: skip
    out.plain_table(summary, [
        Column("stage", "Stage"), Column("probability", "Probability", "right"),
        Column("count", "Deals", "right"), Column("shown", "Shown", "right"), Column("more", "More", "right"),
        Column("total", f"Total {base}", "right"), Column("weighted", f"Weighted {base}", "right"),
    ])  # fmt: skip
    out.line()
    cards = [{"stage": s["name"], **deal} for s in board["stages"] for deal in s["deals"]]
    out.plain_table(cards, [
        Column("stage", "Stage"), Column("id", "ID", "right"), Column("title", "Title"),
        Column("contact", "Contact"), Column("company", "Company"), Column("amount", "Amount", "right"),
        Column("currency", "Currency"), Column("amount_base", f"Amount {base}", "right"),
        Column("owner", "Owner"),
        Column("days_in_stage", "Days in stage", "right"), Column("close_date", "Close date"),
    ])  # fmt: skip


def _board_terminal(out: Output, board: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    base = board["base_currency"]
    stages = board["stages"]
    who = f" · {board['owner']}" if board["owner"] else ""
    title = f"Pipeline {board['pipeline']}{who} — totals in {base} at the configured rates"
    if not stages or not any(s["count"] for s in stages):
        out.note(f"{title}: no open deals.")
        return
    bold = "bold" if out.color else ""
    table = Table(title=escape(title), title_justify="left", show_footer=True, show_lines=True,
                  header_style=bold, footer_style=bold, expand=True)  # fmt: skip
    for stage in stages:
        probability = f"{stage['probability']}%" if stage["probability"] is not None else "not configured"
        plural = "" if stage["count"] == 1 else "s"
        footer = (
            f"{stage['count']} deal{plural}\n{_figure(out, stage['total'], base)} {base}\n"
            f"weighted {_figure(out, stage['weighted'], base) or '—'}"
        )
        table.add_column(f"{escape(stage['name'])}\n{probability}", footer=footer, overflow="fold", ratio=1)
    depth = max(len(s["deals"]) for s in stages)
    for index in range(depth):
        table.add_row(*(_card(out, s["deals"][index]) if index < len(s["deals"]) else "" for s in stages))
    if any(s["more"] for s in stages):
        table.add_row(*(f"+{s['more']} more" if s["more"] else "" for s in stages))
    out.console().print(table)
    total = board["total"]
    out.console().print(
        f"{total['count']} open deals: {_figure(out, total['total'], base)} {base}, "
        f"weighted {_figure(out, total['weighted'], base)} {base}."
    )


def _card(out: Output, deal: dict[str, Any]) -> str:
    from rich.markup import escape

    who = f" · {deal['owner']}" if deal["owner"] else ""
    shown = escape(visible(deal["title"]))  # a title pasted from a mail may hold escape sequences
    title = f"[bold]{shown}[/bold]" if out.color else shown
    close = f" · closes {deal['close_date']}" if deal["close_date"] else ""
    amount = format_minor(deal["amount_minor"], deal["currency"])
    return f"{title}\n{amount}{escape(who)}\n{deal['days_in_stage']}d in stage{close}"


# --- the forecast --------------------------------------------------------------------------------

_EXTRA_ROWS = (("overdue", "overdue"), ("later", "later"), ("undated", "no close date"))


def forecast_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per month, then the total, then open deals outside the months."""
    rows = [dict(month) for month in data["months"]]
    rows.append({"month": "total", **data["total"]})
    rows += [{"month": label, **data[key]} for key, label in _EXTRA_ROWS]
    return rows


FORECAST_COLUMNS = ("month", "open_deals", "won_deals", "won", "committed", "weighted", "best_case")


def render_forecast(out: Output, data: dict[str, Any]) -> None:
    base = data["base_currency"]

    def money(value: Any) -> str:
        return _figure(out, value, base)

    columns = [
        Column("month", "Month"), Column("open_deals", "Open deals", "right"),
        Column("won_deals", "Won deals", "right"), Column("won", f"Won {base}", "right", money),
        Column("committed", f"Committed {base}", "right", money),
        Column("weighted", f"Weighted {base}", "right", money),
        Column("best_case", f"Best case {base}", "right", money),
    ]  # fmt: skip
    scope = " · ".join(x for x in (data["pipeline"], data["owner"]) if x)
    title = (
        f"Forecast{' (' + scope + ')' if scope else ''} in {base}; committed = won + open deals "
        f"at ≥ {data['commit_probability']}%"
    )
    out.table(forecast_rows(data), columns, title=title)
