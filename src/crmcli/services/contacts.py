"""Contacts: the people a team sells to and supports."""

from __future__ import annotations

from datetime import date
from typing import Any

from crmcli import validate
from crmcli.errors import Conflict, CrmError, Invalid, NotFound
from crmcli.models import LIFECYCLE_STAGES, ListQuery, PlainRecord
from crmcli.services import companies as company_service
from crmcli.services import refs
from crmcli.services.session import Session, diff, new_uid
from crmcli.storage import contacts as store
from crmcli.storage import labels, search
from crmcli.storage.db import Database, Row

# The fields a person sets directly; each maps to a normaliser taking (value, session, data).
SCALAR_FIELDS = (
    "name", "title", "lifecycle_stage", "source", "owner", "country", "timezone", "language",
    "birthday",
)  # fmt: skip


class ContactInput(PlainRecord):
    """A contact as typed. None means "not given"; "" means "clear this field"."""

    # A plain class, not a dataclass: see the note above crmcli.config.Problem.
    def __init__(
        self,
        *,
        name: str | None = None,
        emails: list[str] | None = None,
        phones: list[str] | None = None,
        company: str | None = None,  # a company reference, or a new company's name
        title: str | None = None,
        lifecycle_stage: str | None = None,
        source: str | None = None,
        referred_by: str | None = None,  # a contact reference
        owner: str | None = None,
        country: str | None = None,
        timezone: str | None = None,
        language: str | None = None,
        birthday: str | None = None,
        tags: list[str] | None = None,
        untags: list[str] | None = None,
        fields: dict[str, str | None] | None = None,
    ) -> None:
        self.name = name
        self.emails = emails
        self.phones = phones
        self.company = company
        self.title = title
        self.lifecycle_stage = lifecycle_stage
        self.source = source
        self.referred_by = referred_by
        self.owner = owner
        self.country = country
        self.timezone = timezone
        self.language = language
        self.birthday = birthday
        self.tags: list[str] = [] if tags is None else tags
        self.untags: list[str] = [] if untags is None else untags
        self.fields: dict[str, str | None] = {} if fields is None else fields


def add_contact(session: Session, data: ContactInput) -> Row:
    """Create a contact (and its company when the name is new); returns the full record."""
    if not data.name or not data.name.strip():
        raise Invalid("A contact needs a name.")
    db = session.db
    with session.write("contact add"):
        values = _normalise(session, data, current=None)
        values.setdefault("lifecycle_stage", "other")
        values.setdefault("owner", default_owner(session))
        emails = values.pop("_emails", [])
        phones = values.pop("_phones", [])
        now = session.now_iso
        values.update(
            uid=new_uid(),
            email=emails[0] if emails else None,
            phone=phones[0] if phones else None,
            sort_key=validate.fold(values["name"]),
            created_at=now,
            updated_at=now,
        )
        if values["lifecycle_stage"] == "customer":
            values.setdefault("customer_since", now)
        contact_id = store.insert(db, values)
        store.replace_points(db, contact_id, "email", emails)
        store.replace_points(db, contact_id, "phone", phones)
        labels.add_tags(db, "contact", contact_id, data.tags)
        labels.set_fields(db, "contact", contact_id, {k: v for k, v in data.fields.items() if v})
        _reindex(db, contact_id)
        db.insert(
            "lifecycle_changes",
            {"contact_id": contact_id, "from_stage": None, "to_stage": values["lifecycle_stage"],
             "at": now, "actor": session.actor},
        )  # fmt: skip
        record = get_contact(db, contact_id)
        session.record("contact", contact_id, "create", None, _audit_view(record))
        session.emit("contact.created", "contact", contact_id)
        if record["lifecycle_stage"] == "lead":
            session.emit("lead.created", "contact", contact_id, source=record["source"])
        return get_contact(db, contact_id)


