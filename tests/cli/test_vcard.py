"""crm import vcard and crm export vcard: cards as Google, Apple, phones and khard write them
(3.0 and 4.0), duplicates, all or nothing, and the round trip in both versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Crm

GOOGLE_30 = """BEGIN:VCARD
VERSION:3.0
FN:Åsa Berg
N:Berg;Åsa;;;
EMAIL;TYPE=INTERNET;TYPE=WORK:asa@acme.no
EMAIL;TYPE=INTERNET;TYPE=HOME:asa.berg@gmail.com
TEL;TYPE=CELL:+47 912 34 567
TEL;TYPE=WORK:22 33 44 55
ADR;TYPE=WORK:;;Storgata 1;Oslo;;0150;Norway
ORG:Acme AS
TITLE:Head of Sales
BDAY:1980-02-29
NOTE:Met at the fair\\, Oslo.\\nLikes sailing.
CATEGORIES:myContacts,Friends,VIP
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Bob Li
N:Li;Bob;;;
item1.EMAIL;TYPE=INTERNET:bob@example.com
item1.X-ABLabel:
TEL;TYPE=CELL:(202) 555-0123
ADR;TYPE=HOME:;;1 Main St;Springfield;;;United States
END:VCARD
"""

APPLE_30 = """BEGIN:VCARD\r
VERSION:3.0\r
PRODID:-//Apple Inc.//iPhone OS 17.4//EN\r
N:Nordmann;Kari;;;\r
FN:Kari Nordmann\r
ORG:Fjord Fisk AS;Eksport\r
TITLE:Daglig leder\r
item1.EMAIL;type=INTERNET;type=pref:kari@fjordfisk.no\r
TEL;type=CELL;type=VOICE;type=pref:+47 415 55 555\r
item2.ADR;type=HOME;type=pref:;;Kaia 2;Bergen;;5003;Norge\r
item2.X-ABADR:no\r
BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-14\r
X-ABUID:5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE:ABPerson\r
UID:5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE\r
END:VCARD\r
"""

KHARD_40 = """BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
KIND:individual
FN:Li Wei
N:Li;Wei;;;
EMAIL;PREF=2:wei@home.example
EMAIL;PREF=1:wei@work.example
TEL;VALUE=uri;TYPE="voice,cell";PREF=1:tel:+46-70-123-45-67
TEL;VALUE=uri;TYPE=work:tel:+46-8-123-456-78;ext=12
BDAY:--0412
ORG:Nordic Trade AB
CATEGORIES:supplier,sweden
END:VCARD
BEGIN:VCARD
VERSION:4.0
KIND:group
FN:Everyone at Nordic Trade
MEMBER:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
END:VCARD
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def contacts(crm) -> list[dict]:  # noqa: ANN001
    if not crm.db.exists():
        return []
    return crm.ok("contact", "list", "--json").json()


def shown(crm, ref: str) -> dict:  # noqa: ANN001
    return crm.ok("contact", "show", ref, "--json").json()["contact"]


# --- reading what others write ---------------------------------------------------------------------


def test_a_google_contacts_export_imports_every_field(crm, tmp_path: Path) -> None:  # noqa: ANN001
    result = crm.ok(
        "import", "vcard", str(write(tmp_path, "google.vcf", GOOGLE_30)), "--default-country", "NO"
    )
    assert "2 created" in result.stderr and "(1 new company)" in result.stderr
    asa = shown(crm, "asa@acme.no")
    assert asa["name"] == "Åsa Berg"
    assert asa["emails"] == ["asa@acme.no", "asa.berg@gmail.com"]
    assert asa["phones"] == ["+4791234567", "+4722334455"]  # national numbers read in the card's country
    assert asa["company"] == "Acme AS" and asa["title"] == "Head of Sales"
    assert asa["birthday"] == "1980-02-29" and asa["country"] == "NO"
    assert asa["fields"] == {"note": "Met at the fair, Oslo.\nLikes sailing."}
    assert asa["tags"] == ["Friends", "VIP"]  # Google's "myContacts" is not a tag
    bob = shown(crm, "bob@example.com")
    assert bob["phones"] == ["+12025550123"] and bob["country"] == "US"
    assert len(bob["uid"]) == 32  # a card without UID gets a new one


