"""A currency without an exchange rate: the note that `deal add`, `deal edit` and `lead
convert` print names every command that then refuses the deal, and `crm kpi` and `crm
report` name every currency without a rate in one sentence, as `deal list --sort amount`
does, changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpers import every_row, one_sentence

CONFIG = """\
base_currency = "EUR"

[currencies]
rates = { NOK = "0.086" }
"""
# Every command that converts amounts to the base currency, as the note names them.
CONVERTING = (
    ("pipeline",),
    ("forecast",),
    ("kpi",),
    ("report", "weekly"),
    ("deal", "list", "--sort", "amount"),
)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def note(crm, code: str) -> str:  # noqa: ANN001
    return (
        f"Note: there is no exchange rate for {code} to EUR yet; crm pipeline, crm forecast, crm kpi, "
        f"crm report and crm deal list --sort amount refuse it until [currencies] rates in {crm.config} "
        "has one."
    )


def refusal(crm, code: str) -> str:  # noqa: ANN001
    return (
        f"crm: There is no exchange rate for {code} to EUR: add it to [currencies] rates in {crm.config}, "
        f'as rates = {{ {code} = "<EUR for one {code}>" }}.'
    )


def test_the_note_names_every_command_that_then_refuses_the_deal(crm, clock) -> None:  # noqa: ANN001
    crm.write_config(CONFIG)
    clock(at(24))
    crm.ok("lead", "add", "Lee", "--source", "web")
    converted = crm.ok("lead", "convert", "lee", "--amount", "250k SEK", "--close", "2026-12-20")
    added = crm.ok("deal", "add", "Suite", "-a", "100 NOK", "--close", "2026-12-20")
    edited = crm.ok("deal", "edit", "2", "--currency", "DKK")

    assert note(crm, "SEK") in converted.stderr.splitlines()
    assert "exchange rate" not in added.stderr
    assert note(crm, "DKK") in edited.stderr.splitlines()
    crm.ok("deal", "edit", "2", "--currency", "NOK")

    clock(at(30))  # a Monday: the weekly report's week ends with the SEK deal open
    before = every_row(crm.db)
    for command in CONVERTING:
        result = crm.fails(*command)
        assert one_sentence(result.stderr) == refusal(crm, "SEK"), command
        assert result.stdout == ""
    assert every_row(crm.db) == before


@pytest.fixture
def two_missing(crm, clock):  # noqa: ANN001, ANN201
    """An open SEK deal, a USD deal won: two currencies without a rate, both in November."""
    crm.write_config(CONFIG)
    clock(at(24))
    crm.ok("deal", "add", "Open", "-a", "100 SEK")
    crm.ok("deal", "add", "Won", "-a", "100 USD")
    crm.ok("deal", "add", "Rated", "-a", "100 NOK")
    crm.ok("deal", "won", "2")
    clock(at(26))
    return crm


def both(crm) -> str:  # noqa: ANN001
    return (
        "crm: There are no exchange rates for SEK, USD to EUR: "
        f"add them to [currencies] rates in {crm.config}."
    )


def test_kpi_names_every_currency_without_a_rate_as_deal_list_does(two_missing) -> None:  # noqa: ANN001
    crm = two_missing
    crm.ok("deal", "reopen", "2")  # both open: deal list sorts open deals by amount
    listed = one_sentence(crm.fails("deal", "list", "--sort", "amount").stderr)
    crm.ok("deal", "won", "2")
    before = every_row(crm.db)

    for options in [(), ("--json",), ("--period", "2026-11"), ("--pipeline", "sales")]:
        result = crm.fails("kpi", *options)
        assert one_sentence(result.stderr) == listed == both(crm), options
        assert result.stdout == ""
    assert every_row(crm.db) == before


def test_report_names_the_currencies_of_both_periods_and_of_the_deals_it_lists(crm, clock) -> None:  # noqa: ANN001
    crm.write_config(CONFIG)
    clock(at(17))
    crm.ok("deal", "add", "Earlier", "-a", "100 USD")
    crm.ok("deal", "won", "1")  # won in the previous week: only the comparison converts it
    clock(at(24))
    crm.ok("deal", "add", "Rated", "-a", "100 NOK")
    crm.ok("deal", "add", "Gone", "-a", "100 SEK")
    crm.ok("deal", "lost", "3", "--reason", "price")  # lost: only the report's list converts it
    clock(at(30))
    before = every_row(crm.db)

    for fmt in ("md", "html", "csv", "json"):
        result = crm.fails("report", "weekly", "--as-of", "2026-11-30", "--format", fmt)
        assert one_sentence(result.stderr) == both(crm), fmt
        assert result.stdout == ""
    assert every_row(crm.db) == before
