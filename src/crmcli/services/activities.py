"""Activities: every touch with a customer (calls, e-mails, meetings, notes, messages) and
the follow-ups still to do.

An activity belongs to a contact (and through them to their company) or to a company
alone, and may point at a deal and a case. Giving it a due date makes it a follow-up,
open until it is done. Times are typed in words or ISO 8601, read in the acting user's
time zone (crmcli.dates) and stored in UTC.

Decisions worth knowing:
- a due date without a time of day is due by the end of that day (23:59:59 local), so a
  follow-up "due friday" is not overdue until Friday is over;
- a `task` without --due is due by the end of today: a task always has a date;
- marking a follow-up done moves its `at` to the moment it was done, so the timeline
  shows it when it happened.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from crmcli.clock import YEARS, from_iso, to_iso, wall_time
from crmcli.errors import Conflict, Invalid, NotFound
from crmcli.models import PlainRecord
from crmcli.storage import activities as store

if TYPE_CHECKING:
    from crmcli.config import Checker, Config, KeyPath
    from crmcli.services.session import Session
    from crmcli.storage.db import Database, Row

DEFAULT_KINDS = ("call", "email", "meeting", "note", "message", "task")
# Kinds whose text is the whole point: logging one without text is a mistake.
TEXT_REQUIRED = ("note", "task")
DIRECTIONS = {"in": "in", "inbound": "in", "incoming": "in", "out": "out", "outbound": "out",
              "outgoing": "out"}  # fmt: skip
END_OF_DAY = time(23, 59, 59)
MAX_DURATION_MIN = 7 * 24 * 60

_AUDITED = ("kind", "contact_id", "company_id", "deal_id", "case_id", "note", "at", "duration_min",
            "direction", "outcome", "due_at", "done_at", "owner")  # fmt: skip


class ActivityInput(PlainRecord):
    """An activity as typed. None means "not given"; "" clears an optional field (edit)."""

    # A plain class, not a dataclass: see the note above crmcli.config.Problem.
    def __init__(
        self,
        *,
        kind: str | None = None,
        note: str | None = None,
        at: str | None = None,  # words or ISO 8601
        duration: str | None = None,  # 30, 30m, 1h, 1h30m
        direction: str | None = None,
        outcome: str | None = None,
        deal: str | None = None,  # 12, #12 or deal:12
        case: str | None = None,  # 12, #12 or case:12
        due: str | None = None,  # words or ISO 8601; makes it a follow-up
        owner: str | None = None,
    ) -> None:
        self.kind = kind
        self.note = note
        self.at = at
        self.duration = duration
        self.direction = direction
        self.outcome = outcome
        self.deal = deal
        self.case = case
        self.due = due
        self.owner = owner


# --- the config: [activities] ------------------------------------------------------------------


def kinds(config: Config) -> tuple[str, ...]:
    """The built-in kinds, then the team's own from `[activities] kinds`."""
    extra = [k for k in (config.get("activities.kinds") or []) if k not in DEFAULT_KINDS]
    return DEFAULT_KINDS + tuple(extra)


def activity_kind(config: Config, text: str) -> str:
    """One of the kinds, lower-cased; refused otherwise."""
    kind = text.strip().lower()
    allowed = kinds(config)
    if kind not in allowed:
        raise Invalid(
            f"Unknown activity kind {text!r}; use one of {', '.join(allowed)} "
            "(or add it to [activities] kinds in the config)."
        )
    return kind


def check_activities(value: Any, checker: Checker, path: KeyPath) -> None:
    checker.table(value, path, {"kinds": _check_kinds})


def _check_kinds(value: Any, checker: Checker, path: KeyPath) -> None:
    if not checker.expect(value, list, path, 'a list of kinds such as ["visit", "demo"]'):
        return
    for index, kind in enumerate(value):
        if checker.expect(kind, str, (*path, index), "text") and not re.fullmatch(r"[a-z][a-z0-9_-]*", kind):
            checker.add((*path, index), f"{kind!r} must be lower-case letters, digits, '_' or '-'")


# --- reading ----------------------------------------------------------------------------------


def activity_id_from(ref: str) -> int:
    """An activity by id: 12, #12 or activity:12."""
    from crmcli.services.refs import parse_id

    text = ref.strip()
    if text.lower().startswith("activity:"):
        text = text[len("activity:") :]
    number = parse_id(text, "activity")
    if number is None:
        raise Invalid(f"An activity is named by its id (12 or #12), not {ref!r}.")
    return number


