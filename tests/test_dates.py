"""The date grammar, with a fixed "now" and time zones, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.dates import parse_day, parse_when
from crmcli.errors import Invalid

OSLO = ZoneInfo("Europe/Oslo")
NEW_YORK = ZoneInfo("America/New_York")
# Friday 27 March 2026, 11:30 in Oslo; summer time starts on Sunday 29 March at 02:00.
NOW = datetime(2026, 3, 27, 10, 30, tzinfo=UTC)


def when(text: str, tz: ZoneInfo = OSLO, **kwargs) -> str:  # noqa: ANN003
    return parse_when(text, now=NOW, tz=tz, **kwargs).isoformat()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", "2026-03-27T11:30:00+01:00"),
        ("today", "2026-03-27T00:00:00+01:00"),
        ("Tomorrow", "2026-03-28T00:00:00+01:00"),
        ("yesterday", "2026-03-26T00:00:00+01:00"),
        ("tomorrow 15:00", "2026-03-28T15:00:00+01:00"),
        ("tomorrow at 3pm", "2026-03-28T15:00:00+01:00"),
        ("monday", "2026-03-30T00:00:00+02:00"),  # after the DST change: +02:00
        ("mon", "2026-03-30T00:00:00+02:00"),
        ("friday", "2026-04-03T00:00:00+02:00"),  # today is Friday: the next one
        ("next friday 10:00", "2026-04-03T10:00:00+02:00"),
        ("next friday 10am", "2026-04-03T10:00:00+02:00"),
        ("last monday", "2026-03-23T00:00:00+01:00"),
        ("eod", "2026-03-27T23:59:59+01:00"),
        ("eow", "2026-03-29T23:59:59+02:00"),
        ("sow", "2026-03-23T00:00:00+01:00"),
        ("eom", "2026-03-31T23:59:59+02:00"),
        ("som", "2026-03-01T00:00:00+01:00"),
        ("eoy", "2026-12-31T23:59:59+01:00"),
        ("in 3 days", "2026-03-30T11:30:00+02:00"),  # same wall time across the change
        ("3d", "2026-03-30T11:30:00+02:00"),
        ("+3d", "2026-03-30T11:30:00+02:00"),
        ("2w", "2026-04-10T11:30:00+02:00"),
        ("1m", "2026-04-27T11:30:00+02:00"),
        ("1y", "2027-03-27T11:30:00+01:00"),
        ("4h", "2026-03-27T15:30:00+01:00"),
        ("30min", "2026-03-27T12:00:00+01:00"),
        ("in an hour", "2026-03-27T12:30:00+01:00"),
        ("2 weeks ago", "2026-03-13T11:30:00+01:00"),
        ("3 days ago", "2026-03-24T11:30:00+01:00"),
        ("in 3 days 10:00", "2026-03-30T10:00:00+02:00"),
        ("15:00", "2026-03-27T15:00:00+01:00"),
        ("noon", "2026-03-27T12:00:00+01:00"),
        ("2026-12-01", "2026-12-01T00:00:00+01:00"),
        ("2026-12-01 09:30", "2026-12-01T09:30:00+01:00"),
        ("2026-12-01 3pm", "2026-12-01T15:00:00+01:00"),
        ("2026-12-01T09:30:00Z", "2026-12-01T10:30:00+01:00"),
        ("2026-12-01T09:30:00+05:00", "2026-12-01T05:30:00+01:00"),
        ("5 dec 2026", "2026-12-05T00:00:00+01:00"),
        ("december 5 3pm", "2026-12-05T15:00:00+01:00"),
    ],
)
def test_forms(text: str, expected: str) -> None:
    assert when(text) == expected


def test_a_time_skipped_by_dst_moves_forward() -> None:
    assert when("2026-03-29 02:30") == "2026-03-29T03:30:00+02:00"
    assert when("2026-03-08 02:30", NEW_YORK) == "2026-03-08T03:30:00-04:00"


def test_an_hour_that_happens_twice_is_the_first() -> None:
    assert when("2026-10-25 02:30") == "2026-10-25T02:30:00+02:00"


def test_calendar_offsets_keep_the_wall_time_in_new_york() -> None:
    # 06:30 in New York on Friday 6 March; clocks go forward on Sunday 8 March.
    now = datetime(2026, 3, 6, 11, 30, tzinfo=UTC)
    assert parse_when("3d", now=now, tz=NEW_YORK).isoformat() == "2026-03-09T06:30:00-04:00"
    assert parse_when("72h", now=now, tz=NEW_YORK).isoformat() == "2026-03-09T07:30:00-04:00"


def test_default_time_and_days() -> None:
    assert when("tomorrow", default_time=time(9, 0)) == "2026-03-28T09:00:00+01:00"
    assert parse_day("eom", now=NOW, tz=OSLO) == date(2026, 3, 31)
    # Late evening in New York is already tomorrow in Oslo.
    late = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    assert parse_day("today", now=late, tz=NEW_YORK) == date(2026, 5, 31)
    assert parse_day("today", now=late, tz=OSLO) == date(2026, 6, 1)


@pytest.mark.parametrize(
    "text", ["", "  ", "blah", "05/12/2026", "next blursday", "2026-13-01", "2026-02-30 10:00",
             "in 3 parsecs", "25:00", "tomorrow 25:00", "3 weeks hence"],
)  # fmt: skip
def test_unreadable_dates_say_what_is_accepted(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(text, now=NOW, tz=OSLO)
    message = str(caught.value)
    assert "YYYY-MM-DD" in message and "next friday" in message
    assert message.count(".") == 1 and message.endswith(".")


@settings(max_examples=3000, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_date_or_one_sentence(text: str) -> None:
    try:
        result = parse_when(text, now=NOW, tz=OSLO)
    except Invalid as exc:
        assert "\n" not in str(exc)
    else:
        assert result.tzinfo is not None


# --- New York's changes, the default time of day, and the helpers other features use ------


def test_new_york_fall_back_hour_is_the_first_and_spring_gap_moves_forward() -> None:
    # Sunday 1 November 2026: 01:00-02:00 happens twice in New York (EDT, then EST).
    assert when("2026-11-01 01:30", NEW_YORK) == "2026-11-01T01:30:00-04:00"
    # "tomorrow 02:30" on the night New York springs forward (Sunday 8 March 2026).
    saturday = datetime(2026, 3, 7, 17, 0, tzinfo=UTC)
    assert parse_when("tomorrow 02:30", now=saturday, tz=NEW_YORK).isoformat() == "2026-03-08T03:30:00-04:00"


def test_calendar_offsets_keep_the_wall_time_across_fall_back() -> None:
    # 09:00 in New York on Friday 30 October; clocks go back on Sunday 1 November.
    friday = datetime(2026, 10, 30, 13, 0, tzinfo=UTC)
    assert parse_when("in 3 days", now=friday, tz=NEW_YORK).isoformat() == "2026-11-02T09:00:00-05:00"
    assert parse_when("72 hours", now=friday, tz=NEW_YORK).isoformat() == "2026-11-02T08:00:00-05:00"
    assert parse_when("1 week ago", now=friday, tz=NEW_YORK).isoformat() == "2026-10-23T09:00:00-04:00"


def test_the_same_words_in_two_zones_are_two_moments() -> None:
    oslo = parse_when("tomorrow 09:00", now=NOW, tz=OSLO)
    new_york = parse_when("tomorrow 09:00", now=NOW, tz=NEW_YORK)
    assert (new_york - oslo).total_seconds() == 5 * 3600


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow", "2026-03-28T23:59:59+01:00"),
        ("2026-12-01", "2026-12-01T23:59:59+01:00"),
        ("5 dec 2026", "2026-12-05T23:59:59+01:00"),
        ("friday", "2026-04-03T23:59:59+02:00"),
        ("tomorrow 15:00", "2026-03-28T15:00:00+01:00"),  # a time given wins
        ("december 5 3pm", "2026-12-05T15:00:00+01:00"),
        ("2026-12-01T09:30", "2026-12-01T09:30:00+01:00"),
        ("3d", "2026-03-30T11:30:00+02:00"),  # an offset keeps the time of day
    ],
)
def test_default_time_applies_only_when_no_time_is_written(text: str, expected: str) -> None:
    assert when(text, default_time=time(23, 59, 59)) == expected


def test_month_name_dates_take_a_time_from_our_grammar() -> None:
    assert when("5 december 2026 at noon") == "2026-12-05T12:00:00+01:00"
    assert when("dec 5 2026 15:30") == "2026-12-05T15:30:00+01:00"


def test_parse_day_reads_moments_in_the_zone() -> None:
    assert parse_day("2026-06-01T23:30:00Z", now=NOW, tz=OSLO) == date(2026, 6, 2)
    assert parse_day("2026-06-01T23:30:00Z", now=NOW, tz=NEW_YORK) == date(2026, 6, 1)
    assert parse_day("sow", now=NOW, tz=OSLO) == date(2026, 3, 23)
    assert parse_day("soy", now=NOW, tz=OSLO) == date(2026, 1, 1)


def test_wall_time_handles_the_gap() -> None:
    from crmcli.clock import wall_time

    assert wall_time(date(2026, 3, 29), time(2, 30), OSLO).isoformat() == "2026-03-29T03:30:00+02:00"
    assert wall_time(date(2026, 3, 29), time(0, 0), OSLO).isoformat() == "2026-03-29T00:00:00+01:00"


def test_clock_offsets_into_the_past() -> None:
    assert when("2h ago") == "2026-03-27T09:30:00+01:00"
    assert when("an hour ago") == "2026-03-27T10:30:00+01:00"
    assert when("-30min") == "2026-03-27T11:00:00+01:00"
