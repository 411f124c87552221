"""The report as one self-contained HTML file, made to be mailed.

Mail clients ignore external files and scripts and often a <style> block, so every
style is inline and the chart is an inline SVG (bars of this period against the
previous one). Clients that do not draw SVG (Gmail, Outlook on Windows) still show the
same figures in the tables, and the activity table carries its own bars as plain cells.
The markup is well-formed XML as well as HTML: every element is closed, every text and
attribute escaped, and only the five XML entities are used.
"""

from __future__ import annotations

from html import escape
from typing import Any

from crmcli.render.output import visible
from crmcli.render.reports import (
    amount,
    change_text,
    follow_up_summary,
    local_time,
    pipeline_summary,
    span,
    value_text,
)

FONT = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
INK, MUTED, NOW_COLOUR, BEFORE_COLOUR = "#1f2933", "#616e7c", "#2f6fde", "#b8c7e6"
CELL = "padding:4px 10px;border-bottom:1px solid #e4e7eb"
# Counts that share a scale and so make an honest bar chart.
CHARTED = ("new_leads", "deals_won", "deals_lost", "new_customers", "churned_customers",
           "cases_opened", "cases_resolved")  # fmt: skip


def report_html(report: dict[str, Any]) -> str:
    title = f"{report['title']}: {span(report['period'])}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>{_text(title)}</title>",
        "</head>",
        f'<body style="margin:0;padding:16px;background:#ffffff;color:{INK};{FONT};font-size:14px">',
        f'<h1 style="font-size:20px;margin:0 0 6px 0">{_text(title)}</h1>',
        f'<p style="color:{MUTED};margin:0 0 16px 0">{_text(_intro(report))}</p>',
        _heading("KPIs"),
        chart(report),
        _kpi_table(report),
        *_pipeline(report),
        *_cases(report),
        *_activities(report),
        *_follow_ups(report),
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _intro(report: dict[str, Any]) -> str:
    from crmcli.render.report_md import intro

    return intro(report)


# --- the chart ----------------------------------------------------------------------------------


def chart(report: dict[str, Any]) -> str:
    """Horizontal bars: each counted KPI this period (dark) and the previous one (light)."""
    rows = [row for row in report["kpis"] if row["key"] in CHARTED]
    if not rows:
        return ""
    label_width, bar_width, row_height, top = 170, 330, 30, 28
    width = label_width + bar_width + 60
    height = top + row_height * len(rows) + 8
    largest = max(
        [int(row["value"] or 0) for row in rows] + [int(row["previous"] or 0) for row in rows] + [1]
    )
    title = f"This period against {span(report['previous_period'])}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_attr(title)}" '
        f'style="display:block;margin:0 0 12px 0">',
        f"<title>{_text(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _legend(label_width, report),
    ]
    for index, row in enumerate(rows):
        y = top + index * row_height
        now, before = int(row["value"] or 0), int(row["previous"] or 0)
        now_len = round(bar_width * now / largest, 1)
        before_len = round(bar_width * before / largest, 1)
        out += [
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'fill="{INK}" font-family="Helvetica,Arial,sans-serif">{_text(row["label"])}</text>',
            f'<rect x="{label_width}" y="{y + 3}" width="{now_len}" height="11" fill="{NOW_COLOUR}"/>',
            f'<rect x="{label_width}" y="{y + 15}" width="{before_len}" height="7" fill="{BEFORE_COLOUR}"/>',
            f'<text x="{label_width + now_len + 6}" y="{y + 13}" font-size="11" fill="{INK}" '
            f'font-family="Helvetica,Arial,sans-serif">{now}</text>',
            f'<text x="{label_width + before_len + 6}" y="{y + 23}" font-size="10" fill="{MUTED}" '
            f'font-family="Helvetica,Arial,sans-serif">{before}</text>',
        ]
    out.append("</svg>")
    return "\n".join(out)


