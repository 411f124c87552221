"""The agenda: what is due, what is coming, and who has been left alone too long.

Sections, for the acting user's calendar day and the N days after it:
- overdue: open follow-ups whose due moment has passed;
- today: open follow-ups due later today;
- upcoming: open follow-ups due in the next N days;
- milestones: birthdays and customer anniversaries (a year or more) in today + N days;
- keep in touch: contacts nobody has touched for longer than their interval, from
  `[agenda] keep_in_touch` (per lifecycle stage or tag; the shortest interval that applies
  wins), the longest-neglected first.

Every line carries the contact's local time, and for calls and meetings whether that
falls outside their business hours (`[agenda] business_hours`, `business_days`, read in
the contact's own time zone).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from crmcli.clock import to_iso, wall_time
from crmcli.models import LIFECYCLE_STAGES, PlainRecord

if TYPE_CHECKING:
    from crmcli.config import Checker, Config, KeyPath
    from crmcli.storage.db import Database, Row

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_DAYS = 7
DEFAULT_HOURS = "09:00-18:00"
DEFAULT_BUSINESS_DAYS = WEEKDAYS[:5]
# Without a keep_in_touch setting: customers monthly, open opportunities every two weeks.
DEFAULT_KEEP_IN_TOUCH = {"customer": 30, "opportunity": 14}
# Follow-ups that reach the other person at a set time: their clock matters.
TIMED_KINDS = ("call", "meeting")
# Items shown per section unless --all: a page to act on, like Taskwarrior's `next` report.
# The counts always cover everything, and --all (or `[agenda] limit`) shows more.
DEFAULT_LIMIT = 20
MAX_LIMIT = 100_000
MAX_DAYS = 366
_END_OF_DAY = time(23, 59, 59)
_SPAN = r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})"


# Plain classes, not NamedTuples or dataclasses: making those classes costs ~0.2 ms each
# when the module loads, on every `crm agenda` (see the note above crmcli.config.Problem).
class KeepInTouch(PlainRecord):
    """Contacts of a lifecycle stage, or with a tag, should be touched every `days` days."""

    def __init__(self, scope: str, name: str, days: int) -> None:
        self.scope = scope  # "stage" or "tag"
        self.name = name
        self.days = days

    @property
    def label(self) -> str:
        return self.name if self.scope == "stage" else f"tag:{self.name}"


class BusinessHours(PlainRecord):
    def __init__(self, start: time, end: time, weekdays: frozenset[int]) -> None:
        self.start = start
        self.end = end
        self.weekdays = weekdays

    def outside(self, local: datetime) -> bool:
        """Whether a wall-clock moment (in the contact's zone) is outside their hours."""
        return local.weekday() not in self.weekdays or not (self.start <= local.time() < self.end)


class AgendaSettings(PlainRecord):
    def __init__(
        self,
        keep_in_touch: tuple[KeepInTouch, ...] = (),
        hours: BusinessHours | None = None,
        days: int = DEFAULT_DAYS,
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.keep_in_touch = keep_in_touch
        self.hours = hours or BusinessHours(time(9), time(18), frozenset(range(5)))
        self.days = days
        self.limit = limit


def settings_from(config: Config) -> AgendaSettings:
    """The `[agenda]` table, already validated when the config was loaded."""
    raw: dict[str, Any] = config.get("agenda") or {}
    rules = []
    for key, days in raw.get("keep_in_touch", DEFAULT_KEEP_IN_TOUCH).items():
        scope, name = _rule_key(key)
        rules.append(KeepInTouch(scope, name, int(days)))
    start, end = parse_hours(raw.get("business_hours", DEFAULT_HOURS))
    weekdays = frozenset(WEEKDAYS.index(d.lower()) for d in raw.get("business_days", DEFAULT_BUSINESS_DAYS))
    return AgendaSettings(
        keep_in_touch=tuple(rules),
        hours=BusinessHours(start, end, weekdays),
        days=int(raw.get("days", DEFAULT_DAYS)),
        limit=int(raw.get("limit", DEFAULT_LIMIT)),
    )


def _rule_key(key: str) -> tuple[str, str]:
    """A lifecycle stage names a stage, anything else a tag; "tag:customer" forces a tag."""
    if key.startswith("tag:"):
        return "tag", key[4:]
    if key.startswith("stage:"):
        return "stage", key[6:]
    return ("stage", key) if key in LIFECYCLE_STAGES else ("tag", key)


def parse_hours(text: str) -> tuple[time, time]:
    match = re.fullmatch(_SPAN, text.strip())
    if not match:
        raise ValueError(f'{text!r} is not a span of hours such as "09:00-18:00"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{text!r} has an impossible time of day")
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if end <= time(h1, m1):
        raise ValueError(f"{text!r} must end after it starts")
    return time(h1, m1), end


def check_agenda(value: Any, checker: Checker, path: KeyPath) -> None:
    checker.table(
        value,
        path,
        {
            "keep_in_touch": _check_keep_in_touch,
            "business_hours": _check_hours,
            "business_days": _check_business_days,
            "days": _check_days,
            "limit": _check_limit,
        },
    )


def _check_keep_in_touch(value: Any, checker: Checker, path: KeyPath) -> None:
    if not checker.expect(value, dict, path, "a table of stage or tag = days, such as { customer = 30 }"):
        return
    for key, days in value.items():
        scope, name = _rule_key(key)
        if scope == "stage" and name not in LIFECYCLE_STAGES:
            checker.add((*path, key), f"names no lifecycle stage (use one of {', '.join(LIFECYCLE_STAGES)})")
        elif not name:
            checker.add((*path, key), "needs a tag name after 'tag:'")
        if checker.expect(days, int, (*path, key), "a whole number of days") and not 1 <= days <= 3650:
            checker.add((*path, key), f"must be between 1 and 3650 days, not {days}")


def _check_hours(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, str, path, 'a span of hours such as "09:00-18:00"'):
        try:
            parse_hours(value)
        except ValueError as exc:
            checker.add(path, str(exc))


def _check_business_days(value: Any, checker: Checker, path: KeyPath) -> None:
    if not checker.expect(value, list, path, 'a list of weekdays such as ["monday", "friday"]'):
        return
    for index, day in enumerate(value):
        if checker.expect(day, str, (*path, index), "a weekday name") and day.lower() not in WEEKDAYS:
            checker.add((*path, index), f"{day!r} is not a weekday (one of {', '.join(WEEKDAYS)})")


def _check_days(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, int, path, "a whole number of days") and not 0 <= value <= MAX_DAYS:
        checker.add(path, f"must be between 0 and {MAX_DAYS}, not {value}")


def _check_limit(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, int, path, "a whole number of items") and not 1 <= value <= MAX_LIMIT:
        checker.add(path, f"must be between 1 and {MAX_LIMIT}, not {value}")


# --- building the agenda ----------------------------------------------------------------------


class Zones:
    """ZoneInfo by name, looked up once per name (the agenda may list hundreds of people)."""

    def __init__(self) -> None:
        self._found: dict[str, tzinfo | None] = {}

    def get(self, name: str | None) -> tzinfo | None:
        if not name:
            return None
        if name not in self._found:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                self._found[name] = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                self._found[name] = None
        return self._found[name]


def build_agenda(
    db: Database,
    config: Config,
    *,
    now: datetime,
    tz: tzinfo,
    days: int | None = None,
    owner: str | None = None,
    limit: int | None = None,
    show_all: bool = False,
) -> dict[str, Any]:
    """The whole agenda as plain data: what the table shows and --json prints.

    Each section holds at most `limit` items (default `[agenda] limit`, else 20), the most
    pressing first; `counts` says how many there are in all. `show_all` lifts the limit.
    """
    from crmcli.errors import Invalid

    settings = settings_from(config)
    if owner is not None:
        owner = config.owner_on_team(owner)
    span = settings.days if days is None else days
    if not 0 <= span <= MAX_DAYS:
        raise Invalid(f"--days must be between 0 and {MAX_DAYS}, not {span}.")
    shown = None if show_all else (settings.limit if limit is None else limit)
    if shown is not None and not 1 <= shown <= MAX_LIMIT:
        raise Invalid(f"--limit must be between 1 and {MAX_LIMIT}, not {shown}.")
    zones = Zones()
    local_now = now.astimezone(tz)
    today = local_now.date()
    now_text = to_iso(now)

    def items(rows: list[Row]) -> list[dict[str, Any]]:
        return [
            follow_up_item(
                row, now=now, tz=tz, hours=settings.hours, zones=zones, owner_tz=owner_zones.of(row["owner"])
            )
            for row in rows
        ]

    owner_zones = OwnerZones(config, tz, zones)

    days_of = FollowUpDays(today, span, now, tz, owner_zones, config)
    sections, counts = follow_up_sections(db, days_of, owner=owner, limit=shown)
    coming, counts["milestones"] = milestones(
        db, now=now, tz=tz, days=span, owner=owner, hours=settings.hours, zones=zones, limit=shown
    )
    return {
        "as_of": now_text,
        "timezone": str(tz),
        "today": today.isoformat(),
        "days": span,
        "owner": owner,
        "limit": shown,
        "counts": counts,
        "overdue": items(sections["overdue"]),
        "due_today": items(sections["due_today"]),
        "upcoming": items(sections["upcoming"]),
        "milestones": coming,
        "keep_in_touch": keep_in_touch(db, settings, now=now, owner=owner, zones=zones, limit=shown),
    }


SECTIONS = ("overdue", "due_today", "upcoming")


class FollowUpDays:
    """Which section of the agenda an open follow-up is in.

    One due at a time of day is in the section its moment falls in: overdue before now,
    today before the reader's midnight, then the next days until the window ends. One due
    by the end of a day is due by the end of its owner's day, and is on that day for
    everyone (the calendar file's all-day event): today's for a reader whose today it is,
    though in New York that day ends six hours after Oslo's. Its moment can then fall in
    another section than its day, but only within the difference between the owner's
    clock and the reader's of a section's edge: `edges` are those stretches, where each
    follow-up is judged here; everywhere else the moment says it, and SQL counts and pages
    by moment."""

    def __init__(
        self, today: date, span: int, now: datetime, tz: tzinfo, owner_zones: OwnerZones, config: Config
    ) -> None:
        self.today = today
        self.last_day = today + timedelta(days=span)
        self.owner_zones = owner_zones
        tomorrow_starts = _midnight(today + timedelta(days=1), tz)
        window_ends = _midnight(today + timedelta(days=span + 1), tz)
        # Stored text sorts as time does, so the bounds compare as text.
        self.now, self.tomorrow, self.end = to_iso(now), to_iso(tomorrow_starts), to_iso(window_ends)
        self.bounds = {"overdue": (None, self.now), "due_today": (self.now, self.tomorrow),
                       "upcoming": (self.tomorrow, self.end)}  # fmt: skip
        owner_clocks = {owner_zones.of(m.handle) for m in config.team} | {owner_zones.of(None)}
        self.edges: list[tuple[str, str]] = []
        for edge in (now, tomorrow_starts, window_ends):
            ahead = behind = timedelta(0)  # how far owners' clocks run ahead of the reader's, or behind
            for zone in owner_clocks:
                # Both ends of the window: a change to or from summer time may fall inside it.
                for moment in (now, window_ends):
                    gap = (zone.utcoffset(moment) or timedelta(0)) - (tz.utcoffset(moment) or timedelta(0))
                    ahead, behind = max(ahead, gap), max(behind, -gap)
            if ahead or behind:
                self.edges.append((to_iso(edge - ahead - _SLACK), to_iso(edge + behind + _SLACK)))

    def by_moment(self, due_at: str) -> str | None:
        if due_at < self.now:
            return "overdue"
        if due_at < self.tomorrow:
            return "due_today"
        return "upcoming" if due_at < self.end else None

    def of(self, due_at: str, owner: str | None) -> str | None:
        """The section of a follow-up (None: after the window)."""
        owner_due = moment_of(due_at).astimezone(self.owner_zones.of(owner))
        if owner_due.time() != _END_OF_DAY:
            return self.by_moment(due_at)
        day = owner_due.date()
        if day < self.today:
            return "overdue"
        if day == self.today:
            return "due_today"
        return "upcoming" if day <= self.last_day else None


_SLACK = timedelta(hours=1)


def follow_up_sections(
    db: Database, days: FollowUpDays, *, owner: str | None, limit: int | None
) -> tuple[dict[str, list[Row]], dict[str, int]]:
    """The open follow-ups of each section, the first `limit` by due time (all for None),
    and how many each section holds."""
    from crmcli.storage import activities as activity_store

    until = max([days.end, *(high for _, high in days.edges)])
    if limit is None:
        sections: dict[str, list[Row]] = {name: [] for name in SECTIONS}
        for row in activity_store.open_follow_ups(db, before=until, owner=owner):
            section = days.of(row["due_at"], row["owner"]) if days.edges else days.by_moment(row["due_at"])
            if section is not None:
                sections[section].append(row)
        return sections, {name: len(rows) for name, rows in sections.items()}
    # A count over the index, then only the rows shown: a team's week may hold thousands.
    counted = activity_store.open_follow_up_counts(
        db, now=days.now, tomorrow=days.tomorrow, until=days.end, owner=owner
    )
    counts = dict(zip(SECTIONS, counted, strict=True))
    # Near the edges, what the moments put in one section and the days in another.
    moved_out: dict[str, set[int]] = {name: set() for name in SECTIONS}
    moved_in: dict[str, list[int]] = {name: [] for name in SECTIONS}
    judged: set[int] = set()  # edges may overlap (a window of 0 days, an edge near midnight)
    for start, stop in days.edges:
        for follow_up_id, due_at, its_owner in activity_store.open_follow_up_moments(
            db, since=start, before=stop, owner=owner
        ):
            if follow_up_id in judged:
                continue
            judged.add(follow_up_id)
            by_moment, by_day = days.by_moment(due_at), days.of(due_at, its_owner)
            if by_moment == by_day:
                continue
            if by_moment is not None:
                counts[by_moment] -= 1
                moved_out[by_moment].add(follow_up_id)
            if by_day is not None:
                counts[by_day] += 1
                moved_in[by_day].append(follow_up_id)
    sections = {}
    for name, (low, high) in days.bounds.items():
        rows = [] if not counts[name] else activity_store.open_follow_ups(
            db, since=low, before=high, owner=owner, limit=limit + len(moved_out[name])
        )  # fmt: skip
        rows = [row for row in rows if row["id"] not in moved_out[name]]
        if moved_in[name]:
            rows += activity_store.follow_ups_by_id(db, moved_in[name])
            rows.sort(key=lambda row: (row["due_at"], row["id"]))
        sections[name] = rows[:limit]
    return sections, counts


def follow_up_item(
    row: Row, *, now: datetime, tz: tzinfo, hours: BusinessHours, zones: Zones, owner_tz: tzinfo | None = None
) -> dict[str, Any]:
    """One open follow-up, with its due time in the user's zone and the contact's clock then.
    One due by the end of a day is due by the end of its owner's day (owner_tz, see
    OwnerZones): it is that day's all-day item for everyone, wherever they read it."""
    due = moment_of(row["due_at"])
    local_due = due.astimezone(tz)
    owner_due = due.astimezone(owner_tz or tz)
    all_day = owner_due.time() == _END_OF_DAY
    # When the call would be made: at its time, or now for one overdue or due "today".
    if due <= now or (all_day and owner_due.date() == now.astimezone(owner_tz or tz).date()):
        moment: datetime | None = now
    else:
        moment = None if all_day else due
    item = {
        "id": row["id"],
        "kind": row["kind"],
        "note": row["note"],
        "due_at": row["due_at"],
        "due_local": owner_due.date().isoformat() if all_day else local_due.strftime("%Y-%m-%d %H:%M"),
        "all_day": all_day,
        "contact_id": row["contact_id"],
        "contact": row["contact"],
        "company": row["company"],
        "owner": row["owner"],
        "deal_id": row["deal_id"],
        "case_id": row["case_id"],
    }
    item.update(
        their_clock(
            row.get("contact_timezone"),
            moment or now,
            hours,
            zones,
            judge=row["kind"] in TIMED_KINDS and moment is not None,
        )  # fmt: skip
    )
    return item


def their_clock(
    zone_name: str | None, moment: datetime, hours: BusinessHours, zones: Zones, *, judge: bool = True
) -> dict[str, Any]:
    """The contact's wall-clock time at `moment`, and whether it is outside their hours
    (None when we cannot tell: no time zone, or nothing set to happen at a time)."""
    zone = zones.get(zone_name)
    if zone is None:
        return {"their_timezone": zone_name, "their_time": None, "outside_hours": None}
    local = moment.astimezone(zone)
    return {
        "their_timezone": zone_name,
        "their_time": local.isoformat(timespec="minutes"),
        "outside_hours": hours.outside(local) if judge else None,
    }


def moment_of(stored: str) -> datetime:
    """A stored UTC timestamp as an aware datetime (fromisoformat: 20× strptime's speed,
    which counts over the hundreds of rows an agenda may hold)."""
    return datetime.fromisoformat(stored)


def _midnight(day: date, tz: tzinfo) -> datetime:
    return wall_time(day, time(0, 0), tz)


# --- milestones ---------------------------------------------------------------------------------


def milestones(
    db: Database,
    *,
    now: datetime,
    tz: tzinfo,
    days: int,
    owner: str | None,
    hours: BusinessHours,
    zones: Zones,
    limit: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Birthdays and customer anniversaries from today to today + `days`, soonest first:
    (the first `limit` of them, how many there are)."""
    from crmcli.storage import agenda as store

    today = now.astimezone(tz).date()
    window = [today + timedelta(days=i) for i in range(days + 1)]
    in_window = _days_by_month_day(window)
    # (day, kind, name, contact id, years): birthdays first counted and cut in SQLite...
    birthdays, first_birthdays = store.birthdays_in(
        db, [(md, day.isoformat()) for md, day in in_window.items()], owner, -1 if limit is None else limit
    )
    found: list[tuple[date, str, str, int, int | None]] = []
    for contact_id, name, birthday, day_text in first_birthdays:
        day = date.fromisoformat(day_text)
        born = birthday[:4]
        found.append((day, "birthday", name, contact_id, day.year - int(born) if born.isdigit() else None))
    # ...anniversaries judged here: customer_since is a UTC moment, so look a day either
    # side, then judge its local date.
    widened = [window[0] - timedelta(days=1), *window, window[-1] + timedelta(days=1)]
    anniversaries = 0
    for contact_id, name, customer_since in store.customers_since_on(db, _month_days(widened), owner):
        since = moment_of(customer_since).astimezone(tz).date()
        on = in_window.get(f"{since.month:02d}-{since.day:02d}")
        if on is None or on.year - since.year < 1:
            continue
        anniversaries += 1
        found.append((on, "anniversary", name, contact_id, on.year - since.year))
    found.sort(key=lambda m: (m[0], m[1], m[2] or ""))
    # Only the items shown are read in full and dressed with their clocks.
    shown = found if limit is None else found[:limit]
    details = {row["id"]: row for row in store.people(db, [contact_id for _, _, _, contact_id, _ in shown])}
    items = [
        _milestone(kind, day, today, details[contact_id], years, now, hours, zones)
        for day, kind, _, contact_id, years in shown
        if contact_id in details
    ]
    return items, birthdays + anniversaries


def _month_days(window: list[date]) -> list[str]:
    wanted = {d.strftime("%m-%d") for d in window}
    if any(d.month == 2 and d.day == 28 and not _leap(d.year) for d in window):
        wanted.add("02-29")  # celebrated on 28 February in other years
    return sorted(wanted)


def _days_by_month_day(window: list[date]) -> dict[str, date]:
    """Each "MM-DD" of the window and its first date; 02-29 falls on 28 February in other
    years. A window of a year or more holds today's month-day twice: today's birthday is
    the one to show, and so is a leap-day birthday kept today, on 28 February, before the
    29 February of the next leap year. Looked up once per contact, so built once per agenda."""
    days: dict[str, date] = {}
    for day in window:
        days.setdefault(f"{day.month:02d}-{day.day:02d}", day)
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            days.setdefault("02-29", day)
    return days


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _milestone(
    kind: str, day: date, today: date, row: Row, years: int | None, now: datetime,
    hours: BusinessHours, zones: Zones,
) -> dict[str, Any]:  # fmt: skip
    return {
        "kind": kind,
        "date": day.isoformat(),
        "in_days": (day - today).days,
        "years": years,  # the age they turn, or years as a customer
        "contact_id": row["id"],
        "contact": row["name"],
        "company": row["company"],
        "owner": row["owner"],
        **their_clock(row["timezone"], now, hours, zones),
    }


# --- keep in touch --------------------------------------------------------------------------------


def keep_in_touch(
    db: Database,
    settings: AgendaSettings,
    *,
    now: datetime,
    owner: str | None,
    zones: Zones,
    limit: int | None = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Per rule, how many contacts are past their interval; and the `limit` most neglected
    of all (every one when `limit` is None), the longest overdue first: by how long past
    their interval they are to the second, then by id (contacts imported at one moment).

    That order is the order of the indexes the rules read, so each rule's first `limit`
    hold the first `limit` of all, and only those are read in full; an order by name among
    contacts overdue by the same whole days would need every such contact read to pick a
    page."""
    from crmcli.storage import agenda as store

    rules: list[dict[str, Any]] = []
    # contact id -> (how long overdue, the touch moment, the rule that counts it most)
    worst: dict[int, tuple[timedelta, datetime, KeepInTouch]] = {}
    for rule in settings.keep_in_touch:
        cutoff = to_iso(now - timedelta(days=rule.days))
        query = store.untouched_by_stage if rule.scope == "stage" else store.untouched_by_tag
        total, found = query(db, rule.name, cutoff, owner, -1 if limit is None else limit)
        rules.append({"rule": rule.label, "days": rule.days, "count": total})
        for contact_id, touched in found:
            since = moment_of(touched)
            overdue = now - since - timedelta(days=rule.days)
            entry = worst.get(contact_id)
            if entry is None or entry[0] < overdue:
                worst[contact_id] = (overdue, since, rule)
    ranked = sorted(worst, key=lambda contact_id: (-worst[contact_id][0], contact_id))[:limit]
    people = {row["id"]: row for row in store.people(db, ranked)}
    shown = []
    for contact_id in ranked:
        row = people.get(contact_id)
        if row is None:
            continue
        overdue, since, rule = worst[contact_id]
        shown.append({
            "contact_id": contact_id,
            "contact": row["name"],
            "company": row["company"],
            "stage": row["lifecycle_stage"],
            "owner": row["owner"],
            "rule": rule.label,
            "every_days": rule.days,
            "last_touch_at": row["last_touch_at"],
            "days_since": (now - since).days,
            "overdue_days": (now - since).days - rule.days,
            **their_clock(row["timezone"], now, settings.hours, zones),
        })  # fmt: skip
    # Cut: more contacts than shown, or a rule with more than a page (of different contacts);
    # otherwise every rule was read whole, and `worst` holds everyone --all would list.
    cut = limit is not None and (len(worst) > limit or any(r["count"] > limit for r in rules))
    return {"rules": rules, "contacts": shown, "cut": cut}


# --- the iCalendar export ------------------------------------------------------------------------


def open_follow_ups(
    db: Database, config: Config, *, now: datetime, tz: tzinfo, owner: str | None
) -> list[dict[str, Any]]:
    """Every open follow-up, for `--ics`: the rows with what a calendar entry needs (an
    all-day one on its owner's day, as the agenda shows it)."""
    from crmcli.storage import activities as activity_store

    if owner is not None:
        owner = config.owner_on_team(owner)
    owner_zones = OwnerZones(config, tz)
    items = []
    for row in activity_store.all_open_follow_ups(db, owner=owner):
        owner_due = moment_of(row["due_at"]).astimezone(owner_zones.of(row["owner"]))
        items.append({**row, "all_day": owner_due.time() == _END_OF_DAY, "local_date": owner_due.date()})
    return items


class OwnerZones:
    """The time zone of each owner's calendar, looked up once per owner: their [[team]]
    entry's, else the config's, else `fallback` (the acting user's, from the machine).

    A follow-up due by the end of a day is due by the end of its owner's day, so Ada in Oslo
    giving Alan in New York a task for Friday gives him all of his Friday, and his agenda
    and calendar show it all day. The agenda, the calendar file, `crm log` and the
    activities import all ask here."""

    def __init__(self, config: Config, fallback: tzinfo, zones: Zones | None = None) -> None:
        self._config = config
        self._fallback = fallback
        self._zones = zones or Zones()
        self._found: dict[str | None, tzinfo] = {}

    def of(self, owner: str | None) -> tzinfo:
        if owner not in self._found:
            name = self._config.timezone_for(owner)
            self._found[owner] = (self._zones.get(name) if name else None) or self._fallback
        return self._found[owner]
