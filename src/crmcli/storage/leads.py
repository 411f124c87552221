"""Queries for leads: contacts early in their lifecycle (lead, qualified)."""

from __future__ import annotations

from typing import Any

from crmcli.storage.db import Database, Row


def query(
    db: Database,
    *,
    stages: tuple[str, ...],
    source: str | None = None,
    owner: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    """Contacts in `stages`, newest first, with their company and when they got there."""
    sql = (
        "SELECT c.id, c.name, c.email, c.phone, c.company_id, co.name AS company, c.lifecycle_stage, "
        "c.source, c.owner, c.country, c.created_at, "
        "(SELECT max(l.at) FROM lifecycle_changes l WHERE l.contact_id = c.id "
        " AND l.to_stage = c.lifecycle_stage) AS stage_since "
        "FROM contacts c LEFT JOIN companies co ON co.id = c.company_id "
        f"WHERE c.lifecycle_stage IN ({', '.join('?' for _ in stages)})"
    )
    params: list[Any] = list(stages)
    if source is not None:
        sql += " AND c.source = ? COLLATE NOCASE"
        params.append(source)
    if owner is not None:
        sql += " AND c.owner = ?"
        params.append(owner)
    sql += " ORDER BY c.created_at DESC, c.id DESC"
    if limit is not None or offset:  # LIMIT -1: every row after the offset
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
    return db.rows(sql, params)
