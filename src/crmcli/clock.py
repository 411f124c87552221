"""Time as crm stores it: UTC, ISO 8601, to the second, with a trailing Z.

A fixed textual form keeps stored timestamps sortable as text and portable to any SQL
database; cut-offs are computed here in Python rather than with SQLite date functions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
YEARS = (1900, 2999)  # the dates a CRM has any use for; far ones overflow date arithmetic


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_iso(moment: datetime) -> str:
    """The stored form of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are never stored")
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


def from_iso(text: str) -> datetime:
    return datetime.strptime(text, ISO_FORMAT).replace(tzinfo=UTC)


def days_ago(now: datetime, days: int) -> str:
    return to_iso(now - timedelta(days=days))


def zone(name: str | None) -> tzinfo:
    """A ZoneInfo by name; None or an unknown name means the machine's local zone.

    The name is read stripped, as validate.timezone_name checks it: a config's " Europe/Oslo "
    passed the check, so it must not fall back here to the machine's zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = name.strip() if name else name
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return local_zone()


def local_zone() -> tzinfo:
    import os
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    candidate = os.environ.get("TZ", "").lstrip(":")
    if not candidate:
        try:
            target = os.path.realpath("/etc/localtime")
            marker = "/zoneinfo/"
            if marker in target:
                candidate = target.split(marker, 1)[1]
        except OSError:
            candidate = ""
    if candidate:
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def local_date(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def wall_time(day: date, clock: time, tz: tzinfo) -> datetime:
    """The moment a wall clock in `tz` shows `clock` on `day` (a time skipped by DST moves
    forward by the gap)."""
    return localise(datetime.combine(day, clock), tz)


def localise(wall: datetime, tz: tzinfo) -> datetime:
    """Attach `tz` to a wall-clock time; a time skipped by DST moves forward by the gap."""
    aware = wall.replace(tzinfo=tz)
    round_trip = aware.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != wall:  # it fell in a gap
        return round_trip
    return aware
