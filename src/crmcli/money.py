"""Exact money: amounts in integer minor units of an ISO 4217 currency, Decimal arithmetic.

Nothing here ever touches a float. An amount is read from what a person types
("12 500", "1 234,50", "1,234.50", "12k", "1.5m NOK") into whole minor units of its
currency (cents, øre, fen; yen have none, dinars have three), and converted to the base
currency with the rates from the config (`[currencies] rates = { SEK = "0.087" }`: one
unit of SEK is worth 0.087 units of the base currency). A currency without a rate is an
error that names it, never a silently wrong total.

Reading an amount:
- spaces (also no-break and thin ones), `_` and `'` group digits: "1 234 567", "1'234";
- with both `.` and `,` the last one is the decimal mark: "1.234,50" and "1,234.50";
- one kind of mark written several times groups thousands: "1,234,567", "1.234.567";
- one mark written once is the decimal mark ("12,5", "1234.50"), except that "1,500" or
  "1.500" (one to three digits, the mark, three digits) is refused as ambiguous;
- a `k` (thousand) or `m` (million) suffix scales it: "12k", "1.5m";
- a three-letter currency code may be written before or after it: "1200 SEK", "EUR 99";
- negative amounts and more decimals than the currency has are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation, localcontext
from typing import Any

from crmcli.errors import Invalid

# ISO 4217 minor units (the list as amended to 2024) where they are not 2: codes with no
# minor unit and codes with three or four decimals. Every other code has two; the
# non-currency codes (XAU, XDR, XXX …), which ISO gives none, are treated as having two.
MINOR_UNITS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}  # fmt: skip

# The largest amount crm takes, in major units of any currency: ten to the twelfth. A
# trillion is more than any deal; in minor units it is at most 10**16 (four decimals),
# so a stored amount is far inside an SQLite INTEGER, and so is the sum of the amounts
# of hundreds of deals at the limit (the sums are made safe besides: storage/sums.py).
MAX_AMOUNT = Decimal(10) ** 12
# Conversions and weightings are exact: 60 significant digits is far more than any
# amount times any rate needs, so nothing is rounded until a total is shown.
_EXACT = Context(prec=60)

_CODE = re.compile(r"[A-Z]{3}")
_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009_'\u2019")
_WITH_CODE = re.compile(
    r"^(?:(?P<pre>[A-Za-z]{3})\s*)?(?P<number>[^A-Za-z]*?[kKmM]?)\s*(?P<post>[A-Za-z]{3})?$"
)
_NUMBER = re.compile(r"^\d[\d.,]*$|^[.,]\d+$")
_SCALE = {"k": 3, "m": 6}


def exponent(currency: str) -> int:
    """How many decimals the currency's minor unit has: JPY 0, EUR 2, KWD 3."""
    return MINOR_UNITS.get(currency.upper(), 2)


def currency_code(text: str, field: str = "currency") -> str:
    """An ISO 4217 code, upper-cased and checked against the ISO list (via pycountry)."""
    code = (text or "").strip().upper()
    if not _CODE.fullmatch(code):
        raise Invalid(f"The {field} {text!r} is not a three-letter ISO 4217 code such as EUR, NOK or JPY.")
    import pycountry

    if pycountry.currencies.get(alpha_3=code) is None:
        raise Invalid(f"The {field} {code} is not an ISO 4217 currency code (for example EUR, NOK or JPY).")
    return code


