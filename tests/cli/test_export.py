"""crm export contacts|companies|deals|activities|cases: CSV and JSON that parse, formula cells
neutralised (phone numbers and amounts left alone), the lists' filters, files written whole,
and the round trip: export, import into an empty database, the same records."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import Crm
from crmcli.io.formulas import TRIGGERS, neutralise, restore

KINDS = ("contacts", "companies", "deals", "activities", "cases")


def fill(crm: Crm) -> None:
    """A small database with every kind of record and the awkward values exports meet."""
    crm.ok("company", "add", "Acme AS", "--domain", "acme.no", "--industry", "Software", "--employees", "40",
           "--revenue", "1200000", "--country", "NO", "--tag", "key", "--field", "segment=smb")  # fmt: skip
    crm.ok("company", "add", "Globex", "--industry", "Retail", "--field", "segment=-enterprise")
    crm.ok("add", "Åsa Berg", "--email", "asa@acme.no", "--email", "asa.berg@example.com",
           "--phone", "+4791234567", "--phone", "+4722334455", "--company", "acme.no", "--title", "CEO",
           "--stage", "customer", "--country", "NO", "--tz", "Europe/Oslo", "--lang", "nb",
           "--birthday", "--03-14", "--tag", "vip", "--tag", "big fish", "--source", "referral",
           "--field", "shoe=42", "--field", "motto=+1 for tests")  # fmt: skip
    crm.ok("add", '=HYPERLINK("http://evil.example","click")', "--email", "evil@example.com",
           "--title", "@boss", "--company", "Globex", "--stage", "lead", "--field", "shoe=-3")  # fmt: skip
    crm.ok("add", "Bob Li", "--phone", "+12025550123", "--referred-by", "asa@acme.no", "--stage", "qualified",
           "--birthday", "1980-02-29", "--tag", "vip")  # fmt: skip
    crm.ok("add", "Carl Ek", "--email", "carl@example.se", "--stage", "customer")
    crm.ok("contact", "churn", "carl@example.se", "--reason", "moved to a competitor")
    crm.ok(
        "deal", "add", "Licences", "--contact", "asa@acme.no", "--amount", "12500", "--close", "2030-06-30"
    )
    crm.ok(
        "deal", "add", "--contact", "Bob", "--amount", "99.50", "--currency", "SEK", "--", "-Discount deal"
    )
    crm.ok("deal", "lost", "2", "--reason", "price")
    crm.ok("log", "asa@acme.no", "call", "Talked about =SUM(A1)", "--duration", "45", "--deal", "1",
           "--outcome", "interested")  # fmt: skip
    crm.ok("log", "Bob", "task", "Send the offer", "--due", "2030-01-15 10:00")
    crm.ok("log", "Bob", "note", "@team: check this")
    crm.ok("case", "open", "asa@acme.no", "Printer = broken", "--priority", "high")
    crm.ok("case", "open", "Bob", "Question", "--priority", "low")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Filled once per module (the test environment's user, zone and no colour), then copied."""
    folder = tmp_path_factory.mktemp("export-template")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (("TZ", "UTC"), ("CRM_USER", "tester"), ("NO_COLOR", "1"), ("HOME", str(folder))):
            patch.setenv(name, value)
        fill(Crm(folder / "crm.db", folder / "config.toml"))
    return folder / "crm.db"


@pytest.fixture
def filled(crm, template: Path):  # noqa: ANN001, ANN201
    import shutil

    for suffix in ("", "-wal"):
        if Path(f"{template}{suffix}").exists():
            shutil.copyfile(f"{template}{suffix}", f"{crm.db}{suffix}")
    return crm


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def numbers_only(cell: str) -> bool:
    """Signed numbers, maybe several ("+4791234567, +4722334455"): nothing a sheet can run."""
    return all(part.lstrip("+-").replace(".", "", 1).isdigit() for part in cell.split(", "))


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_exports_csv_and_json_that_parse_with_the_same_records(filled, kind: str) -> None:  # noqa: ANN001
    rows = read_csv(filled.ok("export", kind).stdout)
    records = filled.ok("export", kind, "--format", "json").json()
    assert rows and len(rows) == len(records)
    assert [r["uid"] for r in rows] == [r["uid"] for r in records]
    assert [int(r["id"]) for r in rows] == sorted(r["id"] for r in records)


