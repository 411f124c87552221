"""A birthday after today, or before the first year crm reads (1900), is refused on add,
edit and import; --MM-DD, a birthday without a year, stays accepted."""

from __future__ import annotations

import pytest

from helpers import every_row, one_sentence, rows, write_csv

NOW = "2026-03-10T12:00:00"


@pytest.fixture(autouse=True)
def fixed_now(clock):
    clock(NOW)


@pytest.mark.parametrize(
    ("given", "sentence"),
    [
        ("2031-01-01", "crm: The birthday 2031-01-01 is after today; nobody is born in the future."),
        ("2026-03-11", "crm: The birthday 2026-03-11 is after today; nobody is born in the future."),
        (
            "0001-12-04",
            "crm: The birthday 0001-12-04 is before 1900; write --12-04 when the year is not known.",
        ),
    ],
)
def test_add_and_edit_refuse_an_impossible_birthday(crm, given, sentence):
    crm.ok("add", "Ada")
    before = every_row(crm.db)
    assert one_sentence(crm.fails("add", "Baby", "--birthday", given).stderr) == sentence
    assert one_sentence(crm.fails("contact", "edit", "ada", "--birthday", given).stderr) == sentence
    assert every_row(crm.db) == before


@pytest.mark.parametrize("given", ["2026-03-10", "1900-01-01", "--12-04", "--02-29"])
def test_a_possible_birthday_is_kept(crm, given):
    crm.ok("add", "Ada", "--birthday", given)
    assert rows(crm, "SELECT birthday FROM contacts") == [(given,)]


def test_a_csv_import_rejects_the_row(crm, tmp_path):
    path = write_csv(tmp_path / "people.csv", [
        ["name", "birthday"], ["Baby", "2031-01-01"], ["Ancient", "0001-12-04"], ["Kari", "1980-05-17"],
        ["Nils", "--12-04"],
    ])  # fmt: skip
    result = crm.fails("import", "contacts", str(path), "--partial")  # 1: some rows were rejected
    assert "line 2: The birthday 2031-01-01 is after today" in result.stderr
    assert "line 3: The birthday 0001-12-04 is before 1900" in result.stderr
    assert rows(crm, "SELECT name, birthday FROM contacts ORDER BY name") == [
        ("Kari", "1980-05-17"), ("Nils", "--12-04")
    ]  # fmt: skip


@pytest.mark.parametrize("day", ["20310101", "00011204"])
def test_a_vcard_import_refuses_the_card(crm, tmp_path, day):
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:{name}\r\nBDAY:{born}\r\nEND:VCARD\r\n"
        for name, born in (("Kari", "19800517"), ("Baby", day))
    )
    path = tmp_path / "people.vcf"
    path.write_text(cards, encoding="utf-8")
    result = crm.fails("import", "vcard", str(path))
    sentence = one_sentence(result.stderr)
    assert sentence.startswith("crm: Card 2 (Baby) of ") and "the birthday " in sentence
    assert rows(crm, "SELECT name FROM contacts") == []
