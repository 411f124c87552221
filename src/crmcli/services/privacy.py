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
- every other text that names them (their name, e-mail addresses or phone numbers, in any
  letter case, with or without accents) is replaced by "[erased]" in every table,
  history before/after values included; the search indexes are rebuilt;
- one `erasures` row says that an erasure happened, when and by whom, not of whom;
- deleted content is overwritten (secure_delete), the search indexes are merged, and
  the write-ahead log is checkpointed and truncated, so that no trace stays in the file.
Backups made earlier still hold the person; the command says how many there are.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from crmcli import validate
from crmcli.clock import to_iso
from crmcli.errors import Conflict, Invalid
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
    from crmcli.services.contacts import get_contact

    if status not in STATUSES:
        raise Invalid(f"A consent is {' or '.join(STATUSES)}, not {status!r}.")
    name = purpose_name(purpose)
    moment = _moment(session, at)
    source_text = " ".join((source or "").split()) or None
    db = session.db
    with session.write(f"gdpr consent {status}"):
        if get_contact(db, contact_id)["name"] == ERASED:
            _refuse_erased(contact_id)
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

    moment = parse_when(at, now=session.now, tz=session.tz, ahead=False)
    if moment > session.now:
        raise Invalid(f"A consent cannot be recorded in the future ({at!r} is after now).")
    return to_iso(moment)


def _refuse_erased(contact_id: int) -> None:
    raise Conflict(f"Contact #{contact_id} was erased; nothing can be recorded about them.")


# --- export -------------------------------------------------------------------------------


def export_person(db: Database, contact_id: int, *, now: str) -> dict[str, Any]:
    """Everything held about one person, as plain data: their record and every record that
    belongs to or mentions them, and the history of all of those."""
    from crmcli.services.contacts import get_contact

    contact = get_contact(db, contact_id)
    tables = store.existing_tables(db)
    data: dict[str, Any] = {
        "format": "crm personal data export",
        "exported_at": now,
        "contact": dict((store.contact_row(db, contact_id) or {}).items()),
    }
    data["contact"]["company"] = contact.get("company")
    data["tags"], data["custom_fields"] = store.labels_of(db, "contact", contact_id)
    records: list[tuple[str, int]] = [("contact", contact_id)]
    kinds = {"activities": "activity", "deals": "deal", "cases": "case", "feedback": "feedback",
             "consents": "consent", "lifecycle_changes": "lifecycle_change"}  # fmt: skip
    for table, column in store.OWN_RECORDS.items():
        if table not in tables:
            continue
        rows = store.rows_of(db, table, column, contact_id)
        data[table] = rows
        if table in kinds:
            records += [(kinds[table], r["id"]) for r in rows]
        if table in ("activities", "deals", "cases"):
            for row in rows:  # tags and custom fields that rules or imports put on them
                row["tags"], row["custom_fields"] = store.labels_of(db, kinds[table], row["id"])
    data["case_events"] = store.case_events_of(db, [r["id"] for r in data.get("cases", [])])
    pattern = identifier_pattern(identifiers(db, contact_id))
    data["mentions"] = _mentions(db, pattern, contact_id, tables, records) if pattern else {}
    history = store.history_about(db, records)
    # A merge of someone else into this person, undone since: its rows hold the other
    # person's values under this person's id. They say what happened, not whose values.
    others = store.undone_merges_into(db, contact_id)
    for row in history:
        if row["change_id"] in others:
            row["before"] = row["after"] = None
            row["note"] = "merged with another contact, undone since"
            continue
        for key in ("before", "after"):
            row[key] = json.loads(row[key]) if row[key] else None
    data["history"] = history
    return data


def _mentions(
    db: Database, pattern: re.Pattern[str], contact_id: int, tables: set[str], records: list[tuple[str, int]]
) -> dict[str, list[Row]]:
    """Rows of other records whose text names the person (a colleague's note about them);
    rows the export already holds (their own labels, their cases' messages) are left out."""
    exported = set(records)
    own_cases = {record_id for kind, record_id in records if kind == "case"}
    store.register_matcher(db, pattern)
    found: dict[str, list[Row]] = {}
    for table in store.sweepable_tables(db):
        if table in ("history", "changes", "erasures", "contact_points", "_sqlite_migrations"):
            continue
        columns = [c for c in store.text_columns(db, table) if c not in VOCABULARY]
        if not columns:
            continue
        rows = store.rows_mentioning(db, table, columns, contact_id)
        if table in ("tags", "custom_fields"):
            rows = [r for r in rows if (r["entity"], r["entity_id"]) not in exported]
        elif table == "case_events":
            rows = [r for r in rows if r["case_id"] not in own_cases]
        if rows:
            found[table] = rows
    return found


