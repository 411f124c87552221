"""crm import deals reads a tags column as tags, checked as on entry: a deal's tags survive
`crm export deals` and `crm import deals` into an empty database."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import rows, write_csv

TAGGING = """\
[[rules]]
name = "tag deals"
on = "deal.created"
add_tags = ["hot", "q4"]
"""


def test_an_exported_deals_tags_come_back_as_tags(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(TAGGING)
    crm.ok("add", "Kari", "-e", "kari@x.no")
    crm.ok("deal", "add", "D1", "--contact", "kari", "-a", "100")
    crm.ok("export", "contacts", "-o", str(tmp_path / "c.csv"))
    crm.ok("export", "deals", "-o", str(tmp_path / "d.csv"))
    copy = type(crm)(tmp_path / "copy.db", tmp_path / "empty.toml")
    copy.write_config("")

    copy.ok("import", "contacts", str(tmp_path / "c.csv"))
    mapped = copy.ok("import", "deals", str(tmp_path / "d.csv"), "--dry-run").stdout
    assert "field:tags" not in mapped
    copy.ok("import", "deals", str(tmp_path / "d.csv"))

    (deal,) = json.loads(copy.ok("export", "deals", "--format", "json").stdout)
    assert (deal["title"], deal["tags"], deal["fields"]) == ("D1", ["hot", "q4"], {})


def test_a_row_adds_its_tags_to_the_deal_it_updates_and_undo_takes_them_back(
    crm,
    clock,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    write_csv(tmp_path / "a.csv", [["uid", "title", "tags"], ["d-1", "D1", "hot"]])
    write_csv(tmp_path / "b.csv", [["uid", "title", "labels"], ["d-1", "D1", "q4; hot"]])
    clock("2026-11-30T08:00:00")
    crm.ok("import", "deals", str(tmp_path / "a.csv"))
    clock("2026-11-30T08:01:00")
    crm.ok("import", "deals", str(tmp_path / "b.csv"), "--on-duplicate", "update")

    assert rows(crm, "SELECT tag FROM tags WHERE entity = 'deal' ORDER BY tag") == [("hot",), ("q4",)]
    assert rows(crm, "SELECT count(*) FROM custom_fields") == [(0,)]
    crm.ok("undo")
    assert rows(crm, "SELECT tag FROM tags WHERE entity = 'deal'") == [("hot",)]


def test_a_tag_refused_on_entry_rejects_the_row(crm, tmp_path: Path) -> None:  # noqa: ANN001
    write_csv(tmp_path / "d.csv", [["title", "tags"], ["D1", "-trial"]])
    result = crm.fails("import", "deals", str(tmp_path / "d.csv"))
    assert "cannot start with -" in result.stdout + result.stderr
    assert rows(crm, "SELECT count(*) FROM deals") == [(0,)]
    assert result.stderr.strip().splitlines()[-1].startswith("crm: 1 of 1 rows was rejected")
