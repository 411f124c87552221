"""Feedback: what customers answered when asked, as Net Promoter (0–10) or CSAT (1–5) scores.

An answer belongs to a contact and may point at the case it was about. Answers feed the
NPS and average-CSAT KPIs; they are never edited (a survey answer is what it was), so a
wrong one is corrected by recording the right one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crmcli.errors import Invalid, NotFound

if TYPE_CHECKING:
    from crmcli.services.session import Session
    from crmcli.storage.db import Database, Row
    from crmcli.storage.feedback import FeedbackFilter

# kind -> (lowest, highest, what people call it)
SCALES: dict[str, tuple[int, int, str]] = {
    "nps": (0, 10, "An NPS score"),
    "csat": (1, 5, "A CSAT score"),
}
KINDS = tuple(SCALES)
MAX_COMMENT = 4000


def category(kind: str, score: int) -> str:
    """Promoter (9–10), passive (7–8) or detractor (0–6) for NPS; satisfied (4–5), neutral (3)
    or unsatisfied (1–2) for CSAT."""
    if kind == "nps":
        return "promoter" if score >= 9 else ("passive" if score >= 7 else "detractor")
    return "satisfied" if score >= 4 else ("neutral" if score == 3 else "unsatisfied")


def score_from(kind: str, text: str | int) -> int:
    """A score as typed, checked against its scale; Invalid names the scale."""
    low, high, what = SCALES[kind]
    raw = str(text).strip()
    if not re.fullmatch(r"[+-]?\d{1,3}", raw) or not low <= int(raw) <= high:
        raise Invalid(f"{what} is a whole number from {low} to {high}, not {raw!r}.")
    return int(raw)


def add_feedback(
    session: Session,
    contact_id: int,
    *,
    nps: str | int | None = None,
    csat: str | int | None = None,
    comment: str | None = None,
    case_id: int | None = None,
    at: str | None = None,
) -> Row:
    """Record one answer: an NPS score or a CSAT score (not both), from a contact."""
    from crmcli.services.contacts import writable_contact
    from crmcli.services.session import new_uid
    from crmcli.storage import feedback as store

    if (nps is None) == (csat is None):
        raise Invalid("Give one score: --nps 0..10 or --csat 1..5 (record each answer on its own).")
    kind = "nps" if nps is not None else "csat"
    score = score_from(kind, nps if nps is not None else csat)  # type: ignore[arg-type]
    text = (comment or "").strip() or None
    if text and len(text) > MAX_COMMENT:
        raise Invalid(f"A comment is at most {MAX_COMMENT} characters; this one has {len(text)}.")
    moment = _moment(session, at)
    db = session.db
    with session.write("feedback add"):
        contact = writable_contact(db, contact_id)
        if case_id is not None:
            _check_case(db, case_id, contact)
        feedback_id = store.insert(db, {
            "uid": new_uid(), "contact_id": contact_id, "case_id": case_id, "kind": kind,
            "score": score, "comment": text, "at": moment, "created_by": session.actor,
        })  # fmt: skip
        record = get_feedback(db, feedback_id)
        session.record(
            "feedback",
            feedback_id,
            "create",
            None,
            {k: record[k] for k in ("contact_id", "case_id", "kind", "score", "comment", "at")},
        )
        return record


def get_feedback(db: Database, feedback_id: int) -> Row:
    from crmcli.storage import feedback as store

    row = store.get(db, feedback_id)
    if row is None:
        raise NotFound(f"There is no feedback #{feedback_id}.")
    return _with_category(row)


def list_feedback(db: Database, where: FeedbackFilter) -> list[Row]:
    from crmcli.storage import feedback as store

    if where.kind is not None:
        kind = where.kind.strip().lower()
        if kind not in KINDS:
            raise Invalid(f"Unknown feedback kind {where.kind!r}; use nps or csat.")
        where.kind = kind
    return [_with_category(row) for row in store.query(db, where)]


def _with_category(row: Row) -> Row:
    row["category"] = category(row["kind"], int(row["score"]))
    return row


def _check_case(db: Database, case_id: int, contact: Row) -> None:
    from crmcli.services.cases import get_case

    case = get_case(db, case_id)
    if case.get("contact_id") not in (None, contact["id"]):
        raise Invalid(
            f"Case #{case_id} belongs to {case.get('contact') or 'another contact'}, not to "
            f"{contact['name']}; give the contact the case is about."
        )


def _moment(session: Session, at: str | None) -> str:
    from crmcli.clock import to_iso
    from crmcli.dates import parse_when

    if at is None:
        return session.now_iso
    moment = parse_when(at, now=session.now, tz=session.tz, ahead=False, week_start=session.config.week_start)
    if moment > session.now:
        raise Invalid(f"An answer cannot be given in the future ({at!r} is after now).")
    return to_iso(moment)