# --- erasure ------------------------------------------------------------------------------


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
    for past in store.history_texts(db, [("contact", contact_id)]):
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


def forget(session: Session, contact_id: int, *, reason: str | None = None) -> dict[str, Any]:
    """Erase a person's personal data everywhere (see the module's description)."""
    from crmcli.services.contacts import get_contact

    db = session.db
    with session.write("gdpr forget"):
        contact = get_contact(db, contact_id)
        if contact["name"] == ERASED:
            _refuse_erased(contact_id)
        pattern = identifier_pattern(identifiers(db, contact_id))
        tables = store.existing_tables(db)
        own = _own_records(db, contact_id, tables)
        counts = _erase_own(session, contact_id, tables)
        if pattern is not None:
            store.register_matcher(db, pattern)
            counts["texts elsewhere"] = _sweep(db, contact_id)
        counts["history rows"] = _scrub_history(db, pattern, own)
        store.optimize_search(db)
        erasure_change = session.change_id
        # Earlier changes about the person cannot be undone: their values are gone.
        store.mark_undone(
            db, [c for c in store.changes_touching(db, own) if c != erasure_change], erasure_change
        )
        reason_text = " ".join((reason or "").split()) or None
        if reason_text and pattern is not None:
            reason_text = pattern.sub(ERASED, reason_text)
        store.add_erasure(db, session.now_iso, session.actor, reason_text)
    # Outside the transaction: push the erased pages into the file and empty the log.
    wal_cleared = db.checkpoint(wait_ms=BUSY_TIMEOUT_MS)
    return {"contact_id": contact_id, "erased": counts, "wal_cleared": wal_cleared}


def _own_records(db: Database, contact_id: int, tables: set[str]) -> list[tuple[str, int]]:
    records: list[tuple[str, int]] = [("contact", contact_id)]
    for table, kind in (("activities", "activity"), ("deals", "deal"), ("cases", "case"),
                        ("feedback", "feedback"), ("consents", "consent"),
                        ("lifecycle_changes", "lifecycle_change")):  # fmt: skip
        if table in tables:
            records += [(kind, r["id"]) for r in store.rows_of(db, table, "contact_id", contact_id)]
    return records


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


def _sweep(db: Database, contact_id: int) -> int:
    """Replace the person's identifiers in every text column of every table but history."""
    changed = 0
    for table in store.sweepable_tables(db):
        if table in ("history", "_sqlite_migrations"):
            continue
        for column in store.text_columns(db, table):
            if column in VOCABULARY:
                continue
            if column in IDENTITY_COLUMNS.get(table, ()):
                # A namesake keeps their name; the person's own row was anonymised already.
                continue
            ids = store.redact_column(db, table, column)
            changed += len(ids)
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


def _scrub_history(db: Database, pattern: re.Pattern[str] | None, own: list[tuple[str, int]]) -> int:
    """History of the person's records loses its personal values; any other history row
    that names them has the name replaced."""
    rows = {r["id"]: r for r in store.history_texts(db, own)}
    # A merge into someone else that was undone left the person's values in the other
    # contact's history (the merge's restore data, the update and its undoing): theirs too.
    contact_id = next(record_id for kind, record_id in own if kind == "contact")
    rows.update((r["id"], r) for r in store.history_of_changes(db, store.merges_of(db, contact_id)))
    own_ids = set(rows)
    if pattern is not None:
        for row in store.history_mentioning(db):
            rows.setdefault(row["id"], row)
    for history_id, row in rows.items():
        personal = history_id in own_ids
        before = _scrub_json(row["before"], pattern, personal)
        after = _scrub_json(row["after"], pattern, personal)
        note = row["note"]
        if note and pattern is not None:
            note = pattern.sub(ERASED, note)
        store.set_history_texts(db, history_id, before, after, note)
    return len(rows)


def _scrub_json(text: str | None, pattern: re.Pattern[str] | None, personal: bool) -> str | None:
    if not text:
        return text
    value = json.loads(text)

    def clean(item: Any, key: str | None = None) -> Any:
        if personal and key in PERSONAL_KEYS and item not in (None, "", [], {}):
            return [] if isinstance(item, list) else ({} if isinstance(item, dict) else ERASED)
        if isinstance(item, str):
            return pattern.sub(ERASED, item) if pattern is not None and key not in VOCABULARY else item
        if isinstance(item, list):
            return [clean(v) for v in item]
        if isinstance(item, dict):
            return {k: clean(v, k) for k, v in item.items() if not (personal and k == RESTORE_KEY)}
        return item

    return json.dumps(clean(value), ensure_ascii=False, sort_keys=True)


def backups_holding_old_data(db: Database) -> int:
    """How many backup files beside the database may still hold erased data."""
    if db.path is None:
        return 0
    from crmcli.storage.backup import kept_copies

    return len(kept_copies(db.path))
