"""After `crm gdpr forget`, nothing new is recorded about the person: every command that
would change their contact row, link a record to them, or add text to the records they
keep refuses in one sentence and writes nothing. Reading them, deleting them and moving
their deals and cases along (so that pipelines and queues stay true) still work."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import every_row, one_sentence, rows, write_csv

REFUSAL = "crm: Contact #1 was erased; nothing can be recorded about them."


def contact(crm, ref: str) -> dict:  # noqa: ANN001
    return crm.ok("contact", "show", ref, "--json").json()["contact"]


@pytest.fixture
def erased(crm):  # noqa: ANN001, ANN201
    """#1 Pia, a lead with deal #1, case #1 and follow-up #1, erased; #2 Ola, alive, with
    deal #2 and activity #2."""
    crm.ok("add", "Pia Persson", "--email", "pia@x.se", "--stage", "lead")
    crm.ok("deal", "add", "Pia's deal", "--contact", "1", "--amount", "1000")
    crm.ok("case", "open", "1", "Broken gear", "--body", "It squeaks")
    crm.ok("log", "1", "call", "Ring Pia back", "--due", "tomorrow")
    crm.ok("add", "Ola Olsen", "--email", "ola@x.no", "--phone", "+47 912 34 567")
    crm.ok("deal", "add", "Ola's deal", "--contact", "2")
    crm.ok("log", "2", "note", "Met Ola")
    crm.ok("gdpr", "forget", "1", "--yes")
    return crm


REFUSED = [
    ["contact", "edit", "1", "--email", "new@x.se"],
    ["contact", "edit", "1", "--title", "CEO"],
    ["contact", "tag", "1", "vip"],
    ["contact", "merge", "1", "ola@x.no", "--yes"],  # a live contact into the erased one
    ["contact", "merge", "ola@x.no", "1", "--yes"],  # the erased one into a live contact
    ["contact", "merge", "ola@x.no", "1"],  # refused before it would ask
    ["log", "1", "note", "hello"],
    ["log", "1", "call", "ring back", "--due", "tomorrow"],
    ["activity", "edit", "2", "--contact", "1"],
    ["activity", "edit", "1", "--note", "She said yes"],
    ["activity", "edit", "1", "--outcome", "interested"],
    ["activity", "done", "1", "--outcome", "interested"],
    ["activity", "done", "1", "--note", "She said yes"],
    ["deal", "add", "New deal", "--contact", "1"],
    ["deal", "edit", "2", "--contact", "1"],
    ["deal", "edit", "1", "--title", "Pia Persson, second licence"],
    ["case", "open", "1", "Another"],
    ["case", "reply", "1", "We fixed it"],
    ["case", "reply", "1", "Thanks!", "--inbound"],
    ["case", "note", "1", "She called"],
    ["case", "resolve", "1", "--note", "Told her it is fixed"],
    ["case", "pending", "1", "--note", "Waiting on her"],
    ["feedback", "add", "1", "--nps", "9"],
    ["lead", "qualify", "1"],
    ["lead", "convert", "1"],
    ["lead", "convert", "1", "--no-deal"],
    ["contact", "churn", "1", "--reason", "price"],
    ["add", "Nils Nilsen", "--referred-by", "1"],
    ["contact", "edit", "2", "--referred-by", "1"],
    ["gdpr", "consent", "1", "--purpose", "newsletter", "--given"],
]


@pytest.mark.parametrize("args", REFUSED, ids=lambda args: " ".join(args))
def test_nothing_new_is_recorded_about_an_erased_contact(erased, args) -> None:  # noqa: ANN001
    before = every_row(erased.db)
    result = erased.fails(*args)
    assert one_sentence(result.stderr) == REFUSAL
    assert every_row(erased.db) == before


def test_the_merge_of_the_report_leaves_nothing_gdpr_forget_cannot_erase(erased) -> None:  # noqa: ANN001
    erased.fails("contact", "merge", "1", "ola@x.no", "--yes")
    ola = contact(erased, "ola@x.no")
    assert (ola["id"], ola["emails"], ola["phones"]) == (2, ["ola@x.no"], ["+4791234567"])
    assert contact(erased, "1")["emails"] == []


def test_an_import_that_updates_the_erased_contact_rejects_the_row(erased, tmp_path: Path) -> None:  # noqa: ANN001
    uid = rows(erased, "SELECT uid FROM contacts WHERE id = 1")[0][0]
    source = write_csv(tmp_path / "people.csv", [["uid", "name", "email"], [uid, "Pia Persson", "pia@x.se"]])
    before = every_row(erased.db, search_tuning=False)
    result = erased.fails("import", "contacts", str(source), "--on-duplicate", "update")
    assert "line 2: Contact #1 was erased; nothing can be recorded about them." in result.stderr
    assert every_row(erased.db, search_tuning=False) == before


