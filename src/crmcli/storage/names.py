"""Contacts and companies found by the start of their folded name: a range of the index on
sort_key, so a reference costs one seek however many records the file holds."""

from __future__ import annotations

from crmcli.storage.db import Database

NAMED = ("contacts", "companies")  # the tables with a folded sort_key


def ids_by_name_prefix(db: Database, table: str, folded_prefix: str, limit: int) -> list[tuple[int, str]]:
    """(id, name) of the first records of `table` whose folded name starts with the prefix."""
    lower, upper = _prefix_range(folded_prefix)
    sql = (
        f"SELECT id, name FROM {_named(table)} WHERE sort_key >= ? AND sort_key < ? ORDER BY sort_key LIMIT ?"
    )
    return [(row[0], row[1]) for row in db.execute(sql, [lower, upper, limit])]


def count_by_name_prefix(db: Database, table: str, folded_prefix: str) -> int:
    """How many records of `table` have a folded name that starts with the prefix, counted on
    the index alone."""
    lower, upper = _prefix_range(folded_prefix)
    sql = f"SELECT count(*) FROM {_named(table)} WHERE sort_key >= ? AND sort_key < ?"
    return int(db.execute(sql, [lower, upper]).fetchone()[0])


def _named(table: str) -> str:
    if table not in NAMED:
        raise ValueError(f"{table} has no folded names")
    return table


def _prefix_range(folded_prefix: str) -> tuple[str, str]:
    """The sort keys [lower, upper) that start with the prefix: the range an index can seek."""
    return folded_prefix, folded_prefix[:-1] + chr(ord(folded_prefix[-1]) + 1)
