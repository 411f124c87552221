"""What a row of a deals or activities file points at: contacts, companies, deals, cases.

A file names a record the way exports write it, never by a guess:
- a contact by id (12, #12), uid, e-mail address, or exact name (case and accents aside);
  HubSpot's "Ada Lovelace (ada@example.com)" and "Ada <ada@example.com>" by the address;
- a company by id, uid, domain, or exact name; a name nothing matches becomes a new
  company, as in a contacts import;
- a deal by id (12, #12, deal:12), uid or exact title; a case by id or uid.
A reference that matches nothing (or several records) rejects the row with the reason.
Answers are remembered: files name the same records over and over.
"""

from __future__ import annotations

import re
from typing import Any

from crmcli import validate
from crmcli.errors import Invalid
from crmcli.storage import importing as store

_ID = re.compile(r"#?(\d{1,18})")
_ANGLED = re.compile(r".*?[<(]\s*([^<>()\s]+@[^<>()\s]+)\s*[>)]\s*")
_AMBIGUOUS = -1


_UID = re.compile(r"[0-9a-f]{32}")


class Links:
    def __init__(self, importer: Any) -> None:
        self.importer = importer
        self.db = importer.session.db
        self._contacts: dict[str, int] = {}
        self._contact_company: dict[int, int | None] = {}
        self._deals: dict[str, int] = {}
        self._cases: dict[str, int] = {}
        self.first_company = self.next_company = store.next_id(self.db, "companies")
        self.by_name: dict[str, int] = {}
        self.by_domain: dict[str, int] = {}
        self._companies: dict[str, int] = {}  # as the file writes it
        for company_id, folded, domain in store.companies_for_matching(self.db):
            known = self.by_name.get(folded)
            self.by_name[folded] = company_id if known is None else _AMBIGUOUS
            if domain:
                self.by_domain.setdefault(domain, company_id)
        self.new_companies: list[tuple[Any, ...]] = []  # rows for store.insert_companies
        self.new_company_search: list[tuple[int, str]] = []
        self.new_company_lines: list[tuple[int, int]] = []  # (company id, line)

    # --- contacts -----------------------------------------------------------------------------

    def contact(self, text: str) -> int:
        found = self._contacts.get(text)
        if found is None:
            found = self._contacts[text] = self._contact(text)
        return found

    def _contact(self, text: str) -> int:
        db = self.db
        ref = first_of(text)
        number = _number(ref)
        if number is not None:
            if not store.exists(db, "contacts", number):
                raise Invalid(f"There is no contact #{number}.")
            return number
        angled = _ANGLED.fullmatch(ref)
        if angled:
            ref = angled.group(1)
        if "@" in ref and " " not in ref:
            ids = store.contact_ids_by_email(db, ref)
            if not ids:
                raise Invalid(f"No contact has the e-mail {ref}; import the contacts first.")
            return _one(ids, ref, "contacts")
        found = store.id_by_uid(db, "contacts", ref)
        if found is not None:
            return found
        ids = store.contact_ids_by_name(db, validate.fold(" ".join(ref.split())))
        if not ids:
            raise Invalid(f"No contact is named {ref!r}; import the contacts first, or give their e-mail.")
        return _one(ids, ref, "contacts")

    def company_of(self, contact_id: int) -> int | None:
        if contact_id not in self._contact_company:
            self._contact_company[contact_id] = store.company_of_contact(self.db, contact_id)
        return self._contact_company[contact_id]

    # --- companies ----------------------------------------------------------------------------

    def company(self, text: str, line: int) -> int:
        found = self._companies.get(text)
        if found is None:
            found = self._companies[text] = self._company(text, line)
        return found

    def _company(self, text: str, line: int) -> int:
        db = self.db
        ref = " ".join(first_of(text).split())
        number = _number(ref)
        if number is not None:
            if not store.exists(db, "companies", number):
                raise Invalid(f"There is no company #{number}.")
            return number
        found = store.id_by_uid(db, "companies", ref)
        if found is not None:
            return found
        if _UID.fullmatch(ref):  # a uid from another database's export, not a company's name
            raise Invalid(f"No company has the uid {ref}; import the companies first.")
        domain = None
        if "." in ref and " " not in ref and "@" not in ref:
            domain = validate.domain_name(ref, "company domain")
            if domain in self.by_domain:
                return self.by_domain[domain]
        folded = validate.fold(ref)
        found = self.by_name.get(folded)
        if found == _AMBIGUOUS:
            raise Invalid(f"The company {ref!r} matches several companies; give its id or domain instead.")
        if found is not None:
            return found
        return self._new_company(ref, folded, domain, line)

    def _new_company(self, name: str, folded: str, domain: str | None, line: int) -> int:
        importer = self.importer
        company_id = self.next_company
        self.next_company += 1
        importer.report.companies_created += 1
        self.by_name[folded] = company_id
        if domain:
            self.by_domain[domain] = company_id
        if importer.writing:
            from crmcli.services.import_contacts import searchable

            self.new_companies.append(
                (
                    company_id,
                    importer.uids.next(),
                    name,
                    domain,
                    None,
                    None,
                    None,
                    None,
                    None,
                    importer.actor,
                    folded,
                    importer.now,
                    importer.now,
                )
            )
            self.new_company_search.append((company_id, searchable(" ".join([name, domain or ""]))))
            self.new_company_lines.append((company_id, line))
        return company_id

    def take_new_companies(self) -> tuple[list[Any], list[tuple[int, str]], list[tuple[int, int]]]:
        """The companies made since the last call, for the next batch."""
        taken = (self.new_companies, self.new_company_search, self.new_company_lines)
        self.new_companies, self.new_company_search, self.new_company_lines = [], [], []
        return taken

    # --- deals and cases ----------------------------------------------------------------------

    def deal(self, text: str) -> int:
        found = self._deals.get(text)
        if found is None:
            found = self._deals[text] = self._deal(text)
        return found

    def _deal(self, text: str) -> int:
        db = self.db
        ref = text.strip()
        number = _number(ref.removeprefix("deal:").removeprefix("Deal:"))
        if number is not None:
            if not store.exists(db, "deals", number):
                raise Invalid(f"There is no deal #{number}.")
            return number
        found = store.id_by_uid(db, "deals", ref)
        if found is not None:
            return found
        ids = store.deal_ids_by_title(db, " ".join(ref.split()))
        if not ids:
            raise Invalid(f"No deal has the id, uid or title {ref!r}; import the deals first.")
        return _one(ids, ref, "deals")

    def case(self, text: str) -> int:
        found = self._cases.get(text)
        if found is None:
            found = self._cases[text] = self._case(text)
        return found

    def _case(self, text: str) -> int:
        ref = text.strip()
        number = _number(ref.removeprefix("case:").removeprefix("Case:"))
        if number is not None:
            if not store.exists(self.db, "cases", number):
                raise Invalid(f"There is no case #{number}.")
            return number
        found = store.id_by_uid(self.db, "cases", ref)
        if found is None:
            raise Invalid(f"No case has the id or uid {ref!r}.")
        return found


def first_of(text: str) -> str:
    """The first of several references in one cell ("Ada Lovelace; Bob Berg")."""
    stripped = text.strip()
    if ";" in stripped:
        stripped = stripped.split(";", 1)[0].strip()
    return stripped


def _number(text: str) -> int | None:
    match = _ID.fullmatch(text.strip())
    return int(match.group(1)) if match else None


def _one(ids: list[int], ref: str, what: str) -> int:
    if len(ids) == 1:
        return ids[0]
    listed = ", ".join(f"#{i}" for i in ids[:5])
    raise Invalid(f"{ref!r} matches several {what} ({listed}); give the id instead.")


def write_new_companies(
    db: Any,
    companies: list[Any],
    search: list[tuple[int, str]],
    lines: list[tuple[int, int]],
    change_id: int,
    now: str,
    actor: str,
) -> None:
    """The companies that rows of a deals or activities file named and that were made for
    them: their rows, search text, and a history row each naming the line."""
    store.insert_companies(db, companies)
    store.insert_search(db, "companies", search)
    history = [(change_id, now, actor, "company", company_id, "create", f"import line {line}")
               for company_id, line in lines]  # fmt: skip
    store.insert_history(db, history)