@pytest.mark.parametrize(
    ("kind", "header", "row"),
    [
        ("deals", ["title", "contact", "amount"], ["Pia again", "#1", "500"]),
        ("activities", ["contact", "kind", "note"], ["1", "call", "Talked to her"]),
    ],
)
def test_an_import_that_links_a_record_to_the_erased_contact_rejects_the_row(  # noqa: ANN001
    erased, tmp_path: Path, kind: str, header: list[str], row: list[str]
) -> None:
    source = write_csv(tmp_path / f"{kind}.csv", [header, row])
    before = every_row(erased.db, search_tuning=False)
    result = erased.fails("import", kind, str(source))
    assert "line 2: Contact #1 was erased; nothing can be recorded about them." in result.stderr
    assert every_row(erased.db, search_tuning=False) == before


def test_an_erased_contact_can_still_be_read_exported_and_deleted(erased) -> None:  # noqa: ANN001
    assert contact(erased, "1")["name"] == "[erased]"
    erased.ok("show", "1")
    assert erased.ok("gdpr", "export", "1").stdout
    erased.ok("contact", "delete", "1", "--yes")
    assert rows(erased, "SELECT count(*) FROM contacts WHERE id = 1") == [(0,)]


def test_their_deals_cases_and_follow_ups_can_still_be_moved_along(erased) -> None:  # noqa: ANN001
    """A pipeline and a queue stay true: the erased person's open deal can be won, their
    case resolved and their follow-up done; the win makes no one a customer."""
    stages = rows(erased, "SELECT count(*) FROM lifecycle_changes WHERE contact_id = 1")
    erased.ok("deal", "won", "1")
    assert erased.ok("deal", "show", "1", "--json").json()["status"] == "won"
    assert contact(erased, "1")["lifecycle_stage"] == "lead"
    assert rows(erased, "SELECT count(*) FROM lifecycle_changes WHERE contact_id = 1") == stages
    erased.ok("case", "resolve", "1")
    erased.ok("case", "close", "1")
    erased.ok("activity", "done", "1")
    erased.ok("activity", "edit", "1", "--owner", "tester")


@pytest.mark.parametrize(
    "args",
    [
        ["add", "[erased]"],
        ["add", " [Erased] "],
        ["contact", "edit", "ola@x.no", "--name", "[erased]"],
    ],
)
def test_a_live_contact_cannot_take_the_name_that_marks_an_erased_one(erased, args) -> None:  # noqa: ANN001
    before = every_row(erased.db)
    result = erased.fails(*args)
    assert "[erased]" in one_sentence(result.stderr)
    assert every_row(erased.db) == before


def test_an_imported_contact_is_not_referred_by_the_erased_contact(erased, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "people.csv", [["name", "email", "referred_by"], ["Nils", "nils@x.no", "1"]]
    )
    result = erased.ok("import", "contacts", str(source))
    assert "line 2: referred_by '1' is a contact whose data was erased; left empty" in result.stderr
    assert rows(erased, "SELECT referred_by FROM contacts WHERE name = 'Nils'") == [(None,)]


def test_an_update_of_the_erased_contact_is_reported_when_the_rows_are_only_checked(  # noqa: ANN001
    erased, tmp_path: Path
) -> None:
    """Once a row is rejected, nothing is written and the rows below are only checked:
    the update of the erased contact is still named with its line."""
    uid = rows(erased, "SELECT uid FROM contacts WHERE id = 1")[0][0]
    source = write_csv(
        tmp_path / "people.csv",
        [["uid", "name", "email"], ["", "Bad", "not an address"], [uid, "Pia Persson", "pia@x.se"]],
    )
    result = erased.fails("import", "contacts", str(source), "--on-duplicate", "update")
    assert "line 3: Contact #1 was erased; nothing can be recorded about them." in result.stderr
    assert "2 rejected" in result.stderr


# --- new text on the records an erased person keeps -----------------------------------------

LATE = "line 2: Contact #1 was erased; nothing can be recorded about them."


def uid_of(crm, table: str, record_id: int) -> str:  # noqa: ANN001
    return rows(crm, f"SELECT uid FROM {table} WHERE id = ?", [record_id])[0][0]


@pytest.mark.parametrize(
    ("header", "cells"),
    [
        (["note"], ["Pia called again"]),
        (["outcome"], ["angry"]),
        (["Mood"], ["Pia was furious"]),  # a custom field, through --map
    ],
    ids=["note", "outcome", "custom field"],
)
def test_an_import_that_updates_an_erased_contacts_activity_with_new_text_rejects_the_row(  # noqa: ANN001
    erased, tmp_path: Path, header: list[str], cells: list[str]
) -> None:
    """The row names no contact: the activity keeps the erased one, so its text is refused."""
    source = write_csv(
        tmp_path / "activities.csv",
        [["uid", "kind", "contact", *header], [uid_of(erased, "activities", 1), "call", "", *cells]],
    )
    before = every_row(erased.db, search_tuning=False)
    mapped = ["--map", "Mood=field:mood"] if "Mood" in header else []
    result = erased.fails("import", "activities", str(source), "--on-duplicate", "update", *mapped)
    assert LATE in result.stderr
    assert every_row(erased.db, search_tuning=False) == before


