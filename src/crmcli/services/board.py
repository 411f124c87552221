"""The pipeline board: open deals of one pipeline by stage, with totals in the base currency.

Per stage: how many open deals, their total and their weighted total (total × the stage's
win probability / 100), both converted to the base currency at the configured rates and
rounded (half-even) to its minor unit only when shown. The totals come from one grouped
SQL query (count and sum of minor units per stage and currency); only the first
`shown` deals of each stage are read row by row, so the board costs the same over a
hundred deals or a hundred thousand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crmcli.money import Rates, plain, to_decimal, weighted
from crmcli.services import pipelines as config_pipelines
from crmcli.services.deals import days_since
from crmcli.services.session import Session
from crmcli.storage import deals as store

DEFAULT_SHOWN = 10


def pipeline_board(
    session: Session, pipeline_name: str | None = None, owner: str | None = None, shown: int = DEFAULT_SHOWN
) -> dict[str, Any]:
    """The board as plain data (the JSON shape documented in the README)."""
    from crmcli.services.contacts import owner_handle

    config = session.config
    # A pipeline the config no longer has, named as its deals hold it, shows them all in
    # stages not configured, as any stage the config dropped.
    pipeline = config_pipelines.pipeline(config, pipeline_name, lambda: store.held_pipelines(session.db))
    owner = owner_handle(session, owner) if owner is not None else None
    rates = Rates.from_config(config)
    base = rates.base
    grouped = store.open_totals(session.db, pipeline.name, owner)
    rates.check(row["currency"] for row in grouped)

    stage_names = pipeline.stage_names
    # Deals left in a stage the config no longer has still show, after the configured ones.
    stage_names += sorted({row["stage"] for row in grouped} - set(stage_names))
    sums: dict[str, tuple[int, Decimal]] = {name: (0, Decimal(0)) for name in stage_names}
    for row in grouped:
        count, total = sums[row["stage"]]
        sums[row["stage"]] = (count + row["deals"], total + rates.to_base(row["minor"], row["currency"]))

    stages = []
    all_count, all_total, all_weighted = 0, Decimal(0), Decimal(0)
    for name in stage_names:
        count, total = sums[name]
        probability = pipeline.probability(name)
        stage_weighted = weighted(total, probability) if probability is not None else None
        deals = (
            [
                _card(session, rates, deal)
                for deal in store.open_in_stage(session.db, pipeline.name, name, owner, shown)
            ]
            if count and shown
            else []
        )
        stages.append({
            "name": name,
            "probability": probability,
            "configured": probability is not None,
            "count": count,
            "total": plain(total, base),
            "weighted": plain(stage_weighted, base) if stage_weighted is not None else None,
            "deals": deals,
            "more": count - len(deals),
        })  # fmt: skip
        all_count += count
        all_total += total
        all_weighted += stage_weighted or 0
    return {
        "pipeline": pipeline.name,
        "base_currency": base,
        "as_of": session.now_iso,
        "owner": owner,
        "stages": stages,
        "total": {"count": all_count, "total": plain(all_total, base), "weighted": plain(all_weighted, base)},
    }


def unconfigured_open_deals(session: Session, owner: str | None = None) -> dict[str, int]:
    """How many open deals (of `owner`, a handle) each pipeline the config no longer has
    holds: no board without --pipeline shows them, yet the forecast and the KPIs count them."""
    configured = {p.name for p in config_pipelines.pipelines(session.config)}
    counts = {
        name: store.open_count(session.db, name, owner)
        for name in store.open_pipelines(session.db)
        if name not in configured
    }
    return {name: count for name, count in counts.items() if count}


def _card(session: Session, rates: Rates, deal: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": deal["id"],
        "title": deal["title"],
        "contact": deal["contact"],
        "company": deal["company"],
        "amount": str(to_decimal(deal["amount_minor"], deal["currency"])),
        "amount_minor": deal["amount_minor"],
        "currency": deal["currency"],
        "amount_base": plain(rates.to_base(deal["amount_minor"], deal["currency"]), rates.base),
        "owner": deal["owner"],
        "close_date": deal["close_date"],
        "stage_entered_at": deal["stage_entered_at"],
        "days_in_stage": days_since(deal["stage_entered_at"], session),
    }
