"""crm import contacts|companies: all or nothing, --partial, rejects, duplicates, dry runs,
mapping options, routing of imported leads, stdin, and no progress bar on a pipe."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
from pathlib import Path

import pytest

from helpers import rows, write_csv

EXAMPLE_RULES = Path(__file__).parents[2] / "examples" / "routing.toml"
BAD_LINES = {11: "not-an-email", 51: "bad-phone", 91: "no-name"}  # line -> what is wrong


def count(db: Path, table: str, where: str = "1") -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
    finally:
        conn.close()


def hundred_rows(path: Path) -> Path:
    """A header and 100 people; lines 11, 51 and 91 (rows 10, 50, 90) are bad."""
    rows = [["Name", "Email", "Phone", "Company"]]
    for n in range(1, 101):
        name, email, phone = f"Person {n:03d}", f"p{n}@example.com", f"+47 9{n:07d}"
        line = n + 1
        if BAD_LINES.get(line) == "not-an-email":
            email = "p10-at-example.com"
        elif BAD_LINES.get(line) == "bad-phone":
            phone = "12"
        elif BAD_LINES.get(line) == "no-name":
            name = " "
        rows.append([name, email, phone, f"Company {n % 7}"])
    return write_csv(path, rows)


def contacts(crm) -> list[dict]:  # noqa: ANN001
    if not crm.db.exists():
        return []
    return crm.ok("contact", "list", "--json").json()


def shown(crm, ref: str) -> dict:  # noqa: ANN001
    return crm.ok("contact", "show", ref, "--json").json()["contact"]


# --- all or nothing, --partial, the rejects file ---------------------------------------------------


def test_a_file_with_three_bad_rows_imports_nothing_and_names_each(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = hundred_rows(tmp_path / "people.csv")
    result = crm.fails("import", "contacts", str(source))
    assert "  line 11: " in result.stderr and "p10-at-example.com" in result.stderr
    assert "  line 51: " in result.stderr and "'12'" in result.stderr
    assert "  line 91: A contact needs a name; the row's name columns are empty." in result.stderr
    assert (
        "100 rows: 97 created, 0 updated, 0 unchanged, 0 skipped as duplicates, 3 rejected" in result.stderr
    )
    assert result.stderr.rstrip().endswith(
        "crm: 3 of 100 rows were rejected, so nothing was imported; fix them (see --rejects) "
        "or import the good rows with --partial."
    )
    assert result.stdout == ""
    assert count(crm.db, "contacts") == 0
    assert count(crm.db, "companies") == 0
    assert count(crm.db, "history") == 0


def test_partial_writes_the_97_good_rows_and_still_exits_1(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = hundred_rows(tmp_path / "people.csv")
    result = crm.fails("import", "contacts", str(source), "--partial")
    assert result.stderr.rstrip().endswith("crm: 3 rows were rejected; the other rows were imported.")
    assert "Imported contacts from" in result.stderr
    people = contacts(crm)
    assert len(people) == 97
    names = {p["name"] for p in people}
    assert "Person 010" not in names and "Person 050" not in names and "Person 011" in names
    assert count(crm.db, "companies") == 7
    ada = shown(crm, "p11@example.com")
    assert ada["phones"] == ["+4790000011"]
    assert ada["company"] == "Company 4"
    # every created record has its history row, naming the line it came from
    assert count(crm.db, "history", "entity = 'contact' AND action = 'create'") == 97
    assert count(crm.db, "history", "note = 'import line 12'") == 1


def test_the_rejects_file_has_each_bad_row_as_it_was_with_line_and_reason(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = hundred_rows(tmp_path / "people.csv")
    rejects = tmp_path / "rejects.csv"
    crm.fails("import", "contacts", str(source), "--rejects", str(rejects))
    rows = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert rows[0] == ["crm_line", "crm_reason", "Name", "Email", "Phone", "Company"]
    assert [r[0] for r in rows[1:]] == ["11", "51", "91"]
    assert rows[1][2:] == ["Person 010", "p10-at-example.com", "+47 90000010", "Company 3"]
    assert "p10-at-example.com" in rows[1][1]
    assert "12" in rows[2][1] and rows[2][4] == "12"
    assert rows[3][1] == "A contact needs a name; the row's name columns are empty."
    assert rows[3][2] == " "
    # Fixed, the rejects file imports as it is: its two columns of ours are ignored.
    fixed = [rows[0]] + [
        r[:3] + [r[3].replace("-at-", "@"), "+47 90000050" if r[4] == "12" else r[4], r[5]] for r in rows[1:]
    ]
    fixed[3][2] = "Person 090"
    write_csv(rejects, fixed)
    mapping = crm.ok("import", "contacts", str(rejects), "--dry-run", "--json").json()["mapping"]
    assert mapping[:2] == [
        {"column": "crm_line", "field": "ignore", "how": "ignored"},
        {"column": "crm_reason", "field": "ignore", "how": "ignored"},
    ]
    crm.ok("import", "contacts", str(rejects))
    assert {p["name"] for p in contacts(crm)} == {"Person 010", "Person 050", "Person 090"}


def test_the_rejects_file_is_private_as_exports_are(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = hundred_rows(tmp_path / "people.csv")
    rejects = tmp_path / "rejects.csv"
    crm.fails("import", "contacts", str(source), "--rejects", str(rejects), "--partial")
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600  # it holds names, addresses and numbers
    good = write_csv(tmp_path / "good.csv", [["Name", "Email"], ["Ada", "ada@example.com"]])
    clean = tmp_path / "clean.csv"
    crm.ok("import", "contacts", str(good), "--rejects", str(clean))
    assert clean.read_text(encoding="utf-8") == "crm_line,crm_reason,Name,Email\n"  # nothing was rejected
    assert stat.S_IMODE(clean.stat().st_mode) == 0o600
    # A file that is there already keeps the permissions its owner gave it, as an export's does.
    rejects.chmod(0o640)
    crm.fails("import", "contacts", str(source), "--rejects", str(rejects), "--dry-run")
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o640
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 4
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_an_import_that_fails_outright_leaves_no_header_only_rejects_file(crm, tmp_path: Path) -> None:  # noqa: ANN001
    nameless = write_csv(tmp_path / "nameless.csv", [["Email"], ["ada@example.com"]])
    rejects = tmp_path / "rejects.csv"
    result = crm.fails("import", "contacts", str(nameless), "--rejects", str(rejects))
    assert result.stderr.startswith("crm: The file has no column for the contact's name")
    assert not rejects.exists()
    # ... and one there from an earlier import stays as it was.
    rejects.write_text("crm_line,crm_reason,Name\n7,bad,X\n", encoding="utf-8")
    crm.fails("import", "contacts", str(nameless), "--rejects", str(rejects), "--partial")
    assert rejects.read_text(encoding="utf-8") == "crm_line,crm_reason,Name\n7,bad,X\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_rows_rejected_before_an_import_fails_outright_are_kept(crm, tmp_path: Path) -> None:  # noqa: ANN001
    # The bytes that stop the import come after the first block the reader decodes, so
    # line 3 has been rejected by then: that row is bad whatever stopped the import.
    source = tmp_path / "people.csv"
    lines = [b"Name,Email\n", b"Ada,ada@example.com\n", b"Bob,not-an-email\n"]
    lines += [f"Person {n:05d},p{n}@example.com\n".encode() for n in range(40_000)]
    source.write_bytes(b"".join(lines) + b"J\xf8rn,j@example.com\n")
    rejects = tmp_path / "rejects.csv"
    result = crm.fails("import", "contacts", str(source), "--rejects", str(rejects), "--partial")
    assert "is not UTF-8 (byte 0xF8)" in result.stderr.splitlines()[-1]
    assert rejects.read_text(encoding="utf-8").splitlines()[1].startswith("3,")
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    assert count(crm.db, "contacts") == 0


def test_rejects_cannot_overwrite_the_file_being_imported(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = hundred_rows(tmp_path / "people.csv")
    before = source.read_bytes()
    result = crm.fails("import", "contacts", str(source), "--rejects", str(source))
    assert result.stderr == "crm: --rejects must be another file than the one imported.\n"
    assert source.read_bytes() == before


# --- dry run ----------------------------------------------------------------------------------


def test_dry_run_shows_the_mapping_and_writes_nothing(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "p.csv",
        [["First Name", "Last Name", "E-mail", "Shoe size"], ["Ada", "Lovelace", "ada@example.com", "38"]],
    )
    result = crm.ok("import", "contacts", str(source), "--dry-run")
    assert result.stdout.splitlines() == [
        "COLUMN      FIELD            HOW",
        "First Name  first_name       ours",
        "Last Name   last_name        ours",
        "E-mail      email            alias",
        "Shoe size   field:shoe_size  custom",
    ]
    assert result.stderr == (
        f"Dry run, nothing was written; it would have been contacts from {source}, 1 row: 1 created, "
        "0 updated, 0 unchanged, 0 skipped as duplicates, 0 rejected.\n"
        f"There is no database at {crm.db} yet, so the dry run read an empty CRM; none was made "
        "(check --db or CRM_DB if you expected one).\n"
    )
    assert not crm.db.exists()  # a dry run makes no database either
    assert count(crm.db, "changes") == 0
    report = crm.ok("import", "contacts", str(source), "--dry-run", "--json").json()
    assert report["dry_run"] is True and report["written"] is False and report["created"] == 1
    assert report["mapping"][3] == {"column": "Shoe size", "field": "field:shoe_size", "how": "custom"}
    assert count(crm.db, "contacts") == 0


def test_dry_run_with_bad_rows_lists_them_and_exits_1(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = hundred_rows(tmp_path / "people.csv")
    result = crm.fails("import", "contacts", str(source), "--dry-run", "--partial")
    assert result.stderr.rstrip().endswith("crm: 3 rows would be rejected.")
    assert count(crm.db, "contacts") == 0


# --- duplicates -----------------------------------------------------------------------------


def test_duplicates_inside_the_file_are_skipped_or_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "d.csv",
        [
            ["Name", "Email"],
            ["Ada Lovelace", "ada@example.com"],
            ["Ada L.", "ADA@example.com"],
            ["Bob", "bob@example.com"],
        ],
    )
    result = crm.fails("import", "contacts", str(source), "--on-duplicate", "error")
    assert (
        "  line 3: A row above has the same e-mail ada@example.com; the file holds this contact twice."
        in (result.stderr)
    )
    assert count(crm.db, "contacts") == 0
    result = crm.ok("import", "contacts", str(source))
    assert "2 created, 0 updated, 0 unchanged, 1 skipped as duplicates, 0 rejected" in result.stderr
    assert sorted(p["name"] for p in contacts(crm)) == ["Ada Lovelace", "Bob"]


def test_duplicates_against_the_database_skip_update_or_error(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok(
        "add", "Ada Lovelace", "--email", "ada@example.com", "--title", "Countess", "--phone", "+4791234567"
    )
    source = write_csv(
        tmp_path / "d.csv",
        [
            ["Name", "Email", "Title", "Phone", "Country", "Tags"],
            ["Ada Lovelace", "ada@example.com", "", "+46 70 123 45 67", "GB", "vip"],
            ["Bob Berg", "bob@example.com", "CTO", "", "", ""],
        ],
    )
    result = crm.fails("import", "contacts", str(source), "--on-duplicate", "error")
    assert "  line 2: A contact with the e-mail ada@example.com already exists." in result.stderr
    assert count(crm.db, "contacts") == 1

    result = crm.ok("import", "contacts", str(source))  # skip is the default
    assert "1 created, 0 updated, 0 unchanged, 1 skipped as duplicates" in result.stderr
    assert shown(crm, "ada@example.com")["country"] is None

    result = crm.ok("import", "contacts", str(source), "--on-duplicate", "update")
    assert "0 created, 1 updated, 1 unchanged, 0 skipped as duplicates" in result.stderr
    ada = shown(crm, "ada@example.com")
    assert ada["title"] == "Countess"  # the empty cell did not blank it
    assert ada["phones"] == ["+4791234567", "+46701234567"]  # numbers only grow
    assert ada["country"] == "GB" and ada["tags"] == ["vip"]
    # the same file again changes nothing
    result = crm.ok("import", "contacts", str(source), "--on-duplicate", "update")
    assert "0 created, 0 updated, 2 unchanged, 0 skipped as duplicates" in result.stderr
    assert count(crm.db, "contacts") == 2


def test_update_of_a_duplicate_is_recorded_in_its_history(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Ada Lovelace", "--email", "ada@example.com")
    source = write_csv(
        tmp_path / "d.csv", [["Name", "Email", "Job Title"], ["Ada Lovelace", "ada@example.com", "CTO"]]
    )
    crm.ok("import", "contacts", str(source), "--on-duplicate", "update")
    assert count(crm.db, "history", "entity = 'contact' AND action = 'update'") == 1
    assert shown(crm, "ada@example.com")["title"] == "CTO"


def test_each_new_contact_gets_its_addresses_first_stage_and_history_row(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """The first address, number and stage of a new contact and its history row are
    copied from its row in SQL, the others written as rows of their own: all as `crm add`
    writes them."""
    source = write_csv(
        tmp_path / "people.csv",
        [
            ["Name", "Email", "Phone", "Lifecycle Stage"],
            ["Ada Lovelace", "ada@example.com, ada@work.example.com", "+47 912 34 567; +46 70 123 45 67",
             "Customer"],
            ["Ada Again", "ADA@example.com", "", "Lead"],  # a duplicate: skipped, no id used
            ["Grace Hopper", "grace@example.com", "", "Lead"],
            ["Alan Turing", "", "+47 987 65 432", ""],
            ["Nobody Reachable", "", "", "Opportunity"],
        ],
    )  # fmt: skip
    crm.ok("import", "contacts", str(source))
    points_sql = (
        "SELECT c.name, p.kind, p.value, p.position, p.label FROM contact_points p "
        "JOIN contacts c ON c.id = p.contact_id ORDER BY c.id, p.kind, p.position"
    )
    stages_sql = (
        "SELECT c.name, l.from_stage, l.to_stage, l.at = c.created_at, l.actor, l.reason "
        "FROM lifecycle_changes l JOIN contacts c ON c.id = l.contact_id ORDER BY l.id"
    )
    assert rows(crm, points_sql) == [
        ("Ada Lovelace", "email", "ada@example.com", 0, None),
        ("Ada Lovelace", "email", "ada@work.example.com", 1, None),
        ("Ada Lovelace", "phone", "+4791234567", 0, None),
        ("Ada Lovelace", "phone", "+46701234567", 1, None),
        ("Grace Hopper", "email", "grace@example.com", 0, None),
        ("Alan Turing", "phone", "+4798765432", 0, None),
    ]
    assert rows(crm, stages_sql) == [
        ("Ada Lovelace", None, "customer", 1, "tester", None),
        ("Grace Hopper", None, "lead", 1, "tester", None),
        ("Alan Turing", None, "other", 1, "tester", None),
        ("Nobody Reachable", None, "opportunity", 1, "tester", None),
    ]
    history_sql = (
        "SELECT c.name, h.action, h.note, h.actor, h.at = c.created_at, h.change_id IS NOT NULL "
        "FROM history h JOIN contacts c ON c.id = h.entity_id WHERE h.entity = 'contact' ORDER BY h.id"
    )
    assert rows(crm, history_sql) == [
        ("Ada Lovelace", "create", "import line 2", "tester", 1, 1),
        ("Grace Hopper", "create", "import line 4", "tester", 1, 1),
        ("Alan Turing", "create", "import line 5", "tester", 1, 1),
        ("Nobody Reachable", "create", "import line 6", "tester", 1, 1),
    ]
    imported = (rows(crm, points_sql)[:4], rows(crm, stages_sql)[:1])

    crm.ok("undo")
    assert [count(crm.db, t) for t in ("contacts", "contact_points", "lifecycle_changes")] == [0, 0, 0]

    crm.db = tmp_path / "by-hand.db"
    crm.ok("add", "Ada Lovelace", "-e", "ada@example.com", "-e", "ada@work.example.com",
           "-p", "+47 912 34 567", "-p", "+46 70 123 45 67", "--stage", "customer")  # fmt: skip
    assert (rows(crm, points_sql), rows(crm, stages_sql)) == imported


def test_on_duplicate_must_be_a_known_choice(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(tmp_path / "d.csv", [["Name"], ["Ada"]])
    result = crm.fails("import", "contacts", str(source), "--on-duplicate", "merge")
    assert result.stderr == "crm: --on-duplicate 'merge' is not one of skip, update, error.\n"


# --- phones and --default-country --------------------------------------------------------------


def test_national_numbers_need_the_default_country(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "p.csv",
        [["Name", "Mobile"], ["Kari Nordmann", "912 34 567"], ["Sven Svensson", "+46 70-123 45 67"]],
    )
    result = crm.fails("import", "contacts", str(source))
    assert "  line 2: " in result.stderr and "912 34 567" in result.stderr
    assert count(crm.db, "contacts") == 0
    crm.ok("import", "contacts", str(source), "--default-country", "NO")
    assert shown(crm, "Kari")["phones"] == ["+4791234567"]
    assert shown(crm, "Sven")["phones"] == ["+46701234567"]


def test_a_row_country_decides_its_national_numbers(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "p.csv", [["Name", "Phone", "Country"], ["Sven Svensson", "070-123 45 67", "Sweden"]]
    )
    crm.ok("import", "contacts", str(source), "--default-country", "NO")
    sven = shown(crm, "Sven")
    assert sven["phones"] == ["+46701234567"] and sven["country"] == "SE"


def test_an_unknown_default_country_is_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(tmp_path / "p.csv", [["Name"], ["Ada"]])
    result = crm.fails("import", "contacts", str(source), "--default-country", "Atlantis")
    assert result.stderr.startswith("crm: ") and "Atlantis" in result.stderr


# --- mapping ----------------------------------------------------------------------------------


def test_map_reads_a_column_as_a_field_and_unknown_columns_become_custom_fields(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "p.csv",
        [
            ["Who", "Mail", "Lead Score (HubSpot)", "Nickname"],
            ["Ada Lovelace", "ada@example.com", "87", "Ada"],
        ],
    )
    result = crm.fails("import", "contacts", str(source))
    assert result.stderr.startswith("crm: The file has no column for the contact's name")
    crm.ok(
        "import",
        "contacts",
        str(source),
        "--map",
        "Who=name",
        "--map",
        "mail=email",
        "--map",
        "Lead Score (HubSpot)=field:score",
    )
    ada = shown(crm, "ada@example.com")
    assert ada["name"] == "Ada Lovelace"
    assert ada["fields"] == {"score": "87"}  # Nickname is a known column crm ignores


def test_unknown_columns_become_custom_fields_unless_ignore_unmapped(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "p.csv",
        [["Name", "Email", "Shoe Size", "Favourite colour"], ["Ada", "ada@example.com", "38", "green"]],
    )
    crm.ok("import", "contacts", str(source))
    assert shown(crm, "ada@example.com")["fields"] == {"favourite_colour": "green", "shoe_size": "38"}
    other = write_csv(tmp_path / "q.csv", [["Name", "Email", "Shoe Size"], ["Bob", "bob@example.com", "44"]])
    crm.ok("import", "contacts", str(other), "--ignore-unmapped")
    assert shown(crm, "bob@example.com")["fields"] == {}


def test_map_errors_name_the_columns_and_fields(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(tmp_path / "p.csv", [["Name", "Mail"], ["Ada", "ada@example.com"]])
    result = crm.fails("import", "contacts", str(source), "--map", "Mail=mailbox")
    assert result.stderr.startswith("crm: --map ") and result.stderr.count("\n") == 1
    assert "'mailbox' is not a field of contacts; use one of name, first_name," in result.stderr
    result = crm.fails("import", "contacts", str(source), "--map", "Post=email")
    assert result.stderr.endswith(": the file has no column 'Post'; its columns are 'Name', 'Mail'.\n")
    result = crm.fails("import", "contacts", str(source), "--map", "Mail")
    assert result.stderr == "crm: --map 'Mail' must be written \"Header=field\".\n"
    crm.ok("import", "contacts", str(source), "--map", "Mail=ignore")
    assert contacts(crm)[0]["email"] is None


# --- companies --------------------------------------------------------------------------------


def test_companies_import_with_duplicates_by_domain_then_name(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("company", "add", "Acme", "--domain", "acme.com")
    source = write_csv(
        tmp_path / "c.csv",
        [
            ["Company name", "Website", "Industry", "Number of Employees", "Annual Revenue", "Country"],
            ["Acme Inc", "https://www.acme.com/", "Tools", "1,200", "", "US"],
            ["Nordvik AS", "", "Fishing", "12", "5000000", "Norway"],
            ["NORDVIK as", "", "", "15", "", ""],
        ],
    )
    result = crm.ok("import", "companies", str(source), "--on-duplicate", "update")
    assert "1 created, 2 updated, 0 unchanged, 0 skipped as duplicates, 0 rejected" in result.stderr
    found = {c["name"]: c for c in crm.ok("company", "list", "--json").json()}
    assert set(found) == {"Acme Inc", "Nordvik AS"}
    assert found["Acme Inc"]["employees"] == 1200 and found["Acme Inc"]["domain"] == "acme.com"
    assert found["Nordvik AS"]["country"] == "NO" and found["Nordvik AS"]["industry"] == "Fishing"
    assert found["Nordvik AS"]["employees"] == 15  # the later row of the same company filled in


def test_a_company_named_without_its_accents_is_found_not_made_again(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("company", "add", "Malmö Mekaniska AB")
    people = [
        ["name", "email", "company"],
        ["Malin", "m@m.se", "malmo mekaniska ab"],
        ["Ola", "o@m.se", "Nya AB"],
        ["Per", "p@m.se", "nyä ab"],
    ]
    source = write_csv(tmp_path / "c.csv", people)
    result = crm.ok("import", "contacts", str(source), "--dry-run")
    assert (
        "3 created, 0 updated, 0 unchanged, 0 skipped as duplicates, 0 rejected (1 new company)"
        in result.stderr
    )
    crm.ok("import", "contacts", str(source))
    assert [c["name"] for c in crm.ok("company", "list", "--json").json()] == ["Malmö Mekaniska AB", "Nya AB"]
    assert {c["name"]: c["company"] for c in contacts(crm)} == {
        "Malin": "Malmö Mekaniska AB", "Ola": "Nya AB", "Per": "Nya AB"}  # fmt: skip
    # A companies file finds its duplicates the same way, and keeps the name's accents.
    source = write_csv(tmp_path / "co.csv", [["name", "industry"], ["MALMO MEKANISKA AB", "Tools"]])
    result = crm.ok("import", "companies", str(source), "--on-duplicate", "update")
    assert "0 created, 1 updated" in result.stderr
    assert crm.ok("company", "show", "1", "--json").json()["company"]["name"] == "Malmö Mekaniska AB"


def test_a_company_named_without_accents_matching_two_is_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("company", "add", "Malmö AB")
    crm.ok("company", "add", "Målmo AB")
    source = write_csv(tmp_path / "c.csv", [["name", "email", "company"], ["Malin", "m@m.se", "malmo ab"],
                                            ["Ola", "o@m.se", "MALMÖ AB"]])  # fmt: skip
    result = crm.fails("import", "contacts", str(source), "--partial")
    assert "line 2: The company 'malmo ab' matches several companies" in result.stderr
    assert {c["name"]: c["company"] for c in contacts(crm)} == {"Ola": "Malmö AB"}


def test_bad_company_rows_are_rejected_with_their_reason_and_nothing_is_written(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "c.csv",
        [
            ["name", "domain", "employees", "country", "revenue_currency"],
            ["Good AS", "good.no", "10", "NO", ""],
            ["", "nameless.no", "", "", ""],
            ["Bad Domain", "not a domain", "", "", ""],
            ["Many", "", "lots", "", ""],
            ["Atlantis Ltd", "", "", "Atlantis", ""],
            ["Odd Money", "", "", "", "EURO"],
        ],
    )
    rejects = tmp_path / "rejects.csv"
    result = crm.fails("import", "companies", str(source), "--rejects", str(rejects))
    assert result.stderr.splitlines()[-1] == (
        "crm: 5 of 6 rows were rejected, so nothing was imported; "
        "fix them (see --rejects) or import the good rows with --partial."
    )
    lines = [int(row["crm_line"]) for row in csv.DictReader(rejects.open(encoding="utf-8"))]
    assert lines == [3, 4, 5, 6, 7]
    assert crm.ok("company", "list", "--json").json() == []


# --- routing, stdin, pipes --------------------------------------------------------------------


def test_imported_leads_fire_lead_created_and_routing_rules_assign_them(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(EXAMPLE_RULES.read_text(encoding="utf-8"))
    source = write_csv(
        tmp_path / "leads.csv",
        [
            ["Name", "Email", "Lifecycle Stage", "Users"],
            ["Big Buyer", "big@example.com", "Lead", "100"],
            ["Small Shop", "small@example.com", "subscriber", "5"],
            ["Old Client", "old@example.com", "Customer", "500"],
        ],
    )
    crm.ok("import", "contacts", str(source))
    owners = {p["name"]: (p["lifecycle_stage"], p["owner"]) for p in contacts(crm)}
    assert owners == {
        "Big Buyer": ("lead", "karin"),
        "Small Shop": ("lead", "alan"),
        "Old Client": ("customer", None),  # tester, who imports, is not on the example's team
    }


def test_a_dry_run_assigns_nobody(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(EXAMPLE_RULES.read_text(encoding="utf-8"))
    source = write_csv(tmp_path / "leads.csv", [["Name", "Lifecycle Stage"], ["Big Buyer", "lead"]])
    crm.ok("import", "contacts", str(source), "--dry-run")
    assert count(crm.db, "contacts") == 0


def test_stdin_is_read_with_a_dash(crm) -> None:  # noqa: ANN001
    text = "Name;Email\nAda Lovelace;ada@example.com\nBob Berg;bob@example.com\n"
    result = crm.ok("import", "contacts", "-", input=text)
    assert "Imported contacts from standard input, 2 rows: 2 created" in result.stderr
    assert sorted(p["email"] for p in contacts(crm)) == ["ada@example.com", "bob@example.com"]


def test_json_report_says_what_happened(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = hundred_rows(tmp_path / "people.csv")
    result = crm.fails("import", "contacts", str(source), "--partial", "--json")
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("rows", "created", "rejected", "written", "encoding", "delimiter")} == {
        "rows": 100,
        "created": 97,
        "rejected": 3,
        "written": True,
        "encoding": "utf-8",
        "delimiter": "comma",
    }
    assert [r["line"] for r in report["rejections"]] == [11, 51, 91]


def test_a_piped_import_prints_no_progress_bar(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    rows = [["Name", "Email"]] + [[f"Person {n}", f"p{n}@example.com"] for n in range(3000)]
    source = write_csv(tmp_path / "many.csv", rows)
    result = crm_process("import", "contacts", str(source))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == (
        f"Imported contacts from {source}, 3000 rows: 3000 created, 0 updated, 0 unchanged, "
        "0 skipped as duplicates, 0 rejected.\n"
    )
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    piped = crm_process("import", "contacts", "-", input="Name,Email\nAda,ada@example.com\n")
    assert piped.returncode == 0 and piped.stdout == ""
    assert piped.stderr.startswith("Imported contacts from standard input, 1 row: 1 created")


def test_on_a_terminal_the_progress_bar_shows_and_the_import_completes(tmp_path: Path) -> None:
    """The bar starts at its first update, after the reading process was forked."""
    import os
    import pty
    import subprocess
    import sys

    rows = [["Name", "Email"]] + [[f"Person {n}", f"p{n}@example.com"] for n in range(6000)]
    source = write_csv(tmp_path / "many.csv", rows)
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    env.update(CRM_DB=str(tmp_path / "crm.db"), CRM_CONFIG=str(tmp_path / "config.toml"), COLUMNS="100")
    process = subprocess.Popen([sys.executable, "-m", "crmcli", "import", "contacts", str(source)],
                               stdout=subprocess.DEVNULL, stderr=follower, env=env)  # fmt: skip
    os.close(follower)
    shown = b""
    while True:  # read as it comes: a full terminal buffer would stop the import
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.wait(timeout=120) == 0
    assert b"importing" in shown and b"6000 created" in shown
    conn = sqlite3.connect(tmp_path / "crm.db")
    assert conn.execute("SELECT count(*) FROM contacts").fetchone() == (6000,)
    conn.close()


@pytest.mark.parametrize("kind", ["contacts", "companies", "deals", "activities"])
def test_a_missing_file_is_one_sentence(crm, tmp_path: Path, kind: str) -> None:  # noqa: ANN001
    result = crm.fails("import", kind, str(tmp_path / "nope.csv"))
    assert result.stderr == f"crm: There is no file {tmp_path / 'nope.csv'}.\n"


def test_a_file_that_its_size_says_is_large_drops_and_rebuilds_the_indexes_from_the_start(
    crm,
    tmp_path: Path,
    monkeypatch,  # noqa: ANN001
) -> None:
    from crmcli.services import import_contacts, importing
    from crmcli.storage.db import open_db

    open_db(crm.db).close()  # a migrated, empty file
    indexes_sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
    before = sqlite3.connect(crm.db).execute(indexes_sql).fetchall()
    monkeypatch.setattr(import_contacts, "DEFER_INDEXES_AT", 3000)
    monkeypatch.setattr(importing, "BATCH", 500)
    source = tmp_path / "many.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "tags"])
        writer.writerows([f"Person {i}", f"p{i}@example.com", "vip"] for i in range(1, 4001))
    seen: list[tuple[int | None, bool, int]] = []  # estimate, defer, contacts before the batch
    original = import_contacts.ContactImporter.write_batch

    def watched(self, taken) -> None:  # noqa: ANN001
        written = self.session.db.scalar("SELECT count(*) FROM contacts")
        seen.append((self.expected_rows, taken[1], written))
        original(self, taken)

    monkeypatch.setattr(import_contacts.ContactImporter, "write_batch", watched)
    crm.ok("import", "contacts", str(source))
    assert 3600 <= (seen[0][0] or 0) <= 4400  # the size over the first 1,000 rows
    assert [written for _, defer, written in seen if defer] == [0]  # from the first batch on
    assert sqlite3.connect(crm.db).execute(indexes_sql).fetchall() == before
    assert rows(crm, "SELECT count(*) FROM contacts") == [(4000,)]
    assert rows(crm, "SELECT count(*) FROM tags WHERE contact_touch_at IS NOT NULL") == [(4000,)]


def test_rows_without_an_owner_are_not_given_to_someone_off_the_team(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """As with crm add: owners must be team members, so an acting login name that is not
    on the team (root, say) owns nothing it imports; one on the team owns what it imports."""
    crm.write_config('[[team]]\nhandle = "ada"\n')  # CRM_USER is tester, not on the team
    files = {
        "companies": "name,domain\nFjordline AS,fjordline.example\n",
        "contacts": "name,email,company\nKari Nordmann,kari@example.com,Nordlys AS\n",
        "deals": "title,amount,contact\nRenewal,1000,kari@example.com\n",
        "activities": "kind,note,contact,at\ncall,Intro,kari@example.com,2026-01-05 10:00\n",
    }
    for kind, text in files.items():
        source = tmp_path / f"{kind}.csv"
        source.write_text(text, encoding="utf-8")
        crm.ok("import", kind, str(source))
    owners = {
        table: [row[0] for row in rows(crm, f"SELECT owner FROM {table}")]
        for table in ("companies", "contacts", "deals", "activities")
    }
    assert owners == {"companies": [None, None], "contacts": [None], "deals": [None], "activities": [None]}
    more = tmp_path / "more.csv"
    more.write_text("name,email\nOla Nordmann,ola@example.com\n", encoding="utf-8")
    crm.ok("--user", "ada", "import", "contacts", str(more))
    assert rows(crm, "SELECT owner FROM contacts WHERE email = 'ola@example.com'") == [("ada",)]


def test_an_imported_all_day_follow_up_is_due_by_the_end_of_its_owners_day(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(
        'timezone = "Europe/Oslo"\n\n[[team]]\nhandle = "ada"\n\n'
        '[[team]]\nhandle = "alan"\ntimezone = "America/New_York"\n'
    )
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.com")
    source = tmp_path / "activities.csv"
    source.write_text(
        "kind,note,contact,due,owner\n"
        "task,Send the proposal,kari@example.com,2027-01-08,alan\n"
        "task,Book the visit,kari@example.com,2027-01-08,\n",
        encoding="utf-8",
    )
    crm.ok("import", "activities", str(source))
    assert rows(crm, "SELECT owner, due_at FROM activities ORDER BY id") == [
        ("alan", "2027-01-09T04:59:59Z"),  # the end of Friday in New York
        (None, "2027-01-08T22:59:59Z"),  # no owner (tester is not on the team): the config's zone
    ]


def test_a_row_whose_phone_has_an_extension_is_rejected_with_its_line(crm, tmp_path: Path) -> None:  # noqa: ANN001
    path = write_csv(tmp_path / "phones.csv", [["Name", "Phone"], ["Ann", "+1 650 253 0000"],
                                               ["Joe", "+1 650 253 0000 ext. 123"]])  # fmt: skip
    result = crm.fails("import", "contacts", str(path), "--partial")  # exit 1: a row was rejected
    assert (
        "  line 3: The phone '+1 650 253 0000 ext. 123' has an extension (123), and crm keeps phone "
        "numbers without one: give the number alone and keep the extension in a custom field (ext=123) "
        "or a note.\n"
    ) in result.stderr
    listed = crm.ok("contact", "list", "--json").json()
    assert [(c["name"], c["phone"]) for c in listed] == [("Ann", "+16502530000")]


# --- what an export gives back, and what the messages count ------------------------------------


def test_tags_with_a_semicolon_are_two_tags_on_entry_so_an_export_imports_back_the_same(
    crm,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    from conftest import Crm

    crm.ok("add", "Ada", "-e", "ada@x.example", "-t", "c;d", "-t", "e, f")
    assert shown(crm, "ada@x.example")["tags"] == ["c", "d", "e", "f"]
    crm.ok("contact", "edit", "ada@x.example", "--tag", "g;h", "--untag", "c; e")
    assert shown(crm, "ada@x.example")["tags"] == ["d", "f", "g", "h"]
    crm.ok("lead", "add", "Bob", "-e", "bob@x.example", "--source", "fair", "-t", "web;fair")
    assert shown(crm, "bob@x.example")["tags"] == ["fair", "web"]

    crm.ok("export", "contacts", "-o", str(tmp_path / "contacts.csv"))
    copy = Crm(tmp_path / "copy.db", crm.config)
    copy.ok("import", "contacts", str(tmp_path / "contacts.csv"), "--tag", "moved;2026")
    assert shown(copy, "ada@x.example")["tags"] == ["2026", "d", "f", "g", "h", "moved"]
    assert shown(copy, "bob@x.example")["tags"] == ["2026", "fair", "moved", "web"]


def test_a_birthday_in_1604_is_that_year_and_refused_not_a_birthday_without_a_year(
    crm,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    """Apple's "no year" 1604 is for vCards; in a CSV file 1604 is a year, before 1900."""
    from conftest import Crm

    crm.ok("add", "Y", "-e", "y@x.example", "--birthday", "--03-14")
    crm.ok("export", "contacts", "-o", str(tmp_path / "contacts.csv"))
    copy = Crm(tmp_path / "copy.db", crm.config)
    copy.ok("import", "contacts", str(tmp_path / "contacts.csv"))
    assert shown(copy, "y@x.example")["birthday"] == "--03-14"
    path = write_csv(
        tmp_path / "other.csv", [["Name", "Email", "Birthday"], ["Z", "z@x.example", "14.03.1604"]]
    )
    failed = copy.fails("import", "contacts", str(path))
    assert "line 2: The birthday 1604-03-14 is before 1900" in failed.stderr


