"""Dates and times as people type them: ISO 8601 and a small grammar of plain words.

Modelled on Taskwarrior's named dates. python-dateutil reads absolute dates with a month
name ("5 Dec 2026"), but not words like "next friday" or "2w"; those are ours. Everything
is resolved in the given time zone (the acting user's) and returned as an aware datetime;
callers store it in UTC.

    parse_when("tomorrow 15:00", now=..., tz=ZoneInfo("Europe/Oslo"))

Rules worth knowing:
- a weekday name, or "next" + weekday, is the first such day after today; "last monday"
  is the most recent Monday before today;
- a bare number after one of our day words is the hour on the 24-hour clock, as GNU date
  reads it: "monday 10" and "tomorrow 10" are 10:00, "monday 9.30" is 09:30; so is "at"
  and a number after a month-name date: "7 dec at 10" is 10:00, never the year 2010;
- "in 3 days", "in 3d", "3d", "2w", "1m" (months), "1y" move the calendar (the wall-clock
  time stays the same across a DST change); "4h", "30min" move the clock;
- a month name without a year looks the way the caller says: ahead for a due date (the
  next such day on or after today), back for --at (the last one on or before today), and
  otherwise the next one or the last if that was at most three months ago; a month name
  without a day is its 1st. A weekday beside it that fits only the coming one looking back
  ("mon 7 dec" under --at, a year after the last 7 December, a Sunday) names the coming
  one, for the caller to refuse as not yet happened;
- a text with our own words (weekdays, tomorrow, next, in, ago …) is never handed to
  dateutil to read another way, nor is a year written short: "monday 5 dec" is refused
  when the 5th is no Monday, "tomorrow 5 dec" as naming two days, "jan 15 10" as not 2010;
  each refusal says why, where "cannot read" would list "5 dec" among the forms accepted;
- a day its month lacks is refused as that, whether written "2026-11-31", "29 feb 2027" or
  "32 dec" (a day mistyped, not the year 2032);
- eod/eow/eom/eoy are the end (23:59:59) of today, this week, this month, this year;
  sod/sow/som/soy their start (00:00), even where a day alone means its end (--due); the
  week starts on `week_start` (0 Monday … 6 Sunday), the config's, as `--period week` does;
- an offset that lands outside the years crm reads (clock.YEARS) is refused with the year
  it lands in, before any date arithmetic can overflow: "3000 years ago", "99999999d";
- any day, ISO 8601 ones included, may be followed by a time of day: "2026-12-05 noon",
  "tomorrow at 15:00"; "midnight" is the start of that day;
- a wall-clock time that does not exist (skipped by a DST change) moves forward by the
  gap: 02:30 on the spring-forward night in Oslo is 03:30;
- numeric dates with slashes (05/12/2026) are refused as ambiguous, naming the readings:
  write 2026-12-05.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from crmcli.clock import YEARS
from crmcli.clock import localise as _localise
from crmcli.errors import Invalid

ACCEPTED = (
    "YYYY-MM-DD[ HH:MM], today, tomorrow, yesterday, now, a weekday, next friday, last monday, "
    "eod, eow, eom, eoy, in 3 days, 3d, 2w, 1m, 4h, 2 weeks ago, 5 dec, optionally with a time such as "
    "15:00 or 3pm"
)


WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip

MONTHS = frozenset({
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may",
    "jun", "june", "jul", "july", "aug", "august", "sep", "sept", "september",
    "oct", "october", "nov", "november", "dec", "december",
})  # fmt: skip

# Our own words besides the weekdays. dateutil skips or misreads them, so a text holding
# one is ours to read or to refuse ("tomorrow 5 dec" is not the 5th of December).
RELATIVE_WORDS = frozenset({
    "now", "today", "tod", "tomorrow", "tom", "yesterday", "next", "last", "this", "in", "ago",
    "eod", "sod", "eow", "sow", "eom", "som", "eoy", "soy", "noon", "midnight",
})  # fmt: skip

# Our words that name a day of their own: beside a month-name date they make it two days
# ("tomorrow 5 dec"). Not "in", "next" or "this" alone: "in may" and "next may" name one.
DAY_NAMING_WORDS = frozenset({
    "now", "today", "tod", "tomorrow", "tom", "yesterday",
    "eod", "sod", "eow", "sow", "eom", "som", "eoy", "soy",
})  # fmt: skip
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")  # fmt: skip

# With no direction given (--since, --as-of), how far back a month and day without a year
# may reach: far enough for `--since "1 oct"` in December, short enough that "1 jan" in
# December is next month.
RECENT_MONTHS = 3

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
# "monday 10", "tomorrow at 9.30": only ever tried after one of our own day words.
_BARE_HOUR = re.compile(r"\s(?:at\s+)?(?P<hour>[01]?\d|2[0-3])(?:\.(?P<minute>[0-5]\d))?$")
# "7 dec at 10", "jan 15 at 9.30": after a month-name date only with "at", as "7 dec 10"
# stays a year written short.
_AT_HOUR = re.compile(r"\sat\s+(?P<hour>[01]?\d|2[0-3])(?:\.(?P<minute>[0-5]\d))?$")
_OFFSET = re.compile(r"^(?P<sign>[+-])?(?P<n>\d+)\s*(?P<unit>[a-z]+)$")
_COUNT = r"(?:(?P<n>\d+)\s*|(?:an?|one)\s+)"  # "3d", "3 days", "a day"; no n means one
_IN = re.compile(rf"^in\s+{_COUNT}(?P<unit>[a-z]+)$")
_AGO = re.compile(rf"^{_COUNT}(?P<unit>[a-z]+)\s+ago$")
# What datetime.fromisoformat reads after the date: "T15:00", "T15:00:00.5+01:00", "T15Z".
_ISO_TIME = re.compile(r"T\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?")
# An offset inside a longer text: "in 3 days 5 dec", "5 dec 2 weeks ago".
_IN_INSIDE = re.compile(rf"\bin\s+{_COUNT}(?P<unit>[a-z]+)\b")
_AGO_INSIDE = re.compile(rf"\b{_COUNT}(?P<unit>[a-z]+)\s+ago\b")
# A number of one or two digits that is not part of a time of day ("10:00", "9.30", "3pm").
_SHORT_NUMBER = re.compile(r"(?<![\d:.])\d{1,2}(?![\d:.])(?!\s*[ap]m\b)")
# "05/12/2026", "2026/12/05", "5/12": numbers with slashes, which crm never reads.
_SLASHED = re.compile(r"\d+(?:/\d+)+")
_START, _END = time(0, 0), time(23, 59, 59)
_MONTH_WORD = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_DAY_NUMBER = r"(?<![\d:.])(?P<day>\d{1,2})(?:st|nd|rd|th)?(?![\d:.])(?!\s*[ap]m\b)"
# The day of a month-name date, where people write it: "31 nov", "32 dec", "nov 31, 2026".
_DAY_BEFORE_MONTH = re.compile(_DAY_NUMBER + r"\s*(?:of\s+)?" + _MONTH_WORD)
_MONTH_BEFORE_DAY = re.compile(r"\b" + _MONTH_WORD + r",?\s+" + _DAY_NUMBER)
# A year in full, not a time ("10:00") nor an offset ("+0100").
_FULL_YEAR = re.compile(r"(?<![\d+:.-])\d{4}(?![\d:])")
_ISO_DAY = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})")
_WEEKDAY_WORD = re.compile(r"\b(?:" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\b,?")


class OutOfYears(ValueError):
    """A shift that lands outside clock.YEARS; `year` is the one it lands in."""

    def __init__(self, year: int) -> None:
        super().__init__(f"year {year} is outside {YEARS[0]}-{YEARS[1]}")
        self.year = year


class Refused(ValueError):
    """A text that dateutil or a reader of slashed dates would take to mean something the
    person can hardly have meant; the message says which reading, and what to write."""


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: tzinfo,
    default_time: time | None = None,
    ahead: bool | None = None,
    week_start: int = 0,
) -> datetime:
    """An aware datetime (in `tz`) for what the person typed; Invalid if it cannot be read.

    `ahead` says which way a month and day without a year look: True for a moment to come
    (a due date), False for one that happened (--at), None for the nearest reading.
    `week_start` (0 Monday … 6 Sunday) is the day eow/sow count the week from."""
    cleaned = " ".join(str(text).strip().lower().split())
    if not cleaned:
        raise Invalid(f"An empty date cannot be read; use {ACCEPTED}.")
    local_now = now.astimezone(tz)
    try:
        found = _parse(cleaned, local_now, tz, default_time, ahead, week_start)
    except OutOfYears as far:
        raise Invalid(_beyond_years(text, far.year)) from None
    except Refused as why:
        raise Invalid(str(why)) from None
    except (ValueError, OverflowError):
        found = None
    if found is None:
        raise Invalid(f"Cannot read {text!r} as a date; use {ACCEPTED}.")
    if not YEARS[0] <= found.year <= YEARS[1]:
        # Reports and agendas count weeks and months around a date: year 1 or 9999 overflows.
        raise Invalid(_beyond_years(text, found.year))
    return found


def parse_day(
    text: str, *, now: datetime, tz: tzinfo, ahead: bool | None = None, week_start: int = 0
) -> date:
    """The calendar day (in `tz`) of what the person typed."""
    return parse_when(text, now=now, tz=tz, ahead=ahead, week_start=week_start).date()


def _beyond_years(text: str, year: int) -> str:
    return f"{text!r} is in the year {year}; use a date between {YEARS[0]} and {YEARS[1]}."


def _parse(
    text: str, now: datetime, tz: tzinfo, default_time: time | None, ahead: bool | None, week_start: int
) -> datetime | None:
    iso = _iso(text, tz, default_time)
    if iso is not None:
        return iso
    if text == "now":
        return now
    slashed = _SLASHED.search(text)
    if slashed is not None:
        raise Refused(_slashed(slashed.group()))

    # An offset with no time of day: 4h, in 30 minutes, 3d, 2 weeks ago (the time is kept).
    offset = _offset(text)
    if offset is not None:
        return shift(now, *offset, tz)

    # A day expression, optionally followed by a time of day.
    clock = _TIME.search(text)
    day_text = text[: clock.start()].strip() if clock else text
    when = _clock(clock) if clock else None
    if not day_text:
        day, fixed = now.date(), None  # "15:00" alone: today at 15:00
    else:
        resolved = _day(day_text, now, week_start)
        if resolved is None and clock is None:
            resolved, when = _day_at_bare_hour(text, now, week_start)
        if resolved is None:
            return _month_name_date(text, day_text, when, now, tz, default_time, ahead)
        day, fixed = resolved
    if when is None:
        when = fixed or default_time or _START  # a time is never false, midnight neither
    return _localise(datetime.combine(day, when), tz)


def _month_name_date(
    text: str,
    day_text: str,
    when: time | None,
    now: datetime,
    tz: tzinfo,
    default_time: time | None,
    ahead: bool | None,
) -> datetime | None:
    """A date with a month name, read by dateutil: the whole text, or else, when it ends in
    a time of day of ours, the day alone, with our time ("5 december 2026 at noon"). Where
    neither reads, the whole text's refusal says most."""
    refusals: list[Refused] = []
    for candidate, clock in [(text, None), (day_text, when)] if when else [(text, None)]:
        try:
            dated = _absolute(candidate, now, tz, None if clock else default_time, ahead)
        except Refused as why:
            refusals.append(why)
            continue
        if dated is not None:
            return _localise(datetime.combine(dated.date(), clock), tz) if clock else dated
    if refusals:
        raise refusals[0]
    return None


