"""crm kpi: every KPI on a small hand-built history, with the answers worked out by hand.

The history is in kpi_dataset.py; the comments there give each record's dates. The period
is October 2026 in Europe/Oslo, compared with September.
"""

from __future__ import annotations

import csv
import io

import pytest
from kpi_dataset import build_dataset


@pytest.fixture
def history(crm):  # noqa: ANN001, ANN201
    build_dataset(crm.db, crm.config)
    return crm


def _kpis(crm, *args: str) -> dict[str, dict]:  # noqa: ANN001
    report = crm.ok("kpi", "--json", *args).json()
    return {row["key"]: row for row in report["kpis"]}


def _values(rows: dict[str, dict], field: str = "value") -> dict[str, object]:
    return {key: row[field] for key, row in rows.items()}


def test_every_kpi_of_october_worked_out_by_hand(history) -> None:  # noqa: ANN001
    report = history.ok("kpi", "--period", "2026-10", "--json").json()
    assert report["period"] == {
        "label": "2026-10", "first_day": "2026-10-01", "last_day": "2026-10-31",
        "start": "2026-09-30T22:00:00Z", "end": "2026-10-31T23:00:00Z", "days": 31,
    }  # fmt: skip
    assert report["previous_period"]["label"] == "2026-09"
    assert report["base_currency"] == "EUR"
    rows = {row["key"]: row for row in report["kpis"]}
    assert _values(rows) == {
        # Leads entering the lead stage in October (Oslo): Lea, Leo, and Liv at 01:30 on
        # 1 October (30 September in UTC). Only Lea was converted before the end: 1/3.
        "new_leads": 3,
        "lead_conversion_rate": 0.3333,
        # Won: 1000 EUR and 20 000 SEK × 0.1 = 2000 EUR; lost: the NOK pilot. 2 / (2 + 1).
        "deals_won": 2,
        "deals_lost": 1,
        "win_rate": 0.6667,
        "won_value": "3000.00",
        "average_won_deal": "1500.00",
        # 40 days and 20 days from creation to won: median 30.
        "sales_cycle_days": 30,
        # Open at the end of October: 500 EUR in qualification (10%), 10 000 SEK = 1000 EUR
        # in proposal (50%; it moved on in November), 800 EUR in negotiation (75%; won in
        # November): 2300 EUR, weighted 50 + 500 + 600 = 1150 EUR.
        "open_pipeline": "2300.00",
        "weighted_forecast": "1150.00",
        # New customers: Rita (source referral), Rune (referred by Kari), and the two buyers.
        "new_customers": 4,
        "churned_customers": 1,
        # Customers on 1 October: Kari, Knut, Kaja and Cato (Kim churned in September);
        # Knut churned in October: 1/4, and 3/4 stayed.
        "churn_rate": 0.25,
        "retention_rate": 0.75,
        # 3000 EUR from 2 buying customers = 1500 per customer, ÷ churn 0.25 = 6000.
        "cltv": "6000.00",
        "referral_rate": 0.5,
        # NPS 10, 9, 9, 7, 2: (3 promoters − 1 detractor) / 5 = 40; the 0 given at 00:30 on
        # 1 November in Oslo is November's. CSAT 5, 4, 2: 11 / 3.
        "nps": 40,
        "csat": 3.67,
        # Opened A, B, C; resolved A, B and September's D. First responses in October:
        # 2h, 6h, 0.5h (median 2); resolutions 11h, 10h, 24h (median 11), in business hours.
        "cases_opened": 3,
        "cases_resolved": 3,
        "first_response_hours": 2,
        "resolution_hours": 11,
        # B (high) missed both targets; A and D met theirs (D used its 24h exactly).
        "sla_compliance": 0.6667,
        # alan 3 calls; karin an e-mail and a follow-up done (her open one is not counted).
        "activities": 5,
        "activities_per_owner": 2.5,
        "activities_by_owner.alan": 3,
        "activities_by_owner.karin": 2,
    }
    assert (rows["win_rate"]["numerator"], rows["win_rate"]["denominator"]) == (2, 3)
    assert (rows["churn_rate"]["numerator"], rows["churn_rate"]["denominator"]) == (1, 4)
    assert (rows["nps"]["numerator"], rows["nps"]["denominator"]) == (2, 5)


def test_september_is_the_previous_period_and_changes_are_differences(history) -> None:  # noqa: ANN001
    rows = _kpis(history, "--period", "2026-10")
    assert _values(rows, "previous") == {
        "new_leads": 1,  # Lars, converted only in October
        "lead_conversion_rate": 0,
        "deals_won": 1,
        "deals_lost": 0,
        "win_rate": 1,
        "won_value": "300.00",
        "average_won_deal": "300.00",
        "sales_cycle_days": 50,
        "open_pipeline": "1000.00",  # the EUR renewal, in qualification until October
        "weighted_forecast": "100.00",
        "new_customers": 1,
        "churned_customers": 1,
        "churn_rate": 0.25,  # Kim, of Kari, Knut, Kim and Kaja
        "retention_rate": 0.75,
        "cltv": "1200.00",  # 300 / 1 / 0.25
        "referral_rate": 0,
        "nps": 0,  # one passive 8
        "csat": None,
        "cases_opened": 1,
        "cases_resolved": 0,
        "first_response_hours": 1,
        "resolution_hours": None,
        "sla_compliance": None,
        "activities": 1,
        "activities_per_owner": 1,
        "activities_by_owner.alan": 1,
        "activities_by_owner.karin": 0,
    }
    assert rows["new_leads"]["change"] == 2 and rows["new_leads"]["change_ratio"] == 2.0
    assert rows["win_rate"]["change"] == -0.3333  # rates change in points, not per cent
    assert rows["win_rate"]["change_ratio"] is None
    assert rows["won_value"]["change"] == "2700.00"
    assert rows["csat"]["change"] is None and rows["deals_lost"]["change_ratio"] is None


