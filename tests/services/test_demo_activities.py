"""The demo's activities: the same every time, and an agenda with something in each section."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from crmcli.config import Config
from crmcli.services import demo
from crmcli.services.agenda import build_agenda
from crmcli.services.session import Session
from crmcli.storage.db import open_db

NOW = datetime(2026, 3, 24, 9, 0, tzinfo=UTC)  # a Tuesday morning


def seeded(path: Path) -> Session:
    config_path = path.with_suffix(".toml")
    config = demo.demo_config(Config(path=config_path), config_path)
    session = Session(db=open_db(path), config=config, actor="daniel", now=NOW)
    demo.seed(session)
    return session


def test_the_demo_is_deterministic_and_fills_the_agenda(tmp_path: Path) -> None:
    first, second = seeded(tmp_path / "one.db"), seeded(tmp_path / "two.db")
    columns = "kind, contact_id, note, at, duration_min, direction, outcome, due_at, done_at, owner"
    rows = [s.db.rows(f"SELECT {columns} FROM activities ORDER BY id") for s in (first, second)]
    assert rows[0] == rows[1] and len(rows[0]) > 50
    assert all(row["at"] <= "2026-03-24T09:00:00Z" for row in rows[0])  # nothing logged in the future
    view = build_agenda(first.db, first.config, now=NOW, tz=first.tz)
    assert view["overdue"] and view["due_today"] and view["upcoming"]
    assert view["keep_in_touch"]["contacts"]
    kinds = {row["kind"] for row in rows[0]}
    assert {"call", "email", "meeting", "note", "task"} <= kinds


def test_the_demos_people_became_customers_when_their_deals_were_won(tmp_path: Path) -> None:
    db = seeded(tmp_path / "demo.db").db
    people = {row["name"]: row for row in db.rows("SELECT * FROM contacts")}
    first_wins = dict(
        db.execute(
            "SELECT contact_id, min(won_at) FROM deals WHERE status = 'won' GROUP BY contact_id"
        ).fetchall()
    )
    winners = {row["name"]: row for row in people.values() if row["id"] in first_wins}
    assert len(winners) == 4
    for row in winners.values():  # not the moment the demo was made: the KPIs count them then
        assert row["customer_since"] == first_wins[row["id"]]
        assert row["created_at"] < row["customer_since"] < "2026-03-24T09:00:00Z"
    churned = people["Erik Dahl"]
    assert (churned["lifecycle_stage"], churned["churn_reason"]) == ("churned", "price")
    assert churned["customer_since"] < churned["churned_at"] < "2026-03-07T00:00:00Z"
    assert db.scalar("SELECT count(*) FROM lifecycle_changes WHERE to_stage = 'churned'") == 1
    leads = [row for row in people.values() if row["lifecycle_stage"] == "lead"]
    assert leads and all("2026-03-10" < row["created_at"] < "2026-03-24" for row in leads)
    added = db.scalar(
        "SELECT max(m) FROM (SELECT max(created_at) AS m FROM contacts "
        "UNION ALL SELECT max(created_at) FROM companies)"
    )
    assert added < "2026-03-24T09:00:00Z"


def test_the_demos_notes_fit_what_the_person_was_then(tmp_path: Path) -> None:
    """No quarterly review before someone became a customer, no discovery call after; one
    company is not tagged both sizes."""
    db = seeded(tmp_path / "demo.db").db
    prospect_notes = {touch[1] for touch in demo.DEMO_TOUCHES} - {t[1] for t in demo.DEMO_CUSTOMER_TOUCHES}
    customer_notes = {touch[1] for touch in demo.DEMO_CUSTOMER_TOUCHES} - {t[1] for t in demo.DEMO_TOUCHES}
    customer_notes |= {"Check in after onboarding"}
    touches = db.rows(
        "SELECT a.note, a.at, c.name, c.customer_since "
        "FROM activities a JOIN contacts c ON c.id = a.contact_id"
    )
    for touch in touches:
        became = touch["customer_since"] or "9999"
        if touch["note"] in customer_notes:
            assert touch["at"] > became, touch
        if touch["note"] in prospect_notes:
            assert touch["at"] < became, touch
    assert {t["note"] for t in touches} & customer_notes and {t["note"] for t in touches} & prospect_notes
    both = db.scalar(
        "SELECT count(*) FROM tags a JOIN tags b ON (a.entity, a.entity_id) = (b.entity, b.entity_id) "
        "WHERE a.tag = 'enterprise' AND b.tag = 'smb'"
    )
    assert both == 0
