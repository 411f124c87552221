"""Which column of a CSV file is which field: our own names and other CRMs' exports.

Headers are compared in a normal form (case-folded, every run of punctuation or spaces
made one space): "E-mail 1 - Value", "e-mail 1 value" and "E_MAIL_1_VALUE" are the same.
A header can name a field of ours ("email", "lifecycle_stage"), one of the many names
HubSpot, Salesforce, Pipedrive, Google Contacts and Outlook give the same thing
("E-mail 1 - Value", "Account Name", "Mobile Phone", "Lifecycle Stage"), or a custom field
("field:vip_level"). `--map "Header=field"` settles anything else; a column nobody
recognises becomes a custom field named after its header, unless --ignore-unmapped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crmcli.errors import Invalid

IGNORE = "ignore"
CUSTOM_PREFIX = "field:"
# Columns the rejects file adds, ignored when a fixed rejects file is imported again.
REJECT_COLUMNS = ("crm_line", "crm_reason")

# The fields each kind of record takes from a file. Several columns may feed one field:
# a list field (email, phone, tags) takes them all, in column order (every e-mail column
# of an Outlook export); any other field takes the first that is not empty (Outlook's
# "Business Country/Region", then "Home Country/Region").
FIELDS: dict[str, tuple[str, ...]] = {
    "contacts": (
        "name", "first_name", "middle_name", "last_name", "email", "phone", "company",
        "company_domain", "title", "lifecycle_stage", "source", "referred_by", "owner",
        "country", "timezone", "language", "birthday", "customer_since", "churned_at",
        "churn_reason", "tags", "uid", "created_at",
    ),
    "companies": (
        "name", "domain", "industry", "employees", "annual_revenue", "revenue_currency",
        "country", "owner", "tags", "uid", "created_at",
    ),
    "deals": (
        "title", "contact", "company", "amount", "amount_minor", "currency", "pipeline", "stage",
        "status", "close_date", "owner", "kind", "lost_reason", "won_at", "lost_at", "tags", "uid",
        "created_at",
    ),
    "activities": (
        "kind", "contact", "company", "deal", "case", "subject", "note", "at", "duration",
        "duration_seconds", "direction", "outcome", "due", "due_time", "done", "done_at", "owner", "uid",
        "created_at",
    ),
}  # fmt: skip
MULTI = {"email", "phone", "tags"}

# Normalised header -> field, per kind. Vendors' names are listed where they come from.
_COMMON = {
    "owner": "owner", "record owner": "owner", "owner name": "owner", "assigned to": "owner",
    "country": "country", "country region": "country", "country code": "country",
    "tags": "tags", "tag": "tags", "labels": "tags", "label": "tags", "categories": "tags",
    "uid": "uid",
    "created at": "created_at", "created": "created_at", "create date": "created_at",
    "created date": "created_at", "date created": "created_at", "created time": "created_at",
    "id": IGNORE, "updated at": IGNORE, "people": IGNORE, "last touch at": IGNORE,
}  # fmt: skip

_CONTACTS = {
    **_COMMON,
    # ours, and the usual
    "name": "name", "full name": "name", "contact name": "name", "display name": "name",
    "first name": "first_name", "firstname": "first_name", "given name": "first_name",
    "first": "first_name", "forename": "first_name",
    "middle name": "middle_name", "additional name": "middle_name",
    "last name": "last_name", "lastname": "last_name", "surname": "last_name",
    "family name": "last_name", "last": "last_name",
    "email": "email", "emails": "email", "e mail": "email", "email address": "email",
    "e mail address": "email", "primary email": "email", "work email": "email",
    "personal email": "email", "home email": "email", "business email": "email",
    "other email": "email", "private email": "email",
    "phone": "phone", "phones": "phone", "phone number": "phone", "telephone": "phone",
    "tel": "phone", "mobile": "phone", "cell": "phone", "mobile number": "phone",
    "cell phone": "phone", "work phone": "phone", "direct phone": "phone",
    "company": "company", "company name": "company", "organization": "company",
    "organisation": "company", "organization name": "company", "employer": "company",
    "company domain": "company_domain", "company domain name": "company_domain",
    "title": "title", "job title": "title", "jobtitle": "title", "position": "title",
    "lifecycle stage": "lifecycle_stage", "lifecyclestage": "lifecycle_stage",
    "stage": "lifecycle_stage",
    "source": "source", "lead source": "source", "leadsource": "source", "channel": "source",
    "referred by": "referred_by", "referrer": "referred_by",
    "time zone": "timezone", "timezone": "timezone", "tz": "timezone",
    "language": "language", "preferred language": "language",
    "birthday": "birthday", "birthdate": "birthday", "date of birth": "birthday",
    "birth date": "birthday", "dob": "birthday",
    "customer since": "customer_since", "churned at": "churned_at", "churn reason": "churn_reason",
    # HubSpot
    "mobile phone number": "phone", "associated company": "company", "contact owner": "owner",
    "original source": "source", "hubspot owner": "owner",
    # Salesforce
    "account name": "company", "account": "company", "mobile phone": "phone",
    "lead owner": "owner", "mailing country": "country", "other phone": "phone",
    "home phone": "phone", "business phone": "phone",
    # Pipedrive ("Person - Name", "Person - Email - Work", …)
    "person name": "name", "person first name": "first_name", "person last name": "last_name",
    "person email": "email", "person email work": "email", "person email home": "email",
    "person email other": "email", "person phone": "phone", "person phone work": "phone",
    "person phone mobile": "phone", "person phone home": "phone", "person phone other": "phone",
    "person organization": "company", "person owner": "owner", "person label": "tags",
    "person labels": "tags", "person job title": "title", "person add time": "created_at",
    "add time": "created_at",
    # Google Contacts (old and new exports)
    "organization 1 name": "company", "organization 1 title": "title",
    "organization title": "title", "group membership": "tags", "address 1 country": "country",
    "file as": IGNORE, "nickname": IGNORE,
    # Outlook
    "business country region": "country", "home country region": "country",
    "company main phone": "phone", "primary phone": "phone", "car phone": "phone",
    "e mail display name": IGNORE, "e mail 2 display name": IGNORE,
    "e mail 3 display name": IGNORE, "e mail type": IGNORE, "e mail 2 type": IGNORE,
    "e mail 3 type": IGNORE,
    # Scandinavian spreadsheets
    "navn": "name", "namn": "name", "fornavn": "first_name", "förnamn": "first_name",
    "etternavn": "last_name", "efternavn": "last_name", "efternamn": "last_name",
    "e post": "email", "epost": "email", "e postadresse": "email", "e postadress": "email",
    "telefon": "phone", "mobil": "phone", "mobilnummer": "phone", "firma": "company",
    "bedrift": "company", "företag": "company", "virksomhed": "company", "stilling": "title",
    "titel": "title", "land": "country",
}  # fmt: skip

_COMPANIES = {
    **_COMMON,
    "name": "name", "company": "name", "company name": "name", "account name": "name",
    "account": "name", "organization": "name", "organisation": "name",
    "organization name": "name", "business name": "name",
    "domain": "domain", "company domain name": "domain", "website": "domain",
    "website url": "domain", "web page": "domain", "web site": "domain", "url": "domain",
    "organization website": "domain",
    "industry": "industry", "sector": "industry", "organization industry": "industry",
    "employees": "employees", "number of employees": "employees", "employee count": "employees",
    "no of employees": "employees", "organization number of employees": "employees",
    "annual revenue": "annual_revenue", "revenue": "annual_revenue",
    "revenue currency": "revenue_currency", "annual revenue currency": "revenue_currency",
    "currency": "revenue_currency",
    "company owner": "owner", "account owner": "owner", "organization owner": "owner",
    "billing country": "country", "organization address country": "country",
    "organization add time": "created_at",
    "firma": "name", "bedrift": "name", "företag": "name", "virksomhed": "name",
    "navn": "name", "namn": "name", "bransje": "industry", "bransch": "industry",
    "ansatte": "employees", "anställda": "employees", "land": "country",
}  # fmt: skip

_DEALS = {
    **_COMMON,
    # ours (as `crm export deals` writes them), and the usual
    "title": "title", "name": "title", "deal": "title", "deal name": "title",
    "deal title": "title", "opportunity name": "title", "opportunity": "title",
    "contact": "contact", "contact id": "contact", "contact email": "contact", "person": "contact",
    "contact person": "contact", "contact name": "contact", "associated contact": "contact",
    "primary contact": "contact", "email": "contact", "e mail": "contact",
    "company": "company", "company id": "company", "company name": "company", "organization": "company",
    "organisation": "company", "account name": "company", "account": "company",
    "associated company": "company",
    "amount": "amount", "value": "amount", "deal value": "amount", "deal amount": "amount",
    "amount minor": "amount_minor",
    "currency": "currency", "currency code": "currency", "deal currency": "currency",
    "deal currency code": "currency", "opportunity currency": "currency",
    "pipeline": "pipeline", "deal pipeline": "pipeline",
    "stage": "stage", "deal stage": "stage", "deal stage name": "stage", "stage name": "stage",
    "status": "status", "deal status": "status",
    "close date": "close_date", "expected close date": "close_date", "closed on": "close_date",
    "deal closed on": "close_date", "close_date": "close_date",
    "deal owner": "owner", "opportunity owner": "owner",
    "kind": "kind", "type": "kind", "deal type": "kind", "opportunity type": "kind",
    "lost reason": "lost_reason", "closed lost reason": "lost_reason", "loss reason": "lost_reason",
    "won at": "won_at", "won time": "won_at", "lost at": "lost_at", "lost time": "lost_at",
    "add time": "created_at", "deal created": "created_at", "deal create date": "created_at",
    # what exports compute from the rest: nothing to import
    "probability": IGNORE, "days in stage": IGNORE, "stage entered at": IGNORE, "record id": IGNORE,
    "deal id": IGNORE, "update time": IGNORE, "last modified date": IGNORE, "weighted value": IGNORE,
    "weighted value currency": IGNORE, "last stage change": IGNORE, "next activity date": IGNORE,
    "last activity date": IGNORE, "total activities": IGNORE, "done activities": IGNORE,
    "activities to do": IGNORE, "email messages count": IGNORE, "visible to": IGNORE,
    "last email received": IGNORE, "last email sent": IGNORE, "expected revenue": IGNORE,
    "amount in company currency": IGNORE, "fiscal period": IGNORE,
}  # fmt: skip

_ACTIVITIES = {
    **_COMMON,
    # ours (as `crm export activities` writes them), and the usual
    "kind": "kind", "type": "kind", "activity type": "kind", "engagement type": "kind",
    "task type": "kind", "task subtype": "kind", "activity subtype": "kind",
    "contact": "contact", "contact id": "contact", "contact email": "contact", "person": "contact",
    "contact person": "contact", "contact name": "contact", "associated contact": "contact",
    "name": "contact", "email": "contact", "e mail": "contact",
    "company": "company", "company id": "company", "organization": "company",
    "organisation": "company", "associated company": "company", "account": "company",
    "account name": "company", "company account": "company",
    "deal": "deal", "deal id": "deal", "associated deal": "deal", "deal title": "deal",
    "opportunity": "deal", "case": "case", "case id": "case", "ticket": "case",
    "subject": "subject", "title": "subject", "call title": "subject", "meeting name": "subject",
    "meeting title": "subject", "task title": "subject", "email subject": "subject",
    "note": "note", "notes": "note", "description": "note", "body": "note", "comments": "note",
    "call notes": "note", "meeting description": "note", "note body": "note", "task notes": "note",
    "email body": "note", "details": "note",
    "at": "at", "date": "at", "when": "at", "activity date": "at", "start time": "at",
    "meeting start time": "at", "start date": "at", "timestamp": "at",
    "duration": "duration", "duration min": "duration", "duration minutes": "duration",
    "call duration": "duration", "call duration hh mm ss": "duration", "meeting duration": "duration",
    "duration seconds": "duration_seconds", "call duration seconds": "duration_seconds",
    "call duration in seconds": "duration_seconds",
    "direction": "direction", "call direction": "direction", "call type": "direction",
    "outcome": "outcome", "result": "outcome", "call outcome": "outcome", "meeting outcome": "outcome",
    "call result": "outcome", "disposition": "outcome",
    "due": "due", "due at": "due", "due date": "due", "activity due date": "due", "due time": "due_time",
    "done": "done", "status": "done", "task status": "done", "completed": "done", "is done": "done",
    "done at": "done_at", "completed at": "done_at", "completed date": "done_at",
    "marked as done time": "done_at", "completion date": "done_at",
    "activity owner": "owner", "assigned to user": "owner", "assigned": "owner", "task owner": "owner",
    "activity assigned to": "owner", "add time": "created_at",
    "contact timezone": IGNORE, "record id": IGNORE, "activity id": IGNORE, "update time": IGNORE,
}  # fmt: skip

ALIASES = {"contacts": _CONTACTS, "companies": _COMPANIES, "deals": _DEALS, "activities": _ACTIVITIES}

# Numbered and labelled columns: Google's "E-mail 1 - Value", Outlook's "E-mail 2 Address"
# and "Business Phone 2", Pipedrive's "Person - Phone - Mobile".
_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "contacts": (
        (re.compile(r"e ?mail \d+ (?:label|type)"), IGNORE),
        (re.compile(r"phone \d+ (?:label|type)"), IGNORE),
        (re.compile(r"e ?mail(?: address)?(?: \d+)?(?: value| address)?"), "email"),
        (re.compile(r"(?:person )?e ?mail(?: (?:work|home|other|personal|private|business|primary))?"),
         "email"),
        (re.compile(r"phone(?: number)?(?: \d+)?(?: value)?"), "phone"),
        (re.compile(r"(?:person )?phone(?: (?:work|home|mobile|other|main|business|direct|office|cell))?"),
         "phone"),
        (re.compile(r"(?:mobile|cell)(?: phone)?(?: number)?(?: \d+)?"), "phone"),
        (re.compile(r"(?:business|home|work|other|office|main|direct|assistant|car|company main|primary"
                    r"|private) phone(?: number)?(?: \d+)?"), "phone"),
        (re.compile(r"organization \d+ name"), "company"),
        (re.compile(r"organization \d+ title"), "title"),
        (re.compile(r"address \d+ country"), "country"),
    ),
    "companies": (),
    "deals": (),
    "activities": (),
}  # fmt: skip


def header_key(header: str) -> str:
    """The normal form headers are compared in."""
    return " ".join(re.sub(r"[\W_]+", " ", header.casefold()).split())


def field_slug(header: str) -> str:
    """A custom field name made from a header: "Lead Score (HubSpot)" -> lead_score_hubspot."""
    return re.sub(r"[\W]+", "_", header.casefold(), flags=re.UNICODE).strip("_-")


@dataclass
class ColumnMap:
    index: int
    header: str
    target: str  # a field, field:KEY for a custom field, or ignore
    how: str  # ours | alias | pattern | --map | custom | ignored | unmapped


@dataclass
class Mapping:
    kind: str
    columns: list[ColumnMap] = field(default_factory=list)

    def targets(self) -> set[str]:
        return {c.target for c in self.columns}

    def indexes(self, target: str) -> list[int]:
        return [c.index for c in self.columns if c.target == target]

    def custom(self) -> list[tuple[int, str]]:
        return [(c.index, c.target[len(CUSTOM_PREFIX) :]) for c in self.columns
                if c.target.startswith(CUSTOM_PREFIX)]  # fmt: skip

    def as_rows(self) -> list[dict[str, str]]:
        return [{"column": c.header, "field": c.target, "how": c.how} for c in self.columns]


def parse_maps(pairs: list[str] | None) -> dict[str, str]:
    """`--map "Header=field"` pairs; the header is matched case-insensitively."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        header, sep, target = pair.rpartition("=")
        if not sep or not header.strip() or not target.strip():
            raise Invalid(f'--map {pair!r} must be written "Header=field".')
        out[header.strip()] = target.strip()
    return out


