"""Dates and times as people type them: ISO 8601 and a small grammar of plain words.

Modelled on Taskwarrior's named dates. python-dateutil reads absolute dates with a month
name ("5 Dec 2026"), but not words like "next friday" or "2w"; those are ours. Everything
is resolved in the given time zone (the acting user's) and returned as an aware datetime;
callers store it in UTC.

    parse_when("tomorrow 15:00", now=..., tz=ZoneInfo("Europe/Oslo"))

Rules worth knowing:
- a weekday name, or "next" + weekday, is the first such day after today; "last monday"
  is the most recent Monday before today;
- "in 3 days", "3d", "2w", "1m" (months), "1y" move the calendar (the wall-clock time
  stays the same across a DST change); "4h", "30min" move the clock;
- eod/eow/eom/eoy are the end (23:59:59) of today, this week, this month, this year;
  sod/sow/som/soy their start;
- a wall-clock time that does not exist (skipped by a DST change) moves forward by the
  gap: 02:30 on the spring-forward night in Oslo is 03:30;
- numeric dates with slashes (05/12/2026) are refused as ambiguous: write 2026-12-05.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from crmcli.clock import YEARS
from crmcli.clock import localise as _localise
from crmcli.errors import Invalid

ACCEPTED = (
    "YYYY-MM-DD[ HH:MM], today, tomorrow, yesterday, now, a weekday, next friday, last monday, "
    "eod, eow, eom, eoy, in 3 days, 3d, 2w, 1m, 4h, 2 weeks ago, optionally with a time such as "
    "15:00 or 3pm"
)


WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip

UNITS = {
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "m": "months", "mo": "months", "month": "months", "months": "months",
    "y": "years", "yr": "years", "year": "years", "years": "years",
}  # fmt: skip

_TIME = re.compile(
    r"(?:\s+at)?\s*(?:(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)(?::(?P<s24>[0-5]\d))?"
    r"|(?P<h12>1[0-2]|0?[1-9])(?::(?P<m12>[0-5]\d))?\s*(?P<ampm>am|pm)"
    r"|(?P<word>noon|midnight))$"
)
_OFFSET = re.compile(r"^(?P<sign>[+-])?(?P<n>\d+)\s*(?P<unit>[a-z]+)$")
_IN = re.compile(r"^in\s+(?P<n>\d+|an?|one)\s+(?P<unit>[a-z]+)$")
_AGO = re.compile(r"^(?P<n>\d+|an?|one)\s*(?P<unit>[a-z]+)\s+ago$")


def parse_when(text: str, *, now: datetime, tz: tzinfo, default_time: time | None = None) -> datetime:
    """An aware datetime (in `tz`) for what the person typed; Invalid if it cannot be read."""
    cleaned = " ".join(str(text).strip().lower().split())
    if not cleaned:
        raise Invalid(f"An empty date cannot be read; use {ACCEPTED}.")
    local_now = now.astimezone(tz)
    try:
        found = _parse(cleaned, local_now, tz, default_time)
    except (ValueError, OverflowError):
        found = None
    if found is None:
        raise Invalid(f"Cannot read {text!r} as a date; use {ACCEPTED}.")
    if not YEARS[0] <= found.year <= YEARS[1]:
        # Reports and agendas count weeks and months around a date: year 1 or 9999 overflows.
        raise Invalid(f"{text!r} is in the year {found.year}; use a date between {YEARS[0]} and {YEARS[1]}.")
    return found


def parse_day(text: str, *, now: datetime, tz: tzinfo) -> date:
    """The calendar day (in `tz`) of what the person typed."""
    return parse_when(text, now=now, tz=tz).date()


def _parse(text: str, now: datetime, tz: tzinfo, default_time: time | None) -> datetime | None:
    iso = _iso(text, tz, default_time)
    if iso is not None:
        return iso
    if text == "now":
        return now

    # An offset with no time of day: 4h, in 30 minutes, 3d, 2 weeks ago (the time is kept).
    offset = _offset(text)
    if offset is not None:
        return shift(now, *offset, tz)

    # A day expression, optionally followed by a time of day.
    clock = _TIME.search(text)
    day_text = text[: clock.start()].strip() if clock else text
    when = _clock(clock) if clock else None
    if not day_text:
        day, end_of_day = now.date(), False  # "15:00" alone: today at 15:00
    else:
        resolved = _day(day_text, now)
        if resolved is None:
            whole = _absolute(text, now, tz, default_time)
            if whole is not None or when is None:
                return whole
            # "5 december 2026 at noon": dateutil reads the day, our grammar the time.
            dated = _absolute(day_text, now, tz, None)
            return None if dated is None else _localise(datetime.combine(dated.date(), when), tz)
        day, end_of_day = resolved
    if when is None:
        when = time(23, 59, 59) if end_of_day else (default_time or time(0, 0))
    return _localise(datetime.combine(day, when), tz)


def _iso(text: str, tz: tzinfo, default_time: time | None) -> datetime | None:
    candidate = text.upper().replace(" ", "T", 1) if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None
    if candidate is None:
        return None
    if len(candidate) == 10:  # a day alone: its time is the caller's default, as for "tomorrow"
        return _localise(datetime.combine(date.fromisoformat(candidate), default_time or time(0, 0)), tz)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T.+", candidate) and not re.search(r"[AP]M$", candidate):
        parsed = datetime.fromisoformat(candidate)
        return parsed.astimezone(tz) if parsed.tzinfo else _localise(parsed, tz)
    return None  # "2026-12-01 3pm": a date followed by a 12-hour time, read below


def _offset(text: str) -> tuple[int, str] | None:
    """(signed count, unit) for "in 3 days", "3d", "+2w", "-1m", "2 weeks ago"."""
    sign = 1
    match = _IN.match(text)
    if match is None:
        match = _AGO.match(text)
        sign = -1
    if match is None:
        match = _OFFSET.match(text)
        sign = -1 if match and match.group("sign") == "-" else 1
    if match is None or match.group("unit") not in UNITS:
        return None
    amount = match.group("n")
    count = 1 if amount in ("a", "an", "one") else int(amount)
    return sign * count, UNITS[match.group("unit")]


def shift(moment: datetime, count: int, unit: str, tz: tzinfo) -> datetime:
    """Move by whole units: hours and minutes on the clock, days and longer on the calendar."""
    if unit in ("minutes", "hours"):
        return (moment.astimezone(UTC) + timedelta(**{unit: count})).astimezone(tz)
    wall = moment.astimezone(tz).replace(tzinfo=None)
    if unit == "days":
        wall += timedelta(days=count)
    elif unit == "weeks":
        wall += timedelta(weeks=count)
    else:
        months = count * (12 if unit == "years" else 1)
        year, month = divmod(wall.month - 1 + months, 12)
        year += wall.year
        day = min(wall.day, _days_in_month(year, month + 1))
        wall = wall.replace(year=year, month=month + 1, day=day)
    return _localise(wall, tz)


def _day(text: str, now: datetime) -> tuple[date, bool] | None:
    """(day, whether the words mean the end of that day) for a day expression."""
    today = now.date()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text), False
    words = text.split()
    simple = {"today": 0, "tod": 0, "tomorrow": 1, "tom": 1, "yesterday": -1}
    if text in simple:
        return today + timedelta(days=simple[text]), False
    if text in ("eod", "sod"):
        return today, text == "eod"
    if text in ("eow", "sow"):
        start = today - timedelta(days=today.weekday())
        return (start + timedelta(days=6), True) if text == "eow" else (start, False)
    if text in ("eom", "som"):
        if text == "som":
            return today.replace(day=1), False
        return today.replace(day=_days_in_month(today.year, today.month)), True
    if text in ("eoy", "soy"):
        return (date(today.year, 12, 31), True) if text == "eoy" else (date(today.year, 1, 1), False)
    qualifier = words[0] if len(words) == 2 else None
    if len(words) <= 2 and words[-1] in WEEKDAYS and qualifier in (None, "next", "last", "this"):
        target = WEEKDAYS[words[-1]]
        if words[0] == "last":
            back = (today.weekday() - target) % 7 or 7
            return today - timedelta(days=back), False
        ahead = (target - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead), False
    offset = _offset(text)
    if offset is not None and offset[1] not in ("minutes", "hours"):  # "in 3 days 10:00"
        return shift(now, *offset, now.tzinfo or UTC).date(), False
    return None


def _absolute(text: str, now: datetime, tz: tzinfo, default_time: time | None) -> datetime | None:
    """Dates with a month name ("5 dec 2026", "december 5 3pm"), read by dateutil."""
    if "/" in text or not re.search(r"[a-z]{3,}", text):
        return None
    from dateutil import parser

    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        parsed = parser.parse(text, default=midnight, dayfirst=True, fuzzy=False)
        # dateutil fills what the text lacks from the default: a second parse with another
        # default tells whether a time of day was written at all.
        probe = parser.parse(text, default=midnight.replace(hour=1, minute=1, second=1), dayfirst=True)
    except (ValueError, OverflowError, parser.ParserError):
        return None
    if default_time is not None and probe.hour != parsed.hour:
        parsed = parsed.replace(hour=default_time.hour, minute=default_time.minute,
                                second=default_time.second)  # fmt: skip
    return parsed.astimezone(tz) if parsed.tzinfo else _localise(parsed, tz)


def _clock(match: re.Match[str]) -> time:
    if match.group("word"):
        return time(12, 0) if match.group("word") == "noon" else time(0, 0)
    if match.group("h24") is not None:
        return time(int(match.group("h24")), int(match.group("m24")), int(match.group("s24") or 0))
    hour = int(match.group("h12")) % 12 + (12 if match.group("ampm") == "pm" else 0)
    return time(hour, int(match.group("m12") or 0))


def _days_in_month(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