def edit_contact(session: Session, contact_id: int, data: ContactInput) -> Row:
    """Change the fields given. A new lifecycle stage is a step of the funnel, allowed and
    announced as the lead and churn commands do (services.leads)."""
    db = session.db
    with session.write("contact edit"):
        current = writable_contact(db, contact_id)
        values = _normalise(session, data, current=current)
        moved: str | None = values.get("lifecycle_stage")  # the new stage, if it is one
        if moved == current["lifecycle_stage"]:
            moved = None
        if moved:
            from crmcli.services import leads  # imported here: leads imports this module

            leads.check_edit_step(current, moved)
        emails = values.pop("_emails", None)
        phones = values.pop("_phones", None)
        if emails is not None:
            store.replace_points(db, contact_id, "email", emails)
            values["email"] = emails[0] if emails else None
        if phones is not None:
            store.replace_points(db, contact_id, "phone", phones)
            values["phone"] = phones[0] if phones else None
        if "name" in values:
            values["sort_key"] = validate.fold(values["name"])
        if moved:
            _stage_side_effects(session, current, moved, values)
        if values:
            values["updated_at"] = session.now_iso
            store.update(db, contact_id, values)
        labels.add_tags(db, "contact", contact_id, data.tags)
        labels.remove_tags(db, "contact", contact_id, data.untags)
        labels.set_fields(db, "contact", contact_id, data.fields)
        _reindex(db, contact_id)
        updated = get_contact(db, contact_id)
        before, after = diff(_audit_view(current), _audit_view(updated))
        if after:
            session.record("contact", contact_id, "update", before, after)
            session.emit("contact.updated", "contact", contact_id, changed=sorted(after))
        if moved:
            from crmcli.services import leads

            leads.emit_edit_step(session, current, updated)
        return get_contact(db, contact_id)  # as the rules on the events above left it


def set_stage(
    session: Session, contact_id: int, stage: str, reason: str | None = None, *, at: str | None = None
) -> Row:
    """Move a contact to a lifecycle stage, keeping the dates that KPIs depend on; `at` dates
    a step that happened before now (an imported churned_at), which is otherwise now."""
    if stage not in LIFECYCLE_STAGES:
        raise Invalid(f"Unknown lifecycle stage {stage!r}; use one of {', '.join(LIFECYCLE_STAGES)}.")
    db = session.db
    with session.write(f"contact stage {stage}"):
        current = writable_contact(db, contact_id)
        if current["lifecycle_stage"] == stage:
            return current
        values: dict[str, Any] = {"lifecycle_stage": stage, "updated_at": session.now_iso}
        _stage_side_effects(session, current, stage, values, reason=reason, at=at)
        store.update(db, contact_id, values)
        updated = get_contact(db, contact_id)
        before, after = diff(_audit_view(current), _audit_view(updated))
        session.record("contact", contact_id, "update", before, after, note=reason)
        return updated


def _stage_side_effects(
    session: Session,
    current: Row,
    stage: str,
    values: dict[str, Any],
    reason: str | None = None,
    at: str | None = None,
) -> None:
    when = at or session.now_iso
    if stage == "customer" and not current.get("customer_since"):
        values["customer_since"] = when
    if stage == "churned":
        values["churned_at"] = when
        if reason:
            values["churn_reason"] = reason
    if current["lifecycle_stage"] == "churned" and stage != "churned":
        keep_churn_on_record(session, current)
        values["churned_at"] = None
        values["churn_reason"] = None
    record_stage_change(session, current["id"], current["lifecycle_stage"], stage, at=when, reason=reason)


def keep_churn_on_record(session: Session, contact: Row) -> None:
    """Before a churned contact's churned_at is cleared (won back): the churn stays in the
    timeline, where the KPIs of its period count it. A churn made here is there already;
    one that came with the contact (an imported churned_at) is written, dated when it was."""
    churned_at = contact.get("churned_at")
    if churned_at and not store.churn_recorded(session.db, contact["id"], churned_at):
        record_stage_change(session, contact["id"], "customer", "churned", at=churned_at,
                            reason=contact.get("churn_reason"))  # fmt: skip


def record_stage_change(
    session: Session, contact_id: int, from_stage: str, to_stage: str, *, at: str, reason: str | None
) -> None:
    """The timeline row of a move between lifecycle stages (crm undo removes the rows its
    change wrote): at `at`, now for a step taken here, the won date for an imported win."""
    session.db.insert(
        "lifecycle_changes",
        {"contact_id": contact_id, "from_stage": from_stage, "to_stage": to_stage, "at": at,
         "actor": session.actor, "reason": reason},
    )  # fmt: skip


def delete_contact(session: Session, contact_id: int) -> Row:
    db = session.db
    with session.write("contact delete"):
        current = get_contact(db, contact_id)
        from crmcli.services.undo import record_delete

        record_delete(session, "contact", contact_id, _audit_view(current))  # before: undo needs it
        labels.drop_labels(db, "contact", contact_id)
        store.delete(db, contact_id)
        return current


def tag_contact(session: Session, contact_id: int, add: list[str], remove: list[str]) -> Row:
    return edit_contact(session, contact_id, ContactInput(tags=add, untags=remove))


def writable_contact(db: Database, contact_id: int) -> Row:
    """A contact that something may be recorded about: any but an erased one."""
    contact = get_contact(db, contact_id)
    refuse_if_erased(contact)
    return contact


