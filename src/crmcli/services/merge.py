"""Merging duplicate contacts into one, and taking a merge apart again (`crm undo`).

`merge_contacts(keep, others)` does it all in one transaction:
- everything that points at the others moves to the kept contact: activities, deals,
  cases, feedback, consents, stage changes, people they referred, and whatever later
  features point at contacts (found in the schema's foreign keys); their tags, custom
  fields it lacks, and their history too;
- their e-mail addresses and phone numbers join the kept contact's list, after its own,
  each once (e-mails compared in any letter case);
- the kept contact's empty fields are filled from the others, in the order given; a
  field it has is never overwritten, but a referrer that is merged into it is cleared
  (it would refer to itself) when no other has one to give;
- the others are deleted, and the search index is brought up to date;
- the history records it, on the kept contact: an update (what it gained) and a "merge"
  row, which keeps what undo needs to bring the others back as they were (and which an
  erasure of the kept person erases with the rest).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmcli.errors import Conflict, Invalid
from crmcli.services.contacts import _audit_view, _reindex, get_contact, writable_contact
from crmcli.services.session import diff
from crmcli.storage import merge as store

if TYPE_CHECKING:
    from crmcli.services.session import Session
    from crmcli.services.undo import Step
    from crmcli.storage.db import Row

RESTORE_KEY = "_restore"  # as in services/undo.py: gone with the person on erasure
# Columns filled from the others when the kept contact has none.
FILLABLE = (
    "company_id",
    "title",
    "source",
    "referred_by",
    "owner",
    "country",
    "timezone",
    "language",
    "birthday",
)
# Dates that belong to a stage: filled only when the kept contact is in that stage.
STAGE_FIELDS = {
    "customer_since": ("customer", "churned"),
    "churned_at": ("churned",),
    "churn_reason": ("churned",),
}


@dataclass
class Merged:
    kept: Row
    merged: list[dict[str, Any]]  # id and name of each contact merged in
    moved: dict[str, int] = field(default_factory=dict)  # table -> rows moved
    filled: list[str] = field(default_factory=list)
    added: dict[str, int] = field(default_factory=dict)  # e-mails, phones, tags, fields gained
    cleared: list[str] = field(default_factory=list)  # referred_by, when its referrer merged in

    def as_dict(self) -> dict[str, Any]:
        return {
            "kept": self.kept,
            "merged": self.merged,
            "moved": self.moved,
            "filled": self.filled,
            "cleared": self.cleared,
            "added": self.added,
        }

    def describe(self) -> str:
        names = ", ".join(f"#{m['id']} {m['name']}" for m in self.merged)
        parts = []
        moved = [_count(n, table) for table, n in self.moved.items() if n]
        if moved:
            parts.append("moved " + ", ".join(moved))
        added = [_count(n, what) for what, n in self.added.items() if n]
        if added:
            parts.append("added " + ", ".join(added))
        if self.filled:
            parts.append("filled " + ", ".join(_field_name(f) for f in self.filled))
        if self.cleared:
            cleared = ", ".join(_field_name(f) for f in self.cleared)
            parts.append(f"cleared {cleared} (it was the contact merged in)")
        detail = "; ".join(parts) or "nothing else to move"
        return f"Merged {names} into #{self.kept['id']} {self.kept['name']}: {detail}."


_NOUNS = {
    "activities": ("activity", "activities"),
    "deals": ("deal", "deals"),
    "cases": ("case", "cases"),
    "feedback": ("feedback answer", "feedback answers"),
    "consents": ("consent", "consents"),
    "lifecycle_changes": ("stage change", "stage changes"),
    "contacts": ("referral", "referrals"),
    "history": ("history entry", "history entries"),
    "emails": ("e-mail", "e-mails"),
    "phones": ("phone", "phones"),
    "tags": ("tag", "tags"),
    "fields": ("custom field", "custom fields"),
}


def _field_name(column: str) -> str:
    return column.replace("_id", "").replace("_", " ")


def _count(n: int, what: str) -> str:
    one, many = _NOUNS.get(what, (what.replace("_", " "), what.replace("_", " ")))
    return f"{n} {one if n == 1 else many}"


def check_refs(keep_id: int, other_ids: list[int]) -> list[int]:
    others = list(dict.fromkeys(other_ids))
    if not others:
        raise Invalid("Name at least one contact to merge into the kept one.")
    if keep_id in others:
        raise Invalid(f"Cannot merge contact #{keep_id} with itself; name two different contacts.")
    return others


def merge_contacts(session: Session, keep_id: int, other_ids: list[int]) -> Merged:
    others = check_refs(keep_id, other_ids)
    db = session.db
    with session.write("contact merge"):
        # An erased contact takes part in no merge. Kept, it would take on a live person's
        # details, which `gdpr forget` could no longer erase; merged away, its anonymised
        # deals, cases and answers would become a live person's, and its own row would go.
        kept = writable_contact(db, keep_id)
        merged = [writable_contact(db, other) for other in others]
        gone = set(others)
        # What undo needs to bring each one back, read before anything moves.
        saved = {
            o["id"]: {
                "row": store.row_of(db, o["id"]),
                "points": store.points(db, o["id"]),
                "tags": o["tags"],
                "fields": o["fields"],
                "search": store.search_text(db, o["id"]),
            }
            for o in merged
        }
        values = _fills(kept, merged, gone)
        points = _joined_points([store.points(db, keep_id)] + [saved[o["id"]]["points"] for o in merged])
        store.set_points(db, keep_id, points)
        values["email"] = next((p["value"] for p in points if p["kind"] == "email"), None)
        values["phone"] = next((p["value"] for p in points if p["kind"] == "phone"), None)
        values["updated_at"] = session.now_iso
        # The kept contact first: it may have been referred by one of those that go.
        db.update("contacts", keep_id, values)
        moved: dict[str, int] = defaultdict(int)
        for other in merged:
            other_id = other["id"]
            moves: dict[str, list[int]] = {}
            for link in store.links(db):
                ids = store.ids_pointing(db, link, other_id)
                if link.table == "contacts":
                    ids = [i for i in ids if i != keep_id]
                if ids:
                    moved[link.table] += store.move(db, link, ids, other_id, keep_id)
                    moves[f"{link.table}.{link.column}"] = ids
            history = store.history_ids(db, other_id)
            store.move_history(db, history, other_id, keep_id)
            moved["history"] += len(history)
            store.move_labels(db, other_id, keep_id)
            store.delete_contact(db, other_id)
            saved[other_id].update(moved=moves, history=history)
        _reindex(db, keep_id)
        updated = get_contact(db, keep_id)
        before, after = diff(_audit_view(kept), _audit_view(updated))
        names = ", ".join(f"#{o['id']} {o['name']}" for o in merged)
        # Both rows are about the kept contact: its history (and a person's data export or
        # erasure) finds them there. Undo reads them newest first: the merged contacts come
        # back, then the kept one gets its own values back.
        session.record("contact", keep_id, "update", before, after, note=f"merged {names} into this contact")
        session.record(
            "contact",
            keep_id,
            "merge",
            {"merged": [_audit_view(o) | {"id": o["id"]} for o in merged], RESTORE_KEY: list(saved.values())},
            {"merged": [o["id"] for o in merged]},
            note=f"merged {names} into this contact",
        )
        # The merge wrote no timeline rows (stage changes moved, none added): say so, so that
        # undo does not go looking for rows stamped with this moment.
        session.record("change", session.change_id, "timeline", None, {})
        fields = {k: v for k, v in values.items() if k in FILLABLE or k in STAGE_FIELDS}
        return Merged(
            kept=updated,
            merged=[{"id": o["id"], "name": o["name"]} for o in merged],
            moved={k: v for k, v in moved.items() if v},
            # A fill with nothing is a clearing: only a referrer merged into the contact.
            filled=sorted(k for k, v in fields.items() if v is not None),
            cleared=sorted(k for k, v in fields.items() if v is None),
            added={
                "emails": len(updated["emails"]) - len(kept["emails"]),
                "phones": len(updated["phones"]) - len(kept["phones"]),
                "tags": len(updated["tags"]) - len(kept["tags"]),
                "fields": len(updated["fields"]) - len(kept["fields"]),
            },
        )


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _fills(kept: Row, merged: list[Row], gone: set[int]) -> dict[str, Any]:
    """The kept contact's empty fields, filled from the first other contact that has them."""
    values: dict[str, Any] = {}
    wanted = list(FILLABLE) + [k for k, stages in STAGE_FIELDS.items() if kept["lifecycle_stage"] in stages]
    for key in wanted:
        if not _empty(kept.get(key)) and not (key == "referred_by" and kept.get(key) in gone):
            continue
        for other in merged:
            value = other.get(key)
            if _empty(value) or (key == "referred_by" and (value in gone or value == kept["id"])):
                continue
            values[key] = value
            break
        else:
            if key == "referred_by" and kept.get(key) in gone:
                values[key] = None  # referred by someone merged into them: no referrer left
    return values


