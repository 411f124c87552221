"""`crm activity list --open` with days: a follow-up due by the end of a day is on its
owner's day, as the agenda shows it, while one due at a time of day keeps its moment.

The team spans the date line: Ada in Oslo, Alan in New York, Mere in Auckland. "Now" is
Wednesday 1 April 2026, 10:00 UTC: noon in Oslo, 06:00 in New York, 23:00 in Auckland.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

CONFIG = """
user = "ada"

[[team]]
handle = "ada"
timezone = "Europe/Oslo"
[[team]]
handle = "alan"
timezone = "America/New_York"
[[team]]
handle = "mere"
timezone = "Pacific/Auckland"
"""

NOW = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)

# id: (owner, --due). A day alone is due by the end of that day in its owner's zone.
FOLLOW_UPS = {
    1: ("alan", "2026-04-01"),  # Alan's Wednesday: ends Thursday 05:59:59 in Oslo
    2: ("ada", "2026-04-01"),  # Ada's Wednesday
    3: ("mere", "2026-04-01"),  # Mere's Wednesday: ends Wednesday 12:59:59 in Oslo
    4: ("alan", "2026-03-31"),  # Alan's Tuesday: ends Wednesday 05:59:59 in Oslo
    5: ("mere", "2026-04-02"),  # Mere's Thursday
    6: ("alan", "2026-04-01T23:30:00-04:00"),  # a time: Alan's Wednesday night, Thursday in Oslo
    7: ("alan", "2026-04-01T23:59:00+02:00"),  # a time: a minute before Oslo's midnight
    8: ("alan", "2026-04-02T00:15:00+02:00"),  # a time: Thursday in Oslo, Wednesday in New York
    9: ("alan", "2026-04-01T23:45:00+13:00"),  # a time: Wednesday night in Auckland
    10: ("alan", "2026-04-05"),  # Alan's Sunday, the last day of the week: Monday in Oslo
    11: ("alan", "2026-03-29"),  # Alan's Sunday before the week: Monday 30 March in Oslo
    12: ("mere", "2026-04-05"),  # Mere's Sunday, after Auckland's clocks went back
    13: ("mere", "2026-04-06"),  # Mere's Monday, the week after
}


@pytest.fixture
def crm(crm, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    monkeypatch.setattr("crmcli.clock.utcnow", lambda: NOW)
    monkeypatch.setenv("CRM_USER", "ada")
    crm.write_config(CONFIG)
    crm.ok("add", "Kari Nordmann")
    for number, (owner, due) in FOLLOW_UPS.items():
        made = crm.ok("activity", "add", "kari", f"follow-up {number}", "--owner", owner, "--due", due,
                      "--json").json()  # fmt: skip
        assert made["id"] == number
    return crm


def listed(crm, *args: str, user: str = "ada") -> list[int]:  # noqa: ANN001
    """The ids `activity list --open` gives, the same in JSON, CSV and the plain table."""
    base = ("--user", user, "activity", "list", "--open", *args)
    as_json = [row["id"] for row in crm.ok(*base, "--json").json()]
    as_csv = [int(row["id"]) for row in csv.DictReader(io.StringIO(crm.ok(*base, "--format", "csv").stdout))]
    lines = crm.ok(*base).stdout.splitlines()
    as_table = [int(line.split()[0]) for line in lines[1:]] if lines[0].startswith("ID") else []
    assert as_json == as_csv == as_table
    return as_json


def test_today_holds_every_owners_wednesday_and_no_tuesday(crm) -> None:  # noqa: ANN001
    # Alan's Wednesday (1) ends on Oslo's Thursday, yet it is Ada's today as in the agenda;
    # Alan's Tuesday (4) ends on Oslo's Wednesday, yet it is not. Times keep their moment:
    # 6 and 8 are Thursday in Oslo, 7 and 9 Wednesday.
    assert listed(crm, "--period", "today") == [9, 3, 7, 2, 1]
    agenda = crm.ok("agenda", "--json").json()
    assert {item["id"] for item in agenda["due_today"]} == {9, 3, 7, 2, 1}


def test_today_across_the_date_line(crm) -> None:  # noqa: ANN001
    # Mere's Wednesday ends when Ada's and Alan's have most of theirs to go.
    assert listed(crm, "--period", "today", user="mere") == [9, 3, 2, 1]
    assert listed(crm, "--period", "today", user="alan") == [9, 3, 7, 2, 8, 6, 1]


def test_since_and_until_given_as_days(crm) -> None:  # noqa: ANN001
    assert 1 not in listed(crm, "--since", "tomorrow")
    assert listed(crm, "--since", "2026-04-02", "--until", "2026-04-02") == [8, 6, 5]
    assert listed(crm, "--until", "2026-03-31") == [11, 4]
    assert listed(crm, "--since", "2026-03-31", "--until", "2026-03-31") == [4]
    # A moment is a moment: from Wednesday 06:00 in Oslo, Alan's Tuesday has ended.
    assert 4 not in listed(crm, "--since", "2026-04-01 06:00")
    assert listed(crm, "--since", "2026-04-01 05:00", "--until", "2026-04-01 13:00") == [4, 9, 3]


def test_the_week_ends_on_each_owners_sunday(crm) -> None:  # noqa: ANN001
    week = listed(crm, "--period", "week")
    assert 10 in week and 12 in week  # Alan's and Mere's Sunday, 5 April
    assert 11 not in week and 13 not in week  # Alan's Sunday before, Mere's Monday after
    assert week == [4, 9, 3, 7, 2, 8, 6, 1, 5, 12, 10]


def test_paging_counts_the_follow_ups_on_their_owners_days(crm) -> None:  # noqa: ANN001
    assert listed(crm, "--period", "today", "--limit", "2", "--offset", "1") == [3, 7]
    assert listed(crm, "--period", "today", "--owner", "alan") == [9, 7, 1]


def test_without_open_the_moment_of_the_activity_counts(crm) -> None:  # noqa: ANN001
    # Nothing was logged, so every activity "happened" when it was added: now.
    everything = [row["id"] for row in crm.ok("activity", "list", "--period", "today", "--json").json()]
    assert sorted(everything) == list(FOLLOW_UPS)


def test_the_export_takes_the_same_follow_ups(crm) -> None:  # noqa: ANN001
    # `crm export activities` is narrowed by the filters of the list (oldest id first).
    exported = crm.ok("export", "activities", "--open", "--period", "today", "--format", "json").json()
    assert sorted(row["id"] for row in exported) == [1, 2, 3, 7, 9]


def test_an_owner_off_the_team_keeps_the_configs_day(crm) -> None:  # noqa: ANN001
    # Alan leaves the team: his follow-ups' days are now kept in the config's zone, New York.
    crm.write_config('user = "ada"\ntimezone = "America/New_York"\n\n[[team]]\nhandle = "ada"\n'
                     'timezone = "Europe/Oslo"\n')  # fmt: skip
    assert listed(crm, "--period", "today") == [9, 3, 7, 2, 1]
    assert listed(crm, "--until", "2026-03-31") == [11, 4]
