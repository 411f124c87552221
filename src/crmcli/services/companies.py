"""Companies (accounts): the organisations contacts work for."""

from __future__ import annotations

from typing import Any

from crmcli import validate
from crmcli.errors import Invalid, NotFound
from crmcli.models import ListQuery, PlainRecord
from crmcli.services import refs
from crmcli.services.session import Session, diff, new_uid
from crmcli.storage import companies as store
from crmcli.storage import labels, search
from crmcli.storage.db import Database, Row


class CompanyInput(PlainRecord):
    """A company as typed. None means "not given"; "" means "clear this field"."""

    # A plain class, not a dataclass: see the note above crmcli.config.Problem.
    def __init__(
        self,
        *,
        name: str | None = None,
        domain: str | None = None,
        industry: str | None = None,
        employees: str | None = None,
        annual_revenue: str | None = None,
        revenue_currency: str | None = None,
        country: str | None = None,
        owner: str | None = None,
        tags: list[str] | None = None,
        untags: list[str] | None = None,
        fields: dict[str, str | None] | None = None,
    ) -> None:
        self.name = name
        self.domain = domain
        self.industry = industry
        self.employees = employees
        self.annual_revenue = annual_revenue
        self.revenue_currency = revenue_currency
        self.country = country
        self.owner = owner
        self.tags: list[str] = [] if tags is None else tags
        self.untags: list[str] = [] if untags is None else untags
        self.fields: dict[str, str | None] = {} if fields is None else fields


def add_company(session: Session, data: CompanyInput) -> Row:
    if not data.name or not data.name.strip():
        raise Invalid("A company needs a name.")
    db = session.db
    with session.write("company add"):
        values = _normalise(session, data)
        if values.get("domain") and store.ids_by_domain(db, values["domain"]):
            from crmcli.errors import Conflict

            raise Conflict(f"A company with the domain {values['domain']} already exists.")
        from crmcli.services.contacts import default_owner

        values.setdefault("owner", default_owner(session))
        if values.get("annual_revenue") is not None:
            values.setdefault("revenue_currency", session.config.base_currency)
        now = session.now_iso
        values.update(
            uid=new_uid(),
            sort_key=validate.fold(values["name"]),
            created_at=now,
            updated_at=now,
        )
        company_id = store.insert(db, values)
        labels.add_tags(db, "company", company_id, data.tags)
        labels.set_fields(db, "company", company_id, {k: v for k, v in data.fields.items() if v})
        _reindex(db, company_id)
        record = get_company(db, company_id)
        session.record("company", company_id, "create", None, _audit_view(record))
        session.emit("company.created", "company", company_id)
        return get_company(db, company_id)  # as the rules on company.created left it


def find_or_create(session: Session, ref: str) -> int:
    """The company a reference names; a name that matches nothing becomes a new company."""
    try:
        return refs.company_id(session.db, ref)
    except NotFound:
        if refs.parse_id(ref, "company") is not None:
            raise
        return int(add_company(session, CompanyInput(name=ref))["id"])


def edit_company(session: Session, company_id: int, data: CompanyInput) -> Row:
    db = session.db
    with session.write("company edit"):
        current = get_company(db, company_id)
        values = _normalise(session, data)
        if values.get("domain") and set(store.ids_by_domain(db, values["domain"])) - {company_id}:
            from crmcli.errors import Conflict

            raise Conflict(f"Another company already has the domain {values['domain']}.")
        if "name" in values:
            values["sort_key"] = validate.fold(values["name"])
        if values.get("annual_revenue") is not None and "revenue_currency" not in values:
            # As on add, a revenue given without a currency is in the base currency, unless
            # the company has one already: the new figure is then read in that.
            if not current.get("revenue_currency"):
                values["revenue_currency"] = session.config.base_currency
        if values:
            values["updated_at"] = session.now_iso
            store.update(db, company_id, values)
        labels.add_tags(db, "company", company_id, data.tags)
        labels.remove_tags(db, "company", company_id, data.untags)
        labels.set_fields(db, "company", company_id, data.fields)
        _reindex(db, company_id)
        updated = get_company(db, company_id)
        before, after = diff(_audit_view(current), _audit_view(updated))
        if after:
            session.record("company", company_id, "update", before, after)
        return updated


