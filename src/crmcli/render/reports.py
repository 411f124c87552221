"""KPI figures as people and scripts read them, and the report in each of its formats.

Values arrive as ints and Decimals (already rounded by the service); here they become
text ("41.7%", "12,400.00 EUR", "no data") or JSON numbers. Money stays a string in JSON
so that it is exact; every other number is a JSON number.

`render_report(report, fmt)` returns the whole report as one string (md, html, csv or
json): no colour, no terminal codes, nothing that depends on the moment it was rendered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

NO_DATA = "no data"
FORMATS = ("md", "html", "csv", "json")
EXTENSIONS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".csv": "csv",
              ".json": "json"}  # fmt: skip
_MONEY_FIELDS = ("value", "previous", "change", "numerator")


def value_text(value: Any, unit: str, currency: str) -> str:
    """A KPI value for people: "no data" when there is none."""
    if value is None:
        return NO_DATA
    if unit == "percent":
        return f"{Decimal(value) * 100:.1f}%"
    if unit == "money":
        return f"{amount(value, currency)} {currency}"
    if unit == "days":
        return f"{Decimal(value):.1f} d"
    if unit == "hours":
        return f"{Decimal(value):.1f} h"
    if unit == "score":
        return f"{Decimal(value):+.1f}" if value else "0.0"
    if unit == "average":
        return f"{Decimal(value):.2f}"
    return f"{int(value):,}"


def change_text(row: dict[str, Any], currency: str) -> str:
    """The change from the previous period: points for rates, else the difference and %."""
    change = row.get("change")
    if change is None:
        return "" if row.get("previous") is None and row.get("value") is None else "–"
    unit = row["unit"]
    if unit == "percent":
        return f"{Decimal(change) * 100:+.1f} pp"
    if unit == "money":
        text = ("-" if Decimal(change) < 0 else "+") + amount(abs(Decimal(change)), currency)
    elif unit in ("days", "hours", "score"):
        text = f"{Decimal(change):+.1f}"
    elif unit == "average":
        text = f"{Decimal(change):+.2f}"
    else:
        text = f"{int(change):+,}"
    ratio = row.get("change_ratio")
    return f"{text} ({Decimal(ratio) * 100:+.1f}%)" if ratio is not None else text


def plural(count: int, word: str) -> str:
    """ "1 deal", "3 deals"; words ending in s, x or ch take -es ("2 matches")."""
    if count == 1:
        return f"1 {word}"
    suffix = "es" if word.endswith(("s", "x", "ch")) else "s"
    return f"{count:,} {word}{suffix}"


def money(value: Any, currency: str) -> str:
    return value_text(value, "money", currency)


def amount(value: Any, currency: str) -> str:
    """An amount in `currency`, without the code: "12,400.00" (JPY "12,400")."""
    from crmcli.money import format_amount

    return format_amount(Decimal(value), currency)


def span(period: dict[str, Any]) -> str:
    """The days of a period as people read them: "2026-11-16 – 2026-11-22"."""
    first, last = period["first_day"], period["last_day"]
    return first if first == last else f"{first} – {last}"


def local_time(stamp: str | None, timezone: str) -> str:
    """A stored UTC time in the report's time zone: "2026-11-24 10:00"."""
    if not stamp:
        return ""
    from crmcli.clock import from_iso, zone

    return from_iso(stamp).astimezone(zone(timezone)).strftime("%Y-%m-%d %H:%M")


def pipeline_summary(report: dict[str, Any]) -> str:
    """ "New: 5 deals, 4,700.00 EUR. Moved: 1 stage change. Won: … Lost: …" """
    currency = report["base_currency"]
    pipeline = report["pipeline"]
    new_deals = sum(row["deals"] for row in pipeline["new"])
    new_value = sum(Decimal(row["amount"]) for row in pipeline["new"])
    moved = sum(row["moves"] for row in pipeline["moves"])
    won, lost = pipeline["won_total"], pipeline["lost_total"]
    return (
        f"New: {plural(new_deals, 'deal')}, {money(new_value, currency)}. "
        f"Moved: {plural(moved, 'stage change')}. "
        f"Won: {plural(won['deals'], 'deal')}, {money(won['amount'], currency)}. "
        f"Lost: {plural(lost['deals'], 'deal')}, {money(lost['amount'], currency)}."
    )


def follow_up_summary(report: dict[str, Any]) -> str:
    """ "3 open follow-ups: alan 2, karin 1." """
    follow = report["follow_ups"]
    owners = ", ".join(f"{r['owner'] or '(no owner)'} {r['due']}" for r in follow["by_owner"])
    return f"{plural(follow['total'], 'open follow-up')}: {owners}."


def kpi_table_rows(rows: list[dict[str, Any]], currency: str, compare: bool) -> list[dict[str, str]]:
    """The KPI rows as text cells: KPI, value, previous, change."""
    out = []
    for row in rows:
        cells = {"kpi": row["label"], "value": value_text(row["value"], row["unit"], currency)}
        if compare:
            cells["previous"] = value_text(row["previous"], row["unit"], currency)
            cells["change"] = change_text(row, currency)
        out.append(cells)
    return out


