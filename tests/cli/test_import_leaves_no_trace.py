"""An import that fails, or is a dry run, leaves the database file as it was, search
indexes' settings included; one that succeeds leaves those settings as it found them; and a
dry run where no database is says so whether or not it rejects rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from helpers import every_row, write_csv

GOOD = ["Ola Hansen", "ola@example.com"]
BAD = ["Bad Row", "bad@"]


def whole_file(db: Path) -> tuple[list[str], dict[str, list[tuple]]]:
    """The file's SQL dump and every row of every table, search indexes' own tables too."""
    conn = sqlite3.connect(db)
    try:
        dump = list(conn.iterdump())
    finally:
        conn.close()
    return dump, every_row(db)


def search_settings(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return [
            (table, *row)
            for table in ("contacts", "companies")
            for row in conn.execute(f"SELECT k, v FROM {table}_fts_config ORDER BY k")
        ]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("rows", "flags"),
    [
        pytest.param([GOOD, BAD], (), id="a row rejected"),
        pytest.param([GOOD, BAD], ("--dry-run",), id="dry run, a row rejected"),
        pytest.param([GOOD], ("--dry-run",), id="dry run"),
        pytest.param([BAD], ("--partial",), id="partial, every row rejected"),
        pytest.param([["Kari Nordmann", "kari@example.com"]], (), id="every row a duplicate"),
    ],
)
def test_an_import_that_writes_nothing_leaves_the_file_as_it_was(
    crm, tmp_path: Path, rows: list[list[str]], flags: tuple[str, ...]
) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.com", "--company", "Acme AS")
    before = whole_file(crm.db)
    source = write_csv(tmp_path / "in.csv", [["name", "email"], *rows])

    result = crm("import", "contacts", str(source), *flags)

    assert result.exit_code == (1 if BAD in rows else 0), result.stderr
    assert whole_file(crm.db) == before


def test_a_rejected_import_in_a_process_of_its_own_leaves_the_file_as_it_was(
    crm, crm_process, tmp_path: Path
) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.com")
    before = whole_file(crm.db)
    source = write_csv(tmp_path / "in.csv", [["name", "email"], GOOD, BAD])

    result = crm_process("import", "contacts", str(source))

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("crm: 1 of 2 rows was rejected, so nothing was imported")
    assert whole_file(crm.db) == before


def test_a_successful_import_leaves_the_search_settings_as_it_found_them(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.com")
    untouched = search_settings(crm.db)
    assert ("contacts", "hashsize") not in {row[:2] for row in untouched}
    people = write_csv(tmp_path / "in.csv", [["name", "email", "company"], [*GOOD, "Fjord AS"]])

    crm.ok("import", "contacts", str(people))

    assert search_settings(crm.db) == untouched
    conn = sqlite3.connect(crm.db)
    try:
        for table in ("contacts", "companies"):
            conn.execute(f"INSERT INTO {table}_fts ({table}_fts) VALUES ('integrity-check')")
        conn.execute("INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('hashsize', 2000000)")
        conn.commit()
    finally:
        conn.close()
    chosen = search_settings(crm.db)

    crm.ok("import", "contacts", str(write_csv(tmp_path / "more.csv", [["name"], ["Per Olsen"]])))

    assert search_settings(crm.db) == chosen  # a setting someone chose stays
    assert ("contacts", "hashsize", 2000000) in chosen
    found = crm.ok("contact", "list", "--json").json()
    assert {contact["name"] for contact in found} == {"Kari Nordmann", "Ola Hansen", "Per Olsen"}


@pytest.mark.parametrize(
    ("kind", "header", "good", "bad"),
    [
        ("contacts", ["name", "email"], ["Ola", "ola@x.no"], ["Bob", "bob(at)x.no"]),
        ("companies", ["name", "domain"], ["Acme", "acme.com"], ["Bad", "not a domain"]),
        ("deals", ["title", "amount"], ["Suite", "100"], ["Bad", "lots"]),
        ("activities", ["kind", "note", "contact"], None, ["call", "Hi", ""]),
    ],
)
def test_a_dry_run_where_there_is_no_database_says_so_even_when_it_rejects_rows(
    crm, tmp_path: Path, kind: str, header: list[str], good: list[str] | None, bad: list[str]
) -> None:  # noqa: ANN001
    notice = (
        f"There is no database at {crm.db} yet, so the dry run read an empty CRM; none was made "
        "(check --db or CRM_DB if you expected one)."
    )
    source = write_csv(tmp_path / "in.csv", [header, *([good] if good else []), bad])

    result = crm.fails("import", kind, str(source), "--dry-run")

    lines = result.stderr.splitlines()
    assert lines[-1] == "crm: 1 row would be rejected."
    assert lines[-2] == notice
    assert lines.count(notice) == 1
    assert not crm.db.exists()

    if good:  # and, as before, when every row is good
        fine = crm.ok("import", kind, str(write_csv(tmp_path / "ok.csv", [header, good])), "--dry-run")
        assert fine.stderr.splitlines()[-1] == notice
        assert not crm.db.exists()
