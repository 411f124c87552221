"""Validation on entry: each function returns the normalised value or raises Invalid.

The libraries behind these checks are imported on first use, so that commands which do
not validate anything do not pay for them at start-up.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from crmcli.errors import Invalid

# Most addresses are plain ASCII; they are checked by this expression and never reach
# email-validator, which costs ~20 µs a call (it matters on a million-row import).
_SIMPLE_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def email_address(value: str, field: str = "email") -> str:
    """A syntactically valid address, with its domain lower-cased."""
    text = value.strip()
    if _SIMPLE_EMAIL.fullmatch(text) and len(text) <= 254:
        local, _, domain = text.rpartition("@")
        if len(local) <= 64:
            return f"{local}@{domain.lower()}"
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(f"The {field} {value!r} is not a valid e-mail address: {_sentence(exc)}.") from exc
    return str(result.normalized)


def phone_number(value: str, default_country: str | None = None, field: str = "phone") -> str:
    """The number in E.164 form (+4722334455)."""
    import phonenumbers

    text = value.strip()
    try:
        parsed = phonenumbers.parse(text, default_country)
    except phonenumbers.NumberParseException as exc:
        hint = (
            " (write it with its +country code, or set default_country in the config)"
            if not default_country and not text.startswith("+")
            else ""
        )
        raise Invalid(f"The {field} {value!r} is not a phone number{hint}.") from exc
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise Invalid(f"The {field} {value!r} is not a valid phone number.")
    if parsed.extension:
        # E.164 has no extension: formatting would drop it without a word, and every
        # reader of contact_points (search, duplicates, vCard, exports) expects E.164.
        raise Invalid(
            f"The {field} {value!r} has an extension ({parsed.extension}), and crm keeps phone numbers "
            f"without one: give the number alone and keep the extension in a custom field "
            f"(ext={parsed.extension}) or a note."
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1024)
def country_code(value: str, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 code, from a code ("no", "NOR") or an English name ("Norway")."""
    import pycountry

    text = value.strip()
    try:
        country = pycountry.countries.lookup(text)
    except LookupError:
        raise Invalid(
            f"The {field} {value!r} is not an ISO country code or name (for example NO, SE or Norway)."
        ) from None
    return str(country.alpha_2)