def _legend(x: int, report: dict[str, Any]) -> str:
    font = 'font-size="11" font-family="Helvetica,Arial,sans-serif"'
    return (
        f'<rect x="{x}" y="6" width="12" height="10" fill="{NOW_COLOUR}"/>'
        f'<text x="{x + 16}" y="15" {font} fill="{INK}">{_text(span(report["period"]))}</text>'
        f'<rect x="{x + 175}" y="6" width="12" height="10" fill="{BEFORE_COLOUR}"/>'
        f'<text x="{x + 191}" y="15" {font} fill="{MUTED}">{_text(span(report["previous_period"]))}</text>'
    )


# --- sections -------------------------------------------------------------------------------------


def _kpi_table(report: dict[str, Any]) -> str:
    currency = report["base_currency"]
    rows = []
    group = None
    for row in report["kpis"]:
        if row["group"] != group:
            group = row["group"]
            rows.append([(f"<strong>{_text(group)}</strong>", "l", True)])
        rows.append([
            (_text(row["label"]), "l", False),
            (_text(value_text(row["value"], row["unit"], currency)), "r", False),
            (_text(value_text(row["previous"], row["unit"], currency)), "r", False),
            (_text(change_text(row, currency)), "r", False),
        ])  # fmt: skip
    return _table(["KPI", "Value", f"Previous ({span(report['previous_period'])})", "Change"], "lrrr", rows)


def _pipeline(report: dict[str, Any]) -> list[str]:
    currency = report["base_currency"]
    pipeline = report["pipeline"]
    out = [_heading("Pipeline"), _para(pipeline_summary(report))]
    if pipeline["new"]:
        out += [
            _subheading("New deals"),
            _table(
                ["Pipeline", "Deals", f"Value ({currency})"],
                "lrr",
                [
                    _cells([r["pipeline"], r["deals"], amount(r["amount"], currency)], "lrr")
                    for r in pipeline["new"]
                ],
            ),
        ]
    if pipeline["moves"]:
        out += [_subheading("Stage moves"), _table(
            ["Pipeline", "From", "To", "Moves"], "lllr",
            [_cells([r["pipeline"], r["from_stage"], r["to_stage"], r["moves"]], "lllr")
             for r in pipeline["moves"]])]  # fmt: skip
    for outcome, title in (("won", "Won"), ("lost", "Lost")):
        deals = pipeline[outcome]
        if not deals:
            continue
        last = "Reason" if outcome == "lost" else "Original"
        out += [
            _subheading(title),
            _table(
                ["#", "Deal", "Customer", "Owner", f"Amount ({currency})", last],
                "rlllrl",
                [
                    _cells(
                        [
                            d["id"],
                            d["title"],
                            d["company"] or d["contact"] or "",
                            d["owner"] or "",
                            amount(d["amount"], currency),
                            (d["lost_reason"] or "") if outcome == "lost" else d["original"],
                        ],
                        "rlllrl",
                    )
                    for d in deals
                ],
            ),
        ]
        more = pipeline[f"{outcome}_total"]["deals"] - len(deals)
        if more > 0:
            out.append(_para(f"…and {more} more."))
    if pipeline.get("lost_reasons"):
        out += [
            _subheading("Lost reasons"),
            _table(
                ["Reason", "Deals"],
                "lr",
                [_cells([r["reason"], r["deals"]], "lr") for r in pipeline["lost_reasons"]],
            ),
        ]
    return out


def _cases(report: dict[str, Any]) -> list[str]:
    cases = report["cases"]
    out = [
        _heading("Cases"),
        _para(f"Opened: {cases['opened']}. Resolved: {cases['resolved']}. "
              f"Breached an SLA target: {cases['breached']}."),
        _table(["Priority", "Opened", "Resolved", "Breached"], "lrrr",
               [_cells([r["priority"], r["opened"], r["resolved"], r["breached"]], "lrrr")
                for r in cases["by_priority"]]),
    ]  # fmt: skip
    if cases["breaches"]:
        out += [_subheading("SLA breaches"), _table(
            ["Case", "Subject", "Priority", "Target", "Was due", "Owner"], "rlllll",
            [_cells([f"#{b['case_id']}", b["subject"], b["priority"], b["target"].replace("_", " "),
                     local_time(b["due_at"], report["timezone"]), b["owner"] or ""], "rlllll")
             for b in cases["breaches"]])]  # fmt: skip
    return out


