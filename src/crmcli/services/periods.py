"""Periods for KPIs and reports, written the way Taskwarrior and hledger users write them.

A period is a run of whole local days in the acting user's time zone, half-open
[first day, stop day); as moments it is [start, end) in UTC, local midnight to local
midnight, so a day of 23 or 25 hours (a DST change) counts what it really has.

    parse_period("last 30 days", now=..., tz=ZoneInfo("Europe/Oslo"), week_start=0)

Forms: today, yesterday; this|last|next week|month|quarter|year (also written last-week,
and week alone for this week); last N days|weeks|months (N whole days, weeks or months
ending with today); 2026 (a year), 2026-10 (a month),
2026-Q3 (a quarter), 2026-10-05 (a day); since DATE (DATE through today, DATE in any
form crmcli.dates reads). `between(since, until)` gives the period of --since/--until,
where --until is exclusive like hledger's --end.

The previous period, for comparisons, has the same length: the month before a month,
the quarter before a quarter, otherwise as many days before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from crmcli.clock import YEARS, wall_time
from crmcli.errors import Invalid

FORMS = (
    "today, yesterday, this week, last week, this month, last month, this quarter, last quarter, "
    "this year, last year, last 30 days, last 4 weeks, last 12 months, 2026, 2026-10, 2026-Q3, "
    "2026-10-05 or since 2026-01-01"
)

_LAST_N = re.compile(r"^(?:last|past)\s+(?P<n>\d{1,9})\s+(?P<unit>days?|weeks?|months?)$")
# `activity list --period` spells these "last-week" and "month"; both commands read both.
# (Its "7d" is not read here: there it runs back from this moment, here a period is days.)
_RELATIVE = re.compile(r"^(?:(?P<which>this|last|next|previous)[\s-]+)?(?P<unit>week|month|quarter|year)$")
_YEAR = re.compile(r"^(?P<year>\d{4})$")
_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")
_QUARTER = re.compile(r"^(?P<year>\d{4})\s*-?\s*q(?P<q>[1-4])$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class UnreadablePeriod(Invalid):
    """Text that is no period of this grammar (rather than a period out of range)."""


@dataclass(frozen=True)
class Period:
    """Whole local days [first, stop) in `tz`; `months` > 0 when it is whole calendar months."""

    first: date
    stop: date  # the first day after the period
    tz: tzinfo
    label: str
    months: int = 0  # 1 a month, 3 a quarter, 12 a year; 0 for a run of days

    @property
    def start(self) -> datetime:
        return _midnight(self.first, self.tz)

    @property
    def end(self) -> datetime:
        return _midnight(self.stop, self.tz)

    @property
    def last(self) -> date:
        """The last day in the period (inclusive), for people."""
        return self.stop - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.stop - self.first).days

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        if self.months:
            first = _add_months(self.first, -self.months)
        else:
            first = self.first - timedelta(days=self.days)
        return Period(first, self.first, self.tz, describe(first, self.first, self.months), self.months)

    def following(self) -> Period:
        """The period of the same length just after this one."""
        if self.months:
            stop = _add_months(self.stop, self.months)
        else:
            stop = self.stop + timedelta(days=self.days)
        return Period(self.stop, stop, self.tz, describe(self.stop, stop, self.months), self.months)

    @property
    def span(self) -> str:
        """The days it covers, inclusive, as people read them: "2026-10-05 – 2026-10-11"."""
        if self.days == 1:
            return self.first.isoformat()
        return f"{self.first.isoformat()} – {self.last.isoformat()}"

    def as_dict(self) -> dict[str, Any]:
        from crmcli.clock import to_iso

        return {
            "label": self.label,
            "first_day": self.first.isoformat(),
            "last_day": self.last.isoformat(),
            "start": to_iso(self.start),
            "end": to_iso(self.end),
            "days": self.days,
        }


def parse_period(text: str, *, now: datetime, tz: tzinfo, week_start: int = 0) -> Period:
    """The period `text` names, seen from `now` in `tz`; Invalid with the accepted forms."""
    cleaned = " ".join(str(text).strip().lower().split())
    found = _parse(cleaned, now.astimezone(tz).date(), now, tz, week_start) if cleaned else None
    if found is None:
        raise UnreadablePeriod(f"Cannot read {text!r} as a period; use {FORMS}.")
    first, stop, months = found
    _check_years(text, first.year, (stop - timedelta(days=1)).year)
    return Period(first, stop, tz, cleaned, months)


def between(
    since: str | None, until: str | None, *, now: datetime, tz: tzinfo, week_start: int = 0
) -> Period:
    """The period of --since (inclusive) and --until (exclusive; default: through today)."""
    from crmcli.dates import parse_day

    if since is None:
        raise Invalid("--until needs --since: give the first day of the period too.")
    today = now.astimezone(tz).date()
    first = parse_day(since, now=now, tz=tz, week_start=week_start)
    stop = (
        parse_day(until, now=now, tz=tz, week_start=week_start)
        if until is not None
        else today + timedelta(days=1)
    )
    if stop <= first:
        raise Invalid(
            f"The period must end after it starts: --until {stop.isoformat()} is not after "
            f"--since {first.isoformat()} (--until is the first day left out)."
        )
    label = f"since {first.isoformat()}" if until is None else describe(first, stop, 0)
    return Period(first, stop, tz, label, 0)


def week_containing(day: date, week_start: int) -> tuple[date, date]:
    first = day - timedelta(days=(day.weekday() - week_start) % 7)
    return first, first + timedelta(days=7)


def month_containing(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, _add_months(first, 1)


def describe(first: date, stop: date, months: int) -> str:
    """A name for a period that was not typed: "2026-09", "2026-Q2", "2025", or its days."""
    if months and first.day == 1:
        if months == 1:
            return f"{first.year}-{first.month:02d}"
        if months == 3 and first.month % 3 == 1:
            return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
        if months == 12 and first.month == 1:
            return str(first.year)
    last = stop - timedelta(days=1)
    return first.isoformat() if last == first else f"{first.isoformat()} – {last.isoformat()}"


# --- the grammar --------------------------------------------------------------------------------


def _parse(
    text: str, today: date, now: datetime, tz: tzinfo, week_start: int
) -> tuple[date, date, int] | None:
    one_day = timedelta(days=1)
    if text == "today":
        return today, today + one_day, 0
    if text == "yesterday":
        return today - one_day, today, 0
    match = _RELATIVE.match(text)
    if match:
        step = {None: 0, "this": 0, "last": -1, "previous": -1, "next": 1}[match.group("which")]
        return _relative(match.group("unit"), step, today, week_start)
    match = _LAST_N.match(text)
    if match:
        count = int(match.group("n"))
        if count == 0:
            return None
        tomorrow = today + one_day
        unit = match.group("unit").rstrip("s")
        try:
            if unit == "month":
                return _add_months(tomorrow, -count), tomorrow, count
            days = count * (7 if unit == "week" else 1)
            return tomorrow - timedelta(days=days), tomorrow, 0
        except (OverflowError, ValueError):  # before the year 1: as far out of range as any
            raise Invalid(
                f"The period {text!r} reaches back before the year 1; "
                f"use a period between {YEARS[0]} and {YEARS[1]}."
            ) from None
    if text.startswith("since "):
        from crmcli.dates import parse_day

        # After "since" only a date can follow: the date grammar's own sentence says best
        # what is wrong with it ("1800-01-01 is in the year 1800; use a date between …").
        first = parse_day(text[len("since ") :], now=now, tz=tz, week_start=week_start)
        if first > today:
            raise Invalid(f"The period {text!r} starts after today; nothing can have happened in it yet.")
        return first, today + one_day, 0
    try:
        return _calendar(text)
    except ValueError:  # 2026-13, 2026-02-30
        return None


def _calendar(text: str) -> tuple[date, date, int] | None:
    """Named years, months, quarters and days; "since DATE" is handled by the caller."""
    if text[:4].isdigit():  # before a date is made of it: year 0 or 9999 + 1 is none
        _check_years(text, int(text[:4]))
    match = _YEAR.match(text)
    if match:
        year = int(match.group("year"))
        return date(year, 1, 1), date(year + 1, 1, 1), 12
    match = _MONTH.match(text)
    if match:
        first = date(int(match.group("year")), int(match.group("month")), 1)
        return first, _add_months(first, 1), 1
    match = _QUARTER.match(text)
    if match:
        first = date(int(match.group("year")), 3 * (int(match.group("q")) - 1) + 1, 1)
        return first, _add_months(first, 3), 3
    if _DAY.match(text):
        day = date.fromisoformat(text)
        return day, day + timedelta(days=1), 0
    return None


def _check_years(text: str, *years: int) -> None:
    """Periods stay within the years dates are read in (crmcli.dates): far ones overflow the
    arithmetic of the period before and of local midnights."""
    for year in years:
        if not YEARS[0] <= year <= YEARS[1]:
            raise Invalid(
                f"The period {text!r} reaches the year {year}; "
                f"use a period between {YEARS[0]} and {YEARS[1]}."
            )


def _relative(unit: str, step: int, today: date, week_start: int) -> tuple[date, date, int]:
    if unit == "week":
        first, _ = week_containing(today, week_start)
        first += timedelta(days=7 * step)
        return first, first + timedelta(days=7), 0
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    if unit == "month":
        first = today.replace(day=1)
    elif unit == "quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    else:
        first = date(today.year, 1, 1)
    first = _add_months(first, months * step)
    return first, _add_months(first, months), months


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def _midnight(day: date, tz: tzinfo) -> datetime:
    return wall_time(day, time(0, 0), tz).astimezone(UTC)


def chosen(
    period: str | None,
    since: str | None,
    until: str | None,
    *,
    now: datetime,
    tz: tzinfo,
    week_start: int = 0,
    default: str | None = "last 30 days",
) -> Period | None:
    """The period a command was given: --period, or --since/--until, else `default`."""
    if period is not None and (since is not None or until is not None):
        raise Invalid("Give --period or --since/--until, not both.")
    if since is not None or until is not None:
        return between(since, until, now=now, tz=tz, week_start=week_start)
    text = period if period is not None else default
    return None if text is None else parse_period(text, now=now, tz=tz, week_start=week_start)
