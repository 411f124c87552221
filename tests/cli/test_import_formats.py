"""crm import: real-world CSV files. Encodings, delimiters, quoted newlines, ragged rows,
the header sets of HubSpot, Salesforce, Pipedrive, Google Contacts and Outlook, dates in
the file's own format, and cells a spreadsheet escaped."""

from __future__ import annotations

import codecs
import sqlite3
from pathlib import Path

import pytest

ROWS = "Name,Email,City\r\nBjørn Åsen,bjorn@example.no,Tromsø\r\nJosé Müller,jose@example.de,Köln\r\n"


def count(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def people(crm) -> dict[str, dict]:  # noqa: ANN001
    """Every contact by name, as `crm contact show` has them (addresses, numbers, tags, fields)."""
    listed = crm.ok("contact", "list", "--json").json()
    return {p["name"]: crm.ok("contact", "show", str(p["id"]), "--json").json()["contact"] for p in listed}


# --- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf-8", ROWS.encode("utf-8")),
        ("utf-8 with BOM", codecs.BOM_UTF8 + ROWS.encode("utf-8")),
        ("utf-16 LE with BOM", ROWS.encode("utf-16")),  # Python writes the BOM in native (little) order
        ("utf-16 BE with BOM", codecs.BOM_UTF16_BE + ROWS.encode("utf-16-be")),
    ],
)
def test_unicode_files_read_without_being_told(crm, tmp_path: Path, name: str, data: bytes) -> None:  # noqa: ANN001
    source = tmp_path / "people.csv"
    source.write_bytes(data)
    report = crm.ok("import", "contacts", str(source), "--json").json()
    assert report["mapping"][0] == {"column": "Name", "field": "name", "how": "ours"}  # no BOM in the header
    assert report["created"] == 2
    found = people(crm)
    assert set(found) == {"Bjørn Åsen", "José Müller"}
    assert found["Bjørn Åsen"]["fields"] == {"city": "Tromsø"}


def test_bytes_that_are_not_utf8_are_refused_with_the_line_and_a_suggestion(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "excel.csv"
    source.write_bytes(ROWS.encode("cp1252"))
    result = crm.fails("import", "contacts", str(source))
    assert result.stderr == (
        f"crm: Line 2 of {source} is not UTF-8 (byte 0xF8); give the file's encoding, for example "
        "--encoding cp1252 (Excel on Windows) or --encoding latin-1.\n"
    )
    assert count(crm.db, "contacts") == 0


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "windows-1252"])
def test_a_legacy_encoding_is_read_with_encoding(crm, tmp_path: Path, encoding: str) -> None:  # noqa: ANN001
    source = tmp_path / "excel.csv"
    source.write_bytes(ROWS.encode("cp1252"))
    crm.ok("import", "contacts", str(source), "--encoding", encoding)
    assert set(people(crm)) == {"Bjørn Åsen", "José Müller"}


