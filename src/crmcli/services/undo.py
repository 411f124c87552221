"""`crm undo`: reverse the acting user's last change, from what the history recorded.

A change is one command: one `changes` row and the `history` rows of the records it
touched, each with the values before and after. Undo reads them newest first and:
- a created record is deleted again (with the rows that belong only to it);
- an updated record gets its before values back (columns, e-mail addresses and phone
  numbers, tags, custom fields), and the timeline rows the change wrote for it (a case's
  reply and status events, a contact's stage change) are removed;
- a deleted record comes back under its id and uid, with its addresses, consents, stage
  changes, tags, custom fields and links, from the snapshot its deletion recorded
  (`record_delete`, which services call *before* deleting);
- a contact the change made a customer stays one while a deal that a later change won is
  still won (that win found them a customer and left them as they were); undoing that win
  in turn takes the keep back, so that undoing every win leaves them as no win had.
It all happens in one transaction, is itself recorded as a change ("undo #N"), and marks
the original change undone (`changes.undone_by`); running undo again reverses the change
before that. It refuses, changing nothing, when someone else changed one of the records
since, when a record no longer looks as the change left it, and for an erasure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmcli import validate
from crmcli.errors import Conflict, NotFound
from crmcli.storage import records
from crmcli.storage import undo as store

if TYPE_CHECKING:
    from crmcli.services.session import Session
    from crmcli.storage.db import Database, Row

RESTORE_KEY = "_restore"
REVERSIBLE = ("create", "update", "rule", "delete", "sla_breach", "merge")
ERASURE_COMMAND = "gdpr forget"


def record_delete(session: Session, entity: str, entity_id: int, before: dict[str, Any]) -> None:
    """Record that a record is about to be deleted, with what undo needs to bring it back.

    Call it inside the write, before deleting anything: the snapshot is read from the
    database as it still is.
    """
    snapshot = store.take_snapshot(session.db, entity, entity_id)
    kept = {**before, RESTORE_KEY: snapshot} if snapshot is not None else before
    session.record(entity, entity_id, "delete", kept, None)


@dataclass
class Step:
    entity: str
    entity_id: int
    action: str  # what undo did: deleted | restored | brought back | removed the breach of | …
    fields: list[str] = field(default_factory=list)
    text: str | None = None  # said instead, for what is not a record (a round-robin turn)

    def describe(self) -> str:
        if self.text:
            return self.text
        what = f"{self.entity.replace('_', ' ')} #{self.entity_id}"
        if self.action == "restored" and self.fields:
            return f"restored {', '.join(self.fields)} of {what}"
        return f"{self.action} {what}"


@dataclass
class Undone:
    change: Row
    steps: list[Step]
    undo_change_id: int | None
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"change": self.change, "undo_change": self.undo_change_id, "dry_run": self.dry_run,
                "steps": [{"entity": s.entity, "id": s.entity_id, "action": s.action, "fields": s.fields}
                          for s in self.steps]}  # fmt: skip


class _Rehearsal(Exception):
    """Raised at the end of a dry run, so that the transaction rolls back."""

    def __init__(self, result: Undone) -> None:
        super().__init__("dry run")
        self.result = result


def undo_last(session: Session, *, dry_run: bool = False) -> Undone:
    """Reverse the acting user's last change that is still in force."""
    db = session.db
    change = store.last_change(db, session.actor)
    if change is None:
        raise NotFound(f"There is nothing to undo: {session.actor} has no change left to reverse.")
    try:
        with session.write(f"undo #{change['id']}"):
            latest = store.last_change(db, session.actor)
            if latest is None or latest["id"] != change["id"]:
                raise Conflict(
                    "Your changes moved on while undo was starting; nothing was undone, run it again."
                )
            steps = _reverse(session, change)
            undo_id = session.change_id
            store.mark_undone(db, change["id"], undo_id)
            # the change as it stands after the undo (a dry run gives it back as it was)
            result = Undone({**change, "undone_by": undo_id}, steps, undo_id, dry_run)
            if dry_run:
                raise _Rehearsal(result)
            return result
    except _Rehearsal as rehearsal:
        rehearsal.result.undo_change_id = None
        rehearsal.result.change = change
        return rehearsal.result


