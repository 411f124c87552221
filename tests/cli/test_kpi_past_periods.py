"""crm kpi: a past period's figures stay what they were when deals and customers change later.

November 2026 in Europe/Oslo is measured after changes made now (later than November):
a deal reopened or moved to another pipeline, a churned customer won back.
"""

from __future__ import annotations

import sqlite3

import pytest
from kpi_dataset import Builder

CONFIG = """\
base_currency = "EUR"
timezone = "Europe/Oslo"
[[team]]
handle = "tester"
name = "Tess Ter"
[[pipelines]]
name = "sales"
[[pipelines.stages]]
name = "qualification"
probability = 10
[[pipelines.stages]]
name = "proposal"
probability = 50
[[pipelines]]
name = "renewals"
[[pipelines.stages]]
name = "due"
probability = 60
"""

DEALS_HEADER = "title,amount,currency,pipeline,stage,status,close_date,won_at,lost_at,lost_reason,created_at"


@pytest.fixture
def crm_nov(crm):  # noqa: ANN001, ANN201
    crm.write_config(CONFIG)
    return crm


def _november(crm, *args: str) -> dict[str, str]:  # noqa: ANN001
    report = crm.ok("kpi", "--period", "2026-11", "--no-compare", "--json", *args).json()
    return {row["key"]: row["value"] for row in report["kpis"]}


def _pipeline(crm, *args: str) -> tuple[str, str]:  # noqa: ANN001
    values = _november(crm, *args)
    return values["open_pipeline"], values["weighted_forecast"]


def _import_deals(crm, tmp_path, *lines: str) -> None:  # noqa: ANN001
    path = tmp_path / "deals.csv"
    path.write_text("\n".join([DEALS_HEADER, *lines]) + "\n", encoding="utf-8")
    crm.ok("import", "deals", str(path))


@pytest.mark.parametrize(
    "closed",
    [
        "Won in November,1000,EUR,sales,proposal,won,2026-11-15,2026-11-15T10:00:00Z,,,2026-10-05T10:00:00Z",
        "Lost in November,1000,EUR,sales,proposal,lost,2026-11-15,,2026-11-15T10:00:00Z,price,"
        "2026-10-05T10:00:00Z",
    ],
)
def test_a_deal_closed_in_a_period_is_not_open_at_its_end_once_reopened(crm_nov, tmp_path, closed) -> None:  # noqa: ANN001
    _import_deals(crm_nov, tmp_path, closed)
    assert _pipeline(crm_nov) == ("0.00", "0.00")
    crm_nov.ok("deal", "reopen", "1")
    assert _pipeline(crm_nov) == ("0.00", "0.00")
    # Closed again since, the other way: still closed at November's end.
    crm_nov.ok("deal", "lost", "1", "--reason", "price")
    assert _pipeline(crm_nov) == ("0.00", "0.00")


def _open_in(crm, period: str) -> tuple[str, str]:  # noqa: ANN001
    report = crm.ok("kpi", "--period", period, "--no-compare", "--json").json()
    values = {row["key"]: row["value"] for row in report["kpis"]}
    return values["open_pipeline"], values["weighted_forecast"]


@pytest.mark.parametrize(
    "closed",
    [
        "Big,1000,EUR,sales,won,won,,2026-11-20T10:00:00Z,,,2026-10-05T10:00:00Z",  # crm's own export
        "Big,1000,EUR,sales,closedlost,,,,2026-11-20T10:00:00Z,price,2026-10-05T10:00:00Z",  # HubSpot's
        "Big,1000,EUR,sales,,won,,2026-11-20T10:00:00Z,,,2026-10-05T10:00:00Z",  # no stage at all
    ],
)
def test_a_deal_imported_closed_without_its_open_stage_was_open_until_it_closed(
    crm_nov, tmp_path, closed
) -> None:  # noqa: ANN001
    """It used to have one stage row, into won or lost at its creation: closed all along."""
    _import_deals(crm_nov, tmp_path, closed)
    # Open in October, in the pipeline's first stage (10 %): the file names no open stage.
    assert _open_in(crm_nov, "2026-10") == ("1000.00", "100.00")
    assert _pipeline(crm_nov) == ("0.00", "0.00")  # closed in November
    db = sqlite3.connect(crm_nov.db)
    changes = db.execute("SELECT from_stage, to_stage, at FROM deal_stage_changes ORDER BY id").fetchall()
    db.close()
    end = "won" if ",won," in closed else "lost"
    assert changes == [
        (None, "qualification", "2026-10-05T10:00:00Z"),
        ("qualification", end, "2026-11-20T10:00:00Z"),
    ]
    crm_nov.ok("deal", "reopen", "1")  # back to the stage it was opened in
    assert crm_nov.ok("deal", "show", "1", "--json").json()["stage"] == "qualification"


