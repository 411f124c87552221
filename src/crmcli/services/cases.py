"""Support cases: opened against a contact, worked in queues, answered, resolved.

A case moves through `new` (nobody has answered) → `open` → `pending` (waiting on the
customer; the SLA clock stops) → `resolved` → `closed`, and `reopen` brings it back.
Every status change, reply, note, assignment, escalation, priority and queue change is
kept in `case_events` with its time and actor; the first reply stamps first_response_at.
Routing rules run on case.opened (choosing the queue, owner, priority), case.assigned,
case.escalated, case.resolved and case.sla_breached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmcli.errors import Conflict, Invalid, NotFound

if TYPE_CHECKING:
    from crmcli.config import Checker, Config, KeyPath
    from crmcli.services.session import Session
    from crmcli.storage.db import Database, Row

PRIORITIES = ("low", "normal", "high", "urgent")  # in rising order: rules may compare them
STATUSES = ("new", "open", "pending", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "pending")
CHANNELS = ("email", "phone", "web", "chat", "social", "portal", "in-person", "other")

DEFAULT_QUEUES: dict[str, dict[str, Any]] = {
    "first-line": {"description": "Everyday questions, answered first", "escalate_to": "second-line"},
    "second-line": {"description": "Specialists, for what first line cannot solve"},
}


# --- references and reading ---------------------------------------------------------------


def case_id_from(ref: str) -> int:
    """A case by id: 12, #12 or case:12."""
    from crmcli.services.refs import parse_id

    text = ref.strip()
    if text.lower().startswith("case:"):
        text = text[5:]
    number = parse_id(text, "case")
    if number is None:
        raise Invalid(f"A case is named by its id (12, #12 or case:12), not {ref!r}.")
    return number


def get_case(db: Database, case_id: int) -> Row:
    from crmcli.storage import cases as store
    from crmcli.storage import labels

    row = store.get(db, case_id)
    if row is None:
        raise NotFound(f"There is no case #{case_id}.")
    row["tags"] = labels.tags_of(db, "case", [case_id])[case_id]
    row["fields"] = labels.fields_of(db, "case", [case_id])[case_id]
    return row


def list_cases(
    db: Database,
    *,
    statuses: tuple[str, ...] = OPEN_STATUSES,
    queue: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    contact_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Row]:
    from crmcli.storage import cases as store

    statuses, priority = checked_filters(statuses, priority)
    return store.query(db, statuses=statuses, queue=queue, owner=owner, priority=priority,
                       contact_id=contact_id, limit=limit, offset=offset)  # fmt: skip


def checked_filters(statuses: tuple[str, ...], priority: str | None) -> tuple[tuple[str, ...], str | None]:
    """The statuses and priority a case list (or export) asks for, each checked and normalised."""
    checked = tuple(_choice(status, STATUSES, "status") for status in statuses)
    return checked, _choice(priority, PRIORITIES, "priority") if priority is not None else None


def checked_people(session: Session, queue: str | None, owner: str | None) -> tuple[str | None, str | None]:
    """The queue and owner a case list (or export) asks for, refused as opening a case
    refuses them: a queue or owner nothing can have would list nothing, which reads as
    "nothing to do" rather than as the typo it is. Someone no longer active may still own
    cases, so only being on the team is asked of an owner here."""
    from crmcli.services.contacts import owner_handle

    return (
        _queue(session.config, queue) if queue else None,
        owner_handle(session, owner) if owner else None,
    )


def timeline(db: Database, case_id: int) -> list[Row]:
    from crmcli.storage import cases as store

    return store.events_of(db, case_id)


def queue_names(config: Config) -> list[str]:
    return list((config.get("queues") or DEFAULT_QUEUES).keys())


# --- changes --------------------------------------------------------------------------------