def map_headers(
    kind: str, header: list[str], overrides: dict[str, str] | None = None, ignore_unmapped: bool = False
) -> Mapping:
    """How each column of a file with this header feeds a record of `kind`."""
    fields = FIELDS[kind]
    aliases = ALIASES[kind]
    keys = [header_key(h) for h in header]
    explicit = _resolve_overrides(kind, header, keys, overrides or {})
    outlook = kind == "contacts" and "job title" in keys
    mapping = Mapping(kind)
    for index, (text, key) in enumerate(zip(header, keys, strict=True)):
        if index in explicit:
            target = explicit[index]
            how = "ignored" if target == IGNORE else "--map"
        elif key in REJECT_COLUMNS or key.replace(" ", "_") in REJECT_COLUMNS:
            target, how = IGNORE, "ignored"
        elif text.lower().startswith(CUSTOM_PREFIX) and text[len(CUSTOM_PREFIX) :].strip():
            target, how = custom_target(text[len(CUSTOM_PREFIX) :].strip()), "custom"
        elif not key:
            target, how = IGNORE, "ignored"
        elif outlook and key == "title":
            # Outlook's "Title" is Mr/Ms; its "Job Title" is the job.
            target, how = CUSTOM_PREFIX + "salutation", "custom"
        elif key.replace(" ", "_") in fields:
            target, how = key.replace(" ", "_"), "ours"
        elif _alias(aliases, fields, key):
            target = _alias(aliases, fields, key)
            how = "ignored" if target == IGNORE else "alias"
        elif _alias(aliases, fields, _unprefixed(kind, key)):
            # Pipedrive's "Deal - Value", "Activity - Due date"
            target = _alias(aliases, fields, _unprefixed(kind, key))
            how = "ignored" if target == IGNORE else "alias"
        else:
            target = next((t for p, t in _PATTERNS[kind] if p.fullmatch(key)), "")
            how = "ignored" if target == IGNORE else "pattern"
            if not target:
                if ignore_unmapped:
                    target, how = IGNORE, "unmapped"
                else:
                    slug = field_slug(text)
                    target, how = (CUSTOM_PREFIX + slug, "custom") if slug else (IGNORE, "unmapped")
        mapping.columns.append(ColumnMap(index, text, target, how))
    _refuse_shared(mapping)
    return mapping


