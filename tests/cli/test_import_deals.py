"""crm import deals|activities: other CRMs' exports and crm's own field names, validation as
on entry (stages of the pipeline, exact amounts, currencies, kinds), links to contacts and
companies, duplicates by uid, all or nothing."""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers import write_csv

CONFIG = """\
base_currency = "EUR"
lost_reasons = ["price", "competitor", "went quiet"]

[[team]]
handle = "karin"
name = "Karin Lindqvist"
email = "karin@example.com"

[[team]]
handle = "tester"

[[pipelines]]
name = "new business"
[[pipelines.stages]]
name = "lead-in"
probability = 5
[[pipelines.stages]]
name = "needs analysis"
probability = 30
[[pipelines.stages]]
name = "proposal"
probability = 60
"""


def query(crm, sql: str, params: tuple = ()) -> list[tuple]:  # noqa: ANN001
    if not crm.db.exists():
        return []
    conn = sqlite3.connect(crm.db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def deals(crm) -> dict[str, dict]:  # noqa: ANN001
    return {d["title"]: d for d in crm.ok("deal", "list", "--status", "all", "--json").json()}


@pytest.fixture
def people(crm):  # noqa: ANN001, ANN201
    crm.write_config(CONFIG)
    crm.ok("add", "Ada Lovelace", "--email", "ada@example.com", "--company", "Analytical Engines")
    crm.ok("add", "Bob Berg", "--email", "bob@example.com", "--stage", "lead")
    return crm


# --- deals: other CRMs' exports -----------------------------------------------------------------


def test_pipedrive_deals_open_won_and_lost(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    crm.ok("company", "add", "Berg AS")  # a deals file names companies; it makes none
    source = write_csv(
        tmp_path / "pipedrive.csv",
        [
            [
                "Deal - ID",
                "Deal - Title",
                "Deal - Value",
                "Deal - Currency",
                "Deal - Organization",
                "Deal - Contact person",
                "Deal - Stage",
                "Deal - Status",
                "Deal - Owner",
                "Deal - Expected close date",
                "Deal - Lost reason",
                "Deal - Won time",
                "Deal - Weighted value",
                "Deal - Label",
            ],
            [
                "1",
                "Engines",
                "12500.50",
                "NOK",
                "",
                "Ada Lovelace",
                "Needs Analysis",
                "open",
                "Karin Lindqvist",
                "2026-05-31",
                "",
                "",
                "3750",
                "hot",
            ],
            [
                "2",
                "Support",
                "900",
                "EUR",
                "Berg AS",
                "bob@example.com",
                "Proposal",
                "won",
                "",
                "",
                "",
                "2026-01-15 10:00",
                "900",
                "",
            ],
            [
                "3",
                "Training",
                "1 200",
                "EUR",
                "",
                "Ada Lovelace",
                "Lead-in",
                "lost",
                "",
                "2026-02-01",
                "Price",
                "",
                "0",
                "",
            ],
        ],
    )
    result = crm.ok("import", "deals", str(source))
    assert "3 rows: 3 created, 0 updated, 0 unchanged, 0 skipped as duplicates, 0 rejected." in result.stderr
    found = deals(crm)
    engines = found["Engines"]
    assert (engines["pipeline"], engines["stage"], engines["status"]) == (
        "new business",
        "needs analysis",
        "open",
    )
    assert (engines["amount_minor"], engines["currency"], engines["amount"]) == (1250050, "NOK", "12500.50")
    assert (engines["contact"], engines["company"], engines["owner"]) == (
        "Ada Lovelace",
        "Analytical Engines",
        "karin",
    )
    assert engines["close_date"] == "2026-05-31"
    support = found["Support"]
    assert (support["status"], support["stage"], support["won_at"]) == ("won", "won", "2026-01-15T10:00:00Z")
    assert support["close_date"] == "2026-01-15" and support["company"] == "Berg AS"
    training = found["Training"]
    assert (training["status"], training["lost_reason"], training["close_date"]) == (
        "lost",
        "price",
        "2026-02-01",
    )
    # the won deal made its contact a customer, as `crm deal won` does
    bob = crm.ok("contact", "show", "bob@example.com", "--json").json()["contact"]
    assert bob["lifecycle_stage"] == "customer"
    # a closed deal remembers the stage it was closed from (crm deal reopen goes back there)
    stages = query(
        crm,
        "SELECT from_stage, to_stage FROM deal_stage_changes WHERE deal_id = ? ORDER BY id",
        (support["id"],),
    )
    assert stages == [(None, "proposal"), ("proposal", "won")]
    crm.ok("deal", "reopen", str(support["id"]))
    assert deals(crm)["Support"]["stage"] == "proposal"
    fields = query(crm, "SELECT key, value FROM custom_fields WHERE entity = 'deal' ORDER BY entity_id")
    assert fields == []  # weighted value and the ids are not kept
    # Pipedrive's deal label is a tag, as its person label is a contact's
    assert query(crm, "SELECT tag FROM tags WHERE entity = 'deal'") == [("hot",)]


def test_hubspot_deals(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    source = write_csv(
        tmp_path / "hubspot.csv",
        [
            [
                "Record ID",
                "Deal Name",
                "Deal Stage",
                "Close Date",
                "Deal owner",
                "Amount",
                "Pipeline",
                "Create Date",
                "Associated Contact",
                "Associated Company",
                "Deal Type",
            ],
            [
                "901",
                "Analytical upgrade",
                "Proposal",
                "2026-06-30",
                "karin@example.com",
                "5000",
                "new business",
                "2025-11-01 08:00",
                "Ada Lovelace (ada@example.com)",
                "",
                "existingbusiness",
            ],
            [
                "902",
                "Berg pilot",
                "closedwon",
                "2026-01-31",
                "",
                "1,250.00",
                "",
                "2025-10-01",
                "Bob Berg",
                "",
                "newbusiness",
            ],
        ],
    )
    crm.ok("import", "deals", str(source))
    found = deals(crm)
    upgrade = found["Analytical upgrade"]
    assert (upgrade["stage"], upgrade["kind"], upgrade["owner"]) == ("proposal", "upsell", "karin")
    assert (upgrade["amount_minor"], upgrade["currency"]) == (500000, "EUR")
    assert upgrade["contact"] == "Ada Lovelace" and upgrade["created_at"] == "2025-11-01T08:00:00Z"
    pilot = found["Berg pilot"]
    assert (pilot["status"], pilot["kind"], pilot["amount_minor"]) == ("won", "new", 125000)
    assert pilot["won_at"] == "2026-01-31T00:00:00Z" and pilot["pipeline"] == "new business"


def test_salesforce_opportunities(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    crm.ok("company", "add", "Fleet Co")  # the account, imported before its opportunities
    source = write_csv(
        tmp_path / "salesforce.csv",
        [
            [
                "Opportunity Name",
                "Account Name",
                "Amount",
                "Close Date",
                "Stage",
                "Type",
                "Probability (%)",
                "Lead Source",
                "Opportunity Owner",
                "Fiscal Period",
                "Loss Reason",
            ],
            [
                "Engines renewal",
                "Analytical Engines",
                "$24,000.00",
                "3/31/2026",
                "Needs Analysis",
                "Existing Customer - Upgrade",
                "30",
                "Partner",
                "tester",
                "Q1-2026",
                "",
            ],
            [
                "New fleet",
                "Fleet Co",
                "7500",
                "4/15/2026",
                "Closed Lost",
                "New Customer",
                "0",
                "Web",
                "",
                "Q2-2026",
                "Competitor",
            ],
        ],
    )
    crm.ok("import", "deals", str(source))
    found = deals(crm)
    renewal = found["Engines renewal"]
    assert (renewal["amount_minor"], renewal["currency"]) == (2400000, "USD")
    assert (renewal["close_date"], renewal["stage"], renewal["kind"]) == (
        "2026-03-31",
        "needs analysis",
        "upsell",
    )
    assert renewal["company"] == "Analytical Engines" and renewal["contact"] is None
    fleet = found["New fleet"]
    assert (fleet["status"], fleet["company"], fleet["lost_reason"]) == ("lost", "Fleet Co", "competitor")
    fields = dict(
        query(
            crm,
            "SELECT key, value FROM custom_fields WHERE entity = 'deal' AND entity_id = ?",
            (renewal["id"],),
        )
    )
    assert fields == {"lead_source": "Partner"}


def test_our_own_field_names_are_all_recognised(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    header = [
        "id",
        "uid",
        "title",
        "contact_id",
        "contact",
        "company_id",
        "company",
        "pipeline",
        "stage",
        "status",
        "amount_minor",
        "currency",
        "close_date",
        "owner",
        "kind",
        "lost_reason",
        "won_at",
        "lost_at",
        "stage_entered_at",
        "created_at",
        "updated_at",
        "amount",
        "probability",
    ]
    row = [
        "7",
        "deal-uid-1",
        "Exported",
        "99",
        "Ada Lovelace",
        "98",
        "Analytical Engines",
        "new business",
        "proposal",
        "open",
        "123456",
        "NOK",
        "2026-09-30",
        "karin",
        "cross-sell",
        "",
        "",
        "",
        "2025-12-01T10:00:00Z",
        "2025-12-01T10:00:00Z",
        "2025-12-02T10:00:00Z",
        "1234.56",
        "60",
    ]
    source = write_csv(tmp_path / "export.csv", [header, row])
    mapping = crm.ok("import", "deals", str(source), "--dry-run", "--json").json()["mapping"]
    assert [m["how"] for m in mapping if m["how"] not in ("ours", "ignored", "alias")] == []
    crm.ok("import", "deals", str(source))
    exported = deals(crm)["Exported"]
    # names win over the ids of another database; the amount is read exactly
    assert (exported["contact"], exported["company"], exported["uid"]) == (
        "Ada Lovelace",
        "Analytical Engines",
        "deal-uid-1",
    )
    assert (exported["amount_minor"], exported["currency"], exported["kind"]) == (123456, "NOK", "cross-sell")
    assert exported["created_at"] == "2025-12-01T10:00:00Z" and exported["close_date"] == "2026-09-30"


# --- deals: validation as on entry ---------------------------------------------------------------


def test_each_bad_deal_is_rejected_with_its_reason(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    source = write_csv(
        tmp_path / "bad.csv",
        [
            [
                "title",
                "amount",
                "currency",
                "stage",
                "contact",
                "close_date",
                "kind",
                "status",
                "lost_reason",
            ],
            ["Good", "100", "EUR", "proposal", "ada@example.com", "2026-05-01", "", "", ""],
            ["No stage", "100", "EUR", "signing", "", "", "", "", ""],
            ["Bad currency", "100", "EURO", "", "", "", "", "", ""],
            ["Ambiguous amount", "1,500", "", "", "", "", "", "", ""],
            ["Too precise", "12.345", "EUR", "", "", "", "", "", ""],
            ["Nobody", "100", "", "", "nobody@example.com", "", "", "", ""],
            ["Bad date", "100", "", "", "", "31/02/2026", "", "", ""],
            ["Bad kind", "100", "", "", "", "", "barter", "", ""],
            ["", "100", "", "", "", "", "", "", ""],
            ["Bad reason", "100", "", "", "", "", "", "lost", "aliens"],
            ["Negative", "-5", "", "", "", "", "", "", ""],
        ],
    )
    rejects = tmp_path / "rejects.csv"
    result = crm.fails("import", "deals", str(source), "--rejects", str(rejects))
    assert query(crm, "SELECT count(*) FROM deals") == [(0,)]
    reasons = {int(r["crm_line"]): r["crm_reason"] for r in csv.DictReader(rejects.open(encoding="utf-8"))}
    assert sorted(reasons) == list(range(3, 13))
    assert reasons[3] == (
        "The pipeline new business has no stage 'signing'; its stages are lead-in, "
        "needs analysis, proposal (then won or lost)."
    )
    assert "EURO" in reasons[4] and "ISO 4217" in reasons[4]
    assert "1,500" in reasons[5]
    assert "12.345" in reasons[6]
    assert reasons[7] == "No contact has the e-mail nobody@example.com; import the contacts first."
    assert "31/02/2026" in reasons[8]
    assert reasons[9] == "Unknown deal kind 'barter'; use one of new, upsell, cross-sell."
    assert reasons[10] == "A deal needs a title; the row's title column is empty."
    assert "'aliens' is not a lost reason" in reasons[11]
    assert "-5" in reasons[12]
    assert "10 of 11 rows were rejected, so nothing was imported" in result.stderr
    crm.fails("import", "deals", str(source), "--partial")
    assert list(deals(crm)) == ["Good"]


def test_amounts_above_a_trillion_are_rejected(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "big.csv",
        [
            ["title", "amount", "amount_minor", "currency"],
            ["Largest", "1000000000000", "", "EUR"],
            ["Too large", "1000000000000.01", "", "EUR"],
            ["Too many minor units", "", "100000000000001", "EUR"],
            ["Beyond SQLite", "", "99999999999999999999", "JPY"],
        ],
    )
    rejects = tmp_path / "rejects.csv"
    crm.fails("import", "deals", str(source), "--rejects", str(rejects), "--partial")
    reasons = {int(r["crm_line"]): r["crm_reason"] for r in csv.DictReader(rejects.open(encoding="utf-8"))}
    limit = "is too large; an amount is at most 1,000,000,000,000"
    assert reasons == {
        3: f"The amount '1000000000000.01' {limit} EUR.",
        4: f"The amount_minor '100000000000001' {limit} EUR.",
        5: f"The amount_minor '99999999999999999999' {limit} JPY.",
    }
    assert query(crm, "SELECT title, amount_minor FROM deals") == [("Largest", 10**14)]


def test_a_file_without_a_title_column_is_refused(people, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(tmp_path / "d.csv", [["Value", "Stage"], ["100", "proposal"]])
    result = people.fails("import", "deals", str(source))
    assert (
        result.stderr
        == 'crm: The file has no column for the deal\'s title; name one with --map "Column=title".\n'
    )
    people.ok("import", "deals", str(source), "--map", "Stage=title")
    assert list(deals(people)) == ["proposal"]


def test_a_contact_name_matching_two_people_is_refused(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    crm.ok("add", "Ada Lovelace", "--email", "ada2@example.com")
    source = write_csv(tmp_path / "d.csv", [["Title", "Contact"], ["Engines", "ada lovelace"]])
    result = crm.fails("import", "deals", str(source))
    assert "  line 2: 'ada lovelace' matches several contacts (#1, #3); give the id instead." in result.stderr
    source = write_csv(tmp_path / "d.csv", [["Title", "Contact"], ["Engines", "ada2@example.com"]])
    crm.ok("import", "deals", str(source))
    assert deals(crm)["Engines"]["contact_id"] == 3


def test_names_are_found_with_their_accents_left_out_as_on_the_command_line(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("company", "add", "Malmö Mekaniska AB")
    crm.ok("add", "Søren K", "--email", "s@x.dk")
    source = write_csv(
        tmp_path / "d.csv", [["title", "company", "contact"], ["D", "malmo mekaniska ab", "SOREN K"]]
    )
    crm.ok("import", "deals", str(source))
    deal = deals(crm)["D"]
    assert (deal["company_id"], deal["contact_id"]) == (1, 1)
    source = write_csv(tmp_path / "a.csv", [["kind", "contact", "note"], ["call", "soren k", "x"]])
    crm.ok("import", "activities", str(source))
    assert [(a["note"], a["contact_id"]) for a in activities(crm)] == [("x", 1)]


def test_a_name_written_without_accents_matching_two_records_is_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("company", "add", "Malmö AB")
    crm.ok("company", "add", "Malmo AB", "--domain", "malmo.se")
    crm.ok("company", "add", "Målmo AB")
    # Written as one of them is stored: that one, as `crm deal add -c "Malmö AB"` finds it.
    source = write_csv(tmp_path / "d.csv", [["title", "company"], ["D", "malmö ab"], ["E", "Malmo AB"]])
    crm.ok("import", "deals", str(source))
    assert {t: d["company_id"] for t, d in deals(crm).items()} == {"D": 1, "E": 2}
    crm.ok("add", "Søren K", "--email", "s1@x.dk")
    crm.ok("add", "Sören K", "--email", "s2@x.dk")
    source = write_csv(
        tmp_path / "a.csv",
        [["kind", "contact", "company", "note"], ["call", "soren k", "", "x"], ["call", "", "malmø ab", "y"]],
    )
    result = crm.fails("import", "activities", str(source), "--partial")
    assert "  line 2: 'soren k' matches several contacts (#1, #2); give the id instead.\n" in result.stderr
    assert "  line 3: The company 'malmø ab' matches several companies; give its id or domain instead." in (
        result.stderr
    )


def test_imported_deals_fire_deal_created_for_routing_rules(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(
        CONFIG + '\n[[rules]]\nname = "Big deals to Karin"\non = "deal.created"\n'
        'when = { field = "amount", op = ">", value = 1000 }\nassign = "karin"\n'
    )
    source = write_csv(tmp_path / "d.csv", [["title", "amount"], ["Big", "5000"], ["Small", "50"]])
    crm.ok("import", "deals", str(source))
    found = deals(crm)
    assert (found["Big"]["owner"], found["Small"]["owner"]) == ("karin", "tester")


# --- deals: duplicates by uid --------------------------------------------------------------------


def test_deal_duplicates_by_uid_skip_update_and_error(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    first = write_csv(
        tmp_path / "a.csv",
        [
            ["uid", "title", "amount", "stage", "close_date", "contact"],
            ["d-1", "Engines", "1000", "lead-in", "2026-05-01", "Ada Lovelace"],
            ["d-1", "Engines again", "2000", "", "", ""],
        ],
    )
    result = crm.fails("import", "deals", str(first), "--on-duplicate", "error")
    assert "  line 3: A deal with the uid d-1 is in a row above already." in result.stderr
    result = crm.ok("import", "deals", str(first))
    assert "1 created, 0 updated, 0 unchanged, 1 skipped as duplicates" in result.stderr

    second = write_csv(
        tmp_path / "b.csv",
        [
            ["uid", "title", "amount", "stage", "close_date", "contact"],
            ["d-1", "Engines", "", "proposal", "", ""],
        ],
    )
    result = crm.fails("import", "deals", str(second), "--on-duplicate", "error")
    assert "A deal with the uid d-1 is in the database already." in result.stderr
    result = crm.ok("import", "deals", str(second), "--on-duplicate", "update")
    assert "0 created, 1 updated, 0 unchanged" in result.stderr
    engines = deals(crm)["Engines"]
    # moved to the new stage; the empty cells blanked nothing
    assert (engines["stage"], engines["amount_minor"], engines["close_date"]) == (
        "proposal",
        100000,
        "2026-05-01",
    )
    assert engines["contact"] == "Ada Lovelace"
    result = crm.ok("import", "deals", str(second), "--on-duplicate", "update")
    assert "0 created, 0 updated, 1 unchanged" in result.stderr
    won = write_csv(
        tmp_path / "c.csv", [["uid", "title", "amount", "status"], ["d-1", "Engines", "1500", "won"]]
    )
    crm.ok("import", "deals", str(won), "--on-duplicate", "update")
    engines = deals(crm)["Engines"]
    assert (engines["status"], engines["amount_minor"]) == ("won", 150000)
    assert query(crm, "SELECT count(*) FROM deals") == [(1,)]


# --- activities ---------------------------------------------------------------------------------


def activities(crm) -> list[dict]:  # noqa: ANN001
    return crm.ok("activity", "list", "--json").json()


def test_pipedrive_activities_with_follow_ups(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    crm.ok("deal", "add", "Engines", "--contact", "ada@example.com")
    crm.ok("company", "add", "Berg AS")
    source = write_csv(
        tmp_path / "pipedrive.csv",
        [
            [
                "Activity - ID",
                "Activity - Type",
                "Activity - Subject",
                "Activity - Note",
                "Activity - Due date",
                "Activity - Due time",
                "Activity - Duration",
                "Activity - Done",
                "Activity - Marked as done time",
                "Activity - Contact person",
                "Activity - Organization",
                "Activity - Deal",
                "Activity - Assigned to user",
            ],
            [
                "1",
                "call",
                "Intro call",
                "Talked prices",
                "2026-01-10",
                "14:30",
                "00:45",
                "Done",
                "",
                "Ada Lovelace",
                "",
                "Engines",
                "Karin Lindqvist",
            ],
            [
                "2",
                "deadline",
                "Send the offer",
                "",
                "2026-02-01",
                "",
                "",
                "To do",
                "",
                "bob@example.com",
                "",
                "",
                "",
            ],
            [
                "3",
                "lunch",
                "Lunch",
                "",
                "2026-01-20",
                "12:00",
                "01:30",
                "Done",
                "2026-01-20 13:45",
                "",
                "Berg AS",
                "",
                "",
            ],
        ],
    )
    result = crm.ok("import", "activities", str(source))
    assert "3 rows: 3 created" in result.stderr and "new compan" not in result.stderr
    rows = {a["note"].splitlines()[0]: a for a in activities(crm)}
    call = rows["Intro call"]
    assert call["kind"] == "call" and call["note"] == "Intro call\nTalked prices"
    assert (call["due_at"], call["done_at"], call["at"]) == ("2026-01-10T14:30:00Z",) * 3
    assert (call["duration_min"], call["owner"], call["deal_id"], call["status"]) == (45, "karin", 1, "done")
    offer = rows["Send the offer"]
    assert (offer["kind"], offer["status"], offer["due_at"]) == ("task", "open", "2026-02-01T23:59:59Z")
    lunch = rows["Lunch"]
    assert (lunch["kind"], lunch["done_at"], lunch["duration_min"]) == ("meeting", "2026-01-20T13:45:00Z", 90)
    assert lunch["company"] == "Berg AS" and lunch["contact"] is None


def test_hubspot_calls(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    source = write_csv(
        tmp_path / "hubspot.csv",
        [
            [
                "Record ID",
                "Activity type",
                "Activity date",
                "Call title",
                "Call notes",
                "Call duration (HH:mm:ss)",
                "Call direction",
                "Call outcome",
                "Associated Contact",
                "Activity assigned to",
            ],
            [
                "55",
                "CALL",
                "2026-03-02 09:15",
                "Follow-up",
                "Wants a demo",
                "00:05:31",
                "OUTBOUND",
                "Connected",
                "Ada Lovelace (ada@example.com)",
                "karin@example.com",
            ],
            [
                "56",
                "INCOMING_EMAIL",
                "2026-03-03 10:00",
                "Re: offer",
                "",
                "",
                "INBOUND",
                "",
                "bob@example.com",
                "",
            ],
            [
                "57",
                "CALL",
                "2026-03-04 11:00",
                "No answer",
                "",
                "00:00:00",
                "OUTBOUND",
                "No answer",
                "bob@example.com",
                "",
            ],
        ],
    )
    crm.ok("import", "activities", str(source))
    rows = {a["note"].splitlines()[0]: a for a in activities(crm)}
    call = rows["Follow-up"]
    assert (call["kind"], call["at"], call["duration_min"], call["direction"]) == (
        "call",
        "2026-03-02T09:15:00Z",
        6,
        "out",
    )
    assert (call["outcome"], call["owner"], call["status"]) == ("Connected", "karin", "logged")
    email = rows["Re: offer"]
    assert (email["kind"], email["direction"], email["contact"]) == ("email", "in", "Bob Berg")
    assert rows["No answer"]["duration_min"] is None
    # notes and outcomes are searchable, as for `crm log`
    listed = crm.ok("activity", "list", "--search", "demo", "--json").json()
    assert [a["note"] for a in listed] == ["Follow-up\nWants a demo"]
    # the contacts were touched
    ada = crm.ok("contact", "show", "ada@example.com", "--json").json()["contact"]
    assert ada["last_touch_at"] == "2026-03-02T09:15:00Z"


def test_our_own_activity_fields(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    header = [
        "id",
        "uid",
        "kind",
        "contact_id",
        "company_id",
        "deal_id",
        "case_id",
        "note",
        "at",
        "duration_min",
        "direction",
        "outcome",
        "due_at",
        "done_at",
        "owner",
        "created_at",
        "updated_at",
        "contact",
        "company",
        "status",
    ]
    rows = [
        header,
        [
            "4",
            "act-1",
            "meeting",
            "77",
            "",
            "",
            "",
            "Kick-off",
            "2026-01-05T09:00:00Z",
            "60",
            "",
            "good",
            "",
            "",
            "karin",
            "2026-01-05T10:00:00Z",
            "2026-01-05T10:00:00Z",
            "Ada Lovelace",
            "Analytical Engines",
            "logged",
        ],
        [
            "5",
            "act-2",
            "task",
            "",
            "",
            "",
            "",
            "Call back",
            "2026-01-06T09:00:00Z",
            "",
            "",
            "",
            "2026-01-09T16:00:00Z",
            "",
            "tester",
            "",
            "",
            "Bob Berg",
            "",
            "open",
        ],
    ]
    source = write_csv(tmp_path / "export.csv", rows)
    mapping = crm.ok("import", "activities", str(source), "--dry-run", "--json").json()["mapping"]
    assert {m["how"] for m in mapping} <= {"ours", "alias", "ignored"}
    crm.ok("import", "activities", str(source))
    found = {a["uid"]: a for a in crm.ok("activity", "list", "--json").json()}
    kickoff, callback = found["act-1"], found["act-2"]
    assert (kickoff["contact"], kickoff["duration_min"], kickoff["outcome"], kickoff["status"]) == (
        "Ada Lovelace",
        60,
        "good",
        "logged",
    )
    assert (callback["status"], callback["due_at"], callback["contact"]) == (
        "open",
        "2026-01-09T16:00:00Z",
        "Bob Berg",
    )


def test_each_bad_activity_is_rejected_with_its_reason(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    source = write_csv(
        tmp_path / "bad.csv",
        [
            ["kind", "contact", "company", "note", "at", "duration", "direction", "deal", "done"],
            ["call", "ada@example.com", "", "fine", "2026-01-02 10:00", "30", "out", "", ""],
            ["dance", "ada@example.com", "", "", "", "", "", "", ""],
            ["note", "ada@example.com", "", "", "", "", "", "", ""],
            ["call", "", "", "nobody", "", "", "", "", ""],
            ["call", "ada@example.com", "", "", "yesterday-ish", "", "", "", ""],
            ["call", "ada@example.com", "", "", "", "forever", "", "", ""],
            ["call", "ada@example.com", "", "", "", "", "sideways", "", ""],
            ["call", "ada@example.com", "", "", "", "", "", "#99", ""],
            ["call", "ada@example.com", "", "", "", "", "", "", "maybe"],
        ],
    )
    rejects = tmp_path / "rejects.csv"
    crm.fails("import", "activities", str(source), "--rejects", str(rejects))
    assert query(crm, "SELECT count(*) FROM activities") == [(0,)]
    reasons = {int(r["crm_line"]): r["crm_reason"] for r in csv.DictReader(rejects.open(encoding="utf-8"))}
    assert reasons[3] == (
        "Unknown activity kind 'dance'; use one of call, email, meeting, note, message, task "
        "(or add it to [activities] kinds in the config)."
    )
    assert reasons[4] == "A note needs its text; the row's note is empty."
    assert reasons[5] == "An activity needs a contact or a company; the row names neither."
    assert "yesterday-ish" in reasons[6]
    assert "forever" in reasons[7]
    assert reasons[8] == "The direction 'sideways' must be in or out."
    assert reasons[9] == "There is no deal #99."
    assert "'maybe'" in reasons[10]
    assert sorted(reasons) == list(range(3, 11))
    crm.fails("import", "activities", str(source), "--partial")
    assert [a["note"] for a in activities(crm)] == ["fine"]


def test_configured_kinds_are_accepted(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config('[activities]\nkinds = ["visit"]\n')
    crm.ok("add", "Ada Lovelace", "--email", "ada@example.com")
    source = write_csv(tmp_path / "a.csv", [["Type", "Contact"], ["Visit", "ada@example.com"]])
    crm.ok("import", "activities", str(source))
    assert [a["kind"] for a in activities(crm)] == ["visit"]


def test_activity_duplicates_by_uid_update_without_blanking(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    first = write_csv(
        tmp_path / "a.csv",
        [
            ["uid", "kind", "contact", "note", "outcome", "due"],
            ["a-1", "task", "ada@example.com", "Send offer", "", "2026-02-01"],
        ],
    )
    crm.ok("import", "activities", str(first))
    result = crm.ok("import", "activities", str(first))
    assert "0 created, 0 updated, 0 unchanged, 1 skipped as duplicates" in result.stderr
    second = write_csv(
        tmp_path / "b.csv",
        [["uid", "kind", "contact", "note", "outcome", "done"], ["a-1", "task", "", "", "Sent", "yes"]],
    )
    result = crm.ok("import", "activities", str(second), "--on-duplicate", "update")
    assert "0 created, 1 updated" in result.stderr
    (task,) = activities(crm)
    assert (task["note"], task["outcome"], task["contact"]) == ("Send offer", "Sent", "Ada Lovelace")
    assert task["status"] == "done" and task["done_at"] == task["at"]


def test_an_activities_file_needs_a_kind_and_someone(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(tmp_path / "a.csv", [["Contact", "Note"], ["ada@example.com", "hi"]])
    result = crm.fails("import", "activities", str(source))
    assert result.stderr.startswith("crm: The file has no column for the activity's kind")
    source = write_csv(tmp_path / "b.csv", [["Kind", "Note"], ["call", "hi"]])
    result = crm.fails("import", "activities", str(source))
    assert result.stderr.startswith("crm: The file has no column for the activity's contact or company")


def test_activities_from_stdin(people) -> None:  # noqa: ANN001
    result = people.ok("import", "activities", "-", input="kind;contact;note\ncall;Bob Berg;Quick chat\n")
    assert "from standard input, 1 row: 1 created" in result.stderr
    assert [a["note"] for a in activities(people)] == ["Quick chat"]


def test_a_company_uid_that_matches_nothing_is_rejected_not_created(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    source = write_csv(
        tmp_path / "deals.csv",
        [["title", "amount", "company"], ["Orphan", "100", "0123456789abcdef0123456789abcdef"]],
    )
    result = crm.fails("import", "deals", str(source))
    assert (
        "No company has the uid 0123456789abcdef0123456789abcdef; import the companies first."
        in result.stderr
    )
    assert query(crm, "SELECT count(*) FROM companies WHERE name LIKE '0123%'") == [(0,)]


def test_a_company_name_that_matches_nothing_rejects_the_row_as_deal_add_refuses_it(
    people,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    crm = people
    typed = crm.fails("deal", "add", "Typed", "-c", "Acme Typo", "-a", "100")
    assert typed.stderr == "crm: No company matches 'Acme Typo'.\n"
    source = write_csv(
        tmp_path / "deals.csv",
        [
            ["title", "amount", "company"],
            ["Imported", "100", "Acme Typo"],
            ["Good", "200", "Analytical Engines"],
        ],
    )
    rejects = tmp_path / "rejects.csv"
    result = crm.fails("import", "deals", str(source), "--rejects", str(rejects))
    reason = "No company has the name 'Acme Typo'; import the companies first."
    assert f"  line 2: {reason}\n" in result.stderr
    assert "1 created, 0 updated, 0 unchanged, 0 skipped as duplicates, 1 rejected." in result.stderr
    assert "new compan" not in result.stderr
    with open(rejects, encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle))[1:] == [["2", reason, "Imported", "100", "Acme Typo"]]
    assert deals(crm) == {} and query(crm, "SELECT name FROM companies") == [("Analytical Engines",)]

    crm.fails("import", "deals", str(source), "--partial")
    assert list(deals(crm)) == ["Good"] and deals(crm)["Good"]["company"] == "Analytical Engines"
    assert query(crm, "SELECT name FROM companies") == [("Analytical Engines",)]

    # The same for activities; a company is still found by its domain or its exact name.
    crm.ok("company", "add", "Berg AS", "--domain", "berg.example")
    source = write_csv(
        tmp_path / "activities.csv",
        [
            ["kind", "company", "note"],
            ["note", "Acme Typo", "Typo"],
            ["note", "berg.example", "By domain"],
            ["note", "BERG as", "By name"],
            ["note", "typo.example", "Unknown domain"],
        ],
    )
    result = crm.fails("import", "activities", str(source), "--partial")
    assert f"  line 2: {reason}\n" in result.stderr
    assert (
        "  line 5: No company has the domain typo.example or the name 'typo.example'; "
        "import the companies first.\n"
    ) in result.stderr
    assert "2 created, 0 updated, 0 unchanged, 0 skipped as duplicates, 2 rejected." in result.stderr
    logged = {a["note"]: a["company"] for a in crm.ok("activity", "list", "--json").json()}
    assert logged == {"By domain": "Berg AS", "By name": "Berg AS"}
    assert query(crm, "SELECT count(*) FROM companies") == [(2,)]


# --- deals won in another CRM: their own dates, not the import's -------------------------------


def kpis(crm, period: str) -> dict[str, object]:  # noqa: ANN001
    found = crm.ok("kpi", "--period", period, "--no-compare", "--json").json()["kpis"]
    return {row["key"]: row["value"] for row in found}


def lifecycle(crm, email: str) -> list[tuple]:  # noqa: ANN001
    return query(
        crm,
        "SELECT l.from_stage, l.to_stage, l.at, l.reason FROM lifecycle_changes l "
        "JOIN contact_points p ON p.contact_id = l.contact_id AND p.kind = 'email' WHERE p.value = ? "
        "ORDER BY l.id",
        (email,),
    )


def contact(crm, ref: str) -> dict:  # noqa: ANN001
    return crm.ok("contact", "show", ref, "--json").json()["contact"]


def test_a_historical_won_deal_dates_the_customer_and_the_kpis_when_it_was_won(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(CONFIG)
    people = write_csv(tmp_path / "contacts.csv", [["name", "email"], ["Ada Lovelace", "ada@x.com"]])
    crm.ok("import", "contacts", str(people))
    source = write_csv(
        tmp_path / "deals.csv",
        [
            ["Deal Name", "Amount", "Deal Stage", "Close Date", "Associated Contact"],
            ["Old", "1000", "closedwon", "2025-03-01", "ada@x.com"],
        ],
    )
    crm.ok("import", "deals", str(source))
    won = "2025-03-01T00:00:00Z"
    ada = contact(crm, "ada")
    assert (ada["lifecycle_stage"], ada["customer_since"]) == ("customer", won)
    assert lifecycle(crm, "ada@x.com")[-1] == ("other", "customer", won, "won deal #1 (import)")
    deal = deals(crm)["Old"]
    # No created column: the deal is taken to open when it closed, never after (import time).
    assert (deal["created_at"], deal["won_at"], deal["stage_entered_at"]) == (won, won, won)
    # Opened in the pipeline's first stage (closedwon does not say which), closed when won.
    assert query(
        crm,
        "SELECT from_stage, to_stage, at FROM deal_stage_changes WHERE deal_id = ? ORDER BY id",
        (deal["id"],),
    ) == [(None, "lead-in", won), ("lead-in", "won", won)]
    march = kpis(crm, "2025-03")
    assert (march["deals_won"], march["new_customers"], march["sales_cycle_days"]) == (1, 1, 0)
    this_month = datetime.now(UTC).strftime("%Y-%m")
    assert kpis(crm, this_month)["new_customers"] == 0

    # Undo takes the deal, the customer and the back-dated stage change away again.
    crm.ok("undo")
    assert deals(crm) == {}
    ada = contact(crm, "ada")
    assert (ada["lifecycle_stage"], ada["customer_since"]) == ("other", None)
    assert [row[1] for row in lifecycle(crm, "ada@x.com")] == ["other"]
    assert query(crm, "SELECT count(*) FROM deal_stage_changes") == [(0,)]


def test_created_at_is_never_after_the_close_and_customer_since_only_moves_earlier(  # noqa: ANN001
    people, tmp_path: Path
) -> None:
    crm = people
    crm.ok("add", "Cleo", "--email", "cleo@example.com", "--stage", "customer")
    cleo_since = contact(crm, "cleo")["customer_since"]
    source = write_csv(
        tmp_path / "hubspot.csv",
        [
            [
                "Deal Name",
                "Amount",
                "Deal Stage",
                "Close Date",
                "Create Date",
                "Associated Contact",
                "lost_reason",
            ],  # fmt: skip
            # typed into HubSpot after it was won: the closing wins over the Create Date
            ["Typed in late", "100", "closedwon", "2025-03-01", "2025-04-10 09:00", "ada@example.com", ""],
            ["Earlier win", "200", "closedwon", "2024-06-30", "2024-01-15", "ada@example.com", ""],
            ["Lost late", "300", "closedlost", "2025-02-01", "2025-05-01", "bob@example.com", "price"],
            ["Cleo's first", "400", "closedwon", "2023-05-05", "", "cleo@example.com", ""],
        ],
    )
    crm.ok("import", "deals", str(source))
    found = deals(crm)
    assert (found["Typed in late"]["created_at"], found["Typed in late"]["won_at"]) == (
        "2025-03-01T00:00:00Z",
        "2025-03-01T00:00:00Z",
    )
    assert found["Earlier win"]["created_at"] == "2024-01-15T00:00:00Z"
    assert (found["Lost late"]["created_at"], found["Lost late"]["lost_at"]) == (
        "2025-02-01T00:00:00Z",
        "2025-02-01T00:00:00Z",
    )
    assert all(d["created_at"] <= (d["won_at"] or d["lost_at"]) for d in found.values())
    assert kpis(crm, "2025-03")["sales_cycle_days"] == 0
    assert kpis(crm, "2024-06")["sales_cycle_days"] == 167

    # Ada: her earliest won deal, and her stage change dated then.
    earlier = found["Earlier win"]["id"]
    assert contact(crm, "ada")["customer_since"] == "2024-06-30T00:00:00Z"
    assert lifecycle(crm, "ada@example.com")[-1] == (
        "other", "customer", "2024-06-30T00:00:00Z", f"won deal #{earlier} (import)")  # fmt: skip
    # Bob lost: still a lead. Cleo was a customer already: an earlier start, no new stage change.
    assert contact(crm, "bob")["lifecycle_stage"] == "lead"
    cleo = contact(crm, "cleo")
    assert cleo_since > "2023-05-05" and cleo["customer_since"] == "2023-05-05T00:00:00Z"
    assert [row[1] for row in lifecycle(crm, "cleo@example.com")] == ["customer"]


def test_an_old_win_does_not_undo_a_later_churn(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(CONFIG)
    people = write_csv(
        tmp_path / "contacts.csv",
        [
            ["name", "email", "lifecycle_stage", "customer_since", "churned_at", "churn_reason"],
            ["Old Client", "old@example.com", "churned", "2024-01-01", "2025-06-01", "moved"],
            ["Back Again", "back@example.com", "churned", "2024-01-01", "2025-06-01", "price"],
        ],
    )
    crm.ok("import", "contacts", str(people))
    source = write_csv(
        tmp_path / "deals.csv",
        [
            ["Deal Name", "Amount", "Deal Stage", "Close Date", "Associated Contact"],
            ["Before the churn", "100", "closedwon", "2023-09-01", "old@example.com"],
            ["Back early", "100", "closedwon", "2023-01-01", "back@example.com"],
            ["Came back", "100", "closedwon", "2025-09-01", "back@example.com"],
        ],
    )
    crm.ok("import", "deals", str(source))
    old = contact(crm, "old@example.com")
    assert (old["lifecycle_stage"], old["churned_at"], old["churn_reason"]) == (
        "churned",
        "2025-06-01T00:00:00Z",
        "moved",
    )
    assert old["customer_since"] == "2023-09-01T00:00:00Z"
    assert [row[1] for row in lifecycle(crm, "old@example.com")] == ["churned"]
    back = contact(crm, "back@example.com")
    assert (back["lifecycle_stage"], back["churned_at"], back["customer_since"]) == (
        "customer",
        None,
        "2023-01-01T00:00:00Z",
    )
    came_back = deals(crm)["Came back"]["id"]
    assert lifecycle(crm, "back@example.com")[-1] == (
        "churned", "customer", "2025-09-01T00:00:00Z", f"won deal #{came_back} (import)")  # fmt: skip
    # Both churned in June: won back in September, Back Again's churn stays June's, as it
    # does when `crm deal won` wins a churned customer back.
    assert kpis(crm, "2025-06")["churned_customers"] == 2
    assert lifecycle(crm, "back@example.com")[-2] == ("customer", "churned", "2025-06-01T00:00:00Z", "price")


def test_a_won_deal_with_an_unreadable_created_date_changes_nothing(people, tmp_path: Path) -> None:  # noqa: ANN001
    crm = people
    source = write_csv(
        tmp_path / "deals.csv",
        [
            ["Deal Name", "Amount", "Deal Stage", "Close Date", "Create Date", "Associated Contact"],
            ["Fine", "100", "closedwon", "2025-03-01", "2025-01-01", "ada@example.com"],
            ["Bad", "100", "closedwon", "2025-03-01", "someday", "bob@example.com"],
        ],
    )
    changes = query(crm, "SELECT count(*) FROM changes")
    result = crm.fails("import", "deals", str(source))
    errors = [line for line in result.stderr.splitlines() if line.startswith("crm:")]
    assert errors == [
        "crm: 1 of 2 rows was rejected, so nothing was imported; fix them (see --rejects) or import "
        "the good rows with --partial."
    ]
    assert "The created_at 'someday' is not a date" in result.stderr
    assert query(crm, "SELECT count(*) FROM changes") == changes
    assert deals(crm) == {}
    assert contact(crm, "ada")["customer_since"] is None


def test_a_deal_closed_in_the_future_or_lost_without_a_reason_is_rejected(people, tmp_path: Path) -> None:  # noqa: ANN001
    """The QA case: a deal won in 2030 was imported won, and its contact a customer since
    the import; a lost deal needed no reason, which `crm deal lost` requires."""
    crm = people
    source = write_csv(
        tmp_path / "deals.csv",
        [
            ["title", "contact", "amount", "status", "won_at", "lost_at", "close_date", "lost_reason"],
            ["F", "ada@example.com", "100", "won", "2030-01-01", "", "", ""],
            ["G", "bob@example.com", "100", "lost", "", "2030-01-01", "", "price"],
            ["H", "ada@example.com", "100", "won", "", "", "2030-01-01", ""],
            ["I", "bob@example.com", "100", "lost", "", "2025-01-01", "", ""],
            ["J", "bob@example.com", "100", "open", "", "", "2030-01-01", ""],  # expected to close then
        ],
    )
    result = crm.fails("import", "deals", str(source), "--partial")
    assert [line for line in result.stderr.splitlines() if line.startswith("  line ")] == [
        "  line 2: The deal is won on its won_at '2030-01-01', which is in the future; a row records a deal "
        "closed already.",
        "  line 3: The deal is lost on its lost_at '2030-01-01', which is in the future; a row records a "
        "deal closed already.",
        "  line 4: The deal is won on its close_date '2030-01-01', which is in the future; a row records a "
        "deal closed already.",
        "  line 5: A lost deal needs its reason in a lost_reason column, one of: price, competitor, "
        "went quiet.",
    ]
    assert list(deals(crm)) == ["J"]
    assert contact(crm, "ada")["lifecycle_stage"] == "other"
    assert kpis(crm, "2030-01")["deals_won"] == 0


@pytest.mark.parametrize(("status", "column"), [("open", "won_at"), ("open", "lost_at"), ("won", "lost_at")])
def test_a_closing_date_of_another_status_rejects_the_row(
    crm, tmp_path: Path, status: str, column: str
) -> None:  # noqa: ANN001
    source = tmp_path / "d.csv"
    source.write_text(f"title,amount,status,{column}\nFleet,100,{status},2026-01-15\n", encoding="utf-8")
    result = crm.fails("import", "deals", str(source))
    closed = column.removesuffix("_at")
    assert result.stderr.splitlines()[0] == (
        f"  line 2: The row has the {column} '2026-01-15' but the deal is {status}, not {closed}."
    )
