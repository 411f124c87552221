"""Leads and the customer lifecycle: lead → qualified → opportunity → customer → churned.

A lead is a contact whose lifecycle stage is `lead`, with the channel it came from (its
source). Qualifying makes it `qualified`; converting makes it an `opportunity` and opens a
deal; winning a deal makes the contact a `customer` (services.deals); churning ends that.
Every step is a lifecycle_changes row with its time and actor, and the dates that KPIs
need (customer_since, churned_at) are kept on the contact.

Events, in order: lead.created (by services.contacts), lead.qualified, lead.converted then
deal.created, contact.churned. `crm contact edit --stage` takes the lead commands' steps
with the same events (check_edit_step, emit_edit_step), and no other: it ends no customer,
and makes one only of a contact outside the funnel, as `crm add --stage customer` does.
"""

from __future__ import annotations

from crmcli import validate
from crmcli.errors import Conflict, Invalid
from crmcli.services import contacts
from crmcli.services.contacts import ContactInput
from crmcli.services.deals import DealInput, add_deal
from crmcli.services.session import Session
from crmcli.storage import leads as store
from crmcli.storage.db import Row

OPEN_STAGES = ("lead", "qualified")


def add_lead(session: Session, data: ContactInput) -> Row:
    """A new contact in the `lead` stage; its source is required (where it came from)."""
    if not data.source or not data.source.strip():
        raise Invalid("A lead needs --source: where it came from (web form, cold call, event, referral …).")
    data.lifecycle_stage = "lead"
    with session.write("lead add"):
        return contacts.add_contact(session, data)


