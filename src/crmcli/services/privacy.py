"""Privacy: consent per purpose, a person's data export, and erasing a person (GDPR, CCPA, LGPD).

Consent is a dated log: each `consent` command adds a record (given or withdrawn, with
its source); what holds for a purpose is the latest record. Lists can require it
(`crm contact list --consent newsletter`).

Erasure ("the right to be forgotten") keeps the figures true and the person out:
- the contact row stays, anonymised (name "[erased]", every detail cleared, a new uid),
  so that deals, cases, activities, feedback and stage changes still count in the KPIs
  (a won deal's amount, an NPS score, a conversion) without saying whose they were;
- their addresses, phone numbers, tags, custom fields and consent records are deleted;
  the text of their activities, case messages and feedback comments is erased;
- the history of their records, deleted ones included, loses their values (what a
  deletion kept so that undo could bring the record back too), and the changes it holds
  can no longer be undone; the decisions of rules about them keep the rule, each
  condition and its verdict, not the values compared;
- every other text that names them (their name, e-mail addresses or phone numbers, in any
  letter case, with or without accents) is replaced by "[erased]" in every table,
  history before/after values included; sort keys are folded again from the erased text
  and the search indexes are rebuilt;
- one `erasures` row says that an erasure happened, when and by whom, not of whom;
- deleted content is overwritten (secure_delete), the search indexes are merged, and
  the write-ahead log is checkpointed and truncated, so that no trace stays in the file.
Backups made earlier still hold the person; the command says how many there are.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crmcli import validate
from crmcli.clock import to_iso
from crmcli.errors import Invalid
from crmcli.storage import privacy as store
from crmcli.storage.db import BUSY_TIMEOUT_MS

if TYPE_CHECKING:
    from crmcli.services.session import Session
    from crmcli.storage.db import Database, Row

ERASED = store.ERASED
STATUSES = ("given", "withdrawn")
MAX_PURPOSE = 64
_PURPOSE = re.compile(r"[^\W_][\w .:/-]*")

# Contact columns cleared on erasure; what stays is what the KPIs count.
CLEARED_CONTACT_COLUMNS = (
    "email", "phone", "company_id", "title", "country", "timezone", "language", "birthday",
    "churn_reason",
)  # fmt: skip
# Keys of history before/after values that hold a person's details.
PERSONAL_KEYS = frozenset({
    "name", "emails", "phones", "email", "phone", "title", "country", "timezone", "language",
    "birthday", "churn_reason", "tags", "fields", "note", "outcome", "comment", "body", "reason",
    "uid", "sort_key",
})  # fmt: skip
# A consent's source says how the person gave it ("letter from her lawyer"): theirs too.
PERSONAL_KEYS_OF = {"consent": PERSONAL_KEYS | {"source"}}
# What a deletion's history keeps so that undo can bring the record back: gone with the person.
RESTORE_KEY = "_restore"
# Free text of the person's own records, erased whole rather than word by word.
OWN_TEXT = {"activities": ("note", "outcome"), "feedback": ("comment",), "lifecycle_changes": ("reason",)}
# Columns (and history keys) that hold crm's own vocabulary, never free text: team
# handles, stages, statuses, codes, a case event's old and new value (a handle, a queue, a
# level). A person named like a team member ("Mei") or a stage is not written there, so
# neither the export nor the erasure looks there: an erasure must not make a colleague's
# contacts owned by "[erased]".
VOCABULARY = frozenset({
    "owner", "actor", "recorded_by", "created_by", "contact_owner", "kind", "status", "priority",
    "channel", "queue", "pipeline", "stage", "from_stage", "to_stage", "lifecycle_stage",
    "direction", "entity", "action", "command", "currency", "revenue_currency", "country",
    "timezone", "language", "purpose", "target", "from_value", "to_value", "key",
    "migration_set",
})  # fmt: skip
# Columns folded from another column of the same row (table -> {derived: source}): when the
# sweep rewrites the source, the derived column is folded again from the erased text.
FOLDED_COLUMNS = {"contacts": {"sort_key": "name"}, "companies": {"sort_key": "name"}}
# Columns that identify *other* records; a namesake elsewhere keeps their own name.
IDENTITY_COLUMNS = {
    "contacts": ("name", "sort_key", "uid", "email", "phone"),
    "contact_points": ("value",),
    "companies": ("uid", "sort_key"),
}


# --- consent ------------------------------------------------------------------------------


def purpose_name(text: str) -> str:
    """A purpose as stored: trimmed, lower-case, single spaces ("Newsletter " -> "newsletter")."""
    name = " ".join((text or "").split()).lower()
    if not name:
        raise Invalid("A consent needs a purpose, such as newsletter or marketing.")
    if len(name) > MAX_PURPOSE or not _PURPOSE.fullmatch(name):
        raise Invalid(
            f"The purpose {text!r} must be a short name of letters and digits (at most "
            f"{MAX_PURPOSE} characters), such as newsletter or event-invitations."
        )
    return name


def record_consent(
    session: Session,
    contact_id: int,
    purpose: str,
    status: str,
    *,
    source: str | None = None,
    at: str | None = None,
) -> Row:
    """Add a dated consent record (given or withdrawn) for one purpose."""
    from crmcli.services.contacts import erased_refusal, get_contact

    if status not in STATUSES:
        raise Invalid(f"A consent is {' or '.join(STATUSES)}, not {status!r}.")
    name = purpose_name(purpose)
    moment = _moment(session, at)
    source_text = " ".join((source or "").split()) or None
    db = session.db
    with session.write(f"gdpr consent {status}"):
        if get_contact(db, contact_id)["name"] == ERASED:
            raise erased_refusal(contact_id)
        values = {"contact_id": contact_id, "purpose": name, "status": status, "source": source_text,
                  "at": moment, "recorded_by": session.actor}  # fmt: skip
        consent_id = store.add_consent(db, values)
        session.record("consent", consent_id, "create", None, values)
        return {"id": consent_id, **values}


def consents(db: Database, contact_id: int) -> dict[str, Any]:
    """Every consent record of a contact, oldest first, and what holds now for each purpose."""
    from crmcli.services.contacts import get_contact

    get_contact(db, contact_id)
    records = store.consents_of(db, contact_id)
    current: dict[str, Row] = {}
    for row in records:
        current[row["purpose"]] = row
    return {"contact_id": contact_id, "records": records,
            "current": [current[p] for p in sorted(current)]}  # fmt: skip


def consent_condition(purpose: str) -> tuple[str, list[Any]]:
    """SQL for "the contact has given consent for `purpose`" (for lists and exports)."""
    return store.consent_condition(purpose_name(purpose))


def _moment(session: Session, at: str | None) -> str:
    if at is None or not at.strip():
        return session.now_iso
    from crmcli.dates import parse_when

    moment = parse_when(at, now=session.now, tz=session.tz, ahead=False, week_start=session.config.week_start)
    if moment > session.now:
        raise Invalid(f"A consent cannot be recorded in the future ({at!r} is after now).")
    return to_iso(moment)


# --- where a person's data is ---------------------------------------------------------------


def identifiers(db: Database, contact_id: int) -> list[str]:
    """The strings that identify the person: name, e-mail addresses and phone numbers, now
    and as the history remembers them, with accent-free and national-format variants."""
    row = store.contact_row(db, contact_id) or {}
    names = {row.get("name")}
    emails = {row.get("email")}
    phones = {row.get("phone")}
    for point in store.rows_of(db, "contact_points", "contact_id", contact_id):
        (emails if point["kind"] == "email" else phones).add(point["value"])
    # Not what an undone merge of someone else into them brought: that is the other person.
    others = store.undone_merges_into(db, contact_id)
    for past in store.history_about(db, [("contact", contact_id)]):
        if past["change_id"] in others:
            continue
        for text in (past["before"], past["after"]):
            values = json.loads(text) if text else {}
            if not isinstance(values, dict):
                continue
            names.add(values.get("name") if isinstance(values.get("name"), str) else None)
            for key, bucket in (("emails", emails), ("phones", phones)):
                found = values.get(key)
                if isinstance(found, list):
                    bucket.update(v for v in found if isinstance(v, str))
            for key, bucket in (("email", emails), ("phone", phones)):
                if isinstance(values.get(key), str):
                    bucket.add(values[key])
    terms: set[str] = set()
    for name in names - {None, ERASED}:
        assert name is not None
        terms |= {name, unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)}
        bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
        terms.add(bare)
        # "Mette Ostergaard" in a note is her too (matching ignores case, so lower case will do).
        terms.add(validate.strip_accents(validate.fold(name)))
    terms |= {e for e in emails if e}
    for phone in phones - {None}:
        assert phone is not None
        terms |= _phone_forms(phone)
    return sorted((t for t in terms if len(t.strip()) >= 2), key=lambda t: (-len(t), t))


def _phone_forms(phone: str) -> set[str]:
    forms = {phone}
    try:
        import phonenumbers

        parsed = phonenumbers.parse(phone, None)
        for style in (phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.NATIONAL):
            forms.add(phonenumbers.format_number(parsed, style))
        forms.add(str(parsed.national_number))
    except Exception:  # noqa: BLE001 - a number that no longer parses is still matched as stored
        pass
    return {f for f in forms if sum(ch.isdigit() for ch in f) >= 6}


_E164 = re.compile(r"\+\d{6,15}")
_PHONE_GAP = r"[\s./()-]{0,3}"


def _phone_pattern(e164: str) -> list[str]:
    """The number with any separators between its digits, with or without its country code
    (+CC, 00CC or CC) or trunk prefix 0; not part of a longer number."""
    try:
        import phonenumbers

        parsed = phonenumbers.parse(e164, None)
    except Exception:  # noqa: BLE001 - a number that no longer parses is still matched as stored
        return []
    national = phonenumbers.national_significant_number(parsed)
    if len(national) < 6:
        return []
    gap = _PHONE_GAP
    digits = gap.join(national)
    prefix = rf"(?:(?:\+|00)?{gap}{parsed.country_code}{gap}(?:\(0\){gap})?|0{gap})?"
    return [rf"(?<![\w+]){prefix}{digits}(?!\d)"]


def identifier_pattern(terms: list[str]) -> re.Pattern[str] | None:
    """One case-insensitive expression for all terms; word-like ends must be whole words."""
    if not terms:
        return None
    parts = []
    for term in terms:
        if _E164.fullmatch(term):
            # However it was typed in a note: "+47 912 34 567", "0047-91234567", "(0)20 7946 0958".
            parts += _phone_pattern(term)
        piece = re.escape(term)
        if term[0].isascii() and term[0].isalnum():
            piece = r"(?<![\w@.+])" + piece
        if term[-1].isascii() and term[-1].isalnum():
            piece = piece + r"(?![\w@])"
        parts.append(piece)
    return re.compile("|".join(parts), re.IGNORECASE)


@dataclass
class Footprint:
    """Where crm holds a person's data. `export` shows it and `forget` erases it, both from
    this one finding: whatever an erasure erases or rewrites was in the export first."""

    tables: set[str]
    # Their records: the contact, and their activities, deals, cases, feedback, consents and
    # stage changes, deleted ones included (a deletion's history keeps the record for undo).
    records: list[tuple[str, int]]
    # The history of those records, and of the merges of them into another contact: it
    # loses its personal values.
    history: list[Row]
    # Every other history row with a value or note that names them: the name is replaced.
    naming: list[Row]
    # Their identifiers, registered on the connection as crm_mentions() and crm_redact().
    pattern: re.Pattern[str] | None


def find_person(db: Database, contact_id: int) -> Footprint:
    """Every record and history row that holds the person's data (see Footprint)."""
    tables = store.existing_tables(db)
    kinds = {table: kind for table, kind in store.OWN_KINDS.items() if table in tables}
    records: list[tuple[str, int]] = [("contact", contact_id)]
    for table, kind in kinds.items():
        records += [(kind, record_id) for record_id in store.ids_of(db, table, contact_id)]
    records += store.deleted_records_of(db, contact_id, kinds)
    history = store.history_about(db, records)
    # A merge into someone else that was undone left the person's values in the other
    # contact's history (the merge's restore data, the update and its undoing).
    seen = {row["id"] for row in history}
    merged = store.history_of_changes(db, store.merges_of(db, contact_id))
    history = sorted(history + [r for r in merged if r["id"] not in seen], key=lambda r: r["id"])
    pattern = identifier_pattern(identifiers(db, contact_id))
    naming: list[Row] = []
    if pattern is not None:
        store.register_matcher(db, pattern)
        seen = {row["id"] for row in history}
        naming = [
            r for r in store.history_mentioning(db) if r["id"] not in seen and _naming_parts(r, pattern)
        ]
    return Footprint(tables, records, history, naming, pattern)