def test_an_apple_card_with_pref_groups_and_no_year_birthday(crm, tmp_path: Path) -> None:  # noqa: ANN001
    result = crm.ok("import", "vcard", str(write(tmp_path, "apple.vcf", APPLE_30)))
    kari = shown(crm, "kari@fjordfisk.no")
    assert kari["name"] == "Kari Nordmann" and kari["company"] == "Fjord Fisk AS"
    assert kari["phones"] == ["+4741555555"] and kari["birthday"] == "--03-14"
    assert kari["uid"] == "5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE"
    # "Norge" is no country crm knows: the card is kept, the country left out, and it says so.
    assert kari["country"] is None
    assert "warning: card 1 (Kari Nordmann): the address country 'Norge'" in result.stderr
    # Apple's 1604 means "no year" on a card however the date is written (a CSV file's 1604
    # is a year: test_import.py); and a category "a;b" is two tags, as on entry.
    card = "BEGIN:VCARD\nVERSION:4.0\nFN:Ola\nEMAIL:ola@example.no\nBDAY:16040412\nCATEGORIES:a;b,c\n"
    crm.ok("import", "vcard", "-", input=card + "END:VCARD\n")
    ola = shown(crm, "ola@example.no")
    assert ola["birthday"] == "--04-12" and ola["tags"] == ["a", "b", "c"]


def test_a_vcard_4_file_with_uri_phones_pref_order_and_a_group(crm, tmp_path: Path) -> None:  # noqa: ANN001
    result = crm.ok("import", "vcard", str(write(tmp_path, "khard.vcf", KHARD_40)), "--json")
    report = result.json()
    assert report["created"] == 1 and report["not_people"] == 1 and report["written"] is True
    assert "group card, not a person" in result.stderr
    wei = shown(crm, "wei@work.example")
    assert wei["emails"] == ["wei@work.example", "wei@home.example"]  # PREF=1 first
    assert wei["phones"] == ["+46701234567", "+46812345678"]
    assert wei["uid"] == "4fbe89710bc3424c9c2636c3e1eff6b1"
    assert wei["birthday"] == "--04-12" and wei["tags"] == ["supplier", "sweden"]
    assert [c["name"] for c in contacts(crm)] == ["Li Wei"]


def test_standard_input_with_a_byte_order_mark(crm) -> None:  # noqa: ANN001
    crm.ok("import", "vcard", "-", input="\ufeff" + KHARD_40)
    assert [c["name"] for c in contacts(crm)] == ["Li Wei"]


def test_tag_and_dry_run(crm, tmp_path: Path) -> None:  # noqa: ANN001
    path = write(tmp_path, "k.vcf", KHARD_40)
    dry = crm.ok("import", "vcard", str(path), "--dry-run")
    assert (
        f"it would have been contacts from 2 vCards in {path}: 1 created, 0 updated, 0 unchanged, "
        "0 skipped as duplicates, 1 group or organisation card set aside (1 new company)."
    ) in dry.stderr
    assert contacts(crm) == []
    crm.ok("import", "vcard", str(path), "--tag", "imported", "--tag", "phone")
    assert shown(crm, "wei@work.example")["tags"] == ["imported", "phone", "supplier", "sweden"]


# --- duplicates -----------------------------------------------------------------------------------


