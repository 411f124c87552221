"""A pipeline or stage renamed in the config by its case alone ("renewals" → "Renewals",
"demo" → "Demo"): its name written as the deals hold it still finds them in every filter,
and the plain board's note names a command that shows them."""

from __future__ import annotations

import pytest

from helpers import every_row, rows

BEFORE = """\
base_currency = "EUR"

[[pipelines]]
name = "sales"
[[pipelines.stages]]
name = "qualification"
probability = 10
[[pipelines.stages]]
name = "demo"
probability = 30

[[pipelines]]
name = "renewals"
[[pipelines.stages]]
name = "due"
probability = 60
"""


@pytest.fixture
def recased(crm):  # noqa: ANN001, ANN201
    crm.write_config(BEFORE)
    crm.ok("deal", "add", "D1", "--amount", "2000", "--stage", "demo", "--close", "2026-12-20")
    crm.ok("deal", "add", "R1", "--pipeline", "renewals", "--amount", "500", "--close", "2026-12-15")
    crm.ok("deal", "add", "R2", "--pipeline", "renewals", "--amount", "700")
    crm.ok("deal", "won", "3")
    crm.write_config(BEFORE.replace('"renewals"', '"Renewals"').replace('"demo"', '"Demo"'))
    return crm


def ids(result) -> list[int]:  # noqa: ANN001
    return sorted(deal["id"] for deal in result.json())


def test_the_boards_note_names_a_command_that_shows_the_deals(recased) -> None:  # noqa: ANN001
    note = recased.ok("pipeline").stderr
    assert "1 open deal is in the pipeline renewals, which the config no longer has" in note
    assert "see it with `crm pipeline --pipeline renewals`" in note
    board = recased.ok("pipeline", "--pipeline", "renewals", "--json").json()
    assert board["pipeline"] == "renewals"
    assert [(s["name"], s["configured"], s["count"]) for s in board["stages"]] == [("due", False, 1)]
    assert board["total"]["total"] == "500.00"


def test_the_name_as_the_deals_hold_it_filters_them(recased) -> None:  # noqa: ANN001
    assert ids(recased.ok("deal", "list", "--pipeline", "renewals", "--status", "all", "--json")) == [2, 3]
    assert ids(recased.ok("deal", "list", "--stage", "demo", "--json")) == [1]
    assert ids(recased.ok("deal", "list", "--pipeline", "sales", "--stage", "demo", "--json")) == [1]
    exported = recased.ok("export", "deals", "--pipeline", "renewals", "--format", "csv").stdout
    assert "R1" in exported and "R2" in exported and "D1" not in exported


def test_the_configured_name_written_any_other_way_is_the_configured_one(recased) -> None:  # noqa: ANN001
    for name in ("Renewals", "RENEWALS"):
        assert ids(recased.ok("deal", "list", "--pipeline", name, "--status", "all", "--json")) == []
        assert recased.ok("pipeline", "--pipeline", name, "--json").json()["pipeline"] == "Renewals"
    assert ids(recased.ok("deal", "list", "--stage", "Demo", "--json")) == []
    assert ids(recased.ok("deal", "list", "--stage", "DEMO", "--json")) == []


def test_the_forecast_and_the_kpis_count_them(recased) -> None:  # noqa: ANN001
    forecast = recased.ok("forecast", "--pipeline", "renewals", "--as-of", "2026-12-01", "--json").json()
    assert (forecast["pipeline"], forecast["total"]["open_deals"]) == ("renewals", 1)
    report = recased.ok("kpi", "--pipeline", "renewals", "--json").json()
    assert report["pipeline"] == "renewals"
    assert {row["key"]: row["value"] for row in report["kpis"]}["open_pipeline"] == "500.00"


def test_nothing_is_rewritten(recased) -> None:  # noqa: ANN001
    before = every_row(recased.db)
    recased.ok("pipeline")
    recased.ok("deal", "list", "--pipeline", "renewals", "--stage", "due")
    recased.ok("deal", "list", "--stage", "demo")
    assert every_row(recased.db) == before
    assert rows(recased, "SELECT pipeline, stage FROM deals ORDER BY id") == [
        ("sales", "demo"),
        ("renewals", "due"),
        ("renewals", "won"),
    ]