def test_contacts_csv_columns_are_the_importers_field_names(filled) -> None:  # noqa: ANN001
    from crmcli.io.headers import FIELDS

    header = next(csv.reader(io.StringIO(filled.ok("export", "contacts").stdout)))
    shown_only = {"id", "updated_at", "last_touch_at"}
    custom = [h for h in header if h.startswith("field:")]
    assert custom == ["field:motto", "field:shoe"]
    assert set(header) - set(custom) - shown_only <= set(FIELDS["contacts"])
    row = next(r for r in read_csv(filled.ok("export", "contacts").stdout) if r["email"].startswith("asa@"))
    assert row["email"] == "asa@acme.no, asa.berg@example.com"
    assert row["phone"] == "+4791234567, +4722334455"
    assert row["company"] == "Acme AS" and row["company_domain"] == "acme.no"
    assert row["tags"] == "big fish, vip"
    assert row["field:shoe"] == "42"


def test_contacts_json_has_lists_and_objects(filled) -> None:  # noqa: ANN001
    records = filled.ok("export", "contacts", "-f", "json").json()
    asa = next(r for r in records if r["name"] == "Åsa Berg")
    assert asa["emails"] == ["asa@acme.no", "asa.berg@example.com"]
    assert asa["phones"] == ["+4791234567", "+4722334455"]
    assert asa["tags"] == ["big fish", "vip"]
    assert asa["fields"] == {"motto": "+1 for tests", "shoe": "42"}
    bob = next(r for r in records if r["name"] == "Bob Li")
    assert bob["referred_by_name"] == "Åsa Berg" and bob["referred_by_uid"] == asa["uid"]


def test_an_empty_export_is_a_header_or_an_empty_array(crm) -> None:  # noqa: ANN001
    assert crm.ok("export", "contacts").stdout.startswith("id,uid,name,")
    assert read_csv(crm.ok("export", "contacts").stdout) == []
    assert crm.ok("export", "deals", "-f", "json").json() == []


def test_the_format_follows_the_output_file_unless_given(filled, tmp_path: Path) -> None:  # noqa: ANN001
    filled.ok("export", "contacts", "--output", str(tmp_path / "people.json"))
    assert len(json.loads((tmp_path / "people.json").read_text(encoding="utf-8"))) == 4
    filled.ok("export", "contacts", "-o", str(tmp_path / "people.csv"))
    assert len(read_csv((tmp_path / "people.csv").read_text(encoding="utf-8"))) == 4
    filled.ok("export", "contacts", "-o", str(tmp_path / "forced.json"), "--format", "csv")
    assert (tmp_path / "forced.json").read_text(encoding="utf-8").startswith("id,uid,")


