"""Exact money: reading amounts, minor units per currency, conversion with configured rates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from crmcli.config import Config
from crmcli.errors import ConfigError, Invalid
from crmcli.money import (
    Money,
    Rates,
    exponent,
    format_minor,
    parse_money,
    plain,
    rate_value,
    round_to_currency,
    to_decimal,
    weighted,
)


def test_a_tenth_and_two_tenths_make_exactly_three_tenths() -> None:
    total = parse_money("0.1", "EUR") + parse_money("0.2", "EUR")
    assert total == Money(30, "EUR")
    assert total.amount == Decimal("0.30")
    assert 0.1 + 0.2 != 0.3  # what floats would have made of it


def test_jpy_has_no_minor_unit() -> None:
    assert exponent("JPY") == 0
    assert parse_money("1200", "JPY") == Money(1200, "JPY")
    assert parse_money("1 200 JPY") == Money(1200, "JPY")
    assert format_minor(1200, "JPY") == "1,200 JPY"
    with pytest.raises(Invalid, match="JPY has no minor unit"):
        parse_money("12.5", "JPY")


def test_minor_units_follow_iso_4217() -> None:
    assert [exponent(code) for code in ("EUR", "NOK", "KRW", "ISK", "KWD", "BHD", "CLF")] == [
        2,
        2,
        0,
        0,
        3,
        3,
        4,
    ]
    assert parse_money("1.2500", "KWD") == Money(1250, "KWD")
    assert parse_money("0,125", "KWD") == Money(125, "KWD")  # a leading 0 is never thousands
    with pytest.raises(Invalid, match=r"write 1250 or 1 250 for thousands, 1.25 for decimals"):
        parse_money("1.250", "KWD")
    assert format_minor(1250, "KWD") == "1.250 KWD"
    with pytest.raises(Invalid, match="EUR has 2 decimals"):
        parse_money("0.005", "EUR")


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1234.5", 123450),
        ("1 234,50", 123450),
        ("1\u00a0234,50", 123450),
        ("1.234,50", 123450),
        ("1,234.50", 123450),
        ("1,234,567", 123456700),
        ("1.234.567", 123456700),
        ("1'234.50", 123450),
        ("12,5", 1250),
        ("12k", 1200000),
        ("1.5m", 150000000),
        ("2.5K", 250000),
        ("0", 0),
        (".5", 50),
    ],
)
def test_amounts_are_read_the_way_people_write_them(text: str, minor: int) -> None:
    assert parse_money(text, "EUR").minor == minor


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,500", "ambiguous"),
        ("1.500", "ambiguous"),
        ("-5", "negative"),
        ("12 apples", "Cannot read"),
        ("1,23,4", "Cannot read"),
        ("1.234,5.6", "Cannot read"),
        ("", "Cannot read"),
        ("EUR", "Cannot read"),
        ("NaN", "Cannot read"),  # letters alone: not an amount in the currency "NAN"
        ("inf", "Cannot read"),
        ("99999999999999999999", "too large"),
    ],
)
def test_unreadable_or_ambiguous_amounts_are_refused(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_money(text, "EUR")


@pytest.mark.parametrize(
    ("currency", "largest", "above"),
    [
        ("EUR", 10**14, "1000000000000.01"),
        ("JPY", 10**12, "1 000 000 000 001"),
        ("KWD", 10**15, "1000000000000.001"),
    ],
)
def test_an_amount_is_at_most_a_trillion_units_of_its_currency(
    currency: str, largest: int, above: str
) -> None:
    assert parse_money("1000000m", currency).minor == largest
    with pytest.raises(Invalid, match=f"too large; an amount is at most 1,000,000,000,000 {currency}[.]$"):
        parse_money(above, currency)


def test_a_currency_code_may_be_written_with_the_amount() -> None:
    assert parse_money("1200 SEK", default="EUR") == Money(120000, "SEK")
    assert parse_money("usd 99.90") == Money(9990, "USD")
    assert parse_money("12k", None, default="NOK") == Money(1200000, "NOK")
    with pytest.raises(Invalid, match="is in SEK, but the currency given is EUR"):
        parse_money("1200 SEK", "EUR")
    with pytest.raises(Invalid, match="not an ISO 4217 currency"):
        parse_money("12 ABC")
    with pytest.raises(Invalid, match="needs a currency"):
        parse_money("12")


def test_conversion_is_exact_and_rounded_only_when_shown() -> None:
    rates = Rates("EUR", {"SEK": rate_value(0.087), "USD": rate_value("0.92")})
    assert rate_value(0.087) == Decimal("0.087")  # Decimal(str(x)), not the binary float
    assert rates.to_base(100, "EUR") == Decimal("1.00")
    assert rates.to_base(1, "SEK") == Decimal("0.00087")  # one öre: kept, not rounded away
    total = sum((rates.to_base(1, "SEK") for _ in range(1000)), Decimal(0))
    assert total == Decimal("0.87")
    assert plain(Decimal("0.125"), "EUR") == "0.12"  # half-even
    assert plain(Decimal("0.135"), "EUR") == "0.14"
    assert round_to_currency(Decimal("2.5"), "JPY") == Decimal("2")
    assert weighted(Decimal("1000.00"), 25) == Decimal("250")
    assert to_decimal(123450, "EUR") == Decimal("1234.50")


def test_a_currency_without_a_rate_is_refused_by_name() -> None:
    rates = Rates("EUR", {"SEK": Decimal("0.087")})
    with pytest.raises(Invalid, match="no exchange rate for NOK to EUR"):
        rates.to_base(100, "NOK")
    with pytest.raises(Invalid, match="no exchange rates for JPY, NOK"):
        rates.check(["SEK", "NOK", "JPY", "EUR"])
    rates.check(["SEK", "EUR"])


def test_rates_come_from_the_config_as_text_or_numbers(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('base_currency = "NOK"\n[currencies]\nrates = { EUR = "11.6", USD = 10.7 }\n', "utf-8")
    rates = Rates.from_config(Config.load(path))
    assert rates.base == "NOK"
    assert rates.to_base(100, "USD") == Decimal("10.700")
    assert rates.to_base(100, "NOK") == Decimal("1.00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[currencies]\nrates = { SEK = "-1" }\n', "currencies.rates.SEK must be a number above zero"),
        ('[currencies]\nrates = { SEK = "zero" }\n', "currencies.rates.SEK must be a number above zero"),
        ("[currencies]\nrates = { sek = 1 }\n", "'sek' is not a three-letter ISO currency code"),
        ('[currencies]\nrates = { EUR = "2" }\n', "currencies.rates.EUR is the base currency"),
        ("[currencies]\nrate = 1\n", "currencies.rate is not a known setting"),
    ],
)
def test_bad_rates_in_the_config_name_the_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text('base_currency = "EUR"\n' + text, "utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        Config.load(path)
    assert "line 3" in str(caught.value)
