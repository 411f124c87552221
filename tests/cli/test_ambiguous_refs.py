"""An ambiguous reference counts every match, offers every one to pick at a terminal (up to
a cap, beyond which it asks for more of the name), and --referred-by does as positional
references do."""

from __future__ import annotations

import pytest

from helpers import every_row, one_sentence, rows, write_csv

PICKABLE = 200  # services.refs.PICKABLE: the most matches a pick list offers


@pytest.fixture
def at_a_terminal(monkeypatch):
    """A person at a terminal who picks the candidate named `chosen` and whose pick lists
    are kept in `offered`."""
    from crmcli.cli import prompts
    from crmcli.context import AppContext

    offered: list[list[tuple[int, str]]] = []
    state = {"chosen": None}

    def pick(question: str, candidates: list[tuple[int, str]]) -> int:
        offered.append(candidates)
        return next(i for i, label in candidates if label == state["chosen"])

    monkeypatch.setattr(AppContext, "interactive", property(lambda self: True))
    monkeypatch.setattr(prompts, "pick", pick)
    return offered, state


def _people(crm, tmp_path, n: int) -> None:
    crm.ok(
        "import",
        "contacts",
        str(write_csv(tmp_path / "p.csv", [["name"]] + [[f"Test Person {i}"] for i in range(1, n + 1)])),
    )


def test_the_sentence_counts_every_match(crm, tmp_path):
    _people(crm, tmp_path, 25)
    result = crm.fails("contact", "show", "test")
    assert one_sentence(result.stderr) == (
        "crm: 'test' matches 25 contacts: #1 Test Person 1, #10 Test Person 10, #11 Test Person 11, "
        "#12 Test Person 12, #13 Test Person 13, #14 Test Person 14, #15 Test Person 15, "
        "#16 Test Person 16, #17 Test Person 17, #18 Test Person 18 and 15 more; use the id."
    )


def test_the_pick_list_offers_every_match(crm, tmp_path, at_a_terminal):
    offered, state = at_a_terminal
    _people(crm, tmp_path, 25)
    state["chosen"] = "Test Person 7"
    shown = crm.ok("contact", "show", "test", "--json").json()
    assert shown["contact"]["name"] == "Test Person 7"
    assert sorted(label for _, label in offered[0]) == sorted(f"Test Person {i}" for i in range(1, 26))


def test_beyond_the_cap_it_asks_for_more_of_the_name_instead_of_listing(crm, tmp_path, at_a_terminal):
    offered, _ = at_a_terminal
    _people(crm, tmp_path, PICKABLE + 5)
    result = crm.fails("contact", "show", "test")
    sentence = one_sentence(result.stderr)
    assert sentence.startswith(f"crm: 'test' matches {PICKABLE + 5} contacts: #1 Test Person 1, ")
    assert sentence.endswith(f" and {PICKABLE - 5} more; give more of the name, or use the id.")
    assert offered == []


def test_the_cap_here_is_the_one_references_use():
    from crmcli.services import refs

    assert refs.PICKABLE == PICKABLE


def test_companies_count_and_offer_every_match_too(crm, at_a_terminal):
    offered, state = at_a_terminal
    for i in range(1, 26):
        crm.ok("company", "add", f"Acme {i}")
    state["chosen"] = "Acme 9"
    assert crm.ok("company", "show", "acme", "--json").json()["company"]["name"] == "Acme 9"
    assert len(offered[0]) == 25


def test_an_ambiguous_company_sentence_counts_every_match(crm):
    for i in range(1, 26):
        crm.ok("company", "add", f"Acme {i}")
    sentence = one_sentence(crm.fails("company", "show", "acme").stderr)
    assert sentence.startswith("crm: 'acme' matches 25 companies: #1 Acme 1, #10 Acme 10, ")
    assert sentence.endswith("#18 Acme 18 and 15 more; use company:ID.")


# --- --referred-by --------------------------------------------------------------------------------


@pytest.fixture
def two_anns(crm):
    crm.ok("add", "Ann One")
    crm.ok("add", "Ann Two")


def _referrer(crm, name: str) -> int | None:
    return rows(crm, "SELECT referred_by FROM contacts WHERE name = ?", [name])[0][0]


def test_referred_by_offers_a_pick_list_at_a_terminal(crm, two_anns, at_a_terminal):
    offered, state = at_a_terminal
    state["chosen"] = "Ann Two"
    crm.ok("add", "Per", "--referred-by", "ann")
    assert _referrer(crm, "Per") == 2
    assert offered == [[(1, "Ann One"), (2, "Ann Two")]]


def test_referred_by_on_edit_offers_a_pick_list_at_a_terminal(crm, two_anns, at_a_terminal):
    offered, state = at_a_terminal
    crm.ok("add", "Per")
    state["chosen"] = "Ann One"
    crm.ok("contact", "edit", "Per", "--referred-by", "ann")
    assert _referrer(crm, "Per") == 1


def test_referred_by_on_a_lead_offers_a_pick_list_at_a_terminal(crm, two_anns, at_a_terminal):
    offered, state = at_a_terminal
    state["chosen"] = "Ann Two"
    crm.ok("lead", "add", "Per", "--source", "web", "--referred-by", "ann")
    assert _referrer(crm, "Per") == 2


def test_referred_by_in_a_script_gets_one_sentence_and_changes_nothing(crm, two_anns):
    before = every_row(crm.db)
    result = crm.fails("add", "Per", "--referred-by", "ann")
    assert one_sentence(result.stderr) == "crm: 'ann' matches 2 contacts: #1 Ann One, #2 Ann Two; use the id."
    assert every_row(crm.db) == before


def test_referred_by_still_clears_and_still_refuses_oneself(crm, two_anns):
    crm.ok("add", "Per", "--referred-by", "Ann One")
    crm.ok("contact", "edit", "Per", "--referred-by", "")
    assert _referrer(crm, "Per") is None
    result = crm.fails("contact", "edit", "Per", "--referred-by", "per")
    assert one_sentence(result.stderr) == "crm: A contact cannot be referred by themselves."
