"""crm deal reopen of a deal imported won or lost: it expects the close date the file gave
it, or none when the file gave none, as a deal closed and reopened with the CLI does."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import write_csv

HEADER = ["title", "amount", "stage", "status", "won_at", "lost_at", "lost_reason", "created_at",
          "close_date"]  # fmt: skip


def imported(crm, tmp_path: Path, row: list[str]) -> dict:  # noqa: ANN001
    source = write_csv(tmp_path / "deals.csv", [HEADER, row])
    crm.ok("import", "deals", str(source))
    return crm.ok("deal", "list", "--status", "all", "--json").json()[0]


@pytest.mark.parametrize(
    "row",
    [
        ["P4", "8000", "proposal", "lost", "", "2026-11-20T12:00:00Z", "price", "2026-10-10T12:00:00Z", ""],
        ["W1", "5000", "proposal", "won", "2026-11-21T12:00:00Z", "", "", "2026-10-10T12:00:00Z", ""],
    ],
    ids=["lost", "won"],
)
def test_a_deal_imported_closed_without_a_close_date_reopens_with_none(crm, tmp_path: Path, row) -> None:  # noqa: ANN001
    deal = imported(crm, tmp_path, row)
    assert deal["close_date"] == row[4][:10] or deal["close_date"] == row[5][:10]  # closing dated it

    crm.ok("deal", "reopen", str(deal["id"]))

    reopened = crm.ok("deal", "list", "--json").json()[0]
    assert (reopened["status"], reopened["stage"], reopened["close_date"]) == ("open", "proposal", None)
    forecast = crm.ok("forecast", "--json").json()
    assert forecast["overdue"]["open_deals"] == 0 and forecast["undated"]["open_deals"] == 1


def test_a_deal_imported_closed_with_a_close_date_reopens_with_it(crm, tmp_path: Path) -> None:  # noqa: ANN001
    row = ["P5", "8000", "proposal", "lost", "", "2026-11-20T12:00:00Z", "price", "2026-10-10T12:00:00Z",
           "2026-11-25"]  # fmt: skip
    deal = imported(crm, tmp_path, row)
    crm.ok("deal", "reopen", str(deal["id"]))
    assert crm.ok("deal", "list", "--json").json()[0]["close_date"] == "2026-11-25"


def test_closed_again_with_the_cli_it_reopens_with_what_it_expected_then(crm, tmp_path: Path) -> None:  # noqa: ANN001
    row = ["P4", "8000", "proposal", "lost", "", "2026-11-20T12:00:00Z", "price", "2026-10-10T12:00:00Z", ""]
    deal_id = str(imported(crm, tmp_path, row)["id"])
    crm.ok("deal", "reopen", deal_id)
    crm.ok("deal", "edit", deal_id, "--close", "2099-01-31")
    crm.ok("deal", "lost", deal_id, "--reason", "price")
    crm.ok("deal", "reopen", deal_id)
    assert crm.ok("deal", "list", "--json").json()[0]["close_date"] == "2099-01-31"