def _reverse(session: Session, change: Row) -> list[Step]:
    db = session.db
    label = f"change #{change['id']} ({change['command']}, {change['at']})"
    if change["command"] == ERASURE_COMMAND:
        raise Conflict(f"Your last change, {label}, erased a person's data; an erasure cannot be undone.")
    rows = store.history_of_change(db, change["id"])
    for row in rows:
        row["before"] = json.loads(row["before"]) if row["before"] else None
        row["after"] = json.loads(row["after"]) if row["after"] else None
    from crmcli.services.routing import TURN

    timeline = [r for r in rows if r["entity"] == "change" and r["action"] == "timeline"]
    turns = [r for r in rows if r["entity"] == "change" and r["action"] == TURN]
    rows = [r for r in rows if r["entity"] != "change"]
    for row in rows:
        if row["action"] not in REVERSIBLE or row["entity"] not in records.RECORD_TABLES:
            raise Conflict(
                f"Cannot undo {label}: crm does not know how to reverse a {row['action']!r} of a "
                f"{row['entity']}; nothing was undone."
            )
    touched = list(dict.fromkeys((r["entity"], r["entity_id"]) for r in rows))
    later = store.later_changes_by_others(db, change["id"], session.actor, touched)
    if later:
        other = later[0]
        raise Conflict(
            f"Cannot undo {label}: {other['actor']} changed the same record since (change #{other['id']}, "
            f"{other['command']}, {other['at']}); nothing was undone."
        )
    _check_unchanged(db, label, rows)
    # Rows of the same time and author that an earlier change named are that change's.
    named = set() if timeline else store.timeline_named_by_others(db, change)
    if timeline:
        # The change named the timeline rows it wrote: remove exactly those.
        written = [(t, i) for entry in timeline for t, ids in (entry["after"] or {}).items() for i in ids]
        store.delete_rows(db, written)
    elif store.same_moment_changes(db, change, touched) and any(
        set(store.timeline_rows_of(db, e, i, change["at"], change["actor"])) - named
        for e, i in touched
        if records.get(db, records.RECORD_TABLES[e], i) is not None
    ):
        raise Conflict(
            f"Cannot undo {label}: an earlier change of yours in the same second wrote to the same "
            "timeline, and the two cannot be told apart; nothing was undone."
        )
    wins = _wins_of(db, rows)  # before the deals are reopened or deleted
    steps: list[Step] = []
    # Changes recorded before changes named their timeline rows: found by time and author.
    cleaned: set[tuple[str, int]] = set(touched) if timeline else set()
    for row in reversed(rows):
        step = _reverse_row(session, change, row, label, cleaned, named)
        if step is not None:
            steps.append(step)
    steps = _keep_customers(session, change, rows, steps)
    steps += _release_customers(session, change, rows, wins, label)
    steps += _give_turns_back(db, turns)
    return steps


_CUSTOMER_FIELDS = ("lifecycle_stage", "customer_since", "churned_at", "churn_reason")
# The note of a keep (below) names the change whose undo it stood against and the deal it
# stood on: undoing that deal's win later reads both back from it (keeps made before this
# was read carry the same note).
_KEPT_NOTE = "undo of change #{change}: deal #{deal} is still won"
_KEPT = re.compile(r"undo of change #(\d+): deal #(\d+) is still won")


def _keep_customers(session: Session, change: Row, rows: list[Row], steps: list[Step]) -> list[Step]:
    """A contact the change made a customer stays one while a deal of theirs won since is
    still won: that win found them a customer already and so changed nothing on them, but on
    its own it would have made them one. The steps say so in place of the restored stage."""
    made = dict.fromkeys(
        r["entity_id"] for r in rows
        if r["entity"] == "contact" and r["action"] in ("update", "rule")
        and (r["after"] or {}).get("lifecycle_stage") == "customer"
    )  # fmt: skip
    for contact_id in made:
        kept = _keep_customer(session, contact_id, change["id"])
        if kept is not None:
            steps = _replace_restored_stage(steps, contact_id, kept)
    return steps


