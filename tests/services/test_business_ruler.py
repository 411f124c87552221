"""The KPIs' business-time ruler gives what business_time_between gives, moment for moment."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crmcli.services.business_hours import ALWAYS, DEFAULT_WEEK, Calendar, business_time_between
from crmcli.services.business_ruler import BusinessRuler

OSLO = ZoneInfo("Europe/Oslo")
CALENDARS = {
    "weekdays 9-17 in Oslo, with holidays": Calendar(
        tz=OSLO, week=DEFAULT_WEEK, holidays=frozenset({date(2026, 10, 26), date(2026, 12, 24)}),
        yearly_holidays=frozenset({(5, 17)}),
    ),
    "split days and a night shift to midnight": Calendar(
        tz=ZoneInfo("America/New_York"),
        week=(((8 * 60, 12 * 60), (13 * 60, 17 * 60)),) * 5 + (((18 * 60, 24 * 60),), ()),
    ),
    "around the clock": ALWAYS,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_the_ruler_agrees_with_business_time_between(name: str) -> None:
    calendar = CALENDARS[name]
    ruler = BusinessRuler(calendar)
    rng = random.Random(6)
    # Around the autumn DST change in both zones, a holiday, weekends, and spring 2027.
    base = datetime(2026, 10, 20, tzinfo=UTC)
    for _ in range(400):
        start = base + timedelta(minutes=rng.randint(-60 * 24 * 40, 60 * 24 * 200))
        end = start + timedelta(minutes=rng.choice([0, 5, 90, 600, 60 * 30, 60 * 24 * 9, -30]))
        assert ruler.between(start, end) == business_time_between(start, end, calendar), (start, end)


def test_exact_values_around_a_weekend_and_the_dst_change() -> None:
    ruler = BusinessRuler(CALENDARS["weekdays 9-17 in Oslo, with holidays"])
    friday_four = datetime(2026, 10, 23, 16, 0, tzinfo=OSLO)
    tuesday_ten = datetime(2026, 10, 27, 10, 0, tzinfo=OSLO)  # Monday the 26th is a holiday here
    assert ruler.between(friday_four, tuesday_ten) == timedelta(hours=2)
    assert ruler.between(tuesday_ten, friday_four) == timedelta(0)