def _refuse_shared(mapping: Mapping) -> None:
    """Refuse two columns feeding one field that holds one value, where a row's second
    value would be dropped without a word: the same header twice (`name,name`), two
    columns of one custom field, or a --map onto a field another column feeds. Lists
    (e-mail addresses, phone numbers, tags) take every column. Different headers that
    other CRMs' exports use for one thing stay allowed, the first non-empty one winning:
    that is how an export says it (Outlook's "Business Country/Region" then "Home
    Country/Region", HubSpot's "Company Name" and "Associated Company", crm's own deals
    and activities with `contact`, `contact_email` and `contact_id`)."""
    seen: dict[str, ColumnMap] = {}
    for column in mapping.columns:
        target = column.target
        if target == IGNORE or target in MULTI:
            continue
        first = seen.setdefault(target, column)
        if first is column:
            continue
        same = header_key(first.header) == header_key(column.header)
        if not (same or target.startswith(CUSTOM_PREFIX) or "--map" in (first.how, column.how)):
            continue
        what = (
            f"the custom field {target[len(CUSTOM_PREFIX) :]}"
            if target.startswith(CUSTOM_PREFIX)
            else f"the field {target}"
        )
        hint = "" if first.header == column.header else ", or --map one of them to ignore"
        raise Invalid(
            f"Columns {first.index + 1} ({first.header!r}) and {column.index + 1} ({column.header!r}) "
            f"both map to {what}, which holds one value; remove or rename one of them{hint}."
        )


