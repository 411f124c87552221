"""A command that emits an event prints its record as the routing rules left it, the same
record `show` reads back afterwards: what a script piping --json sees is what is stored."""

from __future__ import annotations

import pytest

TEAM = '[[team]]\nhandle = "tester"\n[[team]]\nhandle = "karin"\n\n'


def rule(event: str, action: str) -> str:
    return f'[[rules]]\nname = "On {event}"\non = "{event}"\n{action}\n\n'


@pytest.mark.parametrize(
    ("event", "command"),
    [
        ("deal.stage_changed", ["deal", "move", "1", "proposal"]),
        ("deal.won", ["deal", "won", "1"]),
        ("deal.lost", ["deal", "lost", "1", "--reason", "price"]),
    ],
)
def test_a_deal_is_printed_with_the_owner_a_rule_gave_it(crm, event: str, command: list[str]) -> None:  # noqa: ANN001
    crm.write_config(TEAM + rule(event, 'assign = "karin"'))
    crm.ok("deal", "add", "Fleet tracking")
    printed = crm.ok(*command, "--json").json()
    assert printed["owner"] == "karin"
    shown = crm.ok("deal", "show", "1", "--json").json()
    assert {key: shown[key] for key in ("owner", "status", "stage", "updated_at")} == {
        key: printed[key] for key in ("owner", "status", "stage", "updated_at")
    }


def test_a_reopened_deal_is_printed_with_the_owner_a_rule_gave_it(crm) -> None:  # noqa: ANN001
    crm.write_config(TEAM + rule("deal.stage_changed", 'assign = "karin"'))
    crm.ok("deal", "add", "Fleet tracking")
    crm.ok("deal", "lost", "1", "--reason", "price")
    reopened = crm.ok("deal", "reopen", "1", "--json").json()
    assert (reopened["status"], reopened["owner"]) == ("open", "karin")


def test_a_company_is_printed_with_the_tags_a_rule_gave_it(crm) -> None:  # noqa: ANN001
    crm.write_config(rule("company.created", 'add_tags = ["new"]'))
    added = crm.ok("company", "add", "Fjordline AS", "--json").json()
    assert added["tags"] == ["new"]
