"""What `crm contact duplicates` reads: every e-mail address and phone number, and the
people of each company. Plain streams of tuples; the matching is done in the service."""

from __future__ import annotations

from collections.abc import Iterator

from crmcli.storage.db import Database, Row


def contact_points(db: Database, kind: str) -> Iterator[tuple[int, str]]:
    """(contact id, value) of every e-mail address or phone number."""
    yield from db.execute("SELECT contact_id, value FROM contact_points WHERE kind = ?", [kind])


def people_at_companies(db: Database) -> Iterator[tuple[int, str, int]]:
    """(contact id, name, company id) of everyone who works at a company, company by company."""
    yield from db.execute(
        "SELECT id, name, company_id FROM contacts WHERE company_id IS NOT NULL ORDER BY company_id, id"
    )


def summaries(db: Database, ids: list[int]) -> dict[int, Row]:
    """What a list of duplicates shows of each contact: name, primary e-mail and phone, company."""
    found: dict[int, Row] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.rows(
            "SELECT c.id, c.name, c.email, c.phone, c.company_id, co.name AS company, c.created_at "
            f"FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.id IN ({marks})",
            chunk,
        ):
            found[row["id"]] = row
    return found
