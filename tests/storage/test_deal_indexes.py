"""The board and the forecast read indexes only (m004): no sort of every open deal."""

from __future__ import annotations

from pathlib import Path

from crmcli.storage import deals
from crmcli.storage.db import open_db
from helpers import query_plans as plans


def test_board_totals_and_cards_walk_indexes(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    totals = plans(db, lambda: deals.open_totals(db, "sales", "bob"))
    assert totals == ["SEARCH deals USING COVERING INDEX idx_deals_open_totals (status=? AND pipeline=?)"]
    cards = plans(db, lambda: deals.open_in_stage(db, "sales", "proposal", None, 10))
    assert all("TEMP B-TREE" not in step for step in cards)
    assert any("idx_deals_stage_close" in step for step in cards)


def test_forecast_totals_aggregate_along_the_covering_index(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    steps = plans(db, lambda: deals.forecast_totals(db, pipeline=None, owner=None))
    assert steps and all("COVERING INDEX idx_deals_open_totals" in step for step in steps)
    # The wins are those of the forecast's months: a range of the won_at index.
    won = plans(db, lambda: deals.forecast_won(db, since="2026-01-01T00:00:00Z", pipeline=None, owner=None))
    assert any("idx_deals_won_at (won_at>?)" in step for step in won)
    assert db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'idx_deals_status_pipeline_stage'") == 0
