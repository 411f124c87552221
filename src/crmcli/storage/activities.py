"""Queries on activities: calls, e-mails, meetings, notes, messages and follow-ups.

A follow-up is an activity with a `due_at`; it is open until `done_at` is set. Open
follow-ups have a partial index of their own (migration m002), and every query that
wants them spells out the index's condition so that SQLite can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crmcli.models import PlainRecord
from crmcli.storage.db import Database, Row, batches

COLUMNS = (
    "id", "uid", "kind", "contact_id", "company_id", "deal_id", "case_id", "note", "at",
    "duration_min", "direction", "outcome", "due_at", "done_at", "owner", "created_at",
    "updated_at",
)  # fmt: skip

OPEN = "a.due_at IS NOT NULL AND a.done_at IS NULL"
# What counts as a touch: anything that happened, not a follow-up still to do.
TOUCH = "(a.due_at IS NULL OR a.done_at IS NOT NULL)"

_SELECT = (
    "SELECT " + ", ".join(f"a.{c}" for c in COLUMNS) + ", "
    "ct.name AS contact, ct.timezone AS contact_timezone, "
    "coalesce(co.name, cc.name) AS company "
    "FROM activities a "
    "LEFT JOIN contacts ct ON ct.id = a.contact_id "
    "LEFT JOIN companies co ON co.id = a.company_id "
    "LEFT JOIN companies cc ON cc.id = ct.company_id"
)


class DayEnd(PlainRecord):
    """The last second of a day on some owners' clocks: an open follow-up of theirs due at
    that moment is due by the end of that day (services.activities.by_owners_days).

    The owners are `owners`, and with `others_than` also every owner not listed there (or
    none): those whose calendar is the config's zone."""

    # A plain class, not a dataclass: see the note above crmcli.config.Problem.
    def __init__(
        self, due_at: str, owners: tuple[str, ...], others_than: tuple[str, ...] | None = None
    ) -> None:
        self.due_at = due_at
        self.owners = owners
        self.others_than = others_than


class ActivityFilter(PlainRecord):
    """What `crm activity list` can narrow by; None means any."""

    # A plain class, not a dataclass: see the note above crmcli.config.Problem.
    def __init__(
        self,
        *,
        contact_id: int | None = None,
        company_id: int | None = None,  # the company's own activities and its people's
        owner: str | None = None,
        kinds: tuple[str, ...] = (),
        state: str | None = None,  # "open" or "done" follow-ups; None: everything
        since: str | None = None,  # stored UTC text, inclusive
        until: str | None = None,  # inclusive
        deal_id: int | None = None,
        case_id: int | None = None,
        search: str | None = None,  # folded text found in the note
        limit: int | None = None,
        offset: int = 0,
        # Open follow-ups due by the end of their owner's day whose day is inside --since and
        # --until though their moment is not, and the other way round.
        taken: tuple[DayEnd, ...] = (),
        left: tuple[DayEnd, ...] = (),
    ) -> None:
        self.contact_id = contact_id
        self.company_id = company_id
        self.owner = owner
        self.kinds = kinds
        self.state = state
        self.since = since
        self.until = until
        self.deal_id = deal_id
        self.case_id = case_id
        self.search = search
        self.limit = limit
        self.offset = offset
        self.taken = taken
        self.left = left


def insert(db: Database, values: dict[str, Any]) -> int:
    return db.insert("activities", values)


def update(db: Database, activity_id: int, values: dict[str, Any]) -> None:
    db.update("activities", activity_id, values)


def delete(db: Database, activity_id: int) -> None:
    from crmcli.storage import search  # here, not above: `crm show` and `crm agenda` never search

    search.unindex(db, "activities", activity_id)
    db.execute("DELETE FROM activities WHERE id = ?", [activity_id])


def get(db: Database, activity_id: int) -> Row | None:
    return db.row(f"{_SELECT} WHERE a.id = ?", [activity_id])


def reindex(db: Database, activity_id: int, folded_text: str) -> None:
    from crmcli.storage import search

    if folded_text:
        search.index(db, "activities", activity_id, folded_text)
    else:
        search.unindex(db, "activities", activity_id)


def query(db: Database, f: ActivityFilter) -> list[Row]:
    where, params = conditions(f)
    column = "a.due_at" if f.state == "open" else "a.at"
    sql = _SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {column} ASC, a.id ASC" if f.state == "open" else f" ORDER BY {column} DESC, a.id DESC"
    if f.limit is not None or f.offset:  # LIMIT -1: every row after the offset
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if f.limit is None else f.limit, f.offset]
    return db.rows(sql, params)


