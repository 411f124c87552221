"""Queries behind `crm agenda`: birthdays, customer anniversaries, contacts not touched.

Each one is served by an index, so the agenda stays quick on a file with a hundred
thousand contacts: (lifecycle_stage, last_touch_at, created_at, owner) for keep-in-touch
by stage (migrations m002 and m006); covering month-day indexes for the milestones and
the tags' copies of each contact's touch moment for keep-in-touch by tag (m005).
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
    """The same for the contacts with a tag, from the copies of each contact's touch moment
    and owner that its tag rows carry (migration m005): the count and the `limit` longest
    are ranges of one index, and only those shown are read from the contacts table."""
    params: list[Any] = [tag, cutoff]
    where = "entity = 'contact' AND tag = ? AND contact_touch_at < ?"
    if owner is not None:
        where += " AND contact_owner = ?"
        params.append(owner)
    total = int(db.scalar(f"SELECT count(*) FROM tags WHERE {where}", params))
    if not total:
        return 0, []
    sql = f"SELECT entity_id FROM tags WHERE {where} ORDER BY contact_touch_at, entity_id LIMIT ?"
    ids = [row[0] for row in db.execute(sql, [*params, limit])]
    return total, people(db, ids)


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
    a range of the (lifecycle_stage, last_touch_at, created_at, owner) index (an OR would
    lose it), so counting never reads the table."""
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
