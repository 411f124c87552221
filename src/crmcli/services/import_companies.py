"""Companies from a CSV file: `crm import companies`.

Validated as `crm company add` validates (validate.py, the team for owners, ISO currency
codes); a duplicate is a company with the same domain, or, when the row has no domain,
the same name (case and accents aside), in the database or earlier in the file.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from typing import Any

from crmcli import validate
from crmcli.errors import Conflict, Invalid, NotFound, RuleError
from crmcli.io.filedates import DateReader
from crmcli.io.formulas import restore
from crmcli.services.contacts import default_owner
from crmcli.services.import_contacts import (
    RowRules,
    UidMaker,
    first_cell,
    many_values,
    owner_from_file,
    searchable,
)
from crmcli.services.importing import Importer, checks_of, with_its_line
from crmcli.storage import importing as store

_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")


class CompanyImporter(Importer):
    entity = "company"

    def begin(self) -> None:
        session, mapping = self.session, self.mapping
        db = session.db
        self.now = session.now_iso
        self.actor = session.actor
        # A row without an owner gets the acting user, when they are on the team.
        self.default_owner = default_owner(session)
        self.change_id = session.change_id
        self.dates = DateReader(self.options.date_format, session.tz)
        self.uids = UidMaker()
        self.first_company = self.next_company = store.next_id(db, "companies")
        self.by_domain: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.by_plain_name: dict[str, int] = {}  # the same names without their accents
        for company_id, folded, domain in store.companies_for_matching(db):
            self._remember_name(folded, company_id)
            if domain:
                self.by_domain.setdefault(domain, company_id)
        self.known_uids = set(store.uids(db, "companies")) if "uid" in mapping.targets() else set()
        self.fields = {name: mapping.indexes(name) for name in (
            "name", "domain", "industry", "employees", "annual_revenue", "revenue_currency", "country",
            "owner", "uid", "created_at")}  # fmt: skip
        if not self.fields["name"]:
            raise Invalid(
                'The file has no column for the company\'s name; name one with --map "Column=name".'
            )
        self.i_tags = mapping.indexes("tags")
        self.custom = mapping.custom()
        self._owners: dict[str, str | None] = {}
        self.routing = RowRules.of(session, ("company.created",))
        self.routed_lines = array("q")  # the line of each new company, when rules are tried on rows
        # What checked updates (see _check_update) left each company they changed, and who
        # holds each domain they gave or took.
        self.checked: dict[int, dict[str, Any]] = {}
        self.checked_domains: dict[str, set[int]] = {}
        self._new_batch()

    def _remember_name(self, folded: str, company_id: int) -> None:
        self.by_name.setdefault(folded, company_id)
        self.by_plain_name.setdefault(_plain(folded), company_id)

    def learn(self, sample: list[Any]) -> None:
        self.dates.learn(r.cells[i] for r in sample for i in self.fields["created_at"] if i < len(r.cells))

    def _new_batch(self) -> None:
        self.b_rows: list[tuple[Any, ...]] = []
        self.b_search: list[tuple[int, str]] = []
        self.b_tags: list[tuple[str, int, str, str | None, str | None]] = []
        self.b_fields: list[tuple[str, int, str, str]] = []
        self.b_history: list[tuple[int, str, str, str, int, str, str]] = []
        self.b_updates: list[Callable[[], None]] = []

    def row(self, record: Any) -> None:
        cells = record.cells
        f = self.fields
        name = " ".join(first_cell(cells, f["name"]).split())
        if not name:
            raise Invalid("A company needs a name; the row's name column is empty.")
        text = first_cell(cells, f["domain"])
        domain = validate.domain_name(text) if text else None
        industry = first_cell(cells, f["industry"]) or None
        text = first_cell(cells, f["employees"])
        employees = validate.whole_number(_ungroup(text), "number of employees") if text else None
        text = first_cell(cells, f["annual_revenue"])
        revenue = validate.whole_number(_ungroup(text), "annual revenue") if text else None
        currency = first_cell(cells, f["revenue_currency"]).upper() or None
        if currency and not (len(currency) == 3 and currency.isalpha()):
            raise Invalid(f"The currency {currency!r} is not an ISO code such as EUR.")
        if revenue is not None and currency is None:
            currency = self.session.config.base_currency
        text = first_cell(cells, f["country"])
        country = validate.country_code(text) if text else None
        text = first_cell(cells, f["owner"])
        owner = self._owner(text) if text else None
        text = first_cell(cells, f["created_at"])
        created_at = self.dates.moment(text, "created_at") if text else self.now
        uid = first_cell(cells, f["uid"])
        if uid and (len(uid) > 200 or any(ch.isspace() for ch in uid)):
            raise Invalid(f"The uid {uid!r} must be one word of at most 200 characters.")
        # Checked as `crm company add --tag` checks them (no leading - or +, one printable line).
        tags = [validate.tag(t) for i in self.i_tags if cells[i].strip() for t in many_values(cells[i])]
        tags = list(dict.fromkeys([*tags, *self.options.tags]))
        fields = {key: restore(cells[i].strip()) for i, key in self.custom if cells[i].strip()}
        folded = validate.fold(name)
        # A name written as it is stored wins over its accent-free twins.
        same_name = self.by_name.get(folded)
        if same_name is None:
            same_name = self.by_plain_name.get(_plain(folded))

        existing = None
        if uid and uid in self.known_uids:
            existing = ("uid", uid)
        elif domain and domain in self.by_domain:
            existing = ("domain", domain)
        elif not domain and same_name is not None:
            existing = ("name", name)
        if existing is not None:
            what, value = existing
            mode = self.options.on_duplicate
            if mode == "error":
                raise Invalid(f"A company with the {what} {value} already exists (or is on a row above).")
            if mode == "skip":
                self.report.skipped += 1
                return
            target = self.by_domain[domain] if what == "domain" and domain else same_name
            values = {"name": name, "domain": domain, "industry": industry, "employees": employees,
                      "annual_revenue": revenue, "revenue_currency": currency, "country": country,
                      "owner": owner, "tags": tags, "fields": fields}  # fmt: skip
            self._plan_update(record, uid, target, values)
            return

        company_id = self.next_company
        company = (company_id, uid or self.uids.next(), name, domain, industry, employees, revenue, currency,
                   country, owner or self.default_owner, folded, created_at, self.now)  # fmt: skip
        if self.routing is not None:  # before anything of the row is kept: see RowRules
            self.routing.check_company(company, fields, tags)
            self.routed_lines.append(record.line)
        self.next_company += 1
        self.report.created += 1
        self._remember_name(folded, company_id)
        if domain:
            self.by_domain[domain] = company_id
        if uid:
            self.known_uids.add(uid)
        if not self.writing:
            return
        self.b_rows.append(company)
        self.b_search.append((company_id, searchable(" ".join([name, domain or "", industry or ""]))))
        self.b_tags += [("company", company_id, t, None, None) for t in tags]
        self.b_fields += [("company", company_id, k, v) for k, v in fields.items()]
        self.b_history.append((self.change_id, self.now, self.actor, "company", company_id, "create",
                               f"import line {record.line}"))  # fmt: skip

    def _owner(self, text: str) -> str | None:
        if text not in self._owners:
            self._owners[text] = owner_from_file(self.session, text)
        return self._owners[text]

    def _plan_update(self, record: Any, uid: str, target: int | None, values: dict[str, Any]) -> None:
        session = self.session
        # The check runs in the writer, when rows below may have made companies already.
        made_above = self.next_company
        self.plan_update(
            record,
            lambda: (store.id_by_uid(session.db, "companies", uid) if uid else None) or target,
            lambda company_id: update_company(session, company_id, values),
            lambda company_id: self._check_update(company_id, values, made_above),
        )

    def _check_update(self, company_id: int, values: dict[str, Any], made_above: int) -> bool:
        """An update checked but not written (a row was rejected, so nothing will be),
        against the company as stored or as a checked row above changed it (the ids of the
        companies the rows above made are below `made_above`)."""
        current = self.checked.get(company_id) or self._stored(company_id)
        if current is None:
            return False  # made by a row above, which is not written: nothing to check against
        changes = company_changes(current, values)
        if not changes:
            return False
        # The row's values were checked as on entry (row()); edit_company checks its tags
        # (and stores them spaced as validate.tags spaces them) and the domain, which
        # another company may hold.
        if "tags" in changes:
            changes["tags"] = validate.tags(changes["tags"])
        if changes.get("domain"):
            self._check_domain_free(company_id, current.get("domain"), changes["domain"], made_above)
        self.checked[company_id] = company_after(current, changes)
        return True

    def _stored(self, company_id: int) -> dict[str, Any] | None:
        from crmcli.services.companies import get_company

        try:
            return get_company(self.session.db, company_id)
        except NotFound:
            return None

    def _check_domain_free(self, company_id: int, was: str | None, domain: str, made_above: int) -> None:
        if self._domain_holders(domain, made_above) - {company_id}:
            raise Conflict(f"Another company already has the domain {domain}.")  # as edit_company says
        if was:
            self.checked_domains[was] = self._domain_holders(was, made_above) - {company_id}
        self.checked_domains[domain] = {company_id}

    def _domain_holders(self, domain: str, made_above: int) -> set[int]:
        """The companies with this domain once the rows above are taken: as checked rows
        left it, else as stored, with a new company of a row above (written or not)."""
        if domain in self.checked_domains:
            return self.checked_domains[domain]
        from crmcli.storage import companies as company_store

        holders = set(company_store.ids_by_domain(self.session.db, domain))
        made = self.by_domain.get(domain)
        if made is not None and self.first_company <= made < made_above:
            holders.add(made)
        return holders

    def pending(self) -> int:
        return len(self.b_rows) + len(self.b_updates)

    def flush(self) -> Callable[[], None] | None:
        if not self.writing:
            updates = self.b_updates
            self._new_batch()
            return checks_of(updates)
        batch = (self.b_rows, self.b_search, self.b_tags, self.b_fields, self.b_history, self.b_updates)
        self._new_batch()
        if not (batch[0] or batch[5]):
            return None
        db = self.session.db

        def job() -> None:
            rows, search, tags, fields, history, updates = batch
            store.insert_companies(db, rows)
            store.insert_search(db, "companies", search)
            store.insert_tags(db, tags)
            store.insert_fields(db, fields)
            store.insert_history(db, history)
            for update in updates:
                update()

        return job

    def finish(self) -> None:
        company_id = self.first_company
        try:
            for company_id in range(self.first_company, self.next_company):
                self.session.emit("company.created", "company", company_id)
        except RuleError as exc:
            # As in the contacts import: name the line, not an id that will never exist.
            raise with_its_line(exc, "company", company_id, self.first_company, self.routed_lines) from None


def _ungroup(text: str) -> str:
    """1,200,000 as written by spreadsheets in English."""
    return text.replace(",", "") if _GROUPED.fullmatch(text) else text


_SCALARS = (
    "name", "domain", "industry", "employees", "annual_revenue", "revenue_currency", "country", "owner",
)  # fmt: skip


def update_company(session: Any, company_id: int, values: dict[str, Any]) -> bool:
    """Fill and change a company's fields from a row; an empty cell never blanks one."""
    from crmcli.services.companies import CompanyInput, edit_company, get_company

    changes = company_changes(get_company(session.db, company_id), values)
    if not changes:
        return False
    data = CompanyInput(tags=changes.get("tags") or [], fields=dict(changes.get("fields") or {}))
    for key in _SCALARS:
        if key in changes:
            setattr(data, key, str(changes[key]))
    edit_company(session, company_id, data)
    return True


def company_changes(current: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The row's values that differ from `current` (its tags and custom fields that it
    lacks); empty when the row changes nothing."""
    changes: dict[str, Any] = {}
    for key in _SCALARS:
        value = values.get(key)
        if key == "name" and value and _plain(validate.fold(value)) == _plain(validate.fold(current["name"])):
            continue  # the name it was found by, written in other letters or without accents: not a change
        if value not in (None, "") and value != current.get(key):
            changes[key] = value
    new_tags = [t for t in values.get("tags") or [] if t not in current["tags"]]
    if new_tags:
        changes["tags"] = new_tags
    new_fields = {k: v for k, v in (values.get("fields") or {}).items() if current["fields"].get(k) != v}
    if new_fields:
        changes["fields"] = new_fields
    return changes


def company_after(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`current` once `changes` are made: what a checked row leaves for the rows below it."""
    after = {**current, **{key: value for key, value in changes.items() if key in _SCALARS}}
    after["tags"] = current["tags"] + (changes.get("tags") or [])
    after["fields"] = {**current["fields"], **(changes.get("fields") or {})}
    return after


def _plain(folded: str) -> str:
    return folded if folded.isascii() else validate.strip_accents(folded)