def _swept_columns(db: Database) -> Iterator[tuple[str, list[str]]]:
    """(table, text columns) where an erasure replaces the person's identifiers, and where
    an export looks for what others say about them: every table but the history (which
    find_person reads row by row), less crm's own words and the columns that say who
    another record is."""
    for table in store.sweepable_tables(db):
        if table in ("history", "_sqlite_migrations"):
            continue
        identity = IDENTITY_COLUMNS.get(table, ())
        columns = [c for c in store.text_columns(db, table) if c not in VOCABULARY and c not in identity]
        if columns:
            yield table, columns


def _naming_parts(row: Row, pattern: re.Pattern[str]) -> dict[str, Any]:
    """The values and note of a history row that name the person, as an erasure rewrites
    them (strings under crm's own words are left alone); empty when none does."""
    parts: dict[str, Any] = {}
    for key in ("before", "after"):
        found = _naming(json.loads(row[key]), pattern) if row[key] else None
        if found is not None:
            parts[key] = found
    if row["note"] and pattern.search(row["note"]):
        parts["note"] = row["note"]
    return parts


def _naming(value: Any, pattern: re.Pattern[str], key: str | None = None) -> Any:
    if isinstance(value, str):
        return value if key not in VOCABULARY and pattern.search(value) else None
    if isinstance(value, list):
        items = [found for item in value if (found := _naming(item, pattern)) is not None]
        return items or None
    if isinstance(value, dict):
        kept = {k: found for k, v in value.items() if (found := _naming(v, pattern, k)) is not None}
        return kept or None
    return None


