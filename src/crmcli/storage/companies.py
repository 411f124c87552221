"""Queries on companies (accounts)."""

from __future__ import annotations

from typing import Any

from crmcli.models import ListQuery
from crmcli.storage import search
from crmcli.storage.contacts import order_by
from crmcli.storage.db import Database, Row, same_text

COLUMNS = (
    "id", "uid", "name", "domain", "industry", "employees", "annual_revenue", "revenue_currency",
    "country", "owner", "created_at", "updated_at",
)  # fmt: skip
SORTABLE = {"name": "companies.sort_key", "id": "companies.id", "created": "companies.created_at",
            "updated": "companies.updated_at", "employees": "companies.employees",
            "revenue": "companies.annual_revenue", "country": "companies.country",
            "industry": "companies.industry", "owner": "companies.owner"}  # fmt: skip

_SELECT = (
    "SELECT " + ", ".join(f"companies.{c}" for c in COLUMNS) + ", "
    "(SELECT count(*) FROM contacts WHERE contacts.company_id = companies.id) AS people "
    "FROM companies"
)


def insert(db: Database, values: dict[str, Any]) -> int:
    return db.insert("companies", values)


def update(db: Database, company_id: int, values: dict[str, Any]) -> None:
    db.update("companies", company_id, values)


def get(db: Database, company_id: int) -> Row | None:
    return db.row(f"{_SELECT} WHERE companies.id = ?", [company_id])


def ids_by_domain(db: Database, domain: str) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM companies WHERE domain = ?", [domain])]


def people(db: Database, company_id: int) -> list[Row]:
    return db.rows(
        "SELECT id, name, email, phone, title, lifecycle_stage, owner FROM contacts "
        "WHERE company_id = ? ORDER BY sort_key",
        [company_id],
    )


def delete(db: Database, company_id: int) -> None:
    """Delete the company; its people, deals, cases and activities stay, unlinked."""
    for table in ("contacts", "deals", "cases", "activities"):
        db.execute(f"UPDATE {table} SET company_id = NULL WHERE company_id = ?", [company_id])
    search.unindex(db, "companies", company_id)
    db.execute("DELETE FROM companies WHERE id = ?", [company_id])


def query(db: Database, q: ListQuery) -> list[Row]:
    where, params = conditions(q)
    sql = _SELECT
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY " + order_by(q.sort, SORTABLE) + ", companies.id"
    if q.limit is not None or q.offset:  # LIMIT -1: every row after the offset
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if q.limit is None else q.limit, q.offset]
    return db.rows(sql, params)


def conditions(q: ListQuery) -> tuple[list[str], list[Any]]:
    """The WHERE terms (on `companies`) of a query, shared by the list and the export."""
    where: list[str] = []
    params: list[Any] = []
    for tag in q.tags:
        where.append("companies.id IN (SELECT entity_id FROM tags WHERE entity = 'company' AND tag = ?)")
        params.append(tag)
    for key, value in q.fields.items():
        # The key stays exact, so that the (key, value) index still finds its rows.
        term, folded = same_text("value", value)
        where.append(
            "companies.id IN (SELECT entity_id FROM custom_fields WHERE entity = 'company' "
            f"AND key = ? AND {term})"
        )
        params += [key, folded]
    conditions: tuple[tuple[str, object], ...] = (
        ("companies.owner", q.owner),
        ("companies.country", q.country),
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
    if q.search:
        sub, extra = search.matching_ids("companies", q.search)
        where.append(f"companies.id IN ({sub})")
        params += extra
    return where, params