def json_ready(data: Any) -> Any:
    """The report with KPI numbers as JSON numbers (money as exact strings)."""
    if isinstance(data, dict):
        if "unit" in data and "value" in data:
            return {key: _number(value, data["unit"] == "money" and key in _MONEY_FIELDS)
                    for key, value in data.items()}  # fmt: skip
        return {key: json_ready(value) for key, value in data.items()}
    if isinstance(data, list):
        return [json_ready(item) for item in data]
    return _number(data, isinstance(data, Decimal))


def _number(value: Any, as_text: bool) -> Any:
    if not isinstance(value, Decimal):
        return value
    if as_text:
        return str(value)
    exponent = value.as_tuple().exponent
    whole = isinstance(exponent, int) and exponent >= 0 and value == value.to_integral_value()
    return int(value) if whole else float(value)


def csv_number(value: Any) -> str:
    """A KPI figure (or any other value) for a CSV cell, as `crm kpi` and `crm report` both
    write it: empty for no data, a Decimal with every place the service rounded it to
    (averages 4.50, rates 0.7500, money to its currency's minor unit), never through a
    float, which would drop them (4.5, 0.75), and never in exponent notation."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def kpi_csv_rows(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> list[dict[str, str]]:
    """`crm kpi --format csv`: the KPI rows with their figures written as the report's CSV
    writes them (csv_number)."""
    return [{column: csv_number(row.get(column)) for column in columns} for row in rows]


def render_report(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        from crmcli.render.output import to_json

        return to_json(json_ready(report)) + "\n"
    if fmt == "csv":
        return report_csv(report)
    if fmt == "html":
        from crmcli.render.report_html import report_html

        return report_html(report)
    from crmcli.render.report_md import report_md

    return report_md(report)


def report_csv(report: dict[str, Any]) -> str:
    """One table for every section: section, key, label, value, previous, change, detail."""
    import csv
    import io

    from crmcli.io.writers import csv_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "key", "label", "value", "previous", "change", "detail"])
    for row in report["kpis"]:
        writer.writerow(["kpi", row["key"], row["label"], csv_number(row["value"]),
                         csv_number(row["previous"]), csv_number(row["change"]), row["unit"]])  # fmt: skip
    # Labels and details carry names and titles people typed: formulas neutralised.
    for line in report_lines(report):
        writer.writerow([line["section"], line["key"], csv_cell(line["label"]), csv_number(line.get("value")),
                         csv_number(line.get("previous")), "", csv_cell(line.get("detail", ""))])  # fmt: skip
    return buffer.getvalue()


def report_lines(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-KPI sections as flat lines (for CSV): what happened, one line per fact."""
    lines: list[dict[str, Any]] = []
    pipeline = report["pipeline"]
    for row in pipeline["new"]:
        lines.append(
            {
                "section": "pipeline.new",
                "key": row["pipeline"],
                "label": row["pipeline"],
                "value": row["deals"],
                "detail": f"{row['amount']} {report['base_currency']}",
            }
        )
    for row in pipeline["moves"]:
        label = f"{row['pipeline']}: {row['from_stage']} -> {row['to_stage']}"
        lines.append({"section": "pipeline.moved", "key": f"{row['pipeline']}:{row['from_stage']}:"
                      f"{row['to_stage']}", "label": label, "value": row["moves"]})  # fmt: skip
    for outcome in ("won", "lost"):
        for deal in pipeline[outcome]:
            detail = f"{deal['amount']} {report['base_currency']}"
            if outcome == "lost" and deal.get("lost_reason"):
                detail += f"; {deal['lost_reason']}"
            lines.append({"section": f"pipeline.{outcome}", "key": str(deal["id"]), "label": deal["title"],
                          "value": deal["amount"], "detail": detail})  # fmt: skip
    for row in report["cases"]["by_priority"]:
        for what in ("opened", "resolved", "breached"):
            lines.append({"section": f"cases.{what}", "key": row["priority"], "label": row["priority"],
                          "value": row[what]})  # fmt: skip
    for row in report["activities"]["by_owner"]:
        lines.append({"section": "activities", "key": row["owner"], "label": row["owner"] or "(no owner)",
                      "value": row["total"], "previous": row["previous"],
                      "detail": ", ".join(f"{k} {n}" for k, n in row["kinds"].items())})  # fmt: skip
    for item in report["follow_ups"]["items"]:
        lines.append(
            {
                "section": "follow_ups",
                "key": str(item["id"]),
                "label": item["note"] or item["kind"],
                "value": item["due_at"],
                "detail": f"{item['owner'] or ''}; {item['contact'] or ''}",
            }
        )
    return lines


def report_format(fmt: str | None, output: str | None) -> str:
    """--format when given, else the output file's extension, else Markdown."""
    from pathlib import Path

    from crmcli.errors import Invalid

    if fmt is not None:
        chosen = fmt.strip().lower().lstrip(".")
        chosen = {"markdown": "md", "htm": "html"}.get(chosen, chosen)
        if chosen not in FORMATS:
            raise Invalid(f"Unknown report format {fmt!r}; use one of {', '.join(FORMATS)}.")
        return chosen
    if output and output != "-":
        return EXTENSIONS.get(Path(output).suffix.lower(), "md")
    return "md"
