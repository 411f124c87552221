"""Migration m009: one owner's keep-in-touch counts are one range of an index that starts
with the owner, on a file migrated from schema 8 and on a new one; no index is added."""

from __future__ import annotations

from pathlib import Path

from crmcli.storage import agenda
from crmcli.storage.db import Database, open_db
from helpers import query_plans, schema_before

CUTOFF = "2026-05-01T00:00:00Z"
# id: (stage, owner, created_at, last_touch_at, tagged vip)
CONTACTS = {
    1: ("customer", "ada", "2026-01-05T00:00:00Z", None, True),  # never touched: counts for ada
    2: ("customer", "bob", "2026-01-02T00:00:00Z", None, True),  # bob's
    3: ("customer", "ada", "2025-12-01T00:00:00Z", "2026-03-01T00:00:00Z", False),  # touched long ago
    4: ("customer", "ada", "2025-12-01T00:00:00Z", "2026-05-10T00:00:00Z", True),  # touched lately
    5: ("lead", "ada", "2026-01-01T00:00:00Z", None, False),  # another stage
}


def fill(conn: object) -> None:
    for contact_id, (stage, owner, created, touched, vip) in CONTACTS.items():
        conn.execute(  # type: ignore[attr-defined]
            "INSERT INTO contacts (id, uid, name, lifecycle_stage, owner, sort_key, created_at, "
            "updated_at, last_touch_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [contact_id, f"u{contact_id}", f"P{contact_id}", stage, owner, f"p{contact_id}", created,
             created, touched],
        )  # fmt: skip
        if vip:
            conn.execute(  # type: ignore[attr-defined]
                "INSERT INTO tags (entity, entity_id, tag) VALUES ('contact', ?, 'vip')", [contact_id]
            )


INDEXES = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"


def index_names(db: Database) -> set[str]:
    return {r[0] for r in db.execute(INDEXES)}


def index_columns(db: Database, name: str) -> list[str]:
    return [row[2] for row in db.execute(f"PRAGMA index_info({name})")]


def test_an_eighth_schema_database_gets_the_owner_first_indexes(tmp_path: Path) -> None:
    path = tmp_path / "v8.db"
    conn = schema_before(path, "m009_one_owners_contacts_by_index")
    fill(conn)
    conn.commit()
    before = {r[0] for r in conn.execute(INDEXES)}
    conn.close()

    db = open_db(path)
    after = index_names(db)
    assert before - after == {"idx_contacts_owner", "idx_tags_tag_entity"}
    assert after - before == {"idx_contacts_owner_stage_touch", "idx_tags_tag_entity_owner"}
    assert index_columns(db, "idx_contacts_owner_stage_touch") == [
        "owner", "lifecycle_stage", "last_touch_at", "created_at",
    ]  # fmt: skip
    assert index_columns(db, "idx_tags_tag_entity_owner") == [
        "tag", "entity", "contact_owner", "contact_touch_at", "entity_id",
    ]  # fmt: skip
    # The rows written before the migration are in the new indexes.
    assert agenda.untouched_by_stage(db, "customer", CUTOFF, "ada", 10) == (
        2, [(1, "2026-01-05T00:00:00Z"), (3, "2026-03-01T00:00:00Z")],
    )  # fmt: skip
    assert agenda.untouched_by_stage(db, "customer", CUTOFF, None, 10)[0] == 3
    assert agenda.untouched_by_tag(db, "vip", CUTOFF, "ada", 10) == (1, [(1, "2026-01-05T00:00:00Z")])
    assert agenda.untouched_by_tag(db, "vip", CUTOFF, None, 10)[0] == 2
    db.close()


