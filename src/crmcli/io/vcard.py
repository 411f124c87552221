"""vCard files (RFC 2426 vCard 3.0 and RFC 6350 vCard 4.0) read into plain cards and written
from contacts, through vobject (the parser khard and Radicale use).

Reading takes what phones, Google Contacts, Apple Contacts and khard write: FN (or N when
FN is empty), every EMAIL and TEL (preferred ones first: TYPE=pref in 3.0, PREF=1 in 4.0;
4.0's `tel:` URIs included), ORG, TITLE, BDAY (1985-04-12, 19850412, --0412, --04-12 and
Apple's 1604-04-12 for "no year"), the country of the first ADR that has one, NOTE,
CATEGORIES and UID. A UID that is a `urn:uuid:` becomes crm's own uid form (32 hex digits,
no dashes), and is written back as the same urn, so a card keeps its UID across a round
trip. Group and organisation cards (KIND:group/org, Apple's X-ADDRESSBOOKSERVER-KIND) are
not people: they are set aside with a warning.

Nothing here validates values (that is the importer's job, as for a CSV row); a file that
is not vCard at all is refused with the line where it stops being one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from crmcli.errors import Invalid

VERSIONS = ("3.0", "4.0")
_HEX_UID = re.compile(r"[0-9a-f]{32}")
_URN_UUID = re.compile(r"urn:uuid:([0-9a-fA-F-]{32,36})")
_NOT_PEOPLE = {"group", "org", "organization", "location"}
_DROPPED_TAGS = {"mycontacts"}  # Google puts every contact in "myContacts"
# Apple writes a birthday without a year as 1604-MM-DD (with X-APPLE-OMIT-YEAR), and so does
# crm's own 3.0 export. Only a card means that by 1604: a CSV file's 1604 is a year.
_APPLE_NO_YEAR = re.compile(r"1604-?(\d{2})-?(\d{2})")


@dataclass
class Card:
    """One vCard's values as written in the file (not validated)."""

    number: int  # 1 for the file's first card
    name: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    company: str = ""
    title: str = ""
    birthday: str = ""
    country: str = ""
    note: str = ""
    tags: list[str] = field(default_factory=list)
    uid: str = ""
    kind: str = "individual"

    @property
    def label(self) -> str:
        return f"card {self.number}" + (f" ({self.name})" if self.name else "")


# --- reading -----------------------------------------------------------------------------------


def read_cards(stream: IO[str], source: str) -> Iterator[Card]:
    """The cards of a vCard file, in order; Invalid (one sentence) when it is not one."""
    import vobject
    from vobject.base import VObjectError

    number = 0
    try:
        for component in vobject.readComponents(stream, allowQP=True):
            if component.name != "VCARD":
                raise Invalid(f"{source} holds a {component.name}, not vCards.")
            number += 1
            yield _card(component, number)
    except VObjectError as exc:
        where = f" at line {exc.lineNumber}" if getattr(exc, "lineNumber", None) else ""
        after = f" (after card {number})" if number else ""
        raise Invalid(f"{source} is not a valid vCard file{where}{after}: {_reason(exc)}.") from None
    except UnicodeDecodeError:
        raise Invalid(f"{source} is not UTF-8 text; vCard 3.0 and 4.0 files are.") from None
    if number == 0:
        raise Invalid(f"{source} holds no vCard (no BEGIN:VCARD … END:VCARD).")


def _reason(exc: Exception) -> str:
    text = str(getattr(exc, "msg", "") or exc).strip().rstrip(".")
    text = re.sub(r"^At line \d+: ", "", text)
    return text or "it cannot be parsed"


def _card(component: Any, number: int) -> Card:
    card = Card(number)
    contents: dict[str, list[Any]] = component.contents
    card.kind = _text(_first(contents, "kind") or _first(contents, "x-addressbookserver-kind")).lower()
    card.kind = card.kind or "individual"
    card.name = " ".join(_text(_first(contents, "fn")).split()) or _name_from_n(_first(contents, "n"))
    card.emails = [_text(line).removeprefix("mailto:").strip() for line in _preferred(contents.get("email"))]
    card.emails = [e for e in card.emails if e]
    card.phones = [p for p in (_phone(line) for line in _preferred(contents.get("tel"))) if p]
    org = _first(contents, "org")
    if org is not None:
        parts = org.value if isinstance(org.value, list) else [org.value]
        card.company = " ".join(str(parts[0]).split()) if parts else ""
    card.title = " ".join(_text(_first(contents, "title")).split())
    card.birthday = _birthday(_first(contents, "bday"))
    for line in _preferred(contents.get("adr")):
        country = getattr(line.value, "country", "") or ""
        if str(country).strip():
            card.country = " ".join(str(country).split())
            break
    notes = [_text(line).strip() for line in contents.get("note", [])]
    card.note = "\n\n".join(n for n in notes if n)
    tags: list[str] = []
    for line in contents.get("categories", []):
        values = line.value if isinstance(line.value, list) else str(line.value).split(",")
        tags += [" ".join(str(v).split()) for v in values]
    card.tags = list(dict.fromkeys(t for t in tags if t and t.casefold() not in _DROPPED_TAGS))
    card.uid = crm_uid(_text(_first(contents, "uid")))
    return card


def is_person(card: Card) -> bool:
    return card.kind not in _NOT_PEOPLE


