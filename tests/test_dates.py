"""The date grammar, with a fixed "now" and time zones, across DST changes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
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
    "text", ["", "  ", "blah", "next blursday", "in 3 parsecs", "25:00", "tomorrow 25:00", "3 weeks hence"],
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


# --- QA, 2 December 2026: bare hours after day words, month names without a year, "in 3d" ---

# Wednesday 2 December 2026, 10:00 in Oslo (winter time, +01:00).
DECEMBER = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def in_december(text: str, **kwargs) -> str:  # noqa: ANN003
    return parse_when(text, now=DECEMBER, tz=OSLO, **kwargs).isoformat()


def refused_in_december(text: str) -> str:
    with pytest.raises(Invalid) as caught:
        parse_when(text, now=DECEMBER, tz=OSLO)
    message = str(caught.value)
    assert message.startswith(f"Cannot read {text!r} as a date; use YYYY-MM-DD")
    assert "\n" not in message and message.endswith("or 3pm.")
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("monday 10", "2026-12-07T10:00:00+01:00"),  # dateutil made it the 10th, a Thursday
        ("tomorrow 10", "2026-12-03T10:00:00+01:00"),  # refused before: now read alike
        ("friday 9", "2026-12-04T09:00:00+01:00"),
        ("monday 9.30", "2026-12-07T09:30:00+01:00"),
        ("sat 15", "2026-12-05T15:00:00+01:00"),
        ("friday 3", "2026-12-04T03:00:00+01:00"),  # the 24-hour clock, as GNU date reads it
        ("next friday 10", "2026-12-04T10:00:00+01:00"),
        ("monday at 10", "2026-12-07T10:00:00+01:00"),
        ("last monday 0", "2026-11-30T00:00:00+01:00"),
        ("in 3 days 10", "2026-12-05T10:00:00+01:00"),
        ("today 23", "2026-12-02T23:00:00+01:00"),
    ],
)
def test_a_bare_number_after_a_day_word_is_the_hour(text: str, expected: str) -> None:
    assert in_december(text) == expected
    # A time written after it wins over the end-of-day default, as "tomorrow 15:00" does.
    assert in_december(text, default_time=time(23, 59, 59)) == expected


DAY_WORDS = ["today", "tomorrow", "monday", "mon", "next friday", "last monday", "sat",
             "in 3 days", "in 3d", "3d", "eow", "1 jan", "5 dec 2026"]  # fmt: skip
TIMES = [("10:00", 10, 0), ("10am", 10, 0), ("3pm", 15, 0), ("15:30", 15, 30), ("at 9am", 9, 0)]


@pytest.mark.parametrize("day", DAY_WORDS)
@pytest.mark.parametrize(("clock", "hour", "minute"), TIMES)
def test_every_day_word_takes_a_time_of_day(day: str, clock: str, hour: int, minute: int) -> None:
    alone = parse_when(day, now=DECEMBER, tz=OSLO)
    timed = parse_when(f"{day} {clock}", now=DECEMBER, tz=OSLO)
    assert timed.date() == alone.date() and (timed.hour, timed.minute) == (hour, minute)


# "monday 5 dec", "tomorrow 5 dec", "jan 15 10" are refused with a reason of their own:
# tests/test_dates_refusals.py.
@pytest.mark.parametrize(
    "text",
    ["monday 25", "tomorrow 24", "monday 9.75", "monday 10 10", "friday dec", "10", "9.30"],
)  # fmt: skip
def test_day_words_are_never_read_another_way_by_dateutil(text: str) -> None:
    refused_in_december(text)


def test_a_weekday_beside_a_month_name_date_must_agree() -> None:
    assert in_december("friday 4 dec") == "2026-12-04T00:00:00+01:00"
    assert in_december("Friday, 4 December 2026 15:00") == "2026-12-04T15:00:00+01:00"
    with pytest.raises(Invalid, match="^4 Dec 2026 is a Friday, not a Monday; drop the weekday"):
        parse_when("monday 4 dec", now=DECEMBER, tz=OSLO)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 jan", "2027-01-01T00:00:00+01:00"),  # was 2026-01-01, eleven months ago
        ("jan 15 10am", "2027-01-15T10:00:00+01:00"),
        ("jan 15 at noon", "2027-01-15T12:00:00+01:00"),
        ("2 dec", "2026-12-02T00:00:00+01:00"),  # today
        ("1 dec", "2026-12-01T00:00:00+01:00"),  # yesterday: `--at "1 dec"` logs it
        ("2 sep", "2026-09-02T00:00:00+02:00"),  # three months ago: still this year's
        ("1 sep", "2027-09-01T00:00:00+02:00"),  # longer ago: the next one
        ("june", "2027-06-01T00:00:00+02:00"),  # the 1st, never today's day of the month
        ("december", "2026-12-01T00:00:00+01:00"),
        ("june 2027", "2027-06-01T00:00:00+02:00"),  # dateutil made it 2 June too
        ("dec 2026", "2026-12-01T00:00:00+01:00"),
        ("29 feb", "2028-02-29T00:00:00+01:00"),  # the next leap day
        ("5 dec 2025", "2025-12-05T00:00:00+01:00"),  # a written year is kept
    ],
)
def test_month_names_without_a_year_are_coming_or_recent(text: str, expected: str) -> None:
    assert in_december(text) == expected


@pytest.mark.parametrize(
    ("text", "ahead", "expected"),
    [
        ("1 nov", True, "2027-11-01"),  # a due date: never one overdue at birth
        ("1 nov", False, "2026-11-01"),  # --at: it happened
        ("1 nov", None, "2026-11-01"),  # --since: the recent one
        ("1 jan", False, "2026-01-01"),
        ("1 jan", True, "2027-01-01"),
        ("2 dec", True, "2026-12-02"),  # today either way
        ("2 dec", False, "2026-12-02"),
        ("29 feb", False, "2024-02-29"),
    ],
)
def test_a_direction_decides_which_year_a_month_and_day_fall_in(
    text: str, ahead: bool | None, expected: str
) -> None:
    assert parse_day(text, now=DECEMBER, tz=OSLO, ahead=ahead).isoformat() == expected


def test_due_looks_ahead_and_at_looks_back_through_the_cli(crm) -> None:  # noqa: ANN001
    """The first of last month has passed: as --due it is next year's, as --at this one's."""
    crm.ok("add", "Kari Nordmann")
    last_month = datetime.now(UTC).date().replace(day=1) - timedelta(days=1)
    words = f"1 {last_month.strftime('%b').lower()}"
    due = crm.ok("log", "kari", "task", "x", "--due", words, "--json").json()["due_at"]
    assert due.startswith(f"{last_month.year + 1}-{last_month.month:02d}-01")
    at = crm.ok("log", "kari", "call", "y", "--at", words, "--json").json()["at"]
    assert at.startswith(f"{last_month.year}-{last_month.month:02d}-01")


def test_month_names_without_a_year_take_the_default_time() -> None:
    assert in_december("1 jan", default_time=time(23, 59, 59)) == "2027-01-01T23:59:59+01:00"
    assert in_december("june", default_time=time(23, 59, 59)) == "2027-06-01T23:59:59+02:00"
    assert parse_day("1 jan", now=DECEMBER, tz=OSLO) == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("text", "why"),
    [("30 feb", "February has no day 30."), ("31 april", "April has no day 31."),
     ("june 31", "June has no day 31."), ("jun 0", "June has no day 0.")],
)  # fmt: skip
def test_month_names_without_a_real_day_are_refused(text: str, why: str) -> None:
    # Each says why (tests/test_dates_refusals.py has them through the CLI).
    with pytest.raises(Invalid) as caught:
        parse_when(text, now=DECEMBER, tz=OSLO)
    assert str(caught.value) == why


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 3d", "2026-12-05T10:00:00+01:00"),
        ("in 2w", "2026-12-16T10:00:00+01:00"),
        ("in 1m", "2027-01-02T10:00:00+01:00"),
        ("in 30min", "2026-12-02T10:30:00+01:00"),
        ("in 4h", "2026-12-02T14:00:00+01:00"),
        ("in 3d 15:00", "2026-12-05T15:00:00+01:00"),
        ("in a day", "2026-12-03T10:00:00+01:00"),
    ],
)
def test_in_takes_the_short_units_too(text: str, expected: str) -> None:
    assert in_december(text) == expected


@pytest.mark.parametrize("text", ["in 3", "in 3x", "in d", "in aday", "in 3 d d"])
def test_in_without_a_known_unit_is_refused(text: str) -> None:
    refused_in_december(text)


# --- QA: far offsets, the week start in eow/sow, time-of-day words after ISO dates --------

FAR_OFFSETS = ["99999999999999999999d", "in 99999999999999999999 years", "3000 years ago", "in 1000y",
               "-20000w", "99999999999999999999h", "in 9999999 weeks 10:00", "400000 days ago"]  # fmt: skip


@pytest.mark.parametrize("text", FAR_OFFSETS)
def test_an_offset_beyond_the_supported_years_names_the_year(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(text, now=DECEMBER, tz=OSLO)
    message = str(caught.value)
    assert message.startswith(f"{text!r} is in the year ")
    assert message.endswith("; use a date between 1900 and 2999.") and "\n" not in message


def test_the_year_named_is_where_the_offset_lands() -> None:
    for text, year in [("3000 years ago", -974), ("in 1000y", 3026), ("in 400000 days", 3122)]:
        with pytest.raises(Invalid, match=f"is in the year {year};"):
            parse_when(text, now=DECEMBER, tz=OSLO)
    # The edges themselves are still dates.
    assert in_december("126 years ago").startswith("1900-12-02")
    assert in_december("in 973y").startswith("2999-12-02")


@pytest.mark.parametrize(
    ("text", "week_start", "expected"),
    [
        ("eow", 0, "2026-12-06T23:59:59+01:00"),  # Monday weeks: Sunday
        ("sow", 0, "2026-11-30T00:00:00+01:00"),
        ("eow", 6, "2026-12-05T23:59:59+01:00"),  # Sunday weeks: Saturday
        ("sow", 6, "2026-11-29T00:00:00+01:00"),
        ("eow 17:00", 6, "2026-12-05T17:00:00+01:00"),
        ("sow", 2, "2026-12-02T00:00:00+01:00"),  # today is the Wednesday a week starts on
        ("eow", 2, "2026-12-08T23:59:59+01:00"),
    ],
)
def test_eow_and_sow_follow_the_week_start(text: str, week_start: int, expected: str) -> None:
    assert in_december(text, week_start=week_start) == expected


# The time-of-day suffixes the README promises after any form, ISO 8601 among them.
SUFFIXES = ["noon", "midnight", "at noon", "at midnight", "15:00", "at 15:00", "3pm", "at 3pm",
            "10:30am", "at 9am", "at 09:30:15"]  # fmt: skip


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_an_iso_date_takes_every_time_of_day_a_month_name_date_takes(suffix: str) -> None:
    expected = in_december(f"5 dec 2026 {suffix}")
    assert in_december(f"2026-12-05 {suffix}") == expected
    assert in_december(f"2026-12-05 {suffix}", default_time=time(23, 59, 59)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-05 noon", "2026-12-05T12:00:00+01:00"),
        ("2026-12-05 midnight", "2026-12-05T00:00:00+01:00"),  # the start of the day, as "tomorrow midnight"
        ("2026-12-05 at 15:00", "2026-12-05T15:00:00+01:00"),
        ("2026-12-05T15:00", "2026-12-05T15:00:00+01:00"),
        ("2026-12-05 15:00", "2026-12-05T15:00:00+01:00"),
        ("2026-12-05T15:00:00Z", "2026-12-05T16:00:00+01:00"),
        ("2026-03-29 at 02:30", "2026-03-29T03:30:00+02:00"),  # the DST gap, as without "at"
    ],
)
def test_iso_dates_with_a_time_of_day(text: str, expected: str) -> None:
    assert in_december(text) == expected
    assert in_december("tomorrow midnight") == "2026-12-03T00:00:00+01:00"


@pytest.mark.parametrize("text", ["2026-12-05 at", "2026-12-05 noonish", "2026-12-05 at 25:00",
                                  "2026-12-05 blah", "2026-12-05 at 13pm"])  # fmt: skip
def test_iso_dates_with_no_real_time_of_day_are_refused(text: str) -> None:
    refused_in_december(text)


# --- the same three through the CLI, on a real database file --------------------------------


@pytest.fixture
def december(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Every command runs at Wednesday 2 December 2026, 10:00 in Oslo."""
    from crmcli import clock

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return DECEMBER.astimezone(tz)

    monkeypatch.setattr(clock, "datetime", Frozen)
    return DECEMBER