def refuse_if_erased(contact: Row | None, error: type[CrmError] = Conflict) -> None:
    """After `crm gdpr forget`, nothing new may be recorded about the person: whatever was
    written would be personal data that no later erasure could remove (forget refuses a
    contact it erased already). The anonymised row is known by its name, "[erased]",
    which no live contact may take (_normalise)."""
    if contact is not None and is_erased(contact):
        raise erased_refusal(contact["id"], error)


def refuse_if_erased_id(db: Database, contact_id: int | None, error: type[CrmError] = Conflict) -> None:
    """refuse_if_erased for a contact known by its id (None: no contact, nothing to refuse)."""
    if contact_id is not None:
        refuse_if_erased(store.get(db, contact_id), error)


def erased_refusal(contact_id: int, error: type[CrmError] = Conflict) -> CrmError:
    return error(f"Contact #{contact_id} was erased; nothing can be recorded about them.")


def is_erased(contact: Row) -> bool:
    """Whether the row is one `gdpr forget` anonymised: erasure leaves no other mark."""
    from crmcli.storage.privacy import ERASED  # not at the top: `crm show` reads contacts

    return bool(contact.get("name") == ERASED)


def erased_ids(db: Database) -> set[int]:
    """The ids of every erased contact (is_erased), for a check of many at once."""
    from crmcli.storage.privacy import ERASED

    return store.ids_named(db, validate.fold(ERASED), ERASED)


def get_contact(db: Database, contact_id: int) -> Row:
    row = store.get(db, contact_id)
    if row is None:
        raise NotFound(f"There is no contact #{contact_id}.")
    points = store.points_of(db, contact_id)
    row["emails"] = [p["value"] for p in points if p["kind"] == "email"]
    row["phones"] = [p["value"] for p in points if p["kind"] == "phone"]
    row["tags"] = labels.tags_of(db, "contact", [contact_id])[contact_id]
    row["fields"] = labels.fields_of(db, "contact", [contact_id])[contact_id]
    if row.get("referred_by"):
        referrer = store.get(db, row["referred_by"])
        row["referred_by_name"] = referrer["name"] if referrer else None
    return row


def check_query(query: ListQuery) -> None:
    """What `contact list` and `export contacts` refuse before reading anything."""
    if query.stage is not None and query.stage not in LIFECYCLE_STAGES:
        raise Invalid(f"Unknown lifecycle stage {query.stage!r}; use one of {', '.join(LIFECYCLE_STAGES)}.")
    if query.sort.lstrip("-") not in store.SORTABLE:
        raise Invalid(
            f"Cannot sort contacts by {query.sort.lstrip('-')!r}; use one of {', '.join(store.SORTABLE)}."
        )


def list_contacts(db: Database, query: ListQuery) -> list[Row]:
    check_query(query)
    rows = store.query(db, query)
    ids = [r["id"] for r in rows]
    tags = labels.tags_of(db, "contact", ids)
    fields = labels.fields_of(db, "contact", ids)
    for row in rows:
        row["tags"] = tags[row["id"]]
        row["fields"] = fields[row["id"]]
    return rows