def test_the_summary_and_a_ragged_row_count_one_thing_in_the_singular(crm, tmp_path: Path) -> None:  # noqa: ANN001
    path = write_csv(
        tmp_path / "one.csv", [["Name", "Email", "Company"], ["Ada", "ada@x.example", "Acme AS"]]
    )
    result = crm.ok("import", "contacts", str(path))
    assert result.stderr.endswith(
        "1 row: 1 created, 0 updated, 0 unchanged, 0 skipped as duplicates, 0 rejected (1 new company).\n"
    )
    path.write_text("Name,Email\nBob\nCy,cy@x.example\n", encoding="utf-8")
    result = crm.fails("import", "contacts", str(path))
    assert "  line 2: The row has 1 field where the header has 2.\n" in result.stderr


def test_an_import_that_only_skipped_duplicates_is_no_change_to_undo(crm, tmp_path: Path) -> None:  # noqa: ANN001
    first = write_csv(tmp_path / "first.csv", [["Name", "Email"], ["Ada", "ada@x.example"]])
    second = write_csv(tmp_path / "second.csv", [["Name", "Email"], ["Bob", "bob@x.example"]])
    crm.ok("import", "contacts", str(first))
    crm.ok("import", "contacts", str(second))
    again = crm.ok("import", "contacts", str(second))
    assert "0 created, 0 updated, 0 unchanged, 1 skipped as duplicates" in again.stderr
    assert count(crm.db, "changes") == 2
    undone = crm.ok("undo")
    assert f"(import contacts {second}," in undone.stderr and "deleted contact #2" in undone.stderr
    undone = crm.ok("undo")
    assert f"(import contacts {first}," in undone.stderr and "deleted contact #1" in undone.stderr
    assert contacts(crm) == []
