"""Migration m007: search text written by schema 6 gets the plain spelling of Ø, Æ, Ł and
the other letters without a separable accent, so "oster" finds Østergaard in an old file."""

from __future__ import annotations

from pathlib import Path

from crmcli.storage.db import open_db
from helpers import schema_before

# rowid: (text as schema 6 wrote it, text as search writes it now)
CONTACTS = {
    1: ("mette østergaard", "mette østergaard mette ostergaard"),
    2: ("jørgen müller jørgen muller", "jørgen müller jorgen muller"),  # had an accent-free half
    3: ("łódź łodz", "łódź lodz"),
    4: ("øl øl", "øl øl ol ol"),  # two equal halves: not a folded text and its bare form
    5: ("åsa lindström asa lindstrom", "åsa lindström asa lindstrom"),  # nothing to change
    6: ("ada lovelace", "ada lovelace"),
}
COMPANIES = {1: ("ærø bryggeri", "ærø bryggeri aero bryggeri")}
ACTIVITIES = {1: ("called þór about the offer", "called þór about the offer called thor about the offer")}


def test_a_sixth_schema_database_finds_plain_spellings(tmp_path: Path) -> None:
    path = tmp_path / "v6.db"
    conn = schema_before(path, "m007_plain_latin_letters_in_search")
    for table, texts in (("contacts", CONTACTS), ("companies", COMPANIES), ("activities", ACTIVITIES)):
        conn.executemany(f"INSERT INTO {table}_fts (rowid, text) VALUES (?, ?)",
                         [(row_id, old) for row_id, (old, _) in texts.items()])  # fmt: skip
    conn.commit()
    conn.close()

    db = open_db(path)
    for table, texts in (("contacts", CONTACTS), ("companies", COMPANIES), ("activities", ACTIVITIES)):
        found = dict(db.execute(f"SELECT rowid, text FROM {table}_fts").fetchall())
        assert found == {row_id: new for row_id, (_, new) in texts.items()}
    matched = db.execute("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH '\"oster\"'").fetchall()
    assert matched == [(1,)]
