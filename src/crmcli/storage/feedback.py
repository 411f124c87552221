"""Queries on feedback: the survey answers (NPS 0–10, CSAT 1–5) customers gave."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmcli.storage.db import Database, Row

COLUMNS = ("id", "uid", "contact_id", "case_id", "kind", "score", "comment", "at", "created_by")

_SELECT = (
    "SELECT " + ", ".join(f"feedback.{c}" for c in COLUMNS) + ", contacts.name AS contact, "
    "contacts.owner AS owner FROM feedback LEFT JOIN contacts ON contacts.id = feedback.contact_id"
)


@dataclass
class FeedbackFilter:
    contact_id: int | None = None
    case_id: int | None = None
    kind: str | None = None
    owner: str | None = None  # the contact's owner
    start: str | None = None  # UTC ISO, inclusive
    end: str | None = None  # UTC ISO, exclusive
    limit: int | None = None
    offset: int = 0


def insert(db: Database, values: dict[str, Any]) -> int:
    return db.insert("feedback", values)


def get(db: Database, feedback_id: int) -> Row | None:
    return db.row(f"{_SELECT} WHERE feedback.id = ?", [feedback_id])


def query(db: Database, where: FeedbackFilter) -> list[Row]:
    """Answers matching the filter, newest first (ties by id, so the order is stable)."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("feedback.contact_id", where.contact_id),
        ("feedback.case_id", where.case_id),
        ("feedback.kind", where.kind),
        ("contacts.owner", where.owner),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if where.start is not None:
        clauses.append("feedback.at >= ?")
        params.append(where.start)
    if where.end is not None:
        clauses.append("feedback.at < ?")
        params.append(where.end)
    sql = _SELECT + (" WHERE " + " AND ".join(clauses) if clauses else "")
    sql += " ORDER BY feedback.at DESC, feedback.id DESC"
    if where.limit is not None or where.offset:
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if where.limit is None else where.limit, where.offset]
    return db.rows(sql, params)