def list_leads(
    session: Session,
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
    if owner is not None:  # a mistyped handle is refused, as `crm deal list` does, not an empty list
        owner = contacts.owner_handle(session, owner)
    return store.query(session.db, stages=stages, source=source, owner=owner, limit=limit, offset=offset)


def qualify_lead(session: Session, contact_id: int) -> Row:
    """lead → qualified."""
    with session.write("lead qualify"):
        current = contacts.writable_contact(session.db, contact_id)
        check_qualify(current)
        contacts.set_stage(session, contact_id, "qualified")
        session.emit("lead.qualified", "contact", contact_id, source=current["source"],
                     **{"from": "lead", "to": "qualified"})  # fmt: skip
        return contacts.get_contact(session.db, contact_id)  # as the rules on lead.qualified left it


def convert_lead(session: Session, contact_id: int, deal: DealInput | None) -> tuple[Row, Row | None]:
    """lead or qualified → opportunity, and a deal opened for them (unless `deal` is None).

    lead.converted is emitted before the deal is made, so that a routing rule that gives
    the converted lead to a seller decides the deal's owner too (unless --owner is given).
    """
    with session.write("lead convert"):
        current = contacts.writable_contact(session.db, contact_id)
        check_convert(current)
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
    reason = validate.one_line(reason or "")  # `crm contact show` gives it one line
    if not reason:
        raise Invalid("Churning a customer needs --reason: why they left.")
    with session.write("contact churn"):
        current = contacts.writable_contact(session.db, contact_id)
        check_churn(current)
        contacts.set_stage(session, contact_id, "churned", reason=reason)
        session.emit(
            "contact.churned", "contact", contact_id, reason=reason,
            customer_since=current.get("customer_since"),
        )  # fmt: skip
        return contacts.get_contact(session.db, contact_id)  # as the rules on contact.churned left it


def check_qualify(contact: Row) -> None:
    if contact["lifecycle_stage"] != "lead":
        raise Conflict(
            f"{contact['name']} is {_stage_phrase(contact)}, not a lead; only leads can be qualified."
        )


def check_convert(contact: Row) -> None:
    if contact["lifecycle_stage"] not in OPEN_STAGES:
        raise Conflict(
            f"{contact['name']} is {_stage_phrase(contact)}; only leads and qualified leads can be converted."
        )


def check_churn(contact: Row) -> None:
    if contact["lifecycle_stage"] != "customer":
        raise Conflict(f"{contact['name']} is {_stage_phrase(contact)}; only customers can churn.")


# `crm contact edit --stage` is the one way to put an existing contact in another stage;
# were it a plain column change, routing rules would never see the leads it makes, and the
# KPIs would go wrong: a customer moved elsewhere keeps customer_since without churned_at,
# so they count as a customer kept for ever (no churn, full retention), and a lead made a
# customer without a won deal counts as a conversion with nothing sold. So edit takes
# exactly the steps of the lead commands, with their events: other → lead (`crm add
# --stage lead`, for someone already known), lead → qualified (`crm lead qualify`), lead
# or qualified → opportunity (`crm lead convert --no-deal`); other → customer, as
# `crm add --stage customer` records someone who bought before they were in crm. Every
# other move is refused with the command that takes it: in the funnel a won deal makes a
# customer (and wins a churned one back, the only way out of churned: leaving it
# otherwise would clear churned_at and count them a customer again), `crm contact churn`
# ends one, and nothing moves a contact back down the funnel or out of it (out to other
# and back in as a customer or a new lead would be the refused moves in two steps).


def check_edit_step(contact: Row, stage: str) -> None:
    """Refuse a move of `contact` into `stage` by `crm contact edit` that the lead
    commands do not take, before anything is written."""
    current, name, ref = contact["lifecycle_stage"], contact["name"], contact["id"]
    if stage == "qualified":
        check_qualify(contact)
    elif stage == "opportunity":
        check_convert(contact)
    elif stage == "churned":
        check_churn(contact)
        raise Invalid(f"Churn {name} with crm contact churn {ref} --reason TEXT, which keeps why they left.")
    elif stage == "customer":
        if current == "other":
            return  # someone outside the funnel who is a customer already, as `crm add --stage customer`
        opener = (
            f"crm lead convert {ref}" if current in OPEN_STAGES else f"crm deal add TITLE --contact {ref}"
        )
        raise Conflict(
            f"A won deal makes {name} a customer: crm deal won ID ({opener} opens one if they have none)."
        )
    elif (current, stage) == ("other", "lead"):
        return  # into the funnel, as `crm add --stage lead` puts a new contact
    elif current == "customer":
        raise Conflict(
            f"{name} is a customer, and only churning ends that: crm contact churn {ref} --reason TEXT."
        )
    elif current == "churned":
        raise Conflict(
            f"{name} churned, and only a won deal wins them back: crm deal won ID "
            f"(crm deal add TITLE --contact {ref} opens one if they have none)."
        )
    else:  # lead, qualified or opportunity, back to a lead or out to other
        onward = {"lead": "crm lead qualify or crm lead convert", "qualified": "crm lead convert"}
        away = "back to a lead" if stage == "lead" else "out of it to other"
        raise Conflict(
            f"{name} is {_stage_phrase(contact)}, and the funnel only moves on from there "
            f"({onward.get(current, 'crm deal won ID')}), never {away}."
        )


def emit_edit_step(session: Session, before: Row, after: Row) -> None:
    """The event of the step that `crm contact edit` took from `before` to `after`: the
    one `crm add --stage lead`, `crm lead qualify` or `crm lead convert --no-deal` emits."""
    stage, previous = after["lifecycle_stage"], before["lifecycle_stage"]
    if stage == "lead":
        session.emit("lead.created", "contact", after["id"], source=after["source"])
    elif stage in ("qualified", "opportunity"):
        name = "lead.qualified" if stage == "qualified" else "lead.converted"
        session.emit(name, "contact", after["id"], source=after["source"], **{"from": previous, "to": stage})


def _stage_phrase(contact: Row) -> str:
    stage = contact["lifecycle_stage"]
    article = "an" if stage[0] in "aeiou" else "a"
    special = {
        "churned": "churned",
        "qualified": "a qualified lead",
        "other": "not in the sales funnel (other)",
    }
    return special.get(stage, f"{article} {stage}")
