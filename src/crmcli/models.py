"""Plain data passed between the layers: filters for lists, the inputs of changes."""

from __future__ import annotations

LIFECYCLE_STAGES = ("lead", "qualified", "opportunity", "customer", "churned", "other")


class PlainRecord:
    """A readable repr for the plain classes that stand in for dataclasses where a command
    must start quickly (see the note above crmcli.config.Problem)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


class ListQuery(PlainRecord):
    """What every list can be narrowed by; each entity uses the fields that apply to it.

    A plain class, not a dataclass: see the note above crmcli.config.Problem (`crm show`
    imports this module for LIFECYCLE_STAGES)."""

    def __init__(
        self,
        *,
        tags: list[str] | None = None,
        owner: str | None = None,
        stage: str | None = None,  # lifecycle stage for contacts
        country: str | None = None,
        company_id: int | None = None,
        industry: str | None = None,
        min_employees: int | None = None,
        max_employees: int | None = None,
        fields: dict[str, str] | None = None,  # custom field equals value
        search: str | None = None,  # folded text
        consent: str | None = None,  # a purpose the contact's latest consent record gives
        sort: str = "name",  # a column name, "-" in front for descending
        limit: int | None = None,
        offset: int = 0,
    ) -> None:
        self.tags: list[str] = [] if tags is None else tags
        self.owner = owner
        self.stage = stage
        self.country = country
        self.company_id = company_id
        self.industry = industry
        self.min_employees = min_employees
        self.max_employees = max_employees
        self.fields: dict[str, str] = {} if fields is None else fields
        self.search = search
        self.consent = consent
        self.sort = sort
        self.limit = limit
        self.offset = offset