def open_case(
    session: Session,
    contact_id: int,
    subject: str,
    *,
    priority: str | None = None,
    channel: str | None = None,
    queue: str | None = None,
    owner: str | None = None,
    body: str | None = None,
) -> Row:
    """Open a case for a contact; rules on case.opened may then set queue, owner, priority."""
    from crmcli.services.contacts import writable_contact
    from crmcli.storage import cases as store

    text = " ".join((subject or "").split())
    if not text:
        raise Invalid("A case needs a subject.")
    values: dict[str, Any] = {
        "priority": _choice(priority or "normal", PRIORITIES, "priority"),
        "channel": _choice(channel, CHANNELS, "channel") if channel else None,
        "queue": _queue(session.config, queue) if queue else queue_names(session.config)[0],
        "owner": _owner(session, owner) if owner else None,
    }
    from crmcli.services.session import new_uid

    db = session.db
    with session.write("case open"):
        contact = writable_contact(db, contact_id)
        now = session.now_iso
        case_id = store.insert(db, {
            "uid": new_uid(), "contact_id": contact_id, "company_id": contact.get("company_id"),
            "subject": text, "status": "new", "escalation_level": 0, "opened_at": now,
            "created_at": now, "updated_at": now, **values,
        })  # fmt: skip
        _event(session, case_id, "status", None, "new", body)
        created = get_case(db, case_id)
        session.record("case", case_id, "create", None, _audit_view(created))
        session.emit("case.opened", "case", case_id, channel=values["channel"])
        if values["owner"]:
            session.emit("case.assigned", "case", case_id, owner=values["owner"])
        return get_case(db, case_id)


def assign(session: Session, case_id: int, handle: str, *, note: str | None = None) -> Row:
    owner = _owner(session, handle)
    with session.write("case assign"):
        case = _open_for_change(session.db, case_id)
        _refuse_text_about_erased(session.db, case, note)
        if case["owner"] == owner:
            return case
        before = _audit_view(case)
        set_owner(session, case, owner, note)
        _save(session, case, before, {})
        session.emit("case.assigned", "case", case_id, owner=owner)
        return get_case(session.db, case_id)


def reply(
    session: Session,
    case_id: int,
    body: str,
    *,
    inbound: bool = False,
    then_pending: bool = False,
) -> Row:
    """A reply to the customer (the first one is the first response), or their message.

    An inbound message (`inbound=True`) wakes a pending or resolved case up again.
    """
    if not body or not body.strip():
        raise Invalid("A reply needs some text.")
    if inbound and then_pending:
        raise Invalid("A message from the customer cannot also make the case pending.")
    with session.write("case reply"):
        case = get_case(session.db, case_id)
        _refuse_text_about_erased(session.db, case, body)
        if case["status"] == "closed":
            raise Conflict(f"Case #{case_id} is closed; reopen it first (crm case reopen {case_id}).")
        before = _audit_view(case)
        changes: dict[str, Any] = {}
        if inbound:
            _event(session, case_id, "inbound", None, None, body.strip())
            if case["status"] in ("pending", "resolved"):
                _status(session, case, "open", changes)
        else:
            _event(session, case_id, "reply", None, None, body.strip())
            if not case["first_response_at"]:
                changes["first_response_at"] = session.now_iso
            target = "pending" if then_pending else ("open" if case["status"] == "new" else None)
            if target and target != case["status"]:
                _status(session, case, target, changes)
        return _save(session, case, before, changes)


def add_note(session: Session, case_id: int, body: str) -> Row:
    """An internal note: kept in the timeline, never sent, not a response."""
    if not body or not body.strip():
        raise Invalid("A note needs some text.")
    with session.write("case note"):
        case = get_case(session.db, case_id)
        _refuse_text_about_erased(session.db, case, body)
        before = _audit_view(case)
        _event(session, case_id, "note", None, None, body.strip())
        return _save(session, case, before, {})


def set_pending(session: Session, case_id: int, reason: str | None = None) -> Row:
    return _move(session, "case pending", case_id, "pending", ("new", "open"), reason)


def resolve(session: Session, case_id: int, note: str | None = None) -> Row:
    return _move(session, "case resolve", case_id, "resolved", OPEN_STATUSES, note, event="case.resolved")


def close(session: Session, case_id: int, note: str | None = None) -> Row:
    return _move(session, "case close", case_id, "closed", (*OPEN_STATUSES, "resolved"), note)


def reopen(session: Session, case_id: int, note: str | None = None) -> Row:
    return _move(session, "case reopen", case_id, "open", ("resolved", "closed"), note)


