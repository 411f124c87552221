"""Turning what a person types (an id, an e-mail, a name prefix) into a record id."""

from __future__ import annotations

import re

from crmcli.errors import Ambiguous, Invalid, NotFound
from crmcli.storage import companies as company_store
from crmcli.storage import contacts as contact_store
from crmcli.storage import search
from crmcli.storage.db import Database
from crmcli.validate import fold, strip_accents

_ID = re.compile(r"#?(\d+)")
# Records read from the search index when a reference is no name's prefix: enough that
# those whose name holds the text are among them, whatever else holds it too.
_SEARCHED = 500
# The most matches an ambiguous reference offers to pick from at a terminal: more than
# anyone scrolls through, yet every "Test Person 1…25" can be picked. Beyond it the
# message counts them and asks for more of the name instead.
PICKABLE = 200
# Matches an ambiguity's one sentence names before saying how many more there are.
_NAMED = 10


class TooManyMatches(Ambiguous):
    """An ambiguous reference with more matches than a pick list offers: `total` counts
    them, `candidates` holds only the first few, so nobody is asked to pick from them."""

    def __init__(self, message: str, candidates: list[tuple[int, str]], total: int) -> None:
        super().__init__(message, candidates)
        self.total = total


def parse_id(ref: str, kind: str) -> int | None:
    match = _ID.fullmatch(ref.strip())
    if match:
        number = int(match.group(1))
        if number > 2**63 - 1:
            raise Invalid(f"There is no {kind} #{ref.strip().lstrip('#')}: the id is too large.")
        return number
    return None


def contact_id(db: Database, ref: str) -> int:
    """A contact by id (12 or #12), by any of its e-mail addresses, or by a unique name prefix."""
    text = ref.strip()
    if not text:
        raise Invalid("A contact reference cannot be empty; give an id, an e-mail or a name.")
    number = parse_id(text, "contact")
    if number is not None:
        if contact_store.get(db, number) is None:
            raise NotFound(f"There is no contact #{number}.")
        return number
    if "@" in text:
        ids = contact_store.ids_by_email(db, text)
        if not ids:
            shown = text if text.isprintable() else repr(text)  # a line break stays inside one line
            raise NotFound(f"No contact has the e-mail {shown}.")
        return _one(db, ids, text, "contact")
    from crmcli.storage import names

    return _by_name(
        text,
        "contact",
        prefix=lambda folded: names.ids_by_name_prefix(db, "contacts", folded, PICKABLE + 1),
        count=lambda folded: names.count_by_name_prefix(db, "contacts", folded),
        anywhere=lambda folded: _search(db, "contacts", folded),
    )


def company_id(db: Database, ref: str) -> int:
    """A company by id, by its domain, or by a unique name prefix; company:REF too, the
    form an ambiguous company's message advises wherever a company is asked for."""
    text = ref.strip()
    label, colon, rest = text.partition(":")
    if colon and label.strip().lower() == "company":
        text = rest.strip()
    if not text:
        raise Invalid("A company reference cannot be empty; give an id, a domain or a name.")
    number = parse_id(text, "company")
    if number is not None:
        if company_store.get(db, number) is None:
            raise NotFound(f"There is no company #{number}.")
        return number
    if "." in text and " " not in text:
        ids = company_store.ids_by_domain(db, text.lower().removeprefix("www."))
        if len(ids) == 1:
            return ids[0]
    from crmcli.storage import names

    return _by_name(
        text,
        "company",
        prefix=lambda folded: names.ids_by_name_prefix(db, "companies", folded, PICKABLE + 1),
        count=lambda folded: names.count_by_name_prefix(db, "companies", folded),
        anywhere=lambda folded: _search(db, "companies", folded),
    )


def company_matches(db: Database, ref: str) -> list[tuple[int, str]]:
    """(id, name) of the companies a reference names: none, the one, or the several it is
    ambiguous between; for saying a company matches too when the contacts it names are
    several."""
    try:
        found = company_id(db, ref)
    except NotFound:
        return []
    except Ambiguous as exc:
        return exc.candidates
    row = company_store.get(db, found)
    return [(found, str(row["name"]))] if row else []


def _by_name(text, kind, *, prefix, count, anywhere) -> int:  # type: ignore[no-untyped-def]
    folded = fold(text)
    matches = prefix(folded)
    exact = [(i, name) for i, name in matches if fold(name) == folded]
    if len(exact) == 1:
        return int(exact[0][0])
    # Counted only past what was read, so a reference naming one record costs one query.
    total = count(folded) if len(matches) > PICKABLE else len(matches)
    if not matches:
        matches = anywhere(folded)
        total = len(matches)
    if len(matches) == 1:
        return int(matches[0][0])
    if not matches:
        raise NotFound(f"No {kind} matches {text!r}.")
    ids = [int(i) for i, _ in matches]
    listed = ", ".join(f"#{i} {name}" for i, name in matches[:_NAMED])
    more = f" and {total - _NAMED} more" if total > _NAMED else ""
    found = f"{text!r} matches {total} {kind_plural(kind)}: {listed}{more}"
    if total > PICKABLE:
        raise TooManyMatches(
            f"{found}; give more of the name, or {_use_instead(kind, ids)}.",
            candidates=[(int(i), str(name)) for i, name in matches[:_NAMED]],
            total=total,
        )
    raise Ambiguous(
        f"{found}; {_use_instead(kind, ids)}.",
        candidates=[(int(i), str(name)) for i, name in matches],
    )


def _search(db: Database, table: str, folded: str) -> list[tuple[int, str]]:
    """Records with a word of their *name* starting with the text ("nordmann" is Kari
    Nordmann, "oster" Mette Østergaard), found through the search index. The index also
    holds titles, addresses, domains and industries: a record found only there is left
    out, or `crm contact delete sales --yes` would delete the head of sales."""
    at_a_word = re.compile(r"(?:^|[\W_])" + re.escape(folded))
    return [
        (record_id, name)
        for record_id, name in search.names_matching(db, table, folded, limit=_SEARCHED)
        if at_a_word.search(fold(name)) or at_a_word.search(strip_accents(fold(name)))
    ]


def _one(db: Database, ids: list[int], text: str, kind: str) -> int:
    if len(ids) == 1:
        return ids[0]
    rows = contact_store.get_many(db, ids)
    listed = ", ".join(f"#{r['id']} {r['name']}" for r in rows)
    raise Ambiguous(
        f"{text!r} matches {len(rows)} {kind_plural(kind)}: {listed}; {_use_instead(kind, ids)}.",
        candidates=[(r["id"], r["name"]) for r in rows],
    )


def _use_instead(kind: str, ids: list[int]) -> str:
    """The advice that ends an ambiguity. A bare id names a contact wherever a contact or a
    company may be meant (`crm log 1` logs on contact #1), so a company is named as
    company:ID, which every company reference reads."""
    if kind != "company":
        return "use the id"
    if len(ids) == 2:
        return f"use company:{ids[0]} or company:{ids[1]}"
    return "use company:ID"


def kind_plural(kind: str) -> str:
    return {"company": "companies"}.get(kind, kind + "s")
