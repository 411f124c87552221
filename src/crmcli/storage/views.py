"""Queries for the 360° view: a contact's or a company's open deals, open cases, consents."""

from __future__ import annotations

from crmcli.storage.db import Database, Row

_DEAL = (
    "SELECT d.id, d.title, d.pipeline, d.stage, d.amount_minor, d.currency, d.close_date, d.owner, "
    "d.kind, d.contact_id, c.name AS contact FROM deals d LEFT JOIN contacts c ON c.id = d.contact_id"
)
_CASE = (
    "SELECT k.id, k.subject, k.priority, k.status, k.queue, k.owner, k.opened_at, "
    "k.first_response_at, k.escalation_level, k.contact_id, c.name AS contact "
    "FROM cases k LEFT JOIN contacts c ON c.id = k.contact_id"
)
_OPEN_CASE = "k.status IN ('new', 'open', 'pending')"
# Open deals first by when they are expected to close (undated last).
_DEAL_ORDER = " ORDER BY d.close_date IS NULL, d.close_date, d.id"


def open_deals_of_contact(db: Database, contact_id: int) -> list[Row]:
    return db.rows(f"{_DEAL} WHERE d.contact_id = ? AND d.status = 'open'{_DEAL_ORDER}", [contact_id])


def open_deals_of_company(db: Database, company_id: int) -> list[Row]:
    """The company's own deals and those of its people."""
    return db.rows(
        f"{_DEAL} WHERE d.id IN (SELECT id FROM deals WHERE company_id = ? UNION "
        "SELECT x.id FROM deals x JOIN contacts p ON p.id = x.contact_id WHERE p.company_id = ?) "
        f"AND d.status = 'open'{_DEAL_ORDER}",
        [company_id, company_id],
    )


def open_cases_of_contact(db: Database, contact_id: int) -> list[Row]:
    return db.rows(
        f"{_CASE} WHERE k.contact_id = ? AND {_OPEN_CASE} ORDER BY k.opened_at, k.id", [contact_id]
    )


def open_cases_of_company(db: Database, company_id: int) -> list[Row]:
    return db.rows(
        f"{_CASE} WHERE k.id IN (SELECT id FROM cases WHERE company_id = ? UNION "
        "SELECT x.id FROM cases x JOIN contacts p ON p.id = x.contact_id WHERE p.company_id = ?) "
        f"AND {_OPEN_CASE} ORDER BY k.opened_at, k.id",
        [company_id, company_id],
    )


def latest_consents(db: Database, contact_id: int) -> list[Row]:
    """The latest consent recorded for each purpose (given or withdrawn)."""
    rows = db.rows(
        "SELECT purpose, status, at, source, recorded_by FROM consents WHERE contact_id = ? ORDER BY at, id",
        [contact_id],
    )
    latest: dict[str, Row] = {}
    for row in rows:
        latest[row["purpose"]] = row
    return sorted(latest.values(), key=lambda r: r["purpose"])


def last_touch_at(db: Database, contact_id: int) -> str | None:
    return db.scalar("SELECT last_touch_at FROM contacts WHERE id = ?", [contact_id])