def escalate(
    session: Session,
    case_id: int,
    *,
    queue: str | None = None,
    owner: str | None = None,
    priority: str | None = None,
    reason: str | None = None,
) -> Row:
    """One level up: to `queue` (or the current queue's escalate_to), optionally to a person."""
    new_owner = _owner(session, owner) if owner else None
    new_priority = _choice(priority, PRIORITIES, "priority") if priority else None
    with session.write("case escalate"):
        case = _open_for_change(session.db, case_id)
        _refuse_text_about_erased(session.db, case, reason)
        before = _audit_view(case)
        target_queue = (
            _queue(session.config, queue) if queue else _escalates_to(session.config, case["queue"])
        )
        raise_level(session, case, target_queue, reason)
        current = get_case(session.db, case_id)
        if new_priority and new_priority != current["priority"]:
            set_priority(session, current, new_priority, reason)
        if new_owner and new_owner != current["owner"]:
            set_owner(session, get_case(session.db, case_id), new_owner, reason)
        # Recorded before the events, so that undo reverses what the rules did first.
        _save(session, case, before, {})
        session.emit("case.escalated", "case", case_id, level=current["escalation_level"],
                     queue=current["queue"])  # fmt: skip
        if new_owner and new_owner != case["owner"]:
            session.emit("case.assigned", "case", case_id, owner=new_owner)
        return get_case(session.db, case_id)


# --- single changes, shared with routing rules (no events fired here) ------------------------


def set_owner(session: Session, case: Row, owner: str | None, note: str | None = None) -> None:
    _event(session, case["id"], "assign", case["owner"], owner, note)
    _update(session, case["id"], {"owner": owner})


def set_queue(session: Session, case: Row, queue: str, note: str | None = None) -> None:
    if case["queue"] == queue:
        return
    _event(session, case["id"], "queue", case["queue"], queue, note)
    _update(session, case["id"], {"queue": queue})


def set_priority(session: Session, case: Row, priority: str, note: str | None = None) -> None:
    if case["priority"] == priority:
        return
    _event(session, case["id"], "priority", case["priority"], priority, note)
    _update(session, case["id"], {"priority": priority})


def raise_level(session: Session, case: Row, queue: str | None, note: str | None = None) -> None:
    """Escalation level + 1, and the case moves to `queue` when one is given."""
    level = int(case["escalation_level"] or 0) + 1
    _event(session, case["id"], "escalate", str(level - 1), str(level), note)
    values: dict[str, Any] = {"escalation_level": level}
    _update(session, case["id"], values)
    if queue:
        set_queue(session, get_case(session.db, case["id"]), queue, note)


def escalation_queue(config: Config, current: str | None) -> str | None:
    return _escalates_to(config, current)


# --- internals ------------------------------------------------------------------------------


def _move(
    session: Session,
    command: str,
    case_id: int,
    status: str,
    allowed_from: tuple[str, ...],
    note: str | None,
    event: str | None = None,
) -> Row:
    """Move a case to `status`; the change is named by the `command` that asked for it
    (`crm undo` names it so: "case reopen", not the status it went to)."""
    with session.write(command):
        case = get_case(session.db, case_id)
        if case["status"] not in allowed_from:
            raise Conflict(
                f"Case #{case_id} is {case['status']}; only a case that is "
                f"{' or '.join(allowed_from)} can become {status}."
            )
        _refuse_text_about_erased(session.db, case, note)
        before = _audit_view(case)
        changes: dict[str, Any] = {}
        _status(session, case, status, changes, note)
        _save(session, case, before, changes)
        if event:
            session.emit(event, "case", case_id)
        return get_case(session.db, case_id)


def _status(
    session: Session, case: Row, status: str, changes: dict[str, Any], note: str | None = None
) -> None:
    _event(session, case["id"], "status", case["status"], status, note)
    changes["status"] = status
    now = session.now_iso
    if status == "resolved":
        changes["resolved_at"] = now
    elif status == "closed":
        changes["closed_at"] = now
    elif case["status"] in ("resolved", "closed"):
        changes["resolved_at"] = None
        changes["closed_at"] = None


def _save(session: Session, case: Row, before: dict[str, Any], changes: dict[str, Any]) -> Row:
    from crmcli.services.session import diff

    _update(session, case["id"], changes)  # updated_at moves even when only a reply was added
    updated = get_case(session.db, case["id"])
    old, new = diff(before, _audit_view(updated))
    # Recorded even when no field changed (a note, a second reply): the timeline rows the
    # command added are the change, and without a record undo would reverse an older one.
    session.record("case", case["id"], "update", old, new)
    return updated


