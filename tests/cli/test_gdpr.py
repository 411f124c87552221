"""crm gdpr consent|export|forget and `contact list --consent`: consent is a dated log, an
export holds everything about one person and nobody else, and after an erasure no table,
no search index and no byte of the database file names the person, while the figures
(a won deal's amount) stay true."""

from __future__ import annotations

import json
import os
import sqlite3
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers import every_row, mode, one_sentence

PERSON = "Zyxwaldo Quénby"
FIRST_NAME = "Zyxwaldo Quenby"  # as first typed; corrected by an edit, so only history holds it
EMAIL = "zyxwaldo@quenby.example"
OLD_EMAIL = "zyx.old@quenby.example"
PHONE_TYPED = "+47 912 34 567"
PHONE = "+4791234567"
OLD_PHONE_TYPED = "+47 22 33 44 55"
OLD_PHONE = "+4722334455"


def kpi_values(crm) -> dict[str, object]:  # noqa: ANN001
    data = crm.ok("kpi", "--period", "last 30 days", "--no-compare", "--json").json()
    return {k["key"]: k["value"] for k in data["kpis"]}


# --- consent ------------------------------------------------------------------------------


def test_consent_is_a_dated_record_with_its_source_and_who_recorded_it(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.no")
    before = datetime.now(UTC)
    given = crm.ok(
        "gdpr",
        "consent",
        "kari",
        "--purpose",
        " Newsletter ",
        "--given",
        "--source",
        "web  form",
        "--at",
        "yesterday 10:00",
        "--json",
    ).json()
    yesterday = {
        (moment - timedelta(days=1)).strftime("%Y-%m-%dT10:00:00Z") for moment in (before, datetime.now(UTC))
    }
    assert given["at"] in yesterday
    assert {k: given[k] for k in ("contact_id", "purpose", "status", "source", "recorded_by")} == {
        "contact_id": 1,
        "purpose": "newsletter",
        "status": "given",
        "source": "web form",
        "recorded_by": "tester",
    }
    result = crm.ok(
        "--user", "ola", "gdpr", "consent", "kari@example.no", "--purpose", "newsletter", "--withdrawn"
    )
    assert result.stdout == ""
    assert result.stderr.startswith("Recorded: contact #1 withdrawn consent for newsletter at ")
    crm.ok("gdpr", "consent", "1", "--purpose", "marketing", "--given", "--source", "signed paper")

    listed = crm.ok("gdpr", "consent", "kari", "--json").json()
    assert [(r["purpose"], r["status"], r["recorded_by"]) for r in listed["records"]] == [
        ("newsletter", "given", "tester"),
        ("newsletter", "withdrawn", "ola"),
        ("marketing", "given", "tester"),
    ]
    assert {r["purpose"]: r["status"] for r in listed["current"]} == {
        "marketing": "given",
        "newsletter": "withdrawn",
    }
    only = crm.ok("gdpr", "consent", "kari", "--purpose", "NEWSLETTER", "--json").json()
    assert [r["status"] for r in only["records"]] == ["given", "withdrawn"]
    assert [r["status"] for r in only["current"]] == ["withdrawn"]

    table = crm.ok("gdpr", "consent", "kari").stdout
    assert table.splitlines()[0].split() == ["PURPOSE", "STATUS", "AT", "SOURCE", "RECORDED", "BY"]
    assert "web form" in table and "signed paper" in table and "withdrawn" in table
    # The history says who recorded what.
    conn = sqlite3.connect(crm.db)
    rows = conn.execute("SELECT actor, action FROM history WHERE entity = 'consent' ORDER BY id").fetchall()
    conn.close()
    assert rows == [("tester", "create"), ("ola", "create"), ("tester", "create")]


def test_the_latest_answer_by_date_wins_not_the_last_typed(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    crm.ok("gdpr", "consent", "kari", "--purpose", "newsletter", "--given")
    # Recorded afterwards, but it happened two days ago: what holds now is still "given".
    crm.ok("gdpr", "consent", "kari", "--purpose", "newsletter", "--withdrawn", "--at", "2 days ago")
    current = crm.ok("gdpr", "consent", "kari", "--json").json()["current"]
    assert [(r["purpose"], r["status"]) for r in current] == [("newsletter", "given")]
    assert [r["name"] for r in crm.ok("contact", "list", "--consent", "newsletter", "--json").json()] == [
        "Kari Nordmann"
    ]


def test_contact_list_by_consent_lists_only_people_whose_latest_answer_is_given(crm) -> None:  # noqa: ANN001
    for name in ("Anna Given", "Bo Withdrew", "Cai Changed Mind", "Dag Never Asked", "Eva Marketing Only"):
        crm.ok("add", name)
    crm.ok("gdpr", "consent", "anna", "--purpose", "newsletter", "--given")
    crm.ok("gdpr", "consent", "bo", "--purpose", "newsletter", "--given", "--at", "3 days ago")
    crm.ok("gdpr", "consent", "bo", "--purpose", "newsletter", "--withdrawn")
    crm.ok("gdpr", "consent", "cai", "--purpose", "newsletter", "--withdrawn", "--at", "3 days ago")
    crm.ok("gdpr", "consent", "cai", "--purpose", "newsletter", "--given")
    crm.ok("gdpr", "consent", "eva", "--purpose", "marketing", "--given")
    # Same second, given then withdrawn: the later record holds.
    crm.ok("add", "Finn Same Second")
    crm.ok("gdpr", "consent", "finn", "--purpose", "newsletter", "--given", "--at", "1 hour ago")
    crm.ok("gdpr", "consent", "finn", "--purpose", "newsletter", "--withdrawn", "--at", "1 hour ago")

    def names(purpose: str) -> list[str]:
        return [r["name"] for r in crm.ok("contact", "list", "--consent", purpose, "--json").json()]

    assert names("newsletter") == ["Anna Given", "Cai Changed Mind"]
    assert names(" NewsLetter ") == ["Anna Given", "Cai Changed Mind"]
    assert names("marketing") == ["Eva Marketing Only"]
    assert names("events") == []
    assert len(crm.ok("contact", "list", "--json").json()) == 6


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("kari", "--given"), "--purpose"),
        (("nobody@nowhere.example", "--purpose", "newsletter", "--given"), "nobody@nowhere.example"),
        (("kari", "--purpose", "newsletter", "--given", "--at", "when pigs fly"), "when pigs fly"),
        (("kari", "--purpose", "newsletter", "--given", "--at", "tomorrow 10:00"), "future"),
        (("kari", "--purpose", "   ", "--given"), "purpose"),
        (("kari", "--purpose", "news;letter", "--given"), "news;letter"),
        (("kari", "--purpose", "newsletter", "--source", "web"), "--given"),
        (("kari", "--purpose", "newsletter", "--given", "--withdrawn"), "not both"),
        (("kari", "--purpose", "newsletter", "--withdrawn", "--given"), "not both"),
    ],
)
def test_bad_consent_input_is_one_sentence_and_writes_nothing(crm, args, expected) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.no")
    crm.ok("gdpr", "consent", "kari", "--purpose", "newsletter", "--given")
    before = every_row(crm.db)
    result = crm.fails("gdpr", "consent", *args)
    assert expected in one_sentence(result.stderr)
    assert result.stdout == ""
    assert every_row(crm.db) == before


