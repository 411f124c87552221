"""The weekly and monthly reports: the KPIs with their comparison, and what happened.

A report covers the last complete week (or month) before `as_of`, in the acting user's
time zone: run on a Monday morning, `weekly` is the week that ended on Sunday night.
Follow-ups are those due in the period after it (the week the report is read in), as
they stood at `as_of`.

The report is plain data built only from the database, the config and `as_of`, with
every list in a fixed order, so that the same data and the same `as_of` always give the
same report, byte for byte, in every format (crmcli.render.reports).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from crmcli.errors import Invalid

if TYPE_CHECKING:
    from crmcli.services.kpis import Context
    from crmcli.services.periods import Period
    from crmcli.services.session import Session
    from crmcli.storage.kpis import Scope

KINDS = ("weekly", "monthly")
LIST_LIMIT = 20  # won deals, lost deals and breaches listed by name; the rest are counted
FOLLOW_UP_LIMIT = 50
TERMINAL_STAGES = ("won", "lost")


@dataclass(frozen=True)
class ReportPeriods:
    current: Period
    previous: Period
    following: Period


def report_periods(kind: str, as_of: datetime, session: Session) -> ReportPeriods:
    """The last complete week or month before `as_of`, the one before it, and the one after."""
    from crmcli.services.periods import Period, describe, month_containing, week_containing

    if kind not in KINDS:
        raise Invalid(f"Unknown report {kind!r}; use weekly or monthly.")
    tz = session.tz
    today = as_of.astimezone(tz).date()
    if kind == "weekly":
        this_first, _ = week_containing(today, session.config.week_start)
        first, months = this_first - timedelta(days=7), 0
    else:
        this_first, _ = month_containing(today)
        first, months = month_containing(this_first - timedelta(days=1))[0], 1
    current = Period(first, this_first, tz, describe(first, this_first, months), months)
    return ReportPeriods(current, current.previous(), current.following())


def build_report(session: Session, kind: str, as_of: datetime, *, owner: str | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data in a fixed order."""
    from crmcli.clock import to_iso
    from crmcli.services import kpis

    periods = report_periods(kind, as_of, session)
    context = kpis.Context(session.db, session.config, kpis._owner(session, owner))
    current, previous = kpis.measure_periods(context, periods.current, periods.previous)
    pipeline = pipeline_changes(context, periods.current)
    context.refuse_missing()  # every currency without a rate, of the KPIs and the deals listed
    return {
        "title": f"{kind.capitalize()} report",
        "kind": kind,
        "as_of": to_iso(as_of),
        "timezone": str(getattr(session.tz, "key", session.tz)),
        "base_currency": session.config.base_currency,
        "owner": context.owner,
        "period": periods.current.as_dict(),
        "previous_period": periods.previous.as_dict(),
        "kpis": kpis.compare_rows(current, previous, session.config.base_currency),
        "pipeline": pipeline,
        "cases": case_summary(context, periods.current),
        "activities": activity_summary(current, previous),
        "follow_ups": follow_ups(context, periods.following, to_iso(as_of)),
    }


def pipeline_changes(context: Context, period: Period) -> dict[str, Any]:
    """New deals, stage moves, and the deals won and lost in the period."""
    from crmcli.money import round_to_currency
    from crmcli.services import kpis
    from crmcli.storage import kpis as store

    base = context.config.base_currency
    scope = context.scope(period)
    new: dict[str, dict[str, Any]] = {}
    for row in store.new_deals(context.db, scope):
        entry = new.setdefault(
            row["pipeline"], {"pipeline": row["pipeline"], "deals": 0, "amount": Decimal(0)}
        )
        entry["deals"] += int(row["deals"])
        entry["amount"] += kpis.to_base(context, {row["currency"]: int(row["amount_minor"])})
    moves = stage_moves(context, scope)
    out: dict[str, Any] = {
        "new": [
            {**entry, "amount": round_to_currency(entry["amount"], base)} for _, entry in sorted(new.items())
        ],
        "moves": moves,
    }
    for outcome in ("won", "lost"):
        deals = [_deal(context, row) for row in store.closed_deal_list(context.db, scope, outcome)]
        deals.sort(key=lambda d: (-d["exact"], d["id"]))
        total = round_to_currency(sum((d.pop("exact") for d in deals), Decimal(0)), base)
        out[f"{outcome}_total"] = {"deals": len(deals), "amount": total}
        out[outcome] = deals[:LIST_LIMIT]
        if outcome == "lost":
            reasons: dict[str, int] = {}
            for deal in deals:
                reason = deal.get("lost_reason") or "(none given)"
                reasons[reason] = reasons.get(reason, 0) + 1
            out["lost_reasons"] = [
                {"reason": r, "deals": n}
                for r, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
            ]
    return out


