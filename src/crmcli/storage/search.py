"""Full-text search over folded text with FTS5's trigram tokenizer.

Trigrams find any substring of three characters or more through the index, in any
script (CJK included). Shorter queries ("王", "Li") cannot use trigrams and fall back to
a scan of the folded text, which is still one pass over a compact table.
"""

from __future__ import annotations

import re

from crmcli.storage.db import Database

SEARCHABLE = ("contacts", "companies", "activities")


def index(db: Database, table: str, row_id: int, folded_text: str) -> None:
    assert table in SEARCHABLE
    db.execute(f"DELETE FROM {table}_fts WHERE rowid = ?", [row_id])
    db.execute(f"INSERT INTO {table}_fts (rowid, text) VALUES (?, ?)", [row_id, folded_text])


def unindex(db: Database, table: str, row_id: int) -> None:
    assert table in SEARCHABLE
    db.execute(f"DELETE FROM {table}_fts WHERE rowid = ?", [row_id])


# Compiled on first use (re caches it), not at import: `crm agenda` imports this module
# and never searches.
_PHONE_LIKE = r"\+?[0-9][0-9 ().\-/]*[0-9]"


def matching_ids(table: str, folded_query: str) -> tuple[str, list[str]]:
    """A sub-select of the ids of `table` whose folded text contains the query (or, for a
    phone number written with spaces or dashes, its digits: numbers are stored in E.164,
    and "+47 22 33 44 55" as typed must find "+4722334455")."""
    assert table in SEARCHABLE
    if len(folded_query) >= 3:
        forms = [folded_query]
        if re.fullmatch(_PHONE_LIKE, folded_query):
            digits = ("+" if folded_query.startswith("+") else "") + re.sub(r"[^0-9]", "", folded_query)
            if digits != folded_query and len(digits) >= 3:
                forms.append(digits)
        # FTS5 reads the query as a C string: a NUL would end it inside the quotes.
        phrases = " OR ".join('"' + form.replace('"', '""').replace("\x00", " ") + '"' for form in forms)
        return f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?", [phrases]
    return f"SELECT rowid FROM {table}_fts WHERE instr(text, ?) > 0", [folded_query]


def text_of(db: Database, table: str, row_id: int) -> str | None:
    assert table in SEARCHABLE
    return db.scalar(f"SELECT text FROM {table}_fts WHERE rowid = ?", [row_id])


def names_matching(db: Database, table: str, folded_query: str, *, limit: int) -> list[tuple[int, str]]:
    """(id, name) of the records whose search text holds the query, in name order."""
    sub, params = matching_ids(table, folded_query)
    sql = f"SELECT id, name FROM {table} WHERE id IN ({sub}) ORDER BY sort_key LIMIT ?"
    return [(row[0], row[1]) for row in db.execute(sql, [*params, limit])]
