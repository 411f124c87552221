"""crm lead convert opens a deal as crm deal add does: in a currency without an exchange
rate, it says that totals will refuse the deal until the config has one."""

from __future__ import annotations

import pytest

CONFIG = """\
base_currency = "EUR"

[currencies]
rates = { NOK = "0.086" }
"""


def missing_rate_note(crm, code: str) -> str:  # noqa: ANN001
    return (
        f"Note: there is no exchange rate for {code} to EUR yet; crm pipeline, crm forecast, crm kpi, "
        f"crm report and crm deal list --sort amount refuse it until [currencies] rates in {crm.config} "
        "has one."
    )


@pytest.mark.parametrize("json", [(), ("--json",)], ids=["text", "json"])
def test_convert_into_a_currency_without_a_rate_says_so_as_deal_add_does(crm, json: tuple[str, ...]) -> None:  # noqa: ANN001
    crm.write_config(CONFIG)
    crm.ok("lead", "add", "Lee", "--source", "web")

    converted = crm.ok("lead", "convert", "lee", "--amount", "250k SEK", *json)

    assert missing_rate_note(crm, "SEK") in converted.stderr.splitlines()
    added = crm.ok("deal", "add", "Suite", "--contact", "lee", "--amount", "250k SEK")
    assert missing_rate_note(crm, "SEK") in added.stderr.splitlines()  # the very same words
    if json:
        assert converted.json()["deal"]["currency"] == "SEK"


@pytest.mark.parametrize("options", [("--amount", "250k NOK"), ("--amount", "250k"), ("--no-deal",)])
def test_convert_says_nothing_of_rates_when_there_is_one(crm, options: tuple[str, ...]) -> None:  # noqa: ANN001
    crm.write_config(CONFIG)
    crm.ok("lead", "add", "Lee", "--source", "web")

    converted = crm.ok("lead", "convert", "lee", *options)

    assert "exchange rate" not in converted.stderr