def _normalise(session: Session, data: ContactInput, current: Row | None) -> dict[str, Any]:
    """Validated column values for the fields that were given; "" clears a field."""
    config = session.config
    db = session.db
    out: dict[str, Any] = {}

    def given(value: str | None) -> bool:
        return value is not None

    if given(data.name):
        name = " ".join((data.name or "").split())
        if not name:
            raise Invalid("A contact's name cannot be empty.")
        from crmcli.storage.privacy import ERASED

        if name.casefold() == ERASED:  # the mark of an erased person (is_erased)
            raise Invalid(
                f'A contact cannot be named "{ERASED}": that name marks a person whose data was erased.'
            )
        out["name"] = name
    for key in ("title", "source"):
        value = getattr(data, key)
        if given(value):
            out[key] = validate.one_line(value) or None
    if given(data.lifecycle_stage):
        stage = (data.lifecycle_stage or "").strip().lower()
        if stage not in LIFECYCLE_STAGES:
            raise Invalid(
                f"Unknown lifecycle stage {data.lifecycle_stage!r}; use one of {', '.join(LIFECYCLE_STAGES)}."
            )
        if current is None:
            refuse_new_churned(out.get("name") or "", stage)
        out["lifecycle_stage"] = stage
    if given(data.owner):
        out["owner"] = owner_handle(session, data.owner or "")
    if given(data.country):
        out["country"] = validate.country_code(data.country) if data.country else None
    if given(data.timezone):
        out["timezone"] = validate.timezone_name(data.timezone) if data.timezone else None
    if given(data.language):
        out["language"] = validate.language_code(data.language) if data.language else None
    if given(data.birthday):
        out["birthday"] = (
            validate.birthday(validate.calendar_date(data.birthday, "birthday"), local_today(session))
            if data.birthday
            else None
        )
    if data.emails is not None:
        emails = [validate.email_address(e) for e in data.emails if e.strip()]
        # Kari@fjord.no and kari@fjord.no reach one mailbox, as duplicates and merge judge
        # them: keep the first as written.
        first: dict[str, str] = {}
        for email in emails:
            first.setdefault(email.casefold(), email)
        out["_emails"] = list(first.values())
    if data.phones is not None:
        country = out.get("country") or (current or {}).get("country") or config.default_country
        phones = [validate.phone_number(p, country) for p in data.phones if p.strip()]
        out["_phones"] = list(dict.fromkeys(phones))
    if given(data.company):
        out["company_id"] = company_service.find_or_create(session, data.company) if data.company else None
    if given(data.referred_by):
        if data.referred_by:
            referrer = refs.contact_id(db, data.referred_by)
            if current and referrer == current["id"]:
                raise Invalid("A contact cannot be referred by themselves.")
            refuse_if_erased_id(db, referrer)  # a referral is something about the referrer
            out["referred_by"] = referrer
        else:
            out["referred_by"] = None
    # `--tag a;b` is two tags, as `--tag a,b` is: no stored tag holds a separator (validate.tags).
    data.tags = validate.tags(data.tags)
    data.untags = validate.tag_names(data.untags)
    data.fields = checked_fields(data.fields)
    return out


# Custom fields that hold a text with its lines, as activity notes do: the one a vCard's
# NOTE fills (services.vcard.NOTE_FIELD) and gives back, and the notes, descriptions and
# comments columns other systems export.
MULTI_LINE_FIELDS = frozenset({"note", "notes", "description", "comment", "comments"})


def checked_fields(fields: dict[str, str | None]) -> dict[str, str | None]:
    """Custom fields as given, each name checked and each value on one line (validate.one_line)
    but a note's; an empty value still clears its field. Companies take theirs through here too."""
    for key in fields:
        if not key or not key.replace("_", "").replace("-", "").isalnum():
            raise Invalid(f"The custom field name {key!r} must be letters, digits, '_' or '-'.")
    return {
        key: validate.one_line(value) if value and key not in MULTI_LINE_FIELDS else value
        for key, value in fields.items()
    }


def local_today(session: Session) -> date:
    """Today's date where the acting user is (a birthday is judged by it)."""
    return session.now.astimezone(session.tz).date()


def refuse_new_churned(name: str, stage: str) -> None:
    """Only customers churn: a contact made churned would have no churned_at or reason, and
    no customer spell for the KPIs to end, so churn would never count them. (An edit into
    churned is refused by services.leads.check_edit_step.)"""
    if stage == "churned":
        raise Invalid(
            f"{name} cannot be added as churned: only customers churn, so add them with "
            "--stage customer, then run crm contact churn REF --reason TEXT."
        )


def default_owner(session: Session) -> str | None:
    """Who owns a new record when no --owner is given: the acting user, unless the config
    lists a team they are not on (a login name such as "root" where no user is set); owners
    must be team members, so the record is then left without one."""
    team = session.config.team
    if team and session.actor not in {member.handle for member in team}:
        return None
    return session.actor


def owner_handle(session: Session, handle: str) -> str | None:
    """An owner must be on the team when the config lists a team (Config.owner_on_team)."""
    return session.config.owner_on_team(handle)


def _reindex(db: Database, contact_id: int) -> None:
    row = store.get(db, contact_id)
    if row is None:
        return
    points = store.points_of(db, contact_id)
    parts = [row["name"], row.get("title") or ""] + [p["value"] for p in points]
    search.index(db, "contacts", contact_id, searchable(" ".join(parts)))


def searchable(text: str) -> str:
    """Folded text plus its accent-free form, so "Malmo" finds "Malmö" and "Malmö" too."""
    folded = validate.fold(text)
    bare = validate.strip_accents(folded)
    return folded if bare == folded else f"{folded} {bare}"


_AUDITED = (
    "name", "emails", "phones", "company_id", "title", "lifecycle_stage", "source",
    "referred_by", "owner", "country", "timezone", "language", "birthday", "customer_since",
    "churned_at", "churn_reason", "tags", "fields",
)  # fmt: skip


def _audit_view(row: Row) -> dict[str, Any]:
    return {key: row.get(key) for key in _AUDITED}