@lru_cache(maxsize=256)
def timezone_name(value: str, field: str = "timezone") -> str:
    """An IANA time zone name, checked against the zone database."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    text = value.strip()
    try:
        if not text or text.startswith("/") or ".." in text:
            raise ValueError
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"The {field} {value!r} is not an IANA time zone (for example Europe/Oslo or Asia/Shanghai)."
        ) from None
    return text


def calendar_date(value: str, field: str = "date") -> str:
    """A calendar date as YYYY-MM-DD; also accepts --MM-DD for a birthday without a year."""
    text = value.strip()
    if re.fullmatch(r"--\d{2}-\d{2}", text):
        try:
            date(2000, int(text[2:4]), int(text[5:7]))  # 2000 is a leap year: --02-29 is fine
        except ValueError:
            raise Invalid(f"The {field} {value!r} is not a real day of the year.") from None
        return text
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise Invalid(
            f"The {field} {value!r} is not a date; write it as YYYY-MM-DD (or --MM-DD without a year)."
        ) from None


def birthday(day: str, today: date, field: str = "birthday") -> str:
    """A birthday as calendar_date (or an import's date reader) wrote it, refused when no one
    can have been born then: after today the agenda would never show it, and before the
    first year crm reads (clock.YEARS) it would say "turns 2025". --MM-DD has no year to
    judge, so it stays."""
    from crmcli.clock import YEARS

    if day.startswith("--"):
        return day
    born = date.fromisoformat(day)
    if born > today:
        raise Invalid(f"The {field} {day} is after today; nobody is born in the future.")
    if born.year < YEARS[0]:
        raise Invalid(
            f"The {field} {day} is before {YEARS[0]}; write --{day[5:]} when the year is not known."
        )
    return day


def one_line(value: str) -> str:
    """Text kept on one line, its runs of whitespace (line breaks too) one space: a line
    break in a title or a custom field would break `crm contact show` and could fake a
    line of it. Notes and case bodies are written with their lines, not through this. An
    import reads a million cells through it: most need only their ends trimmed."""
    if "  " not in value and value.isprintable():
        return value.strip()
    return " ".join(value.split())


def language_code(value: str, field: str = "language") -> str:
    """A BCP 47 language tag in its usual case: "nb", "sv-SE", "zh-Hans"."""
    text = value.strip().replace("_", "-")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", text):
        raise Invalid(f"The {field} {value!r} is not a language tag (for example en, nb, sv-SE, zh-Hans).")
    head, *rest = text.split("-")
    parts = [head.lower()]
    for part in rest:
        parts.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part)
    return "-".join(parts)


def domain_name(value: str, field: str = "domain") -> str:
    """A bare host name: "https://www.Acme.no/about" becomes "acme.no"."""
    text = value.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/")[0].split("?")[0]
    text = text.removeprefix("www.")
    try:
        ascii_form = text.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_form = ""
    if not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", ascii_form):
        raise Invalid(f"The {field} {value!r} is not a domain name such as acme.no.")
    return text


# Commas and semicolons separate tags wherever tags are taken (`--tag a,b;c`, a CSV cell
# written "a, b" by `crm export` or "a;b" by Outlook), so no tag ever holds one: every tag
# crm stores then comes back as itself when an export is imported.
_TAG_SEPARATORS = re.compile(r"[,;]")


def tag_names(values: list[str]) -> list[str]:
    """The tags named in values that may each hold several ("a,b", "c; d"), once each."""
    return list(dict.fromkeys(
        " ".join(part.split()) for value in values for part in _TAG_SEPARATORS.split(value) if part.strip()
    ))  # fmt: skip


def tags(values: list[str]) -> list[str]:
    """Tags as given on entry, each value possibly several ("a,b", "c; d"): each checked
    as `tag` checks it, once each, in the order given."""
    return [tag(name) for name in tag_names(values)]


def tag(value: str) -> str:
    """A tag: one line of printable text, at most 64 characters (`tags` has split it from
    its neighbours, so it holds no comma or semicolon)."""
    text = " ".join(value.split())
    if not text or len(text) > 64 or not text.isprintable():
        raise Invalid(f"The tag {value!r} must be 1 to 64 printable characters on one line.")
    # `crm contact tag 12 -trial` removes a tag: a tag stored as "-trial" could not be told
    # from that removal, nor "+vip" from adding vip.
    if text[0] in "-+":
        raise Invalid(
            f"The tag {text!r} cannot start with {text[0]}: `crm contact tag` reads - and + as remove "
            "and add."
        )
    return text


def whole_number(value: str | int, field: str, minimum: int = 0) -> int:
    try:
        number = int(str(value).strip().replace("_", "").replace(" ", ""))
    except ValueError:
        raise Invalid(f"The {field} {value!r} is not a whole number.") from None
    if number < minimum:
        raise Invalid(f"The {field} must be at least {minimum}, not {number}.")
    return number


def fold(text: str) -> str:
    """The form used for search and sorting: NFKC, case-folded, in any script."""
    return unicodedata.normalize("NFKC", text).casefold()


# Letters that are not a base letter plus an accent, so NFKD leaves them whole, written as
# a keyboard without them writes them: "oster" finds Østergaard, "lodz" finds Łódź. Lower
# case only: the text is case-folded first (ß already folds to "ss").
PLAIN_LATIN = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ħ": "h", "ŧ": "t", "ı": "i"}
)


def strip_accents(text: str) -> str:
    """`text` without its accents, and with the letters of PLAIN_LATIN spelt plainly."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(PLAIN_LATIN)


def _sentence(exc: Exception) -> str:
    return str(exc).strip().rstrip(".")
