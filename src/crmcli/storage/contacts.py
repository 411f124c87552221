"""Queries on contacts and their e-mail addresses and phone numbers."""

from __future__ import annotations

from typing import Any

from crmcli.models import ListQuery
from crmcli.storage import search
from crmcli.storage.db import Database, Row, same_text

COLUMNS = (
    "id", "uid", "name", "email", "phone", "company_id", "title", "lifecycle_stage", "source",
    "referred_by", "owner", "country", "timezone", "language", "birthday", "customer_since",
    "churned_at", "churn_reason", "created_at", "updated_at",
)  # fmt: skip
SORTABLE = {"name": "contacts.sort_key", "id": "contacts.id", "created": "contacts.created_at",
            "updated": "contacts.updated_at", "stage": "contacts.lifecycle_stage",
            "country": "contacts.country", "owner": "contacts.owner"}  # fmt: skip

_SELECT = (
    "SELECT " + ", ".join(f"contacts.{c}" for c in COLUMNS) + ", companies.name AS company "
    "FROM contacts LEFT JOIN companies ON companies.id = contacts.company_id"
)


def insert(db: Database, values: dict[str, Any]) -> int:
    return db.insert("contacts", values)


def update(db: Database, contact_id: int, values: dict[str, Any]) -> None:
    db.update("contacts", contact_id, values)


def get(db: Database, contact_id: int) -> Row | None:
    return db.row(f"{_SELECT} WHERE contacts.id = ?", [contact_id])


def get_many(db: Database, ids: list[int]) -> list[Row]:
    marks = ",".join("?" * len(ids))
    return db.rows(f"{_SELECT} WHERE contacts.id IN ({marks}) ORDER BY contacts.sort_key", ids)


def ids_named(db: Database, sort_key: str, name: str) -> set[int]:
    """The contacts named exactly `name`, looked up by its sort key (which is indexed)."""
    return {
        row[0]
        for row in db.execute("SELECT id FROM contacts WHERE sort_key = ? AND name = ?", [sort_key, name])
    }


def churn_recorded(db: Database, contact_id: int, at: str) -> bool:
    """Whether the contact's timeline has its move into churned at `at`."""
    return bool(
        db.scalar(
            "SELECT 1 FROM lifecycle_changes WHERE contact_id = ? AND to_stage = 'churned' "
            "AND from_stage IS NOT NULL AND at = ?",
            [contact_id, at],
        )
    )


def ids_by_email(db: Database, email: str) -> list[int]:
    return [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT contact_id FROM contact_points WHERE kind = 'email' AND value = ? "
            "COLLATE NOCASE",
            [email],
        )
    ]


def ids_by_phone(db: Database, phone: str) -> list[int]:
    return [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT contact_id FROM contact_points WHERE kind = 'phone' AND value = ?",
            [phone],
        )
    ]


def points_of(db: Database, contact_id: int) -> list[Row]:
    return db.rows(
        "SELECT kind, value, label, position FROM contact_points WHERE contact_id = ? "
        "ORDER BY kind, position",
        [contact_id],
    )


def replace_points(db: Database, contact_id: int, kind: str, values: list[str]) -> None:
    """Make `values` the contact's addresses of this kind, the first one primary."""
    db.execute("DELETE FROM contact_points WHERE contact_id = ? AND kind = ?", [contact_id, kind])
    db.executemany(
        "INSERT INTO contact_points (contact_id, kind, value, position) VALUES (?, ?, ?, ?)",
        [(contact_id, kind, value, position) for position, value in enumerate(values)],
    )


def delete(db: Database, contact_id: int) -> None:
    """Delete the contact and what belongs only to it; links from other records are cleared."""
    db.execute("DELETE FROM contact_points WHERE contact_id = ?", [contact_id])
    db.execute("DELETE FROM consents WHERE contact_id = ?", [contact_id])
    db.execute("DELETE FROM lifecycle_changes WHERE contact_id = ?", [contact_id])
    db.execute("UPDATE activities SET contact_id = NULL WHERE contact_id = ?", [contact_id])
    db.execute("UPDATE deals SET contact_id = NULL WHERE contact_id = ?", [contact_id])
    db.execute("UPDATE cases SET contact_id = NULL WHERE contact_id = ?", [contact_id])
    db.execute("UPDATE feedback SET contact_id = NULL WHERE contact_id = ?", [contact_id])
    db.execute("UPDATE contacts SET referred_by = NULL WHERE referred_by = ?", [contact_id])
    search.unindex(db, "contacts", contact_id)
    db.execute("DELETE FROM contacts WHERE id = ?", [contact_id])


def count(db: Database) -> int:
    return int(db.scalar("SELECT count(*) FROM contacts"))


def query(db: Database, q: ListQuery) -> list[Row]:
    where, params = _conditions(q)
    sql = _SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY " + order_by(q.sort, SORTABLE) + ", contacts.id"
    if q.limit is not None or q.offset:  # LIMIT -1: every row after the offset
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if q.limit is None else q.limit, q.offset]
    return db.rows(sql, params)


def _conditions(q: ListQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for tag in q.tags:
        where.append("contacts.id IN (SELECT entity_id FROM tags WHERE entity = 'contact' AND tag = ?)")
        params.append(tag)
    for key, value in q.fields.items():
        # The key stays exact, so that the (key, value) index still finds its rows.
        term, folded = same_text("value", value)
        where.append(
            "contacts.id IN (SELECT entity_id FROM custom_fields WHERE entity = 'contact' "
            f"AND key = ? AND {term})"
        )
        params += [key, folded]
    conditions: tuple[tuple[str, object], ...] = (
        ("contacts.owner", q.owner),
        ("contacts.lifecycle_stage", q.stage),
        ("contacts.country", q.country),
        ("contacts.company_id", q.company_id),
    )
    for column, wanted in conditions:
        if wanted is not None:
            where.append(f"{column} = ?")
            params.append(wanted)
    if q.industry is not None:
        term, folded = same_text("companies.industry", q.industry)
        where.append(term)
        params.append(folded)
    if q.min_employees is not None:
        where.append("companies.employees >= ?")
        params.append(q.min_employees)
    if q.max_employees is not None:
        where.append("companies.employees <= ?")
        params.append(q.max_employees)
    if q.consent:
        from crmcli.storage.privacy import consent_condition

        sql, extra = consent_condition(q.consent)
        where.append(sql)
        params += extra
    if q.search:
        # A contact is found by its own text, its company's, or the notes logged with it.
        own, own_params = search.matching_ids("contacts", q.search)
        firm, firm_params = search.matching_ids("companies", q.search)
        notes, notes_params = search.matching_ids("activities", q.search)
        where.append(
            f"(contacts.id IN ({own}) OR contacts.company_id IN ({firm}) OR contacts.id IN "
            f"(SELECT contact_id FROM activities WHERE id IN ({notes})))"
        )
        params += own_params + firm_params + notes_params
    return where, params


def order_by(sort: str, sortable: dict[str, str]) -> str:
    descending = sort.startswith("-")
    column = sortable[sort.lstrip("-")]
    return f"{column} {'DESC' if descending else 'ASC'}"
