"""`crm company list --owner` and `crm export companies --owner` refuse someone not on the
team, as `crm contact list --owner` does, and the list's --field has a filter's help."""

from __future__ import annotations

import pytest

from helpers import every_row, one_sentence, rows

TEAM = '[[team]]\nhandle = "ada"\n\n[[team]]\nhandle = "bob"\n'


@pytest.fixture
def team_crm(crm):
    crm.write_config(TEAM)
    crm.ok("company", "add", "Acme", "--owner", "ada")
    return crm


@pytest.mark.parametrize("command", [("company", "list"), ("export", "companies")])
def test_an_owner_not_on_the_team_is_refused(team_crm, command):
    before = every_row(team_crm.db)
    result = team_crm.fails(*command, "--owner", "zed")
    assert one_sentence(result.stderr) == "crm: The owner 'zed' is not on the team; use one of ada, bob."
    assert result.stdout == ""
    assert every_row(team_crm.db) == before


@pytest.mark.parametrize("command", [("company", "list"), ("export", "companies")])
def test_an_owner_on_the_team_still_filters(team_crm, command):
    assert "Acme" in team_crm.ok(*command, "--owner", "ada").stdout
    assert "Acme" not in team_crm.ok(*command, "--owner", "bob").stdout


def test_the_list_field_filter_has_its_own_help(crm):
    text = " ".join(crm.ok("company", "list", "--help").stdout.split())
    assert "Custom field KEY is VALUE" in text
    assert "KEY= clears" not in text


# Not about owners, but about the same command group: a revenue given on edit is in the base
# currency when the company has none, as on add.
def test_edit_fills_the_base_currency_of_a_first_revenue(crm):
    crm.write_config('base_currency = "NOK"\n')
    crm.ok("company", "add", "Gamma")
    crm.ok("company", "add", "Delta", "--revenue", "5", "--revenue-currency", "EUR")
    crm.ok("company", "edit", "gamma", "--revenue", "1000")
    crm.ok("company", "edit", "delta", "--revenue", "7")
    assert rows(crm, "SELECT name, annual_revenue, revenue_currency FROM companies ORDER BY name") == [
        ("Delta", 7, "EUR"),
        ("Gamma", 1000, "NOK"),
    ]