def get_activity(db: Database, activity_id: int) -> Row:
    row = store.get(db, activity_id)
    if row is None:
        raise NotFound(f"There is no activity #{activity_id}.")
    return with_status(row)


def with_status(row: Row) -> Row:
    """`status`: open or done for follow-ups, logged for everything else."""
    if row.get("due_at"):
        row["status"] = "done" if row.get("done_at") else "open"
    else:
        row["status"] = "logged"
    return row


def list_activities(db: Database, query: store.ActivityFilter) -> list[Row]:
    return [with_status(row) for row in store.query(db, query)]


def by_owners_days(query: store.ActivityFilter, config: Config, tz: tzinfo) -> None:
    """Open follow-ups: --since and --until given as days (a period, or a day alone) take
    one due by the end of a day by its owner's date, as the agenda shows it. Alan's Tuesday
    in New York ends on Ada's Wednesday morning in Oslo, yet it is not on her Wednesday,
    and his Wednesday, which ends on her Thursday, is. One due at a time of day keeps its
    moment, and so does every follow-up against a bound given as a moment.

    Day and moment disagree only near a day's edge, within the difference between an
    owner's clock and the reader's. There each owner's end of each day is judged here, and
    handed to the query as an exact moment to take in or leave out: the SQL stays a range
    query on the due date, so it counts and pages as before, on any number of rows."""
    since_day = _day_at(query.since, time(0, 0), tz)
    until_day = _day_at(query.until, END_OF_DAY, tz)
    if since_day is None and until_day is None:
        return

    def inside(end: str, day: date | None) -> bool:
        """Whether a follow-up due at `end` is within the bounds; by `day` where one is a day."""
        if day is not None and since_day is not None:
            after_start = day >= since_day
        else:
            after_start = query.since is None or end >= query.since
        if day is not None and until_day is not None:
            return after_start and day <= until_day
        return after_start and (query.until is None or end <= query.until)

    # Owners' clocks are at most 26 hours apart: three days either side of an edge hold
    # every day whose end can fall on the other side of it.
    edges = [day for day in (since_day, until_day) if day is not None]
    nearby = sorted({edge + timedelta(days=n) for edge in edges for n in range(-3, 4)})
    taken: list[store.DayEnd] = []
    left: list[store.DayEnd] = []
    for zone, owners, others_than in _calendars(config, tz, query.owner):
        for day in nearby:
            end = to_iso(wall_time(day, END_OF_DAY, zone))
            by_day, by_moment = inside(end, day), inside(end, None)
            if by_day != by_moment:
                (taken if by_day else left).append(store.DayEnd(end, owners, others_than))
    query.taken, query.left = tuple(taken), tuple(left)


def _day_at(stored: str | None, clock: time, tz: tzinfo) -> date | None:
    """The reader's day whose first second (`clock` midnight, for --since) or last one
    (23:59:59, for --until) a bound is: a day alone and a period make such bounds, and a
    moment typed to the second is seldom one of them."""
    if stored is None:
        return None
    day = from_iso(stored).astimezone(tz).date()
    return day if to_iso(wall_time(day, clock, tz)) == stored else None


def _calendars(
    config: Config, tz: tzinfo, owner: str | None
) -> list[tuple[tzinfo, tuple[str, ...], tuple[str, ...] | None]]:
    """Each time zone an owner's day is kept in, with whose it is: (zone, handles, and for
    the config's own zone the team's handles, whose others are its too: see DayEnd)."""
    from crmcli.services.agenda import OwnerZones

    zones = OwnerZones(config, tz)
    if owner is not None:
        return [(zones.of(owner), (owner,), None)]
    team = tuple(member.handle for member in config.team)
    everyone_elses = zones.of(None)
    handles_by_zone: dict[tzinfo, list[str]] = {everyone_elses: []}
    for handle in team:
        handles_by_zone.setdefault(zones.of(handle), []).append(handle)
    return [
        (zone, tuple(handles), team if zone is everyone_elses else None)
        for zone, handles in handles_by_zone.items()
    ]


# --- changing ---------------------------------------------------------------------------------


