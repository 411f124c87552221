"""One contact keeps an address once, whatever its letter case: the first as written."""

from __future__ import annotations

from helpers import rows


def test_add_drops_an_address_differing_only_in_case(crm):
    record = crm.ok(
        "add", "K", "-e", "Kari@fjord.no", "-e", "kari@fjord.no", "-e", "KARI@FJORD.NO", "--json"
    ).json()
    assert record["emails"] == ["Kari@fjord.no"]
    assert rows(crm, "SELECT value FROM contact_points WHERE kind = 'email'") == [("Kari@fjord.no",)]


def test_edit_drops_one_too_in_any_script(crm):
    crm.ok("add", "K", "-e", "k@fjord.no")
    record = crm.ok(
        "contact",
        "edit",
        "k",
        "-e",
        "ΣΟΦΊΑΣ@fjord.no",
        "-e",
        "σοφίας@fjord.no",
        "-e",
        "other@fjord.no",
        "--json",
    ).json()
    assert record["emails"] == ["ΣΟΦΊΑΣ@fjord.no", "other@fjord.no"]
    assert record["email"] == "ΣΟΦΊΑΣ@fjord.no"