def _refused(crm, *args: str) -> str:  # noqa: ANN001
    from helpers import one_sentence

    before = crm.ok("export", "activities", "--format", "json").stdout
    failed = crm.fails(*args)
    assert failed.stdout == ""
    assert crm.ok("export", "activities", "--format", "json").stdout == before
    return one_sentence(failed.stderr)


@pytest.mark.parametrize("period", ["3000y", "2100y", "99999999999999999999d", "900y", "40000m", "99999w"])
@pytest.mark.parametrize("command", [("activity", "list"), ("export", "activities")])
def test_a_period_beyond_the_supported_years_is_one_sentence(
    crm, december, command: tuple[str, ...], period: str
) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    sentence = _refused(crm, *command, "--period", period)
    assert sentence.startswith(f"crm: The period {period!r} reaches the year ")
    assert sentence.endswith("; use a period between 1900 and 2999.")


def test_a_period_at_the_edge_of_the_supported_years_still_lists(crm, december) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    crm.ok("log", "kari", "call", "long ago", "--at", "1902-01-01")
    assert "long ago" in crm.ok("activity", "list", "--period", "125y").stdout


@pytest.mark.parametrize(
    "args",
    [
        ("log", "kari", "task", "x", "--due", "99999999999999999999d"),
        ("activity", "add", "kari", "x", "--due", "in 99999999999999999999 weeks"),
        ("log", "kari", "call", "x", "--at", "3000 years ago"),
        ("activity", "list", "--since", "99999999999999999999d"),
        ("activity", "list", "--until", "in 99999999999999999999 hours"),
        ("kpi", "--since", "3000 years ago"),
        ("kpi", "--period", "since 3000 years ago"),
        ("agenda", "--as-of", "99999999999999999999d"),
        ("deal", "forecast", "--as-of", "99999999999999999999d"),
        ("deal", "list", "--closing-after", "99999999999999999999d"),
        ("report", "weekly", "--as-of", "99999999999999999999d"),
    ],
)
def test_a_far_relative_date_in_any_option_names_the_year(crm, december, args: tuple[str, ...]) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    sentence = _refused(crm, *args)
    assert " is in the year " in sentence and sentence.endswith("use a date between 1900 and 2999."), sentence


