"""The sales forecast: what the pipeline is expected to bring, month by month.

Deals are placed in the month of their close date (the expected one while open; the day
they were won once won). For each month, in the base currency at the configured rates:

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
    from crmcli.clock import local_date

    config = session.config
    count = months if months is not None else config_pipelines.forecast_months(config)
    if not 1 <= count <= MAX_MONTHS:
        raise Invalid(f"--months must be from 1 to {MAX_MONTHS}, not {count}.")
    pipeline = config_pipelines.pipeline(config, pipeline_name).name if pipeline_name else None
    commit = config_pipelines.commit_probability(config)
    rates = Rates.from_config(config)
    today = local_date(session.now, session.tz)
    horizon = _months(today.year, today.month, count)
    rows = store.forecast_totals(session.db, won_from=f"{horizon[0]}-01", pipeline=pipeline, owner=owner)
    rates.check(row["currency"] for row in rows)

    # Days into months with integer sums first: only these few groups are converted.
    months_of: dict[tuple[str, str, str, str, str | None], list[int]] = {}
    for row in rows:
        month = row["close_date"][:7] if row["close_date"] else None
        key = (row["status"], row["pipeline"], row["stage"], row["currency"], month)
        counted = months_of.setdefault(key, [0, 0])
        counted[0] += row["deals"]
        counted[1] += row["minor"]

    buckets = {month: Bucket() for month in horizon}
    overdue, later, undated = Bucket(), Bucket(), Bucket()
    known = {p.name: p for p in config_pipelines.pipelines(config)}
    for (status, pipeline_name, stage, currency, month), (deals, minor) in months_of.items():
        amount = rates.to_base(minor, currency)
        if status == "won":
            if month in buckets:
                buckets[month].add_won(deals, amount)
            continue
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