def test_one_owners_counts_are_ranges_and_lookups_keep_their_prefix(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    fill(db)
    stage_plan = query_plans(
        db, lambda: agenda.untouched_by_stage(db, "customer", CUTOFF, "ada", 10), "scalar"
    )
    assert [step for step in stage_plan if step.startswith("SEARCH")] == [
        "SEARCH c USING COVERING INDEX idx_contacts_owner_stage_touch "
        "(owner=? AND lifecycle_stage=? AND last_touch_at<?)",
        "SEARCH c USING COVERING INDEX idx_contacts_owner_stage_touch "
        "(owner=? AND lifecycle_stage=? AND last_touch_at=? AND created_at<?)",
    ]
    tag_plan = query_plans(db, lambda: agenda.untouched_by_tag(db, "vip", CUTOFF, "ada", 10), "scalar")
    assert tag_plan == [
        "SEARCH tags USING COVERING INDEX idx_tags_tag_entity_owner "
        "(tag=? AND entity=? AND contact_owner=? AND contact_touch_at<?)"
    ]

    def plan(sql: str, *params: str) -> list[str]:
        return [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]

    # What the index on owner alone and the one on (tag, entity) served still has an index.
    assert plan("SELECT id FROM contacts WHERE owner = ?", "ada") == [
        "SEARCH contacts USING COVERING INDEX idx_contacts_owner_stage_touch (owner=?)"
    ]
    assert plan("SELECT entity_id FROM tags WHERE tag = ? AND entity = 'company'", "vip") == [
        "SEARCH tags USING COVERING INDEX idx_tags_tag_entity_owner (tag=? AND entity=?)"
    ]
    db.close()


def open_follow_up_plans(db: Database) -> dict[str, list[str]]:
    from crmcli.storage import activities

    page = lambda: activities.open_follow_ups(db, before="2026-06-09", since="2026-06-01", limit=20)  # noqa: E731
    mine = lambda: activities.open_follow_ups(db, before="2026-06-09", owner="ada", limit=20)  # noqa: E731
    counts = lambda: activities.open_follow_up_counts(db, now="a", tomorrow="b", until="c")  # noqa: E731
    return {
        "page": query_plans(db, page)[:1],
        "mine": query_plans(db, mine)[:1],
        "counts": query_plans(db, counts, "execute"),
    }


WANTED_FOLLOW_UP_PLANS = {
    # In (due_at, id) order, so a page is its first entries: no sort, and no follow-up done.
    "page": ["SEARCH a USING INDEX idx_activities_open_due (due_at>? AND due_at<?)"],
    "mine": ["SEARCH a USING INDEX idx_activities_open_owner_due (owner=? AND due_at>? AND due_at<?)"],
    # Counted from the index alone.
    "counts": ["SEARCH a USING COVERING INDEX idx_activities_open_due (due_at>? AND due_at<?)"],
}


def test_open_follow_ups_are_paged_and_counted_from_their_own_index(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    assert open_follow_up_plans(db) == WANTED_FOLLOW_UP_PLANS
    db.close()


def test_a_file_with_statistics_gets_them_for_the_new_indexes(tmp_path: Path) -> None:
    """Someone ran ANALYZE on their file: the planner has figures for the index on due_at
    and, unless the migration gives them, none for the new ones."""
    path = tmp_path / "v8.db"
    conn = schema_before(path, "m009_one_owners_contacts_by_index")
    fill(conn)
    conn.execute("INSERT INTO changes (id, at, actor) VALUES (1, '2026-05-01T00:00:00Z', 'ada')")
    for n in range(1, 401):  # mostly done follow-ups, as a file that is used for years
        done = None if n % 20 == 0 else "2026-05-02T00:00:00Z"
        conn.execute(
            "INSERT INTO activities (id, uid, kind, contact_id, at, due_at, done_at, owner, created_at, "
            "updated_at) VALUES (?, ?, 'task', 1, ?, ?, ?, 'ada', ?, ?)",
            [n, f"a{n}", "2026-05-01T00:00:00Z", f"2026-05-{1 + n % 28:02d}T09:00:00Z", done,
             "2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z"],
        )  # fmt: skip
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()

    db = open_db(path)
    analyzed = {r[0] for r in db.execute("SELECT idx FROM sqlite_stat1")}
    assert {"idx_contacts_owner_stage_touch", "idx_activities_open_due"} <= analyzed
    assert open_follow_up_plans(db) == WANTED_FOLLOW_UP_PLANS
    db.close()