def _iso(text: str, tz: tzinfo, default_time: time | None) -> datetime | None:
    day = _ISO_DAY.match(text)
    if day is None:
        return None
    missing = _no_iso_day(day)
    if missing is not None:
        raise Refused(missing)
    candidate = text.upper().replace(" ", "T", 1)
    if len(candidate) == 10:  # a day alone: its time is the caller's default, as for "tomorrow"
        return _localise(datetime.combine(date.fromisoformat(candidate), default_time or time(0, 0)), tz)
    if _ISO_TIME.fullmatch(candidate, 10):
        parsed = datetime.fromisoformat(candidate)
        return parsed.astimezone(tz) if parsed.tzinfo else _localise(parsed, tz)
    # "2026-12-01 3pm", "2026-12-01 noon", "2026-12-01 at 15:00": a day followed by a time
    # of day in our grammar, read below as after any other day.
    return None


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
    count = int(match.group("n")) if match.group("n") else 1
    return sign * count, UNITS[match.group("unit")]


def shift(moment: datetime, count: int, unit: str, tz: tzinfo) -> datetime:
    """Move by whole units: hours and minutes on the clock, days and longer on the calendar.

    OutOfYears when it lands outside clock.YEARS: "3000y" would be year -974, which no
    date holds, and "99999999999999999999d" more days than a timedelta does."""
    year = _landing_year(moment.astimezone(tz), count, unit)
    if not YEARS[0] <= year <= YEARS[1]:
        raise OutOfYears(year)
    if unit in ("minutes", "hours"):
        return (moment.astimezone(UTC) + timedelta(**{unit: count})).astimezone(tz)
    wall = moment.astimezone(tz).replace(tzinfo=None)
    if unit == "days":
        wall += timedelta(days=count)
    elif unit == "weeks":
        wall += timedelta(weeks=count)
    else:
        months = count * (12 if unit == "years" else 1)
        wall = datetime.combine(_add_months(wall.date(), months), wall.time())
    return _localise(wall, tz)


