"""A reference that may be a contact or a company (crm show, crm log, crm activity add/edit
--contact): a contact matching by the rules of any contact reference is the contact; a
company is taken only for a name that only a company has."""

from __future__ import annotations

import pytest

from helpers import one_sentence


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