def log_activity(
    session: Session,
    data: ActivityInput,
    *,
    contact_id: int | None = None,
    company_id: int | None = None,
) -> Row:
    """Record an activity with a contact or a company; with a due date it is a follow-up."""
    from crmcli.services.contacts import refuse_if_erased_id  # not above: `crm show` imports this module

    if contact_id is None and company_id is None:
        raise Invalid("An activity needs a contact or a company.")
    db = session.db
    values = _normalise(session, data, current=None)
    kind = values.get("kind")
    if not kind:
        raise Invalid(f"An activity needs a kind; use one of {', '.join(kinds(session.config))}.")
    if kind in TEXT_REQUIRED and not values.get("note"):
        raise Invalid(f"A {kind} needs its text; give NOTE, or - to read it from stdin.")
    if kind == "task" and not values.get("due_at"):
        owner = values["owner"] if "owner" in values else _owner_of(session, None)
        values["due_at"] = to_iso(_owners_day(session, _end_of_today(session), owner))
    if contact_id is not None and company_id is None:
        company_id = store.company_of_contact(db, contact_id)
    now = session.now_iso
    values.setdefault("at", now)
    from crmcli.services.contacts import default_owner

    values.setdefault("owner", default_owner(session))
    values.update(contact_id=contact_id, company_id=company_id, created_at=now, updated_at=now)
    from crmcli.services.session import new_uid

    values["uid"] = new_uid()
    with session.write(f"activity log {kind}"):
        refuse_if_erased_id(db, contact_id)
        activity_id = store.insert(db, values)
        _reindex(db, activity_id, values)
        record = get_activity(db, activity_id)
        session.record("activity", activity_id, "create", None, _audit_view(record))
        return record


def edit_activity(
    session: Session,
    activity_id: int,
    data: ActivityInput,
    *,
    contact_id: int | None = None,
    company_id: int | None = None,
) -> Row:
    """Change the fields given; a new contact moves the activity (and its company) with them."""
    from crmcli.services.contacts import refuse_if_erased_id
    from crmcli.services.session import diff

    db = session.db
    with session.write("activity edit"):
        current = get_activity(db, activity_id)
        values = _normalise(session, data, current=current)
        if contact_id is not None:
            refuse_if_erased_id(db, contact_id)
        elif company_id is None and (values.get("note") or values.get("outcome")):
            refuse_if_erased_id(db, current["contact_id"])  # new text about whom it is with
        if contact_id is not None:
            values["contact_id"] = contact_id
            values["company_id"] = store.company_of_contact(db, contact_id)
        elif company_id is not None:
            values["contact_id"] = None
            values["company_id"] = company_id
        merged = {**current, **values}
        if merged["kind"] in TEXT_REQUIRED and not merged.get("note"):
            raise Invalid(f"A {merged['kind']} needs its text; it cannot be cleared.")
        if merged["kind"] == "task" and not merged.get("due_at"):
            raise Invalid("A task needs a due date; give --due, or change its kind.")
        if "due_at" in values and values["due_at"] is None:
            values["done_at"] = None  # no longer a follow-up
        if values:
            values["updated_at"] = session.now_iso
            store.update(db, activity_id, values)
        _reindex(db, activity_id, merged)
        updated = get_activity(db, activity_id)
        before, after = diff(_audit_view(current), _audit_view(updated))
        if after:
            session.record("activity", activity_id, "update", before, after)
        return updated


def complete(
    session: Session,
    activity_id: int,
    *,
    at: str | None = None,
    outcome: str | None = None,
    note: str | None = None,
) -> Row:
    """Mark a follow-up done (now, or --at), optionally with its outcome and a line of note."""
    from crmcli.services.contacts import refuse_if_erased_id

    db = session.db
    with session.write("activity done"):
        current = get_activity(db, activity_id)
        if current["status"] == "logged":
            raise Conflict(
                f"Activity #{activity_id} is not a follow-up (it has no due date), so it cannot be done."
            )
        if current["status"] == "done":
            raise Conflict(f"Follow-up #{activity_id} was already done on {current['done_at']}.")
        if (outcome and outcome.strip()) or (note and note.strip()):
            refuse_if_erased_id(db, current["contact_id"])  # done, yes; new text about them, no
        moment = to_iso(_happened(session, at)) if at else session.now_iso
        values: dict[str, Any] = {"done_at": moment, "at": moment, "updated_at": session.now_iso}
        if outcome is not None:
            values["outcome"] = outcome.strip() or None
        if note and note.strip():
            values["note"] = "\n".join(p for p in (current.get("note"), note.strip()) if p)
        store.update(db, activity_id, values)
        _reindex(db, activity_id, {**current, **values})
        updated = get_activity(db, activity_id)
        # Every field it changed, outcome and note too: undo puts back exactly the "before".
        changed = {key: value for key, value in values.items() if key != "updated_at"}
        session.record("activity", activity_id, "update", {key: current.get(key) for key in changed}, changed)
        return updated


