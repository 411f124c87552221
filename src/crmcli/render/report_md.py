"""The report as Markdown: headings and pipe tables that read well as plain text too."""

from __future__ import annotations

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


def report_md(report: dict[str, Any]) -> str:
    currency = report["base_currency"]
    lines = [f"# {report['title']}: {span(report['period'])}", "", intro(report), ""]
    lines += ["## KPIs", ""]
    lines += _table(
        ["KPI", "Value", f"Previous ({span(report['previous_period'])})", "Change"],
        [[row["label"], value_text(row["value"], row["unit"], currency),
          value_text(row["previous"], row["unit"], currency), change_text(row, currency)]
         for row in report["kpis"]],
        "lrrr",
    )  # fmt: skip
    lines += _pipeline(report)
    lines += _cases(report)
    lines += _activities(report)
    lines += _follow_ups(report)
    # Notes and titles come from mail: their control characters would reach the reader's
    # terminal or mail client as they are (the CSV and JSON reports carry them as stored).
    return visible("\n".join(lines).rstrip("\n") + "\n")


def intro(report: dict[str, Any]) -> str:
    """The sentence under the title: when, where, compared with what, in which currency."""
    owner = f" Only records owned by {report['owner']}." if report.get("owner") else ""
    return (
        f"As of {report['as_of']}, days in {report['timezone']}; compared with "
        f"{span(report['previous_period'])}. Amounts in {report['base_currency']}.{owner}"
    )


def _pipeline(report: dict[str, Any]) -> list[str]:
    currency = report["base_currency"]
    pipeline = report["pipeline"]
    lines = ["", "## Pipeline", "", pipeline_summary(report)]
    if pipeline["new"]:
        lines += ["", "### New deals", ""]
        lines += _table(
            ["Pipeline", "Deals", f"Value ({currency})"],
            [[r["pipeline"], str(r["deals"]), amount(r["amount"], currency)] for r in pipeline["new"]],
            "lrr",
        )
    if pipeline["moves"]:
        lines += ["", "### Stage moves", ""]
        lines += _table(["Pipeline", "From", "To", "Moves"],
                        [[r["pipeline"], r["from_stage"], r["to_stage"], str(r["moves"])]
                         for r in pipeline["moves"]], "lllr")  # fmt: skip
    for outcome, title in (("won", "Won"), ("lost", "Lost")):
        deals = pipeline[outcome]
        if not deals:
            continue
        lines += ["", f"### {title}", ""]
        last = "Reason" if outcome == "lost" else "Original"
        lines += _table(
            ["#", "Deal", "Customer", "Owner", f"Amount ({currency})", last],
            [[str(d["id"]), d["title"], d["company"] or d["contact"] or "", d["owner"] or "",
              amount(d["amount"], currency), (d["lost_reason"] or "") if outcome == "lost" else d["original"]]
             for d in deals],
            "rlllrl",
        )  # fmt: skip
        more = pipeline[f"{outcome}_total"]["deals"] - len(deals)
        if more > 0:
            lines += ["", f"…and {more} more."]
    if pipeline.get("lost_reasons"):
        lines += ["", "### Lost reasons", ""]
        lines += _table(
            ["Reason", "Deals"], [[r["reason"], str(r["deals"])] for r in pipeline["lost_reasons"]], "lr"
        )
    return lines


def _cases(report: dict[str, Any]) -> list[str]:
    cases = report["cases"]
    lines = ["", "## Cases", "", f"Opened: {cases['opened']}. Resolved: {cases['resolved']}. "
             f"Breached an SLA target: {cases['breached']}.", ""]  # fmt: skip
    lines += _table(["Priority", "Opened", "Resolved", "Breached"],
                    [[r["priority"], str(r["opened"]), str(r["resolved"]), str(r["breached"])]
                     for r in cases["by_priority"]], "lrrr")  # fmt: skip
    if cases["breaches"]:
        lines += ["", "### SLA breaches", ""]
        lines += _table(["Case", "Subject", "Priority", "Target", "Was due", "Owner"],
                        [[f"#{b['case_id']}", b["subject"], b["priority"], b["target"].replace("_", " "),
                          local_time(b["due_at"], report["timezone"]), b["owner"] or ""]
                         for b in cases["breaches"]], "rlllll")  # fmt: skip
        more = cases["breached"] - len({b["case_id"] for b in cases["breaches"]})
        if more > 0:
            lines += ["", f"…and {more} more cases."]
    return lines


def _activities(report: dict[str, Any]) -> list[str]:
    activities = report["activities"]
    lines = ["", "## Activities by owner", ""]
    if not activities["by_owner"]:
        return [*lines, "No activities in either period."]
    lines += _table(["Owner", "Activities", "Previous", "By kind"],
                    [[r["owner"] or "(no owner)", str(r["total"]), str(r["previous"]),
                      ", ".join(f"{k} {n}" for k, n in r["kinds"].items())]
                     for r in activities["by_owner"]], "lrrl")  # fmt: skip
    return lines


def _follow_ups(report: dict[str, Any]) -> list[str]:
    follow = report["follow_ups"]
    lines = ["", f"## Follow-ups due {span(follow['period'])}", ""]
    if not follow["total"]:
        return [*lines, "No open follow-ups are due."]
    lines += [follow_up_summary(report), ""]
    lines += _table(["Due", "Owner", "Contact", "Kind", "What"],
                    [[local_time(i["due_at"], report["timezone"]), i["owner"] or "", i["contact"] or "",
                      i["kind"], i["note"] or ""] for i in follow["items"]], "lllll")  # fmt: skip
    more = follow["total"] - len(follow["items"])
    if more > 0:
        lines += ["", f"…and {more} more."]
    return lines


# --- Markdown --------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(headers: list[str], rows: list[list[str]], align: str) -> list[str]:
    rule = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "|".join(rule) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out
