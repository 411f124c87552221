"""`crm export`: records as CSV that `crm import` reads back, or as JSON for scripts.

The CSV columns are the importer's own field names (io.headers.FIELDS), so that a file
exported from one database and imported into an empty one gives back the same records:
the uid, every e-mail address and phone number (several in one cell, comma-separated),
the company (by name, with its domain), tags, custom fields (one `field:NAME` column
each), lifecycle stage, owner and dates. Links between records (a deal's contact, an
activity's deal) are written as the linked record's uid, which names it exactly in any
database the records were imported into. A few columns are there for people and ignored
by the importer (`id`, `updated_at`, `last_touch_at`, `people`); columns of fields the
importer does not read yet are left out, since it would make them custom fields.

JSON has every field of each record, typed (lists, objects, numbers), with the linked
records' names next to their ids and uids.

Records are read from the database as a stream of batches (storage.exporting), so an
export of any size needs the same memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from crmcli.models import ListQuery
from crmcli.storage import exporting as store
from crmcli.storage.activities import ActivityFilter
from crmcli.storage.db import Database, Row
from crmcli.storage.deals import DealQuery

KINDS = ("contacts", "companies", "deals", "activities", "cases")
FORMATS = ("csv", "json")
CUSTOM_PREFIX = "field:"

CONTACT_COLUMNS = (
    "id", "uid", "name", "email", "phone", "company", "company_domain", "title", "lifecycle_stage",
    "source", "referred_by", "owner", "country", "timezone", "language", "birthday", "customer_since",
    "churned_at", "churn_reason", "tags", "created_at", "updated_at", "last_touch_at",
)  # fmt: skip
COMPANY_COLUMNS = (
    "id", "uid", "name", "domain", "industry", "employees", "annual_revenue", "revenue_currency",
    "country", "owner", "tags", "created_at", "updated_at", "people",
)  # fmt: skip
# Deals and activities: the importer's fields in this order, then those it may learn
# (kept only once io.headers lists them: an unknown column would become a custom field).
DEAL_COLUMNS = (
    "id", "uid", "title", "contact", "company", "amount", "currency", "pipeline", "stage", "status",
    "close_date", "owner", "kind", "lost_reason", "created_at", "updated_at",
)  # fmt: skip
DEAL_LATER = ("won_at", "lost_at", "stage_entered_at")
ACTIVITY_COLUMNS = (
    "id", "uid", "kind", "contact", "company", "deal", "case", "note", "at", "duration", "direction",
    "outcome", "due", "done_at", "owner", "updated_at",
)  # fmt: skip
ACTIVITY_LATER = ("created_at",)
CASE_COLUMNS = (
    "id", "uid", "subject", "contact", "contact_email", "contact_uid", "company", "company_uid",
    "priority", "channel", "status", "queue", "owner", "escalation_level", "opened_at",
    "first_response_at", "resolved_at", "closed_at", "created_at", "updated_at", "tags",
)  # fmt: skip
# Columns a person reads that the importer skips (io.headers maps them to "ignore").
_SHOWN_ONLY = {"id", "updated_at", "last_touch_at", "people"}


@dataclass
class Export:
    """What one export writes: a CSV header and a stream of records."""

    kind: str
    columns: list[str]
    batches: Iterator[list[Row]]
    count: Callable[[], int]  # how many records (for a progress bar)
    cells: Callable[[Row], dict[str, Any]]  # a record as CSV cells, by column
    shape: Callable[[Row], dict[str, Any]]  # a record as JSON

    def rows(self) -> Iterator[Row]:
        for batch in self.batches:
            yield from batch

    def csv_rows(self) -> Iterator[list[Any]]:
        """Each record's values in column order (io.writers makes them cells)."""
        columns = self.columns
        shape = self.cells
        for batch in self.batches:
            for row in batch:
                get = shape(row).get
                yield [get(c) for c in columns]

    def json_rows(self) -> Iterator[dict[str, Any]]:
        for row in self.rows():
            yield self.shape(row)


def _importable(kind: str, columns: tuple[str, ...], later: tuple[str, ...]) -> list[str]:
    """The columns the importer reads (or knowingly skips), in our order."""
    from crmcli.io.headers import FIELDS

    fields = set(FIELDS[kind])
    chosen = [c for c in columns if c in fields or c in _SHOWN_ONLY]
    return chosen + [c for c in later if c in fields]


def _custom(keys: list[str]) -> list[str]:
    return [CUSTOM_PREFIX + key for key in keys]