def _keep_customer(session: Session, contact_id: int, since_change: int) -> Step | None:
    """Make a contact who is no customer one again, as the first of their deals that a
    change after `since_change` won (and that is still won) would have made them. Their
    customer_since is what it was or, when they had none, that win's moment: the undone
    change no longer made them anything, so its moment is not kept."""
    from crmcli.services.contacts import keep_churn_on_record, record_stage_change
    from crmcli.storage import contacts as contact_store
    from crmcli.storage import deals as deal_store

    db = session.db
    current = contact_store.get(db, contact_id)
    if current is None or current["lifecycle_stage"] == "customer":
        return None
    # A win before the change found them no customer (they churned or were moved since):
    # it does not count.
    won = deal_store.first_won_since_change(db, contact_id, since_change)
    if won is None:
        return None
    stage = current["lifecycle_stage"]
    values: dict[str, Any] = {"lifecycle_stage": "customer",
                              "customer_since": current["customer_since"] or won["won_at"]}  # fmt: skip
    if stage == "churned":
        keep_churn_on_record(session, current)
        values["churned_at"] = values["churn_reason"] = None
    record_stage_change(
        session, contact_id, stage, "customer", at=won["won_at"], reason=f"won deal #{won['id']}"
    )
    before = {key: current[key] for key in values}
    contact_store.update(db, contact_id, {**values, "updated_at": session.now_iso})
    session.record("contact", contact_id, "update", before, values,
                   note=_KEPT_NOTE.format(change=since_change, deal=won["id"]))  # fmt: skip
    return Step("contact", contact_id, "kept a customer", sorted(values),
                text=f"kept contact #{contact_id} a customer since {values['customer_since']} "
                     f"(deal #{won['id']} is still won)")  # fmt: skip


def _release_customers(
    session: Session, change: Row, rows: list[Row], wins: list[tuple[int, int, str]], label: str
) -> list[Step]:
    """A win that found its contact a customer changed nothing on them, but an undo since may
    have kept them one on its strength (`_keep_customer`). Undoing the win takes that back:
    they are again what that keep found them, unless another deal won since the change the
    keep stood against would on its own have made them a customer (a new keep)."""
    touched = {r["entity_id"] for r in rows if r["entity"] == "contact"}
    steps: list[Step] = []
    for deal_id, contact_id, won_at in wins:
        if contact_id in touched:
            continue  # the change moved them itself: reversed with its rows, see _keep_customers
        step = _release_customer(session, change, label, contact_id, deal_id, won_at)
        if step is not None:
            steps.append(step)
    return steps


def _wins_of(db: Database, rows: list[Row]) -> list[tuple[int, int, str]]:
    """(deal, its contact, won_at) of each deal the change won or created won (an import,
    whose rows do not carry the values): read from the deals before undo reverses them."""
    from crmcli.storage import deals as deal_store

    wins = []
    for row in rows:
        if row["entity"] != "deal" or row["action"] not in ("create", "update"):
            continue
        if row["action"] == "update" and (row["after"] or {}).get("status") != "won":
            continue
        deal = deal_store.get(db, row["entity_id"])
        if deal and deal["status"] == "won" and deal["contact_id"] and deal["won_at"]:
            wins.append((row["entity_id"], int(deal["contact_id"]), str(deal["won_at"])))
    return wins


