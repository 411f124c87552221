"""Schema changes, one function each, applied in order and never edited once shipped.

To change the schema: append a new function decorated with `@migrations()`, bump
`schema.SCHEMA_VERSION`, and add a test that migrates a database of the previous schema.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from sqlite_utils import Database as SqliteUtilsDatabase
from sqlite_utils.migrations import Migrations

from crmcli.errors import StorageError
from crmcli.storage.db import Database
from crmcli.storage.schema import SCHEMA_VERSION

migrations = Migrations("crm")


@migrations()
def m001_initial(db: SqliteUtilsDatabase) -> None:
    """Every table of the first release."""
    stamps = {"created_at": str, "updated_at": str}

    db.table("companies").create(
        {
            "id": int,
            "uid": str,
            "name": str,
            "domain": str,
            "industry": str,
            "employees": int,
            "annual_revenue": int,  # whole units of revenue_currency
            "revenue_currency": str,
            "country": str,
            "owner": str,
            "sort_key": str,
            **stamps,
        },
        pk="id",
        not_null={"uid", "name", "sort_key", "created_at", "updated_at"},
    )
    db.table("contacts").create(
        {
            "id": int,
            "uid": str,
            "name": str,
            "email": str,  # the primary address, mirrored from contact_points
            "phone": str,  # the primary number (E.164), mirrored from contact_points
            "company_id": int,
            "title": str,
            "lifecycle_stage": str,
            "source": str,
            "referred_by": int,
            "owner": str,
            "country": str,
            "timezone": str,
            "language": str,
            "birthday": str,  # YYYY-MM-DD or --MM-DD
            "customer_since": str,
            "churned_at": str,
            "churn_reason": str,
            "sort_key": str,
            **stamps,
        },
        pk="id",
        not_null={"uid", "name", "lifecycle_stage", "sort_key", "created_at", "updated_at"},
        defaults={"lifecycle_stage": "other"},
        foreign_keys=[
            ("company_id", "companies", "id"),
            ("referred_by", "contacts", "id"),
        ],
    )
    db.table("contact_points").create(
        {
            "id": int,
            "contact_id": int,
            "kind": str,  # email | phone
            "value": str,
            "label": str,
            "position": int,  # 0 is the primary one
        },
        pk="id",
        not_null={"contact_id", "kind", "value", "position"},
        foreign_keys=[("contact_id", "contacts", "id")],
    )
    db.table("tags").create(
        {"entity": str, "entity_id": int, "tag": str},
        pk=("entity", "entity_id", "tag"),
        not_null={"entity", "entity_id", "tag"},
    )
    db.table("custom_fields").create(
        {"entity": str, "entity_id": int, "key": str, "value": str},
        pk=("entity", "entity_id", "key"),
        not_null={"entity", "entity_id", "key"},
    )
    db.table("changes").create(
        {"id": int, "at": str, "actor": str, "command": str, "undone_by": int},
        pk="id",
        not_null={"at", "actor"},
    )
    db.table("history").create(
        {
            "id": int,
            "change_id": int,
            "at": str,
            "actor": str,
            "entity": str,
            "entity_id": int,
            "action": str,  # create | update | delete | merge | rule | …
            "before": str,  # JSON of the changed fields before, or null
            "after": str,  # JSON of the changed fields after, or null
            "note": str,
        },
        pk="id",
        not_null={"at", "actor", "entity", "entity_id", "action"},
        foreign_keys=[("change_id", "changes", "id")],
    )
    db.table("deals").create(
        {
            "id": int,
            "uid": str,
            "title": str,
            "contact_id": int,
            "company_id": int,
            "pipeline": str,
            "stage": str,
            "status": str,  # open | won | lost
            "amount_minor": int,  # integer minor units of currency
            "currency": str,
            "close_date": str,
            "owner": str,
            "kind": str,  # new | upsell | cross-sell
            "lost_reason": str,
            "won_at": str,
            "lost_at": str,
            "stage_entered_at": str,
            **stamps,
        },
        pk="id",
        not_null={
            "uid",
            "title",
            "pipeline",
            "stage",
            "status",
            "amount_minor",
            "currency",
            "stage_entered_at",
            "created_at",
            "updated_at",
        },
        defaults={"status": "open", "amount_minor": 0, "kind": "new"},
        foreign_keys=[("contact_id", "contacts", "id"), ("company_id", "companies", "id")],
    )
    db.table("deal_stage_changes").create(
        {"id": int, "deal_id": int, "from_stage": str, "to_stage": str, "at": str, "actor": str},
        pk="id",
        not_null={"deal_id", "to_stage", "at"},
        foreign_keys=[("deal_id", "deals", "id")],
    )
    db.table("lifecycle_changes").create(
        {
            "id": int,
            "contact_id": int,
            "from_stage": str,
            "to_stage": str,
            "at": str,
            "actor": str,
            "reason": str,
        },
        pk="id",
        not_null={"contact_id", "to_stage", "at"},
        foreign_keys=[("contact_id", "contacts", "id")],
    )
    db.table("cases").create(
        {
            "id": int,
            "uid": str,
            "contact_id": int,
            "company_id": int,
            "subject": str,
            "priority": str,
            "channel": str,
            "status": str,  # new | open | pending | resolved | closed
            "queue": str,
            "owner": str,
            "escalation_level": int,
            "opened_at": str,
            "first_response_at": str,
            "resolved_at": str,
            "closed_at": str,
            **stamps,
        },
        pk="id",
        not_null={"uid", "subject", "priority", "status", "opened_at", "created_at", "updated_at"},
        defaults={"status": "new", "priority": "normal", "escalation_level": 0},
        foreign_keys=[("contact_id", "contacts", "id"), ("company_id", "companies", "id")],
    )
    db.table("case_events").create(
        {
            "id": int,
            "case_id": int,
            "at": str,
            "actor": str,
            "kind": str,  # status | reply | note | assign | escalate | priority
            "from_value": str,
            "to_value": str,
            "body": str,
        },
        pk="id",
        not_null={"case_id", "at", "kind"},
        foreign_keys=[("case_id", "cases", "id")],
    )
    db.table("sla_breaches").create(
        {"id": int, "case_id": int, "target": str, "due_at": str, "breached_at": str},
        pk="id",
        not_null={"case_id", "target", "due_at"},
        foreign_keys=[("case_id", "cases", "id")],
    )
    db.table("activities").create(
        {
            "id": int,
            "uid": str,
            "kind": str,
            "contact_id": int,
            "company_id": int,
            "deal_id": int,
            "case_id": int,
            "note": str,
            "at": str,
            "duration_min": int,
            "direction": str,  # in | out
            "outcome": str,
            "due_at": str,  # follow-ups only
            "done_at": str,
            "owner": str,
            **stamps,
        },
        pk="id",
        not_null={"uid", "kind", "at", "created_at", "updated_at"},
        foreign_keys=[
            ("contact_id", "contacts", "id"),
            ("company_id", "companies", "id"),
            ("deal_id", "deals", "id"),
            ("case_id", "cases", "id"),
        ],
    )
    db.table("feedback").create(
        {
            "id": int,
            "uid": str,
            "contact_id": int,
            "case_id": int,
            "kind": str,  # nps | csat
            "score": int,
            "comment": str,
            "at": str,
            "created_by": str,
        },
        pk="id",
        not_null={"uid", "kind", "score", "at"},
        foreign_keys=[("contact_id", "contacts", "id"), ("case_id", "cases", "id")],
    )
    db.table("consents").create(
        {
            "id": int,
            "contact_id": int,
            "purpose": str,
            "status": str,  # given | withdrawn
            "source": str,
            "at": str,
            "recorded_by": str,
        },
        pk="id",
        not_null={"contact_id", "purpose", "status", "at"},
        foreign_keys=[("contact_id", "contacts", "id")],
    )
    db.table("rule_state").create({"key": str, "value": str}, pk="key")
    db.table("erasures").create({"id": int, "at": str, "actor": str, "reason": str}, pk="id")

    for table in ("companies", "contacts", "activities", "deals", "cases", "feedback"):
        db.table(table).create_index(["uid"], unique=True)
    db.table("contacts").create_index(["sort_key"])
    db.table("contacts").create_index(["email"])
    db.table("contacts").create_index(["company_id"])
    db.table("contacts").create_index(["owner"])
    db.table("contacts").create_index(["lifecycle_stage"])
    db.table("companies").create_index(["sort_key"])
    db.table("companies").create_index(["domain"])
    db.table("contact_points").create_index(["kind", "value"])
    db.table("contact_points").create_index(["contact_id"])
    db.table("tags").create_index(["tag", "entity"])
    db.table("custom_fields").create_index(["key", "value"])
    db.table("history").create_index(["entity", "entity_id"])
    db.table("history").create_index(["change_id"])
    db.table("changes").create_index(["actor"])
    db.table("activities").create_index(["contact_id", "at"])
    db.table("activities").create_index(["company_id", "at"])
    db.table("activities").create_index(["deal_id"])
    db.table("activities").create_index(["case_id"])
    db.table("activities").create_index(["due_at"])
    db.table("activities").create_index(["owner", "at"])
    db.table("activities").create_index(["at"])
    db.table("deals").create_index(["status", "pipeline", "stage"])
    db.table("deals").create_index(["contact_id"])
    db.table("deals").create_index(["company_id"])
    db.table("deal_stage_changes").create_index(["deal_id"])
    db.table("deal_stage_changes").create_index(["at"])
    db.table("lifecycle_changes").create_index(["contact_id"])
    db.table("lifecycle_changes").create_index(["at"])
    db.table("cases").create_index(["status"])
    db.table("cases").create_index(["contact_id"])
    db.table("cases").create_index(["opened_at"])
    db.table("case_events").create_index(["case_id"])
    db.table("sla_breaches").create_index(["case_id", "target"], unique=True)
    db.table("feedback").create_index(["at"])
    db.table("feedback").create_index(["contact_id"])
    db.table("consents").create_index(["contact_id", "purpose"])

    # Search: one trigram index per searchable table, rowid = the record's id. The text is
    # folded (NFKC + casefold) in Python, so matching is case-insensitive in every script.
    for table in ("contacts", "companies", "activities"):
        db.execute(f"CREATE VIRTUAL TABLE {table}_fts USING fts5(text, tokenize='trigram')")


def apply_migrations(db: Database) -> None:
    """Bring the schema up to date, in one write transaction, even with other crm running."""
    utils_db = SqliteUtilsDatabase(db.conn, execute_plugins=False)
    try:
        with db.transaction():
            # Re-read inside the lock: another process may have migrated meanwhile.
            if db.schema_version >= SCHEMA_VERSION:
                return
            migrations.apply(utils_db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except Exception as exc:
        from crmcli.errors import CrmError

        if isinstance(exc, CrmError):
            raise
        raise StorageError(f"Cannot migrate the database {db.path}: {exc}.") from exc


def registered_names() -> list[str]:
    return [migration.name for migration in migrations._migrations]


@migrations()
def m002_touches_and_agenda_indexes(db: SqliteUtilsDatabase) -> None:
    """What `crm agenda` needs to answer at once on a large file.

    contacts.last_touch_at is when the contact was last touched (the latest activity that
    is not an open follow-up), kept by triggers so that every writer (log, import, merge,
    erase) keeps it true; "nobody has touched them for 30 days" is then one index range.
    Open follow-ups, birthdays and customer anniversaries get indexes of their own.
    """
    touched = "(due_at IS NULL OR done_at IS NOT NULL)"
    latest = f"(SELECT max(at) FROM activities WHERE contact_id = contacts.id AND {touched})"
    db.execute("ALTER TABLE contacts ADD COLUMN last_touch_at TEXT")
    db.execute(f"UPDATE contacts SET last_touch_at = {latest}")
    # owner last: "customers nobody touched for 30 days" is a range, "…of Ada's" reads no row.
    db.execute("CREATE INDEX idx_contacts_stage_touch ON contacts (lifecycle_stage, last_touch_at, owner)")
    for name, columns in (("open_due", "due_at"), ("open_owner_due", "owner, due_at")):
        db.execute(
            f"CREATE INDEX idx_activities_{name} ON activities ({columns}) "
            "WHERE due_at IS NOT NULL AND done_at IS NULL"
        )
    # Month and day ("03-14") of YYYY-MM-DD and --MM-DD birthdays, and of customer_since.
    db.execute(
        "CREATE INDEX idx_contacts_birthday_day ON contacts (substr(birthday, -5)) WHERE birthday IS NOT NULL"
    )
    db.execute(
        "CREATE INDEX idx_contacts_customer_day ON contacts (substr(customer_since, 6, 5)) "
        "WHERE customer_since IS NOT NULL"
    )
    db.execute(
        """CREATE TRIGGER activities_touch_insert AFTER INSERT ON activities
        WHEN NEW.contact_id IS NOT NULL AND (NEW.due_at IS NULL OR NEW.done_at IS NOT NULL)
        BEGIN
            UPDATE contacts SET last_touch_at = NEW.at
            WHERE id = NEW.contact_id AND (last_touch_at IS NULL OR last_touch_at < NEW.at);
        END"""
    )
    db.execute(
        f"""CREATE TRIGGER activities_touch_update
        AFTER UPDATE OF contact_id, at, due_at, done_at ON activities
        BEGIN
            UPDATE contacts SET last_touch_at = {latest}
            WHERE id IN (OLD.contact_id, NEW.contact_id);
        END"""
    )
    db.execute(
        f"""CREATE TRIGGER activities_touch_delete AFTER DELETE ON activities
        WHEN OLD.contact_id IS NOT NULL
        BEGIN
            UPDATE contacts SET last_touch_at = {latest} WHERE id = OLD.contact_id;
        END"""
    )


@migrations()
def m003_kpi_indexes(db: SqliteUtilsDatabase) -> None:
    """What `crm kpi` and `crm report` need: each KPI is a range scan on the date that
    decides its period (storage/kpis.py), so a week of a large file reads a week of rows.

    The partial indexes skip the rows whose date is empty; SQLite uses them for any
    comparison on the column. The cases' resolution is indexed as the very expression the
    queries use, coalesce(resolved_at, closed_at): a case closed without being resolved
    counts as resolved when it was closed.
    """
    statements = (
        "CREATE INDEX idx_lifecycle_changes_stage_at ON lifecycle_changes (to_stage, at, contact_id)",
        "CREATE INDEX idx_deals_won_at ON deals (won_at) WHERE won_at IS NOT NULL",
        "CREATE INDEX idx_deals_lost_at ON deals (lost_at) WHERE lost_at IS NOT NULL",
        "CREATE INDEX idx_deals_created_at ON deals (created_at)",
        # customer_since first: "customers at the start" is one index-only range scan.
        "CREATE INDEX idx_contacts_customer_since ON contacts (customer_since, churned_at, owner) "
        "WHERE customer_since IS NOT NULL",
        "CREATE INDEX idx_contacts_churned_at ON contacts (churned_at) WHERE churned_at IS NOT NULL",
        "CREATE INDEX idx_cases_first_response ON cases (first_response_at) "
        "WHERE first_response_at IS NOT NULL",
        "CREATE INDEX idx_cases_resolution ON cases (coalesce(resolved_at, closed_at))",
        "CREATE INDEX idx_sla_breaches_due ON sla_breaches (due_at)",
        # Activities that happened (not open follow-ups), per owner and kind, without reading
        # the table: a month of a two-million-row file is 80,000 index entries.
        "CREATE INDEX idx_activities_done_at ON activities (at, owner, kind, due_at, done_at) "
        "WHERE due_at IS NULL OR done_at IS NOT NULL",
    )
    for statement in statements:
        db.execute(statement)


@migrations()
def m004_pipeline_indexes(db: SqliteUtilsDatabase) -> None:
    """What `crm pipeline` and `crm forecast` need to answer at once over 100,000 deals.

    The board's totals (count and sum per stage and currency, optionally of one owner) and
    the forecast's (per stage, currency and close date) are read from one covering index,
    in its order, without touching the table; each stage's first cards are the first
    entries of an index ordered by close date. Both start with (status, pipeline, stage),
    which makes m001's index on those three columns redundant.
    """
    db.execute(
        "CREATE INDEX idx_deals_open_totals "
        "ON deals (status, pipeline, stage, currency, close_date, amount_minor, owner)"
    )
    db.execute("CREATE INDEX idx_deals_stage_close ON deals (status, pipeline, stage, close_date)")
    db.execute("DROP INDEX IF EXISTS idx_deals_status_pipeline_stage")


@migrations()
def m005_tag_touches_and_milestone_indexes(db: SqliteUtilsDatabase) -> None:
    """What a keep-in-touch rule on a tag (`[agenda] keep_in_touch = { vip = 14 }`) needs.

    A contact's tag row carries a copy of the contact's touch moment (its last touch, or its
    creation when nobody has touched it) and of its owner, kept true by triggers as
    contacts.last_touch_at is. "Contacts tagged vip that nobody touched for 14 days" is
    then one range of one index, however many carry the tag; before, each of them was read
    from the contacts table (15 ms for 11,000 of 100,000 contacts).

    A writer that knows both values (the contacts import) gives them on insert; any other
    tag row of a contact gets them from the contact by the insert trigger. Every writer
    puts a contact in before its tags (add, import, undo, merge), so contacts have no
    insert trigger of their own: it cost the import 15 µs a row.

    The month-day indexes of m002 become covering ones: the agenda sorts a week of
    birthdays and anniversaries (hundreds on a team's file) by day and name without reading
    a contact row, then reads the twenty it shows. Both are partial, so contacts without a
    birthday or a customer_since cost nothing to keep.
    """
    db.execute("DROP INDEX IF EXISTS idx_contacts_birthday_day")
    db.execute("DROP INDEX IF EXISTS idx_contacts_customer_day")
    db.execute(
        "CREATE INDEX idx_contacts_birthday_md ON contacts (substr(birthday, -5), owner, birthday, name) "
        "WHERE birthday IS NOT NULL"
    )
    db.execute(
        "CREATE INDEX idx_contacts_customer_md "
        "ON contacts (substr(customer_since, 6, 5), lifecycle_stage, owner, customer_since, name) "
        "WHERE customer_since IS NOT NULL"
    )
    touch = "coalesce(last_touch_at, created_at)"
    new_touch = "coalesce(NEW.last_touch_at, NEW.created_at)"
    db.execute("ALTER TABLE tags ADD COLUMN contact_touch_at TEXT")
    db.execute("ALTER TABLE tags ADD COLUMN contact_owner TEXT")
    db.execute(
        f"UPDATE tags SET (contact_touch_at, contact_owner) = "
        f"(SELECT {touch}, owner FROM contacts WHERE contacts.id = tags.entity_id) WHERE entity = 'contact'"
    )
    db.execute(
        "CREATE INDEX idx_tags_contact_touch "
        "ON tags (entity, tag, contact_touch_at, contact_owner, entity_id) WHERE entity = 'contact'"
    )
    db.execute(
        f"""CREATE TRIGGER tags_contact_touch_insert AFTER INSERT ON tags
        WHEN NEW.entity = 'contact' AND NEW.contact_touch_at IS NULL
        BEGIN
            UPDATE tags SET (contact_touch_at, contact_owner) =
                (SELECT {touch}, owner FROM contacts WHERE id = NEW.entity_id)
            WHERE rowid = NEW.rowid;
        END"""
    )
    db.execute(
        f"""CREATE TRIGGER contacts_tag_touch_update
        AFTER UPDATE OF last_touch_at, created_at, owner ON contacts
        WHEN NEW.last_touch_at IS NOT OLD.last_touch_at OR NEW.created_at IS NOT OLD.created_at
            OR NEW.owner IS NOT OLD.owner
        BEGIN
            UPDATE tags SET (contact_touch_at, contact_owner) = ({new_touch}, NEW.owner)
            WHERE entity = 'contact' AND entity_id = NEW.id;
        END"""
    )


@migrations()
def m006_never_touched_contacts_by_index(db: SqliteUtilsDatabase) -> None:
    """Keep-in-touch by stage for contacts nobody has ever touched, from the index alone.

    "Customers nobody touched for 30 days" counts the ones touched before the cutoff and
    the ones never touched that were created before it. m002's index on (lifecycle_stage,
    last_touch_at, owner) served the first half; the second read a contact row for every
    never-touched contact at the stage to check its created_at. A file just imported from
    a spreadsheet is all never-touched contacts: on 100,000 contacts with 33,000
    never-touched customers and opportunities, the agenda took 0.31-0.38 s instead of
    0.12 s. With created_at after last_touch_at both halves are ranges of one covering
    index, and the oldest never-touched come in created_at order without a full sort.

    The index on lifecycle_stage alone (m001) is a prefix of this one and goes: one index
    fewer for every write of a contact and for an import to rebuild.
    """
    db.execute("DROP INDEX IF EXISTS idx_contacts_stage_touch")
    db.execute("DROP INDEX IF EXISTS idx_contacts_lifecycle_stage")
    # owner last, as in m002: "…of Ada's" is checked in the index, not in the row.
    db.execute(
        "CREATE INDEX idx_contacts_stage_touch "
        "ON contacts (lifecycle_stage, last_touch_at, created_at, owner)"
    )


@migrations()
def m007_plain_latin_letters_in_search(db: SqliteUtilsDatabase) -> None:
    """Search text with Ø, Æ, Œ, Ł, Đ, Ð, Þ, Ħ, Ŧ and ı spelt plainly too.

    Search keeps each record's folded text and, when it differs, that text without
    accents, so "malmo" finds Malmö. These letters carry no accent that Unicode splits off,
    so "oster" did not find Østergaard; validate.strip_accents now spells them as a keyboard
    without them does (ø as o, æ as ae). The rows written before hold the old form: each
    one with such a letter gets its text as search now writes it, from its folded half.
    """
    from crmcli.validate import strip_accents

    def before(text: str) -> str:  # validate.strip_accents as schema 6 wrote it
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

    for table in ("contacts", "companies", "activities"):
        changed = []
        found = db.execute(f"SELECT rowid, text FROM {table}_fts WHERE text GLOB ?", [_PLAIN_GLOB])
        for row_id, text in found:
            folded = _folded_half(text, before)
            bare = strip_accents(folded)
            new = folded if bare == folded else f"{folded} {bare}"
            if new != text:
                changed.append((new, row_id))
        db.conn.executemany(f"UPDATE {table}_fts SET text = ? WHERE rowid = ?", changed)


# Any of the lower-case letters validate.PLAIN_LATIN spells plainly (search text is folded).
_PLAIN_GLOB = "*[øæœłđðþħŧı]*"


def _folded_half(text: str, strip: Callable[[str], str]) -> str:
    """The folded text of a search text written as "folded" or as "folded bare", where
    bare = strip(folded) differs from it (same word count: stripping never adds a space)."""
    words = text.split(" ")
    half = len(words) // 2
    if len(words) % 2 == 0 and half:
        first, second = " ".join(words[:half]), " ".join(words[half:])
        if first != second and strip(first) == second:
            return first
    return text


@migrations()
def m008_pipeline_of_each_stage_change(db: SqliteUtilsDatabase) -> None:
    """Each stage change names the pipeline the deal was in after it.

    The open pipeline at the end of a past period is read from the stage changes; with
    the stage alone, a deal moved to another pipeline since counted under its pipeline of
    today, paired with a stage of the one it left (weighing nothing there). Existing rows
    get the deal's pipeline; for the deals whose pipeline ever changed, the pipeline that
    the history shows after each change (the latest one recorded at or before it, else
    the one the next pipeline change left).
    """
    db.execute("ALTER TABLE deal_stage_changes ADD COLUMN pipeline TEXT")
    db.execute("UPDATE deal_stage_changes SET pipeline = (SELECT pipeline FROM deals WHERE id = deal_id)")
    of_deal = "h.entity = 'deal' AND h.entity_id = deal_stage_changes.deal_id"
    db.execute(
        f"""UPDATE deal_stage_changes SET pipeline = coalesce(
            (SELECT json_extract(h.after, '$.pipeline') FROM history h
             WHERE {of_deal} AND h.at <= deal_stage_changes.at
               AND json_extract(h.after, '$.pipeline') IS NOT NULL
             ORDER BY h.at DESC, h.id DESC LIMIT 1),
            (SELECT json_extract(h.before, '$.pipeline') FROM history h
             WHERE {of_deal} AND h.at > deal_stage_changes.at
               AND json_extract(h.before, '$.pipeline') IS NOT NULL
             ORDER BY h.at, h.id LIMIT 1),
            pipeline)
        WHERE deal_id IN (SELECT entity_id FROM history
                          WHERE entity = 'deal' AND json_extract(before, '$.pipeline') IS NOT NULL)"""
    )


@migrations()
def m009_one_owners_contacts_by_index(db: SqliteUtilsDatabase) -> None:
    """`crm agenda --owner ada`: keep-in-touch counts of one owner from a small range.

    m006's index puts the owner last, so counting Ada's customers nobody touched for 30
    days stepped through every untouched customer of the team and checked each owner: on
    100,000 contacts, 4 ms of a 100 ms agenda. The index on owner alone (m001) becomes
    (owner, lifecycle_stage, last_touch_at, created_at): every lookup by owner still has
    its prefix, and one owner's untouched contacts at a stage are one range of it. No
    index is added: the import rebuilds as many as before.

    The same for a tag: the index on (tag, entity) becomes (tag, entity, contact_owner,
    contact_touch_at, entity_id), so one owner's untouched vip contacts are one range
    too, and every lookup by tag keeps its prefix.

    The open follow-ups' partial indexes (m002) get done_at, NULL in every entry: SQLite
    counts an index as covering only when it holds every column the query names, and the
    condition that picks the partial index names done_at. Without it, counting the
    agenda's overdue, today and coming follow-ups read each one's row (2,300 of them, 1 ms).
    The id comes before it, so the entries stay in the (due_at, id) order the agenda pages
    in: after done_at, the planner took the index on due_at instead, through every
    follow-up ever done.
    """
    db.execute("DROP INDEX IF EXISTS idx_contacts_owner")
    db.execute(
        "CREATE INDEX idx_contacts_owner_stage_touch "
        "ON contacts (owner, lifecycle_stage, last_touch_at, created_at)"
    )
    db.execute("DROP INDEX IF EXISTS idx_tags_tag_entity")
    db.execute(
        "CREATE INDEX idx_tags_tag_entity_owner "
        "ON tags (tag, entity, contact_owner, contact_touch_at, entity_id)"
    )
    for name, columns in (("open_due", "due_at"), ("open_owner_due", "owner, due_at")):
        db.execute(f"DROP INDEX IF EXISTS idx_activities_{name}")
        db.execute(
            f"CREATE INDEX idx_activities_{name} ON activities ({columns}, id, done_at) "
            "WHERE due_at IS NOT NULL AND done_at IS NULL"
        )
    # A file someone ran ANALYZE on holds figures for every index but these new ones, and
    # the planner then prefers an index it has figures for: the agenda's overdue
    # follow-ups came through the index on due_at, checking 100,000 rows (100 ms).
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        for name in ("idx_contacts_owner_stage_touch", "idx_tags_tag_entity_owner", "idx_activities_open_due",
                     "idx_activities_open_owner_due"):  # fmt: skip
            db.execute(f"ANALYZE {name}")
