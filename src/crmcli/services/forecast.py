"""The sales forecast: what the pipeline is expected to bring, month by month.

Open deals are placed in the month of their expected close date, won deals in the month
they were won (won_at, in the acting user's time zone), whatever their close date says.
For each month, in the base currency at the configured rates:

    won        = Σ amount of the deals won in the month
    weighted   = won + Σ amount × probability / 100 of the open deals closing in the month
    committed  = won + Σ amount of the open deals whose stage has probability ≥ commit_probability
    best_case  = won + Σ amount of every open deal closing in the month

so that won ≤ committed ≤ best_case and won ≤ weighted ≤ best_case. Probabilities are the
stages' in the config; a stage the config no longer has counts as 0. The months are the
current month (in the acting user's time zone) and the N - 1 after it; open deals whose
close date is earlier (overdue), later, or missing are reported beside them, not in the
total. Sums are exact; each figure is rounded half-even to the base currency's minor unit
when shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crmcli.errors import Invalid
from crmcli.money import Rates, plain, weighted
from crmcli.services import pipelines as config_pipelines
from crmcli.services.session import Session
from crmcli.storage import deals as store

MAX_MONTHS = 60


@dataclass
class Bucket:
    open_deals: int = 0
    won_deals: int = 0
    won: Decimal = Decimal(0)
    committed: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    best_case: Decimal = Decimal(0)

    def add_won(self, count: int, amount: Decimal) -> None:
        self.won_deals += count
        for name in ("won", "committed", "weighted", "best_case"):
            setattr(self, name, getattr(self, name) + amount)

    def add_open(self, count: int, amount: Decimal, probability: int, commit: int) -> None:
        self.open_deals += count
        self.best_case += amount
        self.weighted += weighted(amount, probability)
        if probability >= commit:
            self.committed += amount

    def merge(self, other: Bucket) -> None:
        for name in ("open_deals", "won_deals", "won", "committed", "weighted", "best_case"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self, base: str) -> dict[str, Any]:
        return {
            "open_deals": self.open_deals,
            "won_deals": self.won_deals,
            "won": plain(self.won, base),
            "committed": plain(self.committed, base),
            "weighted": plain(self.weighted, base),
            "best_case": plain(self.best_case, base),
        }


def forecast(
    session: Session, months: int | None = None, pipeline_name: str | None = None, owner: str | None = None
) -> dict[str, Any]:
    """The forecast as plain data (the JSON shape documented in the README)."""
    from datetime import date, time

    from crmcli.clock import from_iso, local_date, to_iso, wall_time
    from crmcli.services.contacts import owner_handle

    config = session.config
    count = months if months is not None else config_pipelines.forecast_months(config)
    if not 1 <= count <= MAX_MONTHS:
        raise Invalid(f"--months must be from 1 to {MAX_MONTHS}, not {count}.")
    # As deal list and the board do, a pipeline the config no longer has that deals still hold.
    pipeline = (
        config_pipelines.pipeline(config, pipeline_name, lambda: store.held_pipelines(session.db)).name
        if pipeline_name
        else None
    )
    owner = owner_handle(session, owner) if owner is not None else None
    commit = config_pipelines.commit_probability(config)
    rates = Rates.from_config(config)
    today = local_date(session.now, session.tz)
    horizon = _months(today.year, today.month, count)
    open_rows = store.forecast_totals(session.db, pipeline=pipeline, owner=owner)
    since = to_iso(wall_time(date.fromisoformat(f"{horizon[0]}-01"), time(0), session.tz))
    won_rows = store.forecast_won(session.db, since=since, pipeline=pipeline, owner=owner)
    rates.check(row["currency"] for row in open_rows + won_rows)

    buckets = {month: Bucket() for month in horizon}
    won_in: dict[tuple[str, str], list[int]] = {}
    for row in won_rows:
        won_month = from_iso(row["won_at"]).astimezone(session.tz).strftime("%Y-%m")
        counted = won_in.setdefault((won_month, row["currency"]), [0, 0])
        counted[0] += row["deals"]
        counted[1] += row["minor"]
    for (won_month, currency), (deals, minor) in won_in.items():
        if won_month in buckets:
            buckets[won_month].add_won(deals, rates.to_base(minor, currency))

    # Days into months with integer sums first: only these few groups are converted.
    months_of: dict[tuple[str, str, str, str | None], list[int]] = {}
    for row in open_rows:
        month = row["close_date"][:7] if row["close_date"] else None
        counted = months_of.setdefault((row["pipeline"], row["stage"], row["currency"], month), [0, 0])
        counted[0] += row["deals"]
        counted[1] += row["minor"]

    overdue, later, undated = Bucket(), Bucket(), Bucket()
    known = {p.name: p for p in config_pipelines.pipelines(config)}
    for (pipeline_name, stage, currency, month), (deals, minor) in months_of.items():
        amount = rates.to_base(minor, currency)
        where = (
            undated if month is None
            else overdue if month < horizon[0]
            else later if month > horizon[-1]
            else buckets[month]
        )  # fmt: skip
        deal_pipeline = known.get(pipeline_name, config_pipelines.Pipeline(pipeline_name, ()))
        where.add_open(deals, amount, deal_pipeline.probability(stage) or 0, commit)

    total = Bucket()
    for bucket in buckets.values():
        total.merge(bucket)
    base = rates.base
    return {
        "base_currency": base,
        "as_of": session.now_iso,
        "pipeline": pipeline,
        "owner": owner,
        "commit_probability": commit,
        "months": [{"month": month, **bucket.as_dict(base)} for month, bucket in buckets.items()],
        "total": total.as_dict(base),
        "overdue": overdue.as_dict(base),
        "later": later.as_dict(base),
        "undated": undated.as_dict(base),
    }


def _months(year: int, month: int, count: int) -> list[str]:
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
