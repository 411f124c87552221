"""Business-hours arithmetic: when the team works, and time counted only while it does.

A `Calendar` is opening spans per weekday, read in one time zone, minus holidays. Two
functions do all the arithmetic, correctly across weekends, holidays and daylight-saving
changes (every span is turned into real UTC moments day by day, so a 23-hour or 25-hour
day counts what it really has):

- `add_business_time(start, duration, calendar)`: the moment when `duration` of working
  time has passed since `start` (a start outside the hours counts from the next opening).
- `business_time_between(start, end, calendar)`: how much working time lies between two
  moments (zero when `end` is not after `start`).

`ALWAYS` is the around-the-clock calendar (every moment counts, holidays too).
`calendar_from_config(config)` builds the team's calendar from `[business_hours]` and the
holidays (top-level `holidays`, or `holidays` inside `[business_hours]`);
`parse_duration("1h30m", day=...)` reads SLA targets. All moments given and
returned are timezone-aware datetimes; results are in UTC.

The KPI reports use these to measure response and resolution times in business hours:

    calendar = calendar_from_config(config)
    worked = business_time_between(opened_at, first_response_at, calendar)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcli.config import Checker, Config, KeyPath

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTES_PER_DAY = 24 * 60

Span = tuple[int, int]  # minutes after local midnight, [start, end); end may be 1440 (24:00)

# Monday to Friday 09:00-17:00: the hours used when the config has no [business_hours].
DEFAULT_WEEK: tuple[tuple[Span, ...], ...] = ((((9 * 60, 17 * 60),),) * 5) + ((), ())

# How far arithmetic looks for open hours before deciding the calendar is never open.
_SEARCH_DAYS = 3 * 366


class NeverOpen(ValueError):
    """The calendar has no working time at all in the years searched."""


@dataclass(frozen=True)
class Calendar:
    """When the team works: opening spans for each weekday in `tz`, minus holidays."""

    tz: tzinfo = UTC
    week: tuple[tuple[Span, ...], ...] = DEFAULT_WEEK  # Monday first, seven entries
    holidays: frozenset[date] = frozenset()
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()  # (month, day), every year
    day_length: timedelta = timedelta(hours=8)  # what "1d" means in a business-hours target
    always: bool = False  # around the clock: every moment counts, holidays included
    _spans_cache: dict[date, list[tuple[datetime, datetime]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or (day.month, day.day) in self.yearly_holidays

    def spans_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working spans of a local calendar day, as UTC moments."""
        cached = self._spans_cache.get(day)
        if cached is not None:
            return cached
        spans: list[tuple[datetime, datetime]] = []
        if not self.is_holiday(day):
            for start, end in self.week[day.weekday()]:
                spans.append((_utc(day, start, self.tz), _utc(day, end, self.tz)))
        if len(self._spans_cache) > 4096:
            self._spans_cache.clear()
        self._spans_cache[day] = spans
        return spans

    def is_open(self, moment: datetime) -> bool:
        if self.always:
            return True
        return any(start <= moment < end for start, end in self._spans_around(moment))

    def _spans_around(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        local = moment.astimezone(self.tz).date()
        for offset in (-1, 0, 1):
            yield from self.spans_on(local + timedelta(days=offset))

    def spans_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working spans that end after `moment`, in order, clipped to start at it."""
        day = moment.astimezone(self.tz).date() - timedelta(days=1)
        idle = 0
        while idle < _SEARCH_DAYS:
            spans = self.spans_on(day)
            idle = 0 if spans else idle + 1
            for start, end in spans:
                if end > moment:
                    yield max(start, moment), end
            day += timedelta(days=1)
        raise NeverOpen("the business hours have no working time in the years searched")


ALWAYS = Calendar(week=(((0, MINUTES_PER_DAY),),) * 7, day_length=timedelta(hours=24), always=True)


def _utc(day: date, minutes: int, tz: tzinfo) -> datetime:
    """A local wall-clock time on `day` as a UTC moment; 24:00 is the next midnight.

    A wall time that does not exist (inside a spring-forward gap) is read with the offset
    in force before the change, as zoneinfo does for fold=0.
    """
    if minutes >= MINUTES_PER_DAY:
        day, minutes = day + timedelta(days=1), minutes - MINUTES_PER_DAY
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(UTC)


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return moment.astimezone(UTC)


def add_business_time(start: datetime, duration: timedelta, calendar: Calendar) -> datetime:
    """The moment at which `duration` of working time has passed since `start`.

    A zero duration gives `start` itself when the calendar is open then, else the next
    opening. Raises NeverOpen when the calendar has no working time at all.
    """
    begin = _aware(start, "start")
    if duration < timedelta(0):
        raise ValueError("a business duration cannot be negative")
    if calendar.always:
        return begin + duration
    remaining = duration
    for span_start, span_end in calendar.spans_from(begin):
        available = span_end - span_start
        if remaining <= available:
            return span_start + remaining
        remaining -= available
    raise NeverOpen("unreachable")  # spans_from raises first; this keeps type checkers calm


def business_time_between(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Working time between two moments; zero when `end` is not after `start`."""
    begin, finish = _aware(start, "start"), _aware(end, "end")
    if finish <= begin:
        return timedelta(0)
    if calendar.always:
        return finish - begin
    total = timedelta(0)
    day = begin.astimezone(calendar.tz).date() - timedelta(days=1)
    last = finish.astimezone(calendar.tz).date() + timedelta(days=1)
    while day <= last:
        for span_start, span_end in calendar.spans_on(day):
            overlap = min(span_end, finish) - max(span_start, begin)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


def next_opening(moment: datetime, calendar: Calendar) -> datetime:
    """`moment` itself when the calendar is open then, else when it next opens."""
    return add_business_time(moment, timedelta(0), calendar)


# --- durations ----------------------------------------------------------------------------

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(w|d|h|m)\s*", re.IGNORECASE)
DURATION_HELP = 'a duration such as "30m", "4h", "2d", "1w" or "1h30m"'


def parse_duration(text: str, day: timedelta = timedelta(hours=24), week_days: int = 7) -> timedelta:
    """A duration written "30m", "4h", "2d", "1w", "1h30m"; `day` is what one "d" means.

    For business-hours targets `day` is the calendar's day_length and a week is five
    working days; around the clock a day is 24 hours and a week seven days. Raises
    ValueError for anything else.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"expected {DURATION_HELP}")
    position = 0
    total = timedelta(0)
    seen: set[str] = set()
    stripped = text.strip()
    while position < len(stripped):
        match = _DURATION.match(stripped, position)
        if not match:
            raise ValueError(f"{text!r} is not {DURATION_HELP}")
        amount, unit = float(match.group(1)), match.group(2).lower()
        if unit in seen:
            raise ValueError(f"{text!r} names {unit!r} twice")
        seen.add(unit)
        size = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": day,
                "w": day * week_days}[unit]  # fmt: skip
        total += size * amount
        position = match.end()
    if total <= timedelta(0):
        raise ValueError(f"{text!r} must be longer than zero")
    return total


def format_duration(value: timedelta, day: timedelta = timedelta(hours=24)) -> str:
    """A short human form: "2h 15m", "45m", "3d 4h"; `day` is what one "d" is, as in
    parse_duration (a business day of the calendar's day_length for business time)."""
    minutes = int(abs(value).total_seconds() // 60)
    days, rest = divmod(minutes, max(int(day.total_seconds() // 60), 1))
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if hours:
        parts.append(f"{hours}h")
    if mins or not parts:
        parts.append(f"{mins}m")
    text = " ".join(parts[:2])
    return f"-{text}" if value < timedelta(0) else text


# --- building the calendar from the config ------------------------------------------------

_SPAN = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


def parse_span(text: str) -> Span:
    """ "08:00-16:00" as minutes after midnight; "24:00" may end a span."""
    match = _SPAN.fullmatch(text)
    if not match:
        raise ValueError(f'{text!r} is not a span of hours such as "08:00-16:00"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"{text!r} has an impossible time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise ValueError(f"{text!r} must end after it starts (24:00 is midnight at the end)")
    return start, end


def _day_spans(value: Any) -> tuple[Span, ...]:
    """A weekday's setting: "08:00-16:00", a list of spans, "closed" or []."""
    items = [value] if isinstance(value, str) else list(value)
    if items == ["closed"]:
        return ()
    spans = sorted(parse_span(item) for item in items)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise ValueError("has spans that overlap")
    return tuple(spans)


def holiday_dates(value: Any) -> tuple[frozenset[date], frozenset[tuple[int, int]]]:
    """The `holidays` list: TOML dates, "YYYY-MM-DD", "--MM-DD" (every year), or tables."""
    fixed: set[date] = set()
    yearly: set[tuple[int, int]] = set()
    for item in value or []:
        raw = item.get("date") if isinstance(item, dict) else item
        parsed = _holiday(raw)
        if isinstance(parsed, date):
            fixed.add(parsed)
        else:
            yearly.add(parsed)
    return frozenset(fixed), frozenset(yearly)


def _holiday(raw: Any) -> date | tuple[int, int]:
    if isinstance(raw, datetime):
        raise ValueError("must be a date without a time")
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        raise ValueError('must be a date such as 2026-12-24, "2026-12-24" or "--12-24" (every year)')
    text = raw.strip()
    if text.startswith("--"):
        try:
            every = date.fromisoformat("2000" + text[1:])  # a leap year, so --02-29 is fine
        except ValueError:
            raise ValueError(f'{raw!r} is not a day of the year such as "--12-24"') from None
        return every.month, every.day
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f'{raw!r} is not a date such as "2026-12-24"') from None


def calendar_from_config(config: Config) -> Calendar:
    """The team's calendar: `[business_hours]` (or Monday-Friday 09-17) and `holidays`.

    The time zone is `business_hours.timezone`, else the config's `timezone`, else UTC.
    The config has been validated when it was loaded, so values here are well formed.
    """
    from crmcli.clock import zone

    settings: dict[str, Any] = config.get("business_hours") or {}
    tz_name = settings.get("timezone") or config.get("timezone")
    tz = zone(tz_name) if tz_name else UTC
    if any(day in settings for day in WEEKDAYS):
        week = tuple(_day_spans(settings.get(day, "closed")) for day in WEEKDAYS)
    else:
        week = DEFAULT_WEEK
    day_length = parse_duration(settings["day_length"]) if "day_length" in settings else _typical_day(week)
    fixed, yearly = holiday_dates([*(config.get("holidays") or []), *settings.get("holidays", [])])
    return Calendar(tz=tz, week=week, holidays=fixed, yearly_holidays=yearly, day_length=day_length)


def _typical_day(week: tuple[tuple[Span, ...], ...]) -> timedelta:
    """The most common length of an open day (8h for 08:00-16:00 on weekdays)."""
    lengths = [sum(end - start for start, end in spans) for spans in week if spans]
    if not lengths:
        return timedelta(hours=8)
    most = max(set(lengths), key=lambda n: (lengths.count(n), n))
    return timedelta(minutes=most)


# --- validators registered in config.SECTIONS ---------------------------------------------


def check_business_hours(value: Any, checker: Checker, path: KeyPath) -> None:
    from crmcli.config import check_timezone

    if not checker.expect(value, dict, path, "a table"):
        return
    known = {*WEEKDAYS, "timezone", "day_length", "holidays"}
    for key, item in value.items():
        where = (*path, key)
        if key not in known:
            checker.add(where, f"is not a known setting (known: {', '.join(sorted(known))})")
        elif key == "holidays":
            check_holidays(item, checker, where)
        elif key == "timezone":
            check_timezone(item, checker, where)
        elif key == "day_length":
            if checker.expect(item, str, where, DURATION_HELP):
                try:
                    parse_duration(item)
                except ValueError as exc:
                    checker.add(where, str(exc))
        elif not (
            isinstance(item, str) or (isinstance(item, list) and all(isinstance(i, str) for i in item))
        ):
            checker.add(where, 'must be "08:00-16:00", a list of such spans, or "closed"')
        else:
            try:
                _day_spans(item)
            except ValueError as exc:
                checker.add(where, str(exc))
    if any(day in value for day in WEEKDAYS):
        try:
            open_days = [_day_spans(value.get(day, "closed")) for day in WEEKDAYS]
        except (ValueError, TypeError):
            return
        if not any(open_days):
            checker.add(path, "has no working hours on any day")


def check_holidays(value: Any, checker: Checker, path: KeyPath) -> None:
    if not checker.expect(value, list, path, "a list of dates"):
        return
    seen: set[Any] = set()
    for index, item in enumerate(value):
        where = (*path, index)
        raw = item
        if isinstance(item, dict):
            unknown = set(item) - {"date", "name"}
            for key in sorted(unknown):
                checker.add((*where, key), "is not a known setting (known: date, name)")
            if "name" in item:
                checker.expect(item["name"], str, (*where, "name"), "text")
            if "date" not in item:
                checker.add(where, "needs a date")
                continue
            raw = item["date"]
            where = (*where, "date")
        try:
            parsed = _holiday(raw)
        except ValueError as exc:
            checker.add(where, str(exc))
            continue
        if parsed in seen:
            checker.add(where, "is listed twice")
        seen.add(parsed)