def _landing_year(wall: datetime, count: int, unit: str) -> int:
    """The year `count` units from `wall`, in integer arithmetic, which cannot overflow. For
    minutes and hours it is the wall clock's year, which a DST change may move by an hour
    at midnight on New Year's Eve; parse_when checks the exact moment afterwards."""
    if unit in ("months", "years"):
        return wall.year + (wall.month - 1 + count * (12 if unit == "years" else 1)) // 12
    if unit in ("minutes", "hours"):
        minutes = wall.hour * 60 + wall.minute + count * (60 if unit == "hours" else 1)
        days = minutes // (24 * 60)
    else:
        days = count * (7 if unit == "weeks" else 1)
    # 400 Gregorian years are 146,097 days to the day: whole cycles bring any day number
    # into the range a date holds, and count as 400 years each.
    cycles, rest = divmod(wall.toordinal() - 1 + days, 146_097)
    return date.fromordinal(rest + 1).year + 400 * cycles


def _add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), or the month's last day when it is shorter."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, _days_in_month(year, month + 1)))


def _day(text: str, now: datetime, week_start: int) -> tuple[date, time | None] | None:
    """(day, the time of day the words themselves fix, if any) for a day expression."""
    today = now.date()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text), None
    words = text.split()
    simple = {"today": 0, "tod": 0, "tomorrow": 1, "tom": 1, "yesterday": -1}
    if text in simple:
        return today + timedelta(days=simple[text]), None
    if text in ("eod", "sod", "eow", "sow", "eom", "som", "eoy", "soy"):
        return _bound(text, today, week_start)
    qualifier = words[0] if len(words) == 2 else None
    if len(words) <= 2 and words[-1] in WEEKDAYS and qualifier in (None, "next", "last", "this"):
        target = WEEKDAYS[words[-1]]
        if words[0] == "last":
            back = (today.weekday() - target) % 7 or 7
            return today - timedelta(days=back), None
        ahead = (target - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead), None
    offset = _offset(text)
    if offset is not None and offset[1] not in ("minutes", "hours"):  # "in 3 days 10:00"
        return shift(now, *offset, now.tzinfo or UTC).date(), None
    return None


