"""Leads and the customer lifecycle: lead → qualified → opportunity → customer → churned.

A lead is a contact whose lifecycle stage is `lead`, with the channel it came from (its
source). Qualifying makes it `qualified`; converting makes it an `opportunity` and opens a
deal; winning a deal makes the contact a `customer` (services.deals); churning ends that.
Every step is a lifecycle_changes row with its time and actor, and the dates that KPIs
need (customer_since, churned_at) are kept on the contact.

Events, in order: lead.created (by services.contacts), lead.qualified, lead.converted then
deal.created, contact.churned.
"""

from __future__ import annotations

from crmcli.errors import Conflict, Invalid
from crmcli.services import contacts
from crmcli.services.contacts import ContactInput
from crmcli.services.deals import DealInput, add_deal
from crmcli.services.session import Session
from crmcli.storage import leads as store
from crmcli.storage.db import Database, Row

OPEN_STAGES = ("lead", "qualified")


def add_lead(session: Session, data: ContactInput) -> Row:
    """A new contact in the `lead` stage; its source is required (where it came from)."""
    if not data.source or not data.source.strip():
        raise Invalid("A lead needs --source: where it came from (web form, cold call, event, referral …).")
    data.lifecycle_stage = "lead"
    with session.write("lead add"):
        return contacts.add_contact(session, data)


def list_leads(
    db: Database,
    *,
    stages: tuple[str, ...] = OPEN_STAGES,
    source: str | None = None,
    owner: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    for stage in stages:
        if stage not in OPEN_STAGES:
            raise Invalid(f"Leads are in the stages {' and '.join(OPEN_STAGES)}, not {stage!r}.")
    return store.query(db, stages=stages, source=source, owner=owner, limit=limit, offset=offset)


def qualify_lead(session: Session, contact_id: int) -> Row:
    """lead → qualified."""
    with session.write("lead qualify"):
        current = contacts.get_contact(session.db, contact_id)
        if current["lifecycle_stage"] != "lead":
            raise Conflict(
                f"{current['name']} is {_stage_phrase(current)}, not a lead; only leads can be qualified."
            )
        updated = contacts.set_stage(session, contact_id, "qualified")
        session.emit("lead.qualified", "contact", contact_id, source=current["source"],
                     **{"from": "lead", "to": "qualified"})  # fmt: skip
        return updated


def convert_lead(session: Session, contact_id: int, deal: DealInput | None) -> tuple[Row, Row | None]:
    """lead or qualified → opportunity, and a deal opened for them (unless `deal` is None).

    lead.converted is emitted before the deal is made, so that a routing rule that gives
    the converted lead to a seller decides the deal's owner too (unless --owner is given).
    """
    with session.write("lead convert"):
        current = contacts.get_contact(session.db, contact_id)
        if current["lifecycle_stage"] not in OPEN_STAGES:
            raise Conflict(
                f"{current['name']} is {_stage_phrase(current)}; "
                "only leads and qualified leads can be converted."
            )
        contacts.set_stage(session, contact_id, "opportunity")
        session.emit("lead.converted", "contact", contact_id, source=current["source"],
                     **{"from": current["lifecycle_stage"], "to": "opportunity"})  # fmt: skip
        opened = None
        if deal is not None:
            contact = contacts.get_contact(session.db, contact_id)  # routing may have changed its owner
            deal.contact_id = contact_id
            if not deal.title or not deal.title.strip():
                deal.title = contact.get("company") or contact["name"]
            if deal.owner is None:
                deal.owner = contact.get("owner") or session.actor
            opened = add_deal(session, deal)
        return contacts.get_contact(session.db, contact_id), opened


def churn_contact(session: Session, contact_id: int, reason: str | None) -> Row:
    """customer → churned, with the reason; customer_since is kept, churned_at is set."""
    if reason is None or not reason.strip():
        raise Invalid("Churning a customer needs --reason: why they left.")
    with session.write("contact churn"):
        current = contacts.get_contact(session.db, contact_id)
        if current["lifecycle_stage"] != "customer":
            raise Conflict(f"{current['name']} is {_stage_phrase(current)}; only customers can churn.")
        updated = contacts.set_stage(session, contact_id, "churned", reason=reason.strip())
        session.emit(
            "contact.churned", "contact", contact_id, reason=reason.strip(),
            customer_since=current.get("customer_since"),
        )  # fmt: skip
        return updated


def _stage_phrase(contact: Row) -> str:
    stage = contact["lifecycle_stage"]
    article = "an" if stage[0] in "aeiou" else "a"
    special = {
        "churned": "churned",
        "qualified": "a qualified lead",
        "other": "not in the sales funnel (other)",
    }
    return special.get(stage, f"{article} {stage}")
