"""Plain data passed between the layers: filters for lists, the inputs of changes."""

from __future__ import annotations

from dataclasses import dataclass, field

LIFECYCLE_STAGES = ("lead", "qualified", "opportunity", "customer", "churned", "other")


@dataclass
class ListQuery:
    """What every list can be narrowed by; each entity uses the fields that apply to it."""

    tags: list[str] = field(default_factory=list)
    owner: str | None = None
    stage: str | None = None  # lifecycle stage for contacts
    country: str | None = None
    company_id: int | None = None
    industry: str | None = None
    min_employees: int | None = None
    max_employees: int | None = None
    fields: dict[str, str] = field(default_factory=dict)  # custom field equals value
    search: str | None = None  # folded text
    consent: str | None = None  # a purpose the contact's latest consent record gives
    sort: str = "name"  # a column name, "-" in front for descending
    limit: int | None = None
    offset: int = 0
