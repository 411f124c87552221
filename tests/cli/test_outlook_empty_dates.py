"""The "no date" markers of common exports (Outlook's 0/0/00 in every contact's Birthday
and Anniversary, MySQL's 0000-00-00) are read as an empty cell by every import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import rows, write_csv


def test_an_outlook_export_without_dates_imports(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "outlook.csv"
    source.write_text(
        "First Name,Last Name,E-mail Address,Birthday,Anniversary\n"
        "Jane,Doe,jane@example.de,0/0/00,0/0/00\n"
        "Max,Muster,max@example.de,3/14/1980,0/0/00\n",
        encoding="utf-8",
    )
    crm.ok("import", "contacts", str(source))
    people = {p["name"]: p for p in json.loads(crm.ok("export", "contacts", "--format", "json").stdout)}
    assert people["Jane Doe"]["birthday"] is None
    assert people["Max Muster"]["birthday"] == "1980-03-14"
    assert people["Jane Doe"]["fields"] == people["Max Muster"]["fields"] == {}


@pytest.mark.parametrize("marker", ["0/0/00", "0/0/0000", "00.00.0000", "0000-00-00"])
def test_a_no_date_marker_is_an_empty_cell_in_every_import(crm, tmp_path: Path, marker: str) -> None:  # noqa: ANN001
    write_csv(
        tmp_path / "p.csv", [["name", "email", "birthday", "created_at"], ["Ann", "ann@x.no", marker, marker]]
    )
    write_csv(tmp_path / "c.csv", [["name", "created_at"], ["Acme", marker]])
    write_csv(tmp_path / "d.csv", [["title", "close_date", "created_at"], ["D1", marker, marker]])
    write_csv(
        tmp_path / "a.csv",
        [["kind", "contact", "note", "at", "due"], ["call", "ann@x.no", "hi", marker, marker]],
    )
    for kind, name in (("contacts", "p"), ("companies", "c"), ("deals", "d"), ("activities", "a")):
        crm.ok("import", kind, str(tmp_path / f"{name}.csv"))

    assert rows(crm, "SELECT birthday FROM contacts") == [(None,)]
    assert rows(crm, "SELECT close_date FROM deals") == [(None,)]
    assert rows(crm, "SELECT count(*) FROM activities") == [(1,)]