# --- export -------------------------------------------------------------------------------


def export_person(db: Database, contact_id: int, *, now: str) -> dict[str, Any]:
    """Everything held about one person, as plain data: their record and every record that
    belongs to or mentions them, and the history of all of those (see find_person)."""
    from crmcli.services.contacts import get_contact

    contact = get_contact(db, contact_id)
    person = find_person(db, contact_id)
    data: dict[str, Any] = {
        "format": "crm personal data export",
        "exported_at": now,
        "contact": dict((store.contact_row(db, contact_id) or {}).items()),
    }
    data["contact"]["company"] = contact.get("company")
    data["tags"], data["custom_fields"] = store.labels_of(db, "contact", contact_id)
    for table, column in store.OWN_RECORDS.items():
        if table not in person.tables:
            continue
        rows = store.rows_of(db, table, column, contact_id)
        data[table] = rows
        if table in ("activities", "deals", "cases"):
            for row in rows:  # tags and custom fields that rules or imports put on them
                row["tags"], row["custom_fields"] = store.labels_of(db, store.OWN_KINDS[table], row["id"])
    data["case_events"] = store.case_events_of(db, [r["id"] for r in data.get("cases", [])])
    data["mentions"] = _mentions(db, person, contact_id)
    # A merge of someone else into this person, undone since: its rows hold the other
    # person's values under this person's id. They say what happened, not whose values.
    others = store.undone_merges_into(db, contact_id)
    history = [dict(row) for row in person.history]
    for row in history:
        if row["change_id"] in others:
            row["before"] = row["after"] = None
            row["note"] = "merged with another contact, undone since"
            continue
        for key in ("before", "after"):
            row[key] = json.loads(row[key]) if row[key] else None
    data["history"] = history
    return data


