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


def birthdays_in(
    db: Database, days: Sequence[tuple[str, str]], owner: str | None, limit: int
) -> tuple[int, list[tuple[int, str, str, str]]]:
    """Birthdays ("YYYY-MM-DD" or "--MM-DD") on the days of a window, given as ("MM-DD",
    "YYYY-MM-DD") pairs; none before the person is born. (How many, the `limit` first by
    day and name as (id, name, birthday, day); every one for a negative limit.)

    Both are read from the covering month-day index (m005) and counted and sorted in
    SQLite: a team's week holds hundreds of birthdays, and the agenda shows twenty."""
    params: list[Any] = [value for day in days for value in day]
    window = f"WITH w(md, day) AS (VALUES {','.join(['(?, ?)'] * len(days))}) "
    where = (
        "FROM w JOIN contacts c ON substr(c.birthday, -5) = w.md WHERE c.birthday IS NOT NULL "
        "AND (substr(c.birthday, 1, 4) NOT GLOB '[0-9][0-9][0-9][0-9]' "
        "OR substr(c.birthday, 1, 4) <= substr(w.day, 1, 4))"
    ) + _owner(owner, params)
    total = int(db.scalar(f"{window}SELECT count(*) {where}", params))
    if not total:
        return 0, []
    sql = f"{window}SELECT c.id, c.name, c.birthday, w.day {where} ORDER BY w.day, c.name, c.id LIMIT ?"
    return total, [(row[0], row[1], row[2], row[3]) for row in db.execute(sql, [*params, limit])]


def customers_since_on(
    db: Database, month_days: Sequence[str], owner: str | None = None
) -> list[tuple[int, str, str]]:
    """Current customers who became customers on one of the "MM-DD" given (UTC dates), as
    (id, name, customer_since): the caller judges each one's local date."""
    params: list[Any] = list(month_days)
    marks = ",".join("?" * len(month_days))
    sql = (
        "SELECT c.id, c.name, c.customer_since FROM contacts c WHERE c.customer_since IS NOT NULL "
        f"AND substr(c.customer_since, 6, 5) IN ({marks}) AND c.lifecycle_stage = 'customer'"
    )
    return [(row[0], row[1], row[2]) for row in db.execute(sql + _owner(owner, params), params)]


def untouched_by_stage(
    db: Database, stage: str, cutoff: str, owner: str | None, limit: int
) -> tuple[int, list[tuple[int, str]]]:
    """(how many contacts at `stage` nobody touched since `cutoff`, the (id, last touch or
    creation) of the `limit` longest; every one for a negative limit, as SQLite reads
    LIMIT -1). Both from the index alone: `people` reads the few the agenda shows."""
    return _untouched(db, "c.lifecycle_stage = ?", [stage], cutoff, owner, limit)


def untouched_by_tag(
    db: Database, tag: str, cutoff: str, owner: str | None, limit: int
) -> tuple[int, list[tuple[int, str]]]:
    """The same for the contacts with a tag, from the copies of each contact's touch moment
    and owner that its tag rows carry (migration m005): the count and the `limit` longest
    are ranges of one index (of one owner's, m009)."""
    params: list[Any] = [tag, cutoff]
    where = "entity = 'contact' AND tag = ? AND contact_touch_at < ?"
    if owner is not None:
        where += " AND contact_owner = ?"
        params.append(owner)
    total = int(db.scalar(f"SELECT count(*) FROM tags WHERE {where}", params))
    if not total:
        return 0, []
    sql = (
        f"SELECT entity_id, contact_touch_at FROM tags WHERE {where} "
        "ORDER BY contact_touch_at, entity_id LIMIT ?"
    )
    return total, [(row[0], row[1]) for row in db.execute(sql, [*params, limit])]


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
) -> tuple[int, list[tuple[int, str]]]:
    """Touched before the cutoff, or never touched and created before it: two conditions, each
    a range of the (lifecycle_stage, last_touch_at, created_at, owner) index, or of the
    (owner, lifecycle_stage, last_touch_at, created_at) one for an owner's (an OR would lose
    them), so neither counting nor paging reads the table."""
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
    never_sql = f"SELECT c.id, c.created_at FROM contacts c WHERE {never} ORDER BY c.created_at, c.id LIMIT ?"
    touched_sql = (
        f"SELECT c.id, c.last_touch_at FROM contacts c WHERE {touched} ORDER BY c.last_touch_at, c.id LIMIT ?"
    )
    found = db.execute(never_sql, [*never_params, limit]).fetchall()
    found += db.execute(touched_sql, [*touched_params, limit]).fetchall()
    return total, [(row[0], row[1]) for row in found]