@dataclass(frozen=True)
class Money:
    """An exact amount: whole minor units of a currency."""

    minor: int
    currency: str

    @property
    def amount(self) -> Decimal:
        """The amount in major units, with exactly the currency's decimals: Decimal("12.50")."""
        return to_decimal(self.minor, self.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise Invalid(f"Cannot add {other.currency} to {self.currency} without converting them.")
        return Money(self.minor + other.minor, self.currency)

    def __str__(self) -> str:
        return format_minor(self.minor, self.currency)


def to_decimal(minor: int, currency: str) -> Decimal:
    """Minor units as a Decimal in major units, keeping the currency's decimals."""
    return Decimal(int(minor)).scaleb(-exponent(currency))


def to_minor(amount: Decimal, currency: str, *, text: str | None = None) -> int:
    """Major units as whole minor units; refused when it does not fit exactly."""
    places = exponent(currency)
    scaled = amount.scaleb(places)
    shown = text if text is not None else str(amount)
    if scaled != scaled.to_integral_value():
        if places == 0:
            raise Invalid(f"{currency} has no minor unit: {shown!r} must be a whole number of {currency}.")
        raise Invalid(f"{currency} has {places} decimals: {shown!r} has more and cannot be kept exactly.")
    minor = int(scaled)
    check_size(minor, currency, shown)
    return minor


def check_size(minor: int, currency: str, shown: str, field: str = "amount") -> None:
    """Refuse an amount above MAX_AMOUNT units of its currency."""
    if minor > int(MAX_AMOUNT.scaleb(exponent(currency))):
        raise Invalid(
            f"The {field} {shown!r} is too large; an amount is at most {int(MAX_AMOUNT):,} {currency}."
        )


def parse_money(
    text: str, currency: str | None = None, *, default: str | None = None, field: str = "amount"
) -> Money:
    """What a person typed as an amount, with an optional currency code written in it.

    `currency` is the currency given beside it (`--currency`), which a code written in the
    text must agree with; `default` is used when neither names one.
    """
    raw = str(text).strip()
    match = _WITH_CODE.match(raw)
    if not raw or match is None:
        raise Invalid(_unreadable(text, field))
    pre, post = match.group("pre"), match.group("post")
    # Letters alone ("NaN", "abc") are no amount, rather than an amount in an odd currency.
    if (pre and post) or not match.group("number").strip():
        raise Invalid(_unreadable(text, field))
    written = (pre or post or "").upper() or None
    given = currency.strip().upper() if currency else None
    if written and given and written != given:
        raise Invalid(f"The {field} {text!r} is in {written}, but the currency given is {given}.")
    chosen = written or given or default
    if not chosen:
        raise Invalid(f"The {field} {text!r} needs a currency.")
    code = currency_code(chosen)
    amount = parse_decimal(match.group("number"), text, field, currency=code)
    return Money(to_minor(amount, code, text=raw), code)


def parse_decimal(number: str, original: str, field: str = "amount", *, currency: str = "EUR") -> Decimal:
    """The non-negative Decimal a person meant by `number` (see the module's rules); the
    currency it is in shapes only the advice given for an ambiguous one."""
    text = number.strip().translate(_GROUPING)
    if text.startswith("-"):
        raise Invalid(f"The {field} {original!r} is negative; amounts are zero or more.")
    text = text.lstrip("+")
    scale, suffix = 0, ""
    if text[-1:].lower() in _SCALE:
        scale, suffix = _SCALE[text[-1].lower()], text[-1]
        text = text[:-1]
    if not _NUMBER.match(text):
        raise Invalid(_unreadable(original, field))
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        mark = "." if text.rfind(".") > text.rfind(",") else ","
        group = "," if mark == "." else "."
        whole, _, fraction = text.rpartition(mark)
        if mark in whole or not _grouped(whole, group):
            raise Invalid(_unreadable(original, field))
        text = f"{whole.replace(group, '')}.{fraction}"
    elif dots + commas > 1:
        group = "." if dots else ","
        if not _grouped(text, group):
            raise Invalid(_unreadable(original, field))
        text = text.replace(group, "")
    elif dots + commas == 1:
        mark = "." if dots else ","
        whole, _, fraction = text.partition(mark)
        if len(fraction) == 3 and 1 <= len(whole) <= 3 and not whole.startswith("0"):
            raise Invalid(
                f"The {field} {original!r} is ambiguous (thousands or decimals?); "
                f"{_advice(whole, fraction, suffix, scale, currency)}."
            )
        text = f"{whole or '0'}.{fraction}"
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Invalid(_unreadable(original, field)) from None
    return value.scaleb(scale)


def _advice(whole: str, fraction: str, suffix: str, scale: int, currency: str) -> str:
    """The advice for "1.500" or "1,234": thousands, or decimals written the way the
    currency takes them. Every form offered must then be accepted, so a decimal reading the
    currency cannot keep ("1.234" EUR, "1.5" JPY) is not offered but said to be impossible.
    A decimal reading is padded to the cents ("1.50" EUR, "1" JPY), and three decimals
    ("1.234" KWD) take a fourth zero, which makes them no longer three digits after a mark."""
    thousands = f"write {whole}{fraction}{suffix} or {whole} {fraction}{suffix} for thousands"
    places = exponent(currency)
    short = fraction.rstrip("0")
    if Decimal(f"{whole}.{short or 0}").scaleb(scale + places) % 1:
        limit = "no minor unit" if places == 0 else f"{places} decimals"
        return f"{thousands} ({currency} has {limit}, so it cannot be {whole}.{short}{suffix})"
    if len(short) == 3:
        digits = f"{fraction}0"
    else:
        digits = short if scale else short.ljust(min(places, 2), "0")
    return f"{thousands}, {whole}{'.' if digits else ''}{digits}{suffix} for decimals"


def _grouped(whole: str, group: str) -> bool:
    """Whether `whole` is digits grouped by threes with `group` ("1,234,567")."""
    if group not in whole:
        return whole.isdigit()
    head, *rest = whole.split(group)
    return 1 <= len(head) <= 3 and head.isdigit() and all(len(p) == 3 and p.isdigit() for p in rest)


def _unreadable(text: str, field: str) -> str:
    return (
        f"Cannot read {text!r} as an {field}; write it like 12500, 12 500,50, 12,500.50, 12k or 1.5m, "
        "optionally with a currency code (1200 SEK)."
    )


# --- showing -------------------------------------------------------------------------------------


def format_minor(minor: int, currency: str) -> str:
    """12,500.00 NOK; 1,200 JPY; 1.250 KWD: grouped by commas, the currency's decimals."""
    return f"{format_amount(to_decimal(minor, currency), currency)} {currency}"


def format_amount(amount: Decimal, currency: str) -> str:
    """A Decimal in `currency`, rounded half-even to its minor unit, grouped by commas."""
    places = exponent(currency)
    return f"{round_to_currency(amount, currency):,.{places}f}"


def round_to_currency(amount: Decimal, currency: str) -> Decimal:
    """Rounded half-even (banker's rounding) to the currency's minor unit; only shown
    totals are rounded, and only once."""
    with localcontext(_EXACT):
        return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_EVEN)


