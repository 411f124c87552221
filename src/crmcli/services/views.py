"""Read-only views that gather one record and what surrounds it (the 360° view)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crmcli.clock import zone
from crmcli.services.companies import get_company, people_of
from crmcli.services.contacts import get_contact
from crmcli.storage import history
from crmcli.storage.db import Database


def contact_view(db: Database, contact_id: int, now: datetime) -> dict[str, Any]:
    contact = get_contact(db, contact_id)
    company = get_company(db, contact["company_id"]) if contact.get("company_id") else None
    local_time = None
    if contact.get("timezone"):
        local_time = now.astimezone(zone(contact["timezone"])).strftime("%Y-%m-%d %H:%M %Z")
    return {
        "contact": contact,
        "company": company,
        "local_time": local_time,
        "history": history.history_of(db, "contact", contact_id, limit=10),
    }


def company_view(db: Database, company_id: int) -> dict[str, Any]:
    return {
        "company": get_company(db, company_id),
        "people": people_of(db, company_id),
        "history": history.history_of(db, "company", company_id, limit=10),
    }