def _release_customer(
    session: Session, change: Row, label: str, contact_id: int, deal_id: int, won_at: str
) -> Step | None:
    """Take back the keep that stood on this win of the deal, if one still holds the contact:
    it must be the last move of their stage and still look as it left them."""
    from crmcli.storage import contacts as contact_store

    db = session.db
    keep = store.latest_keep(db, contact_id, _KEPT_NOTE.format(change="%", deal=deal_id))
    if keep is None:
        return None
    written = store.stage_changes_named(db, keep["change_id"], contact_id)
    if not any(r["to_stage"] == "customer" and r["at"] == won_at and r["reason"] == f"won deal #{deal_id}"
               for r in written):  # fmt: skip
        return None  # taken back already, or it stood on another win of the deal
    kept, found = json.loads(keep["after"]), json.loads(keep["before"])
    current = contact_store.get(db, contact_id) or {}
    if store.stage_changed_after(db, contact_id, max(r["id"] for r in written)) or any(
        current.get(k) != v for k, v in kept.items()
    ):
        raise Conflict(
            f"Cannot undo {label}: contact #{contact_id} stayed a customer on the strength of this win "
            f"of deal #{deal_id}, and their stage has changed since; nothing was undone."
        )
    store.delete_rows(db, [("lifecycle_changes", r["id"]) for r in written])
    contact_store.update(db, contact_id, {**found, "updated_at": session.now_iso})
    session.record("contact", contact_id, "update", kept, found,
                   note=f"undo of change #{change['id']}: deal #{deal_id} is no longer won")  # fmt: skip
    match = _KEPT.search(keep["note"] or "")
    again = _keep_customer(session, contact_id, int(match.group(1))) if match else None
    return again or Step("contact", contact_id, "restored", sorted(found))


def _replace_restored_stage(steps: list[Step], contact_id: int, kept: Step) -> list[Step]:
    out: list[Step] = []
    for step in steps:
        if step.entity == "contact" and step.entity_id == contact_id and step.action == "restored":
            step.fields = [f for f in step.fields if f not in _CUSTOMER_FIELDS]
            if kept not in out:
                out.append(kept)
            if not step.fields:
                continue
        out.append(step)
    return out if kept in out else [*out, kept]


def _give_turns_back(db: Database, turns: list[Row]) -> list[Step]:
    """Put each round-robin rotation the change moved back where it was, newest turn first.
    A rotation that moved on since (someone else's record took the next turn) is left as it
    is: taking that turn back would hand the same person two records in a row."""
    from crmcli.storage import state

    given: dict[str, Step] = {}
    for turn in reversed(turns):
        before, after = turn["before"] or {}, turn["after"] or {}
        key = after.get("key")
        if not key or state.get(db, key) != after.get("value"):
            continue
        if before.get("value") is None:
            state.forget(db, key)
        else:
            state.put(db, key, before["value"])
        given[key] = Step("rule_state", turn["entity_id"], "restored", [key],
                          text=f'gave back the round-robin turn of rule "{after.get("rule")}"')  # fmt: skip
    return list(given.values())


def _reverse_row(
    session: Session,
    change: Row,
    row: Row,
    label: str,
    cleaned: set[tuple[str, int]],
    named: set[tuple[str, int]],
) -> Step | None:
    db = session.db
    entity, entity_id, action = row["entity"], row["entity_id"], row["action"]
    table = records.RECORD_TABLES[entity]
    note = f"undo of change #{change['id']}"
    if action == "merge":  # `crm contact merge`: the merged contact comes back (services/merge.py)
        from crmcli.services.merge import unmerge

        return unmerge(session, change, row, label)
    if action == "create":
        if records.get(db, table, entity_id) is None:
            return None  # deleted again later in the same change
        _refuse_if_referenced(db, entity, entity_id, label, session.actor)
        snapshot = store.take_snapshot(db, entity, entity_id)
        store.delete_record(db, entity, entity_id)
        session.record(entity, entity_id, "delete", {**(row["after"] or {}), RESTORE_KEY: snapshot}, None,
                       note=note)  # fmt: skip
        return Step(entity, entity_id, "deleted")
    if action == "delete":
        snapshot = (row["before"] or {}).get(RESTORE_KEY)
        if not snapshot:
            raise Conflict(
                f"Cannot undo {label}: the deletion of {entity} #{entity_id} was recorded without what "
                "is needed to bring it back; nothing was undone."
            )
        problem = store.snapshot_conflicts(db, entity, snapshot)
        if problem:
            raise Conflict(f"Cannot bring back {entity} #{entity_id}: {problem}; nothing was undone.")
        store.restore_snapshot(db, entity, snapshot)
        before = {k: v for k, v in (row["before"] or {}).items() if k != RESTORE_KEY}
        session.record(entity, entity_id, "create", None, before, note=note)
        return Step(entity, entity_id, "brought back")
    if action == "sla_breach":
        target = (row["after"] or {}).get("target")
        store.delete_breach(db, entity_id, target)
        session.record(entity, entity_id, "update", row["after"], None, note=note)
        return Step(entity, entity_id, "removed the breach of")
    before = row["before"] or {}
    after = row["after"] or {}
    if records.get(db, table, entity_id) is None:
        return None
    if (entity, entity_id) not in cleaned:
        cleaned.add((entity, entity_id))
        found = store.timeline_rows_of(db, entity, entity_id, change["at"], change["actor"])
        store.delete_rows(db, [r for r in found if r not in named])
    if not before and not after:
        # A case note or a later reply changes no field: its timeline rows, removed above,
        # were the whole change. A rule that decided nothing has nothing to report.
        if action != "update":
            return None
        return Step(entity, entity_id, "removed what it added to the timeline of")
    restored = _restore_values(session, entity, entity_id, before, after, label)
    session.record(entity, entity_id, "update", after, before, note=note)
    return Step(entity, entity_id, "restored", restored)