NO_DATA_WHEN_EMPTY = (
    "lead_conversion_rate", "win_rate", "average_won_deal", "sales_cycle_days", "churn_rate",
    "retention_rate", "cltv", "referral_rate", "nps", "csat", "first_response_hours",
    "resolution_hours", "sla_compliance", "activities_per_owner",
)  # fmt: skip


def test_an_empty_period_says_no_data_instead_of_zero(history) -> None:  # noqa: ANN001
    rows = _kpis(history, "--period", "2020", "--no-compare")
    assert {key: row["value"] for key, row in rows.items() if row["value"] is None} == dict.fromkeys(
        NO_DATA_WHEN_EMPTY
    )
    assert rows["new_leads"]["value"] == 0 and rows["won_value"]["value"] == "0.00"
    assert all(row["previous"] is None for row in rows.values())
    table = history.ok("kpi", "--period", "2020").stdout
    assert "no data" in table and "Win rate" in table
    assert "Traceback" not in table and "Division" not in table


def test_owner_narrows_each_kpi_to_what_that_person_owns(history) -> None:  # noqa: ANN001
    rows = _kpis(history, "--period", "2026-10", "--owner", "karin")
    assert rows["new_leads"]["value"] == 1  # Leo
    assert (rows["deals_won"]["value"], rows["deals_lost"]["value"], rows["win_rate"]["value"]) == (0, 1, 0)
    assert rows["activities"]["value"] == 2 and "activities_by_owner.alan" not in rows
    assert rows["cases_opened"]["value"] == 0  # the cases are mei's
    assert rows["open_pipeline"]["value"] == "0.00"


def test_pipeline_filter_and_unknown_pipeline(history) -> None:  # noqa: ANN001
    rows = _kpis(history, "--period", "2026-10", "--pipeline", "sales")
    assert rows["deals_won"]["value"] == 2
    failed = history.fails("kpi", "--pipeline", "nope")
    assert "nope" in failed.stderr and "sales" in failed.stderr


def test_a_currency_without_a_rate_is_refused_by_name(history) -> None:  # noqa: ANN001
    from kpi_dataset import oslo

    from crmcli.config import Config
    from crmcli.services.deals import DealInput, add_deal, win_deal
    from crmcli.services.session import Session
    from crmcli.storage.db import open_db

    db = open_db(history.db)
    session = Session(db=db, config=Config.load(history.config), actor="tester", now=oslo("2026-10-20 10:00"))
    deal = add_deal(session, DealInput(title="Dollars", amount="100", currency="USD"))
    win_deal(session, deal["id"])
    db.close()
    failed = history.fails("kpi", "--period", "2026-10")
    assert "USD" in failed.stderr and failed.stderr.count("\n") == 1


def test_table_csv_and_period_forms(history) -> None:  # noqa: ANN001
    table = history(*["kpi", "--period", "2026-10"])
    assert table.exit_code == 0
    assert table.stdout.splitlines()[0].split() == ["KPI", "VALUE", "PREVIOUS", "CHANGE"]
    assert "2026-10-01 – 2026-10-31" in table.stderr
    line = next(line for line in table.stdout.splitlines() if line.startswith("Win rate"))
    assert line.split()[-4:] == ["66.7%", "100.0%", "-33.3", "pp"]
    line = next(line for line in table.stdout.splitlines() if line.startswith("Won deal value"))
    assert "3,000.00 EUR" in line and "+2,700.00 (+900.0%)" in line
    rows = list(
        csv.DictReader(io.StringIO(history.ok("kpi", "--period", "2026-10", "--format", "csv").stdout))
    )
    assert rows[0]["key"] == "new_leads" and rows[0]["value"] == "3"
    assert next(r for r in rows if r["key"] == "csat")["previous"] == ""
    same = _kpis(history, "--since", "2026-10-01", "--until", "2026-11-01")
    assert same["deals_won"]["value"] == 2 and same["deals_won"]["previous"] == 1
    no_compare = history.ok("kpi", "--period", "2026-10", "--no-compare").stdout
    assert no_compare.splitlines()[0].split() == ["KPI", "VALUE"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--period", "fortnight"), "last 30 days"),
        (("--period", "2026-13"), "2026-Q3"),
        (("--period", "this month", "--since", "2026-01-01"), "not both"),
        (("--until", "2026-01-01"), "--since"),
        (("--since", "2026-02-01", "--until", "2026-01-01"), "after it starts"),
        (("--owner", "nobody"), "nobody"),
        (("--period", "1000"), "use a period between 1900 and 2999"),
        (("--period", "0001"), "use a period between 1900 and 2999"),
        (("--period", "last 9999 months"), "use a period between 1900 and 2999"),
    ],
)
def test_bad_periods_and_owners_are_one_sentence(history, args, words) -> None:  # noqa: ANN001
    failed = history.fails("kpi", *args)
    assert words in failed.stderr and failed.stderr.startswith("crm: ") and failed.stderr.count("\n") == 1
