"""The SQL of `crm export`: the lists' own filters, read as a stream of batches.

Each kind is read with the WHERE terms its list command builds (the storage modules'
`conditions`), through one cursor, a batch at a time; what a batch needs besides its rows
(e-mail addresses and phone numbers, tags, custom fields) is read for that batch's ids
only. Memory therefore stays flat however large the file, and the whole export reads one
snapshot: it runs in a read transaction, so a write landing meanwhile is either all in
the export or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crmcli.models import ListQuery
from crmcli.storage import labels
from crmcli.storage.activities import ActivityFilter
from crmcli.storage.db import Database, Row
from crmcli.storage.deals import DealQuery

BATCH = 500

_CONTACTS_FROM = (
    "FROM contacts LEFT JOIN companies ON companies.id = contacts.company_id "
    "LEFT JOIN contacts referrer ON referrer.id = contacts.referred_by"
)
_CONTACTS = (
    "SELECT contacts.id, contacts.uid, contacts.name, contacts.email, contacts.phone, contacts.company_id, "
    "companies.name AS company, companies.domain AS company_domain, companies.uid AS company_uid, "
    "contacts.title, contacts.lifecycle_stage, contacts.source, contacts.referred_by, "
    "referrer.uid AS referred_by_uid, referrer.name AS referred_by_name, contacts.owner, contacts.country, "
    "contacts.timezone, contacts.language, contacts.birthday, contacts.customer_since, "
    "contacts.churned_at, contacts.churn_reason, contacts.created_at, contacts.updated_at, "
    f"contacts.last_touch_at {_CONTACTS_FROM}"
)
_COMPANIES_FROM = "FROM companies"
_COMPANIES = (
    "SELECT companies.id, companies.uid, companies.name, companies.domain, companies.industry, "
    "companies.employees, companies.annual_revenue, companies.revenue_currency, companies.country, "
    "companies.owner, companies.created_at, companies.updated_at, "
    "(SELECT count(*) FROM contacts WHERE contacts.company_id = companies.id) AS people "
    f"{_COMPANIES_FROM}"
)
_DEALS_FROM = (
    "FROM deals d LEFT JOIN contacts c ON c.id = d.contact_id LEFT JOIN companies co ON co.id = d.company_id"
)
_DEALS = (
    "SELECT d.id, d.uid, d.title, d.contact_id, c.name AS contact, c.email AS contact_email, "
    "c.uid AS contact_uid, d.company_id, co.name AS company, co.domain AS company_domain, "
    "co.uid AS company_uid, d.pipeline, d.stage, d.status, d.amount_minor, d.currency, d.close_date, "
    "d.owner, d.kind, d.lost_reason, d.won_at, d.lost_at, d.stage_entered_at, d.created_at, d.updated_at "
    f"{_DEALS_FROM}"
)
_ACTIVITIES_FROM = (
    "FROM activities a LEFT JOIN contacts ct ON ct.id = a.contact_id "
    "LEFT JOIN companies co ON co.id = a.company_id LEFT JOIN deals dl ON dl.id = a.deal_id "
    "LEFT JOIN cases cs ON cs.id = a.case_id"
)
_ACTIVITIES = (
    "SELECT a.id, a.uid, a.kind, a.contact_id, ct.name AS contact, ct.email AS contact_email, "
    "ct.uid AS contact_uid, a.company_id, co.name AS company, co.domain AS company_domain, "
    "co.uid AS company_uid, a.deal_id, dl.uid AS deal_uid, dl.title AS deal, a.case_id, "
    "cs.uid AS case_uid, cs.subject AS case_subject, a.note, a.at, a.duration_min, a.direction, "
    "a.outcome, a.due_at, a.done_at, a.owner, a.created_at, a.updated_at "
    f"{_ACTIVITIES_FROM}"
)
_CASES_FROM = (
    "FROM cases LEFT JOIN contacts ON contacts.id = cases.contact_id "
    "LEFT JOIN companies ON companies.id = cases.company_id"
)
_CASES = (
    "SELECT cases.id, cases.uid, cases.subject, cases.contact_id, contacts.name AS contact, "
    "contacts.email AS contact_email, contacts.uid AS contact_uid, cases.company_id, "
    "companies.name AS company, companies.uid AS company_uid, cases.priority, cases.channel, "
    "cases.status, cases.queue, cases.owner, cases.escalation_level, cases.opened_at, "
    "cases.first_response_at, cases.resolved_at, cases.closed_at, cases.created_at, cases.updated_at "
    f"{_CASES_FROM}"
)


@contextmanager
def snapshot(db: Database) -> Iterator[None]:
    """A read transaction: every query inside sees the same state of the file."""
    if db.conn.in_transaction:
        yield
        return
    db.execute("BEGIN")
    try:
        yield
    finally:
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")


def _where(where: list[str]) -> str:
    return " WHERE " + " AND ".join(where) if where else ""


def _batches(db: Database, sql: str, params: list[Any]) -> Iterator[list[Row]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    while True:
        found = cursor.fetchmany(BATCH)
        if not found:
            return
        yield [dict(zip(names, row, strict=True)) for row in found]


def _labelled(db: Database, entity: str, batches: Iterator[list[Row]]) -> Iterator[list[Row]]:
    """Each row with its tags and custom fields."""
    for rows in batches:
        ids = [r["id"] for r in rows]
        tags = labels.tags_of(db, entity, ids)
        fields = labels.fields_of(db, entity, ids)
        for row in rows:
            row["tags"] = tags[row["id"]]
            row["fields"] = fields[row["id"]]
        yield rows


def _field_keys(db: Database, entity: str, ids_sql: str, params: list[Any]) -> list[str]:
    """The custom field names the selected records use, sorted."""
    return [
        r[0]
        for r in db.execute(
            f"SELECT DISTINCT key FROM custom_fields WHERE entity = ? AND entity_id IN ({ids_sql}) "
            "ORDER BY key",
            [entity, *params],
        )
    ]


def has_tags(db: Database, entity: str) -> bool:
    return db.scalar("SELECT 1 FROM tags WHERE entity = ? LIMIT 1", [entity]) is not None


# --- contacts --------------------------------------------------------------------------------


def _contact_terms(q: ListQuery) -> tuple[list[str], list[Any]]:
    from crmcli.storage.contacts import _conditions

    return _conditions(q)


def contacts(db: Database, q: ListQuery) -> Iterator[list[Row]]:
    """The contacts a list query selects, in its order, with addresses, tags and fields."""
    from crmcli.storage.contacts import SORTABLE, order_by

    where, params = _contact_terms(q)
    sql = f"{_CONTACTS}{_where(where)} ORDER BY {order_by(q.sort, SORTABLE)}, contacts.id"
    for rows in _labelled(db, "contact", _batches(db, sql, params)):
        points = _points(db, [r["id"] for r in rows])
        for row in rows:
            emails, phones = points.get(row["id"], ([], []))
            row["emails"] = emails
            row["phones"] = phones
        yield rows


def contact_field_keys(db: Database, q: ListQuery) -> list[str]:
    where, params = _contact_terms(q)
    return _field_keys(db, "contact", f"SELECT contacts.id {_CONTACTS_FROM}{_where(where)}", params)


def count_contacts(db: Database, q: ListQuery) -> int:
    where, params = _contact_terms(q)
    return int(db.scalar(f"SELECT count(*) {_CONTACTS_FROM}{_where(where)}", params))


def _points(db: Database, ids: list[int]) -> dict[int, tuple[list[str], list[str]]]:
    found: dict[int, tuple[list[str], list[str]]] = {i: ([], []) for i in ids}
    marks = ",".join("?" * len(ids))
    for contact_id, kind, value in db.execute(
        f"SELECT contact_id, kind, value FROM contact_points WHERE contact_id IN ({marks}) "
        "ORDER BY contact_id, kind, position",
        ids,
    ):
        found[contact_id][0 if kind == "email" else 1].append(value)
    return found


# --- companies -------------------------------------------------------------------------------


def companies(db: Database, q: ListQuery) -> Iterator[list[Row]]:
    from crmcli.storage.companies import SORTABLE, conditions
    from crmcli.storage.contacts import order_by

    where, params = conditions(q)
    sql = f"{_COMPANIES}{_where(where)} ORDER BY {order_by(q.sort, SORTABLE)}, companies.id"
    yield from _labelled(db, "company", _batches(db, sql, params))


def company_field_keys(db: Database, q: ListQuery) -> list[str]:
    from crmcli.storage.companies import conditions

    where, params = conditions(q)
    return _field_keys(db, "company", f"SELECT companies.id {_COMPANIES_FROM}{_where(where)}", params)


def count_companies(db: Database, q: ListQuery) -> int:
    from crmcli.storage.companies import conditions

    where, params = conditions(q)
    return int(db.scalar(f"SELECT count(*) {_COMPANIES_FROM}{_where(where)}", params))


# --- deals -------------------------------------------------------------------------------------


def deals(db: Database, q: DealQuery) -> Iterator[list[Row]]:
    from crmcli.storage.deals import _conditions

    where, params = _conditions(q)
    yield from _labelled(db, "deal", _batches(db, f"{_DEALS}{_where(where)} ORDER BY d.id", params))


def deal_field_keys(db: Database, q: DealQuery) -> list[str]:
    from crmcli.storage.deals import _conditions

    where, params = _conditions(q)
    return _field_keys(db, "deal", f"SELECT d.id FROM deals d{_where(where)}", params)


def count_deals(db: Database, q: DealQuery) -> int:
    from crmcli.storage.deals import _conditions

    where, params = _conditions(q)
    return int(db.scalar(f"SELECT count(*) FROM deals d{_where(where)}", params))


# --- activities --------------------------------------------------------------------------------


def activities(db: Database, f: ActivityFilter) -> Iterator[list[Row]]:
    from crmcli.storage.activities import conditions

    where, params = conditions(f)
    yield from _labelled(db, "activity", _batches(db, f"{_ACTIVITIES}{_where(where)} ORDER BY a.id", params))


def activity_field_keys(db: Database, f: ActivityFilter) -> list[str]:
    from crmcli.storage.activities import conditions

    where, params = conditions(f)
    return _field_keys(db, "activity", f"SELECT a.id FROM activities a{_where(where)}", params)


def count_activities(db: Database, f: ActivityFilter) -> int:
    from crmcli.storage.activities import conditions

    where, params = conditions(f)
    return int(db.scalar(f"SELECT count(*) FROM activities a{_where(where)}", params))


# --- cases -------------------------------------------------------------------------------------


def cases(db: Database, filters: dict[str, Any]) -> Iterator[list[Row]]:
    from crmcli.storage.cases import conditions

    where, params = conditions(**filters)
    yield from _labelled(db, "case", _batches(db, f"{_CASES}{_where(where)} ORDER BY cases.id", params))


def case_field_keys(db: Database, filters: dict[str, Any]) -> list[str]:
    from crmcli.storage.cases import conditions

    where, params = conditions(**filters)
    return _field_keys(db, "case", f"SELECT cases.id FROM cases{_where(where)}", params)


def count_cases(db: Database, filters: dict[str, Any]) -> int:
    from crmcli.storage.cases import conditions

    where, params = conditions(**filters)
    return int(db.scalar(f"SELECT count(*) FROM cases{_where(where)}", params))