def conditions(f: ActivityFilter) -> tuple[list[str], list[Any]]:
    """The WHERE terms (on `activities a`) of a filter, shared by the list and the export."""
    where: list[str] = []
    params: list[Any] = []
    column = "a.due_at" if f.state == "open" else "a.at"
    if f.contact_id is not None:
        where.append("a.contact_id = ?")
        params.append(f.contact_id)
    if f.company_id is not None:
        where.append(
            "a.id IN (SELECT id FROM activities WHERE company_id = ? UNION "
            "SELECT x.id FROM activities x JOIN contacts p ON p.id = x.contact_id "
            "WHERE p.company_id = ?)"
        )
        params += [f.company_id, f.company_id]
    if f.owner is not None:
        where.append("a.owner = ?")
        params.append(f.owner)
    if f.kinds:
        where.append(f"a.kind IN ({','.join('?' * len(f.kinds))})")
        params += list(f.kinds)
    if f.state == "open":
        where.append(OPEN)
    elif f.state == "done":
        where.append("a.due_at IS NOT NULL AND a.done_at IS NOT NULL")
    _bounds(f, column, where, params)
    for key, wanted in (("deal_id", f.deal_id), ("case_id", f.case_id)):
        if wanted is not None:
            where.append(f"a.{key} = ?")
            params.append(wanted)
    if f.search:
        from crmcli.storage import search

        sub, sub_params = search.matching_ids("activities", f.search)
        where.append(f"a.id IN ({sub})")
        params += sub_params
    return where, params


def _bounds(f: ActivityFilter, column: str, where: list[str], params: list[Any]) -> None:
    """--since and --until: a range of `column`, widened to the day ends taken, which are
    then the only rows the widening lets in; the day ends left are left out. The range
    alone drives the index: the other terms only sift the rows it finds."""
    inside: list[str] = []
    inside_params: list[Any] = []
    moments = [end.due_at for end in f.taken]
    for value, op, widest in ((f.since, ">=", min), (f.until, "<=", max)):
        if value is not None:
            where.append(f"{column} {op} ?")
            params.append(widest([value, *moments]))
            inside.append(f"{column} {op} ?")
            inside_params.append(value)
    if f.taken and inside:
        terms, term_params = _day_ends(f.taken)
        where.append(f"(({' AND '.join(inside)}) OR {terms})")
        params += inside_params + term_params
    if f.left:
        terms, term_params = _day_ends(f.left)
        where.append(f"NOT {terms}")
        params += term_params


def _day_ends(ends: tuple[DayEnd, ...]) -> tuple[str, list[Any]]:
    """One term, true or false (never NULL: it may be negated), matching the follow-ups due
    at any of these day ends that belong to its owners."""
    terms: list[str] = []
    params: list[Any] = []
    for end in ends:
        whose: list[str] = []
        whose_params: list[Any] = []
        if end.owners:
            whose.append(f"(a.owner IS NOT NULL AND a.owner IN ({','.join('?' * len(end.owners))}))")
            whose_params += end.owners
        if end.others_than:
            whose.append(f"(a.owner IS NULL OR a.owner NOT IN ({','.join('?' * len(end.others_than))}))")
            whose_params += end.others_than
        elif end.others_than is not None:  # no team: every owner's calendar is the config's
            whose, whose_params = ["1"], []
        terms.append(f"(a.due_at = ? AND ({' OR '.join(whose) or '0'}))")
        params += [end.due_at, *whose_params]
    return f"({' OR '.join(terms)})", params


# --- the 360° view --------------------------------------------------------------------------


def timeline_of_contact(db: Database, contact_id: int, limit: int) -> list[Row]:
    """The latest things that happened with a contact (open follow-ups left out)."""
    return db.rows(
        f"{_SELECT} WHERE a.contact_id = ? AND {TOUCH} ORDER BY a.at DESC, a.id DESC LIMIT ?",
        [contact_id, limit],
    )


def follow_ups_of_contact(db: Database, contact_id: int, limit: int) -> list[Row]:
    return db.rows(
        f"{_SELECT} WHERE a.contact_id = ? AND {OPEN} ORDER BY a.due_at, a.id LIMIT ?",
        [contact_id, limit],
    )


def open_follow_up_count_of_contact(db: Database, contact_id: int) -> int:
    sql = f"SELECT count(*) FROM activities a WHERE a.contact_id = ? AND {OPEN}"
    return int(db.scalar(sql, [contact_id]))


