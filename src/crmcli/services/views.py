"""Read-only views that gather one record and what surrounds it: the 360° view.

A contact's view: their details, company, owner, tags, consent per purpose, local time,
open deals, open cases, next follow-ups and the latest activity. A company's view: its
details, people, open deals and cases across them, follow-ups and activity across them.
Each section is built by one function, so that a feature can enrich its own section
(the cases section is `cases_section`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from crmcli.services.companies import get_company, people_of
from crmcli.services.contacts import get_contact
from crmcli.storage import activities as activity_store
from crmcli.storage import views as store
from crmcli.storage.db import Database, Row

if TYPE_CHECKING:
    from crmcli.config import Config

TIMELINE_LENGTH = 10
COMPANY_TIMELINE_LENGTH = 15
FOLLOW_UPS_SHOWN = 10


def contact_view(db: Database, config: Config, contact_id: int, *, now: datetime) -> dict[str, Any]:
    contact = get_contact(db, contact_id)
    contact["last_touch_at"] = store.last_touch_at(db, contact_id)
    company = get_company(db, contact["company_id"]) if contact.get("company_id") else None
    return {
        "contact": contact,
        "company": company,
        "owner": owner_section(config, contact.get("owner")),
        "consents": store.latest_consents(db, contact_id),
        "local_time": local_time_section(config, contact.get("timezone"), now),
        "open_deals": deals_section(db, contact_id=contact_id),
        "open_cases": cases_section(db, config, now, contact_id=contact_id),
        "follow_ups": follow_ups_section(db, contact_id=contact_id),
        "follow_ups_count": follow_ups_count(db, contact_id=contact_id),
        "timeline": timeline_section(db, contact_id=contact_id),
    }


def company_view(db: Database, config: Config, company_id: int, *, now: datetime) -> dict[str, Any]:
    company = get_company(db, company_id)
    return {
        "company": company,
        "owner": owner_section(config, company.get("owner")),
        "people": people_of(db, company_id),
        "open_deals": deals_section(db, company_id=company_id),
        "open_cases": cases_section(db, config, now, company_id=company_id),
        "follow_ups": follow_ups_section(db, company_id=company_id),
        "follow_ups_count": follow_ups_count(db, company_id=company_id),
        "timeline": timeline_section(db, company_id=company_id),
    }


# --- sections -------------------------------------------------------------------------------


def owner_section(config: Config, handle: str | None) -> dict[str, Any] | None:
    if not handle:
        return None
    member = config.member(handle)
    return {
        "handle": handle,
        "name": (member.name if member else None) or None,
        "email": (member.email if member else None) or None,
    }


def local_time_section(config: Config, zone_name: str | None, now: datetime) -> dict[str, Any] | None:
    """The contact's wall-clock time now, and whether a call now is outside their hours."""
    if not zone_name:
        return None
    from crmcli.services.agenda import Zones, settings_from, their_clock

    clock = their_clock(zone_name, now, settings_from(config).hours, Zones())
    return None if clock["their_time"] is None else {
        "timezone": zone_name, "time": clock["their_time"], "outside_hours": clock["outside_hours"],
    }  # fmt: skip


def deals_section(db: Database, *, contact_id: int | None = None, company_id: int | None = None) -> list[Row]:
    rows = (
        store.open_deals_of_contact(db, contact_id)
        if contact_id is not None
        else store.open_deals_of_company(db, company_id or 0)
    )
    if rows:
        from crmcli.money import format_minor

        for row in rows:
            amount, currency = row["amount_minor"], row["currency"]
            row["amount"] = None if amount is None else format_minor(int(amount), currency)
    return rows


def cases_section(
    db: Database,
    config: Config,
    now: datetime,
    *,
    contact_id: int | None = None,
    company_id: int | None = None,
) -> list[Row]:
    """Open cases (new, open, pending), oldest first, each with its SLA state (`sla`)."""
    if contact_id is not None:
        rows = store.open_cases_of_contact(db, contact_id)
    else:
        rows = store.open_cases_of_company(db, company_id or 0)
    if not rows:
        return rows  # the SLA machinery is not worth importing for nothing
    from crmcli.services.sla import with_sla

    return with_sla(db, config, rows, now)


def follow_ups_section(
    db: Database, *, contact_id: int | None = None, company_id: int | None = None
) -> list[Row]:
    from crmcli.services.activities import with_status

    rows = (
        activity_store.follow_ups_of_contact(db, contact_id, FOLLOW_UPS_SHOWN)
        if contact_id is not None
        else activity_store.follow_ups_of_company(db, company_id or 0, FOLLOW_UPS_SHOWN)
    )
    return [with_status(row) for row in rows]


def follow_ups_count(db: Database, *, contact_id: int | None = None, company_id: int | None = None) -> int:
    """Every open follow-up, of which the view shows the first FOLLOW_UPS_SHOWN."""
    if contact_id is not None:
        return activity_store.open_follow_up_count_of_contact(db, contact_id)
    return activity_store.open_follow_up_count_of_company(db, company_id or 0)


def timeline_section(
    db: Database, *, contact_id: int | None = None, company_id: int | None = None
) -> list[Row]:
    from crmcli.services.activities import with_status

    rows = (
        activity_store.timeline_of_contact(db, contact_id, TIMELINE_LENGTH)
        if contact_id is not None
        else activity_store.timeline_of_company(db, company_id or 0, COMPANY_TIMELINE_LENGTH)
    )
    return [with_status(row) for row in rows]