def test_deals_exported_and_imported_keep_the_open_pipeline_of_past_periods(crm_nov, tmp_path) -> None:  # noqa: ANN001
    _import_deals(
        crm_nov,
        tmp_path,
        "Won,1000,EUR,sales,proposal,won,,2026-11-20T10:00:00Z,,,2026-10-05T10:00:00Z",
        "Lost,500,EUR,sales,qualification,lost,,,2026-11-21T10:00:00Z,price,2026-10-06T10:00:00Z",
        "Open,200,EUR,sales,proposal,open,2027-01-31,,,,2026-10-07T10:00:00Z",
    )
    assert _open_in(crm_nov, "2026-10") == ("1700.00", "650.00")
    exported = tmp_path / "export.csv"
    crm_nov.ok("export", "deals", "-o", str(exported))
    copy = type(crm_nov)(tmp_path / "copy.db", crm_nov.config)
    copy.ok("import", "deals", str(exported))
    # The export writes a closed deal's stage as won or lost: the copy opens it in the first
    # stage, so the weighted forecast counts it at that stage's probability.
    assert _open_in(copy, "2026-10") == ("1700.00", "250.00")
    assert _open_in(copy, "2026-11") == _open_in(crm_nov, "2026-11") == ("200.00", "100.00")


def test_a_deal_open_at_the_end_and_closed_since_counts_in_its_stage_then(crm_nov, tmp_path) -> None:  # noqa: ANN001
    _import_deals(crm_nov, tmp_path, "Open,2000,EUR,sales,proposal,open,2027-01-31,,,,2026-10-05T10:00:00Z")
    crm_nov.ok("deal", "won", "1")
    assert _pipeline(crm_nov) == ("2000.00", "1000.00")


def test_moving_a_deal_to_another_pipeline_keeps_the_past_open_pipeline(crm_nov, tmp_path) -> None:  # noqa: ANN001
    _import_deals(crm_nov, tmp_path, "Open,2000,EUR,sales,proposal,open,2027-01-31,,,,2026-10-05T10:00:00Z")
    before = (_pipeline(crm_nov), _pipeline(crm_nov, "--pipeline", "sales"))
    assert before == (("2000.00", "1000.00"), ("2000.00", "1000.00"))
    crm_nov.ok("deal", "move", "1", "due", "--pipeline", "renewals")
    assert (_pipeline(crm_nov), _pipeline(crm_nov, "--pipeline", "sales")) == before
    assert _pipeline(crm_nov, "--pipeline", "renewals") == ("0.00", "0.00")
    # Today's figures have it in renewals/due, at 60 %.
    now = crm_nov.ok("kpi", "--period", "this month", "--no-compare", "--json").json()
    values = {row["key"]: row["value"] for row in now["kpis"]}
    assert (values["open_pipeline"], values["weighted_forecast"]) == ("2000.00", "1200.00")


