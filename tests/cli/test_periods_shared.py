"""`activity list`, `export activities` and `kpi` read one another's periods."""

from __future__ import annotations

import pytest

from helpers import one_sentence


@pytest.fixture
def crm(crm):  # noqa: ANN001, ANN201
    crm.ok("add", "Kari Nordmann")
    crm.ok("log", "kari", "note", "Today's note")
    crm.ok("log", "kari", "note", "Old note", "--at", "2020-01-15 12:00")
    return crm


def _notes(crm, *args: str) -> list[str]:  # noqa: ANN001
    return [row["note"] for row in crm.ok(*args, "--json").json()]


@pytest.mark.parametrize(
    ("period", "notes"),
    [
        ("last 10000 days", ["Today's note", "Old note"]),
        ("last 30 days", ["Today's note"]),
        ("this year", ["Today's note"]),
        ("2020-01", ["Old note"]),
        ("2020-Q1", ["Old note"]),
        ("2020", ["Old note"]),
        ("since 2020-01-15", ["Today's note", "Old note"]),
        ("since 2020-01-16", ["Today's note"]),
    ],
)
def test_activity_list_takes_the_periods_kpi_takes(crm, period: str, notes: list[str]) -> None:  # noqa: ANN001
    assert _notes(crm, "activity", "list", "--period", period) == notes


def test_export_activities_takes_them_too(crm) -> None:  # noqa: ANN001
    exported = crm.ok("export", "activities", "--format", "json", "--period", "2020-01").json()
    assert [row["note"] for row in exported] == ["Old note"]


@pytest.mark.parametrize(
    ("short", "long"),
    [("last-week", "last week"), ("week", "this week"), ("month", "this month"), ("last-year", "last year")],
)  # fmt: skip
def test_kpi_takes_the_periods_activity_list_takes(crm, short: str, long: str) -> None:  # noqa: ANN001
    def days(period: str) -> tuple[str, str, str]:
        report = crm.ok("kpi", "--period", period, "--json").json()
        return (
            report["period"]["first_day"],
            report["period"]["last_day"],
            report["previous_period"]["first_day"],
        )

    assert days(short) == days(long)


@pytest.mark.parametrize("command", [("activity", "list"), ("export", "activities"), ("kpi",)])
def test_an_unreadable_or_endless_period_is_one_sentence(crm, command: tuple[str, ...]) -> None:  # noqa: ANN001
    unread = one_sentence(crm.fails(*command, "--period", "fortnight").stderr)
    assert unread.startswith("crm: Cannot read 'fortnight' as a period; use today, yesterday, this week")
    endless = one_sentence(crm.fails(*command, "--period", "last 999999999 days").stderr)
    assert endless == (
        "crm: The period 'last 999999999 days' reaches back before the year 1; "
        "use a period between 1900 and 2999."
    )
    far = one_sentence(crm.fails(*command, "--period", "last 99999 days").stderr)
    assert far.startswith("crm: The period 'last 99999 days' reaches the year ")


@pytest.mark.parametrize("period", ["", "0d", "000w"])
@pytest.mark.parametrize("command", [("activity", "list"), ("export", "activities")])
def test_an_empty_or_zero_period_is_refused_not_ignored(crm, command: tuple[str, ...], period: str) -> None:  # noqa: ANN001
    refused = one_sentence(crm.fails(*command, "--period", period).stderr)
    assert refused.startswith(f"crm: Cannot read {period!r} as a period; use today")


def test_kpi_does_not_read_a_span_back_from_now_as_days(crm) -> None:  # noqa: ANN001
    """`activity list --period 7d` runs back from this moment; a KPI period is whole days,
    so the one text must not mean two things: kpi asks for "last 7 days"."""
    refused = one_sentence(crm.fails("kpi", "--period", "7d").stderr)
    assert refused.startswith("crm: Cannot read '7d' as a period;") and "last 30 days" in refused