def test_a_file_is_only_replaced_by_a_complete_export(filled, tmp_path: Path) -> None:  # noqa: ANN001
    target = tmp_path / "out.csv"
    target.write_text("the previous export\n", encoding="utf-8")
    failed = filled.fails("export", "contacts", "--stage", "sleeping", "-o", str(target))
    assert failed.stderr.startswith("crm: Unknown lifecycle stage") and failed.stderr.count("\n") == 1
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.csv")] == []
    filled.ok("export", "contacts", "-o", str(target))
    assert target.read_text(encoding="utf-8").startswith("id,uid,")
    assert target.stat().st_mode & 0o777 == 0o644 or target.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "args",
    [
        ["export", "contacts", "-o", "{db}"],
        ["export", "deals", "-o", "{backup}"],
        ["export", "vcard", "-o", "{db}"],
        ["gdpr", "export", "1", "-o", "{db}", "--yes"],
        ["agenda", "--ics", "{db}"],
        ["import", "contacts", "{csv}", "--rejects", "{db}"],
        ["report", "weekly", "-o", "{db}"],
    ],
)
def test_no_export_ever_replaces_a_database(filled, tmp_path: Path, args: list[str]) -> None:  # noqa: ANN001
    backup = tmp_path / "before.db"
    filled.ok("db", "backup", str(backup))
    bad_rows = tmp_path / "in.csv"
    bad_rows.write_text("name,email\nNobody,not-an-address\n", encoding="utf-8")
    paths = {"db": str(filled.db), "backup": str(backup), "csv": str(bad_rows)}
    contacts = filled.ok("contact", "list", "--json").json()
    backup_bytes = backup.read_bytes()

    result = filled.fails(*[arg.format(**paths) for arg in args])
    assert "is a SQLite database; an export never replaces one" in result.stderr
    assert result.stderr.count("\n") == 1
    assert filled.ok("contact", "list", "--json").json() == contacts
    assert backup.read_bytes() == backup_bytes
    assert [p.name for p in tmp_path.iterdir() if ".part" in p.name] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["contacts", "--format", "xml"], "Unknown format 'xml'; use one of csv, json."),
        (["contacts", "--sort", "shoe"], "Cannot sort contacts by 'shoe'"),
        (["contacts", "--country", "Atlantis"], "not an ISO country code or name"),
        (["deals", "--status", "maybe"], "Unknown deal status 'maybe'"),
        (["cases", "--priority", "whenever"], "priority"),
        (["cases", "--status", "asleep"], "Unknown status 'asleep'"),
        (["companies", "--sort", "shoe"], "Cannot sort companies by 'shoe'"),
        (["deals", "--pipeline", "nowhere"], "nowhere"),
        (["activities", "--since", "the day after never"], "the day after never"),
        (["vcard", "--version", "5.0"], "5.0"),
        (["activities", "--open", "--done"], "--open and --done exclude each other"),
        (["contacts", "--company", "Nobody Inc"], "Nobody Inc"),
        (["contacts", "-o", "/no/such/folder/x.csv"], "the folder /no/such/folder does not exist"),
    ],
)
def test_bad_options_are_one_sentence_and_write_nothing(filled, args: list[str], message: str) -> None:  # noqa: ANN001
    result = filled.fails("export", *args)
    assert result.stdout == ""
    assert result.stderr.startswith("crm: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


# --- formula injection --------------------------------------------------------------------------


def test_formula_cells_are_neutralised_and_numbers_left_alone(filled) -> None:  # noqa: ANN001
    for kind in KINDS:
        text = filled.ok("export", kind).stdout
        for cell in cells(text):
            if cell[:1] in TRIGGERS:
                assert numbers_only(cell), f"{kind}: {cell!r} is live"
    contacts = filled.ok("export", "contacts").stdout
    assert '\'=HYPERLINK(""http://evil.example"",""click"")' in contacts
    row = next(r for r in read_csv(contacts) if r["email"] == "evil@example.com")
    assert row["name"].startswith("'=") and row["title"] == "'@boss"
    assert row["field:shoe"] == "-3"  # a number: nothing to neutralise
    assert row["birthday"] == ""
    asa = next(r for r in read_csv(contacts) if r["email"].startswith("asa@"))
    assert asa["phone"] == "+4791234567, +4722334455"  # E.164 numbers keep their plus, unquoted
    assert asa["birthday"] == "'--03-14" and asa["field:motto"] == "'+1 for tests"
    assert "'-Discount deal" in filled.ok("export", "deals").stdout
    assert ",'@team: check this," in filled.ok("export", "activities").stdout
    companies = read_csv(filled.ok("export", "companies").stdout)
    assert next(r for r in companies if r["name"] == "Globex")["field:segment"] == "'-enterprise"
    # JSON is for programs, not spreadsheets: values as they are.
    names = [r["name"] for r in filled.ok("export", "contacts", "-f", "json").json()]
    assert '=HYPERLINK("http://evil.example","click")' in names


@pytest.mark.parametrize("command", [["contact", "list"], ["deal", "list"], ["activity", "list"],
                                     ["case", "list"], ["company", "list"]])  # fmt: skip
def test_list_commands_as_csv_neutralise_formulas_as_export_does(filled, command: list[str]) -> None:  # noqa: ANN001
    text = filled.ok(*command, "--format", "csv").stdout
    live = [cell for cell in cells(text) if cell[:1] in TRIGGERS and not numbers_only(cell)]
    assert live == []
    if command[0] in ("contact", "activity"):  # the lists that hold such cells here
        assert any(cell[:1] == "'" and cell[1:2] in TRIGGERS for cell in cells(text))


@pytest.mark.parametrize(
    "value",
    ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "'quoted", "''", "'=x", "+4791234567", "-5", "-12.50",
     "--03-14", "+", "-", "plain", "", "+4791234567, +4722334455", "+47, =cmd", "-1,2"],
)  # fmt: skip
def test_neutralising_is_undone_exactly_by_the_importer(value: str) -> None:
    written = neutralise(value)
    assert restore(written) == value
    assert written[:1] not in TRIGGERS or numbers_only(written)


