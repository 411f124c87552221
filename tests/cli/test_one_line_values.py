"""Titles, sources, industries, churn reasons and custom-field values are kept on one line:
a line break in them would break `crm contact show` and could fake a line of it."""

from __future__ import annotations

from helpers import rows


def test_a_title_cannot_fake_a_line_of_contact_show(crm):
    crm.ok("add", "Nina", "--title", "CEO\nStage:       customer", "--source", "web\r\nform")
    shown = crm.ok("contact", "show", "nina").stdout
    assert sum(line.lstrip().startswith("Stage:") for line in shown.splitlines()) == 1
    assert rows(crm, "SELECT title, source FROM contacts") == [("CEO Stage: customer", "web form")]


def test_contact_fields_on_add_and_edit_are_one_line(crm):
    added = crm.ok("add", "Nina", "--field", "plan=gold\nStage: customer", "--json").json()
    assert added["fields"] == {"plan": "gold Stage: customer"}
    edited = crm.ok(
        "contact", "edit", "nina", "--title", "a\u2028b", "--field", "plan=\nsilver\n", "--json"
    ).json()
    assert edited["title"] == "a b"
    assert edited["fields"] == {"plan": "silver"}


def test_company_industry_and_fields_are_one_line(crm):
    crm.ok("company", "add", "Acme", "--industry", "Retail\nOwner: eve", "--field", "tier=1\n2")
    record = crm.ok("company", "edit", "acme", "--field", "region=north\r\nsouth", "--json").json()
    assert record["industry"] == "Retail Owner: eve"
    assert record["fields"] == {"region": "north south", "tier": "1 2"}
    crm.ok("company", "edit", "acme", "--industry", "Food\n\tand drink")
    assert rows(crm, "SELECT industry FROM companies") == [("Food and drink",)]


def test_a_churn_reason_is_one_line(crm):
    crm.ok("add", "Kim", "--stage", "customer")
    crm.ok("contact", "churn", "kim", "--reason", "price\nStage:   lead")
    assert rows(crm, "SELECT churn_reason FROM contacts") == [("price Stage: lead",)]


def test_an_activity_note_keeps_its_lines(crm):
    crm.ok("add", "Nina")
    crm.ok("log", "nina", "note", "first line\nsecond line")
    assert rows(crm, "SELECT note FROM activities") == [("first line\nsecond line",)]


def test_the_note_field_of_a_vcard_keeps_its_lines(crm):
    record = crm.ok("add", "Nina", "--field", "note=Met at the fair.\nLikes sailing.", "--json").json()
    assert record["fields"] == {"note": "Met at the fair.\nLikes sailing."}


def test_an_import_keeps_one_line_fields_on_one_line_as_entry_does(crm, tmp_path) -> None:  # noqa: ANN001
    from helpers import write_csv

    source = write_csv(
        tmp_path / "people.csv",
        [
            ["name", "email", "title", "source", "field:tier", "field:note"],
            [
                "Nina",
                "nina@x.no",
                "CEO\nStage:       customer",
                "web\r\nform",
                "gold\tplus",
                "line one\nline two",
            ],
        ],
    )
    crm.ok("import", "contacts", str(source))
    contact = crm.ok("contact", "show", "nina", "--json").json()["contact"]
    assert (contact["title"], contact["source"]) == ("CEO Stage: customer", "web form")
    assert contact["fields"] == {"tier": "gold plus", "note": "line one\nline two"}
    shown = crm.ok("contact", "show", "nina").stdout.splitlines()
    assert [line for line in shown if line.startswith("Stage:")] == ["Stage:       other"]
