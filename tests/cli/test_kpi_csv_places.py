"""crm kpi --format csv and crm report --format csv write a KPI with the same places:
averages to 2 (4.50), rates to 4 (0.7500), money to the currency's minor unit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest


@pytest.fixture
def november(crm, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    # The deals are won and lost "now": a moment in November.
    moment = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    monkeypatch.setattr("crmcli.clock.utcnow", lambda: moment)
    crm.ok("add", "Kari")
    crm.ok("feedback", "add", "kari", "--csat", "4", "--at", "2026-11-02")
    crm.ok("feedback", "add", "kari", "--csat", "5", "--at", "2026-11-03")
    crm.ok("log", "kari", "call", "x", "--at", "2026-11-03")
    for number, title in enumerate(("A", "B", "C", "D"), start=1):
        crm.ok("deal", "add", title, "--amount", "100")
        if title == "D":
            crm.ok("deal", "lost", str(number), "--reason", "price")
        else:
            crm.ok("deal", "won", str(number))
    return crm


def _kpi_csv(crm) -> dict[str, dict[str, str]]:  # noqa: ANN001
    text = crm.ok("kpi", "--period", "2026-11", "--format", "csv").stdout
    return {row["key"]: row for row in csv.DictReader(io.StringIO(text))}


def _report_csv(crm) -> dict[str, dict[str, str]]:  # noqa: ANN001
    text = crm.ok("report", "monthly", "--as-of", "2026-12-01", "--format", "csv").stdout
    return {row["key"]: row for row in csv.DictReader(io.StringIO(text)) if row["section"] == "kpi"}


def test_averages_and_rates_have_their_documented_places(november) -> None:  # noqa: ANN001
    kpis = _kpi_csv(november)
    assert kpis["csat"]["value"] == "4.50"
    assert kpis["activities_per_owner"]["value"] == "1.00"
    assert kpis["win_rate"]["value"] == "0.7500"
    assert kpis["won_value"]["value"] == "300.00"


def test_kpi_and_report_write_the_same_figures(november) -> None:  # noqa: ANN001
    kpis, report = _kpi_csv(november), _report_csv(november)
    assert set(kpis) == set(report)
    for key, row in kpis.items():
        for column in ("value", "previous", "change"):
            assert row[column] == report[key][column], (key, column)