def _update(session: Session, case_id: int, values: dict[str, Any]) -> None:
    session.db.update("cases", case_id, {**values, "updated_at": session.now_iso})


def _event(
    session: Session, case_id: int, kind: str, old: str | None, new: str | None, body: str | None
) -> None:
    from crmcli.storage import cases as store

    store.add_event(session.db, case_id, at=session.now_iso, actor=session.actor, kind=kind,
                    from_value=old, to_value=new, body=body)  # fmt: skip


def _refuse_text_about_erased(db: Database, case: Row, text: str | None) -> None:
    """An erased person's case still moves (resolved, closed, assigned, escalated), so that
    the queues stay true, but takes no message or note: that would be text about them,
    which `gdpr forget` erases from every case event and could not erase again."""
    if text and text.strip() and case.get("contact_id"):
        from crmcli.services.contacts import refuse_if_erased_id

        refuse_if_erased_id(db, case["contact_id"])


def needs_reopening(case: Row) -> bool:
    """Whether a case is resolved or closed: escalating, requeueing, reprioritising or
    reassigning it then waits for `crm case reopen` (and a rule waits as a command does)."""
    return case["status"] in ("resolved", "closed")


def _open_for_change(db: Database, case_id: int) -> Row:
    case = get_case(db, case_id)
    if needs_reopening(case):
        raise Conflict(f"Case #{case_id} is {case['status']}; reopen it first (crm case reopen {case_id}).")
    return case


def _choice(value: str | None, choices: tuple[str, ...], what: str) -> str:
    text = (value or "").strip().lower()
    if text not in choices:
        raise Invalid(f"Unknown {what} {value!r}; use one of {', '.join(choices)}.")
    return text


def _queue(config: Config, name: str) -> str:
    names = queue_names(config)
    if name not in names:
        raise Invalid(f"Unknown queue {name!r}; use one of {', '.join(names)}.")
    return name


def _escalates_to(config: Config, current: str | None) -> str | None:
    queues = config.get("queues") or DEFAULT_QUEUES
    spec = queues.get(current or "", {})
    return spec.get("escalate_to") if isinstance(spec, dict) else None


def _owner(session: Session, handle: str) -> str:
    from crmcli.services.contacts import owner_handle

    owner = owner_handle(session, handle)
    if owner is None:
        raise Invalid("An owner cannot be empty.")
    member = session.config.member(owner)
    if member is not None and not member.active:
        raise Invalid(f"{owner} is not active on the team; choose someone who is.")
    return owner


_AUDITED = (
    "subject", "contact_id", "company_id", "priority", "channel", "status", "queue", "owner",
    "escalation_level", "opened_at", "first_response_at", "resolved_at", "closed_at",
)  # fmt: skip


def _audit_view(row: Row) -> dict[str, Any]:
    return {key: row.get(key) for key in _AUDITED}


# --- validator registered in config.SECTIONS --------------------------------------------------


def check_queues(value: Any, checker: Checker, path: KeyPath) -> None:
    """`[queues.NAME]` tables: description, members (team handles), escalate_to (a queue)."""
    if not checker.expect(value, dict, path, "a table of queues"):
        return
    if not value:
        checker.add(path, "must name at least one queue")
    team = {m.get("handle"): m for m in checker.document.get("team", []) if isinstance(m, dict)}
    for name, spec in value.items():
        where = (*path, name)
        if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
            checker.add(where, "must be a name of letters, digits, '-' or '_'")
        if not checker.expect(spec, dict, where, "a table"):
            continue
        for key, item in spec.items():
            at = (*where, key)
            if key == "description":
                checker.expect(item, str, at, "text")
            elif key == "escalate_to":
                if checker.expect(item, str, at, "the name of a queue") and item not in value:
                    checker.add(at, f"{item!r} is not a queue (known: {', '.join(value)})")
                elif item == name:
                    checker.add(at, "cannot be the queue itself")
            elif key == "members":
                if not checker.expect(item, list, at, "a list of team handles"):
                    continue
                for index, handle in enumerate(item):
                    if not isinstance(handle, str):
                        checker.add((*at, index), "must be a team handle")
                    elif handle not in team:
                        checker.add((*at, index), f"{handle!r} is not on the team")
            else:
                checker.add(at, "is not a known setting (known: description, escalate_to, members)")
