"""What a row of a deals or activities file points at: contacts, companies, deals, cases.

A file names a record the way exports write it, never by a guess:
- a contact by id (12, #12), uid, e-mail address, or exact name (case and accents aside);
  HubSpot's "Ada Lovelace (ada@example.com)" and "Ada <ada@example.com>" by the address;
- a company by id, uid, domain, or exact name (case and accents aside); a name nothing
  matches is refused as `crm deal add -c` refuses it, never made into a company: a typo
  in a deals file would otherwise become a company of its own. Only the contacts (and
  companies) import makes companies;
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
_UID = re.compile(r"[0-9a-f]{32}")


class Links:
    def __init__(self, db: Any) -> None:
        self.db = db
        self._contacts: dict[str, int] = {}
        self._contact_company: dict[int, int | None] = {}
        self._companies: dict[str, int] = {}  # as the file writes it
        self._deals: dict[str, int] = {}
        self._cases: dict[str, int] = {}

    # --- contacts -----------------------------------------------------------------------------

    def contact(self, text: str) -> int:
        found = self._contacts.get(text)
        if found is None:
            found = self._contact(text)
            from crmcli.services.contacts import refuse_if_erased_id

            # Nothing is linked to an erased person; Invalid rejects the row, as a bad reference.
            refuse_if_erased_id(self.db, found, Invalid)
            self._contacts[text] = found
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
        ids = _by_name(db, "contacts", " ".join(ref.split()))
        if not ids:
            raise Invalid(f"No contact is named {ref!r}; import the contacts first, or give their e-mail.")
        return _one(ids, ref, "contacts")

    def company_of(self, contact_id: int) -> int | None:
        if contact_id not in self._contact_company:
            self._contact_company[contact_id] = store.company_of_contact(self.db, contact_id)
        return self._contact_company[contact_id]

    # --- companies ----------------------------------------------------------------------------

    def company(self, text: str) -> int:
        found = self._companies.get(text)
        if found is None:
            found = self._companies[text] = self._company(text)
        return found

    def _company(self, text: str) -> int:
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
        domain = _domain(ref)
        if domain:
            ids = store.company_ids_by_domain(db, domain)
            if ids:
                return _one(ids, ref, "companies")
        ids = _by_name(db, "companies", ref)
        if not ids:
            what = f"the domain {domain} or the name {ref!r}" if domain else f"the name {ref!r}"
            raise Invalid(f"No company has {what}; import the companies first.")
        if len(ids) > 1:
            raise Invalid(f"The company {ref!r} matches several companies; give its id or domain instead.")
        return ids[0]

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


def _domain(ref: str) -> str | None:
    """The domain a reference is written as (acme.no, www.acme.no), or None: a name with a
    dot in it ("J. Smith & Co.") is looked up by name only."""
    if "." not in ref or " " in ref or "@" in ref:
        return None
    try:
        return validate.domain_name(ref, "company domain")
    except Invalid:
        return None


def _by_name(db: Any, table: str, name: str) -> list[int]:
    """The contacts or companies with this name, case and accents aside, as the command
    line finds them ("malmo ab" is Malmö AB). A name written as it is stored wins over
    its accent-free twins, as an exact name wins in services.refs: "Malmö AB" is not also
    Malmo AB. So the name's own index answers first, and the search index (which holds
    names without their accents too) only when it finds nothing: a file that writes names
    as crm stores them stays on the index, a million rows or not."""
    folded = validate.fold(name)
    if table == "contacts":
        ids = store.contact_ids_by_name(db, folded)
    else:
        ids = store.company_ids_by_name(db, folded)
    if ids:
        return ids
    plain = validate.strip_accents(folded)
    return [
        i for i, stored in store.names_holding(db, table, plain) if validate.strip_accents(stored) == plain
    ]


def _number(text: str) -> int | None:
    match = _ID.fullmatch(text.strip())
    return int(match.group(1)) if match else None


def _one(ids: list[int], ref: str, what: str) -> int:
    if len(ids) == 1:
        return ids[0]
    listed = ", ".join(f"#{i}" for i in ids[:5])
    raise Invalid(f"{ref!r} matches several {what} ({listed}); give the id instead.")