def _restore_values(
    session: Session, entity: str, entity_id: int, before: dict[str, Any], after: dict[str, Any], label: str
) -> list[str]:
    """Set the fields recorded in `before` back (those only in `after` are cleared)."""
    from crmcli.storage import contacts as contact_store
    from crmcli.storage import labels

    db = session.db
    table = records.RECORD_TABLES[entity]
    columns = set(records.columns(db, table))
    values: dict[str, Any] = {}
    done: list[str] = []
    for key in sorted(set(before) | set(after)):
        old = before.get(key)
        if key == "tags":
            now_tags = set(after.get("tags") or [])
            was = set(old or [])
            labels.remove_tags(db, entity, entity_id, sorted(now_tags - was))
            labels.add_tags(db, entity, entity_id, sorted(was - now_tags))
        elif key == "fields":
            keys = set(old or {}) | set(after.get("fields") or {})
            labels.set_fields(db, entity, entity_id, {k: (old or {}).get(k) for k in keys})
        elif entity == "contact" and key in ("emails", "phones"):
            kind = key[:-1]
            contact_store.replace_points(db, entity_id, kind, list(old or []))
            values[kind] = (old or [None])[0]
        elif key in columns and key not in ("id", "uid"):
            values[key] = old
            if key == "name" and "sort_key" in columns and old:
                values["sort_key"] = validate.fold(old)
        else:
            raise Conflict(
                f"Cannot undo {label}: the {key!r} of {entity} #{entity_id} is not something undo can "
                "set back; nothing was undone."
            )
        done.append(key)
    if "updated_at" in columns:
        values["updated_at"] = session.now_iso
    db.update(table, entity_id, values)
    _reindex(db, table, entity_id)
    return done


def _reindex(db: Database, table: str, record_id: int) -> None:
    """Search text as each feature builds it."""
    if table == "contacts":
        from crmcli.services.contacts import _reindex as reindex_contact

        reindex_contact(db, record_id)
    elif table == "companies":
        from crmcli.services.companies import _reindex as reindex_company

        reindex_company(db, record_id)
    elif table == "activities":
        from crmcli.services.activities import _reindex as reindex_activity

        reindex_activity(db, record_id, records.get(db, table, record_id) or {})


def _refuse_if_referenced(db: Database, entity: str, entity_id: int, label: str, actor: str) -> None:
    pointing = store.pointing_at(db, entity, entity_id)
    if pointing:
        table, column, n, first = pointing[0]
        raise Conflict(
            f"Cannot undo {label}: {_pointing_sentence(db, table, column, n, first)} "
            f"{_named(db, entity, entity_id)}, which the undo would delete; nothing was undone."
        )
    others = store.others_in(db, entity, entity_id, actor)
    if others:
        raise Conflict(
            f"Cannot undo {label}: someone else added {others[0].replace('_', ' ')} to "
            f"{_named(db, entity, entity_id)} since, which the undo would delete; nothing was undone."
        )


# How a record stands to the one its link column names, singular and plural: the verb of
# a refusal's sentence. Any other link reads "is linked to".
_RELATIONS = {
    ("contacts", "company_id"): ("is at", "are at"),
    ("contacts", "referred_by"): ("was referred by", "were referred by"),
}
_ENTITY_OF = {table: entity for entity, table in records.RECORD_TABLES.items()}


