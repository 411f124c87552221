"""Contacts from a CSV file: the fast path of `crm import contacts`.

Every row is validated as `crm contact add` validates (validate.py, the lifecycle
stages, the team for owners), with two speed-ups that give the same answers: phone
numbers through io.phones, and the values a file repeats (countries, owners, time zones,
stages) looked up once. Duplicates are found by e-mail address (and by uid, when the
file has one, as crm's own exports do) against the database and the rows before, in
compact key sets (io.keyset) rather than a query per row.

A contact's company is matched by domain (a company_domain column) or by its exact
name, case and accents aside; a name that matches nothing becomes a new company. (The
prefix matching of `--company` on the command line would be a guess on a file.)
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
from array import array
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from crmcli import validate
from crmcli.errors import CrmError, Invalid, RuleError
from crmcli.io.filedates import DateReader
from crmcli.io.formulas import restore
from crmcli.io.keyset import KeySet
from crmcli.io.phones import PhoneNormaliser
from crmcli.models import LIFECYCLE_STAGES
from crmcli.services.conditions import Facts, Level
from crmcli.services.contacts import MULTI_LINE_FIELDS, default_owner, local_today
from crmcli.services.importing import Importer, checks_of, with_its_line
from crmcli.storage import importing as store
from crmcli.storage.privacy import ERASED

if TYPE_CHECKING:
    from crmcli.services.contacts import ContactInput
    from crmcli.services.rules import Rule

# Large imports drop the indexes of the tables they fill and build them again at the end
# (sorting once is several times faster than a million inserts into each): a file of this
# many rows, or of half as many as the table had, from its first batch when its size says
# so, otherwise (a pipe) once it has written that many.
DEFER_INDEXES_AT = 50_000
EMITTED_KEPT = 10_000
TAGS_KEPT = 100_000  # distinct tags remembered as checked; beyond, each is checked again
_AMBIGUOUS = -1
_SPLIT = re.compile(r"\s*(?:[,;]|:::)\s*")
_STAGE_WORDS = {
    "lead": "lead", "new": "lead", "subscriber": "lead", "prospect": "lead", "open": "lead",
    "qualified": "qualified", "marketingqualifiedlead": "qualified", "mql": "qualified",
    "salesqualifiedlead": "qualified", "sql": "qualified", "qualifiedlead": "qualified",
    "opportunity": "opportunity", "deal": "opportunity",
    "customer": "customer", "client": "customer", "evangelist": "customer",
    "churned": "churned", "formercustomer": "churned", "lost": "churned",
    "other": "other",
}  # fmt: skip


class ContactImporter(Importer):
    entity = "contact"
    tuning: dict[str, Any] | None = None  # from the first write on (close() runs without one too)

    # --- before the first row ------------------------------------------------------------

    def begin(self) -> None:
        session, mapping = self.session, self.mapping
        db = session.db
        self.now = session.now_iso
        self.actor = session.actor
        # A row without an owner gets the acting user, when they are on the team.
        self.default_owner = default_owner(session)
        self.change_id = session.change_id
        self.update_mode = self.options.on_duplicate == "update"
        self.dates = DateReader(self.options.date_format, session.tz)
        self.today = local_today(session)  # a birthday after it is refused (validate.birthday)
        self.phones = PhoneNormaliser()
        self.default_country = self.options.default_country or session.config.default_country
        self.extra_tags = list(dict.fromkeys(self.options.tags))
        self.uids = UidMaker()
        self.folder = TextFolder()

        self.first_contact = self.next_contact = store.next_id(db, "contacts")
        self.first_company = self.next_company = store.next_id(db, "companies")
        self.existing = store.count(db, "contacts")
        self.known_emails = KeySet(e.lower() for e in store.email_addresses(db))
        self.seen_emails = KeySet()
        has_uid = "uid" in mapping.targets()
        self.known_uids = KeySet(store.uids(db, "contacts")) if has_uid else None
        self.seen_uids = KeySet() if has_uid else None
        self.company_by_name: dict[str, int] = {}
        # The same names without their accents: a row's "malmo ab" is Malmö AB, as
        # `crm add --company` finds it, and no second company.
        self.company_by_plain_name: dict[str, int] = {}
        self.company_by_domain: dict[str, int] = {}
        self.company_by_text: dict[str, int] = {}  # the name as the file writes it
        for company_id, folded, domain in store.companies_for_matching(db):
            self._remember_company(company_id, folded, domain)

        index = mapping.indexes
        self.i_name, self.i_first, self.i_middle, self.i_last = (
            index("name"),
            index("first_name"),
            index("middle_name"),
            index("last_name"),
        )
        self.i_email, self.i_phone, self.i_tags = index("email"), index("phone"), index("tags")
        self.scalars = {name: index(name) for name in (
            "company", "company_domain", "title", "lifecycle_stage", "source", "referred_by", "owner",
            "country", "timezone", "language", "birthday", "customer_since", "churned_at",
            "churn_reason", "uid", "created_at")}  # fmt: skip
        self.get = Getters(mapping, ("name", "first_name", "middle_name", "last_name", *self.scalars))
        # Columns most files lack: one test per row when the file has none of them.
        self.rare = any(self.scalars[name] for name in (
            "timezone", "language", "birthday", "created_at", "customer_since", "churned_at",
            "churn_reason", "uid", "referred_by"))  # fmt: skip
        self.custom = mapping.custom()
        if not (self.i_name or self.i_first or self.i_last):
            raise Invalid(
                "The file has no column for the contact's name (name, or first and last name); "
                'name one with --map "Column=name".'
            )
        self._owners: dict[str, str | None] = {}
        self._stages: dict[str, str] = {}
        self._tz: dict[str, str] = {}
        self._languages: dict[str, str] = {}
        self._checked_tags: dict[str, str] = {}
        self._new_batch()
        self.lead_ids = array("q")
        self.lead_sources = array("H")
        self.sources: dict[str | None, int] = {}
        self.source_names: list[str | None] = []
        self.referrals: list[tuple[int, str, int]] = []  # contact id, reference, line
        self.defer_decided = False
        self.dropped_indexes: list[str] = []  # written by the writer thread, read after it ends
        self.pending_rows = store.PendingRows(db)
        self.routing = RowRules.of(session, ("company.created", "contact.created", "lead.created"))
        if self.routing is not None:
            self.routing.load_companies(db)
        self.routed_lines = array("q")  # the line of each new contact, when rules are tried on rows
        # The lifecycle a checked update (see _check_update) left each contact it moved in.
        self.checked_moves: dict[int, dict[str, Any]] = {}

    def learn(self, sample: list[Any]) -> None:
        columns = [i for name in ("birthday", "created_at", "customer_since", "churned_at")
                   for i in self.scalars[name]]  # fmt: skip
        if not columns:
            return
        self.dates.learn(record.cells[i] for record in sample for i in columns if i < len(record.cells))

    def _new_batch(self) -> None:
        self.b_companies: list[tuple[Any, ...]] = []
        self.b_company_search: list[tuple[int, str]] = []
        self.b_contacts: list[tuple[Any, ...]] = []
        self.b_points: list[tuple[int, str, str, int]] = []
        self.b_tags: list[tuple[str, int, str, str | None, str | None]] = []
        self.b_fields: list[tuple[str, int, str, str]] = []
        self.b_search: list[tuple[int, str]] = []
        self.b_history: list[tuple[int, str, str, str, int, str, str]] = []  # new companies'
        self.b_lines = array("q")  # the file's line of each new contact, in id order
        self.b_updates: list[Callable[[], None]] = []
        self.b_count = 0

    # --- one row ---------------------------------------------------------------------------

    def row(self, record: Any) -> None:
        cells: list[str] = record.cells
        g = self.get

        name = g.name(cells) if g.name else ""
        if not name:
            name = " ".join(p for p in (g.first_name(cells) if g.first_name else "",
                                        g.middle_name(cells) if g.middle_name else "",
                                        g.last_name(cells) if g.last_name else "") if p)  # fmt: skip
        if "  " in name or not name.isprintable():  # as `crm add` does: one line, single spaces
            name = " ".join(name.split())
        if not name:
            raise Invalid("A contact needs a name; the row's name columns are empty.")

        country = None
        if g.country:
            text = g.country(cells)
            country = validate.country_code(text) if text else None
        emails: list[str] = []
        email_address = validate.email_address
        for i in self.i_email:
            cell = cells[i]
            if cell and not cell.isspace():
                for part in many_values(cell):
                    emails.append(email_address(part))
        phones: list[str] = []
        if self.i_phone:
            normalise = self.phones
            phone_country = country or self.default_country
            for i in self.i_phone:
                cell = cells[i]
                if cell and not cell.isspace():
                    for part in many_values(cell):
                        phones.append(normalise(part, phone_country))
        if len(emails) > 1:
            emails = list(dict.fromkeys(emails))
        if len(phones) > 1:
            phones = list(dict.fromkeys(phones))

        title = (validate.one_line(g.title(cells)) or None) if g.title else None
        stage_text = g.lifecycle_stage(cells) if g.lifecycle_stage else ""
        stage = (self._stages.get(stage_text) or self._stage(stage_text)) if stage_text else "other"
        source = (validate.one_line(g.source(cells)) or None) if g.source else None
        owner_text = g.owner(cells) if g.owner else ""
        owner = self._owner(owner_text) if owner_text else self.default_owner
        timezone = language = birthday = customer_since = churned_at = churn_reason = None
        created_at = self.now
        uid = referred_by = since_text = churned_text = ""
        if self.rare:
            text = g.timezone(cells) if g.timezone else ""
            timezone = self._timezone(text) if text else None
            text = g.language(cells) if g.language else ""
            language = self._language(text) if text else None
            dates = self.dates
            text = g.birthday(cells) if g.birthday else ""
            birthday = validate.birthday(dates.date(text, "birthday"), self.today) if text else None
            text = g.created_at(cells) if g.created_at else ""
            created_at = dates.moment(text, "created_at") if text else self.now
            since_text = g.customer_since(cells) if g.customer_since else ""
            customer_since = dates.moment(since_text, "customer_since") if since_text else None
            churned_text = g.churned_at(cells) if g.churned_at else ""
            churned_at = dates.moment(churned_text, "churned_at") if churned_text else None
            churn_reason = (validate.one_line(g.churn_reason(cells)) or None) if g.churn_reason else None
            if customer_since or churned_at:
                check_dates(customer_since, churned_at, self.now, since_text, churned_text)
            uid = g.uid(cells) if g.uid else ""
            if uid and (len(uid) > 200 or any(ch.isspace() for ch in uid)):
                raise Invalid(f"The uid {uid!r} must be one word of at most 200 characters.")
            referred_by = g.referred_by(cells) if g.referred_by else ""
        tags = self._tags(cells) if self.i_tags or self.extra_tags else []
        fields = {}
        for i, key in self.custom:
            value = cells[i]
            if value and not value.isspace():
                value = value.strip() if key in MULTI_LINE_FIELDS else validate.one_line(value)
                fields[key] = restore(value) if value[0] == "'" else value
        company_name = g.company(cells) if g.company else ""
        if "  " in company_name or not company_name.isprintable():
            company_name = " ".join(company_name.split())
        company_domain = g.company_domain(cells) if g.company_domain else ""
        domain = validate.domain_name(company_domain, "company domain") if company_domain else None

        # Duplicates: by uid when the file has one, then by any of the addresses.
        keys = [e.lower() for e in emails]
        duplicate = self._duplicate(uid, keys) if (keys or uid) else None
        if duplicate is not None:
            where, what = duplicate
            mode = self.options.on_duplicate
            if mode == "error":
                if where == "file":
                    raise Invalid(f"A row above has the same {what}; the file holds this contact twice.")
                raise Invalid(f"A contact with the {what} already exists.")
            if mode == "skip":
                self.report.skipped += 1
                return
            values = {"name": name, "emails": emails, "phones": phones, "title": title,
                      "lifecycle_stage": stage if stage_text else None, "source": source,
                      "owner": owner if owner_text else None, "country": country,
                      "timezone": timezone, "language": language, "birthday": birthday,
                      "tags": tags, "fields": fields,
                      # what dates and explains a step of the stage (take_stage_step)
                      "customer_since": customer_since, "churned_at": churned_at,
                      "churn_reason": churn_reason,
                      "written": {"customer_since": since_text, "churned_at": churned_text}
                      if customer_since or churned_at else None}  # fmt: skip
            company_id = None
            if company_name or domain:
                found = self._find_company(company_name, domain)
                if found is None and self.routing is not None:  # a new company has rules too
                    self._new_company_for_rules(company_name, domain, self.next_company)
                company_id = self._company(company_name, domain, found, record.line)
            self._plan_update(record, uid, keys, values, company_id)
            return
        # A new contact, not a duplicate (an export's erased row is skipped or refused above):
        # the name that marks an erased person is refused, as `crm add` does (_normalise).
        if name.casefold() == ERASED:
            raise Invalid(
                f'A contact cannot be named "{ERASED}": that name marks a person whose data was erased.'
            )

        # The company it names, or the id the new one will have: nothing is kept of the row
        # until the rules have been tried on it.
        company_id = found = self._find_company(company_name, domain) if company_name or domain else None
        if company_id is None and (company_name or domain):
            company_id = self.next_company
        if customer_since or churned_at or churn_reason:
            check_new_contact_dates(stage, customer_since, churned_at, churn_reason)
        if stage == "customer" and not customer_since:
            customer_since = created_at
        contact_id = self.next_contact
        contact = (
            contact_id, uid or self.uids.next(), name, emails[0] if emails else None,
            phones[0] if phones else None, company_id, title, stage, source, owner, country, timezone,
            language, birthday, customer_since, churned_at, churn_reason, self.folder.fold(name),
            created_at, self.now,
        )  # fmt: skip
        if self.routing is not None:
            if found is None and company_id is not None:
                self._new_company_for_rules(company_name, domain, company_id)
            self.routing.check(contact, fields, tags)
            self.routed_lines.append(record.line)
        if company_name or domain:
            self._company(company_name, domain, found, record.line)
        if uid:
            assert self.seen_uids is not None
            self.seen_uids.add(uid)
        for key in keys:
            self.seen_emails.add(key)
        self.next_contact = contact_id + 1
        self.report.created += 1
        if referred_by:
            self.referrals.append((contact_id, referred_by, record.line))
        if stage == "lead":
            self.lead_ids.append(contact_id)
            self.lead_sources.append(self._source_index(source))
        if not self.writing:
            return
        self.b_count += 1
        self.b_contacts.append(contact)
        # A contact's first address and number, its starting stage and its history row
        # are written from its row in SQL (write_batch): only the rest goes as tuples.
        if len(emails) > 1:
            self.b_points += [(contact_id, "email", email, i) for i, email in enumerate(emails) if i]
        if len(phones) > 1:
            self.b_points += [(contact_id, "phone", phone, i) for i, phone in enumerate(phones) if i]
        for tag in tags:
            self.b_tags.append(("contact", contact_id, tag, created_at, owner))
        for key, value in fields.items():
            self.b_fields.append(("contact", contact_id, key, value))
        self.b_search.append((contact_id, self.folder.searchable([name, title or "", *emails, *phones])))
        self.b_lines.append(record.line)

    def _duplicate(self, uid: str, keys: list[str]) -> tuple[str, str] | None:
        if uid and self.known_uids is not None and self.seen_uids is not None:
            if uid in self.known_uids:
                return "db", f"uid {uid}"
            if uid in self.seen_uids:
                return "file", f"uid {uid}"
        for key in keys:
            if key in self.known_emails:
                return "db", f"e-mail {key}"
            if key in self.seen_emails:
                return "file", f"e-mail {key}"
        return None

    def _tags(self, cells: list[str]) -> list[str]:
        tags: list[str] = []
        for i in self.i_tags:
            cell = cells[i]
            if cell and not cell.isspace():
                for part in many_values(cell):
                    part = part.removeprefix("* ").strip()
                    if part and part != "myContacts":
                        tags.append(self._checked_tags.get(part) or self._tag(part))
        if self.extra_tags:  # --tag, checked once by check_options
            tags += self.extra_tags
        return list(dict.fromkeys(tags)) if len(tags) > 1 else tags

    def _tag(self, text: str) -> str:
        """A file's tag checked as `crm add --tag` checks it (validate.tag), learnt once: a
        file repeats its few tags endlessly. Only what validate.tag would refuse or respace
        goes through it."""
        tag = text
        if len(text) > 64 or text[0] in "-+" or "  " in text or not text.isprintable():
            tag = validate.tag(text)
        if len(self._checked_tags) < TAGS_KEPT:
            self._checked_tags[text] = tag
        return tag

    def _stage(self, text: str) -> str:
        found = self._stages.get(text)
        if found is None:  # a lifecycle stage as any CRM writes it, learnt once
            key = re.sub(r"[\W_]+", "", text.casefold())
            found = _STAGE_WORDS.get(key)
            if found is None:
                raise Invalid(
                    f"Unknown lifecycle stage {text!r}; use one of {', '.join(LIFECYCLE_STAGES)} "
                    "(or HubSpot's: subscriber, marketing qualified lead, sales qualified lead, evangelist)."
                )
            self._stages[text] = found
        return found

    def _owner(self, text: str) -> str | None:
        if text in self._owners:
            return self._owners[text]
        self._owners[text] = found = owner_from_file(self.session, text)
        return found

    def _timezone(self, text: str) -> str:
        found = self._tz.get(text)
        if found is None:
            found = self._tz[text] = validate.timezone_name(text)
        return found

    def _language(self, text: str) -> str:
        found = self._languages.get(text)
        if found is None:
            found = self._languages[text] = validate.language_code(text)
        return found

    def _source_index(self, source: str | None) -> int:
        found = self.sources.get(source)
        if found is None:
            found = self.sources[source] = len(self.source_names)
            self.source_names.append(source)
        return found

    # --- companies -----------------------------------------------------------------------------

    def _remember_company(self, company_id: int, folded: str, domain: str | None) -> None:
        known = self.company_by_name.get(folded)
        self.company_by_name[folded] = company_id if known is None else _AMBIGUOUS
        plain = folded if folded.isascii() else self.folder.plain(folded)  # shared, not copied
        known = self.company_by_plain_name.get(plain)
        self.company_by_plain_name[plain] = company_id if known is None else _AMBIGUOUS
        if domain and domain not in self.company_by_domain:
            self.company_by_domain[domain] = company_id

    def _find_company(self, name: str, domain: str | None) -> int | None:
        """The company a row names, by domain, then by exact name; None when it is a new one.
        Only looks: _company() keeps what was found, or adds the new company."""
        found = self.company_by_domain.get(domain) if domain else self.company_by_text.get(name)
        if found is not None:
            return found
        folded = self.folder.fold(name or domain or "")
        found = self.company_by_name.get(folded)
        if found is None:  # a name written as it is stored wins over its accent-free twins
            found = self.company_by_plain_name.get(self.folder.plain(folded))
        if found == _AMBIGUOUS:
            raise Invalid(
                f"The company {name!r} matches several companies; give a company_domain column "
                "or merge them first."
            )
        return found

    def _company(self, name: str, domain: str | None, found: int | None, line: int) -> int:
        """The company _find_company() found, remembered by how the row wrote it; or, when
        it found none, a new one."""
        if found is None:
            found = self._add_company(name, domain, line)
        elif domain:
            self.company_by_domain.setdefault(domain, found)
        if not domain:
            self.company_by_text[name] = found
        return found

    def _add_company(self, name: str, domain: str | None, line: int) -> int:
        folded = self.folder.fold(name or domain or "")
        company_id = self.next_company
        self.next_company += 1
        self.report.companies_created += 1
        self._remember_company(company_id, folded, domain)
        display = name or (domain or "")
        if self.writing:
            self.b_companies.append(self._company_row(company_id, self.uids.next(), display, domain, folded))
            self.b_company_search.append((company_id, self.folder.searchable([display, domain or "", ""])))
            self.b_history.append((self.change_id, self.now, self.actor, "company", company_id, "create",
                                   f"import line {line}"))  # fmt: skip
        return company_id

    def _company_row(self, company_id: int, uid: str | None, display: str, domain: str | None,
                     folded: str) -> tuple[Any, ...]:  # fmt: skip
        """A new company as written (COMPANY_COLUMNS): a name, perhaps a domain, nothing else."""
        return (company_id, uid, display, domain, None, None, None, None, None, self.default_owner, folded,
                self.now, self.now)  # fmt: skip

    def _new_company_for_rules(self, name: str, domain: str | None, company_id: int) -> None:
        """The company a row creates, through its company.created rules (raising Invalid when
        they cannot decide), and as they leave it for its contact's rules."""
        routing = self.routing
        assert routing is not None
        if not (routing.company_rules or routing.reads_company):
            return
        display = name or (domain or "")
        row = self._company_row(company_id, None, display, domain, self.folder.fold(name or domain or ""))
        routing.new_company(company_id, routing.check_company(row, {}, [], "this row's company"))

    # --- duplicates to update ------------------------------------------------------------------

    def _plan_update(
        self, record: Any, uid: str, keys: list[str], values: dict[str, Any], company_id: int | None
    ) -> None:
        session, warnings = self.session, self.report.warnings

        def warn(found: list[str]) -> None:
            warnings.extend(f"line {record.line}: {warning}" for warning in found)

        self.plan_update(
            record,
            lambda: _find(session.db, uid, keys),
            lambda contact_id: update_contact(session, contact_id, values, company_id, warn),
            lambda contact_id: self._check_update(contact_id, values, company_id, warn),
        )
        self.b_count += 1

    def _check_update(
        self, contact_id: int, values: dict[str, Any], company_id: int | None, warn: Warn
    ) -> bool:
        """An update checked but not written (a row was rejected, so nothing will be),
        against the contact as stored or as a checked row above moved it."""
        from crmcli.services.contacts import get_contact

        current = get_contact(self.session.db, contact_id)
        current.update(self.checked_moves.get(contact_id, {}))
        change = plan_contact_update(current, values, company_id, self.now)
        if change.stage or change.churn_reason:
            self.checked_moves[contact_id] = lifecycle_after(current, change, values, self.now)
        warn(change.warnings)
        return change.changes

    # --- writing -------------------------------------------------------------------------------

    def pending(self) -> int:
        return self.b_count

    def flush(self) -> Callable[[], None] | None:
        if not self.writing:
            return self._checks()
        taken = self.take_batch()
        return None if taken is None else partial(self.write_batch, taken)

    def _checks(self) -> Callable[[], None] | None:
        """Once nothing will be written, the batch's updates of duplicates still check
        their rows (plan_update), in file order, so that every bad row is reported."""
        updates = self.b_updates
        self._new_batch()
        return checks_of(updates)

    @property
    def forkable(self) -> bool:
        # Updates of duplicates are jobs that read the database as they go: not data.
        return not self.update_mode

    def take_batch(self) -> tuple[Any, ...] | None:
        """What was planned since the last batch, as plain data (it may be sent to the
        process that writes), or None when there is nothing to write."""
        if not self.writing or (not self.b_count and not self.b_companies):
            self._new_batch()
            return None
        batch = (self.b_companies, self.b_company_search, self.b_contacts, self.b_points, self.b_tags,
                 self.b_fields, self.b_search, self.b_history, self.b_lines, self.b_updates)  # fmt: skip
        self._new_batch()
        return batch, self._defer_now()

    def write_batch(self, taken: tuple[Any, ...]) -> None:
        batch, defer = taken
        (companies, company_search, contacts, points, tags, fields, search, history, lines, updates) = batch
        db = self.session.db
        pending = self.pending_rows
        if self.tuning is None:
            # At the first write, not in begin(): tuning the search indexes writes to the
            # file, and an import that writes no row (all rejected, with --partial) must not.
            self.tuning = store.tune_for_bulk(db, cache_kib=16 * 1024, fts_hashsize=16 * 1024 * 1024)
        if defer:
            self._drop_indexes()
        if companies:
            store.insert_companies(db, companies)
            store.insert_search(db, "companies", company_search, alone=self.writing_alone)
            # Before the contacts' rows: undo takes a change back from its last row, and a
            # company goes only once the contacts at it have.
            store.insert_history(db, history)
        if contacts:
            first, last = contacts[0][0], contacts[-1][0]  # a batch's new contacts: consecutive ids
            store.insert_contacts(db, contacts)
            store.insert_first_points(db, first, last)
            store.insert_first_stages(db, first, last, self.actor)
            store.insert_created_history(db, self.change_id, self.now, self.actor, first, lines)
        if points:
            store.insert_points(pending, points)
        if tags:
            store.insert_tags(pending, tags)
        if fields:
            store.insert_fields(pending, fields)
        store.insert_search(pending, "contacts", search, alone=self.writing_alone)
        if updates:
            pending.flush()  # an update finds its contact by the addresses just written
        for update in updates:
            update()

    def handoff(self) -> dict[str, Any]:
        """What finish() needs of the reading side, when that ran in another process."""
        return {name: getattr(self, name) for name in (
            "next_contact", "next_company", "lead_ids", "lead_sources", "sources", "source_names",
            "referrals", "writing", "defer_decided", "routed_lines")}  # fmt: skip

    def _defer_now(self) -> bool:
        """Whether the next batch drops the indexes on random keys (decided once)."""
        if self.defer_decided or not self.writing:
            return False
        created = self.next_contact - self.first_contact
        large = max(DEFER_INDEXES_AT, self.existing // 2)
        self.defer_decided = max(created, self.expected_rows or 0) >= large
        return self.defer_decided

    def _drop_indexes(self) -> None:
        """Every index of the tables being filled goes, but those the updates of
        duplicates look records up by (uid, addresses, a contact's addresses)."""
        db = self.session.db
        keep = [("uid",), ("kind", "value"), ("contact_id",)] if self.update_mode else []
        for table in store.BULK_TABLES:
            self.dropped_indexes += store.drop_indexes(db, table, keep if table != "history" else [])

    def finish(self) -> None:
        self.pending_rows.flush()
        store.create_indexes(self.session.db, self.dropped_indexes)
        self.dropped_indexes = []
        self._link_referrals()
        self._emit_events()
        if self.tuning is not None:
            # The search settings are rows of the file: put back before the commit (a
            # rollback takes them back by itself; close() is too late for either).
            store.restore_search_tuning(self.session.db, self.tuning)

    def _link_referrals(self) -> None:
        db = self.session.db
        from crmcli.services.contacts import erased_ids

        erased = erased_ids(db) if self.referrals else set()
        for contact_id, ref, line in self.referrals:
            referrer = _referrer(db, ref)
            if referrer is None or referrer == contact_id:
                self.report.warnings.append(
                    f"line {line}: referred_by {ref!r} matches no other contact; left empty"
                )
                continue
            if referrer in erased:  # a referral is something about the referrer
                self.report.warnings.append(
                    f"line {line}: referred_by {ref!r} is a contact whose data was erased; left empty"
                )
                continue
            store.set_referrer(db, contact_id, referrer)

    def _emit_events(self) -> None:
        """As `crm contact add` does: company.created, contact.created, lead.created (which
        routing rules listen to), in file order, after every row is in."""
        session = self.session
        kept = len(session.emitted)
        emit = session.emit

        def trim() -> None:
            # Nobody reads a million events back; they are handled as they are emitted.
            if len(session.emitted) - kept > EMITTED_KEPT:
                del session.emitted[kept:]

        from crmcli.services.events import listened

        # Events no handler listens to are not built (a million of them cost seconds).
        if listened(session, "company.created"):
            for company_id in range(self.first_company, self.next_company):
                emit("company.created", "company", company_id)
            trim()
        contacts, leads_too = listened(session, "contact.created"), listened(session, "lead.created")
        if not (contacts or leads_too):
            return
        leads = iter(zip(self.lead_ids, self.lead_sources, strict=True)) if leads_too else iter(())
        next_lead = next(leads, None)
        contact_id = self.first_contact
        try:
            for contact_id in range(self.first_contact, self.next_contact):
                if contacts:
                    emit("contact.created", "contact", contact_id)
                if next_lead is not None and next_lead[0] == contact_id:
                    emit("lead.created", "contact", contact_id, source=self.source_names[next_lead[1]])
                    next_lead = next(leads, None)
                if contact_id % 1000 == 0:
                    trim()
        except RuleError as exc:
            # The rules were tried on every row already (RowRules); should a decision still
            # fail (see routing.undecidable), name the line: the contact's id never existed.
            raise with_its_line(exc, "contact", contact_id, self.first_contact, self.routed_lines) from None
        trim()

    def close(self) -> None:
        if self.tuning is not None:
            store.restore_tuning(self.session.db, self.tuning)
            self.tuning = None


# --- helpers shared with the other importers ---------------------------------------------------


class RowRules:
    """The routing rules an import applies once its last row is in (finish() fires
    company.created, contact.created and lead.created), tried on each row while it is
    validated (routing.undecidable): a value a rule cannot compare ("about 100" users where
    a rule asks for more than 50) then rejects that row, with its line and the rule's
    reason, like any other bad value, so --partial imports the rest, --dry-run reports it
    and the rejects file holds it. Without this, the first such row would stop the whole
    import at the end, naming a contact that was never written.

    The facts are the row's record as it will be written (its tuple of columns) and its
    company: an existing one as far as the rules read it, a new one as the file creates it,
    after its own company.created rules. Only what the conditions read is taken, and the
    verdict depends on nothing else (the actions a rule takes here are the same for every
    row), so rows that read the same values share one: a file repeats its values ("100"
    users, "NO"), and trying the rules costs ~15 µs where looking up a verdict costs ~1."""

    def __init__(self, rules: dict[str, list[Rule]]) -> None:
        from crmcli.services.conditions import leaves
        from crmcli.services.routing import fields_read

        self.company_rules = rules.get("company.created", [])
        self.contact_rules = rules.get("contact.created", [])
        self.lead_rules = rules.get("lead.created", [])
        people = self.contact_rules + self.lead_rules
        columns, self.custom_read, self.tags_read = fields_read(people, "contact")
        # A field the import does not write is one that is not set.
        self.columns_read = [(c, store.CONTACT_COLUMNS.index(c)) for c in sorted(columns)
                             if c in store.CONTACT_COLUMNS]  # fmt: skip
        self.company_read = fields_read(people, "company")
        self.reads_company = any(self.company_read)
        self.reads_source = any(
            leaf.where.source == "event" for r in self.lead_rules for leaf in leaves(r.when)
        )
        # Existing companies, and new ones as their rules leave them, with their part of a key.
        self.companies: dict[int, tuple[Level, tuple[Any, ...]]] = {}
        self.verdicts: dict[tuple[Any, ...], str | None] = {}

    @classmethod
    def of(cls, session: Any, events: tuple[str, ...]) -> RowRules | None:
        """The rules on these events, or None when none has a condition (nothing can fail)."""
        raw = session.config.data.get("rules")
        if not raw:
            return None  # before compiling anything: most imports have no rules
        from crmcli.services.conditions import Always
        from crmcli.services.rules import rules_of

        rules: dict[str, list[Rule]] = {}
        for rule in rules_of(session.config):
            if rule.on in events:
                rules.setdefault(rule.on, []).append(rule)
        if not any(not isinstance(r.when, Always) for found in rules.values() for r in found):
            return None
        return cls(rules)

    def load_companies(self, db: Any) -> None:
        """What the contact rules read of the companies already there, for every company
        (before the first row: a reader in a process of its own has no database)."""
        if not self.reads_company:
            return
        from crmcli.models import ListQuery
        from crmcli.storage import exporting

        for batch in exporting.companies(db, ListQuery(sort="id")):
            for row in batch:
                self.companies[row["id"]] = self._as_read(Level(row, row["fields"], row["tags"]))

    def _as_read(self, company: Level) -> tuple[Level, tuple[Any, ...]]:
        """A company as far as the contact rules read it, and that as part of a key."""
        columns, custom, tags = self.company_read
        level = Level(
            {k: company.columns[k] for k in sorted(columns) if company.columns.get(k) is not None},
            {k: company.custom[k] for k in sorted(custom) if k in company.custom},
            list(company.tags) if tags else [],
        )
        return level, (tuple(level.columns.items()), tuple(level.custom.items()), tuple(level.tags))

    def check_company(
        self, company: tuple[Any, ...], fields: dict[str, str], tags: list[str], subject: str = "this row"
    ) -> Level:
        """A new company's row (COMPANY_COLUMNS) through its company.created rules; raises
        Invalid when they cannot decide. Returns the company as the rules leave it."""
        from crmcli.services.routing import undecidable

        level = Level(dict(zip(store.COMPANY_COLUMNS, company, strict=True)), dict(fields), list(tags))
        if self.company_rules:
            facts = Facts("company", {"company": level})
            reason = undecidable(self.company_rules, "company.created", facts, subject)
            if reason:
                raise Invalid(reason + ".")
        return level

    def new_company(self, company_id: int, company: Level) -> None:
        """A company the file creates, as check_company() left it."""
        if self.reads_company:
            self.companies[company_id] = self._as_read(company)

    def check(self, contact: tuple[Any, ...], fields: dict[str, str], tags: list[str]) -> None:
        """A new contact's row (CONTACT_COLUMNS) through contact.created, then lead.created;
        raises Invalid when a rule cannot decide."""
        lead = contact[_STAGE] == "lead"
        if not (self.contact_rules or (lead and self.lead_rules)):
            return
        columns = {name: contact[i] for name, i in self.columns_read}
        custom = {k: fields[k] for k in self.custom_read if k in fields} if fields else {}
        own_tags = list(tags) if self.tags_read else []
        source = contact[_SOURCE] if lead and self.reads_source else None
        company = self.companies.get(contact[_COMPANY]) if self.reads_company else None
        key = (lead, source, tuple(columns.values()), tuple(custom.items()), tuple(own_tags),
               company[1] if company else None)  # fmt: skip
        try:
            verdict = self.verdicts[key]
        except KeyError:
            facts = Facts("contact", {"contact": Level(columns, custom, own_tags)})
            if company is not None:
                facts.levels["company"] = company[0]
            verdict = self._verdict(facts, lead, contact[_SOURCE])
            if len(self.verdicts) < VERDICTS_KEPT:
                self.verdicts[key] = verdict
        if verdict:
            raise Invalid(verdict)

    def _verdict(self, facts: Facts, lead: bool, source: str | None) -> str | None:
        from crmcli.services.routing import undecidable

        if self.contact_rules:
            reason = undecidable(self.contact_rules, "contact.created", facts, "this row")
            if reason:
                return reason + "."
        if lead and self.lead_rules:
            facts.event = {"source": source}
            reason = undecidable(self.lead_rules, "lead.created", facts, "this row")
            if reason:
                return reason + "."
        return None


_STAGE, _SOURCE, _COMPANY = (
    store.CONTACT_COLUMNS.index(c) for c in ("lifecycle_stage", "source", "company_id")
)
VERDICTS_KEPT = 100_000  # distinct values the rules read; beyond, rows are tried one by one


class Getters:
    """For each field, a function from a row's cells to its value (the first non-empty
    of its columns, trimmed, formula escaping undone), or None when no column feeds it:
    a file maps a handful of fields, and a row is read a million times."""

    def __init__(self, mapping: Any, names: tuple[str, ...]) -> None:
        for name in names:
            setattr(self, name, _getter(mapping.indexes(name)))

    def __getattr__(self, name: str) -> Any:
        return None


def _getter(indexes: list[int]) -> Callable[[list[str]], str] | None:
    if not indexes:
        return None
    if len(indexes) > 1:
        return lambda cells: first_cell(cells, indexes)
    (index,) = indexes

    def one(cells: list[str]) -> str:
        value = cells[index]
        if value:
            value = value.strip()
            if value and value[0] == "'":
                return restore(value)
        return value

    return one


def first_cell(cells: list[str], indexes: list[int]) -> str:
    """The first non-empty cell of these columns, trimmed, with formula escaping undone."""
    for i in indexes:
        value = cells[i]
        if value:
            value = value.strip()
            if value:
                return restore(value) if value[0] == "'" else value
    return ""


def many_values(cell: str) -> list[str]:
    """A cell holding several values: "a@x.no, b@x.no", Google's "a ::: b"."""
    text = cell.strip()
    if text[:1] == "'":
        text = restore(text)
    if "," in text or ";" in text or ":::" in text:
        return [part for part in _SPLIT.split(text) if part]
    return [text]


def searchable(text: str) -> str:
    """services.contacts.searchable, with a shortcut for plain ASCII (nothing to strip)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if folded.isascii():
        return folded
    bare = validate.strip_accents(folded)
    return folded if bare == folded else f"{folded} {bare}"


class TextFolder:
    """validate.fold and services.contacts.searchable, a word at a time, remembering words.

    Folding (NFKC, case-folding) and stripping accents never reach across a space (a space
    is a starter that composes with nothing), so a text's folded form is its words'
    folded forms joined as they were; and names, titles and company names repeat their
    words endlessly in a file, while stripping accents costs ~3 µs a name."""

    def __init__(self, limit: int = 200_000) -> None:
        self._words: dict[str, tuple[str, str]] = {}
        self._limit = limit

    def word(self, word: str) -> tuple[str, str]:
        """(folded, folded without accents)."""
        found = self._words.get(word)
        if found is None:
            if word.isascii():
                lower = word.lower()
                found = (lower, lower)
            else:
                folded = validate.fold(word)
                found = (folded, validate.strip_accents(folded))
            if len(self._words) < self._limit:
                self._words[word] = found
        return found

    def fold(self, text: str) -> str:
        if text.isascii():
            return text.lower()
        return " ".join(self.word(w)[0] for w in text.split(" "))

    def plain(self, text: str) -> str:
        """validate.strip_accents(validate.fold(text))."""
        if text.isascii():
            return text.lower()
        return " ".join(self.word(w)[1] for w in text.split(" "))

    def searchable(self, parts: list[str]) -> str:
        """searchable(" ".join(parts)), for parts such as a name, a title and addresses."""
        folded: list[str] = []
        bare: list[str] = []
        plain = True
        for part in parts:
            if part.isascii():
                lower = part.lower()
                folded.append(lower)
                bare.append(lower)
                continue
            for w in part.split(" "):
                f, b = self.word(w)
                folded.append(f)
                bare.append(b)
                plain = plain and f == b
        text = " ".join(folded)
        return text if plain else f"{text} {' '.join(bare)}"


def owner_from_file(session: Any, text: str) -> str | None:
    """An owner as exports write them: a handle, or a team member's name or e-mail."""
    from crmcli.services.contacts import owner_handle

    wanted = text.strip().casefold()
    for member in session.config.team:
        if wanted in {member.handle.casefold(), (member.name or "").casefold(),
                      (member.email or "").casefold()}:  # fmt: skip
            return str(member.handle)
    return owner_handle(session, text)


class UidMaker:
    """Unique ids laid out like UUIDv7 (milliseconds, a counter, random bits): new rows
    then go to the end of the unique index on uid instead of anywhere in it."""

    def __init__(self) -> None:
        self._prefix = f"{int(time.time() * 1000) & (2**48 - 1):012x}"
        self._count = 0
        self._random = ""
        self._at = 0

    def next(self) -> str:
        if self._at >= len(self._random):
            self._random = os.urandom(6 * 4096).hex()
            self._at = 0
        at = self._at
        self._at = at + 12
        self._count += 1
        return f"{self._prefix}{self._count & 0xFFFFFFFF:08x}{self._random[at : at + 12]}"


def _find(db: Any, uid: str, keys: list[str]) -> int | None:
    ids: list[int] = []
    if uid:
        found = store.id_by_uid(db, "contacts", uid)
        ids = [found] if found is not None else []
    for key in keys:
        if ids:
            break
        ids = store.contact_ids_by_email(db, key)
    if not ids:
        return None
    if len(ids) > 1:
        listed = ", ".join(f"#{i}" for i in ids[:5])
        raise Invalid(f"The row matches several contacts ({listed}); merge them first.")
    return ids[0]


def _referrer(db: Any, ref: str) -> int | None:
    text = ref.strip()
    if "@" in text:
        ids = store.contact_ids_by_email(db, text)
        return ids[0] if len(ids) == 1 else None
    found = store.id_by_uid(db, "contacts", text)
    if found is not None:
        return found
    from crmcli.errors import NotFound
    from crmcli.services import refs

    try:
        return refs.contact_id(db, text)
    except NotFound:
        return None
    except CrmError:
        return None


Warn = Callable[[list[str]], None]


def update_contact(
    session: Any,
    contact_id: int,
    values: dict[str, Any],
    company_id: int | None,
    warn: Warn | None = None,
) -> bool:
    """Fill and change a contact's fields from a file's row; an empty cell never blanks a
    field, lists (addresses, numbers, tags) only grow, and the stage only moves on
    (check_stage_step). False when nothing differs. `warn` hears of the row's dates that
    crm keeps its own against."""
    from crmcli.services.contacts import get_contact

    current = get_contact(session.db, contact_id)
    change = plan_contact_update(current, values, company_id, session.now_iso)  # before anything is written
    if change.changes:
        # One savepoint for the row: should a rule on the step's event fail, the row's other
        # changes are taken back with it, and the row is rejected whole.
        with session.write("contact edit"):
            if change.data is not None:
                from crmcli.services.contacts import edit_contact

                edit_contact(session, contact_id, change.data)
            if change.churn_reason:
                _fill_churn_reason(session, contact_id, change.churn_reason)
            if change.stage:
                take_stage_step(session, current, change.stage, values)
    if warn is not None:
        warn(change.warnings)
    return change.changes


class ContactChange:
    """What a row does to the contact it updates, decided before anything is written."""

    def __init__(self, stage: str | None, data: ContactInput | None) -> None:
        self.stage = stage  # the stage it moves the contact into
        self.data = data  # the changes to its other fields
        self.churn_reason: str | None = None  # the reason a churned contact without one gets
        self.warnings: list[str] = []  # the row's values crm keeps its own against

    @property
    def changes(self) -> bool:
        return bool(self.stage or self.data is not None or self.churn_reason)


def plan_contact_update(
    current: dict[str, Any], values: dict[str, Any], company_id: int | None, now: str
) -> ContactChange:
    """The change a row makes to `current`, checked as taking it would check it (Invalid,
    one sentence), without writing: an update does this, and so does a row that is only
    checked once nothing will be written."""
    stage = values.get("lifecycle_stage")
    if stage == current["lifecycle_stage"]:
        stage = None
    if stage:
        check_stage_step(current, stage, values.get("churn_reason"))
    change = ContactChange(stage, _changed_fields(current, values, company_id))
    if values.get("customer_since") or values.get("churned_at") or values.get("churn_reason"):
        _plan_lifecycle_columns(current, values, change, now)
    if change.changes:
        from crmcli.services.contacts import refuse_if_erased

        refuse_if_erased(current)  # a row that changes nothing (an export read back) passes
    return change


def _plan_lifecycle_columns(current: dict[str, Any], values: dict[str, Any], change: ContactChange,
                            now: str) -> None:  # fmt: skip
    """The row's customer_since, churned_at and churn_reason against the stage it leaves
    the contact in and the dates crm has. The dates of a step the row takes come from it;
    any other date is crm's, which the contact's stage history holds, and a row that says
    otherwise gets a warning rather than a date no step explains (an empty churn_reason is
    filled: no date hangs on it)."""
    ref, since, churned_at = current["id"], values.get("customer_since"), values.get("churned_at")
    if values.get("lifecycle_stage"):
        check_stage_columns(values["lifecycle_stage"], since, churned_at, values.get("churn_reason"))
    else:
        check_stage_columns(current["lifecycle_stage"], since, churned_at, values.get("churn_reason"),
                            f"contact #{ref}'s lifecycle stage")  # fmt: skip
    compared = ["customer_since"]
    if change.stage == "churned":
        crm_since = current.get("customer_since")
        if churned_at and crm_since and churned_at < crm_since:
            raise Invalid(
                f"The churned_at {_written(values, 'churned_at')!r} is before contact #{ref}'s "
                f"customer_since {crm_since}: a contact churns only after becoming a customer."
            )
    elif change.stage == "customer":
        if since and since == _customer_at(current, values, now):
            compared = []  # it dates the step (and set_stage keeps a customer_since crm has)
    elif change.stage is None:
        compared.append("churned_at")
        if current["lifecycle_stage"] == "churned" and not current.get("churn_reason"):
            change.churn_reason = values.get("churn_reason")
        else:
            compared.append("churn_reason")
    change.warnings = _kept(current, values, compared)


def _kept(current: dict[str, Any], values: dict[str, Any], columns: list[str]) -> list[str]:
    """A warning for each of these columns where the row differs from crm, which keeps its own."""
    warnings = []
    for column in columns:
        value, stored = values.get(column), current.get(column)
        if not value or value == stored:
            continue
        written = _written(values, column)
        if not stored:
            warnings.append(f"{column} {written!r} is left out: crm has none, and only a stage step sets one")
        elif column == "churn_reason":
            warnings.append(f"churn_reason {written!r} differs from crm's {stored!r}; crm keeps its own")
        else:
            warnings.append(
                f"{column} {written!r} differs from crm's {stored}; crm keeps its own, which the "
                "contact's stage history records"
            )
    return warnings


def _written(values: dict[str, Any], column: str) -> str:
    """A row's value as the file wrote it (a date as written, not as stored)."""
    return str(((values.get("written") or {}).get(column)) or values[column])


def _fill_churn_reason(session: Any, contact_id: int, reason: str) -> None:
    from crmcli.storage import contacts as contact_store

    contact_store.update(session.db, contact_id, {"churn_reason": reason, "updated_at": session.now_iso})
    session.record("contact", contact_id, "update", {"churn_reason": None}, {"churn_reason": reason})
    session.emit("contact.updated", "contact", contact_id, changed=["churn_reason"])


def lifecycle_after(current: dict[str, Any], change: ContactChange, values: dict[str, Any],
                    now: str) -> dict[str, Any]:  # fmt: skip
    """The lifecycle columns of `current` once `change` is taken, as take_stage_step and
    contacts.set_stage leave them: what a row only checked leaves for the rows below it."""
    after: dict[str, Any] = {"lifecycle_stage": change.stage or current["lifecycle_stage"]}
    if change.churn_reason:
        after["churn_reason"] = change.churn_reason
    if change.stage == "churned":
        after |= {"churned_at": values.get("churned_at") or now, "churn_reason": values["churn_reason"]}
    elif change.stage == "customer":
        after |= {"customer_since": current.get("customer_since") or _customer_at(current, values, now),
                  "churned_at": None, "churn_reason": None}  # fmt: skip
    return after


def _changed_fields(
    current: dict[str, Any], values: dict[str, Any], company_id: int | None
) -> ContactInput | None:
    """The row's changes to the contact's fields but its stage; None when it changes none."""
    from crmcli.services.contacts import ContactInput

    data = ContactInput()
    changed = False
    for key in ("name", "title", "source", "owner", "country", "timezone", "language", "birthday"):
        value = values.get(key)
        if value and value != current.get(key):
            setattr(data, key, value)
            changed = True
    for key, attr in (("emails", "emails"), ("phones", "phones")):
        have = {v.lower() for v in current[key]}
        new = [v for v in values.get(key) or [] if v.lower() not in have]
        if new:
            setattr(data, attr, current[key] + new)
            changed = True
    new_tags = [t for t in values.get("tags") or [] if t not in current["tags"]]
    if new_tags:
        data.tags = new_tags
        changed = True
    new_fields = {k: v for k, v in (values.get("fields") or {}).items() if current["fields"].get(k) != v}
    if new_fields:
        data.fields = dict(new_fields)
        changed = True
    if company_id is not None and company_id != current.get("company_id"):
        data.company = f"#{company_id}"
        changed = True
    return data if changed else None


# The stage a row gives a contact it updates only moves the contact on through the funnel,
# as HubSpot's import only moves a lifecycle stage forward. Moved back or out of it, a
# customer would keep customer_since without churned_at and count as kept for ever (no
# churn, full retention), and a contact moved on without its event would be missed by the
# routing rules. So a row takes the steps of the lead commands and `crm add --stage`, jumps
# included (other → opportunity), with the events of every step jumped (emit_lead_steps:
# lead.created, then lead.converted from lead); makes a customer, as a won deal does
# (a churned one too: the other system saw the win-back); and churns a customer when it
# says why, as `crm contact churn` does. Any other move rejects the row.
FUNNEL = ("other", "lead", "qualified", "opportunity", "customer")


def check_stage_step(contact: dict[str, Any], stage: str, churn_reason: str | None) -> None:
    """Refuse (Invalid, one sentence) the move of `contact` into another `stage` that an
    import does not take."""
    was, ref = contact["lifecycle_stage"], contact["id"]
    if (was, stage) == ("customer", "churned"):
        if not churn_reason:
            raise Invalid(
                f"Contact #{ref} is a customer, and churning them needs a reason: give the row one in a "
                f"churn_reason column (as crm contact churn {ref} --reason TEXT does)."
            )
        return
    if (was, stage) == ("churned", "customer"):
        return
    if was in FUNNEL and stage in FUNNEL and FUNNEL.index(stage) > FUNNEL.index(was):
        return
    if stage == "churned":
        raise Invalid(
            f"The lifecycle stage of contact #{ref} cannot move from {was} to churned in an import: only "
            f"a customer churns (crm contact churn {ref} --reason TEXT, once a won deal has made them one)."
        )
    if was == "customer":
        how = (
            "only churning ends a customer (churned with a churn_reason, or "
            f"crm contact churn {ref} --reason TEXT)"
        )
    elif was == "churned":
        how = "only a won deal wins a churned contact back (customer in the file, or crm deal won ID)"
    else:
        onward = {"lead": "crm lead qualify or crm lead convert", "qualified": "crm lead convert"}
        how = f"the funnel only moves on ({onward.get(was, 'crm deal won ID')}), and no command moves it back"
    raise Invalid(
        f"The lifecycle stage of contact #{ref} cannot move from {was} back to {stage} in an import: {how}."
    )


def take_stage_step(session: Any, before: dict[str, Any], stage: str, values: dict[str, Any]) -> None:
    """Move the contact into `stage` (check_stage_step allowed it) as the command that takes
    the step does: its lifecycle change, its dates and its events. The row's churned_at, or
    customer_since for a new customer, dates the step when the other system saw it (the
    row was rejected if that is in the future, or if it churns before crm's customer_since)."""
    from crmcli.services.contacts import set_stage

    now, contact_id = session.now_iso, before["id"]
    if stage == "churned":  # as `crm contact churn`
        reason = values["churn_reason"]
        set_stage(session, contact_id, "churned", reason=reason, at=values.get("churned_at") or now)
        session.emit("contact.churned", "contact", contact_id, reason=reason,
                     customer_since=before.get("customer_since"))  # fmt: skip
        return
    at = _customer_at(before, values, now) if stage == "customer" else now
    after = set_stage(session, contact_id, stage, at=at)
    emit_lead_steps(session, before, after)


def _customer_at(before: dict[str, Any], values: dict[str, Any], now: str) -> str:
    """When a row makes `before` a customer: its customer_since, unless that is before the
    contact churned (a churned contact's customer_since from the file is when they first
    bought; only one after the churn is the win-back's date); else now."""
    since = values.get("customer_since")
    return str(since) if since and since > (before.get("churned_at") or "") else now


def emit_lead_steps(session: Any, before: dict[str, Any], after: dict[str, Any]) -> None:
    """The events of the lead commands' steps that a move from `before` to `after` took,
    jumps included: into the funnel from other, lead.created (`crm add --stage lead`); to
    qualified, lead.qualified (`crm lead qualify`); to an opportunity or beyond,
    lead.converted (`crm lead convert`), from the funnel stage it left, lead for a contact
    that came from other. A win-back, an opportunity made a customer, and someone outside
    the funnel made a customer (as `crm add --stage customer`: never a lead) take none."""
    was, stage, contact_id, source = (
        before["lifecycle_stage"],
        after["lifecycle_stage"],
        after["id"],
        after["source"],
    )
    if was not in ("other", "lead", "qualified") or (was, stage) == ("other", "customer"):
        return
    if was == "other":
        session.emit("lead.created", "contact", contact_id, source=source)
        was = "lead"
    if stage == "qualified":
        session.emit("lead.qualified", "contact", contact_id, source=source, **{"from": was, "to": stage})
    elif stage in ("opportunity", "customer"):
        session.emit("lead.converted", "contact", contact_id, source=source,
                     **{"from": was, "to": "opportunity"})  # fmt: skip


def check_dates(customer_since: str | None, churned_at: str | None, now: str, since_text: str,
                churned_text: str) -> None:  # fmt: skip
    """Refuse a row's customer_since or churned_at in the future (the import's now), or a
    churn before the row's customer_since: the KPIs would count what has not happened."""
    if customer_since and customer_since > now:
        raise Invalid(f"The customer_since {since_text!r} is in the future; a row records what has happened.")
    if churned_at and churned_at > now:
        raise Invalid(f"The churned_at {churned_text!r} is in the future; a row records what has happened.")
    if customer_since and churned_at and churned_at < customer_since:
        raise Invalid(
            f"The churned_at {churned_text!r} is before the customer_since {since_text!r}: "
            "a contact churns only after becoming a customer."
        )


def check_stage_columns(stage: str, customer_since: str | None, churned_at: str | None,
                        churn_reason: str | None, whose: str = "its lifecycle_stage") -> None:  # fmt: skip
    """Refuse a customer_since on a contact that never was a customer, and a churned_at or
    churn_reason on one that has not churned (`whose` stage is `stage`)."""
    if customer_since and stage not in ("customer", "churned"):
        raise Invalid(
            f"The row has a customer_since but {whose} is {stage}; only a customer or a churned "
            "contact has one."
        )
    if (churned_at or churn_reason) and stage != "churned":
        given = " and ".join(
            f"a {c}" for c, v in (("churned_at", churned_at), ("churn_reason", churn_reason)) if v
        )
        raise Invalid(
            f"The row has {given} but {whose} is {stage}; only a churned contact has a churned_at "
            "or a churn_reason."
        )


def check_new_contact_dates(stage: str, customer_since: str | None, churned_at: str | None,
                            churn_reason: str | None) -> None:  # fmt: skip
    """A new contact's lifecycle columns agree with its stage (check_stage_columns), and a
    churned one that was a customer says when they churned: without a churned_at they
    would count as a customer for ever. Nor is a churned_at taken without its
    customer_since: the KPIs count a churn only of a customer, so it would never count (a
    churned row with neither date claims no date and is taken as it is)."""
    check_stage_columns(stage, customer_since, churned_at, churn_reason)
    if stage == "churned" and customer_since and not churned_at:
        raise Invalid(
            "The row is churned with a customer_since but no churned_at; give when they churned, "
            "or they would count as a customer for ever."
        )
    if stage == "churned" and churned_at and not customer_since:
        raise Invalid(
            "The row is churned with a churned_at but no customer_since; give when they became a "
            "customer, or their churn would never count."
        )
