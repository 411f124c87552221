"""A reference that may be a contact or a company (crm show, crm log, crm activity add/edit
--contact): a contact matching by the rules of any contact reference is the contact; a
company is taken only for a name that only a company has."""

from __future__ import annotations

import pytest

from helpers import one_sentence, rows


@pytest.fixture
def crm(crm):  # noqa: ANN001, ANN201
    crm.ok("add", "Kari Nordmann", "--email", "kari@nordmann.no", "--company", "Nordmann Transport AS")
    crm.ok("add", "Mette Østergaard", "--company", "Østergaard & Søn ApS")
    return crm


@pytest.mark.parametrize(
    "ref", ["nordmann", "Nordm", "oster", "Øster", "ostergaard", "kari@nordmann.no", "#1"]
)
def test_a_word_of_a_contacts_name_is_the_contact_not_their_company(crm, ref: str) -> None:  # noqa: ANN001
    name = "Mette Østergaard" if "ster" in ref else "Kari Nordmann"
    logged = crm.ok("log", ref, "call", "x", "--json").json()
    assert logged["contact"] == name
    assert crm.ok("show", ref, "--json").json()["contact"]["name"] == name
    assert crm.ok("activity", "add", ref, "Call back", "--json").json()["contact"] == name
    other = crm.ok("log", "company:nordmann", "note", "y", "--json").json()["id"]
    assert crm.ok("activity", "edit", str(other), "--contact", ref, "--json").json()["contact"] == name


def test_a_name_only_a_company_has_is_the_company(crm) -> None:  # noqa: ANN001
    for ref in ("Nordmann Transport", "nordmann transport as", "company:nordmann"):
        logged = crm.ok("log", ref, "note", "x", "--json").json()
        assert logged["company"] == "Nordmann Transport AS" and logged["contact"] is None
        assert crm.ok("show", ref, "--json").json()["company"]["name"] == "Nordmann Transport AS"


def test_several_contacts_and_a_company_matching_are_listed_not_guessed(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Ola Nordmann")
    for command in (["show", "nordmann"], ["log", "nordmann", "call", "x"]):
        message = one_sentence(crm.fails(*command).stderr)
        assert message == (
            "crm: 'nordmann' matches 2 contacts: #1 Kari Nordmann, #3 Ola Nordmann; use the id "
            "(or company:nordmann for Nordmann Transport AS)."
        )


@pytest.mark.parametrize("ref", ["", "  "])
def test_an_empty_reference_is_no_company_reference(crm, ref: str) -> None:  # noqa: ANN001
    for command in (["show", ref], ["log", ref, "call", "x"]):
        assert one_sentence(crm.fails(*command).stderr) == (
            "crm: A reference cannot be empty; give a contact's id, e-mail or name, or company:REF."
        )


FJORD = "crm: 'fjord' matches 2 companies: #4 Fjordkraft, #3 Fjordline AS; use company:4 or company:3."


@pytest.fixture
def fjord(crm):  # noqa: ANN001, ANN201
    """Two companies sharing a prefix, after the fixture's two (#1 and #2)."""
    crm.ok("company", "add", "Fjordline AS")
    crm.ok("company", "add", "Fjordkraft")
    return crm


@pytest.mark.parametrize(
    "command",
    [
        ("log", "fjord", "note", "ferry call"),
        ("show", "fjord"),
        ("company", "show", "fjord"),
        ("deal", "add", "Ferries", "--company", "fjord"),
        ("add", "Ola Fjell", "--company", "fjord"),
    ],
)
def test_an_ambiguous_company_names_the_form_that_works(fjord, command: tuple[str, ...]) -> None:  # noqa: ANN001
    """A bare id is a contact where a contact or a company may be meant (`crm log 1` logs on
    contact #1), so the advice is company:ID, which every company reference reads."""
    before = _counts(fjord)
    assert one_sentence(fjord.fails(*command).stderr) == FJORD
    assert _counts(fjord) == before


def _counts(crm) -> list[list[tuple]]:  # noqa: ANN001
    return [
        rows(crm, f"select count(*) from {table}")
        for table in ("activities", "deals", "contacts", "companies")
    ]


def test_following_the_advice_names_the_company_everywhere(fjord) -> None:  # noqa: ANN001
    logged = fjord.ok("log", "company:4", "note", "ferry call", "--json").json()
    assert (logged["company"], logged["contact"]) == ("Fjordkraft", None)
    assert fjord.ok("show", "company:4", "--json").json()["company"]["name"] == "Fjordkraft"
    assert fjord.ok("company", "show", "company:4", "--json").json()["company"]["name"] == "Fjordkraft"
    assert fjord.ok("company", "show", "Company: 3", "--json").json()["company"]["name"] == "Fjordline AS"
    deal = fjord.ok("deal", "add", "Ferries", "--company", "company:4", "--json").json()
    assert deal["company_id"] == 4
    ola = fjord.ok("add", "Ola Fjell", "--company", "company:3", "--json").json()
    assert ola["company_id"] == 3
    assert rows(fjord, "select count(*) from companies") == [(4,)]  # none made from "company:3"
    assert one_sentence(fjord.fails("company", "show", "company:9").stderr) == "crm: There is no company #9."


def test_many_ambiguous_companies_name_the_form_not_every_id(fjord) -> None:  # noqa: ANN001
    fjord.ok("company", "add", "Fjordfisk")
    assert one_sentence(fjord.fails("log", "fjord", "note", "x").stderr) == (
        "crm: 'fjord' matches 3 companies: #5 Fjordfisk, #4 Fjordkraft, #3 Fjordline AS; use company:ID."
    )