@pytest.mark.parametrize(
    ("header", "cells"),
    [
        (["title"], ["Pia Persson, second licence"]),
        (["title", "Region"], ["Pia's deal", "Pia's home town"]),  # a custom field, through --map
    ],
    ids=["title", "custom field"],
)
def test_an_import_that_updates_an_erased_contacts_deal_with_new_text_rejects_the_row(  # noqa: ANN001
    erased, tmp_path: Path, header: list[str], cells: list[str]
) -> None:
    source = write_csv(
        tmp_path / "deals.csv", [["uid", "contact", *header], [uid_of(erased, "deals", 1), "", *cells]]
    )
    before = every_row(erased.db, search_tuning=False)
    mapped = ["--map", "Region=field:region"] if "Region" in header else []
    result = erased.fails("import", "deals", str(source), "--on-duplicate", "update", *mapped)
    assert LATE in result.stderr
    assert every_row(erased.db, search_tuning=False) == before


def test_an_import_still_moves_an_erased_contacts_deal_and_activity_along(erased, tmp_path: Path) -> None:  # noqa: ANN001
    """A stage, an amount, a done follow-up: figures and dates, no new text."""
    deals = write_csv(
        tmp_path / "deals.csv",
        [["uid", "title", "contact", "amount", "status"],
         [uid_of(erased, "deals", 1), "Pia's deal", "", "2500", "won"]],
    )  # fmt: skip
    erased.ok("import", "deals", str(deals), "--on-duplicate", "update")
    deal = erased.ok("deal", "show", "1", "--json").json()
    assert (deal["status"], deal["amount_minor"]) == ("won", 250000)
    activities = write_csv(
        tmp_path / "activities.csv",
        [["uid", "kind", "contact", "done"], [uid_of(erased, "activities", 1), "call", "", "yes"]],
    )
    erased.ok("import", "activities", str(activities), "--on-duplicate", "update")
    assert rows(erased, "SELECT done_at IS NOT NULL FROM activities WHERE id = 1") == [(1,)]


def test_deal_edit_still_changes_an_erased_contacts_amount_and_close_date(erased) -> None:  # noqa: ANN001
    erased.ok("deal", "edit", "1", "--amount", "2000", "--close", "2030-01-31")
    deal = erased.ok("deal", "show", "1", "--json").json()
    assert (deal["amount_minor"], deal["close_date"]) == (200000, "2030-01-31")


def test_an_import_rejects_a_contact_named_as_an_erased_one(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(tmp_path / "people.csv", [["name"], ["[erased]"], [" [ERASED] "], ["Ola Olsen"]])
    result = crm.fails("import", "contacts", str(source))
    message = 'A contact cannot be named "[erased]": that name marks a person whose data was erased.'
    assert f"line 2: {message}" in result.stderr
    assert f"line 3: {message}" in result.stderr
    assert rows(crm, "SELECT count(*) FROM contacts") == [(0,)]


def test_an_export_with_the_erased_contact_is_imported_again_as_duplicates(erased, tmp_path: Path) -> None:  # noqa: ANN001
    """Its "[erased]" row is the erased contact itself: skipped or unchanged, not refused."""
    source = tmp_path / "contacts.csv"
    source.write_text(erased.ok("export", "contacts").stdout, encoding="utf-8")
    assert "2 skipped" in erased.ok("import", "contacts", str(source), "--on-duplicate", "skip").stderr
    assert "2 unchanged" in erased.ok("import", "contacts", str(source), "--on-duplicate", "update").stderr


@pytest.mark.parametrize(
    ("kind", "header", "bad", "text"),
    [
        (
            "activities",
            ["uid", "kind", "contact", "note"],
            ["", "bogus", "2", "x"],
            ["call", "", "Pia again"],
        ),
        ("deals", ["uid", "title", "contact"], ["", "", "2"], ["Pia Persson, second licence", ""]),
    ],
    ids=["activities", "deals"],
)
def test_new_text_on_an_erased_contacts_record_is_reported_when_the_rows_are_only_checked(  # noqa: ANN001
    erased, tmp_path: Path, kind: str, header: list[str], bad: list[str], text: list[str]
) -> None:
    table = "activities" if kind == "activities" else "deals"
    source = write_csv(tmp_path / f"{kind}.csv", [header, bad, [uid_of(erased, table, 1), *text]])
    result = erased.fails("import", kind, str(source), "--on-duplicate", "update")
    assert "line 3: Contact #1 was erased; nothing can be recorded about them." in result.stderr
    assert "2 rejected" in result.stderr