def _joined_points(lists: list[list[Row]]) -> list[dict[str, Any]]:
    """Every address and number once, the kept contact's first (its primary stays primary)."""
    seen: set[tuple[str, str]] = set()
    joined = []
    for rows in lists:
        for row in rows:
            key = (row["kind"], row["value"].casefold() if row["kind"] == "email" else row["value"])
            if key not in seen:
                seen.add(key)
                joined.append({"kind": row["kind"], "value": row["value"], "label": row.get("label")})
    return joined


# --- undo -------------------------------------------------------------------------------------


def unmerge(session: Session, change: Row, row: Row, label: str) -> Step:
    """Take a merge apart (called by `crm undo`): each merged contact comes back under its id
    with its row, addresses, tags, custom fields, search text and history, and every record
    that pointed at it points at it again. The kept contact's own values are set back by
    the update row recorded before this one, which undo reverses next."""
    from crmcli.services.undo import Step

    db = session.db
    keep_id = row["entity_id"]
    before = row["before"] or {}
    saved = before.get(RESTORE_KEY)
    if not saved:
        raise Conflict(
            f"Cannot undo {label}: the merge into contact #{keep_id} was recorded without what is needed "
            "to take it apart; nothing was undone."
        )
    for one in saved:
        problem = store.restore_conflict(db, one["row"])
        if problem:
            raise Conflict(f"Cannot bring back contact #{one['row']['id']}: {problem}; nothing was undone.")
    views = {view["id"]: view for view in before.get("merged", [])}
    for one in reversed(saved):
        contact_id = one["row"]["id"]
        store.restore_contact(db, one["row"], one.get("tags", []), one.get("fields", {}), one.get("search"))
        store.set_points(db, contact_id, one.get("points", []))
        for name, ids in one.get("moved", {}).items():
            link = store.link_named(db, name)
            if link is not None:
                store.move(db, link, ids, keep_id, contact_id)
        store.move_history(db, one.get("history", []), keep_id, contact_id)
        view = {k: v for k, v in views.get(contact_id, {}).items() if k != "id"}
        session.record("contact", contact_id, "create", None, view, note=f"undo of change #{change['id']}")
    ids = ", ".join(f"#{one['row']['id']}" for one in saved)
    return Step("contact", keep_id, f"brought back {ids}, merged into")
