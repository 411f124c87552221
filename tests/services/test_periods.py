"""Period expressions: each form, in a time zone with DST, with the previous period."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crmcli.clock import to_iso
from crmcli.errors import Invalid
from crmcli.services.periods import between, chosen, parse_period

OSLO = ZoneInfo("Europe/Oslo")
# Wednesday 14 October 2026, 10:00 UTC (12:00 in Oslo, summer time until 25 October).
NOW = datetime(2026, 10, 14, 10, 0, tzinfo=UTC)


def days(text: str, week_start: int = 0) -> tuple[str, str]:
    period = parse_period(text, now=NOW, tz=OSLO, week_start=week_start)
    return period.first.isoformat(), period.last.isoformat()


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("today", "2026-10-14", "2026-10-14"),
        ("yesterday", "2026-10-13", "2026-10-13"),
        ("this week", "2026-10-12", "2026-10-18"),
        ("last week", "2026-10-05", "2026-10-11"),
        ("next week", "2026-10-19", "2026-10-25"),
        ("this month", "2026-10-01", "2026-10-31"),
        ("last month", "2026-09-01", "2026-09-30"),
        ("this quarter", "2026-10-01", "2026-12-31"),
        ("last quarter", "2026-07-01", "2026-09-30"),
        ("this year", "2026-01-01", "2026-12-31"),
        ("last year", "2025-01-01", "2025-12-31"),
        ("last 30 days", "2026-09-15", "2026-10-14"),
        ("last 7 days", "2026-10-08", "2026-10-14"),
        ("Last  4 Weeks", "2026-09-17", "2026-10-14"),
        ("last 12 months", "2025-10-15", "2026-10-14"),
        ("2026-Q3", "2026-07-01", "2026-09-30"),
        ("2026q1", "2026-01-01", "2026-03-31"),
        ("2026-10", "2026-10-01", "2026-10-31"),
        ("2024-02", "2024-02-01", "2024-02-29"),
        ("2026", "2026-01-01", "2026-12-31"),
        ("2026-10-05", "2026-10-05", "2026-10-05"),
        ("since 2026-01-01", "2026-01-01", "2026-10-14"),
        ("since last monday", "2026-10-12", "2026-10-14"),
    ],
)
def test_each_form_is_whole_local_days(text: str, first: str, last: str) -> None:
    assert days(text) == (first, last)


def test_weeks_start_on_the_configured_day() -> None:
    assert days("this week", week_start=6) == ("2026-10-11", "2026-10-17")  # Sunday
    assert days("last week", week_start=6) == ("2026-10-04", "2026-10-10")


def test_moments_are_local_midnights_in_utc_across_dst() -> None:
    october = parse_period("2026-10", now=NOW, tz=OSLO)
    # Summer time (UTC+2) at the start, winter time (UTC+1) at the end.
    assert (to_iso(october.start), to_iso(october.end)) == ("2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z")
    march = parse_period("2026-03", now=NOW, tz=OSLO)
    assert (to_iso(march.start), to_iso(march.end)) == ("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
    week = parse_period("2026-10-25", now=NOW, tz=OSLO)  # the 25-hour day
    assert (week.end - week.start).total_seconds() == 25 * 3600


@pytest.mark.parametrize(
    ("text", "previous", "following"),
    [
        ("2026-10", ("2026-09-01", "2026-09-30", "2026-09"), ("2026-11-01", "2026-11-30", "2026-11")),
        ("2026-03", ("2026-02-01", "2026-02-28", "2026-02"), ("2026-04-01", "2026-04-30", "2026-04")),
        ("2026-Q1", ("2025-10-01", "2025-12-31", "2025-Q4"), ("2026-04-01", "2026-06-30", "2026-Q2")),
        ("2026", ("2025-01-01", "2025-12-31", "2025"), ("2027-01-01", "2027-12-31", "2027")),
        ("last 30 days", ("2026-08-16", "2026-09-14", "2026-08-16 – 2026-09-14"),
         ("2026-10-15", "2026-11-13", "2026-10-15 – 2026-11-13")),
        ("this week", ("2026-10-05", "2026-10-11", "2026-10-05 – 2026-10-11"),
         ("2026-10-19", "2026-10-25", "2026-10-19 – 2026-10-25")),
        ("today", ("2026-10-13", "2026-10-13", "2026-10-13"), ("2026-10-15", "2026-10-15", "2026-10-15")),
    ],
)  # fmt: skip
def test_previous_and_following_periods_have_the_same_length(
    text: str, previous: tuple[str, str, str], following: tuple[str, str, str]
) -> None:
    period = parse_period(text, now=NOW, tz=OSLO)
    before, after = period.previous(), period.following()
    assert (before.first.isoformat(), before.last.isoformat(), before.label) == previous
    assert (after.first.isoformat(), after.last.isoformat(), after.label) == following
    assert before.stop == period.first and after.first == period.stop


def test_since_and_until_are_inclusive_and_exclusive() -> None:
    period = between("2026-10-01", "2026-10-08", now=NOW, tz=OSLO)
    assert (period.first.isoformat(), period.last.isoformat(), period.days) == ("2026-10-01", "2026-10-07", 7)
    assert period.previous().first.isoformat() == "2026-09-24"
    open_ended = between("2 weeks ago", None, now=NOW, tz=OSLO)
    assert (open_ended.first.isoformat(), open_ended.last.isoformat()) == ("2026-09-30", "2026-10-14")
    assert open_ended.label == "since 2026-09-30"


@pytest.mark.parametrize(
    "text",
    ["", "fortnight", "last 0 days", "2026-13", "2026-Q5", "2026-02-30", "last week please"],
)
def test_unreadable_periods_list_the_forms(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_period(text, now=NOW, tz=OSLO)
    message = caught.value.message
    assert "last 30 days" in message and "2026-Q3" in message and "since 2026-01-01" in message
    assert message.endswith(".") and "\n" not in message and message.count(";") == 1  # one sentence


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("since never", "Cannot read 'never' as a date"),
        ("since 1800-01-01", "use a date between 1900 and 2999"),
    ],
)
def test_what_follows_since_is_judged_as_a_date(text: str, said: str) -> None:
    with pytest.raises(Invalid, match=said):
        parse_period(text, now=NOW, tz=OSLO)


def test_refused_combinations() -> None:
    with pytest.raises(Invalid, match="starts after today"):
        parse_period("since 2027-01-01", now=NOW, tz=OSLO)
    with pytest.raises(Invalid, match="not both"):
        chosen("this month", "2026-01-01", None, now=NOW, tz=OSLO)
    with pytest.raises(Invalid, match="--since"):
        chosen(None, None, "2026-01-01", now=NOW, tz=OSLO)
    with pytest.raises(Invalid, match="after it starts"):
        between("2026-10-08", "2026-10-08", now=NOW, tz=OSLO)
    assert chosen(None, None, None, now=NOW, tz=OSLO, default=None) is None
    assert chosen(None, None, None, now=NOW, tz=OSLO).label == "last 30 days"  # type: ignore[union-attr]