def _mentions(db: Database, person: Footprint, contact_id: int) -> dict[str, list[Row]]:
    """Rows of other records whose text names the person (a colleague's note about them),
    where an erasure replaces it; rows the export already holds (their own records and
    labels, their cases' messages) are left out. History rows show only what names them."""
    if person.pattern is None:
        return {}
    exported = set(person.records)
    own_cases = {record_id for kind, record_id in person.records if kind == "case"}
    found: dict[str, list[Row]] = {}
    for table, columns in _swept_columns(db):
        rows = store.rows_mentioning(db, table, columns, contact_id)
        if table in ("tags", "custom_fields"):
            rows = [r for r in rows if (r["entity"], r["entity_id"]) not in exported]
        elif table == "case_events":
            rows = [r for r in rows if r["case_id"] not in own_cases]
        if rows:
            found[table] = rows
    if person.naming:
        pattern = person.pattern
        found["history"] = [
            {**row, "before": None, "after": None, "note": None, **_naming_parts(row, pattern)}
            for row in person.naming
        ]
    return found


# --- erasure ------------------------------------------------------------------------------


def forget(session: Session, contact_id: int, *, reason: str | None = None) -> dict[str, Any]:
    """Erase a person's personal data everywhere (see the module's description)."""
    from crmcli.services.contacts import erased_refusal, get_contact

    db = session.db
    with session.write("gdpr forget"):
        contact = get_contact(db, contact_id)
        if contact["name"] == ERASED:
            raise erased_refusal(contact_id)
        person = find_person(db, contact_id)
        counts = _erase_own(session, contact_id, person.tables)
        if person.pattern is not None:  # find_person registered it for crm_redact()
            counts["texts elsewhere"] = _sweep(db)
        counts["history rows"] = _scrub_history(db, person)
        store.optimize_search(db)
        erasure_change = session.change_id
        # Earlier changes about the person cannot be undone: their values are gone. That
        # holds for the deletion of a record of theirs too: undo would bring back "[erased]";
        # and for a change that moved a record away from them (or onto them): undo would
        # put it back onto the erased contact.
        touching = set(store.changes_touching(db, person.records))
        touching |= set(store.changes_pointing_at(db, contact_id))
        store.mark_undone(db, sorted(touching - {erasure_change}), erasure_change)
        reason_text = " ".join((reason or "").split()) or None
        if reason_text and person.pattern is not None:
            reason_text = person.pattern.sub(ERASED, reason_text)
        store.add_erasure(db, session.now_iso, session.actor, reason_text)
    # Outside the transaction: push the erased pages into the file and empty the log.
    wal_cleared = db.checkpoint(wait_ms=BUSY_TIMEOUT_MS)
    return {"contact_id": contact_id, "erased": counts, "wal_cleared": wal_cleared}


