"""`crm contact churn` without --reason asks at a terminal, as `crm lead add` asks for its
source, and is a usage error (exit 2) where nobody can be asked."""

from __future__ import annotations

import pytest

from helpers import every_row, rows


@pytest.fixture
def customer(crm):
    crm.ok("add", "Kim", "--stage", "customer")
    return crm


def test_without_a_terminal_it_is_a_usage_error(customer):
    before = every_row(customer.db)
    result = customer.fails("contact", "churn", "kim", code=2)
    assert result.stderr == "crm: Missing option '--reason' (see 'crm contact churn --help').\n"
    assert every_row(customer.db) == before


def test_the_installed_crm_says_the_same(crm_process):
    assert crm_process("add", "Kim", "--stage", "customer").returncode == 0
    result = crm_process("contact", "churn", "kim")
    assert result.returncode == 2
    assert result.stderr == "crm: Missing option '--reason' (see 'crm contact churn --help').\n"


def test_at_a_terminal_it_asks(customer, monkeypatch):
    from crmcli.cli import prompts
    from crmcli.context import AppContext

    asked = []
    monkeypatch.setattr(AppContext, "interactive", property(lambda self: True))
    monkeypatch.setattr(prompts, "text", lambda question: asked.append(question) or "too dear")
    customer.ok("contact", "churn", "kim")
    assert asked == ["Why did they leave"]
    assert rows(customer, "SELECT lifecycle_stage, churn_reason FROM contacts") == [("churned", "too dear")]