def _bound(word: str, today: date, week_start: int) -> tuple[date, time]:
    """The start (00:00) or the end (23:59:59) of this day, week, month or year ("sow",
    "eom"). A moment of its own: a caller's default time of day does not replace it, so
    `--due sod` is the start of today where `--due today` is its end."""
    if word.endswith("d"):
        first = last = today
    elif word.endswith("w"):
        first = today - timedelta(days=(today.weekday() - week_start) % 7)
        last = first + timedelta(days=6)
    elif word.endswith("m"):
        first = today.replace(day=1)
        last = today.replace(day=_days_in_month(today.year, today.month))
    else:
        first, last = date(today.year, 1, 1), date(today.year, 12, 31)
    return (first, _START) if word.startswith("s") else (last, _END)


def _day_at_bare_hour(
    text: str, now: datetime, week_start: int
) -> tuple[tuple[date, time | None] | None, time | None]:
    """(day, the time its words fix) and the hour for "monday 10", "tomorrow 9.30", "in 3 days at 10".

    GNU date and at(1) read a bare number after a day word as the hour, so "monday 10" and
    "tomorrow 10" are both 10:00, where dateutil made the first the 10th of the month (seldom
    a Monday) and we refused the second. The 24-hour clock, as they use it: "friday 3" is
    03:00; "3pm" says otherwise. Month-name dates never get here: "dec 5 10" stays refused.
    """
    match = _BARE_HOUR.search(text)
    resolved = _day(text[: match.start()].strip(), now, week_start) if match else None
    if match is None or resolved is None:
        return None, None
    return resolved, time(int(match.group("hour")), int(match.group("minute") or 0))


