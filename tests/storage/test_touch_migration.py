"""Migration m002: a database of the first schema gets last touches and keeps them true."""

from __future__ import annotations

from pathlib import Path

from crmcli.storage.db import open_db
from helpers import schema_before

STAMP = "2026-01-01T00:00:00Z"


def test_a_first_schema_database_is_backfilled(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = schema_before(path, "m002_touches_and_agenda_indexes")
    for contact_id in (1, 2):
        conn.execute(
            "INSERT INTO contacts (id, uid, name, sort_key, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [contact_id, f"u{contact_id}", f"P{contact_id}", f"p{contact_id}", STAMP, STAMP],
        )
    activities = [
        # id, contact, at, due, done: a call, a follow-up done later, an open one (not a touch)
        (1, 1, "2026-02-01T10:00:00Z", None, None),
        (2, 1, "2026-03-05T09:00:00Z", "2026-03-04T12:00:00Z", "2026-03-05T09:00:00Z"),
        (3, 1, "2026-04-01T10:00:00Z", "2026-04-10T10:00:00Z", None),
        (4, 2, "2026-04-01T10:00:00Z", "2026-04-10T10:00:00Z", None),
    ]
    conn.executemany(
        "INSERT INTO activities (id, uid, kind, contact_id, at, due_at, done_at, created_at, updated_at) "
        "VALUES (?, ?, 'call', ?, ?, ?, ?, ?, ?)",
        [(i, f"a{i}", c, at, due, done, STAMP, STAMP) for i, c, at, due, done in activities],
    )
    conn.commit()
    conn.close()

    db = open_db(path)
    touches = dict(db.execute("SELECT id, last_touch_at FROM contacts ORDER BY id").fetchall())
    assert touches == {1: "2026-03-05T09:00:00Z", 2: None}
    # From now on the triggers keep it: the open follow-up of contact 2 is done.
    db.execute("UPDATE activities SET done_at = ?, at = ? WHERE id = 4", ["2026-04-11T08:00:00Z"] * 2)
    assert db.scalar("SELECT last_touch_at FROM contacts WHERE id = 2") == "2026-04-11T08:00:00Z"
    db.close()