def timeline_of_company(db: Database, company_id: int, limit: int) -> list[Row]:
    """Activity with the company itself and with each of its people, latest first."""
    return db.rows(
        f"{_SELECT} WHERE a.id IN (SELECT id FROM activities WHERE company_id = ? UNION "
        "SELECT x.id FROM activities x JOIN contacts p ON p.id = x.contact_id WHERE p.company_id = ?) "
        f"AND {TOUCH} ORDER BY a.at DESC, a.id DESC LIMIT ?",
        [company_id, company_id, limit],
    )


def follow_ups_of_company(db: Database, company_id: int, limit: int) -> list[Row]:
    return db.rows(
        f"{_SELECT} WHERE a.id IN (SELECT id FROM activities WHERE company_id = ? UNION "
        "SELECT x.id FROM activities x JOIN contacts p ON p.id = x.contact_id WHERE p.company_id = ?) "
        f"AND {OPEN} ORDER BY a.due_at, a.id LIMIT ?",
        [company_id, company_id, limit],
    )


def open_follow_up_count_of_company(db: Database, company_id: int) -> int:
    """Open follow-ups with the company itself and with each of its people."""
    return int(db.scalar(
        "SELECT count(*) FROM (SELECT id FROM activities WHERE company_id = ? UNION "
        "SELECT x.id FROM activities x JOIN contacts p ON p.id = x.contact_id WHERE p.company_id = ?) u "
        f"JOIN activities a ON a.id = u.id WHERE {OPEN}",
        [company_id, company_id],
    ))  # fmt: skip


# --- the agenda ---------------------------------------------------------------------------------


def open_follow_ups(
    db: Database, *, before: str, since: str | None = None, owner: str | None = None, limit: int | None = None
) -> list[Row]:
    """Open follow-ups due from `since` (or ever) until before `before`, soonest first."""
    sql = f"{_SELECT} WHERE {OPEN} AND a.due_at < ?"
    params: list[Any] = [before]
    if since is not None:
        sql += " AND a.due_at >= ?"
        params.append(since)
    if owner is not None:
        sql += " AND a.owner = ?"
        params.append(owner)
    sql += " ORDER BY a.due_at, a.id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return db.rows(sql, params)


def open_follow_up_counts(
    db: Database, *, now: str, tomorrow: str, until: str, owner: str | None = None
) -> tuple[int, int, int]:
    """How many open follow-ups are overdue, due later today, and due from tomorrow until
    `until`: one pass over an open follow-ups' index, reading no row."""
    sql = (
        "SELECT coalesce(sum(a.due_at < :now), 0), "
        "coalesce(sum(a.due_at >= :now AND a.due_at < :tomorrow), 0), "
        f"coalesce(sum(a.due_at >= :tomorrow), 0) FROM activities a WHERE {OPEN} AND a.due_at < :until"
    )
    params: dict[str, Any] = {"now": now, "tomorrow": tomorrow, "until": until}
    if owner is not None:
        sql += " AND a.owner = :owner"
        params["owner"] = owner
    overdue, today, later = db.execute(sql, params).fetchone()
    return int(overdue), int(today), int(later)


def open_follow_up_moments(
    db: Database, *, since: str, before: str, owner: str | None = None
) -> list[tuple[int, str, str | None]]:
    """(id, due_at, owner) of the open follow-ups due from `since` until before `before`."""
    sql = f"SELECT a.id, a.due_at, a.owner FROM activities a WHERE {OPEN} AND a.due_at >= ? AND a.due_at < ?"
    params: list[Any] = [since, before]
    if owner is not None:
        sql += " AND a.owner = ?"
        params.append(owner)
    return [(row[0], row[1], row[2]) for row in db.execute(sql, params)]


def follow_ups_by_id(db: Database, ids: Sequence[int]) -> list[Row]:
    found: list[Row] = []
    for batch in batches(list(ids)):
        found += db.rows(f"{_SELECT} WHERE a.id IN ({','.join('?' * len(batch))})", batch)
    return found


def all_open_follow_ups(db: Database, *, owner: str | None = None) -> list[Row]:
    sql = f"{_SELECT} WHERE {OPEN}"
    params: list[Any] = []
    if owner is not None:
        sql += " AND a.owner = ?"
        params.append(owner)
    return db.rows(sql + " ORDER BY a.due_at, a.id", params)


# --- what an activity may point at -------------------------------------------------------------


def deal_exists(db: Database, deal_id: int) -> bool:
    return db.scalar("SELECT 1 FROM deals WHERE id = ?", [deal_id]) is not None


def case_exists(db: Database, case_id: int) -> bool:
    return db.scalar("SELECT 1 FROM cases WHERE id = ?", [case_id]) is not None


def company_of_contact(db: Database, contact_id: int) -> int | None:
    return db.scalar("SELECT company_id FROM contacts WHERE id = ?", [contact_id])
