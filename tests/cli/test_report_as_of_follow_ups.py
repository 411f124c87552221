"""crm report --as-of DAY: the follow-ups section is what was open at DAY, so that a
follow-up done, or one logged, after DAY leaves the report of DAY byte for byte the same."""

from __future__ import annotations

import pytest

AS_OF = "2026-11-30"  # a Monday: the report is of 23–29 November, follow-ups due 30 Nov–6 Dec
REPORT = ("report", "weekly", "--as-of", AS_OF)


@pytest.fixture
def kari(crm, clock):  # noqa: ANN001, ANN201
    clock("2026-11-25T09:00:00")
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.com")
    crm.ok("log", "kari", "call", "first call", "--at", "2026-11-25")
    crm.ok("log", "kari", "task", "Send offer", "--due", "2026-12-01")  # follow-up #2
    return crm


def _reports(crm) -> dict[str, str]:  # noqa: ANN001
    return {fmt: crm.ok(*REPORT, "--format", fmt).stdout for fmt in ("md", "html", "csv", "json")}


def test_a_follow_up_done_and_one_logged_after_as_of_leave_the_report_unchanged(kari, clock) -> None:  # noqa: ANN001
    clock("2026-11-30T08:00:00")
    before = _reports(kari)
    follow = kari.ok(*REPORT, "--format", "json").json()["follow_ups"]
    assert follow["total"] == 1 and follow["by_owner"] == [{"owner": "tester", "due": 1}]
    assert [item["note"] for item in follow["items"]] == ["Send offer"]

    clock("2026-12-02T15:00:00")
    kari.ok("activity", "done", "2")
    kari.ok("log", "kari", "task", "Unrelated new task", "--due", "2026-12-04")

    assert _reports(kari) == before
    assert "| Send offer |" in before["md"] and "Unrelated new task" not in before["md"]


def test_a_follow_up_done_before_as_of_is_not_listed(kari, clock) -> None:  # noqa: ANN001
    clock("2026-11-27T10:00:00")
    kari.ok("activity", "done", "2")
    clock("2026-12-02T15:00:00")
    follow = kari.ok(*REPORT, "--format", "json").json()["follow_ups"]
    assert (follow["total"], follow["by_owner"], follow["items"]) == (0, [], [])
    assert "No open follow-ups are due." in kari.ok(*REPORT).stdout
