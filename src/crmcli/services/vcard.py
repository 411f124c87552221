"""`crm import vcard` and `crm export vcard`: contacts to and from phones, Google, Apple, khard.

Importing: each card (io.vcard) is validated as `crm contact add` validates (e-mail
addresses, phone numbers to E.164 with --default-country or the card's own country,
the birthday), then matched against the contacts already there, by uid and then by any of
its e-mail addresses, exactly as a CSV import matches (the cards before it included):
--on-duplicate skip (the default), update (fill and change fields, never blank one, add
addresses, numbers and tags) or error. The whole file is one transaction: a card that
cannot be imported stops the import with a sentence that names it, and nothing is written.

Where a card's values go: FN (or N) the name; EMAIL and TEL the addresses and numbers,
preferred first; ORG the company (matched by exact name, case and accents aside, else
created, as a CSV import does); TITLE; BDAY the birthday; the country of ADR; NOTE the
custom field `note`; CATEGORIES the tags; UID the uid. A country that is not a country
("Deutschland", "Home") is left out with a warning rather than losing the card.

Exporting writes the same properties back (4.0 by default, or 3.0), so a card exported
and imported again gives the same contact, uid included.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from crmcli import validate
from crmcli.errors import CrmError, Invalid
from crmcli.io.vcard import Card, is_person, read_cards
from crmcli.models import ListQuery
from crmcli.services.importing import counted
from crmcli.services.session import Session
from crmcli.storage.db import Database

ON_DUPLICATE = ("skip", "update", "error")
NOTE_FIELD = "note"


@dataclass
class VcardOptions:
    source: str  # a path, or "-" for standard input
    on_duplicate: str = "skip"
    default_country: str | None = None
    tags: list[str] = field(default_factory=list)
    dry_run: bool = False


@dataclass
class VcardReport:
    source: str
    cards: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    not_people: int = 0
    companies_created: int = 0
    warnings: list[str] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "cards": self.cards,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "not_people": self.not_people,
            "companies_created": self.companies_created,
            "written": self.written,
            "dry_run": self.dry_run,
            "warnings": self.warnings,
        }

    def summary(self) -> str:
        counts = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped as duplicates"
        )
        if self.not_people:
            counts += f", {counted(self.not_people, 'group or organisation card')} set aside"
        made = self.companies_created
        companies = f" ({counted(made, 'new company', 'new companies')})" if made else ""
        what = f"contacts from {counted(self.cards, 'vCard')} in {self.source}: {counts}{companies}"
        if self.written:
            return f"Imported {what}."
        return f"Dry run, nothing was written; it would have been {what}."


class _DryRun(Exception):
    """Leave session.write() without committing."""


def check_options(options: VcardOptions) -> None:
    if options.on_duplicate not in ON_DUPLICATE:
        raise Invalid(f"--on-duplicate {options.on_duplicate!r} is not one of {', '.join(ON_DUPLICATE)}.")
    if options.default_country:
        options.default_country = validate.country_code(options.default_country, "--default-country")
    options.tags = validate.tags(options.tags)


def import_vcards(session: Session, options: VcardOptions, stdin: IO[bytes] | None = None) -> VcardReport:
    """Import every card of the file in one transaction; the report says what happened."""
    check_options(options)
    name = "standard input" if options.source == "-" else options.source
    report = VcardReport(name, dry_run=options.dry_run)
    with _open(options.source, stdin) as stream:
        importer = _Importer(session, options, report)
        try:
            with session.write(f"import vcard {name}"):
                for card in read_cards(stream, name):
                    report.cards += 1
                    try:
                        importer.card(card)
                    except CrmError as exc:
                        raise _refused(card, name, exc) from None
                if options.dry_run:
                    raise _DryRun
                report.written = True
        except _DryRun:
            report.written = False
    return report


def _refused(card: Card, source: str, exc: CrmError) -> Invalid:
    """One sentence: which card, and why (the validator's own words)."""
    label = card.label[0].upper() + card.label[1:]
    return Invalid(f"{label} of {source} cannot be imported, so nothing was: {_lower_first(exc.message)}")


def _lower_first(text: str) -> str:
    text = text.rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text + "."


class _open:  # noqa: N801 - used as a context manager, like open()
    """The file (or stdin) as UTF-8 text, a byte-order mark allowed."""

    def __init__(self, source: str, stdin: IO[bytes] | None) -> None:
        self.source = source
        self.stdin = stdin
        self.stream: IO[str] | None = None
        self.wrapper: io.TextIOWrapper | None = None

    def __enter__(self) -> IO[str]:
        if self.source == "-":
            raw = self.stdin if self.stdin is not None else sys.stdin.buffer
            self.wrapper = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            return self.wrapper
        try:
            self.stream = open(self.source, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except FileNotFoundError:
            raise Invalid(f"There is no file {self.source}.") from None
        except IsADirectoryError:
            raise Invalid(f"{self.source} is a folder, not a vCard file.") from None
        except OSError as exc:
            raise Invalid(f"Cannot read {self.source}: {exc.strerror}.") from None
        return self.stream

    def __exit__(self, *exc: object) -> None:
        if self.stream is not None:
            self.stream.close()
        if self.wrapper is not None:
            self.wrapper.detach()  # standard input stays open


class _Importer:
    def __init__(self, session: Session, options: VcardOptions, report: VcardReport) -> None:
        from crmcli.io.filedates import DateReader

        self.session = session
        self.options = options
        self.report = report
        self.dates = DateReader(None, session.tz)
        self.default_country = options.default_country or session.config.default_country
        self.companies: dict[str, int] = {}

    def card(self, card: Card) -> None:
        if not is_person(card):
            self.report.not_people += 1
            self.report.warnings.append(f"{card.label} is a {card.kind} card, not a person; set aside")
            return
        if not card.name:
            raise Invalid("it has no name (FN or N).")
        values = self._values(card)
        existing = self._existing(card.uid, values["emails"])
        if existing is not None:
            contact_id, what = existing
            mode = self.options.on_duplicate
            if mode == "error":
                raise Invalid(f"A contact with the {what} already exists (or is on a card above).")
            if mode == "skip":
                self.report.skipped += 1
                return
            from crmcli.services.import_contacts import update_contact

            company_id = self._company(card.company) if card.company else None
            if update_contact(self.session, contact_id, values, company_id):
                self.report.updated += 1
            else:
                self.report.unchanged += 1
            return
        self._create(card, values)

    def _values(self, card: Card) -> dict[str, Any]:
        country = None
        if card.country:
            try:
                country = validate.country_code(card.country)
            except Invalid:
                self.report.warnings.append(
                    f"{card.label}: the address country {card.country!r} is not a country crm knows; left out"
                )
        emails = list(dict.fromkeys(validate.email_address(e) for e in card.emails))
        phone_country = country or self.default_country
        phones = list(dict.fromkeys(validate.phone_number(p, phone_country) for p in card.phones))
        birthday = self.dates.date(card.birthday, "birthday") if card.birthday else None
        if card.uid and (len(card.uid) > 200 or any(ch.isspace() for ch in card.uid)):
            raise Invalid(f"The UID {card.uid!r} must be one word of at most 200 characters.")
        # A category "a;b" is two tags, as on entry, so that a CSV export gives them back.
        tags = validate.tags([*card.tags, *self.options.tags])
        return {
            "name": card.name,
            "emails": emails,
            "phones": phones,
            "title": card.title or None,
            "country": country,
            "birthday": birthday,
            "tags": tags,
            "fields": {NOTE_FIELD: card.note} if card.note else {},
        }

    def _existing(self, uid: str, emails: list[str]) -> tuple[int, str] | None:
        from crmcli.storage import importing as store

        db = self.session.db
        if uid:
            found = store.id_by_uid(db, "contacts", uid)
            if found is not None:
                return found, f"uid {uid}"
        for email in emails:
            ids = store.contact_ids_by_email(db, email)
            if len(ids) > 1:
                listed = ", ".join(f"#{i}" for i in ids[:5])
                raise Invalid(f"The e-mail {email} belongs to several contacts ({listed}); merge them first.")
            if ids:
                return ids[0], f"e-mail {email}"
        return None

    def _company(self, name: str) -> int:
        """By exact name (case and accents aside), else a new company, as a CSV import does."""
        folded = validate.fold(name)
        found = self.companies.get(folded)
        if found is not None:
            return found
        from crmcli.storage import importing as store

        ids = store.company_ids_by_name(self.session.db, folded)
        if len(ids) > 1:
            raise Invalid(f"The company {name!r} matches several companies; merge them first.")
        if ids:
            found = ids[0]
        else:
            from crmcli.services.companies import CompanyInput, add_company

            found = int(add_company(self.session, CompanyInput(name=name))["id"])
            self.report.companies_created += 1
        self.companies[folded] = found
        return found

    def _create(self, card: Card, values: dict[str, Any]) -> None:
        from crmcli.services.contacts import ContactInput, add_contact
        from crmcli.storage import contacts as contact_store

        company_id = self._company(card.company) if card.company else None
        data = ContactInput(
            name=values["name"],
            emails=values["emails"],
            phones=values["phones"],
            company=f"#{company_id}" if company_id is not None else None,
            title=values["title"],
            country=values["country"],
            birthday=values["birthday"],
            tags=values["tags"],
            fields=dict(values["fields"]),
        )
        record = add_contact(self.session, data)
        if card.uid:
            contact_store.update(self.session.db, record["id"], {"uid": card.uid})
        self.report.created += 1


# --- exporting -----------------------------------------------------------------------------------


def export_cards(db: Database, query: ListQuery, version: str) -> Iterator[str]:
    """Each contact the query selects as a vCard, read as a stream."""
    from crmcli.io.vcard import VERSIONS, card_text
    from crmcli.storage import exporting as store

    if version not in VERSIONS:
        raise Invalid(f"vCard version {version!r} is not one crm writes; use 4.0 or 3.0.")
    for batch in store.contacts(db, query):
        for contact in batch:
            yield card_text(contact, version)


def count_cards(db: Database, query: ListQuery) -> int:
    from crmcli.storage import exporting as store

    return store.count_contacts(db, query)