def delete_company(session: Session, company_id: int) -> Row:
    db = session.db
    with session.write("company delete"):
        current = get_company(db, company_id)
        from crmcli.services.undo import record_delete

        record_delete(session, "company", company_id, _audit_view(current))  # before: undo needs it
        labels.drop_labels(db, "company", company_id)
        store.delete(db, company_id)
        return current


def get_company(db: Database, company_id: int) -> Row:
    row = store.get(db, company_id)
    if row is None:
        raise NotFound(f"There is no company #{company_id}.")
    row["tags"] = labels.tags_of(db, "company", [company_id])[company_id]
    row["fields"] = labels.fields_of(db, "company", [company_id])[company_id]
    return row


def people_of(db: Database, company_id: int) -> list[Row]:
    return store.people(db, company_id)


def check_query(query: ListQuery) -> None:
    """What `company list` and `export companies` refuse before reading anything."""
    if query.sort.lstrip("-") not in store.SORTABLE:
        raise Invalid(
            f"Cannot sort companies by {query.sort.lstrip('-')!r}; use one of {', '.join(store.SORTABLE)}."
        )


def list_companies(db: Database, query: ListQuery) -> list[Row]:
    check_query(query)
    rows = store.query(db, query)
    ids = [r["id"] for r in rows]
    tags = labels.tags_of(db, "company", ids)
    fields = labels.fields_of(db, "company", ids)
    for row in rows:
        row["tags"] = tags[row["id"]]
        row["fields"] = fields[row["id"]]
    return rows


def _normalise(session: Session, data: CompanyInput) -> dict[str, Any]:
    from crmcli.services.contacts import checked_fields, owner_handle

    out: dict[str, Any] = {}
    if data.name is not None:
        name = " ".join(data.name.split())
        if not name:
            raise Invalid("A company's name cannot be empty.")
        out["name"] = name
    if data.domain is not None:
        out["domain"] = validate.domain_name(data.domain) if data.domain.strip() else None
    if data.industry is not None:
        out["industry"] = validate.one_line(data.industry) or None
    if data.employees is not None:
        out["employees"] = (
            validate.whole_number(data.employees, "number of employees") if data.employees.strip() else None
        )
    if data.annual_revenue is not None:
        out["annual_revenue"] = (
            validate.whole_number(data.annual_revenue, "annual revenue")
            if data.annual_revenue.strip()
            else None
        )
    if data.revenue_currency is not None:
        code = data.revenue_currency.strip().upper()
        if code and not (len(code) == 3 and code.isalpha()):
            raise Invalid(f"The currency {data.revenue_currency!r} is not an ISO code such as EUR.")
        out["revenue_currency"] = code or None
    if data.country is not None:
        out["country"] = validate.country_code(data.country) if data.country.strip() else None
    if data.owner is not None:
        out["owner"] = owner_handle(session, data.owner)
    # `--tag a;b` is two tags, as `--tag a,b` is: no stored tag holds a separator (validate.tags).
    data.tags = validate.tags(data.tags)
    data.untags = validate.tag_names(data.untags)
    data.fields = checked_fields(data.fields)
    return out


def _reindex(db: Database, company_id: int) -> None:
    from crmcli.services.contacts import searchable

    row = store.get(db, company_id)
    if row is None:
        return
    parts = [row["name"], row.get("domain") or "", row.get("industry") or ""]
    search.index(db, "companies", company_id, searchable(" ".join(parts)))


_AUDITED = (
    "name", "domain", "industry", "employees", "annual_revenue", "revenue_currency", "country",
    "owner", "tags", "fields",
)  # fmt: skip


def _audit_view(row: Row) -> dict[str, Any]:
    return {key: row.get(key) for key in _AUDITED}
