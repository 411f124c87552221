"""Dates as other systems write them into CSV files, read into what crm stores.

ISO 8601 is always understood. Otherwise the file's own format is either given with
--date-format (strftime's %d/%m/%Y, or the same as DD/MM/YYYY) or detected: dotted dates
are day first (31.12.2025), and for slashed or dashed ones (03/04/2025) the order is
learnt from the first rows, where a day above 12 settles it. A value that stays ambiguous
is rejected with a reason that asks for --date-format, never guessed. Times without a
zone are read in the acting user's time zone.

One --date-format serves a whole file, whose columns mix days (close_date 31/12/2026) and
moments (Pipedrive's won time 31/12/2026 10:30): DD/MM/YYYY also reads a time of day after
the date, and DD/MM/YYYY HH:mm also reads the date alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime, time, tzinfo
from datetime import date as Day  # DateReader has a method named date

from crmcli.clock import to_iso, wall_time
from crmcli.errors import Invalid

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?"
)
_YEAR_FIRST = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})" + r"(?:[T ,]+(.+))?")
_DOTTED = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})(?:[ ,]+(.+))?")
_SLASHED = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:[T ,]+(.+))?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(Z)?)?")
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*([AaPp]\.?[Mm]\.?)?")

# What exports write in a date column for "no date": Outlook's 0/0/00 in every contact's
# Birthday and Anniversary, MySQL's zero date. Read as an empty cell (io.csv_reader), or
# one such cell would refuse its row, and an Outlook export whole.
NO_DATES = frozenset({
    "0/0/00", "0/0/0000", "00/00/00", "00/00/0000", "0.0.0000", "00.00.0000", "00.00.00",
    "0000-00-00", "00-00-0000", "0000/00/00", "0000-00-00 00:00:00", "0000-00-00T00:00:00",
})  # fmt: skip

_TOKENS = (("YYYY", "%Y"), ("YY", "%y"), ("MM", "%m"), ("DD", "%d"), ("HH", "%H"),
           ("hh", "%I"), ("mm", "%M"), ("ss", "%S"), ("A", "%p"))  # fmt: skip


def strftime_format(given: str) -> str:
    """--date-format as strftime: "%d/%m/%Y" as it is, "DD/MM/YYYY HH:mm" translated."""
    if "%" in given:
        return given
    out = given
    for token, code in _TOKENS:
        out = out.replace(token, code)
    if "%" not in out:
        raise Invalid(f"--date-format {given!r} has no date in it; write it like DD/MM/YYYY or %d/%m/%Y.")
    return out


class DateReader:
    def __init__(self, date_format: str | None, tz: tzinfo) -> None:
        self.format = strftime_format(date_format) if date_format else None
        self.tz = tz
        self.day_first: bool | None = None  # for 03/04/2025; None until the file tells

    def learn(self, values: Iterable[str]) -> None:
        """Settle the order of slashed dates from sample values: a first part above 12 is
        a day, a second part above 12 is a day; contradicting evidence settles nothing."""
        day_first = month_first = False
        for value in values:
            match = _SLASHED.fullmatch(value.strip())
            if not match:
                continue
            first, second = int(match.group(1)), int(match.group(2))
            day_first |= first > 12 >= second
            month_first |= second > 12 >= first
        if day_first != month_first:
            self.day_first = day_first

    # --- reading ------------------------------------------------------------------------

    def date(self, value: str, field: str) -> str:
        """A calendar day as YYYY-MM-DD, or --MM-DD when the year is not known."""
        text = value.strip()
        match = _NO_YEAR.fullmatch(text)
        if match:
            return _day_of_year(int(match.group(1)), int(match.group(2)), value, field)
        day, _ = self._parse(text, value, field)
        # A year is the year written, 1604 too, as `crm add --birthday 1604-03-14` keeps it:
        # Apple's 1604 for "no year" is a vCard's habit, read as such by io.vcard alone.
        return day.isoformat()

    def moment(self, value: str, field: str) -> str:
        """A point in time, stored in UTC; a date alone is its midnight in the user's zone."""
        text = value.strip()
        day, clock = self._parse(text, value, field)
        if clock is None:
            return to_iso(datetime.combine(day, time(0), self.tz))
        return to_iso(clock)

    def parts(self, value: str, field: str) -> tuple[Day, datetime | None]:
        """The day, and the moment (aware) when the value has a time of day."""
        return self._parse(value.strip(), value, field)

    def _parse(self, text: str, value: str, field: str) -> tuple[Day, datetime | None]:
        try:
            if self.format:
                found = self._in_format(text, self.format)
                if found is not None:
                    return found
            match = _ISO.fullmatch(text)
            if match:
                return self._from_parts(
                    match.group(1),
                    match.group(2),
                    match.group(3),
                    match.group(4),
                    match.group(5),
                    match.group(6),
                    match.group(7),
                )
            match = _COMPACT.fullmatch(text)
            if match:
                return self._from_parts(
                    match.group(1),
                    match.group(2),
                    match.group(3),
                    match.group(4),
                    match.group(5),
                    match.group(6),
                    match.group(7),
                )
            if self.format:
                raise Invalid(f"The {field} {value!r} is not a date written {self._format_hint()}.")
            match = _YEAR_FIRST.fullmatch(text)
            if match:
                return self._with_clock(
                    int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(4)
                )
            match = _DOTTED.fullmatch(text)
            if match:
                return self._with_clock(
                    int(match.group(3)), int(match.group(2)), int(match.group(1)), match.group(4)
                )
            match = _SLASHED.fullmatch(text)
            if match:
                return self._slashed(match, value, field)
            return self._words(text, value, field)
        except (ValueError, OverflowError):
            raise Invalid(f"The {field} {value!r} is not a real date.") from None

    def _in_format(self, text: str, fmt: str) -> tuple[Day, datetime | None] | None:
        """The cell in the --date-format, with or without a time of day; None if it is not."""
        with suppress(ValueError):
            parsed = datetime.strptime(text, fmt)
            return parsed.date(), self._aware(parsed) if _has_time(fmt) else None
        day_format = _date_part(fmt)
        if day_format is None:
            return None
        if day_format != fmt:
            with suppress(ValueError):
                return datetime.strptime(text, day_format).date(), None
        # strptime wants the whole cell, so the date is tried up to each gap that leaves a
        # time of day behind it: "31/12/2026 10:30", "31 Dec 2026, 3:45 PM".
        for gap in re.finditer(r"[T ,]+", text):
            clock = text[gap.end() :]
            if not _TIME.fullmatch(clock):
                continue
            try:
                day = datetime.strptime(text[: gap.start()], day_format).date()
            except ValueError:
                continue
            return self._with_clock(day.year, day.month, day.day, clock)
        return None

    def _slashed(self, match: re.Match[str], value: str, field: str) -> tuple[Day, datetime | None]:
        first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        day_first = self.day_first
        if first > 12 >= second:
            day_first = True if day_first is None else day_first
        elif second > 12 >= first:
            day_first = False if day_first is None else day_first
        elif first == second:
            day_first = True
        if day_first is None:
            raise Invalid(
                f"The {field} {value!r} could be {first} {_MONTHS[second - 1]} or {second} "
                f"{_MONTHS[first - 1]}; give the file's order with --date-format DD/MM/YYYY "
                "or MM/DD/YYYY."
            )
        day, month = (first, second) if day_first else (second, first)
        if month > 12:
            order = "day/month/year" if day_first else "month/day/year"
            raise Invalid(f"The {field} {value!r} is not a date in the file's {order} order.")
        return self._with_clock(year, month, day, match.group(4))

    def _with_clock(self, year: int, month: int, day: int, clock: str | None) -> tuple[Day, datetime | None]:
        when = Day(year, month, day)
        if not clock:
            return when, None
        match = _TIME.fullmatch(clock.strip())
        if not match:
            raise ValueError(clock)
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        meridiem = (match.group(4) or "").lower().replace(".", "")
        if meridiem:
            if not 1 <= hour <= 12:
                raise ValueError(clock)
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
        return when, self._aware(datetime.combine(when, time(hour, minute, second)))

    def _from_parts(  # type: ignore[no-untyped-def]
        self, year, month, day, hour, minute, second, zone
    ) -> tuple[Day, datetime | None]:
        when = Day(int(year), int(month), int(day))
        if hour is None:
            return when, None
        moment = datetime.combine(when, time(int(hour), int(minute), int(second or 0)))
        if zone:
            if zone == "Z":
                return when, moment.replace(tzinfo=UTC)
            return when, datetime.fromisoformat(f"{moment.isoformat()}{_colon(zone)}")
        return when, self._aware(moment)

    def _words(self, text: str, value: str, field: str) -> tuple[Day, datetime | None]:
        """Month names ("14 March 2025", "Mar 14, 2025 3:45 PM") through dateutil."""
        if not re.search(r"[A-Za-z]{3}", text) or not re.search(r"\d{4}", text):
            raise Invalid(
                f"The {field} {value!r} is not a date; write it as YYYY-MM-DD or give the file's "
                "format with --date-format."
            )
        from dateutil import parser

        try:
            parsed = parser.parse(text, dayfirst=bool(self.day_first), default=datetime(2000, 1, 1))
        except (ValueError, OverflowError):
            raise Invalid(f"The {field} {value!r} is not a date.") from None
        has_clock = bool(re.search(r"\d[:.]\d{2}", text))
        if parsed.tzinfo is not None:
            return parsed.date(), parsed.astimezone(UTC)
        return parsed.date(), self._aware(parsed) if has_clock else None

    def _aware(self, moment: datetime) -> datetime:
        return wall_time(moment.date(), moment.time(), self.tz)

    def _format_hint(self) -> str:
        return f"as {self.format} or YYYY-MM-DD"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def _has_time(fmt: str) -> bool:
    return any(code in fmt for code in ("%H", "%I", "%M"))


def _date_part(fmt: str) -> str | None:
    """The strftime format without the time of day it ends with ("%d/%m/%Y %H:%M" is
    "%d/%m/%Y"); None when the time is not at the end, and the format itself if it has none."""
    starts = [fmt.index(code) for code in ("%H", "%I", "%M", "%S", "%p") if code in fmt]
    if not starts:
        return fmt
    cut = min(starts)
    if re.search(r"%[dmyYbBj]", fmt[cut:]) or "%" not in fmt[:cut]:
        return None
    return fmt[:cut].rstrip(" T,")


def _colon(zone: str) -> str:
    digits = zone[1:].replace(":", "")
    return f"{zone[0]}{digits[:2]}:{digits[2:] or '00'}"


def _day_of_year(month: int, day: int, value: str, field: str) -> str:
    try:
        Day(2000, month, day)  # a leap year: --02-29 is a real birthday
    except ValueError:
        raise Invalid(f"The {field} {value!r} is not a real day of the year.") from None
    return f"--{month:02d}-{day:02d}"