def _erase_own(session: Session, contact_id: int, tables: set[str]) -> dict[str, int]:
    db = session.db
    counts: dict[str, int] = {}
    counts["addresses and numbers"] = store.delete_where(db, "contact_points", "contact_id", contact_id)
    # Each consent record's deletion is recorded (without its values), as for any deleted record.
    for consent in store.rows_of(db, "consents", "contact_id", contact_id):
        session.record("consent", consent["id"], "delete", None, None, note=ERASED)
    counts["consent records"] = store.delete_where(db, "consents", "contact_id", contact_id)
    store.delete_labels(db, "contact", contact_id)
    from crmcli.services.session import new_uid

    cleared = dict.fromkeys(CLEARED_CONTACT_COLUMNS)
    db.update("contacts", contact_id, {**cleared, "name": ERASED, "sort_key": ERASED, "uid": new_uid(),
                                       "updated_at": session.now_iso})  # fmt: skip
    # The anonymised row and its erased notes stay searchable as "[erased]", as `db doctor` expects.
    _reindex_rows(db, "contacts", [contact_id])
    for table, columns in OWN_TEXT.items():
        if table in tables:
            counts[table.replace("_", " ")] = store.erase_texts(db, table, columns, contact_id)
    if "activities" in tables:
        _reindex_rows(
            db, "activities", [r["id"] for r in store.rows_of(db, "activities", "contact_id", contact_id)]
        )
    if "case_events" in tables:
        counts["case messages"] = store.erase_case_bodies(db, contact_id)
    return {k: v for k, v in counts.items() if v}


