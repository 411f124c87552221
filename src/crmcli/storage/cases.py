"""Queries on support cases, their timeline (case_events) and their SLA breaches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from crmcli.storage.db import Database, Row, batches

COLUMNS = (
    "id", "uid", "contact_id", "company_id", "subject", "priority", "channel", "status", "queue",
    "owner", "escalation_level", "opened_at", "first_response_at", "resolved_at", "closed_at",
    "created_at", "updated_at",
)  # fmt: skip

_SELECT = (
    "SELECT " + ", ".join(f"cases.{c}" for c in COLUMNS) + ", contacts.name AS contact, "
    "companies.name AS company FROM cases "
    "LEFT JOIN contacts ON contacts.id = cases.contact_id "
    "LEFT JOIN companies ON companies.id = cases.company_id"
)


def insert(db: Database, values: dict[str, Any]) -> int:
    return db.insert("cases", values)


def update(db: Database, case_id: int, values: dict[str, Any]) -> None:
    db.update("cases", case_id, values)


def get(db: Database, case_id: int) -> Row | None:
    return db.row(f"{_SELECT} WHERE cases.id = ?", [case_id])


def query(
    db: Database,
    *,
    statuses: Sequence[str] = (),
    queue: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    contact_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    where, params = conditions(statuses=statuses, queue=queue, owner=owner, priority=priority,
                               contact_id=contact_id)  # fmt: skip
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY cases.opened_at, cases.id"
    if limit is not None or offset:  # LIMIT -1: every row after the offset
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
    return db.rows(sql, params)


def conditions(
    *,
    statuses: Sequence[str] = (),
    queue: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    contact_id: int | None = None,
) -> tuple[list[str], list[Any]]:
    """The WHERE terms (on `cases`) of a list, shared by the list and the export."""
    where: list[str] = []
    params: list[Any] = []
    if statuses:
        where.append(f"cases.status IN ({','.join('?' * len(statuses))})")
        params += list(statuses)
    for column, wanted in (("cases.queue", queue), ("cases.owner", owner),
                           ("cases.priority", priority), ("cases.contact_id", contact_id)):  # fmt: skip
        if wanted is not None:
            where.append(f"{column} = ?")
            params.append(wanted)
    return where, params


def possibly_active(db: Database, as_of: str, statuses: Sequence[str]) -> list[Row]:
    """Cases opened by `as_of` that are in `statuses` now or have changed since `as_of`."""
    marks = ",".join("?" * len(statuses))
    return db.rows(
        f"{_SELECT} WHERE cases.opened_at <= ? AND (cases.status IN ({marks}) OR cases.updated_at > ?) "
        "ORDER BY cases.opened_at, cases.id",
        [as_of, *statuses, as_of],
    )


def add_event(
    db: Database,
    case_id: int,
    *,
    at: str,
    actor: str,
    kind: str,
    from_value: str | None = None,
    to_value: str | None = None,
    body: str | None = None,
) -> int:
    return db.insert(
        "case_events",
        {"case_id": case_id, "at": at, "actor": actor, "kind": kind,
         "from_value": from_value, "to_value": to_value, "body": body},
    )  # fmt: skip


def events_of(db: Database, case_id: int) -> list[Row]:
    return db.rows(
        "SELECT id, at, actor, kind, from_value, to_value, body FROM case_events "
        "WHERE case_id = ? ORDER BY at, id",
        [case_id],
    )


def status_changes(db: Database, case_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """(at, new status) of each case, oldest first: what the SLA clock is built from."""
    # A status event always names the status it moved to.
    return cast(dict[int, list[tuple[str, str]]], _event_values(db, case_ids, "status", "to_value"))


# The timeline kinds that record a change of one column of the case, and that column.
_CHANGES_OF = {"status": "status", "priority": "priority", "queue": "queue", "assign": "owner",
               "escalate": "escalation_level"}  # fmt: skip


def values_before(db: Database, case_ids: Sequence[int], moment: str) -> dict[int, dict[str, str | None]]:
    """The columns of each case that have changed since `moment`, with the value they had
    then: what the first later change of each moved it from (as stored, so a level is text)."""
    found: dict[int, dict[str, str | None]] = {i: {} for i in case_ids}
    kinds = list(_CHANGES_OF)
    for chunk in batches(list(case_ids)):
        marks = ",".join("?" * len(chunk))
        for case_id, kind, before in db.execute(
            f"SELECT case_id, kind, from_value FROM case_events WHERE at > ? "
            f"AND kind IN ({','.join('?' * len(kinds))}) AND case_id IN ({marks}) ORDER BY at, id",
            [moment, *kinds, *chunk],
        ):
            found[case_id].setdefault(_CHANGES_OF[kind], before)
    return found


def _event_values(
    db: Database, case_ids: Sequence[int], kind: str, column: str
) -> dict[int, list[tuple[str, str | None]]]:
    """(at, `column`) of each case's events of `kind`, oldest first."""
    assert column in ("from_value", "to_value")
    found: dict[int, list[tuple[str, str | None]]] = {i: [] for i in case_ids}
    for chunk in batches(list(case_ids)):
        marks = ",".join("?" * len(chunk))
        for case_id, at, value in db.execute(
            f"SELECT case_id, at, {column} FROM case_events WHERE kind = ? AND case_id IN ({marks}) "
            "ORDER BY at, id",
            [kind, *chunk],
        ):
            found[case_id].append((at, value))
    return found


def record_breach(db: Database, case_id: int, target: str, due_at: str, breached_at: str) -> bool:
    """Remember a breach; False when it was already known (the unique index decides)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO sla_breaches (case_id, target, due_at, breached_at) VALUES (?, ?, ?, ?)",
        [case_id, target, due_at, breached_at],
    )
    return cursor.rowcount == 1


def breaches_of(db: Database, case_ids: Sequence[int]) -> dict[int, dict[str, Row]]:
    found: dict[int, dict[str, Row]] = {i: {} for i in case_ids}
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in db.rows(
            f"SELECT case_id, target, due_at, breached_at FROM sla_breaches "
            f"WHERE case_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            found[row["case_id"]][row["target"]] = row
    return found