def _activities(report: dict[str, Any]) -> list[str]:
    """Activities per owner, with a bar drawn from table cells (it shows in every client)."""
    by_owner = report["activities"]["by_owner"]
    out = [_heading("Activities by owner")]
    if not by_owner:
        return [*out, _para("No activities in either period.")]
    largest = max([r["total"] for r in by_owner] + [1])
    rows = []
    for r in by_owner:
        width = max(1, round(200 * r["total"] / largest)) if r["total"] else 0
        bar = (
            f'<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>'
            f'<td style="background:{NOW_COLOUR};width:{width}px;height:10px;font-size:0;line-height:0">'
            f"</td></tr></table>"
            if width
            else ""
        )
        rows.append([*_cells([r["owner"] or "(no owner)", r["total"], r["previous"]], "lrr"),
                     (bar, "l", False),
                     (_text(", ".join(f"{k} {n}" for k, n in r["kinds"].items())), "l", False)])  # fmt: skip
    return [*out, _table(["Owner", "Activities", "Previous", "", "By kind"], "lrrll", rows)]


def _follow_ups(report: dict[str, Any]) -> list[str]:
    follow = report["follow_ups"]
    out = [_heading(f"Follow-ups due {span(follow['period'])}")]
    if not follow["total"]:
        return [*out, _para("No open follow-ups are due.")]
    out += [
        _para(follow_up_summary(report)),
        _table(["Due", "Owner", "Contact", "Kind", "What"], "lllll",
               [_cells([local_time(i["due_at"], report["timezone"]), i["owner"] or "", i["contact"] or "",
                        i["kind"], i["note"] or ""], "lllll") for i in follow["items"]]),
    ]  # fmt: skip
    more = follow["total"] - len(follow["items"])
    if more > 0:
        out.append(_para(f"…and {more} more."))
    return out


# --- markup -------------------------------------------------------------------------------------

Cell = tuple[str, str, bool]  # (markup, alignment l|r, spans the whole row)


def _text(value: Any) -> str:
    # Control characters (a mail's escape sequences in a note) are not allowed in XML.
    return escape(visible(str(value)), quote=False)


def _attr(value: Any) -> str:
    return escape(visible(str(value)), quote=True)


def _cells(values: list[Any], align: str) -> list[Cell]:
    return [(_text(value), a, False) for value, a in zip(values, align, strict=True)]


def _heading(text: str) -> str:
    return f'<h2 style="font-size:16px;margin:22px 0 8px 0;color:{INK}">{_text(text)}</h2>'


def _subheading(text: str) -> str:
    return f'<h3 style="font-size:14px;margin:14px 0 6px 0;color:{INK}">{_text(text)}</h3>'


def _para(text: str) -> str:
    return f'<p style="margin:0 0 8px 0">{_text(text)}</p>'


def _table(headers: list[str], align: str, rows: list[list[Cell]]) -> str:
    def side(a: str) -> str:
        return "right" if a == "r" else "left"

    head = "".join(
        f'<th style="{CELL};text-align:{side(a)};color:{MUTED};font-weight:600">{_text(h)}</th>'
        for h, a in zip(headers, align, strict=True)
    )
    body = []
    for row in rows:
        if len(row) == 1 and row[0][2]:
            body.append(
                f'<tr><td colspan="{len(headers)}" style="{CELL};padding-top:10px">{row[0][0]}</td></tr>'
            )
            continue
        body.append("<tr>" + "".join(f'<td style="{CELL};text-align:{side(a)}">{markup}</td>'
                                     for markup, a, _ in row) + "</tr>")  # fmt: skip
    return (
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" '
        'style="border-collapse:collapse;margin:0 0 8px 0">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