def _with_fields(cells: dict[str, Any], row: Row) -> dict[str, Any]:
    for key, value in row["fields"].items():
        cells[CUSTOM_PREFIX + key] = value
    return cells


# --- contacts --------------------------------------------------------------------------------


def contacts(db: Database, query: ListQuery) -> Export:
    columns = _importable("contacts", CONTACT_COLUMNS, ()) + _custom(store.contact_field_keys(db, query))
    return Export("contacts", columns, store.contacts(db, query), lambda: store.count_contacts(db, query),
                  _contact_cells, _contact_json)  # fmt: skip


def _contact_cells(row: Row) -> dict[str, Any]:
    cells = dict(row)
    cells["email"] = row["emails"]
    cells["phone"] = row["phones"]
    cells["referred_by"] = row["referred_by_uid"]
    return _with_fields(cells, row)


_CONTACT_JSON = (
    "id", "uid", "name", "email", "phone", "emails", "phones", "company_id", "company", "company_domain",
    "company_uid", "title", "lifecycle_stage", "source", "referred_by", "referred_by_name",
    "referred_by_uid", "owner", "country", "timezone", "language", "birthday", "customer_since",
    "churned_at", "churn_reason", "tags", "fields", "created_at", "updated_at", "last_touch_at",
)  # fmt: skip


def _contact_json(row: Row) -> dict[str, Any]:
    return {key: row.get(key) for key in _CONTACT_JSON}


# --- companies -------------------------------------------------------------------------------


def companies(db: Database, query: ListQuery) -> Export:
    columns = _importable("companies", COMPANY_COLUMNS, ()) + _custom(store.company_field_keys(db, query))
    return Export("companies", columns, store.companies(db, query), lambda: store.count_companies(db, query),
                  lambda row: _with_fields(dict(row), row), dict)  # fmt: skip


# --- deals -------------------------------------------------------------------------------------


def deals(db: Database, query: DealQuery) -> Export:
    columns = _importable("deals", DEAL_COLUMNS, DEAL_LATER)
    if store.has_tags(db, "deal"):
        columns.append("tags")
    columns += _custom(store.deal_field_keys(db, query))
    return Export("deals", columns, store.deals(db, query), lambda: store.count_deals(db, query),
                  _deal_cells, _deal_json)  # fmt: skip


def _amount(row: Row) -> str:
    from crmcli.money import to_decimal

    return str(to_decimal(row["amount_minor"], row["currency"]))


def _csv_amount(row: Row) -> str:
    """The amount as the importer reads it back: "1.500" KWD would be ambiguous (thousands
    or decimals?), so currencies with three or more decimals lose their trailing zeros."""
    from crmcli.money import exponent

    text = _amount(row)
    if exponent(row["currency"]) >= 3 and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _deal_cells(row: Row) -> dict[str, Any]:
    cells = dict(row)
    cells["contact"] = row["contact_uid"]
    cells["company"] = row["company_uid"]
    cells["amount"] = _csv_amount(row)
    return _with_fields(cells, row)


def _deal_json(row: Row) -> dict[str, Any]:
    shaped = dict(row)
    shaped["amount"] = _amount(row)
    return shaped


# --- activities --------------------------------------------------------------------------------


def activities(db: Database, query: ActivityFilter) -> Export:
    columns = _importable("activities", ACTIVITY_COLUMNS, ACTIVITY_LATER)
    if store.has_tags(db, "activity"):
        columns.append("tags")
    columns += _custom(store.activity_field_keys(db, query))
    return Export("activities", columns, store.activities(db, query),
                  lambda: store.count_activities(db, query), _activity_cells, _activity_json)  # fmt: skip


def _activity_cells(row: Row) -> dict[str, Any]:
    cells = dict(row)
    cells["contact"] = row["contact_uid"]
    cells["company"] = row["company_uid"]
    cells["deal"] = row["deal_uid"]
    cells["case"] = row["case_uid"]
    cells["duration"] = row["duration_min"]
    cells["due"] = row["due_at"]
    return _with_fields(cells, row)


def _activity_json(row: Row) -> dict[str, Any]:
    from crmcli.services.activities import with_status

    return with_status(dict(row))


# --- cases -------------------------------------------------------------------------------------


def cases(db: Database, filters: dict[str, Any]) -> Export:
    columns = list(CASE_COLUMNS) + _custom(store.case_field_keys(db, filters))
    return Export("cases", columns, store.cases(db, filters), lambda: store.count_cases(db, filters),
                  lambda row: _with_fields(dict(row), row), dict)  # fmt: skip
