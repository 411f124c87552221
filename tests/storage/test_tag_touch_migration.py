"""Migration m005: tag rows of contacts carry the contact's touch moment and owner, kept
true by triggers, and a keep-in-touch rule on a tag reads one index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crmcli.storage import agenda
from crmcli.storage.db import Database, open_db
from helpers import query_plans, schema_before

STAMP = "2026-01-01T00:00:00Z"


def add_contact(conn: sqlite3.Connection | Database, contact_id: int, owner: str | None) -> None:
    conn.execute(
        "INSERT INTO contacts (id, uid, name, owner, sort_key, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [contact_id, f"u{contact_id}", f"P{contact_id}", owner, f"p{contact_id}", STAMP, STAMP],
    )


def copies(db: Database) -> dict[tuple[int, str], tuple[str | None, str | None]]:
    rows = db.execute(
        "SELECT entity_id, tag, contact_touch_at, contact_owner FROM tags WHERE entity = 'contact'"
    ).fetchall()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def test_a_fourth_schema_database_is_backfilled(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    conn = schema_before(path, "m005_tag_touches_and_milestone_indexes")
    add_contact(conn, 1, "ada")
    add_contact(conn, 2, None)
    conn.execute("UPDATE contacts SET last_touch_at = '2026-03-01T10:00:00Z' WHERE id = 1")
    conn.executemany("INSERT INTO tags (entity, entity_id, tag) VALUES (?, ?, ?)",
                     [("contact", 1, "vip"), ("contact", 2, "vip"), ("company", 1, "vip")])  # fmt: skip
    conn.commit()
    conn.close()

    db = open_db(path)
    assert copies(db) == {(1, "vip"): ("2026-03-01T10:00:00Z", "ada"), (2, "vip"): (STAMP, None)}
    assert db.scalar("SELECT contact_touch_at FROM tags WHERE entity = 'company'") is None
    db.close()


def test_triggers_keep_the_copies_true(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    add_contact(db, 1, "ada")
    db.execute("INSERT INTO tags (entity, entity_id, tag) VALUES ('contact', 1, 'vip')")
    assert copies(db) == {(1, "vip"): (STAMP, "ada")}
    # A touch (through the activities trigger), then a new owner.
    db.execute(
        "INSERT INTO activities (id, uid, kind, contact_id, at, created_at, updated_at) "
        "VALUES (1, 'a1', 'call', 1, '2026-02-01T10:00:00Z', ?, ?)",
        [STAMP, STAMP],
    )
    db.execute("UPDATE contacts SET owner = 'bob' WHERE id = 1")
    assert copies(db) == {(1, "vip"): ("2026-02-01T10:00:00Z", "bob")}
    # The touch goes when its activity does.
    db.execute("DELETE FROM activities WHERE id = 1")
    assert copies(db) == {(1, "vip"): (STAMP, "bob")}
    db.close()


def test_a_tag_rule_counts_and_pages_from_the_index(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    for contact_id in range(1, 7):
        add_contact(db, contact_id, "ada" if contact_id % 2 else "bob")
        db.execute("UPDATE contacts SET last_touch_at = ? WHERE id = ?",
                   [f"2026-0{contact_id}-01T00:00:00Z", contact_id])  # fmt: skip
        db.execute("INSERT INTO tags (entity, entity_id, tag) VALUES ('contact', ?, 'vip')", [contact_id])
    total, rows = agenda.untouched_by_tag(db, "vip", "2026-05-15T00:00:00Z", None, 2)
    assert (total, [contact_id for contact_id, _ in rows]) == (5, [1, 2])
    total, rows = agenda.untouched_by_tag(db, "vip", "2026-05-15T00:00:00Z", "bob", -1)
    assert (total, [contact_id for contact_id, _ in rows]) == (2, [2, 4])
    plan = [r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM tags WHERE entity = 'contact' AND tag = ? "
        "AND contact_touch_at < ? AND contact_owner = ?", ["vip", "x", "bob"])]  # fmt: skip
    index_range = "(tag=? AND entity=? AND contact_owner=? AND contact_touch_at<?)"
    assert plan == [f"SEARCH tags USING COVERING INDEX idx_tags_tag_entity_owner {index_range}"]
    db.close()


def test_milestones_sort_a_week_without_reading_contacts(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    for owner in (None, "ada"):

        def birthdays(owner: str | None = owner) -> None:
            agenda.birthdays_in(db, [("06-01", "2026-06-01"), ("06-02", "2026-06-02")], owner, 20)

        def anniversaries(owner: str | None = owner) -> None:
            agenda.customers_since_on(db, ["06-01", "06-02"], owner)

        counted = [step.split(" (")[0] for step in query_plans(db, birthdays, "scalar")]
        assert counted[-1] == "SEARCH c USING COVERING INDEX idx_contacts_birthday_md"
        seen = [step.split(" (")[0] for step in query_plans(db, anniversaries, "execute")]
        assert seen == ["SEARCH c USING COVERING INDEX idx_contacts_customer_md"]
    db.close()


def test_every_writer_leaves_true_copies(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """add, log, edit, import, delete + undo, merge + undo: the copies match the contacts."""
    crm.write_config('[[team]]\nhandle = "ada"\n\n[[team]]\nhandle = "bob"\n')
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.com", "--tag", "vip", "--owner", "ada")
    crm.ok("add", "Kari N.", "--email", "kari@work.example.com", "--tag", "trial")
    crm.ok("log", "kari@example.com", "call", "Renewal", "--at", "2026-02-01 10:00")
    crm.ok("contact", "edit", "kari@example.com", "--owner", "bob", "--tag", "partner")
    source = tmp_path / "people.csv"
    source.write_text("name,email,tags,owner\nOla,ola@example.com,vip;trial,ada\n", encoding="utf-8")
    crm.ok("import", "contacts", str(source))
    crm.ok("contact", "delete", "ola@example.com", "--yes")
    crm.ok("undo")
    crm.ok("contact", "merge", "kari@example.com", "kari@work.example.com", "--yes")
    crm.ok("undo")
    db = open_db(crm.db)
    stale = db.execute(
        "SELECT t.entity_id, t.tag FROM tags t JOIN contacts c ON c.id = t.entity_id "
        "WHERE t.entity = 'contact' AND (t.contact_owner IS NOT c.owner "
        "OR t.contact_touch_at IS NOT coalesce(c.last_touch_at, c.created_at))"
    ).fetchall()
    assert db.scalar("SELECT count(*) FROM tags WHERE entity = 'contact'") == 5
    assert stale == []
    db.close()
