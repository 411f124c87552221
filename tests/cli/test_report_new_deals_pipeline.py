"""The report's "New deals" counts a deal under the pipeline it was created in, as its
stage history records it: a later move to another pipeline leaves a past report as it
was, in md, html, csv and json."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from helpers import write_csv

PIPELINES = """\
base_currency = "EUR"

[[pipelines]]
name = "sales"
stages = [
  { name = "qualification", probability = 10 },
  { name = "needs-analysis", probability = 20 },
  { name = "proposal", probability = 40 },
  { name = "negotiation", probability = 70 },
]

[[pipelines]]
name = "renewals"
stages = [{ name = "due", probability = 60 }, { name = "quoted", probability = 85 }]
"""
REPORT = ("report", "weekly", "--as-of", "2026-11-30")  # a Monday: the week 23–29 November
FORMATS = ("md", "html", "csv", "json")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def reports(crm) -> dict[str, str]:  # noqa: ANN001
    return {fmt: crm.ok(*REPORT, "--format", fmt).stdout for fmt in FORMATS}


def new_deals(crm) -> list[dict[str, object]]:  # noqa: ANN001
    return crm.ok(*REPORT, "--format", "json").json()["pipeline"]["new"]


def test_a_move_to_another_pipeline_since_leaves_a_past_report_as_it_was(crm, clock, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(PIPELINES)
    clock(at(30, 12))
    rows = [["title", "amount", "pipeline", "stage", "created_at"],
            ["D2", "500", "sales", "qualification", "2026-11-24T10:00:00Z"]]  # fmt: skip
    crm.ok("import", "deals", str(write_csv(tmp_path / "d.csv", rows)))
    before = reports(crm)
    assert "| sales | 1 | 500.00 |" in before["md"].splitlines()

    clock(at(30, 13))
    crm.ok("deal", "move", "1", "due", "--pipeline", "renewals")

    after = reports(crm)
    for fmt in FORMATS:
        assert after[fmt] == before[fmt], fmt
    assert new_deals(crm) == [{"pipeline": "sales", "deals": 1, "amount": "500.00"}]


def test_a_deal_moved_in_its_first_week_is_new_in_the_pipeline_it_was_created_in(crm, clock) -> None:  # noqa: ANN001
    crm.write_config(PIPELINES)
    clock(at(24))
    crm.ok("deal", "add", "Moved", "-a", "500")
    crm.ok("deal", "add", "Renewal", "-a", "70", "-P", "renewals")
    clock(at(25))
    crm.ok("deal", "move", "1", "quoted", "-P", "renewals")

    assert new_deals(crm) == [
        {"pipeline": "renewals", "deals": 1, "amount": "70.00"},
        {"pipeline": "sales", "deals": 1, "amount": "500.00"},
    ]
    assert "pipeline.new,sales,sales,1,,,500.00 EUR" in crm.ok(*REPORT, "--format", "csv").stdout.splitlines()
