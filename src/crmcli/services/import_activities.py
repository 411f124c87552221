"""Activities from a CSV file: `crm import activities`.

Every row is validated as `crm log` validates it: a kind the config knows (other CRMs'
words for them read as ours: HubSpot's INCOMING_EMAIL is an email, Pipedrive's deadline a
task), a contact or a company, a note for notes and tasks, a duration, a direction of in
or out, an owner on the team. Times are read in the file's own date format
(io.filedates), in the acting user's time zone when they have none; a due date without a
time is due by the end of that day, as `crm log --due friday` is.

Follow-ups as other CRMs export them: a due date makes the activity a follow-up, done
when the row says so (a done_at time, or a done/status column of done, completed, yes); a
done follow-up's time is when it was done, as `crm activity done` sets it. A subject and a
note (Pipedrive's and HubSpot's titles and bodies) are kept together as the note.

A duplicate is an activity with the same uid, in the database or above in the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, tzinfo
from typing import Any

from crmcli.clock import to_iso, wall_time
from crmcli.errors import Invalid
from crmcli.io.filedates import DateReader
from crmcli.services.activities import (
    DIRECTIONS,
    END_OF_DAY,
    TEXT_REQUIRED,
    kinds,
    parse_duration,
)
from crmcli.services.agenda import OwnerZones
from crmcli.services.contacts import default_owner, refuse_if_erased_id
from crmcli.services.import_contacts import Getters, UidMaker, owner_from_file, searchable
from crmcli.services.import_deals import _names_first, key_of
from crmcli.services.import_links import Links
from crmcli.services.importing import Importer, checks_of
from crmcli.storage import importing as store

# Other systems' kinds, read as ours when the config has no kind of that name.
_KIND_WORDS = {
    "call": "call",
    "phonecall": "call",
    "calls": "call",
    "loggedcall": "call",
    "email": "email",
    "emails": "email",
    "incomingemail": "email",
    "forwardedemail": "email",
    "emailreply": "email",
    "sentemail": "email",
    "mail": "email",
    "loggedemail": "email",
    "meeting": "meeting",
    "meetings": "meeting",
    "event": "meeting",
    "lunch": "meeting",
    "appointment": "meeting",
    "visit": "meeting",
    "note": "note",
    "notes": "note",
    "comment": "note",
    "message": "message",
    "sms": "message",
    "whatsapp": "message",
    "chat": "message",
    "linkedinmessage": "message",
    "text": "message",
    "task": "task",
    "tasks": "task",
    "todo": "task",
    "deadline": "task",
    "followup": "task",
}
_DONE_WORDS = {"done", "completed", "complete", "yes", "true", "1", "y", "x", "finished", "closed"}
_NOT_DONE_WORDS = {
    "open",
    "todo",
    "notstarted",
    "inprogress",
    "waiting",
    "deferred",
    "no",
    "false",
    "0",
    "n",
    "pending",
    "scheduled",
    "notdone",
}
_NEITHER_WORDS = {"logged"}  # `crm export`'s status of an activity that is no follow-up
_CLOCK = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*([AaPp]\.?[Mm]\.?)?")
_HMS = re.compile(r"(\d{1,3}):(\d{2})(?::(\d{2}))?")
_UID_LIMIT = 200


class ActivityImporter(Importer):
    entity = "activity"
    threaded = False  # rows look their contacts up on the connection the batches write on

    def begin(self) -> None:
        session, mapping = self.session, self.mapping
        db = session.db
        self.now = session.now_iso
        self.actor = session.actor
        # A row without an owner gets the acting user, when they are on the team.
        self.default_owner = default_owner(session)
        self.owner_zones = OwnerZones(session.config, session.tz)
        self.change_id = session.change_id
        self.tz = session.tz
        self.dates = DateReader(self.options.date_format, self.tz)
        self.uids = UidMaker()
        self.links = Links(db)
        self.kinds = kinds(session.config)
        self.first_activity = self.next_activity = store.next_id(db, "activities")
        has_uid = "uid" in mapping.targets()
        self.known_uids = set(store.uids(db, "activities")) if has_uid else set()
        self.seen_uids: set[str] = set()
        if not mapping.indexes("kind"):
            raise Invalid(
                "The file has no column for the activity's kind (call, email, meeting …); "
                'name one with --map "Column=kind".'
            )
        if not (mapping.indexes("contact") or mapping.indexes("company")):
            raise Invalid(
                "The file has no column for the activity's contact or company; "
                'name one with --map "Column=contact".'
            )
        self.get = Getters(
            mapping,
            (
                "kind",
                "subject",
                "note",
                "at",
                "duration",
                "duration_seconds",
                "direction",
                "outcome",
                "due",
                "due_time",
                "done",
                "done_at",
                "owner",
                "uid",
                "created_at",
            ),
        )
        self.get_contact = _names_first(mapping, "contact")
        self.get_company = _names_first(mapping, "company")
        self.get_deal = _names_first(mapping, "deal")
        self.get_case = _names_first(mapping, "case")
        self.custom = mapping.custom()
        self._owners: dict[str, str | None] = {}
        self._kinds: dict[str, str] = {}
        # What checked updates (_check_update) left each activity they changed.
        self.checked: dict[int, dict[str, Any]] = {}
        self._new_batch()

    def learn(self, sample: list[Any]) -> None:
        columns = [i for name in ("at", "due", "done_at", "created_at") for i in self.mapping.indexes(name)]
        self.dates.learn(r.cells[i] for r in sample for i in columns if i < len(r.cells))

    def _new_batch(self) -> None:
        self.b_rows: list[tuple[Any, ...]] = []
        self.b_search: list[tuple[int, str]] = []
        self.b_fields: list[tuple[str, int, str, str]] = []
        self.b_history: list[tuple[int, str, str, str, int, str, str]] = []
        self.b_updates: list[Callable[[], None]] = []

    # --- one row ---------------------------------------------------------------------------

    def row(self, record: Any) -> None:
        cells: list[str] = record.cells
        g = self.get
        text = g.kind(cells)
        if not text:
            raise Invalid(f"An activity needs a kind; use one of {', '.join(self.kinds)}.")
        kind = self._kind(text)
        uid = g.uid(cells) if g.uid else ""
        if uid and (len(uid) > _UID_LIMIT or any(ch.isspace() for ch in uid)):
            raise Invalid(f"The uid {uid!r} must be one word of at most {_UID_LIMIT} characters.")

        links = self.links
        text = self.get_contact(cells)
        contact_id = links.contact(text) if text else None
        text = self.get_company(cells)
        company_id = links.company(text) if text else None
        if company_id is None and contact_id is not None:
            company_id = links.company_of(contact_id)
        text = self.get_deal(cells)
        deal_id = links.deal(text) if text else None
        text = self.get_case(cells)
        case_id = links.case(text) if text else None

        subject = " ".join(g.subject(cells).split()) if g.subject else ""
        body = g.note(cells) if g.note else ""
        note = "\n".join(p for p in (subject, body) if p) or None
        outcome = (" ".join(g.outcome(cells).split()) or None) if g.outcome else None
        direction = None
        text = g.direction(cells) if g.direction else ""
        if text:
            direction = DIRECTIONS.get(text.strip().lower())
            if direction is None:
                raise Invalid(f"The direction {text!r} must be in or out.")
        duration = self._duration(cells)
        text = g.owner(cells) if g.owner else ""
        owner = self._owner(text) if text else None

        dates = self.dates
        text = g.at(cells) if g.at else ""
        at = dates.moment(text, "at") if text else None
        # A due date without a time is due by the end of that day in its owner's zone.
        owner_tz = self.owner_zones.of(owner or self.default_owner)
        due_at = self._due(cells, owner_tz)
        text = g.done_at(cells) if g.done_at else ""
        done_at = dates.moment(text, "done_at") if text else None
        done = self._done(cells)
        if done_at is not None:
            if done is False:
                raise Invalid("The row says the activity is not done, but gives the time it was done.")
            due_at = due_at or done_at  # done: it was a follow-up
        elif done and due_at is not None:
            done_at = at or due_at
        if done_at is not None:
            at = done_at  # as `crm activity done` sets it
        if kind == "task" and due_at is None:
            due_at = self._end_of_day(at, owner_tz)
        at_given = at is not None
        at = at or self.now
        text = g.created_at(cells) if g.created_at else ""
        created_at = dates.moment(text, "created_at") if text else self.now
        fields = {}
        for i, key in self.custom:
            value = cells[i].strip()
            if value:
                fields[key] = value

        if uid and (uid in self.known_uids or uid in self.seen_uids):
            where = "the database" if uid in self.known_uids else "a row above"
            mode = self.options.on_duplicate
            if mode == "error":
                raise Invalid(f"An activity with the uid {uid} is in {where} already.")
            if mode == "skip":
                self.report.skipped += 1
                return
            values = {
                "kind": kind,
                "contact_id": contact_id,
                "company_id": company_id,
                "deal_id": deal_id,
                "case_id": case_id,
                "note": note,
                "at": at if at_given else None,
                "duration_min": duration,
                "direction": direction,
                "outcome": outcome,
                "due_at": due_at,
                "done_at": done_at,
                "done": done,
                "owner": owner,
                "fields": fields,
            }
            self._plan_update(record, uid, values)
            return

        # What a new activity needs (a duplicate to update has it already).
        if contact_id is None and company_id is None:
            raise Invalid("An activity needs a contact or a company; the row names neither.")
        if kind in TEXT_REQUIRED and not note:
            raise Invalid(f"A {kind} needs its text; the row's note is empty.")
        if uid:
            self.seen_uids.add(uid)
        activity_id = self.next_activity
        self.next_activity += 1
        self.report.created += 1
        if not self.writing:
            return
        self.b_rows.append(
            (
                activity_id,
                uid or self.uids.next(),
                kind,
                contact_id,
                company_id,
                deal_id,
                case_id,
                note,
                at,
                duration,
                direction,
                outcome,
                due_at,
                done_at,
                owner or self.default_owner,
                created_at,
                self.now,
            )
        )
        text = " ".join(p for p in (note, outcome) if p)
        if text:
            self.b_search.append((activity_id, searchable(text)))
        for key, value in fields.items():
            self.b_fields.append(("activity", activity_id, key, value))
        self.b_history.append(
            (
                self.change_id,
                self.now,
                self.actor,
                "activity",
                activity_id,
                "create",
                f"import line {record.line}",
            )
        )

    def _kind(self, text: str) -> str:
        found = self._kinds.get(text)
        if found is None:
            wanted = text.strip().lower()
            if wanted in self.kinds:
                found = wanted
            else:
                found = _KIND_WORDS.get(key_of(text), "")
                if found not in self.kinds:
                    raise Invalid(
                        f"Unknown activity kind {text!r}; use one of {', '.join(self.kinds)} "
                        "(or add it to [activities] kinds in the config)."
                    )
            self._kinds[text] = found
        return found

    def _owner(self, text: str) -> str | None:
        if text not in self._owners:
            self._owners[text] = owner_from_file(self.session, text)
        return self._owners[text]

    def _duration(self, cells: list[str]) -> int | None:
        """Whole minutes, from minutes (30, 30m, 1h30m), HH:MM(:SS), or a seconds column;
        a zero (an unanswered call) is no duration."""
        g = self.get
        text = g.duration(cells) if g.duration else ""
        if text:
            match = _HMS.fullmatch(text)
            if match:
                seconds = int(match.group(1)) * 3600 + int(match.group(2)) * 60 + int(match.group(3) or 0)
                return _minutes(seconds, text)
            if text.strip("0") in ("", "."):
                return None
            return parse_duration(text)
        text = g.duration_seconds(cells) if g.duration_seconds else ""
        if text:
            try:
                seconds = int(float(text.replace(",", ".")))
            except ValueError:
                raise Invalid(f"Cannot read {text!r} as a duration in seconds.") from None
            return _minutes(seconds, text)
        return None

    def _due(self, cells: list[str], owner_tz: tzinfo) -> str | None:
        """A due date; without a time of day (or a due-time column), by the end of that day."""
        g = self.get
        text = g.due(cells) if g.due else ""
        if not text:
            return None
        day, moment = self.dates.parts(text, "due date")
        clock = g.due_time(cells) if g.due_time else ""
        if clock:
            moment = self._at_clock(day, clock)
        if moment is None:
            moment = wall_time(day, END_OF_DAY, owner_tz)
        return to_iso(moment)

    def _at_clock(self, day: date, clock: str) -> datetime:
        match = _CLOCK.fullmatch(clock.strip())
        if not match:
            raise Invalid(f"The due time {clock!r} is not a time of day such as 14:30.")
        hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
        meridiem = (match.group(4) or "").lower().replace(".", "")
        if meridiem:
            if not 1 <= hour <= 12:
                raise Invalid(f"The due time {clock!r} is not a time of day such as 2:30 PM.")
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
        if hour > 23 or minute > 59 or second > 59:
            raise Invalid(f"The due time {clock!r} is not a time of day such as 14:30.")
        return wall_time(day, time(hour, minute, second), self.tz)

    def _done(self, cells: list[str]) -> bool | None:
        g = self.get
        text = g.done(cells) if g.done else ""
        if not text:
            return None
        key = key_of(text)
        if key in _NEITHER_WORDS:
            return None
        if key in _DONE_WORDS:
            return True
        if key in _NOT_DONE_WORDS:
            return False
        raise Invalid(f"Cannot tell whether {text!r} means done; write done or open (yes or no).")

    def _end_of_day(self, at: str | None, owner_tz: tzinfo) -> str:
        from crmcli.clock import from_iso, local_date

        moment = from_iso(at) if at else self.session.now
        return to_iso(wall_time(local_date(moment, self.tz), END_OF_DAY, owner_tz))

    # --- duplicates to update ----------------------------------------------------------------

    def _plan_update(self, record: Any, uid: str, values: dict[str, Any]) -> None:
        session = self.session
        self.plan_update(
            record,
            lambda: store.id_by_uid(session.db, "activities", uid),
            lambda activity_id: update_activity(session, activity_id, values),
            lambda activity_id: self._check_update(activity_id, values),
        )

    def _check_update(self, activity_id: int, values: dict[str, Any]) -> bool:
        """An update checked but not written (a row was rejected, so nothing will be),
        against the activity as stored or as a checked row above changed it."""
        current = self.checked.get(activity_id) or stored_activity(self.session.db, activity_id)
        changes, new_fields = plan_activity_update(current, values, self.now)
        if not (changes or new_fields):
            return False
        refuse_new_text(self.session.db, current, changes, new_fields)
        self.checked[activity_id] = {**current, **changes, "fields": {**current["fields"], **new_fields}}
        return True

    # --- writing -----------------------------------------------------------------------------

    def pending(self) -> int:
        return len(self.b_rows) + len(self.b_updates)

    def flush(self) -> Callable[[], None] | None:
        if not self.writing:
            updates = self.b_updates
            self._new_batch()
            return checks_of(updates)
        batch = (self.b_rows, self.b_search, self.b_fields, self.b_history, self.b_updates)
        self._new_batch()
        if not (batch[0] or batch[4]):
            return None
        db = self.session.db

        def job() -> None:
            rows, search, fields, history, updates = batch
            store.insert_activities(db, rows)
            if search:
                store.insert_search(db, "activities", search)
            if fields:
                store.insert_fields(db, fields)
            store.insert_history(db, history)
            for update in updates:
                update()

        return job


def _minutes(seconds: int, text: str) -> int | None:
    if seconds <= 0:
        return None
    minutes = max(1, round(seconds / 60))
    if minutes > 7 * 24 * 60:
        raise Invalid(f"A duration must be at most a week, not {text!r}.")
    return minutes


def update_activity(session: Any, activity_id: int, values: dict[str, Any]) -> bool:
    """Fill and change an activity from a row: an empty cell never blanks a field.
    False when nothing differs."""
    from crmcli.services import activities
    from crmcli.services.session import diff
    from crmcli.storage import activities as activity_store
    from crmcli.storage import labels

    db = session.db
    current = stored_activity(db, activity_id)
    changes, new_fields = plan_activity_update(current, values, session.now_iso)
    if not changes and not new_fields:
        return False
    refuse_new_text(db, current, changes, new_fields)
    with session.write("activity edit"):
        if changes:
            changes["updated_at"] = session.now_iso
            activity_store.update(db, activity_id, changes)
            merged = {**current, **changes}
            text = " ".join(p for p in (merged.get("note"), merged.get("outcome")) if p)
            activity_store.reindex(db, activity_id, searchable(text) if text else "")
            updated = activities.get_activity(db, activity_id)
            before, after = diff(_audited(current), _audited(updated))
            if after:
                session.record("activity", activity_id, "update", before, after)
        if new_fields:
            have = current["fields"]
            labels.set_fields(db, "activity", activity_id, new_fields)
            session.record(
                "activity", activity_id, "update", {k: have.get(k) for k in new_fields}, dict(new_fields)
            )
    return True


def refuse_new_text(
    db: Any, current: dict[str, Any], changes: dict[str, Any], new_fields: dict[str, str | None]
) -> None:
    """A row gives no new note, outcome or custom field to an activity of an erased person
    (Invalid rejects the row), as `crm activity edit` refuses them; it can still be done,
    moved or given another owner. A new contact was checked as the row was read."""
    contact_id = changes.get("contact_id", current["contact_id"])
    if "note" in changes or "outcome" in changes or new_fields:
        refuse_if_erased_id(db, contact_id, Invalid)


def stored_activity(db: Any, activity_id: int) -> dict[str, Any]:
    """An activity as stored, with its custom fields."""
    from crmcli.services import activities
    from crmcli.storage import labels

    fields = labels.fields_of(db, "activity", [activity_id]).get(activity_id, {})
    return {**activities.get_activity(db, activity_id), "fields": fields}


def plan_activity_update(
    current: dict[str, Any], values: dict[str, Any], now: str
) -> tuple[dict[str, Any], dict[str, str | None]]:
    """The columns and custom fields a row changes in `current`, refused (Invalid) as
    taking them would refuse them, without writing: an update does this, and so does a
    row that is only checked once nothing will be written."""
    activity_id = current["id"]
    changes: dict[str, Any] = {}
    for key in (
        "kind",
        "deal_id",
        "case_id",
        "note",
        "at",
        "duration_min",
        "direction",
        "outcome",
        "due_at",
        "done_at",
        "owner",
    ):
        value = values.get(key)
        if value is not None and value != current.get(key):
            changes[key] = value
    if values.get("contact_id") is not None and values["contact_id"] != current["contact_id"]:
        changes["contact_id"] = values["contact_id"]
        changes["company_id"] = values["company_id"]
    elif values.get("company_id") is not None and values["company_id"] != current["company_id"]:
        changes["company_id"] = values["company_id"]
    if values.get("done") and not current.get("done_at") and "done_at" not in changes:
        if not (changes.get("due_at") or current.get("due_at")):
            raise Invalid(
                f"Activity #{activity_id} is not a follow-up (it has no due date), so it cannot be done."
            )
        changes["done_at"] = values.get("at") or now  # done now, as `crm activity done`
    if values.get("done") is False and current.get("done_at"):
        raise Invalid(f"Activity #{activity_id} was done on {current['done_at']}; the row has it open.")
    if "done_at" in changes:
        changes["at"] = changes["done_at"]
    have = current["fields"]
    new_fields: dict[str, str | None] = {
        k: v for k, v in (values.get("fields") or {}).items() if have.get(k) != v
    }
    return changes, new_fields


def _audited(row: dict[str, Any]) -> dict[str, Any]:
    from crmcli.services.activities import _AUDITED

    return {key: row.get(key) for key in _AUDITED}