def test_list_by_a_malformed_purpose_is_one_sentence(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    assert "purpose" in one_sentence(crm.fails("contact", "list", "--consent", "!!").stderr)


# --- export -------------------------------------------------------------------------------


def build_person(crm) -> dict[str, int]:  # noqa: ANN001
    """A person with something in every kind of record, all through the CLI."""
    name = PERSON
    contact = crm.ok(
        "add",
        FIRST_NAME,
        "--email",
        OLD_EMAIL,
        "--phone",
        OLD_PHONE_TYPED,
        "--company",
        "Acme Fjord AS",
        "--title",
        f"Head of {name} Ventures",
        "--country",
        "NO",
        "--birthday",
        "1980-02-29",
        "--tag",
        "vip",
        "--tag",
        "zyx-fan",
        "--field",
        f"nickname=Zyxie {name}",
        "--json",
    ).json()
    ref = str(contact["id"])
    # Later details: a corrected name, a new primary address and number, a new title.
    crm.ok(
        "contact",
        "edit",
        ref,
        "--name",
        name,
        "--email",
        EMAIL,
        "--email",
        OLD_EMAIL,
        "--phone",
        PHONE_TYPED,
        "--title",
        "CEO",
    )
    crm.ok("log", ref, "call", f"Called {name} on {PHONE_TYPED} about the renewal", "--outcome", "Interested")
    crm.ok("log", EMAIL, "note", f"{name} prefers e-mail: {EMAIL}", "--at", "yesterday 09:30")
    deal = crm.ok(
        "deal", "add", f"Renewal for {name}", "--contact", EMAIL, "--amount", "12 500", "--json"
    ).json()
    crm.ok("deal", "won", str(deal["id"]))
    case = crm.ok(
        "case",
        "open",
        EMAIL,
        f"Printer broken at {name}'s office",
        "--body",
        f"Hi, {name} here, call me on {PHONE_TYPED}",
        "--json",
    ).json()
    crm.ok("case", "reply", str(case["id"]), f"Dear {name}, it is fixed.")
    crm.ok("case", "reply", str(case["id"]), f"Thanks! {name}, {EMAIL}", "--inbound")
    crm.ok("feedback", "add", EMAIL, "--nps", "9", "--comment", f"Great service, {name}")
    crm.ok("gdpr", "consent", EMAIL, "--purpose", "newsletter", "--given", "--source", f"signed by {name}")
    return {"contact": contact["id"], "deal": deal["id"], "case": case["id"]}


def build_other(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Ola Hansen", "--email", "ola@example.no", "--phone", "+4722000111", "--tag", "partner")
    crm.ok("log", "ola", "meeting", "Ola showed the Oslo office")
    crm.ok("deal", "add", "Ola's own deal", "--contact", "ola", "--amount", "700")
    crm.ok("feedback", "add", "ola", "--csat", "4", "--comment", "Ola is happy")
    crm.ok("gdpr", "consent", "ola", "--purpose", "newsletter", "--given")


LABEL_CASES = """
[[rules]]
name = "Printers"
on = "case.opened"
when = { field = "subject", op = "contains", value = "Printer" }
add_tags = ["hardware"]
set = { asset = "HP-42" }
"""


def test_export_holds_everything_about_the_person_and_nobody_else(crm) -> None:  # noqa: ANN001
    crm.write_config(LABEL_CASES)
    ids = build_person(crm)
    build_other(crm)
    text = crm.ok("gdpr", "export", EMAIL).stdout
    data = json.loads(text)

    assert data["contact"]["id"] == ids["contact"]
    assert data["contact"]["name"] == PERSON and data["contact"]["email"] == EMAIL
    assert data["contact"]["company"] == "Acme Fjord AS" and data["contact"]["birthday"] == "1980-02-29"
    assert {p["value"] for p in data["contact_points"]} == {EMAIL, OLD_EMAIL, PHONE}
    assert data["tags"] == ["vip", "zyx-fan"]
    assert data["custom_fields"] == {"nickname": f"Zyxie {PERSON}"}
    assert sorted(a["note"] for a in data["activities"]) == sorted(
        [f"Called {PERSON} on {PHONE_TYPED} about the renewal", f"{PERSON} prefers e-mail: {EMAIL}"]
    )
    assert [(d["title"], d["status"], d["amount_minor"]) for d in data["deals"]] == [
        (f"Renewal for {PERSON}", "won", 1250000)
    ]
    assert [(c["subject"], c["tags"], c["custom_fields"]) for c in data["cases"]] == [
        (f"Printer broken at {PERSON}'s office", ["hardware"], {"asset": "HP-42"})
    ]
    bodies = [e["body"] for e in data["case_events"] if e["body"]]
    assert f"Hi, {PERSON} here, call me on {PHONE_TYPED}" in bodies
    assert f"Dear {PERSON}, it is fixed." in bodies and f"Thanks! {PERSON}, {EMAIL}" in bodies
    assert [(f["kind"], f["score"], f["comment"]) for f in data["feedback"]] == [
        ("nps", 9, f"Great service, {PERSON}")
    ]
    assert [(c["purpose"], c["status"], c["source"]) for c in data["consents"]] == [
        ("newsletter", "given", f"signed by {PERSON}")
    ]
    assert [c["to_stage"] for c in data["lifecycle_changes"]][-1] == "customer"
    # History, with the values before and after each change: the first name and old address too.
    history = data["history"]
    kinds = {(h["entity"], h["action"]) for h in history}
    assert {
        ("contact", "create"),
        ("contact", "update"),
        ("deal", "create"),
        ("case", "create"),
        ("activity", "create"),
        ("feedback", "create"),
        ("consent", "create"),
    } <= kinds
    edit = next(h for h in history if h["entity"] == "contact" and h["action"] == "update")
    assert edit["before"]["name"] == FIRST_NAME and edit["after"]["name"] == PERSON
    assert edit["before"]["title"] == f"Head of {PERSON} Ventures" and edit["after"]["title"] == "CEO"
    assert edit["command"] == "contact edit"
    # Nothing of Ola's.
    for theirs in ("Ola", "ola@example.no", "4722000111", "partner", "Oslo office", "happy"):
        assert theirs not in text, theirs
    assert data["mentions"] == {}, json.dumps(data["mentions"], indent=1, ensure_ascii=False)


def test_export_includes_what_others_wrote_about_the_person_but_not_who_they_are(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.no")
    build_other(crm)
    crm.ok("log", "ola", "note", "Ola says KARI NORDMANN (kari@example.no) wants a demo")
    data = json.loads(crm.ok("gdpr", "export", "kari").stdout)
    assert [a["note"] for a in data["mentions"]["activities"]] == [
        "Ola says KARI NORDMANN (kari@example.no) wants a demo"
    ]
    assert "ola@example.no" not in json.dumps(data) and "Ola Hansen" not in json.dumps(data)


def test_export_to_a_file_is_private_and_whole(crm, tmp_path: Path) -> None:  # noqa: ANN001
    build_person(crm)
    target = tmp_path / "out" / "zyx.json"
    target.parent.mkdir()
    old_umask = os.umask(0)
    try:
        result = crm.ok("gdpr", "export", EMAIL, "--output", str(target))
    finally:
        os.umask(old_umask)
    assert result.stdout == ""
    assert result.stderr.startswith("Wrote everything held about contact #1 to ")
    assert mode(target) == 0o600
    assert json.loads(target.read_text(encoding="utf-8"))["contact"]["name"] == PERSON
    assert [p.name for p in target.parent.iterdir()] == ["zyx.json"]

    # An existing file is replaced only with --yes (nobody can be asked here).
    target.write_text("keep me", encoding="utf-8")
    target.chmod(0o644)
    failed = crm.fails("gdpr", "export", EMAIL, "-o", str(target))
    assert "--yes" in one_sentence(failed.stderr)
    assert target.read_text(encoding="utf-8") == "keep me"
    crm.ok("gdpr", "export", EMAIL, "-o", str(target), "--yes")
    assert json.loads(target.read_text(encoding="utf-8"))["contact"]["email"] == EMAIL
    assert mode(target) == 0o600


def test_export_of_nobody_is_one_sentence(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    result = crm.fails("gdpr", "export", "nobody@nowhere.example", "-o", str(tmp_path / "x.json"))
    assert "nobody@nowhere.example" in one_sentence(result.stderr)
    assert not (tmp_path / "x.json").exists()


# --- forget -------------------------------------------------------------------------------


def name_forms(name: str) -> set[str]:
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    forms = {name, bare, unicodedata.normalize("NFD", name)}
    return {f for form in forms for f in (form, form.lower(), form.upper(), form.casefold())}


# What must not be found anywhere after the erasure.
NAMES = name_forms(PERSON) | name_forms(FIRST_NAME) | name_forms("Zyxwaldo") | name_forms("Quénby")
ADDRESSES = {EMAIL, EMAIL.upper(), OLD_EMAIL, "zyxwaldo@", "zyx.old@"}
NUMBERS = {
    PHONE,
    PHONE_TYPED,
    OLD_PHONE,
    OLD_PHONE_TYPED,
    "91234567",
    "22334455",
    "912 34 567",
    "22 33 44 55",
}
NEEDLES = sorted(NAMES | ADDRESSES | NUMBERS)


def mentions_in_tables(db: Path) -> list[str]:
    """Every (table, column, needle) where any row's value holds a needle, in any letter case."""
    conn = sqlite3.connect(db)
    hits: list[str] = []
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert "contacts_fts" in tables and "history" in tables
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    folded = text.casefold()
                    hits += [f"{table}.{column}: {n}" for n in NEEDLES if n.casefold() in folded]
    finally:
        conn.close()
    return sorted(set(hits))


def search_index_hits(db: Path) -> list[str]:
    """What each full-text index finds through MATCH (trigrams) and LIKE."""
    conn = sqlite3.connect(db)
    hits: list[str] = []
    try:
        virtual = "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%fts5%'"
        fts = [r[0] for r in conn.execute(virtual)]
        assert set(fts) >= {"contacts_fts", "activities_fts", "companies_fts"}
        for table in fts:
            for needle in (
                "zyxwaldo",
                "quénby",
                "quenby",
                "zyx.old",
                "4791234567",
                "4722334455",
                "912 34 567",
            ):
                for how, where, value in (
                    ("MATCH", f"{table} MATCH ?", f'"{needle}"'),
                    ("LIKE", "text LIKE ?", f"%{needle}%"),
                ):
                    if conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", [value]).fetchone()[0]:
                        hits.append(f"{table} {how} {needle}")
    finally:
        conn.close()
    return hits


def raw_hits(db: Path) -> list[str]:
    """Needles found in the bytes of the database file and its write-ahead log."""
    hits = []
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-journal")):
        if not path.exists():
            continue
        data = path.read_bytes()
        hits += [f"{path.name}: {n}" for n in NEEDLES if n.encode("utf-8") in data]
    return hits


def test_forget_leaves_no_trace_in_tables_indexes_or_bytes_and_figures_stay_true(crm, crm_process) -> None:  # noqa: ANN001
    ids = build_person(crm)
    build_other(crm)
    # Someone else's records that mention the person, in other letter cases and without accents.
    crm.ok(
        "log",
        "ola",
        "note",
        f"Met {PERSON.upper()} and zyxwaldo quenby at the fair ({EMAIL.upper()}, {PHONE}, {PHONE_TYPED})",
    )
    crm.ok("contact", "edit", "ola", "--field", f"referrer={PERSON}", "--title", f"Assistant to {PERSON}")
    crm.ok("deal", "add", f"Intro via {PERSON}", "--contact", "ola", "--amount", "300")
    decomposed = unicodedata.normalize("NFD", PERSON)  # as some keyboards and macOS file names write it
    crm.ok("log", "ola", "call", "Ola again", "--outcome", f"wants what {decomposed} has; 0047-912-34-567")
    kpis_before = kpi_values(crm)
    deals_before = {
        d["id"]: (d["amount_minor"], d["currency"], d["status"], d["stage"])
        for d in crm.ok("deal", "list", "--status", "all", "--json").json()
    }
    contacts_before = len(crm.ok("contact", "list", "--json").json())
    # The checks can fail: before the erasure they find the person everywhere.
    assert len(mentions_in_tables(crm.db)) > 20
    assert search_index_hits(crm.db)
    crm.ok("db", "backup", str(crm.db.parent / "before.db"))  # a consistent copy: the bytes on disk
    assert raw_hits(crm.db.parent / "before.db")

    result = crm_process("gdpr", "forget", EMAIL, "--yes", "--reason", f"Request from {PERSON} by letter")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"Erased contact #{ids['contact']} (")
    assert "backup file(s)" not in result.stderr  # before.db is not in the backups folder

    # (a) no table, no column, no search index names them.
    assert mentions_in_tables(crm.db) == [], "\n".join(mentions_in_tables(crm.db))
    assert search_index_hits(crm.db) == []
    # (b) nor do the bytes of the file (free pages and the write-ahead log included).
    assert raw_hits(crm.db) == []
    # (c) the figures are the same: the won deal still counts, with its amount.
    assert kpi_values(crm) == kpis_before
    assert kpis_before["won_value"] == "12500.00" and kpis_before["deals_won"] == 1
    deals_after = crm.ok("deal", "list", "--status", "all", "--json").json()
    assert {
        d["id"]: (d["amount_minor"], d["currency"], d["status"], d["stage"]) for d in deals_after
    } == deals_before
    assert next(d for d in deals_after if d["id"] == ids["deal"])["contact"] == "[erased]"
    assert len(crm.ok("contact", "list", "--json").json()) == contacts_before
    # Ola is still Ola; what they wrote about the person says "[erased]".
    ola = crm.ok("contact", "show", "ola", "--json").json()["contact"]
    assert ola["fields"] == {"referrer": "[erased]"}
    assert (
        ola["name"] == "Ola Hansen"
        and ola["email"] == "ola@example.no"
        and ola["title"] == "Assistant to [erased]"
    )
    assert crm.ok("contact", "list", "--search", "Oslo office", "--json").json()[0]["name"] == "Ola Hansen"
    assert crm.ok("contact", "list", "--search", "zyxwaldo", "--json").json() == []
    # (d) the erasure is recorded, without saying of whom.
    conn = sqlite3.connect(crm.db)
    try:
        erasures = conn.execute("SELECT * FROM erasures").fetchall()
        columns = [r[1] for r in conn.execute("PRAGMA table_info(erasures)")]
        erased = conn.execute(
            "SELECT name, email, phone, uid FROM contacts WHERE id = ?", [ids["contact"]]
        ).fetchone()
    finally:
        conn.close()
    assert len(erasures) == 1
    row = dict(zip(columns, erasures[0], strict=True))
    assert not any("contact" in c for c in columns)
    assert row["actor"] == "tester" and row["reason"] == "Request from [erased] by letter"
    assert str(ids["contact"]) not in json.dumps({k: v for k, v in row.items() if k not in ("id", "at")})
    assert erased[:3] == ("[erased]", None, None)
    # (e) undo refuses to bring anything back.
    before_undo = every_row(crm.db)
    assert "cannot be undone" in one_sentence(crm.fails("undo").stderr)
    assert every_row(crm.db) == before_undo
    # Nothing more can be recorded about them, nor can they be erased twice.
    assert "erased" in one_sentence(
        crm.fails("gdpr", "consent", str(ids["contact"]), "--purpose", "x", "--given").stderr
    )
    assert "erased" in one_sentence(crm.fails("gdpr", "forget", str(ids["contact"]), "--yes").stderr)
    assert every_row(crm.db) == before_undo
    # (g) the doctor is content and (h) SQLite too.
    assert "No problems found" in crm.ok("db", "doctor").stderr
    conn = sqlite3.connect(crm.db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    assert mode(crm.db) == 0o600
    assert raw_hits(crm.db) == []


def test_forget_names_backups_that_still_hold_the_person(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.no")
    crm.ok("db", "backup")
    result = crm.ok("gdpr", "forget", "kari", "--yes", "--json").json()
    assert result["older_backups"] == 1 and result["wal_cleared"] is True
    assert result["erased"]["addresses and numbers"] == 1


def test_forget_counts_every_copy_that_backups_and_restores_kept(
    crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    """Copies made in the same second take the names backup.py gives them then:
    `crm-<time>-2.db`, and `crm.db-2.before-restore-<time>` for a second restore."""
    from crmcli.storage import backup

    monkeypatch.setattr(backup, "stamp", lambda moment=None: "20261201T135503Z")
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.no")
    copy = tmp_path / "elsewhere.db"
    crm.ok("db", "backup", str(copy))  # a file of the user's choosing, outside backups/: not known
    crm.ok("db", "backup")
    crm.ok("db", "backup")
    crm.ok("db", "restore", str(copy), "--yes")
    crm.ok("db", "restore", str(copy), "--yes")
    assert sorted(p.name for p in tmp_path.iterdir() if "before-restore" in p.name) == [
        "crm.db-2.before-restore-20261201T135503Z",
        "crm.db.before-restore-20261201T135503Z",
    ]
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == [
        "crm-20261201T135503Z-2.db",
        "crm-20261201T135503Z.db",
    ]
    assert crm.ok("gdpr", "forget", "kari", "--yes", "--json").json()["older_backups"] == 4
    # A restore over a damaged database sets its journal aside with it: part of that copy.
    Path(f"{crm.db}.before-restore-20261201T135503Z-wal").write_bytes(b"journal")
    crm.ok("add", "Ola Hansen", "--email", "ola@example.no")
    assert crm.ok("gdpr", "forget", "ola", "--yes", "--json").json()["older_backups"] == 4


def test_forget_without_yes_off_a_terminal_refuses_and_changes_nothing(crm, crm_process) -> None:  # noqa: ANN001
    crm.ok("add", PERSON, "--email", EMAIL, "--phone", PHONE_TYPED)
    crm.ok("log", EMAIL, "note", f"{PERSON} called")
    before = every_row(crm.db)
    piped = crm_process("gdpr", "forget", EMAIL, input="y\n")
    assert piped.returncode == 1
    assert "--yes" in one_sentence(piped.stderr)
    assert crm.fails("gdpr", "forget", EMAIL).stderr.count("\n") == 1
    assert every_row(crm.db) == before
    assert "nobody@nowhere.example" in one_sentence(
        crm.fails("gdpr", "forget", "nobody@nowhere.example", "--yes").stderr
    )
    assert every_row(crm.db) == before


def test_forget_keeps_a_namesake_and_their_history(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.no")
    crm.ok("add", "Kari Nordmann", "--email", "kari.two@example.no")
    crm.ok("contact", "edit", "kari.two@example.no", "--title", "CFO")
    done = crm.ok("gdpr", "forget", "kari@example.no", "--yes").stderr
    assert done.startswith("Erased contact #1 (") and " 0 " not in done
    names = sorted(r["name"] for r in crm.ok("contact", "list", "--json").json())
    assert names == ["Kari Nordmann", "[erased]"]
    data = json.loads(crm.ok("gdpr", "export", "kari.two@example.no").stdout)
    assert data["contact"]["name"] == "Kari Nordmann" and data["contact"]["title"] == "CFO"
    assert "No problems found" in crm.ok("db", "doctor").stderr


def test_forget_erases_the_name_as_typed_without_its_special_letters(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Mette Østergaard", "--email", "mette@example.dk")
    crm.ok("add", "Ola Hansen")
    crm.ok("log", "ola", "note", "Lunch with Mette Ostergaard and METTE ØSTERGAARD")
    crm.ok("gdpr", "forget", "mette@example.dk", "--yes")
    notes = [a["note"] for a in crm.ok("activity", "list", "--json").json()]
    assert notes == ["Lunch with [erased] and [erased]"]
    assert crm.ok("contact", "list", "--search", "ostergaard", "--json").json() == []


def test_a_person_named_like_a_team_member_leaves_the_teams_handles_alone(crm) -> None:  # noqa: ANN001
    crm.write_config('[[team]]\nhandle = "ada"\n[[team]]\nhandle = "mei"\n')
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.com", "--owner", "mei")
    crm.ok("case", "open", "kari", "Printer is broken", "--owner", "mei")
    crm.ok("--user", "mei", "contact", "edit", "kari", "--title", "CTO")
    crm.ok("add", "Mei", "--email", "mei.wong@example.org")
    exported = json.loads(crm.ok("gdpr", "export", "Mei").stdout)
    assert "contacts" not in exported["mentions"] and "cases" not in exported["mentions"]
    crm.ok("gdpr", "forget", "mei.wong@example.org", "--yes")
    kari = crm.ok("show", "kari", "--json").json()["contact"]
    assert kari["owner"] == "mei"
    assert [c["owner"] for c in crm.ok("case", "list", "--json").json()] == ["mei"]
    actors = {row[0] for row in sqlite3.connect(crm.db).execute("SELECT actor FROM changes")}
    assert "mei" in actors and "[erased]" not in actors
    assert crm.ok("--user", "mei", "undo").stderr.startswith("Undid change")  # mei's edit is still hers


def test_an_undone_merge_leaves_neither_persons_values_with_the_other(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@fjord.no")
    crm.ok("add", "Kari Nordman", "--email", "kari.nordman@gmail.com", "--phone", "+4798765432",
           "--title", "Nurse", "--field", "diagnosis=asthma")  # fmt: skip
    crm.ok("contact", "merge", "1", "2", "--yes")
    crm.ok("undo")
    theirs = ("kari.nordman@gmail.com", "4798765432", "asthma", "Nurse")
    export = crm.ok("gdpr", "export", "1").stdout
    assert [value for value in theirs if value in export] == []
    assert "merged with another contact, undone since" in export
    crm.ok("gdpr", "forget", "2", "--yes")
    conn = sqlite3.connect(crm.db)
    history = " ".join(
        str(cell) for row in conn.execute("SELECT before, after, note FROM history") for cell in row
    )
    assert [value for value in theirs if value in history] == []
    kept = crm.ok("show", "1", "--json").json()["contact"]
    assert (kept["name"], kept["emails"], kept.get("title")) == ("Kari Nordmann", ["kari@fjord.no"], None)


# --- file modes ---------------------------------------------------------------------------


def test_database_backup_and_restore_are_private_under_an_open_umask(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """tests/safety/test_db.py checks the modes under the usual umask; here nothing is masked."""
    old_umask = os.umask(0)
    try:
        crm.ok("add", "Kari Nordmann", "--email", "kari@example.no")
        sides = [crm.db] + [p for p in (Path(f"{crm.db}-wal"), Path(f"{crm.db}-shm")) if p.exists()]
        assert {p.name: mode(p) for p in sides} == {p.name: 0o600 for p in sides}
        copy = tmp_path / "copy.db"
        crm.ok("db", "backup", str(copy))
        crm.ok("db", "backup")
        (default,) = (crm.db.parent / "backups").glob("crm-*.db")
        assert (mode(copy), mode(default), mode(default.parent)) == (0o600, 0o600, 0o700)
        crm.ok("add", "Ola Hansen")
        kept = Path(crm.ok("db", "restore", str(copy), "--yes", "--json").json()["kept"])
        crm.ok("contact", "list")
        sides = [crm.db, kept] + [p for p in (Path(f"{crm.db}-wal"), Path(f"{crm.db}-shm")) if p.exists()]
        assert {p.name: mode(p) for p in sides} == {p.name: 0o600 for p in sides}
        assert [r["name"] for r in crm.ok("contact", "list", "--json").json()] == ["Kari Nordmann"]
    finally:
        os.umask(old_umask)


def test_a_deleted_persons_id_is_never_given_again(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """SQLite would give the next record max(id) + 1, the id of a record just deleted; the
    history still holds that person's rows under it, and a new person's export would carry
    them. Not by `crm add`, nor by an import, nor for the other records with a history."""
    crm.ok("add", "Secret Person", "--email", "secret@private.example", "--phone", "+4791234567")
    crm.ok("contact", "delete", "secret@private.example", "--yes")
    crm.ok("add", "Innocent Bystander", "--email", "inn@example.com")
    assert crm.ok("contact", "show", "inn@example.com", "--json").json()["contact"]["id"] == 2
    export = tmp_path / "inn.json"
    crm.ok("gdpr", "export", "inn@example.com", "--output", str(export))
    text = export.read_text(encoding="utf-8")
    assert "secret" not in text.lower() and "4791234567" not in text

    crm.ok("contact", "delete", "inn@example.com", "--yes")
    people = tmp_path / "people.csv"
    people.write_text("name,email\nOla Nordmann,ola@example.com\n", encoding="utf-8")
    crm.ok("import", "contacts", str(people))
    assert crm.ok("contact", "show", "ola@example.com", "--json").json()["contact"]["id"] == 3

    crm.ok("log", "ola@example.com", "call", "First call")
    crm.ok("activity", "delete", "1", "--yes")
    crm.ok("log", "ola@example.com", "note", "Second note")
    assert [a["id"] for a in crm.ok("activity", "list", "--json").json()] == [2]
