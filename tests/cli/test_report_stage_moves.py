"""The report's stage moves: a reopen (lost -> demo) is not one, and a move to another
pipeline is listed under the pipeline the deal left, its destination as "pipeline/stage",
the same in md, html, csv and json."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

PIPELINES = """\
base_currency = "EUR"

[[pipelines]]
name = "sales"
[[pipelines.stages]]
name = "demo"
probability = 30
[[pipelines.stages]]
name = "offer"
probability = 60

[[pipelines]]
name = "renewals"
[[pipelines.stages]]
name = "quoted"
probability = 85
[[pipelines.stages]]
name = "signed"
probability = 95
"""
REPORT = ("report", "weekly", "--as-of", "2026-11-30")  # a Monday: the week 23–29 November


@pytest.fixture
def moved(crm, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    moment = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    monkeypatch.setattr("crmcli.clock.utcnow", lambda: moment)
    crm.write_config(PIPELINES)
    crm.ok("deal", "add", "P1", "-a", "1000", "-s", "demo")
    crm.ok("deal", "add", "P4", "-a", "10", "-s", "demo")
    crm.ok("deal", "lost", "2", "--reason", "price")
    crm.ok("deal", "move", "1", "quoted", "-P", "renewals")  # into another pipeline
    crm.ok("deal", "move", "1", "signed")  # then within it
    crm.ok("deal", "reopen", "2")  # lost -> demo: not a stage move
    return crm


def test_moves_are_listed_under_the_pipeline_left_and_reopens_are_not_moves(moved) -> None:  # noqa: ANN001
    pipeline = moved.ok(*REPORT, "--format", "json").json()["pipeline"]
    assert pipeline["moves"] == [
        {"pipeline": "renewals", "from_stage": "quoted", "to_stage": "signed", "moves": 1, "deals": 1},
        {"pipeline": "sales", "from_stage": "demo", "to_stage": "renewals/quoted", "moves": 1, "deals": 1},
    ]


def test_every_format_shows_the_same_moves(moved) -> None:  # noqa: ANN001
    md = moved.ok(*REPORT).stdout
    assert "| sales | demo | renewals/quoted | 1 |" in md and "| renewals | quoted | signed | 1 |" in md
    assert "| lost |" not in md and "Moved: 2 stage changes." in md

    html = moved.ok(*REPORT, "--format", "html").stdout
    assert ">sales</td>" in html and ">renewals/quoted</td>" in html and ">lost</td>" not in html

    lines = csv.DictReader(io.StringIO(moved.ok(*REPORT, "--format", "csv").stdout))
    moves = [(row["key"], row["label"], row["value"]) for row in lines if row["section"] == "pipeline.moved"]
    assert moves == [
        ("renewals:quoted:signed", "renewals: quoted -> signed", "1"),
        ("sales:demo:renewals/quoted", "sales: demo -> renewals/quoted", "1"),
    ]
