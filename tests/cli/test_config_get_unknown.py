"""`crm config get` of a key that is no setting says so, as `crm config set` does."""

from __future__ import annotations

from helpers import one_sentence

TOP_LEVEL = (
    "activities, agenda, base_currency, business_hours, currencies, default_country, forecast, "
    "holidays, lost_reasons, pipelines, queues, rules, sla, team, timezone, user, week_start"
)


def test_an_unknown_key_is_not_a_known_setting(crm) -> None:  # noqa: ANN001
    got = one_sentence(crm.fails("config", "get", "nosuch").stderr)
    assert got == f"crm: nosuch is not a known setting (known: {TOP_LEVEL})."
    # The same words as set, which adds where it would have written it.
    refused = one_sentence(crm.fails("config", "set", "nosuch", "1").stderr)
    assert refused.endswith(got.removeprefix("crm: "))


def test_an_unknown_key_in_a_known_table_is_not_a_known_setting(crm) -> None:  # noqa: ANN001
    got = one_sentence(crm.fails("config", "get", "forecast.nosuch").stderr)
    assert got == "crm: forecast.nosuch is not a known setting (known: commit_probability, months)."
    refused = one_sentence(crm.fails("config", "set", "forecast.nosuch", "1").stderr)
    assert refused.endswith(got.removeprefix("crm: "))


def test_a_known_key_without_a_value_is_not_set(crm) -> None:  # noqa: ANN001
    got = one_sentence(crm.fails("config", "get", "timezone").stderr)
    assert got == f"crm: timezone is not set in {crm.config} and has no default."
    assert crm.ok("config", "get", "week_start").stdout == "monday\n"