def stage_moves(context: Context, scope: Scope) -> list[dict[str, Any]]:
    """Stage moves per pipeline the deal left. A move into another pipeline names its
    destination "renewals/quoted": a stage of the pipeline it is listed under would be
    one that pipeline may not have."""
    from crmcli.storage import kpis as store

    moves = []
    for row in store.stage_moves(context.db, scope, TERMINAL_STAGES):
        to_stage = row["to_stage"]
        if row["to_pipeline"] != row["from_pipeline"]:
            to_stage = f"{row['to_pipeline']}/{to_stage}"
        moves.append({"pipeline": row["from_pipeline"], "from_stage": row["from_stage"], "to_stage": to_stage,
                      "moves": int(row["moves"]), "deals": int(row["deals"])})  # fmt: skip
    moves.sort(key=lambda move: (move["pipeline"], move["from_stage"], move["to_stage"]))
    return moves


def _deal(context: Context, row: dict[str, Any]) -> dict[str, Any]:
    from crmcli import money
    from crmcli.services import kpis

    exact = kpis.to_base(context, {row["currency"]: int(row["amount_minor"])})
    return {
        "id": row["id"],
        "title": row["title"],
        "pipeline": row["pipeline"],
        "owner": row["owner"],
        "contact": row["contact"],
        "company": row["company"],
        "at": row["at"],
        "amount": money.round_to_currency(exact, context.config.base_currency),
        "exact": exact,
        "original": money.format_minor(int(row["amount_minor"]), row["currency"]),
        "lost_reason": row["lost_reason"],
    }


def case_summary(context: Context, period: Period) -> dict[str, Any]:
    """Cases opened, resolved and breached in the period, per priority, and the breaches."""
    from crmcli.services.cases import PRIORITIES
    from crmcli.storage import kpis as store

    scope = context.scope(period)
    opened = {row["priority"]: int(row["cases"]) for row in store.cases_opened(context.db, scope)}
    resolved: dict[str, int] = {}
    for row in store.resolved_cases(context.db, scope):
        resolved[row["priority"]] = resolved.get(row["priority"], 0) + 1
    breaches = store.breaches(context.db, scope)
    breached: dict[str, set[int]] = {}
    for row in breaches:
        breached.setdefault(row["priority"], set()).add(row["case_id"])
    order = list(reversed(PRIORITIES))
    order += sorted((set(opened) | set(resolved) | set(breached)) - set(order))
    by_priority = [
        {"priority": p, "opened": opened.get(p, 0), "resolved": resolved.get(p, 0),
         "breached": len(breached.get(p, ()))}
        for p in order
    ]  # fmt: skip
    return {
        "by_priority": by_priority,
        "opened": sum(opened.values()),
        "resolved": sum(resolved.values()),
        "breached": len({row["case_id"] for row in breaches}),
        "breaches": [
            {
                "case_id": row["case_id"],
                "subject": row["subject"],
                "priority": row["priority"],
                "target": row["target"],
                "due_at": row["due_at"],
                "owner": row["owner"],
                "status": row["status"],
            }
            for row in breaches[:LIST_LIMIT]
        ],  # fmt: skip
    }


def activity_summary(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Activities per owner (and per kind) in the period, with the previous period's totals."""
    kinds: dict[str, dict[str, int]] = {}
    for row in current["activity_rows"]:
        kinds.setdefault(row["owner"], {})[row["kind"]] = int(row["activities"])
    owners = sorted(set(current["activities_by_owner"]) | set(previous["activities_by_owner"]))
    by_owner = [
        {"owner": owner, "total": current["activities_by_owner"].get(owner, 0),
         "previous": previous["activities_by_owner"].get(owner, 0), "kinds": kinds.get(owner, {})}
        for owner in owners
    ]  # fmt: skip
    return {"by_owner": by_owner, "total": sum(row["total"] for row in by_owner)}


def follow_ups(context: Context, period: Period, as_of: str) -> dict[str, Any]:
    """The follow-ups due in the period after the report's that were open at `as_of`."""
    from crmcli.storage import kpis as store

    per_owner, first = store.follow_ups_due(context.db, context.scope(period), as_of, FOLLOW_UP_LIMIT)
    return {
        "period": period.as_dict(),
        "total": sum(int(row["due"]) for row in per_owner),
        "by_owner": [{"owner": row["owner"], "due": int(row["due"])} for row in per_owner],
        "items": [dict(row) for row in first],
    }
