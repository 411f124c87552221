"""Queries behind `crm agenda`: birthdays, customer anniversaries, contacts not touched.

Each one is served by an index of migration m002, so the agenda stays quick on a file
with a hundred thousand contacts: month-day expression indexes for the milestones, and
(lifecycle_stage, last_touch_at, owner) for keep-in-touch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crmcli.storage.db import Database, Row, batches

_PERSON = (
    "c.id, c.name, c.lifecycle_stage, c.owner, c.timezone, c.birthday, c.customer_since, "
    "c.last_touch_at, c.created_at, co.name AS company"
)
_FROM = "FROM contacts c LEFT JOIN companies co ON co.id = c.company_id"


def _owner(owner: str | None, params: list[Any]) -> str:
    if owner is None:
        return ""
    params.append(owner)
    return " AND c.owner = ?"


def birthdays_on(db: Database, month_days: Sequence[str], owner: str | None = None) -> list[Row]:
    """Contacts whose birthday ("YYYY-MM-DD" or "--MM-DD") falls on one of the "MM-DD" given:
    id, name and birthday only (a team's week holds hundreds; `people` reads the few shown)."""
    params: list[Any] = list(month_days)
    marks = ",".join("?" * len(month_days))
    sql = (
        "SELECT c.id, c.name, c.birthday FROM contacts c "
        f"WHERE c.birthday IS NOT NULL AND substr(c.birthday, -5) IN ({marks})"
    )
    return db.rows(sql + _owner(owner, params), params)


def customers_since_on(db: Database, month_days: Sequence[str], owner: str | None = None) -> list[Row]:
    """Current customers who became customers on one of the "MM-DD" given (UTC dates): id,
    name and customer_since only."""
    params: list[Any] = list(month_days)
    marks = ",".join("?" * len(month_days))
    sql = (
        "SELECT c.id, c.name, c.customer_since FROM contacts c WHERE c.customer_since IS NOT NULL "
        f"AND substr(c.customer_since, 6, 5) IN ({marks}) AND c.lifecycle_stage = 'customer'"
    )
    return db.rows(sql + _owner(owner, params), params)


def untouched_by_stage(
    db: Database, stage: str, cutoff: str, owner: str | None, limit: int
) -> tuple[int, list[Row]]:
    """(how many contacts at `stage` nobody touched since `cutoff`, the `limit` longest;
    every one for a negative limit, as SQLite reads LIMIT -1)."""
    return _untouched(db, "c.lifecycle_stage = ?", [stage], cutoff, owner, limit)


def untouched_by_tag(
    db: Database, tag: str, cutoff: str, owner: str | None, limit: int
) -> tuple[int, list[Row]]:
    """The same for the contacts with a tag, found through the tag's index.

    The ids come first, in order, and only the `limit` shown are read in full: a tag on a
    tenth of 100,000 contacts means thousands of matches, and carrying every column and
    the company's name through the sort cost three times as much."""
    params: list[Any] = [tag, cutoff, cutoff]
    sql = (
        "SELECT c.id FROM tags t JOIN contacts c ON c.id = t.entity_id "
        "WHERE t.entity = 'contact' AND t.tag = ? "
        "AND (c.last_touch_at < ? OR (c.last_touch_at IS NULL AND c.created_at < ?))"
    )
    sql += _owner(owner, params) + " ORDER BY coalesce(c.last_touch_at, c.created_at), c.id"
    ids = [row[0] for row in db.execute(sql, params)]
    return len(ids), people(db, ids if limit < 0 else ids[:limit])


def people(db: Database, ids: Sequence[int]) -> list[Row]:
    """Contacts by id, in the order given."""
    found: dict[int, Row] = {}
    for batch in batches(ids):
        marks = ",".join("?" * len(batch))
        for row in db.rows(f"SELECT {_PERSON} {_FROM} WHERE c.id IN ({marks})", batch):
            found[row["id"]] = row
    return [found[i] for i in ids if i in found]


def _untouched(
    db: Database, scope: str, scope_params: list[Any], cutoff: str, owner: str | None, limit: int
) -> tuple[int, list[Row]]:
    """Touched before the cutoff, or never touched and created before it: two conditions, each
    a range of the (lifecycle_stage, last_touch_at, owner) index (an OR would lose it), so
    counting never reads the table."""
    touched_params = [*scope_params, cutoff]
    touched = f"{scope} AND c.last_touch_at < ?" + _owner(owner, touched_params)
    never_params = [*scope_params, cutoff]
    never = f"{scope} AND c.last_touch_at IS NULL AND c.created_at < ?" + _owner(owner, never_params)
    total = int(
        db.scalar(
            f"SELECT (SELECT count(*) FROM contacts c WHERE {touched}) + "
            f"(SELECT count(*) FROM contacts c WHERE {never})",
            touched_params + never_params,
        )
    )
    if not total:
        return 0, []
    rows = db.rows(f"SELECT {_PERSON} {_FROM} WHERE {never} ORDER BY c.created_at, c.id LIMIT ?",
                   [*never_params, limit])  # fmt: skip
    rows += db.rows(f"SELECT {_PERSON} {_FROM} WHERE {touched} ORDER BY c.last_touch_at, c.id LIMIT ?",
                    [*touched_params, limit])  # fmt: skip
    return total, rows
