"""A pipeline renamed (or removed) in the config while deals are still in it: its name stays a
valid filter, its board shows them in stages not configured, and the plain board says how
many open deals it leaves out, so that it can be reconciled with the forecast and the KPIs."""

from __future__ import annotations

import json

import pytest

from helpers import every_row, one_sentence

BEFORE = """\
base_currency = "EUR"

[[pipelines]]
name = "sales"
[[pipelines.stages]]
name = "intro"
probability = 10

[[pipelines]]
name = "renewals"
[[pipelines.stages]]
name = "due"
probability = 60
"""


@pytest.fixture
def renamed(crm):  # noqa: ANN001, ANN201
    crm.write_config(BEFORE)
    crm.ok("deal", "add", "R", "-a", "1000", "-P", "renewals", "--close", "2026-12-20")
    crm.ok("deal", "add", "S", "-a", "50", "--close", "2026-12-20")
    crm.write_config(BEFORE.replace('"renewals"', '"renew"'))
    return crm


def ids(result) -> list[int]:  # noqa: ANN001
    return [deal["id"] for deal in result.json()]


def test_deal_list_filters_by_a_pipeline_only_deals_still_hold(renamed) -> None:  # noqa: ANN001
    assert ids(renamed.ok("deal", "list", "--pipeline", "renewals", "--json")) == [1]
    assert ids(renamed.ok("deal", "list", "-P", "Renewals", "--stage", "due", "--json")) == [1]
    assert ids(renamed.ok("deal", "list", "-P", "renewals", "--stage", "won", "--json")) == []


def test_export_deals_filters_by_it(renamed) -> None:  # noqa: ANN001
    exported = json.loads(renamed.ok("export", "deals", "--pipeline", "renewals", "--format", "json").stdout)
    assert [(deal["id"], deal["pipeline"], deal["stage"]) for deal in exported] == [(1, "renewals", "due")]


def test_its_board_shows_its_deals_as_in_stages_not_configured(renamed) -> None:  # noqa: ANN001
    result = renamed.ok("pipeline", "--pipeline", "renewals", "--json")
    board = result.json()
    assert board["pipeline"] == "renewals"
    assert [(s["name"], s["configured"], s["probability"], s["count"], s["total"], s["weighted"])
            for s in board["stages"]] == [("due", False, None, 1, "1000.00", None)]  # fmt: skip
    assert board["total"] == {"count": 1, "total": "1000.00", "weighted": "0.00"}
    assert "no longer has the pipeline renewals" in result.stderr
    assert "crm deal move ID STAGE --pipeline P" in result.stderr


def test_the_forecast_takes_it_too(renamed) -> None:  # noqa: ANN001
    data = renamed.ok("forecast", "--pipeline", "renewals", "--as-of", "2026-12-01", "--json").json()
    total = data["total"]
    assert (data["pipeline"], total["best_case"], total["open_deals"]) == ("renewals", "1000.00", 1)


def test_the_plain_board_tells_how_many_open_deals_it_leaves_out(renamed, crm_process) -> None:  # noqa: ANN001
    everything = renamed.ok("forecast", "--as-of", "2026-12-01", "--json").json()["total"]
    assert everything["best_case"] == "1050.00"

    result = crm_process("pipeline", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"]["total"] == "50.00"  # stdout stays the board alone
    assert result.stderr == (
        "Note: 1 open deal is in the pipeline renewals, which the config no longer has; the forecast "
        "and the KPIs count it, this board does not: see it with `crm pipeline --pipeline renewals`.\n"
    )
    plain = crm_process("pipeline")
    assert plain.returncode == 0 and "crm pipeline --pipeline renewals" in plain.stderr


def test_the_note_counts_every_such_pipeline_and_only_the_owners_deals(renamed) -> None:  # noqa: ANN001
    renamed.write_config(BEFORE)
    renamed.ok("deal", "add", "T", "-a", "7", "-P", "renewals", "--owner", "bob")
    renamed.ok("deal", "add", "U", "-a", "8", "-P", "renewals")
    renamed.ok("deal", "won", "3")  # closed deals are on no board: not counted
    renamed.write_config(BEFORE.replace('"renewals"', '"renew"').replace('"sales"', '"new"'))
    note = renamed.ok("pipeline").stderr
    assert "3 open deals are in pipelines the config no longer has (renewals 2, sales 1)" in note
    assert "see them with `crm pipeline --pipeline NAME`" in note
    assert renamed.ok("pipeline", "--owner", "bob").stderr == ""  # bob's one was won
    assert renamed.ok("pipeline", "--owner", "tester").stderr.startswith("Note: 3 open deals")
    assert renamed.ok("pipeline", "--pipeline", "new").stderr == ""


def test_an_exact_name_deals_hold_wins_over_a_prefix_of_a_configured_one(crm) -> None:  # noqa: ANN001
    crm.write_config(BEFORE)
    crm.ok("deal", "add", "R", "-P", "renewals")
    crm.write_config(BEFORE.replace('"renewals"', '"renewals-2027"'))
    crm.ok("deal", "add", "N", "-P", "renewals-2027")
    assert ids(crm.ok("deal", "list", "--pipeline", "renewals", "--json")) == [1]
    assert ids(crm.ok("deal", "list", "--pipeline", "renewals-", "--json")) == [2]


@pytest.mark.parametrize(
    "command",
    [
        ("deal", "list", "--pipeline", "nope"),
        ("pipeline", "--pipeline", "nope"),
        ("export", "deals", "--pipeline", "nope"),
        ("forecast", "--pipeline", "nope"),
    ],
)
def test_a_name_no_deal_holds_is_still_refused_in_one_sentence(renamed, command) -> None:  # noqa: ANN001
    before = every_row(renamed.db)
    result = renamed.fails(*command)
    assert one_sentence(result.stderr) == (
        "crm: There is no pipeline 'nope'; the pipelines are sales, renew; "
        "deals are also still in renewals, no longer in the config."
    )
    assert result.stdout == ""
    assert every_row(renamed.db) == before


def test_new_deals_still_need_a_configured_pipeline(renamed) -> None:  # noqa: ANN001
    result = renamed.fails("deal", "add", "X", "-P", "renewals")
    sentence = "crm: There is no pipeline 'renewals'; the pipelines are sales, renew."
    assert one_sentence(result.stderr) == sentence


def test_a_stage_its_deals_are_not_in_is_refused_naming_theirs(renamed) -> None:  # noqa: ANN001
    result = renamed.fails("deal", "list", "-P", "renewals", "--stage", "quoted")
    assert one_sentence(result.stderr) == (
        "crm: The pipeline renewals is no longer in the config and has no stage 'quoted'; "
        "its deals are in due (or won or lost)."
    )


def test_the_kpis_of_a_pipeline_the_config_no_longer_has(renamed) -> None:  # noqa: ANN001
    report = renamed.ok("kpi", "--pipeline", "renewals", "--json").json()
    assert report["pipeline"] == "renewals"
    pipeline = {row["key"]: row["value"] for row in report["kpis"]}["open_pipeline"]
    assert pipeline == "1000.00"
    refused = one_sentence(renamed.fails("kpi", "--pipeline", "nope").stderr)
    assert refused.startswith("crm: There is no pipeline 'nope'")
