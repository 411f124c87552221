"""List filters that ignore case (crm_fold) still reach custom fields through their index."""

from __future__ import annotations

from pathlib import Path

from crmcli.models import ListQuery
from crmcli.storage import companies, contacts
from crmcli.storage.db import open_db
from helpers import query_plans as plans


def test_a_field_filter_walks_the_key_of_the_custom_fields_index(tmp_path: Path) -> None:
    db = open_db(tmp_path / "crm.db")
    query = ListQuery(fields={"tier": "gold"}, industry="energy")
    for store in (contacts, companies):
        steps = plans(db, lambda store=store: store.query(db, query))
        assert "SEARCH custom_fields USING INDEX idx_custom_fields_key_value (key=?)" in steps
    assert db.scalar("SELECT crm_fold('ØLBRYGGING')") == "ølbrygging"