def _first(contents: dict[str, list[Any]], name: str) -> Any:
    lines = contents.get(name)
    return lines[0] if lines else None


def _text(line: Any) -> str:
    if line is None:
        return ""
    value = line.value
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value).strip()


def _params(line: Any) -> list[str]:
    values: list[str] = []
    for value in line.params.get("TYPE", []):
        values += [v.strip().lower() for v in str(value).split(",")]
    return values


def _preferred(lines: list[Any] | None) -> list[Any]:
    """Lines in file order, the preferred ones first (3.0 TYPE=pref; 4.0 PREF=1 … 100)."""
    if not lines:
        return []

    def rank(line: Any) -> int:
        pref = line.params.get("PREF")
        if pref:
            try:
                return int(pref[0])
            except ValueError:
                return 100
        return 1 if "pref" in _params(line) else 101

    return sorted(lines, key=rank)


def _phone(line: Any) -> str:
    text = _text(line)
    if text.lower().startswith("tel:"):
        text = text[4:].split(";", 1)[0]  # tel:+47-912-34-567;ext=12
    return text.strip()


def _name_from_n(line: Any) -> str:
    if line is None:
        return ""
    value = line.value
    parts = [
        getattr(value, "prefix", ""),
        getattr(value, "given", ""),
        getattr(value, "additional", ""),
        getattr(value, "family", ""),
        getattr(value, "suffix", ""),
    ]
    words: list[str] = []
    for part in parts:
        words += (" ".join(part) if isinstance(part, list) else str(part or "")).split()
    return " ".join(words)


def _birthday(line: Any) -> str:
    """BDAY as written, with a date-time cut to its date (19850412T000000Z, 1985-04-12T…) and
    Apple's year 1604 read as no year (1604-04-12 is --04-12)."""
    text = _text(line)
    if not text:
        return ""
    if "T" in text and not text.startswith("T"):
        text = text.split("T", 1)[0]
    if len(text) == 6 and text.startswith("--") and text[2:].isdigit():  # --0412
        text = f"--{text[2:4]}-{text[4:6]}"
    apple = _APPLE_NO_YEAR.fullmatch(text)
    if apple:
        text = f"--{apple.group(1)}-{apple.group(2)}"
    return text


def crm_uid(text: str) -> str:
    """A vCard UID as crm stores it: urn:uuid:8-4-4-4-12 becomes the 32 hex digits."""
    text = text.strip()
    match = _URN_UUID.fullmatch(text)
    if match:
        digits = match.group(1).replace("-", "").lower()
        if _HEX_UID.fullmatch(digits):
            return digits
    return text


def vcard_uid(uid: str) -> str:
    """crm's uid as a vCard UID: 32 hex digits become a urn:uuid, anything else stays."""
    if _HEX_UID.fullmatch(uid):
        return f"urn:uuid:{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:]}"
    return uid


# --- writing -----------------------------------------------------------------------------------


def card_text(contact: dict[str, Any], version: str = "4.0") -> str:
    """One contact (as services.contacts.get_contact shapes it) as a vCard."""
    import vobject

    v4 = version == "4.0"
    card = vobject.vCard()
    card.add("version").value = version
    uid = card.add("uid")
    uid.value = vcard_uid(contact["uid"])
    if v4 and not uid.value.startswith("urn:"):
        uid.params["VALUE"] = ["text"]
    name = contact["name"]
    card.add("fn").value = name
    family, given = _split_name(name)
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    for position, email in enumerate(contact.get("emails") or []):
        line = card.add("email")
        line.value = email
        if v4:
            if position == 0:
                line.params["PREF"] = ["1"]
        else:
            line.params["TYPE"] = ["INTERNET", "pref"] if position == 0 else ["INTERNET"]
    for position, phone in enumerate(contact.get("phones") or []):
        line = card.add("tel")
        if v4:
            line.value = f"tel:{phone}"
            line.params["VALUE"] = ["uri"]
            if position == 0:
                line.params["PREF"] = ["1"]
        else:
            line.value = phone
            if position == 0:
                line.params["TYPE"] = ["pref"]
    if contact.get("company"):
        card.add("org").value = [contact["company"]]
    if contact.get("title"):
        card.add("title").value = contact["title"]
    birthday = contact.get("birthday")
    if birthday:
        line = card.add("bday")
        if birthday.startswith("--"):
            if v4:
                line.value = "--" + birthday[2:].replace("-", "")
            else:  # 3.0 has no date without a year: Apple's convention, read by most
                line.value = f"1604{birthday[1:]}"
                line.params["X-APPLE-OMIT-YEAR"] = ["1604"]
        else:
            line.value = birthday.replace("-", "") if v4 else birthday
    country = contact.get("country")
    if country:
        line = card.add("adr")
        line.value = vobject.vcard.Address(country=_country_name(country))
    note = (contact.get("fields") or {}).get("note")
    if note:
        card.add("note").value = note
    if contact.get("tags"):
        card.add("categories").value = list(contact["tags"])
    if contact.get("updated_at") and v4:
        card.add("rev").value = contact["updated_at"].replace("-", "").replace(":", "")
    return str(card.serialize())


def _split_name(name: str) -> tuple[str, str]:
    """(family, given) for N: the last word is taken as the family name."""
    words = name.split()
    if len(words) < 2:
        return "", name
    return words[-1], " ".join(words[:-1])


def _country_name(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code