def delete_activity(session: Session, activity_id: int) -> Row:
    db = session.db
    with session.write("activity delete"):
        current = get_activity(db, activity_id)
        from crmcli.services.undo import record_delete

        record_delete(session, "activity", activity_id, _audit_view(current))  # before: undo needs it
        store.delete(db, activity_id)
        return current


# --- reading what was typed ---------------------------------------------------------------


def when(
    session: Session, text: str, default_time: time | None = None, *, ahead: bool | None = None
) -> datetime:
    from crmcli.dates import parse_when

    return parse_when(text, now=session.now, tz=session.tz, default_time=default_time, ahead=ahead,
                      week_start=session.config.week_start)  # fmt: skip


def _happened(session: Session, text: str) -> datetime:
    """The moment of --at: an activity is logged, or a follow-up done, once it happened. A
    future one would also count as the contact's last touch, and hide them from the
    agenda's keep-in-touch list until that day comes."""
    moment = when(session, text, ahead=False)
    if moment > session.now:
        raise Invalid(
            f"--at {text!r} is in the future ({to_iso(moment)}); an activity is logged once it "
            "happened, and one still to come is a follow-up with --due."
        )
    return moment


def _end_of_today(session: Session) -> datetime:
    from crmcli.dates import parse_when

    return parse_when("eod", now=session.now, tz=session.tz)


def parse_duration(text: str) -> int:
    """Whole minutes from "30", "30m", "30min", "1h", "1.5h", "1h30m", "2 hours"."""
    cleaned = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+", cleaned):
        minutes = float(cleaned)
    else:
        match = re.fullmatch(
            r"(?:(?P<h>\d+(?:\.\d+)?)(?:h|hr|hrs|hour|hours))?(?:(?P<m>\d+)(?:m|min|mins|minute|minutes))?",
            cleaned,
        )
        if not cleaned or match is None or not (match.group("h") or match.group("m")):
            raise Invalid(f"Cannot read {text!r} as a duration; write minutes (45), 30m, 1h or 1h30m.")
        minutes = float(match.group("h") or 0) * 60 + int(match.group("m") or 0)
    if not 0 < minutes <= MAX_DURATION_MIN:
        raise Invalid(f"A duration must be more than zero and at most a week, not {text!r}.")
    return round(minutes)


def _normalise(session: Session, data: ActivityInput, current: Row | None) -> dict[str, Any]:
    """Column values for the fields given, validated; "" clears an optional field."""
    from crmcli.services.contacts import owner_handle

    db = session.db
    out: dict[str, Any] = {}
    if data.kind is not None:
        out["kind"] = activity_kind(session.config, data.kind)
    if data.note is not None:
        out["note"] = data.note.strip() or None
    if data.outcome is not None:
        out["outcome"] = " ".join(data.outcome.split()) or None
    if data.at is not None:
        if not data.at.strip():
            raise Invalid("An activity always has a time; --at cannot be cleared.")
        out["at"] = to_iso(_happened(session, data.at))
    if data.duration is not None:
        out["duration_min"] = parse_duration(data.duration) if data.duration.strip() else None
    if data.direction is not None:
        direction = data.direction.strip().lower()
        if direction and direction not in DIRECTIONS:
            raise Invalid(f"The direction {data.direction!r} must be in or out.")
        out["direction"] = DIRECTIONS.get(direction)
    if data.deal is not None:
        out["deal_id"] = _linked(db, data.deal, "deal", store.deal_exists)
    if data.case is not None:
        out["case_id"] = _linked(db, data.case, "case", store.case_exists)
    if data.owner is not None:
        out["owner"] = owner_handle(session, data.owner)
    owner = out["owner"] if "owner" in out else _owner_of(session, current)
    if data.due is not None:
        moment = when(session, data.due, END_OF_DAY, ahead=True) if data.due.strip() else None
        out["due_at"] = None if moment is None else to_iso(_owners_day(session, moment, owner))
    elif current is not None and current.get("due_at") and "owner" in out and not current.get("done_at"):
        # A new owner of a follow-up due by the end of a day gets it by the end of their day.
        old = from_iso(current["due_at"]).astimezone(_zone_of(session, current.get("owner")))
        if old.time() == END_OF_DAY:
            out["due_at"] = to_iso(wall_time(old.date(), END_OF_DAY, _zone_of(session, owner)))
    return out