def _pointing_sentence(db: Database, table: str, column: str, n: int, first: int) -> str:
    """The start of "contact #2 Y, added since by bob, is at …": the first of the `n` rows
    of `table` whose `column` names the record, who linked it, and how it stands to it."""
    entity = _ENTITY_OF.get(table, table)
    subject = _named(db, entity, first)
    by = _linked_by(db, entity, first, column)
    if by:
        subject += f", {by},"
    if n > 1:
        subject += f" and {n - 1} more {entity if n == 2 else table.replace('_', ' ')}"
    one, several = _RELATIONS.get((table, column), ("is linked to", "are linked to"))
    return f"{subject} {one if n == 1 else several}"


def _named(db: Database, entity: str, record_id: int) -> str:
    """A record as a sentence names it: contact #2 Y, deal #1 Big one, activity #4 (call)."""
    table = records.RECORD_TABLES.get(entity)
    row = records.get(db, table, record_id) if table else None
    if row is None:
        return f"{entity} #{record_id}"
    title = next((row[k] for k in ("name", "title", "subject") if row.get(k)), None)
    if title:
        return f"{entity} #{record_id} {title}"
    return f"{entity} #{record_id} ({row['kind']})" if row.get("kind") else f"{entity} #{record_id}"


def _linked_by(db: Database, entity: str, record_id: int, column: str) -> str | None:
    """Who set the record's link, as "added since by bob" (or "edited since by bob"), from
    its history; None when the history does not say (a record from before it was kept)."""
    from crmcli.storage.history import history_of

    if entity not in records.RECORD_TABLES:
        return None
    for row in history_of(db, entity, record_id):
        if column in (row["after"] or {}):
            how = "added" if row["action"] == "create" else "edited"
            return f"{how} since by {row['actor']}"
    return None


def _check_unchanged(db: Database, label: str, rows: list[Row]) -> None:
    """Each record must still look as the change left it (a change nobody recorded would
    otherwise be lost)."""
    expected: dict[tuple[str, int], dict[str, Any] | None] = {}
    for row in rows:
        key = (row["entity"], row["entity_id"])
        if row["action"] == "create":
            expected[key] = dict(row["after"] or {})
        elif row["action"] == "delete":
            expected[key] = None
        elif row["action"] in ("update", "rule"):
            state = expected.get(key)
            if key not in expected:
                state = {}
            if state is not None:
                state.update(row["after"] or {})
                expected[key] = state
    for (entity, entity_id), state in expected.items():
        current = current_view(db, entity, entity_id)
        if state is None:
            continue  # checked when it is brought back: its id must be free
        if current is None:
            raise Conflict(
                f"Cannot undo {label}: {entity} #{entity_id} was deleted since; nothing was undone."
            )
        changed = [k for k, v in state.items() if k in current and not _same(k, current[k], v)]
        if changed:
            raise Conflict(
                f"Cannot undo {label}: {entity} #{entity_id} has changed since ({', '.join(changed)}); "
                "nothing was undone."
            )


def _same(key: str, current: Any, expected: Any) -> bool:
    if key == "tags":
        return set(current or []) == set(expected or [])
    if key == "fields":
        return all((current or {}).get(k) == v for k, v in (expected or {}).items())
    return bool(current == expected)


def current_view(db: Database, entity: str, entity_id: int) -> dict[str, Any] | None:
    """A record's columns with its tags and custom fields (and a contact's addresses and numbers)."""
    from crmcli.storage import labels

    row = records.get(db, records.RECORD_TABLES[entity], entity_id)
    if row is None:
        return None
    view = dict(row)
    view["tags"] = labels.tags_of(db, entity, [entity_id])[entity_id]
    view["fields"] = labels.fields_of(db, entity, [entity_id])[entity_id]
    if entity == "contact":
        from crmcli.storage import contacts as contact_store

        points = contact_store.points_of(db, entity_id)
        view["emails"] = [p["value"] for p in points if p["kind"] == "email"]
        view["phones"] = [p["value"] for p in points if p["kind"] == "phone"]
    return view