def test_cp1252_only_characters_are_read_as_cp1252(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "excel.csv"
    source.write_bytes("Name,Note\r\nZoë “Quotes” Œuvre,€ 5 – fine\r\n".encode("cp1252"))
    crm.ok("import", "contacts", str(source), "--encoding", "cp1252")
    assert people(crm)["Zoë “Quotes” Œuvre"]["fields"] == {"note": "€ 5 – fine"}


def test_an_unknown_encoding_is_one_sentence(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "p.csv"
    source.write_bytes(b"Name\nAda\n")
    result = crm.fails("import", "contacts", str(source), "--encoding", "klingon")
    assert result.stderr == "crm: Unknown encoding 'klingon'; use one such as utf-8, cp1252 or latin-1.\n"


# --- delimiters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "named"), [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")]
)
def test_delimiters_are_sniffed(crm, tmp_path: Path, delimiter: str, named: str) -> None:  # noqa: ANN001
    lines = [
        ["Name", "Email", "Company"],
        ["Ada Lovelace", "ada@example.com", "Engines, Ltd"],
        ["Bob Berg", "bob@example.com", "Berg; Sons"],
    ]
    text = "".join(
        delimiter.join(f'"{c}"' if delimiter in c or "," in c or ";" in c else c for c in row) + "\n"
        for row in lines
    )
    source = tmp_path / "p.csv"
    source.write_text(text, encoding="utf-8")
    report = crm.ok("import", "contacts", str(source), "--json").json()
    assert report["delimiter"] == named
    found = people(crm)
    assert found["Ada Lovelace"]["company"] == "Engines, Ltd"
    assert found["Bob Berg"]["company"] == "Berg; Sons"


def test_delimiter_overrides_the_sniffing(crm, tmp_path: Path) -> None:  # noqa: ANN001
    # One column whose values hold commas: sniffing would see three columns.
    source = tmp_path / "p.csv"
    source.write_text("Name;Note\nAda;a,b,c\nBob;d,e,f\n", encoding="utf-8")
    crm.ok("import", "contacts", str(source), "--delimiter", "semicolon")
    assert people(crm)["Ada"]["fields"] == {"note": "a,b,c"}
    tabbed = tmp_path / "t.csv"
    tabbed.write_text("Name\tEmail\nCy\tcy@example.com\n", encoding="utf-8")
    crm.ok("import", "contacts", str(tabbed), "--delimiter", "tab")
    assert people(crm)["Cy"]["email"] == "cy@example.com"
    result = crm.fails("import", "contacts", str(tabbed), "--delimiter", "::")
    assert result.stderr == f"crm: The delimiter '::' {NOT_A_DELIMITER}\n"


NOT_A_DELIMITER = "is not one of , ; | or tab (comma, semicolon, pipe, tab)."


@pytest.mark.parametrize("given", ["x", ":", " ", "'", "\\", ",,", "colon"])
def test_any_other_delimiter_is_refused_before_a_row_is_read(crm, tmp_path: Path, given: str) -> None:  # noqa: ANN001
    # "x" used to be taken, split "name,email" into nothing useful, and fail with "The file
    # has no column for the contact's name", which hides the real mistake.
    source = tmp_path / "p.csv"
    source.write_text("name,email\nAda,ada@example.com\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = crm.fails("import", "contacts", str(source), "--delimiter", given, "--rejects", str(rejects))
    assert result.stderr == f"crm: The delimiter {given!r} {NOT_A_DELIMITER}\n"
    assert result.stdout == ""
    assert count(crm.db, "contacts") == 0
    assert not rejects.exists()
    assert list(tmp_path.glob(".rejects.csv.*")) == []
    for kind in ("companies", "deals", "activities"):
        assert crm.fails("import", kind, str(source), "--delimiter", given).stderr == result.stderr


# --- quoting, newlines, ragged rows -------------------------------------------------------------


def test_quoted_fields_keep_their_newlines_and_lines_are_counted_physically(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "p.csv"
    source.write_text(
        "Name,Email,Notes\r\n"
        '"Ada Lovelace",ada@example.com,"First line\r\nsecond line, with a comma\r\nthird ""quoted"""\r\n'
        "Bob Berg,not-an-address,plain\r\n",
        encoding="utf-8",
    )
    result = crm.fails("import", "contacts", str(source))
    assert "  line 5: " in result.stderr  # Bob's row starts on the fifth physical line
    crm.fails("import", "contacts", str(source), "--partial")
    note = people(crm)["Ada Lovelace"]["fields"]["notes"]
    assert note == 'First line\r\nsecond line, with a comma\r\nthird "quoted"'


def test_ragged_rows_are_rejected_with_their_line(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "p.csv"
    source.write_text(
        "Name,Email,City\nAda,ada@example.com,London\nBob,bob@example.com\n"
        "Cy,cy@example.com,Oslo,extra\n\nDee,dee@example.com,Bergen\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    result = crm.fails("import", "contacts", str(source), "--partial", "--rejects", str(rejects))
    assert "  line 3: The row has 2 fields where the header has 3." in result.stderr
    assert "  line 4: The row has 4 fields where the header has 3." in result.stderr
    assert "4 rows: 2 created" in result.stderr  # the blank line 5 is no row
    assert sorted(people(crm)) == ["Ada", "Dee"]
    assert rejects.read_text(encoding="utf-8").splitlines() == [
        "crm_line,crm_reason,Name,Email,City",
        "3,The row has 2 fields where the header has 3.,Bob,bob@example.com",
        "4,The row has 4 fields where the header has 3.,Cy,cy@example.com,Oslo,extra",
    ]


def test_rows_of_empty_cells_a_spreadsheet_left_are_no_rows(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "p.csv"
    source.write_text(
        "Name,Email,City\r\nAda,ada@example.com,London\r\n,,\r\n ,, \r\n,,\r\n", encoding="utf-8"
    )
    result = crm.ok("import", "contacts", str(source))
    assert "1 row: 1 created" in result.stderr
    assert sorted(people(crm)) == ["Ada"]


def test_an_unterminated_quote_is_reported_not_crashed_on(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "p.csv"
    source.write_text('Name,Email\nAda,"ada@example.com\nBob,bob@example.com\n', encoding="utf-8")
    result = crm("import", "contacts", str(source))
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and result.stderr.startswith(("crm: ", "  line"))
    assert count(crm.db, "contacts") == 0


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", codecs.BOM_UTF8])
def test_an_empty_file_is_one_sentence(crm, tmp_path: Path, content: bytes) -> None:  # noqa: ANN001
    source = tmp_path / "empty.csv"
    source.write_bytes(content)
    result = crm.fails("import", "contacts", str(source))
    assert result.stderr == f"crm: {source} is empty: it has no header line.\n"


def test_a_header_only_file_imports_nothing_and_succeeds(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "p.csv"
    source.write_text("Name,Email\n", encoding="utf-8")
    result = crm.ok("import", "contacts", str(source))
    assert "0 rows: 0 created" in result.stderr


def test_cells_a_spreadsheet_escaped_are_read_back(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "p.csv"
    source.write_text("Name,Phone,Formula,Plain\nAda,'+47 912 34 567,'=1+2,'quoted\n", encoding="utf-8")
    crm.ok("import", "contacts", str(source))
    ada = people(crm)["Ada"]
    assert ada["phones"] == ["+4791234567"]
    assert ada["fields"] == {"formula": "=1+2", "plain": "'quoted"}


# --- other CRMs' exports ------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_hubspot_contacts(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config('[[team]]\nhandle = "karin"\nname = "Karin Lindqvist"\nemail = "karin@example.com"\n')
    source = write(
        tmp_path / "hubspot.csv",
        "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,Job Title,"
        "Lifecycle Stage,Contact owner,Lead Status,Create Date,Country/Region\n"
        "5101,Ada,Lovelace,ada@example.com,+44 20 7946 0958,,Analytical Engines,CTO,Marketing Qualified Lead,"
        "Karin Lindqvist,OPEN,2024-03-14 09:30,United Kingdom\n"
        "5102,Bob,Berg,bob@example.com,,+47 912 34 567,Berg AS,,customer,karin@example.com,,2023-11-02,"
        "Norway\n",
    )
    crm.ok("import", "contacts", str(source))
    found = people(crm)
    ada, bob = found["Ada Lovelace"], found["Bob Berg"]
    assert ada["emails"] == ["ada@example.com"] and ada["phones"] == ["+442079460958"]
    assert (ada["company"], ada["title"], ada["lifecycle_stage"]) == (
        "Analytical Engines",
        "CTO",
        "qualified",
    )
    assert (ada["owner"], ada["country"], ada["created_at"]) == ("karin", "GB", "2024-03-14T09:30:00Z")
    assert ada["fields"] == {"lead_status": "OPEN", "record_id": "5101"}
    assert (bob["phones"], bob["lifecycle_stage"], bob["owner"]) == (["+4791234567"], "customer", "karin")
    assert bob["customer_since"] == "2023-11-02T00:00:00Z"


def test_salesforce_contacts(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write(
        tmp_path / "salesforce.csv",
        '"Salutation","First Name","Last Name","Title","Account Name","Mailing City","Mailing Country",'
        '"Phone","Mobile","Email","Lead Source","Birthdate"\n'
        '"Ms.","Grace","Hopper","Rear Admiral","US Navy","Arlington","US","(703) 555-0100","",'
        '"grace@example.com","Web","12/9/1906"\n',
    )
    result = crm.fails("import", "contacts", str(source), "--default-country", "US")
    assert "could be 12 September or 9 December" in result.stderr  # an American date, not told
    crm.ok("import", "contacts", str(source), "--default-country", "US", "--date-format", "MM/DD/YYYY")
    grace = people(crm)["Grace Hopper"]
    assert (grace["title"], grace["company"], grace["country"]) == ("Rear Admiral", "US Navy", "US")
    assert grace["phones"] == ["+17035550100"] and grace["source"] == "Web"
    assert grace["birthday"] == "1906-12-09"
    assert grace["fields"] == {"mailing_city": "Arlington", "salutation": "Ms."}


def test_pipedrive_people(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write(
        tmp_path / "pipedrive.csv",
        "Person - ID,Person - Name,Person - Organization,Person - Email - Work,Person - Email - Home,"
        "Person - Phone - Work,Person - Phone - Mobile,Person - Labels\n"
        '17,Kari Nordmann,Fjord AS,kari@fjord.no,kari@gmail.example,22 33 44 55,912 34 567,"Hot lead, VIP"\n',
    )
    crm.ok("import", "contacts", str(source), "--default-country", "NO")
    kari = people(crm)["Kari Nordmann"]
    assert kari["emails"] == ["kari@fjord.no", "kari@gmail.example"]
    assert kari["phones"] == ["+4722334455", "+4791234567"]
    assert kari["company"] == "Fjord AS" and kari["tags"] == ["Hot lead", "VIP"]


def test_google_contacts(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write(
        tmp_path / "google.csv",
        "Name,Given Name,Additional Name,Family Name,Nickname,Birthday,Group Membership,E-mail 1 - Type,"
        "E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,"
        "Organization 1 - Name,Organization 1 - Title\n"
        "Linus Torvalds,Linus,,Torvalds,lt,--12-28,* myContacts ::: Kernel,* Work,linus@example.org,Home,"
        "linus@home.example,Mobile,+1 503 555 0199 ::: +358 40 123 4567,Linux Foundation,Fellow\n",
    )
    crm.ok("import", "contacts", str(source))
    linus = people(crm)["Linus Torvalds"]
    assert linus["emails"] == ["linus@example.org", "linus@home.example"]
    assert linus["phones"] == ["+15035550199", "+358401234567"]
    assert (linus["company"], linus["title"], linus["birthday"]) == ("Linux Foundation", "Fellow", "--12-28")
    assert linus["tags"] == ["Kernel"]


def test_outlook_contacts(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write(
        tmp_path / "outlook.csv",
        '"Title","First Name","Middle Name","Last Name","Company","Job Title","Business Phone",'
        '"Mobile Phone","E-mail Address","E-mail Type","E-mail Display Name","E-mail 2 Address",'
        '"Business Country/Region","Categories"\n'
        '"Dr.","Astrid","M.","Lindgren","Rabén & Sjögren","Author","+46 8 123 456 78","070-123 45 67",'
        '"astrid@example.se","SMTP","Astrid Lindgren (astrid@example.se)","a.lindgren@example.se",'
        '"Sweden","Authors;Favourites"\n',
    )
    crm.ok("import", "contacts", str(source))
    astrid = people(crm)["Astrid M. Lindgren"]
    assert astrid["title"] == "Author"  # Outlook's "Title" is the salutation
    assert astrid["fields"] == {"salutation": "Dr."}
    assert astrid["emails"] == ["astrid@example.se", "a.lindgren@example.se"]
    assert astrid["phones"] == ["+46812345678", "+46701234567"]  # national: the row's country
    assert astrid["country"] == "SE" and astrid["tags"] == ["Authors", "Favourites"]


# --- two columns for one field ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        ("name,name", "A,B", "Columns 1 ('name') and 2 ('name') both map to the field name"),
        ("Name,email,NAME", "A,a@x.no,B", "Columns 1 ('Name') and 3 ('NAME') both map to the field name"),
        ("name,field:vip,VIP", "A,yes,no",
         "Columns 2 ('field:vip') and 3 ('VIP') both map to the custom field vip"),
        ("name,Lead Score,lead_score", "A,1,2",
         "Columns 2 ('Lead Score') and 3 ('lead_score') both map to the custom field lead_score"),
        ("name,country,Country", "A,NO,SE",
         "Columns 2 ('country') and 3 ('Country') both map to the field country"),
    ],
)  # fmt: skip
def test_two_columns_for_a_field_of_one_value_are_refused_naming_both(  # noqa: ANN001
    crm, tmp_path: Path, header: str, row: str, message: str
) -> None:
    source = tmp_path / "p.csv"
    source.write_text(f"{header}\n{row}\n", encoding="utf-8")
    for extra in ([], ["--dry-run"], ["--partial"]):
        result = crm.fails("import", "contacts", str(source), *extra)
        assert result.stdout == ""
        assert result.stderr.startswith(f"crm: {message}, which holds one value; remove or rename one")
        assert result.stderr.count("\n") == 1 and result.stderr.endswith(".\n")
    assert count(crm.db, "contacts") == 0


def test_a_map_onto_a_field_another_column_feeds_is_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "p.csv"
    source.write_text("Name,Kundenavn\nA,B\n", encoding="utf-8")
    result = crm.fails("import", "contacts", str(source), "--map", "Kundenavn=name")
    assert result.stderr == (
        "crm: Columns 1 ('Name') and 2 ('Kundenavn') both map to the field name, which holds one value; "
        "remove or rename one of them, or --map one of them to ignore.\n"
    )
    crm.ok("import", "contacts", str(source), "--map", "Kundenavn=name", "--map", "Name=ignore")
    assert list(people(crm)) == ["B"]


def test_columns_of_a_list_field_and_other_crms_alternatives_are_all_read(crm, tmp_path: Path) -> None:  # noqa: ANN001
    # E-mail addresses, numbers and tags take every column; two columns an export writes
    # for one thing (Outlook's business then home country, HubSpot's two company columns)
    # are read first non-empty first, as before.
    source = tmp_path / "p.csv"
    source.write_text(
        "Name,E-mail 1 - Value,E-mail 2 - Value,Phone,Mobile Phone,Tags,Labels,"
        "Business Country/Region,Home Country/Region,Company Name,Associated Company\n"
        "Ada,ada@example.com,ada@work.example,+47 22 33 44 55,+47 912 34 567,vip,trial,,Sweden,,Acme\n",
        encoding="utf-8",
    )
    mapping = crm.ok("import", "contacts", str(source), "--dry-run", "--json").json()["mapping"]
    assert [m["field"] for m in mapping] == [
        "name", "email", "email", "phone", "phone", "tags", "tags", "country", "country", "company",
        "company",
    ]  # fmt: skip
    crm.ok("import", "contacts", str(source))
    ada = people(crm)["Ada"]
    assert ada["emails"] == ["ada@example.com", "ada@work.example"]
    assert ada["phones"] == ["+4722334455", "+4791234567"]
    assert ada["tags"] == ["trial", "vip"] and ada["country"] == "SE" and ada["company"] == "Acme"


# --- dates in the file's own format -------------------------------------------------------------


def test_ambiguous_dates_ask_for_date_format(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write(tmp_path / "p.csv", "Name,Birthday\nAda,03/04/1990\nBob,05/06/1985\n")
    result = crm.fails("import", "contacts", str(source))
    assert (
        "  line 2: The birthday '03/04/1990' could be 3 April or 4 March; give the file's order with "
        "--date-format DD/MM/YYYY or MM/DD/YYYY."
    ) in result.stderr
    crm.ok("import", "contacts", str(source), "--date-format", "DD/MM/YYYY")
    assert people(crm)["Ada"]["birthday"] == "1990-04-03"


def test_date_format_month_first_and_strftime(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write(tmp_path / "p.csv", "Name,Birthday\nAda,03/04/1990\n")
    crm.ok("import", "contacts", str(source), "--date-format", "MM/DD/YYYY")
    assert people(crm)["Ada"]["birthday"] == "1990-03-04"
    dotted = write(tmp_path / "q.csv", "Name,Birthday\nBob,1990.04.03\n")
    crm.ok("import", "contacts", str(dotted), "--date-format", "%Y.%m.%d")
    assert people(crm)["Bob"]["birthday"] == "1990-04-03"
    wrong = write(tmp_path / "r.csv", "Name,Birthday\nCy,3 o'clock\n")
    result = crm.fails("import", "contacts", str(wrong), "--date-format", "DD/MM/YYYY")
    assert (
        '  line 2: The birthday "3 o\'clock" is not a date written as %d/%m/%Y or YYYY-MM-DD.'
        in result.stderr
    )


def test_the_date_order_is_learnt_from_the_file(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write(tmp_path / "p.csv", "Name,Birthday\nAda,03/04/1990\nBob,25/12/1985\nCy,31.01.1970\n")
    crm.ok("import", "contacts", str(source))
    found = people(crm)
    assert (found["Ada"]["birthday"], found["Bob"]["birthday"], found["Cy"]["birthday"]) == (
        "1990-04-03",
        "1985-12-25",
        "1970-01-31",
    )


@pytest.mark.parametrize("date_format", ["DD/MM/YYYY", "%d/%m/%Y", "DD/MM/YYYY HH:mm"])
def test_one_date_format_reads_date_and_time_columns(crm, tmp_path: Path, date_format: str) -> None:  # noqa: ANN001
    # Pipedrive writes the won time with a time of day beside date-only columns.
    crm.write_config('timezone = "Europe/Oslo"\n')
    source = write(
        tmp_path / "deals.csv",
        "title,amount,close_date,status,won_at\nB,200,06/02/2026,won,06/02/2026 10:30\n",
    )
    crm.ok("import", "deals", str(source), "--date-format", date_format)
    deal = crm.ok("deal", "show", "1", "--json").json()
    assert (deal["close_date"], deal["won_at"]) == ("2026-02-06", "2026-02-06T09:30:00Z")  # 10:30 in Oslo


def test_a_bad_time_after_a_formatted_date_is_rejected_with_its_line(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write(tmp_path / "deals.csv", "title,amount,status,won_at\nB,200,won,06/02/2026 soon\n")
    result = crm.fails("import", "deals", str(source), "--date-format", "DD/MM/YYYY")
    assert (
        "  line 2: The won_at '06/02/2026 soon' is not a date written as %d/%m/%Y or YYYY-MM-DD."
        in result.stderr
    )