# The record's own name in front of its columns, as Pipedrive writes them ("Deal - Title").
_PREFIXES = {"deals": "deal ", "activities": "activity "}


def _unprefixed(kind: str, key: str) -> str:
    prefix = _PREFIXES.get(kind)
    return key[len(prefix) :] if prefix and key.startswith(prefix) else ""


def _alias(aliases: dict[str, str], fields: tuple[str, ...], key: str) -> str:
    """The field a header names, when this kind of record has that field: "Country" on a
    deal is nobody's field, so it becomes a custom one."""
    if not key:
        return ""
    if key.replace(" ", "_") in fields:
        return key.replace(" ", "_")
    target = aliases.get(key, "")
    return target if target == IGNORE or target in fields else ""


def custom_target(key: str) -> str:
    if not key.replace("_", "").replace("-", "").isalnum():
        raise Invalid(f"The custom field name {key!r} must be letters, digits, '_' or '-'.")
    return CUSTOM_PREFIX + key


def _resolve_overrides(
    kind: str, header: list[str], keys: list[str], overrides: dict[str, str]
) -> dict[int, str]:
    resolved: dict[int, str] = {}
    fields = FIELDS[kind]
    for given, target in overrides.items():
        pair = f"{given}={target}"
        shown = pair if pair.isprintable() else repr(pair)  # a line break stays inside one line
        wanted = target.strip()
        if wanted in ("-", "", "none", "skip"):
            wanted = IGNORE
        elif wanted.lower().startswith(CUSTOM_PREFIX):
            wanted = custom_target(wanted[len(CUSTOM_PREFIX) :].strip())
        elif wanted.replace("-", "_").lower() in fields:
            wanted = wanted.replace("-", "_").lower()
        elif wanted != IGNORE:
            raise Invalid(
                f"--map {shown}: {target!r} is not a field of {kind}; use one of "
                f"{', '.join(fields)}, field:NAME or ignore."
            )
        matches = [i for i, h in enumerate(header) if h == given]
        matches = matches or [i for i, h in enumerate(header) if h.casefold() == given.casefold()]
        matches = matches or [i for i, k in enumerate(keys) if k == header_key(given)]
        if not matches:
            raise Invalid(
                f"--map {shown}: the file has no column {given!r}; its columns are "
                f"{', '.join(repr(h) for h in header)}."
            )
        for index in matches:
            resolved[index] = wanted
    return resolved