def _owner_of(session: Session, current: Row | None) -> str | None:
    if current is not None:
        return current.get("owner")
    from crmcli.services.contacts import default_owner

    return default_owner(session)


def _zone_of(session: Session, owner: str | None) -> tzinfo:
    from crmcli.services.agenda import OwnerZones

    return OwnerZones(session.config, session.tz).of(owner)


def _owners_day(session: Session, moment: datetime, owner: str | None) -> datetime:
    """A due date given as a day (the date words end it at 23:59:59 in the acting user's
    zone) is due by the end of that day in its owner's zone, whoever types it: the agenda
    and the calendar file show it as the owner's all-day item. A time of day is kept."""
    local = moment.astimezone(session.tz)
    if local.time() != END_OF_DAY:
        return moment
    return wall_time(local.date(), END_OF_DAY, _zone_of(session, owner))


def linked_id(ref: str, kind: str) -> int:
    """A deal or case id from 12, #12 or deal:12."""
    from crmcli.services.refs import parse_id

    text = ref.strip()
    if text.lower().startswith(f"{kind}:"):
        text = text[len(kind) + 1 :]
    number = parse_id(text, kind)
    if number is None:
        raise Invalid(f"A {kind} is named by its id (12 or #12), not {ref!r}.")
    return number


def _linked(db: Database, ref: str, kind: str, exists: Any) -> int | None:
    if not ref.strip():
        return None
    number = linked_id(ref, kind)
    if not exists(db, number):
        raise NotFound(f"There is no {kind} #{number}.")
    return number


def _reindex(db: Database, activity_id: int, values: dict[str, Any]) -> None:
    """Notes and outcomes are searchable: `crm contact list --search` finds them."""
    from crmcli.services.contacts import searchable

    text = " ".join(p for p in (values.get("note"), values.get("outcome")) if p)
    store.reindex(db, activity_id, searchable(text) if text else "")


def _audit_view(row: Row) -> dict[str, Any]:
    return {key: row.get(key) for key in _AUDITED}


# --- periods for lists ----------------------------------------------------------------------

PERIODS = ("today", "yesterday", "week", "last-week", "month", "last-month", "year", "last-year")


def period_bounds(text: str, *, now: datetime, tz: Any, week_start: int = 0) -> tuple[datetime, datetime]:
    """[start, end] of a named period in `tz`: today, week, last-month …, or the last 7d/4w/3m."""
    from crmcli.dates import OutOfYears, shift

    name = text.strip().lower().removeprefix("this-")
    local = now.astimezone(tz)
    today = local.date()
    if re.fullmatch(r"0*[1-9]\d{0,3999}[dwmy]", name):  # int() refuses more than 4300 digits
        unit = {"d": "days", "w": "weeks", "m": "months", "y": "years"}[name[-1]]
        try:
            return shift(local, -int(name[:-1]), unit, tz), local
        except OutOfYears as far:  # the same sentence as `kpi --period` gives
            raise Invalid(
                f"The period {text!r} reaches the year {far.year}; "
                f"use a period between {YEARS[0]} and {YEARS[1]}."
            ) from None
    if name in ("today", "yesterday"):
        start_day = today - timedelta(days=0 if name == "today" else 1)
        end_day = start_day
    elif name in ("week", "last-week"):
        start_day = today - timedelta(days=(today.weekday() - week_start) % 7)
        if name == "last-week":
            start_day -= timedelta(days=7)
        end_day = start_day + timedelta(days=6)
    elif name in ("month", "last-month"):
        start_day = today.replace(day=1)
        if name == "last-month":
            start_day = (start_day - timedelta(days=1)).replace(day=1)
        end_day = (start_day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    elif name in ("year", "last-year"):
        year = today.year - (1 if name == "last-year" else 0)
        start_day, end_day = (
            today.replace(year=year, month=1, day=1),
            today.replace(year=year, month=12, day=31),
        )
    else:  # every period `crm kpi` reads: "last 30 days", "this quarter", 2026-Q3, since DATE …
        from crmcli.services.periods import FORMS, UnreadablePeriod, parse_period

        try:
            period = parse_period(text, now=now, tz=tz, week_start=week_start)
        except UnreadablePeriod:
            raise Invalid(
                f"Cannot read {text!r} as a period; use {FORMS}, or 7d, 4w, 3m, 1y (back from now)."
            ) from None
        return period.start, wall_time(period.last, END_OF_DAY, tz)
    return wall_time(start_day, time(0, 0), tz), wall_time(end_day, END_OF_DAY, tz)