def _absolute(
    text: str, now: datetime, tz: tzinfo, default_time: time | None, ahead: bool | None
) -> datetime | None:
    """Dates with a month name ("5 dec 2026", "december 5 3pm"), read by dateutil."""
    words = re.findall(r"[a-z]+", text)
    if "/" in text or not MONTHS.intersection(words):
        return None
    if _names_a_day(text, words):
        raise Refused(f"{text!r} names two days; give one.")
    if RELATIVE_WORDS.intersection(words):  # "5 dec noon": our time of day, read by _parse
        return None
    # dateutil would move a lone weekday to a date of its own choosing: it only gets the
    # date, and a weekday written beside it must agree ("friday 4 dec 2026").
    weekdays = {WEEKDAYS[word] for word in words if word in WEEKDAYS}
    # "7 dec at 10" is 10:00, as "tomorrow at 10" is: dateutil would take 10 for the year.
    at_hour = _AT_HOUR.search(text)
    read = text[: at_hour.start()] if at_hour else text
    bare = _WEEKDAY_WORD.sub(" ", read)
    missing = _no_such_day(bare)
    if missing is not None:
        raise Refused(missing)
    from dateutil import parser

    try:
        # dateutil fills what the text lacks from the default: two defaults that differ in
        # every field tell which fields were written at all.
        parsed = parser.parse(bare, default=datetime(2000, 1, 1), dayfirst=True)
        probe = parser.parse(bare, default=datetime(2004, 2, 2, 1, 1, 1), dayfirst=True)
    except (ValueError, OverflowError, parser.ParserError):
        return None
    day_written, time_written = parsed.day == probe.day, parsed.hour == probe.hour
    year_written = parsed.year == probe.year
    if year_written:
        if str(parsed.year) not in read:  # "jan 15 10" is no date in 2010: write years in full
            raise Refused(_year_not_in_full(text, read, parsed.year, time_written))
        day = parsed.date()
    else:
        day = _coming(parsed.month, parsed.day if day_written else 1, now.date(), ahead)
    if weekdays and not day_written:  # "friday dec": no day for the weekday to agree with
        return None
    if weekdays and weekdays != {day.weekday()}:
        day = _day_the_weekday_names(day, weekdays, now.date(), ahead, year_written)
    if at_hour is not None and time_written:  # "7 dec 3pm at 10": two times of day
        return None
    if at_hour is not None:
        clock = time(int(at_hour.group("hour")), int(at_hour.group("minute") or 0))
    else:
        clock = parsed.time() if time_written else (default_time or time(0, 0))
    if parsed.tzinfo:
        return datetime.combine(day, clock, parsed.tzinfo).astimezone(tz)
    return _localise(datetime.combine(day, clock), tz)


def _names_a_day(text: str, words: list[str]) -> bool:
    """Whether the text names a day in our words too: "tomorrow", "next monday", "in 3 days"."""
    if DAY_NAMING_WORDS.intersection(words):
        return True
    if {"next", "last", "this"}.intersection(words) and WEEKDAYS.keys() & set(words):
        return True
    offsets = [*_IN_INSIDE.finditer(text), *_AGO_INSIDE.finditer(text)]
    return any(match.group("unit") in UNITS for match in offsets)


def _day_the_weekday_names(
    day: date, weekdays: set[int], today: date, ahead: bool | None, year_written: bool
) -> date:
    """The day a weekday written beside a month and day names, when it is not `day`.

    Looking back (--at) the coming one, if the weekday fits it: "mon 7 dec" on Wednesday 2
    December 2026 is the coming Monday, not 7 December 2025, a Sunday; the caller refuses it
    as not yet happened, where "drop the weekday" would have logged it a year ago. Looking
    ahead the past one is never taken: nothing refuses a due date a year ago, and
    `--due "sun 7 dec"` would be a follow-up overdue at birth."""
    if not year_written and ahead is False:
        coming = _coming(day.month, day.day, today, True)
        if weekdays == {coming.weekday()}:
            return coming
    raise Refused(_weekday_disagrees(day, weekdays))


def _no_such_day(text: str) -> str | None:
    """Why a month-name date names a day its month lacks: "31 nov", "29 feb 2027", and "32
    dec", where dateutil reads 32 as the year 2032 and the others not at all."""
    found = _DAY_BEFORE_MONTH.search(text)
    if found is None:
        found = _MONTH_BEFORE_DAY.search(text)
        if found is not None and int(found.group("day")) > 31:
            return None  # "dec 32" may be December '32: refused as a year written short
    if found is None:
        return None
    day = int(found.group("day"))
    month = [name[:3].lower() for name in MONTH_NAMES].index(found.group("month")[:3]) + 1
    year = _FULL_YEAR.search(text)
    if year is not None:
        written = f"{day} {MONTH_NAMES[month - 1][:3]} {year.group()}"
        return _missing_day(int(year.group()), month, day, written)
    if 1 <= day <= _days_in_month(2000, month):  # a leap year: "29 feb" comes round
        return None
    return f"{MONTH_NAMES[month - 1]} has no day {day}."


