"""Rule conditions: every operator, nesting, and type mismatches caught before they run."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from crmcli.config import Checker
from crmcli.services.conditions import (
    Context,
    Facts,
    Level,
    Uncomparable,
    compile_condition,
    evaluate,
)

TEAM = {"karin": True, "alan": True, "gone": False}


def compiled(data: dict[str, Any], kind: str = "contact"):  # noqa: ANN201
    checker = Checker()
    node = compile_condition(data, Context(kind, TEAM, ("first-line", "second-line")), checker, ("when",))
    assert not checker.problems, checker.problems
    return node


def problems(data: Any, kind: str = "contact") -> list[str]:
    checker = Checker()
    node = compile_condition(data, Context(kind, TEAM, ("first-line", "second-line")), checker, ("when",))
    assert node is None
    return [f"{p.key} {p.message}" for p in checker.problems]


def lead(**custom: str) -> Facts:
    return Facts(
        kind="contact",
        levels={
            "contact": Level(
                columns={
                    "id": 1,
                    "name": "Ingrid Solberg",
                    "country": "NO",
                    "lifecycle_stage": "lead",
                    "owner": "karin",
                    "email": "ingrid@nordlys.example.no",
                },
                custom=dict(custom),
                tags=["trial", "Newsletter"],
            ),  # fmt: skip
            "company": Level(
                columns={
                    "id": 4,
                    "name": "Nordlys Energi AS",
                    "employees": 80,
                    "annual_revenue": 9_600_000,
                    "industry": "energy",
                    "country": "NO",
                },
                tags=["enterprise"],
            ),  # fmt: skip
        },
    )


def holds(data: dict[str, Any], facts: Facts | None = None) -> bool:
    node = compiled(data)
    result = evaluate(node, facts or lead(users="100", tier="gold")).result
    assert isinstance(result, bool)
    return result


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "users", "op": "eq", "value": 100}, True),
        ({"field": "users", "op": "=", "value": 100}, True),
        ({"field": "users", "op": "==", "value": 99}, False),
        ({"field": "users", "value": 100}, True),  # op defaults to eq
        ({"field": "users", "op": "ne", "value": 100}, False),
        ({"field": "users", "op": "!=", "value": 7}, True),
        ({"field": "users", "op": "gt", "value": 50}, True),
        ({"field": "users", "op": ">", "value": 100}, False),
        ({"field": "users", "op": "ge", "value": 100}, True),
        ({"field": "users", "op": ">=", "value": 101}, False),
        ({"field": "users", "op": "lt", "value": 100.5}, True),
        ({"field": "users", "op": "<", "value": 100}, False),
        ({"field": "users", "op": "le", "value": 100}, True),
        ({"field": "users", "op": "<=", "value": 99}, False),
        ({"field": "country", "op": "in", "value": ["SE", "NO"]}, True),
        ({"field": "country", "op": "in", "value": ["SE", "DK"]}, False),
        ({"field": "country", "op": "not_in", "value": ["SE", "DK"]}, True),
        ({"field": "country", "op": "not in", "value": ["NO"]}, False),
        ({"field": "name", "op": "contains", "value": "SOLBERG"}, True),  # text ignores case
        ({"field": "name", "op": "contains", "value": "Hansen"}, False),
        ({"field": "name", "op": "starts_with", "value": "ingrid"}, True),
        ({"field": "name", "op": "starts_with", "value": "Solberg"}, False),
        ({"field": "email", "op": "matches", "value": r"@nordlys\.example\.(no|se)$"}, True),
        ({"field": "email", "op": "matches", "value": r"^kari@"}, False),
        ({"field": "users", "op": "exists"}, True),
        ({"field": "users", "op": "exists", "value": False}, False),
        ({"field": "budget", "op": "exists"}, False),
        ({"field": "budget", "op": "exists", "value": False}, True),
        ({"field": "tier", "op": "eq", "value": "GOLD"}, True),
        ({"field": "tier", "op": "in", "value": ["silver", "gold"]}, True),
        ({"field": "tags", "op": "contains", "value": "newsletter"}, True),  # tags ignore case
        ({"field": "tags", "op": "contains", "value": "enterprise"}, True),  # the company's tags too
        ({"field": "contact.tags", "op": "contains", "value": "enterprise"}, False),
        ({"field": "tags", "op": "in", "value": ["vip", "trial"]}, True),
        ({"field": "tags", "op": "not_in", "value": ["vip", "partner"]}, True),
        ({"field": "tags", "op": "starts_with", "value": "news"}, True),
        ({"field": "tags", "op": "matches", "value": "^tri"}, True),
        ({"field": "tags", "op": "exists"}, True),
        ({"field": "employees", "op": ">", "value": 50}, True),  # bare name: the company's
        ({"field": "company.annual_revenue", "op": ">=", "value": 9_600_000}, True),
        ({"field": "industry", "op": "eq", "value": "Energy"}, True),
        ({"field": "lifecycle_stage", "op": "eq", "value": "lead"}, True),
        ({"field": "country", "op": "eq", "value": "Norway"}, True),  # names become codes
    ],
)
def test_every_operator(condition: dict[str, Any], expected: bool) -> None:
    assert holds(condition) is expected


def test_missing_fields_only_match_ne_not_in_and_not_exists() -> None:
    facts = lead()  # no custom fields at all
    assert holds({"field": "users", "op": ">", "value": 50}, facts) is False
    assert holds({"field": "users", "op": "<", "value": 50}, facts) is False
    assert holds({"field": "users", "op": "ne", "value": 50}, facts) is True
    assert holds({"field": "users", "op": "not_in", "value": [1, 2]}, facts) is True
    assert holds({"field": "users", "op": "exists", "value": False}, facts) is True


def test_nesting_all_any_not_and_the_explanation() -> None:
    node = compiled({"all": [
        {"field": "users", "op": ">", "value": 50},
        {"any": [{"field": "country", "op": "eq", "value": "SE"},
                 {"not": {"field": "tags", "op": "contains", "value": "vip"}}]},
    ]})  # fmt: skip
    trace = evaluate(node, lead(users="100"))
    assert trace.result is True
    assert trace.lines() == [
        "all of: yes",
        '  users > 50: yes (users is "100")',
        "  any of: yes",
        '    country = "SE": no (country is "NO")',
        "    not: yes",
        '      tags contains "vip": no (tags: trial, Newsletter, enterprise)',
    ]
    # The first "no" decides an `all`; what follows is shown as not needed.
    trace = evaluate(node, lead(users="10"))
    assert trace.result is False
    assert trace.lines()[2] == "  any of: not needed"


def test_priorities_compare_in_their_order() -> None:
    node = compiled({"field": "priority", "op": ">=", "value": "high"}, kind="case")
    for priority, expected in (("low", False), ("normal", False), ("high", True), ("urgent", True)):
        facts = Facts(kind="case", levels={"case": Level(columns={"priority": priority})})
        assert evaluate(node, facts).result is expected


def test_numbers_in_custom_text_are_converted_deliberately() -> None:
    for text in ("100", " 100 ", "1 000", "1_000", "100.0", "+100"):
        assert holds({"field": "users", "op": ">=", "value": 100}, lead(users=text)) is True
    node = compiled({"field": "users", "op": ">", "value": 50})
    for text in ("about 100", "1,000", "100 users", "1e3"):
        with pytest.raises(Uncomparable, match="not a number"):
            evaluate(node, lead(users=text))


def test_decimal_values_from_the_database_compare_exactly() -> None:
    node = compiled({"field": "amount", "op": ">", "value": 999.99}, kind="deal")
    facts = Facts(kind="deal", levels={"deal": Level(columns={"amount": Decimal("1000.00")})})
    assert evaluate(node, facts).result is True


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        (
            {"field": "employees", "op": ">", "value": "fifty"},
            "is the text 'fifty', but employees is a number",
        ),
        ({"field": "employees", "op": ">", "value": "50"}, "write 50 without quotes"),
        ({"field": "country", "op": "eq", "value": 47}, "is the number 47, but country is text"),
        ({"field": "country", "op": "eq", "value": "Atlantis"}, "'Atlantis' is not an ISO country"),
        ({"field": "users", "op": "~", "value": 3}, "'~' is not an operator"),
        ({"field": "users", "op": ">", "value": True}, "booleans are only for exists"),
        ({"field": "users", "op": ">"}, "needs a value"),
        ({"field": "users", "op": "in", "value": 3}, "must be a non-empty list for in"),
        ({"field": "users", "op": "in", "value": []}, "must be a non-empty list for in"),
        ({"field": "users", "op": ">", "value": [1, 2]}, "must be a single value"),
        ({"field": "email", "op": "matches", "value": "(unclosed"}, "is not a valid regular expression"),
        ({"field": "employees", "op": "contains", "value": "5"}, "employees is a number"),
        ({"field": "employees", "op": "matches", "value": "5"}, "employees is a number"),
        ({"field": "tags", "op": "eq", "value": "vip"}, "is a list of tags"),
        ({"field": "tags", "op": "contains", "value": 3}, "must be text here"),
        ({"field": "users", "op": "exists", "value": "yes"}, "must be true or false"),
        ({"field": "lifecycle_stage", "op": "eq", "value": "prospect"}, "'prospect' is not a possible"),
        ({"field": "lifecycle_stage", "op": ">", "value": "lead"}, "has no order"),
        ({"field": "owner", "op": "eq", "value": "bob"}, "'bob' is not on the team"),
        ({"field": "deal.amount", "op": ">", "value": 5}, "events about a contact have no deal"),
        ({"field": "partner.name", "op": "eq", "value": "x"}, "unknown record kind"),
        ({"field": "user count", "op": "eq", "value": 1}, "is not a field name"),
        ({"field": "users", "op": "eq", "value": 1, "valeu": 2}, "valeu is not part of a condition"),
        ({"field": "users", "all": []}, "has field and all"),
        ({"any": []}, "must be a non-empty list of conditions"),
        ({"nope": 1}, "has none of field, all, any, not"),
        ("users > 50", "must be a table"),
    ],
)
def test_mistakes_are_reported_when_checked(condition: Any, fragment: str) -> None:
    found = problems(condition)
    assert any(fragment in p for p in found), found


def test_case_fields_are_checked_against_their_choices() -> None:
    cases = [
        ({"field": "priority", "op": "eq", "value": "hgih"}, "'hgih' is not a possible priority"),
        ({"field": "queue", "op": "eq", "value": "third-line"}, "'third-line' is not a queue"),
        ({"field": "channel", "op": "in", "value": ["email", "fax"]}, "'fax' is not a possible channel"),
    ]
    for condition, fragment in cases:
        assert any(fragment in p for p in problems(condition, kind="case"))


def test_every_problem_of_a_nested_condition_is_reported_with_its_key() -> None:
    found = problems({"all": [
        {"field": "employees", "op": ">", "value": "many"},
        {"any": [
            {"field": "users", "op": "??", "value": 1},
            {"not": {"field": "tags", "op": "eq", "value": "x"}},
        ]},
    ]})  # fmt: skip
    assert [p.split(" ")[0] for p in found] == [
        "when.all[0].value",
        "when.all[1].any[0].op",
        "when.all[1].any[1].not.value",
    ]