def plain(amount: Decimal, currency: str) -> str:
    """The JSON form of an amount: a string, rounded to the currency's minor unit ("12500.00")."""
    return str(round_to_currency(amount, currency))


# --- converting ----------------------------------------------------------------------------------


class Rates:
    """Conversion to the base currency with the config's `[currencies] rates`."""

    def __init__(self, base: str, rates: dict[str, Decimal], where: str = "the config") -> None:
        self.base = base
        self.rates = {**rates, base: Decimal(1)}
        self.where = where

    @classmethod
    def from_config(cls, config: Any) -> Rates:
        table = config.get("currencies.rates", {}) or {}
        rates = {str(code).upper(): rate_value(value) for code, value in table.items()}
        return cls(config.base_currency, rates, where=str(config.path))

    def rate(self, currency: str) -> Decimal:
        found = self.rates.get(currency.upper())
        if found is None:
            raise Invalid(
                f"There is no exchange rate for {currency} to {self.base}: add it to [currencies] "
                # The shape with a placeholder, not a figure: a sample rate gets copied, and
                # no one figure is near right for every pair.
                f'rates in {self.where}, as rates = {{ {currency} = "<{self.base} for one {currency}>" }}.'
            )
        return found

    def to_base(self, minor: int, currency: str) -> Decimal:
        """The exact value of `minor` units of `currency` in the base currency (not rounded)."""
        with localcontext(_EXACT):
            return to_decimal(minor, currency) * self.rate(currency)

    def missing(self, currencies: Any) -> list[str]:
        """Those of these currencies that have no rate, each once, sorted."""
        return sorted({c for c in currencies if c.upper() not in self.rates})

    def check(self, currencies: Any) -> None:
        """Refuse at once when any of these currencies has no rate (before summing anything),
        in one sentence that names every one of them."""
        missing = self.missing(currencies)
        if len(missing) == 1:
            self.rate(missing[0])
        elif missing:
            raise Invalid(
                f"There are no exchange rates for {', '.join(missing)} to {self.base}: add them to "
                f"[currencies] rates in {self.where}."
            )


def rate_value(value: Any) -> Decimal:
    """A configured rate (text or TOML number) as an exact Decimal: Decimal(str(x)), so a
    TOML 0.92 is 0.92 and not the binary float nearest to it."""
    if isinstance(value, bool):
        raise Invalid(f"The exchange rate {value!r} is not a number.")
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid(f"The exchange rate {value!r} is not a number.") from None
    if not rate.is_finite() or rate <= 0:
        raise Invalid(f"The exchange rate {value!r} must be a number above zero.")
    return rate


def weighted(amount: Decimal, probability: int) -> Decimal:
    """amount × probability / 100, exactly."""
    with localcontext(_EXACT):
        return amount * Decimal(probability) / Decimal(100)