def _no_iso_day(match: re.Match[str]) -> str | None:
    """Why "2026-11-31" is no date, in the words it was written in."""
    year, month, day = (int(match.group(part)) for part in ("year", "month", "day"))
    if not 1 <= month <= 12:
        return f"{match.group()} is no date: months run from 01 to 12."
    return _missing_day(year, month, day, match.group())


def _missing_day(year: int, month: int, day: int, written: str) -> str | None:
    if not YEARS[0] <= year <= YEARS[1]:
        return None  # refused with the year it names, once read
    length = _days_in_month(year, month)
    if 1 <= day <= length:
        return None
    return f"{written} is no date: {MONTH_NAMES[month - 1]} {year} has {length} days."


def _year_not_in_full(text: str, read: str, year: int, time_written: bool) -> str:
    """dateutil reads "jan 15 10" as 15 January 2010: say so, with what may have been meant.
    `read` is the start of `text` that dateutil was given."""
    short = [match for match in _SHORT_NUMBER.finditer(read) if int(match.group()) == year % 100]
    if not short:
        return f"In {text!r}, the year {year} is not written in full; write all four digits."
    number = short[-1]  # dateutil takes the year after the day: "10 jan 15" is 2015
    if int(number.group()) > 23 and re.search(r"\bat\s+$", text[: number.start()]):
        # "7 dec at 24" was meant as a time of day: "7 dec at 2024" would be no advice
        return (
            f"In {text!r}, {number.group()} is no hour of the day; write one from 0 to 23, "
            "or a time such as 15:00."
        )

    def rewritten(replacement: str) -> str:
        return text[: number.start()] + replacement + text[number.end() :]

    sentence = f"In {text!r}, {number.group()} is not a year; write the year in full ({rewritten(str(year))})"
    if not time_written and int(number.group()) <= 23:
        sentence += f" or a time ({rewritten(number.group() + ':00')})"
    return sentence + "."


def _weekday_disagrees(day: date, weekdays: set[int]) -> str:
    wrong = " or ".join(WEEKDAY_NAMES[weekday] for weekday in sorted(weekdays - {day.weekday()}))
    return (
        f"{day.day} {day:%b} {day.year} is a {WEEKDAY_NAMES[day.weekday()]}, not a {wrong}; "
        "drop the weekday or fix the date."
    )


def _slashed(token: str) -> str:
    """Why "05/12/2026" is refused: the readings it has, each as the ISO date to write."""
    parts = token.split("/")
    orders: list[tuple[int, int, int]] = []  # positions of (year, month, day)
    if len(parts) == 3 and len(parts[0]) == 4:
        orders = [(0, 1, 2)]  # 2026/12/05
    elif len(parts) == 3 and len(parts[2]) == 4:
        orders = [(2, 1, 0), (2, 0, 1)]  # 05/12/2026: day first, as most of the world writes
    readings: list[date] = []
    for year, month, day in orders:
        try:
            reading = date(int(parts[year]), int(parts[month]), int(parts[day]))
        except (ValueError, OverflowError):
            continue
        if reading not in readings:
            readings.append(reading)
    if len(readings) == 2:
        first, second = readings
        return (
            f"{token!r} is ambiguous ({first.day} {first:%B} or {second.day} {second:%B}); "
            f"write {first.isoformat()} or {second.isoformat()}."
        )
    written = readings[0].isoformat() if readings else "it as YYYY-MM-DD"
    return f"Cannot read {token!r} as a date, as dates with slashes are ambiguous; write {written}."


def _coming(month: int, day: int, today: date, ahead: bool | None) -> date:
    """The day of a month written without a year.

    Looking ahead (a due date) it is the next one on or after today: `--due "1 nov"` on 2
    December is next November, not a follow-up overdue at birth. Looking back (--at) it
    is the last one on or before today. With no direction (--since, --as-of) it is the next
    one, or the last one when that was at most RECENT_MONTHS ago. A year in the text
    settles anything else.
    """
    earliest = _add_months(today, -RECENT_MONTHS) if ahead is None else today
    candidates = []
    for year in range(today.year - 8, today.year + 9):  # 29 February comes round within eight years
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if ahead is False:
        return max(c for c in candidates if c <= today)
    return min(c for c in candidates if c >= earliest)


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
