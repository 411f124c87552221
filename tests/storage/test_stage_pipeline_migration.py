"""Migration m008: each deal stage change names the pipeline the deal was in after it, on a
file of schema 7, from the history of the deals whose pipeline changed."""

from __future__ import annotations

import json
from pathlib import Path

from crmcli.storage.db import open_db
from helpers import schema_before

# Deal 1 never left sales. Deal 2 was created in sales, moved to renewals on 1 November
# (history), won on 2 November. Deal 3 came from an import (no history) and is in renewals.
DEALS = {1: "sales", 2: "renewals", 3: "renewals"}
CHANGES = [  # id, deal, from, to, at, pipeline wanted
    (1, 1, None, "qualification", "2026-10-01T10:00:00Z", "sales"),
    (2, 1, "qualification", "proposal", "2026-10-05T10:00:00Z", "sales"),
    (3, 2, None, "qualification", "2026-10-01T10:00:00Z", "sales"),
    (4, 2, "qualification", "proposal", "2026-10-10T10:00:00Z", "sales"),
    (5, 2, "proposal", "due", "2026-11-01T10:00:00Z", "renewals"),
    (6, 2, "due", "won", "2026-11-02T10:00:00Z", "renewals"),
    (7, 3, None, "due", "2026-10-01T10:00:00Z", "renewals"),
]
HISTORY = [  # deal, at, action, before, after
    (2, "2026-10-01T10:00:00Z", "create", None, {"pipeline": "sales", "stage": "qualification"}),
    (2, "2026-10-10T10:00:00Z", "update", {"stage": "qualification"}, {"stage": "proposal"}),
    (2, "2026-11-01T10:00:00Z", "update", {"pipeline": "sales", "stage": "proposal"},
     {"pipeline": "renewals", "stage": "due"}),
    (2, "2026-11-02T10:00:00Z", "update", {"stage": "due", "status": "open"},
     {"stage": "won", "status": "won"}),
]  # fmt: skip


def test_a_seventh_schema_database_gets_the_pipeline_of_each_stage_change(tmp_path: Path) -> None:
    path = tmp_path / "v7.db"
    conn = schema_before(path, "m008_pipeline_of_each_stage_change")
    conn.execute("INSERT INTO changes (id, at, actor) VALUES (1, '2026-10-01T10:00:00Z', 'ada')")
    for deal_id, pipeline in DEALS.items():
        conn.execute(
            "INSERT INTO deals (id, uid, title, pipeline, stage, status, amount_minor, currency, "
            "stage_entered_at, created_at, updated_at) VALUES (?, ?, 'D', ?, 'due', 'open', 0, 'EUR', "
            "'2026-10-01T10:00:00Z', '2026-10-01T10:00:00Z', '2026-10-01T10:00:00Z')",
            [deal_id, f"u{deal_id}", pipeline],
        )
    conn.executemany(
        "INSERT INTO deal_stage_changes (id, deal_id, from_stage, to_stage, at, actor) "
        "VALUES (?, ?, ?, ?, ?, 'ada')",
        [change[:5] for change in CHANGES],
    )
    conn.executemany(
        "INSERT INTO history (change_id, at, actor, entity, entity_id, action, before, after) "
        "VALUES (1, ?, 'ada', 'deal', ?, ?, ?, ?)",
        [(at, deal, action, before and json.dumps(before), after and json.dumps(after))
         for deal, at, action, before, after in HISTORY],
    )  # fmt: skip
    conn.commit()
    conn.close()

    db = open_db(path)
    found = db.execute("SELECT id, pipeline FROM deal_stage_changes ORDER BY id").fetchall()
    assert found == [(change[0], change[5]) for change in CHANGES]