def test_winning_back_a_churned_customer_keeps_their_churn_in_its_period(crm_nov, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "contacts.csv"
    path.write_text(
        "name,email,lifecycle_stage,customer_since,churned_at,churn_reason\n"
        "Eve Example,eve@example.com,churned,2026-06-01T10:00:00Z,2026-11-10T10:00:00Z,price\n"
        "Finn Example,finn@example.com,customer,2026-06-01T10:00:00Z,,\n",
        encoding="utf-8",
    )
    crm_nov.ok("import", "contacts", str(path))
    churn = ("churned_customers", "churn_rate", "retention_rate")
    before = {key: _november(crm_nov)[key] for key in churn}
    assert before == {"churned_customers": 1, "churn_rate": 0.5, "retention_rate": 0.5}
    crm_nov.ok("deal", "add", "Win-back", "--contact", "eve", "--amount", "100")
    crm_nov.ok("deal", "won", "1")
    assert crm_nov.ok("contact", "show", "eve", "--json").json()["contact"]["churned_at"] is None
    assert {key: _november(crm_nov)[key] for key in churn} == before
    # Churned and won back again through the commands: each churn counts once, in its period.
    crm_nov.ok("contact", "churn", "eve", "--reason", "price")
    crm_nov.ok("deal", "add", "Second win-back", "--contact", "eve", "--amount", "100")
    crm_nov.ok("deal", "won", "2")
    assert {key: _november(crm_nov)[key] for key in churn} == before
    now = crm_nov.ok("kpi", "--period", "this month", "--no-compare", "--json").json()
    assert {row["key"]: row["value"] for row in now["kpis"]}["churned_customers"] == 1


# --- customers at the start: their spells, from the stage history -------------------------------
#
# Each timeline is written through the services, each step at its own moment in Oslo (the
# config of kpi_dataset.py); `crm kpi` then measures months of 2026. Finn, a customer since
# January who never leaves (owned by karin), keeps every churn rate defined.


def _timeline(crm) -> Builder:  # noqa: ANN001
    builder = Builder(crm.db, crm.config)
    builder.contact("2026-01-05 10:00", "Finn Stays", "customer", owner="karin")
    return builder


def _win_back(builder: Builder, when: str, contact_id: int) -> None:
    deal_id = builder.deal(when, "Win-back", "100", "EUR", contact_id)
    builder.win(when, deal_id)


def _customers(crm, period: str, *args: str) -> tuple[int, int, int]:  # noqa: ANN001
    """(customers at the start, those of them who churned in the period, churned customers)."""
    report = crm.ok("kpi", "--period", period, "--no-compare", "--json", *args).json()
    rows = {row["key"]: row for row in report["kpis"]}
    churn = rows["churn_rate"]
    return churn["denominator"], churn["numerator"], rows["churned_customers"]["value"]


def test_a_customer_won_back_is_not_one_in_the_months_they_were_gone(crm) -> None:  # noqa: ANN001
    b = _timeline(crm)
    kari = b.contact("2026-01-10 10:00", "Kari Back", "customer")
    b.churn("2026-03-10 12:00", kari)
    _win_back(b, "2026-09-10 12:00", kari)
    b.db.close()
    # Her churn counts once, in March, where she was a customer at the start.
    assert _customers(crm, "2026-03") == (2, 1, 1)
    # Gone from March until September: Finn is the only customer at the start.
    for month in ("2026-04", "2026-06", "2026-09"):
        assert _customers(crm, month) == (1, 0, 0), month
    # Back in September: a customer at the start of October, and not a new one.
    assert _customers(crm, "2026-10") == (2, 0, 0)
    september = crm.ok("kpi", "--period", "2026-09", "--no-compare", "--json").json()
    assert {row["key"]: row["value"] for row in september["kpis"]}["new_customers"] == 0
    # Narrowed to an owner: hers (alan) had no customer at the start of June, Finn's one.
    assert _customers(crm, "2026-06", "--owner", "alan")[0] == 0
    assert _customers(crm, "2026-06", "--owner", "karin")[0] == 1
    # The monthly report's KPIs are the same: June against May.
    report = crm.ok("report", "monthly", "--as-of", "2026-07-02 08:00", "--format", "json").json()
    churn = next(row for row in report["kpis"] if row["key"] == "churn_rate")
    assert (churn["denominator"], churn["value"], churn["previous"]) == (1, 0, 0)


def test_two_churns_make_two_gaps_and_each_churn_counts_in_its_month(crm) -> None:  # noqa: ANN001
    b = _timeline(crm)
    kari = b.contact("2026-01-10 10:00", "Kari Twice", "customer")
    b.churn("2026-03-10 12:00", kari)
    _win_back(b, "2026-05-10 12:00", kari)
    b.churn("2026-07-10 12:00", kari)
    _win_back(b, "2026-09-10 12:00", kari)
    b.db.close()
    expected = {
        "2026-03": (2, 1, 1),  # churned
        "2026-04": (1, 0, 0),  # gone
        "2026-06": (2, 0, 0),  # back since May
        "2026-07": (2, 1, 1),  # churned again
        "2026-08": (1, 0, 0),  # gone
        "2026-10": (2, 0, 0),  # back since September
    }
    assert {month: _customers(crm, month) for month in expected} == expected


def test_a_churn_and_a_win_back_within_one_period(crm) -> None:  # noqa: ANN001
    b = _timeline(crm)
    # Kari churns and comes back in June: a customer at its start who churned in it.
    kari = b.contact("2026-01-10 10:00", "Kari June", "customer")
    b.churn("2026-06-05 12:00", kari)
    _win_back(b, "2026-06-20 12:00", kari)
    # Karl, gone since March, comes back and churns again in July: not a customer at its
    # start, so not in its churn rate ("won and lost within the period"), yet churned in it.
    karl = b.contact("2026-01-12 10:00", "Karl July", "customer")
    b.churn("2026-03-10 12:00", karl)
    _win_back(b, "2026-07-05 12:00", karl)
    b.churn("2026-07-20 12:00", karl)
    b.db.close()
    assert _customers(crm, "2026-06") == (2, 1, 1)  # Finn and Kari; Kari churned, once
    assert _customers(crm, "2026-07") == (2, 0, 1)  # Finn and Kari; Karl churned
    assert _customers(crm, "2026-08") == (2, 0, 0)
    # By quarter: on 1 April and on 1 July the customers are Finn and Kari (Karl is gone).
    assert _customers(crm, "2026-Q2") == (2, 1, 1)
    assert _customers(crm, "2026-Q3") == (2, 0, 1)


def test_a_customer_without_stage_history_keeps_the_rule_of_the_dates(crm) -> None:  # noqa: ANN001
    b = _timeline(crm)
    nils = b.contact("2026-01-10 10:00", "Nils Old", "customer")
    b.churn("2026-03-10 12:00", nils)
    olga = b.contact("2026-02-01 10:00", "Olga Old", "customer")
    b.db.close()
    # As data older than the stage history: customer_since and churned_at, no moves.
    conn = sqlite3.connect(crm.db)
    with conn:
        conn.execute("DELETE FROM lifecycle_changes WHERE contact_id IN (?, ?)", (nils, olga))
    conn.close()
    assert _customers(crm, "2026-02") == (2, 0, 0)  # Finn and Nils; Olga is new in February
    assert _customers(crm, "2026-03") == (3, 1, 1)  # Nils churned (by his churned_at)
    assert _customers(crm, "2026-06") == (2, 0, 0)  # Finn and Olga