# --- filters ------------------------------------------------------------------------------------


def uids(crm, *args: str) -> list[str]:  # noqa: ANN001
    return [r["uid"] for r in read_csv(crm.ok("export", *args).stdout)]


def listed(crm, *args: str) -> list[str]:  # noqa: ANN001
    return sorted(r["uid"] for r in crm.ok(*args, "--json").json())


def test_contact_filters_match_the_list(filled) -> None:  # noqa: ANN001
    for args in (["--tag", "vip"], ["--stage", "lead"], ["--company", "acme.no"], ["--search", "berg"],
                 ["--country", "Norway"], ["--field", "shoe=42"], ["--industry", "Retail"],
                 ["--tag", "vip", "--stage", "qualified"]):  # fmt: skip
        exported = sorted(uids(filled, "contacts", *args))
        assert exported == listed(filled, "contact", "list", *args), args
        assert exported, args
    assert uids(filled, "contacts", "--tag", "nobody") == []


def test_company_deal_activity_and_case_filters_match_their_lists(filled) -> None:  # noqa: ANN001
    assert sorted(uids(filled, "companies", "--industry", "Retail")) == listed(
        filled, "company", "list", "--industry", "Retail"
    )
    assert len(uids(filled, "deals")) == 2  # every status, unlike the list
    assert sorted(uids(filled, "deals", "--status", "lost")) == listed(
        filled, "deal", "list", "--status", "lost"
    )
    assert sorted(uids(filled, "deals", "--contact", "asa@acme.no")) == listed(
        filled, "deal", "list", "--contact", "asa@acme.no"
    )
    for args in (["--kind", "call"], ["--open"], ["--contact", "Bob"], ["--search", "offer"]):
        assert sorted(uids(filled, "activities", *args)) == listed(filled, "activity", "list", *args), args
    assert len(uids(filled, "cases")) == 2
    assert sorted(uids(filled, "cases", "--priority", "high")) == listed(
        filled, "case", "list", "--priority", "high"
    )


def test_contacts_are_exported_in_the_sort_asked_for(filled) -> None:  # noqa: ANN001
    by_id = [r["id"] for r in read_csv(filled.ok("export", "contacts").stdout)]
    assert by_id == sorted(by_id, key=int)
    by_name = [r["uid"] for r in read_csv(filled.ok("export", "contacts", "--sort", "-name").stdout)]
    assert by_name == [r["uid"] for r in filled.ok("contact", "list", "--sort", "-name", "--json").json()]


# --- the round trip ---------------------------------------------------------------------------------


def without(record: dict, *keys: str) -> dict:
    return {k: v for k, v in record.items() if k not in keys}


def test_export_then_import_into_an_empty_database_gives_the_same_records(filled, tmp_path: Path) -> None:  # noqa: ANN001
    for kind in ("companies", "contacts", "deals", "activities"):
        filled.ok("export", kind, "-o", str(tmp_path / f"{kind}.csv"))
    empty = Crm(tmp_path / "empty.db", filled.config)
    for kind in ("companies", "contacts", "deals"):
        empty.ok("import", kind, str(tmp_path / f"{kind}.csv"))
    # Cases cannot be imported, so an activity's link to one is left out here.
    empty.ok("import", "activities", str(tmp_path / "activities.csv"), "--map", "case=ignore")

    changed = ("updated_at",)  # the import is the latest change in the new database
    before = filled.ok("contact", "list", "--json").json()
    after = empty.ok("contact", "list", "--json").json()
    assert [without(r, *changed) for r in after] == [without(r, *changed) for r in before]
    for record in before:
        old = filled.ok("contact", "show", str(record["id"]), "--json").json()["contact"]
        new = empty.ok("contact", "show", str(record["id"]), "--json").json()["contact"]
        assert without(new, *changed) == without(old, *changed)
        assert new["uid"] == old["uid"] and new["emails"] == old["emails"] and new["phones"] == old["phones"]
    assert [without(r, *changed) for r in empty.ok("company", "list", "--json").json()] == [
        without(r, *changed) for r in filled.ok("company", "list", "--json").json()
    ]
    assert [without(r, *changed) for r in empty.ok("deal", "list", "--status", "all", "--json").json()] == [
        without(r, *changed) for r in filled.ok("deal", "list", "--status", "all", "--json").json()
    ]
    old_activities = filled.ok("activity", "list", "--json").json()
    new_activities = empty.ok("activity", "list", "--json").json()
    assert [without(r, *changed, "case_id") for r in new_activities] == [
        without(r, *changed, "case_id") for r in old_activities
    ]
    # And the second export is the first, but for the update stamps.
    again = read_csv(empty.ok("export", "contacts").stdout)
    first = read_csv((tmp_path / "contacts.csv").read_text(encoding="utf-8"))
    assert [without(r, "updated_at") for r in again] == [without(r, "updated_at") for r in first]


