"""Sums of money in SQL that cannot overflow.

SQLite's sum() of integers stops the query with "integer overflow" past 2**63 - 1, and
total() is a float, which no sum of money may be. So an amount is summed in two parts,
its billions and the rest: neither part's sum comes near 2**63 before a billion rows, and
Python, whose integers have no limit, puts the two back together. It costs two integer
operations a row and keeps the aggregation in SQL, along the same indexes.
"""

from __future__ import annotations

from crmcli.storage.db import Row

_SPLIT = 1_000_000_000


def exact_sum(column: str, alias: str) -> str:
    """The select terms that sum `column` in two parts; `joined` makes them `alias` again."""
    return f"sum({column} / {_SPLIT}) AS {alias}__high, sum({column} % {_SPLIT}) AS {alias}__low"


def joined(rows: list[Row], alias: str) -> list[Row]:
    """Each row's two parts of `alias` as one exact integer (None where the sum was NULL)."""
    for row in rows:
        high, low = row.pop(f"{alias}__high"), row.pop(f"{alias}__low")
        row[alias] = None if high is None else high * _SPLIT + low
    return rows
