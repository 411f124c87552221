"""Migration m006: keep-in-touch by stage counts contacts nobody ever touched from the index,
as it does the touched ones, on a file migrated from schema 5 and on a new one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crmcli.storage import agenda
from crmcli.storage.db import Database, open_db
from helpers import query_plans, schema_before

CUTOFF = "2026-05-01T00:00:00Z"
# id: (stage, owner, created_at, last_touch_at)
CONTACTS = {
    1: ("customer", "ada", "2026-01-05T00:00:00Z", None),  # never touched, old: counts
    2: ("customer", "bob", "2026-01-02T00:00:00Z", None),  # never touched, older: counts first
    3: ("customer", "ada", "2026-05-20T00:00:00Z", None),  # never touched, but new: not yet
    4: ("customer", "ada", "2025-12-01T00:00:00Z", "2026-03-01T00:00:00Z"),  # touched long ago
    5: ("customer", "bob", "2025-12-01T00:00:00Z", "2026-05-10T00:00:00Z"),  # touched lately
    6: ("lead", "ada", "2026-01-01T00:00:00Z", None),  # another stage
}


def add_contacts(conn: sqlite3.Connection | Database) -> None:
    for contact_id, (stage, owner, created, touched) in CONTACTS.items():
        conn.execute(
            "INSERT INTO contacts (id, uid, name, lifecycle_stage, owner, sort_key, created_at, "
            "updated_at, last_touch_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [contact_id, f"u{contact_id}", f"P{contact_id}", stage, owner, f"p{contact_id}", created,
             created, touched],
        )  # fmt: skip


def index_columns(db: Database, name: str) -> list[str]:
    return [row[2] for row in db.execute(f"PRAGMA index_info({name})")]


def plans(db: Database, owner: str | None) -> list[str]:
    """The index steps of the count, as agenda.untouched_by_stage runs it."""
    steps = query_plans(db, lambda: agenda.untouched_by_stage(db, "customer", CUTOFF, owner, 10), "scalar")
    return [step for step in steps if step.startswith("SEARCH")]


def test_a_fifth_schema_database_gets_the_wider_index(tmp_path: Path) -> None:
    path = tmp_path / "v5.db"
    conn = schema_before(path, "m006_never_touched_contacts_by_index")
    add_contacts(conn)
    conn.commit()
    conn.close()

    db = open_db(path)
    assert index_columns(db, "idx_contacts_stage_touch") == [
        "lifecycle_stage",
        "last_touch_at",
        "created_at",
        "owner",
    ]
    assert db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'idx_contacts_lifecycle_stage'") == 0
    total, rows = agenda.untouched_by_stage(db, "customer", CUTOFF, None, 10)
    # The never-touched oldest first, then the touched by their last touch.
    assert (total, [contact_id for contact_id, _ in rows]) == (3, [2, 1, 4])
    total, rows = agenda.untouched_by_stage(db, "customer", CUTOFF, "ada", 10)
    assert (total, [contact_id for contact_id, _ in rows]) == (2, [1, 4])
    total, rows = agenda.untouched_by_stage(db, "customer", CUTOFF, None, 1)
    assert (total, [contact_id for contact_id, _ in rows]) == (3, [2, 4])
    db.close()


def test_both_halves_of_the_count_read_only_the_index(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    add_contacts(db)
    assert plans(db, None) == [
        "SEARCH c USING COVERING INDEX idx_contacts_stage_touch (lifecycle_stage=? AND last_touch_at<?)",
        "SEARCH c USING COVERING INDEX idx_contacts_stage_touch "
        "(lifecycle_stage=? AND last_touch_at=? AND created_at<?)",
    ]
    # One owner's: a range of m009's index that starts with the owner.
    assert plans(db, "ada") == [
        "SEARCH c USING COVERING INDEX idx_contacts_owner_stage_touch "
        "(owner=? AND lifecycle_stage=? AND last_touch_at<?)",
        "SEARCH c USING COVERING INDEX idx_contacts_owner_stage_touch "
        "(owner=? AND lifecycle_stage=? AND last_touch_at=? AND created_at<?)",
    ]
    db.close()


def test_a_stage_filter_still_finds_an_index(tmp_path: Path) -> None:
    """The dropped index on lifecycle_stage alone was a prefix of this one."""
    db = open_db(tmp_path / "crm.db")
    add_contacts(db)
    plan = [
        row[3]
        for row in db.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM contacts WHERE lifecycle_stage = ?", ["lead"]
        )
    ]
    assert plan == ["SEARCH contacts USING COVERING INDEX idx_contacts_stage_touch (lifecycle_stage=?)"]
    assert db.scalar("SELECT count(*) FROM contacts WHERE lifecycle_stage = 'lead'") == 1
    db.close()