def test_the_round_trip_survives_a_spreadsheet_that_kept_the_apostrophes(filled, tmp_path: Path) -> None:  # noqa: ANN001
    exported = filled.ok("export", "contacts").stdout
    (tmp_path / "c.csv").write_text(exported, encoding="utf-8")
    empty = Crm(tmp_path / "empty.db", filled.config)
    empty.ok("import", "contacts", str(tmp_path / "c.csv"))
    names = sorted(r["name"] for r in empty.ok("contact", "list", "--json").json())
    assert '=HYPERLINK("http://evil.example","click")' in names
    evil = empty.ok("contact", "show", "evil@example.com", "--json").json()["contact"]
    assert evil["title"] == "@boss" and evil["fields"] == {"shoe": "-3"}


def test_amounts_are_written_so_that_the_importer_reads_them_back(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Ada")
    for amount in ("1.5 KWD", "1234567.89 EUR", "1500 JPY", "0 NOK"):
        crm.ok("deal", "add", f"Deal {amount}", "--contact", "Ada", "--amount", amount)
    rows = read_csv(crm.ok("export", "deals").stdout)
    assert [(r["amount"], r["currency"]) for r in rows] == [
        ("1.5", "KWD"), ("1234567.89", "EUR"), ("1500", "JPY"), ("0.00", "NOK")
    ]  # fmt: skip
    for kind in ("contacts", "deals"):
        crm.ok("export", kind, "-o", str(tmp_path / f"{kind}.csv"))
    empty = Crm(tmp_path / "empty.db", crm.config)
    for kind in ("contacts", "deals"):
        empty.ok("import", kind, str(tmp_path / f"{kind}.csv"))
    amounts = [(d["amount"], d["currency"]) for d in empty.ok("deal", "list", "--json").json()]
    assert sorted(amounts) == sorted(
        (d["amount"], d["currency"]) for d in crm.ok("deal", "list", "--json").json()
    )


# --- streaming --------------------------------------------------------------------------------------


def test_contacts_are_read_in_batches_not_all_at_once(crm, tmp_path: Path) -> None:  # noqa: ANN001
    from crmcli.models import ListQuery
    from crmcli.storage import exporting
    from crmcli.storage.db import open_db

    people = tmp_path / "people.csv"
    with open(people, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "tags"])
        writer.writerows([f"Person {n}", f"p{n}@example.com", "a, b"] for n in range(1200))
    crm.ok("import", "contacts", str(people))
    db = open_db(crm.db)
    try:
        with exporting.snapshot(db):
            sizes = [len(batch) for batch in exporting.contacts(db, ListQuery(sort="id"))]
            assert sizes == [exporting.BATCH, exporting.BATCH, 1200 - 2 * exporting.BATCH]
    finally:
        db.close()
    rows = read_csv(crm.ok("export", "contacts", "--tag", "b").stdout)
    assert len(rows) == 1200 and rows[-1]["email"] == "p1199@example.com" and rows[0]["tags"] == "a, b"


def test_an_export_piped_into_head_ends_quietly(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    import os
    import shlex
    import subprocess

    from conftest import crm_executable

    people = tmp_path / "people.csv"
    people.write_text("name\n" + "".join(f"Person {n}\n" for n in range(3000)), encoding="utf-8")
    assert crm_process("import", "contacts", str(people)).returncode == 0
    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db"), "CRM_CONFIG": str(tmp_path / "config.toml")}
    shell = f"{shlex.join(crm_executable())} export contacts | head -2"
    done = subprocess.run(["sh", "-c", shell], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.startswith("id,uid,name,") and done.stdout.count("\n") == 2
    assert done.stderr == ""
