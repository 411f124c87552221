"""crm kpi: a past period's figures stay what they were when deals and customers change later.

November 2026 in Europe/Oslo is measured after changes made now (later than November):
a deal reopened or moved to another pipeline, a churned customer won back.
"""

from __future__ import annotations

import pytest

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