def test_duplicates_by_email_or_uid_skip_update_or_error(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Åsa B.", "--email", "ASA@acme.no", "--tag", "old")
    path = write(tmp_path, "google.vcf", GOOGLE_30)
    skipped = crm.ok("import", "vcard", str(path), "--default-country", "NO")
    assert "1 created, 0 updated, 0 unchanged, 1 skipped as duplicates" in skipped.stderr
    assert shown(crm, "asa@acme.no")["name"] == "Åsa B."

    refused = crm.fails("import", "vcard", str(path), "--on-duplicate", "error", "--default-country", "NO")
    assert refused.stderr == (
        f"crm: Card 1 (Åsa Berg) of {path} cannot be imported, so nothing was: a contact with the "
        "e-mail asa@acme.no already exists (or is on a card above).\n"
    )
    updated = crm.ok("import", "vcard", str(path), "--on-duplicate", "update", "--default-country", "NO")
    assert "0 created, 1 updated, 1 unchanged" in updated.stderr
    asa = shown(crm, "asa@acme.no")
    assert asa["name"] == "Åsa Berg" and asa["title"] == "Head of Sales"
    assert asa["emails"] == ["ASA@acme.no", "asa.berg@gmail.com"]  # lists grow, nothing is blanked
    assert asa["tags"] == ["Friends", "VIP", "old"]
    assert len(contacts(crm)) == 2


def test_the_same_person_twice_in_one_file_is_a_duplicate(crm, tmp_path: Path) -> None:  # noqa: ANN001
    twice = KHARD_40.split("BEGIN:VCARD\nVERSION:4.0\nKIND:group")[0] * 2
    path = write(tmp_path, "twice.vcf", twice)
    assert "1 created, 0 updated, 0 unchanged, 1 skipped" in crm.ok("import", "vcard", str(path)).stderr
    failed = crm.fails(
        "import", "vcard", str(path), "--on-duplicate", "error", "--db", str(tmp_path / "b.db")
    )
    assert "Card 2 (Li Wei) of" in failed.stderr and "uid 4fbe89710bc3424c9c2636c3e1eff6b1" in failed.stderr
    assert Crm(tmp_path / "b.db", crm.config).ok("contact", "list", "--json").json() == []


# --- bad files: one sentence, nothing written ---------------------------------------------------------


BAD_CARDS = {
    "not a vcard": ("hello\nworld\n", "is not a valid vCard file"),
    "never closed": ("BEGIN:VCARD\nVERSION:3.0\nFN:Ada\n", "at line 3: Component VCARD was never closed"),
    "broken line": (
        "BEGIN:VCARD\nVERSION:4.0\nFN Ada\nEND:VCARD\n",
        "at line 3: Failed to parse line: FN Ada",
    ),
    "empty": ("", "holds no vCard"),
    "a calendar": ("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", "holds a VCALENDAR, not vCards"),
    "bad e-mail in card 2": (
        KHARD_40.replace("KIND:group", "KIND:individual").replace(
            "FN:Everyone at Nordic Trade", "FN:Ada\nEMAIL:ada-at-example"
        ),
        "Card 2 (Ada) of",
    ),
    "bad phone": ("BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nTEL:12\nEND:VCARD\n", "the phone '12' is not"),
    "no name": ("BEGIN:VCARD\nVERSION:3.0\nEMAIL:a@example.com\nEND:VCARD\n", "it has no name (FN or N)"),
    "bad birthday": ("BEGIN:VCARD\nVERSION:4.0\nFN:Ada\nBDAY:--1340\nEND:VCARD\n", "birthday"),
}


@pytest.mark.parametrize("case", sorted(BAD_CARDS))
def test_a_bad_file_is_one_sentence_and_writes_nothing(crm, tmp_path: Path, case: str) -> None:  # noqa: ANN001
    text, message = BAD_CARDS[case]
    crm.ok("add", "Already Here", "--email", "here@example.com")
    result = crm.fails("import", "vcard", str(write(tmp_path, "bad.vcf", text)))
    assert result.stderr.startswith("crm: ") and result.stderr.count("\n") == 1
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert [c["name"] for c in contacts(crm)] == ["Already Here"]
    assert crm.ok("company", "list", "--json").json() == []


def test_a_missing_file_and_bad_options_are_one_sentence(crm, tmp_path: Path) -> None:  # noqa: ANN001
    missing = crm.fails("import", "vcard", str(tmp_path / "nope.vcf"))
    assert missing.stderr == f"crm: There is no file {tmp_path / 'nope.vcf'}.\n"
    path = write(tmp_path, "k.vcf", KHARD_40)
    assert (
        "--on-duplicate 'merge' is not one of skip, update, error"
        in crm.fails("import", "vcard", str(path), "--on-duplicate", "merge").stderr
    )
    assert (
        "not an ISO country code" in crm.fails("import", "vcard", str(path), "--default-country", "XX").stderr
    )
    assert "use 4.0 or 3.0" in crm.fails("export", "vcard", "--version", "2.1").stderr


def test_a_national_number_without_a_country_is_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nTEL:912 34 567\nEND:VCARD\n"
    result = crm.fails("import", "vcard", str(write(tmp_path, "n.vcf", card)))
    assert "the phone '912 34 567' is not a phone number" in result.stderr
    crm.ok("import", "vcard", str(tmp_path / "n.vcf"), "--default-country", "NO")
    assert shown(crm, "Ada")["phones"] == ["+4791234567"]


# --- writing, and the round trip ----------------------------------------------------------------------


VCARD_FIELDS = ("uid", "name", "emails", "phones", "company", "title", "birthday", "country", "tags")


def people(crm) -> list[dict]:  # noqa: ANN001
    out = []
    for row in contacts(crm):
        record = shown(crm, str(row["id"]))
        out.append({**{k: record[k] for k in VCARD_FIELDS}, "note": record["fields"].get("note")})
    return sorted(out, key=lambda r: r["uid"])


def fill(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Åsa Berg", "--email", "asa@acme.no", "--email", "asa@example.com",
           "--phone", "+4791234567", "--phone", "+4722334455", "--company", "Acme, Oslo AS",
           "--title", "CEO; founder", "--country", "NO",
           "--birthday", "--03-14", "--tag", "vip", "--tag", "big fish",
           "--field", "note=Line one\nLine two, with; punctuation\\ and a backslash")  # fmt: skip
    crm.ok("add", "Bob", "--phone", "+12025550123", "--birthday", "1980-02-29", "--country", "US")
    crm.ok("add", "Li Wei 李伟", "--email", "wei@example.cn", "--country", "Korea, Republic of")


@pytest.mark.parametrize("version", ["4.0", "3.0"])
def test_export_then_import_gives_the_same_people(crm, tmp_path: Path, version: str) -> None:  # noqa: ANN001
    fill(crm)
    path = tmp_path / "people.vcf"
    args = ["--version", version] if version == "3.0" else []
    crm.ok("export", "vcard", "-o", str(path), *args)
    text = path.read_bytes().decode("utf-8")
    assert text.count("BEGIN:VCARD\r\n") == 3 and f"VERSION:{version}\r\n" in text
    empty = Crm(tmp_path / "empty.db", crm.config)
    empty.ok("import", "vcard", str(path))
    assert people(empty) == people(crm)
    again = tmp_path / "again.vcf"
    empty.ok("export", "vcard", "-o", str(again), *args)
    strip_rev = [
        line for line in again.read_text(encoding="utf-8").splitlines() if not line.startswith("REV:")
    ]
    assert strip_rev == [line for line in text.splitlines() if not line.startswith("REV:")]


def test_vcard_4_and_3_are_written_as_each_version_wants(crm) -> None:  # noqa: ANN001
    fill(crm)
    v4 = crm.ok("export", "vcard", "--tag", "vip").stdout
    assert "TEL;PREF=1;VALUE=uri:tel:+4791234567" in v4 and "TEL;VALUE=uri:tel:+4722334455" in v4
    assert "EMAIL;PREF=1:asa@acme.no" in v4 and "BDAY:--0314" in v4 and "ORG:Acme\\, Oslo AS" in v4
    assert "CATEGORIES:big fish,vip" in v4 and "ADR:;;;;;;Norway" in v4 and "N:Berg;Åsa;;;" in v4
    assert v4.count("BEGIN:VCARD") == 1  # the filters of `crm contact list`
    v3 = crm.ok("export", "vcard", "--version", "3.0", "--search", "asa").stdout
    assert "TEL;TYPE=pref:+4791234567" in v3 and "EMAIL;TYPE=INTERNET,pref:asa@acme.no" in v3
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-14" in v3 and "VERSION:3.0" in v3
    bob = crm.ok("export", "vcard", "--country", "US").stdout
    assert "BDAY:19800229" in bob and "FN:Bob" in bob


def test_an_empty_export_is_an_empty_file(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("export", "vcard", "-o", str(tmp_path / "none.vcf"))
    assert (tmp_path / "none.vcf").read_text(encoding="utf-8") == ""


def test_a_card_whose_phone_has_an_extension_is_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    card = "BEGIN:VCARD\nVERSION:3.0\nFN:Vic Ext\nTEL;TYPE=work:+1 650 253 0000 x55\nEND:VCARD\n"
    result = crm.fails("import", "vcard", str(write(tmp_path, "ext.vcf", card)))
    assert "the phone '+1 650 253 0000 x55' has an extension (55)" in result.stderr
    assert contacts(crm) == []


def test_warnings_past_the_twentieth_are_counted_in_the_singular_too(crm) -> None:  # noqa: ANN001
    cards = "".join(
        f"BEGIN:VCARD\nVERSION:4.0\nFN:P{n}\nEMAIL:p{n}@example.no\nADR:;;;;;;Atlantis\nEND:VCARD\n"
        for n in range(21)
    )
    result = crm.ok("import", "vcard", "-", input=cards)
    assert "  … and 1 more warning\n" in result.stderr