def test_due_eow_and_sow_follow_the_configured_week_start(crm, december) -> None:  # noqa: ANN001
    crm.write_config('timezone = "Europe/Oslo"\nweek_start = "sunday"\n')
    crm.ok("add", "Kari Nordmann")
    due = {word: crm.ok("activity", "add", "kari", "Weekly report", "--due", word, "--json").json()["due_at"]
           for word in ("eow", "sow")}  # fmt: skip
    assert due == {"eow": "2026-12-05T22:59:59Z", "sow": "2026-11-28T23:00:00Z"}  # Sat 23:59:59, Sun 00:00
    at = crm.ok("log", "kari", "call", "x", "--at", "sow 09:00", "--json").json()["at"]
    assert at == "2026-11-29T08:00:00Z"
    kpi = crm.ok("kpi", "--since", "sow", "--json").json()
    assert "2026-11-29" in json.dumps(kpi)
    deal = crm.ok("deal", "add", "Kari's deal", "--contact", "kari", "--close", "eow", "--json").json()
    assert deal["close_date"] == "2026-12-05"


def test_the_week_start_default_is_still_monday(crm, december) -> None:  # noqa: ANN001
    crm.write_config('timezone = "Europe/Oslo"\n')
    crm.ok("add", "Kari Nordmann")
    due = crm.ok("activity", "add", "kari", "Weekly report", "--due", "eow", "--json").json()["due_at"]
    assert due == "2026-12-06T22:59:59Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-05 noon", "2026-12-05T11:00:00Z"),
        ("2026-12-05 at 15:00", "2026-12-05T14:00:00Z"),
        ("2026-12-05 midnight", "2026-12-04T23:00:00Z"),
        ("2026-12-05 at 9am", "2026-12-05T08:00:00Z"),
        ("2026-12-05T15:00", "2026-12-05T14:00:00Z"),
        ("5 dec 2026 noon", "2026-12-05T11:00:00Z"),
    ],
)
def test_due_takes_an_iso_date_with_any_time_of_day(crm, december, text: str, expected: str) -> None:  # noqa: ANN001
    crm.write_config('timezone = "Europe/Oslo"\n')
    crm.ok("add", "Kari Nordmann")
    assert crm.ok("log", "kari", "task", "x", "--due", text, "--json").json()["due_at"] == expected
