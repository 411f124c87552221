"""Business-hours arithmetic across weekends, holidays and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crmcli.config import Config
from crmcli.services.business_hours import (
    ALWAYS,
    Calendar,
    NeverOpen,
    add_business_time,
    business_time_between,
    calendar_from_config,
    format_duration,
    parse_duration,
)

OSLO = ZoneInfo("Europe/Oslo")
WEEKDAYS_8_TO_16 = ((((8 * 60, 16 * 60),),) * 5) + ((), ())


def oslo(*args: int) -> datetime:
    return datetime(*args, tzinfo=OSLO)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture
def office() -> Calendar:
    return Calendar(tz=OSLO, week=WEEKDAYS_8_TO_16, holidays=frozenset({date(2026, 12, 24)}),
                    yearly_holidays=frozenset({(12, 25)}))  # fmt: skip


def test_adding_across_a_weekend(office: Calendar) -> None:
    friday = oslo(2026, 11, 20, 15, 0)
    due = add_business_time(friday, timedelta(hours=2), office)
    assert due == oslo(2026, 11, 23, 9, 0)
    assert due.tzinfo is UTC
    assert business_time_between(friday, due, office) == timedelta(hours=2)
    # Saturday and Sunday count nothing at all.
    assert business_time_between(oslo(2026, 11, 21, 0, 0), oslo(2026, 11, 23, 0, 0), office) == timedelta(0)


def test_a_start_outside_the_hours_counts_from_the_next_opening(office: Calendar) -> None:
    assert add_business_time(oslo(2026, 11, 22, 23, 5), timedelta(hours=4), office) == oslo(
        2026, 11, 23, 12, 0
    )
    assert add_business_time(oslo(2026, 11, 23, 6, 0), timedelta(0), office) == oslo(2026, 11, 23, 8, 0)
    assert add_business_time(oslo(2026, 11, 23, 16, 0), timedelta(minutes=1), office) == oslo(
        2026, 11, 24, 8, 1
    )


def test_holidays_fixed_and_every_year_are_skipped(office: Calendar) -> None:
    wednesday = oslo(2026, 12, 23, 15, 0)
    # Thursday 24th is a holiday, Friday 25th is one every year: on to Monday the 28th.
    assert add_business_time(wednesday, timedelta(hours=2), office) == oslo(2026, 12, 28, 9, 0)
    assert business_time_between(wednesday, oslo(2026, 12, 28, 16, 0), office) == timedelta(hours=9)
    assert office.is_holiday(date(2031, 12, 25)) and not office.is_holiday(date(2027, 12, 24))


def test_daylight_saving_starts_over_the_weekend(office: Calendar) -> None:
    # Clocks in Oslo go from 02:00 to 03:00 on Sunday 29 March 2026: Friday is UTC+1,
    # Monday UTC+2. 09:00 on Monday is 07:00 UTC, not 08:00.
    friday = utc(2026, 3, 27, 14, 0)  # 15:00 in Oslo
    assert add_business_time(friday, timedelta(hours=2), office) == utc(2026, 3, 30, 7, 0)
    assert business_time_between(friday, utc(2026, 3, 30, 7, 0), office) == timedelta(hours=2)


def test_daylight_saving_ends_in_the_middle_of_round_the_clock_hours() -> None:
    every_hour = Calendar(tz=OSLO, week=(((0, 24 * 60),),) * 7)
    # The night of 24-25 October 2026 has 25 hours in Oslo, the one of 28-29 March 23.
    assert business_time_between(oslo(2026, 10, 24, 0, 0), oslo(2026, 10, 26, 0, 0), every_hour) == timedelta(
        hours=49
    )
    assert business_time_between(oslo(2026, 3, 28, 0, 0), oslo(2026, 3, 30, 0, 0), every_hour) == timedelta(
        hours=47
    )
    start = oslo(2026, 3, 29, 0, 0)
    assert add_business_time(start, timedelta(hours=24), every_hour) == oslo(2026, 3, 30, 1, 0)


def test_round_the_clock_counts_everything() -> None:
    start = utc(2026, 12, 24, 22, 0)
    assert add_business_time(start, timedelta(hours=4), ALWAYS) == utc(2026, 12, 25, 2, 0)
    assert business_time_between(start, utc(2026, 12, 26, 22, 0), ALWAYS) == timedelta(hours=48)
    assert business_time_between(start, start - timedelta(hours=1), ALWAYS) == timedelta(0)


def test_several_spans_a_day_and_the_lunch_break() -> None:
    split = Calendar(tz=UTC, week=(((8 * 60, 12 * 60), (13 * 60, 17 * 60)),) * 5 + ((), ()))
    assert add_business_time(utc(2026, 11, 23, 11, 0), timedelta(hours=2), split) == utc(2026, 11, 23, 14, 0)
    assert business_time_between(utc(2026, 11, 23, 11, 30), utc(2026, 11, 23, 13, 30), split) == timedelta(
        hours=1
    )


def test_a_calendar_that_never_opens_is_an_error_not_a_hang() -> None:
    closed = Calendar(tz=UTC, week=((),) * 7)
    with pytest.raises(NeverOpen):
        add_business_time(utc(2026, 1, 1), timedelta(hours=1), closed)


def test_naive_moments_are_refused(office: Calendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(datetime(2026, 1, 1), timedelta(hours=1), office)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30m", timedelta(minutes=30)), ("4h", timedelta(hours=4)), ("1h30m", timedelta(minutes=90)),
     ("2d", timedelta(hours=16)), ("1w", timedelta(hours=40)), ("1.5h", timedelta(minutes=90))],
)  # fmt: skip
def test_durations_in_business_days(text: str, expected: timedelta) -> None:
    assert parse_duration(text, day=timedelta(hours=8), week_days=5) == expected


def test_durations_around_the_clock_and_bad_ones() -> None:
    assert parse_duration("2d") == timedelta(days=2)
    assert parse_duration("1w") == timedelta(days=7)
    for bad in ("", "4", "4 hours", "h", "0h", "1h1h", "-2h"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert format_duration(timedelta(hours=27, minutes=5)) == "1d 3h"
    assert format_duration(timedelta(minutes=-45)) == "-45m"


def test_calendar_from_the_config(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "config.toml"
    path.write_text(
        'timezone = "Europe/Oslo"\nholidays = [2026-05-17]\n\n[business_hours]\n'
        'monday = "08:00-16:00"\nfriday = ["08:00-11:00", "12:00-14:00"]\nholidays = ["--12-25"]\n',
        encoding="utf-8",
    )
    calendar = calendar_from_config(Config.load(path))
    assert calendar.tz == OSLO
    assert calendar.week[0] == ((480, 960),) and calendar.week[4] == ((480, 660), (720, 840))
    assert calendar.week[1] == () and calendar.week[6] == ()
    assert calendar.holidays == {date(2026, 5, 17)} and calendar.yearly_holidays == {(12, 25)}
    assert calendar.day_length == timedelta(hours=8)  # the most common open day


def test_default_calendar_is_weekdays_nine_to_five(tmp_path) -> None:  # noqa: ANN001
    calendar = calendar_from_config(Config.load(tmp_path / "absent.toml"))
    assert calendar.week[0] == ((540, 1020),) and calendar.week[5] == ()
    assert calendar.tz == UTC