def _sweep(db: Database) -> int:
    """Replace the person's identifiers in every text column of every table but history."""
    changed = 0
    for table, columns in _swept_columns(db):
        for column in columns:
            ids = store.redact_column(db, table, column)
            changed += len(ids)
            for derived, source in FOLDED_COLUMNS.get(table, {}).items():
                if source == column and ids:
                    store.refold(db, table, derived, source, ids)
            if table in store.search.SEARCHABLE:
                _reindex_rows(db, table, ids)
    return changed


def _reindex_rows(db: Database, table: str, ids: list[int]) -> None:
    """Search text as each feature builds it, from the redacted columns."""
    from crmcli.services import activities, companies, contacts

    for row_id in ids:
        if table == "contacts":
            contacts._reindex(db, row_id)
        elif table == "companies":
            companies._reindex(db, row_id)
        else:
            activities._reindex(db, row_id, store.activity_texts(db, row_id))


def _scrub_history(db: Database, person: Footprint) -> int:
    """History of the person's records loses its personal values (and what a deletion kept
    for undo); the values of a rule's decision about them are erased; any other history row
    that names them has the name replaced. Returns how many rows changed."""
    pattern = person.pattern
    personal = {row["id"] for row in person.history}
    changed = 0
    for row in [*person.history, *person.naming]:
        keys = PERSONAL_KEYS_OF.get(row["entity"], PERSONAL_KEYS) if row["id"] in personal else None
        before = _scrub_json(row["before"], pattern, keys)
        after = _scrub_json(row["after"], pattern, keys)
        note = row["note"]
        if note and keys is not None and row["action"] == "rule":
            note = _erase_compared_values(note)
        if note and pattern is not None:
            note = pattern.sub(ERASED, note)
        if (before, after, note) != (row["before"], row["after"], row["note"]):
            store.set_history_texts(db, row["id"], before, after, note)
            changed += 1
    return changed


# A condition's line in a rule's decision (services.conditions.Trace.lines), such as
# `users > 50: yes (users is "250")` or `tags contains vip: no (tags: big, new)`: what is in
# brackets is the value the rule found on the record; the rest is the rule's own.
_COMPARED = re.compile(
    r"^(?P<test>\s*(?P<field>[\w.-]+) .*?: (?:yes|no) \((?P=field)(?: is |: ))(?P<value>.*)\)$"
)
_NOTHING_FOUND = ("not set", "none")


def _erase_compared_values(note: str) -> str:
    """A rule's decision without the values it compared: the rule, each condition, its
    verdict and what the rule did stay."""
    lines = []
    for line in note.split("\n"):
        match = _COMPARED.match(line)
        if match and match["value"] not in _NOTHING_FOUND:
            line = f"{match['test']}{ERASED})"
        lines.append(line)
    return "\n".join(lines)


def _scrub_json(
    text: str | None, pattern: re.Pattern[str] | None, personal: frozenset[str] | None
) -> str | None:
    """History values with the `personal` keys erased (None: a row that is not theirs) and
    the person's identifiers replaced in the rest."""
    if not text:
        return text
    value = json.loads(text)

    def clean(item: Any, key: str | None = None) -> Any:
        if personal is not None and key in personal and item not in (None, "", [], {}):
            return [] if isinstance(item, list) else ({} if isinstance(item, dict) else ERASED)
        if isinstance(item, str):
            return pattern.sub(ERASED, item) if pattern is not None and key not in VOCABULARY else item
        if isinstance(item, list):
            return [clean(v) for v in item]
        if isinstance(item, dict):
            return {
                k: clean(v, k) for k, v in item.items() if not (personal is not None and k == RESTORE_KEY)
            }
        return item

    return json.dumps(clean(value), ensure_ascii=False, sort_keys=True)


def backups_holding_old_data(db: Database) -> int:
    """How many backup files beside the database may still hold erased data."""
    if db.path is None:
        return 0
    from crmcli.storage.backup import kept_copies

    return len(kept_copies(db.path))
