"""crm import and routing rules: a row whose values a rule cannot compare is a rejected row,
with its line and the rule's reason, like any other bad value (it used to stop the whole
import at the end, naming a contact that never existed)."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

from crmcli.storage.db import open_db
from helpers import rows

TEAM = '[[team]]\nhandle = "karin"\n[[team]]\nhandle = "alan"\n'
SEED = (
    TEAM
    + """
[[rules]]
name = "Big leads to Karin"
on = "lead.created"
when = { field = "users", op = ">", value = 50 }
assign = "karin"

[[rules]]
name = "Other leads to Alan"
on = "lead.created"
assign = "alan"
"""
)
LEADS = "name,email,lifecycle_stage,users\nBig Co,big@x.com,lead,100\nSmall,small@x.com,lead,10\n" + (
    "Weird,weird@x.com,lead,about 100\n"
)
REASON = (
    'Rule "Big leads to Karin" cannot decide lead.created for this row: users is "about 100", '
    "which is not a number."
)


def owners(crm) -> dict[str, str | None]:  # noqa: ANN001
    if not crm.db.exists():
        return {}
    return {p["name"]: p["owner"] for p in crm.ok("contact", "list", "--json").json()}


def karin_imports(crm, *args: str):  # noqa: ANN001, ANN201
    """`crm --user karin import …`, which must exit 1."""
    return crm.fails("--user", "karin", "import", *args)


def contacts_in(crm) -> int:  # noqa: ANN001
    return rows(crm, "SELECT count(*) FROM contacts")[0][0] if crm.db.exists() else 0


def leads_file(tmp_path: Path, text: str = LEADS) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_partial_imports_what_the_rules_can_decide_and_rejects_the_rest(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(SEED)
    source, rejects = leads_file(tmp_path), tmp_path / "rejects.csv"
    result = karin_imports(crm, "contacts", str(source), "--partial", "--rejects", str(rejects))
    assert result.stderr.splitlines() == [
        f"  line 4: {REASON}",
        f"Imported contacts from {source}, 3 rows: 2 created, 0 updated, 0 unchanged, 0 skipped as "
        "duplicates, 1 rejected.",
        "crm: 1 row was rejected; the other rows were imported.",
    ]
    assert owners(crm) == {"Big Co": "karin", "Small": "alan"}
    assert list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8")))) == [
        ["crm_line", "crm_reason", "name", "email", "lifecycle_stage", "users"],
        ["4", REASON, "Weird", "weird@x.com", "lead", "about 100"],
    ]
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    # Fixed, the rejects file imports as it is, and the rules route the row.
    rejects.write_text(rejects.read_text(encoding="utf-8").replace("about 100", "100"), encoding="utf-8")
    crm.ok("--user", "karin", "import", "contacts", str(rejects))
    assert owners(crm)["Weird"] == "karin"


def test_without_partial_nothing_is_written_and_the_line_is_named(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(SEED)
    source = leads_file(tmp_path)
    result = crm.fails("--user", "karin", "import", "contacts", str(source))
    assert result.stderr.splitlines() == [
        f"  line 4: {REASON}",
        f"Nothing was written; it would have been contacts from {source}, 3 rows: 2 created, 0 updated, "
        "0 unchanged, 0 skipped as duplicates, 1 rejected.",
        "crm: 1 of 3 rows was rejected, so nothing was imported; fix them (see --rejects) or import the good "
        "rows with --partial.",
    ]
    assert contacts_in(crm) == 0


def test_a_dry_run_reports_the_row_as_rejected(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(SEED)
    source = leads_file(tmp_path)
    result = crm.fails("--user", "karin", "import", "contacts", str(source), "--dry-run")
    assert result.stdout.splitlines()[0].split() == ["COLUMN", "FIELD", "HOW"]
    assert result.stderr.splitlines() == [
        f"  line 4: {REASON}",
        f"Dry run, nothing was written; it would have been contacts from {source}, 3 rows: 2 created, "
        "0 updated, 0 unchanged, 0 skipped as duplicates, 1 rejected.",
        f"There is no database at {crm.db} yet, so the dry run read an empty CRM; none was made "
        "(check --db or CRM_DB if you expected one).",
        "crm: 1 row would be rejected.",
    ]
    report = crm.fails("--user", "karin", "import", "contacts", str(source), "--dry-run", "--json").json()
    assert report["rejections"] == [{"line": 4, "reason": REASON}]
    assert contacts_in(crm) == 0


def test_every_row_is_tried_after_the_first_rejection_too(crm, tmp_path: Path) -> None:  # noqa: ANN001
    # All or nothing stops planning writes at the first bad row but goes on checking.
    crm.write_config(SEED)
    source = leads_file(tmp_path, LEADS + 'Bad,not-an-email,lead,5\nOdd,odd@x.com,lead,"1,5"\n')
    result = crm.fails("--user", "karin", "import", "contacts", str(source))
    lines = [line.split(":")[0] for line in result.stderr.splitlines() if line.startswith("  line ")]
    assert lines == ["  line 4", "  line 5", "  line 6"]
    assert 'line 6: Rule "Big leads to Karin" cannot decide lead.created for this row: users is "1,5"' in (
        result.stderr
    )


def test_the_company_a_lead_works_at_is_seen_as_the_rules_will_see_it(crm, tmp_path: Path) -> None:  # noqa: ANN001
    # A bare `employees` is the lead's company's: a lead at a large company is routed by
    # the first rule and never meets the second, whatever its users; a new company has no
    # employees, so its leads meet the second rule; a company's own custom field answers
    # a bare name its contact lacks.
    crm.write_config(
        TEAM
        + """
[[rules]]
name = "Large companies to Karin"
on = "lead.created"
when = { field = "employees", op = ">", value = 100 }
assign = "karin"

[[rules]]
name = "Many users to Karin"
on = "lead.created"
when = { field = "users", op = ">", value = 50 }
assign = "karin"

[[rules]]
name = "The rest to Alan"
on = "lead.created"
assign = "alan"
"""
    )
    crm.ok("company", "add", "Huge AS", "--employees", "500")
    crm.ok("company", "add", "Odd AS", "--employees", "20", "--field", "users=many")
    source = leads_file(
        tmp_path,
        "name,company,lifecycle_stage,users\n"
        "At Huge,Huge AS,lead,about 100\n"  # 2: the first rule decides
        "At Tiny,Tiny AS,lead,about 100\n"  # 3: a new company: the second rule cannot
        "Small Tiny,Tiny AS,lead,10\n"  # 4
        "At Odd,Odd AS,lead,\n",  # 5: the company's users = "many"
    )
    result = crm.fails("--user", "karin", "import", "contacts", str(source), "--partial")
    assert [line for line in result.stderr.splitlines() if line.startswith("  line")] == [
        '  line 3: Rule "Many users to Karin" cannot decide lead.created for this row: users is "about 100", '
        "which is not a number.",
        '  line 5: Rule "Many users to Karin" cannot decide lead.created for this row: users is "many", '
        "which is not a number.",
    ]
    assert owners(crm) == {"At Huge": "karin", "Small Tiny": "alan"}


def test_what_a_contact_created_rule_sets_is_what_the_lead_rules_see(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(
        SEED.replace(
            "[[rules]]",
            '[[rules]]\nname = "Fair leads are unsized"\non = "contact.created"\n'
            'when = { field = "source", op = "=", value = "fair" }\nset = { users = "unknown" }\n\n[[rules]]',
            1,
        )
    )
    source = leads_file(tmp_path, "name,source,lifecycle_stage,users\nA,web,lead,100\nB,fair,lead,100\n")
    result = crm.fails("--user", "karin", "import", "contacts", str(source), "--partial")
    shown = result.stderr
    assert (
        'line 3: Rule "Big leads to Karin" cannot decide lead.created for this row: users is "unknown"'
        in shown
    )
    assert owners(crm) == {"A": "karin"}


def test_a_decision_that_fails_only_once_turns_are_taken_names_the_line(crm, tmp_path: Path) -> None:  # noqa: ANN001
    # Whose turn it is lives in the database, so rows are tried with the owner unchanged
    # (routing.undecidable); when that hides a failure, the import still stops naming the
    # row's line, not the id the contact would have had, and writes nothing.
    crm.write_config(
        TEAM
        + """
[[rules]]
name = "Turns"
on = "lead.created"
assign_round_robin = ["karin", "alan"]
continue = true

[[rules]]
name = "Alan sizes his leads"
on = "lead.created"
when.all = [ { field = "owner", op = "=", value = "alan" }, { field = "users", op = ">", value = 50 } ]
add_tags = ["big"]
"""
    )
    source = leads_file(tmp_path, "name,lifecycle_stage,users\nFirst,lead,10\nSecond,lead,about 100\n")
    rejects = tmp_path / "rejects.csv"
    result = karin_imports(crm, "contacts", str(source), "--partial", "--rejects", str(rejects))
    assert result.stderr.splitlines()[-1] == (
        'crm: Rule "Alan sizes his leads" cannot decide lead.created for the contact on line 3: users is '
        '"about 100", which is not a number; nothing was changed.'
    )
    assert contacts_in(crm) == 0
    assert not rejects.exists()  # it failed outright, and had rejected no row


def test_companies_rejects_a_row_its_company_created_rules_cannot_decide(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(
        TEAM
        + """
[[rules]]
name = "Many seats to Karin"
on = "company.created"
when = { field = "seats", op = ">", value = 50 }
assign = "karin"
"""
    )
    open_db(crm.db).close()  # a database there already (a file made for nothing is removed)
    source = tmp_path / "companies.csv"
    source.write_text("name,domain,seats\nA AS,a.no,100\nB AS,b.no,lots\nC AS,c.no,5\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = crm.fails("--user", "alan", "import", "companies", str(source), "--rejects", str(rejects))
    reason = (
        'Rule "Many seats to Karin" cannot decide company.created for this row: seats is "lots", '
        "which is not a number."
    )
    assert f"  line 3: {reason}" in result.stderr
    assert rows(crm, "SELECT count(*) FROM companies") == [(0,)]
    rejected = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert rejected[1] == ["3", reason, "B AS", "b.no", "lots"]
    crm.fails("--user", "alan", "import", "companies", str(source), "--partial")
    owned = rows(crm, "SELECT name, owner FROM companies ORDER BY name")
    assert owned == [("A AS", "karin"), ("C AS", "alan")]


def test_rows_read_in_a_child_process_are_tried_as_rows_read_here(crm, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    # A contacts import reads in a forked process that has no database: the companies the
    # rules read are loaded before the fork, and the lines of the new contacts come back.
    from crmcli.services import import_process

    forked: list[int] = []
    original = import_process.read_in_child

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        forked.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(import_process, "read_in_child", counted)
    crm.write_config(SEED.replace('field = "users"', 'field = "company.users"'))
    crm.ok("company", "add", "Known AS", "--field", "users=many")
    lines = ["name,email,company,lifecycle_stage"]
    lines += [f"P{n},p{n}@x.com,{'Known AS' if n % 500 == 7 else f'Firm {n % 40}'},lead" for n in range(2500)]
    source = leads_file(tmp_path, "\n".join(lines) + "\n")
    results = []
    for fork in (True, False):
        monkeypatch.setattr(import_process, "can_fork", lambda fork=fork: fork)
        rejects = tmp_path / f"rejects-{fork}.csv"
        karin_imports(crm, "contacts", str(source), "--dry-run", "--rejects", str(rejects))
        results.append(rejects.read_text(encoding="utf-8"))
    assert forked == [1]
    assert results[0] == results[1]
    rejected = [line.split(",")[0] for line in results[0].splitlines()]
    assert rejected == ["crm_line", "9", "509", "1009", "1509", "2009"]


def test_a_company_created_by_a_row_that_updates_a_duplicate_is_seen_by_later_rows(
    crm, tmp_path: Path
) -> None:  # noqa: ANN001
    crm.write_config(
        TEAM
        + """
[[rules]]
name = "Newco leads to Karin"
on = "lead.created"
when = { field = "company.name", op = "=", value = "Newco" }
assign = "karin"

[[rules]]
name = "Big leads to Alan"
on = "lead.created"
when = { field = "users", op = ">", value = 50 }
assign = "alan"
"""
    )
    crm.ok("--user", "karin", "import", "contacts", str(leads_file(tmp_path, "name,email\nOld,old@x.no\n")))
    source = leads_file(
        tmp_path,
        "name,email,company,lifecycle_stage,users\nOld,old@x.no,Newco,,\n"
        "New,new@x.no,Newco,lead,about 100\nOther,o@x.no,Elsewhere,lead,about 100\n",
    )
    result = karin_imports(crm, "contacts", str(source), "--on-duplicate", "update", "--partial")
    assert [line for line in result.stderr.splitlines() if line.startswith("  line")] == [
        '  line 4: Rule "Big leads to Alan" cannot decide lead.created for this row: users is "about 100", '
        "which is not a number."
    ]
    assert owners(crm) == {"Old": "karin", "New": "karin"}


def test_deals_stop_at_a_rule_that_cannot_decide_naming_the_line(crm, tmp_path: Path) -> None:  # noqa: ANN001
    # Deal rules are not tried row by row: the import stops, but names the row's line
    # rather than a deal id that was never written.
    crm.write_config(
        TEAM
        + """
[[rules]]
name = "Big deals to Karin"
on = "deal.created"
when = { field = "seats", op = ">", value = 50 }
assign = "karin"
"""
    )
    open_db(crm.db).close()  # a database there already (a file made for nothing is removed)
    source = tmp_path / "deals.csv"
    source.write_text("title,amount,currency,seats\nA,100,EUR,100\nB,200,EUR,lots\nC,300,EUR,5\n", "utf-8")
    result = crm.fails("--user", "alan", "import", "deals", str(source), "--partial")
    assert result.stderr == (
        'crm: Rule "Big deals to Karin" cannot decide deal.created for the deal on line 3: seats is "lots", '
        "which is not a number; nothing was changed.\n"
    )
    assert rows(crm, "SELECT count(*) FROM deals") == [(0,)]


BIG_WINS = (
    TEAM
    + """
[[rules]]
name = "Big wins to Karin"
on = "deal.won"
when = { field = "seats", op = ">", value = 50 }
assign = "karin"
"""
)


def deals_with_a_won_rule_that_cannot_decide(crm, tmp_path: Path, user: str, csv_text: str) -> Path:  # noqa: ANN001
    """Deals imported by `user` under a rule on deal.won that cannot decide for a deal whose
    seats are "lots"; the path of an update file to write next."""
    crm.write_config(BIG_WINS)
    first = tmp_path / "first.csv"
    first.write_text(csv_text, "utf-8")
    crm.ok("--user", user, "import", "deals", str(first))
    return tmp_path / "update.csv"


def test_a_deal_update_a_won_rule_cannot_decide_is_taken_back_whole(crm, tmp_path: Path) -> None:  # noqa: ANN001
    # The row renames the deal, then wins it; the rule on deal.won fails. With --partial the
    # other rows go in, but none of this row's changes: the rename went in with it once.
    update = deals_with_a_won_rule_that_cannot_decide(
        crm, tmp_path, "alan", "uid,title,amount,currency,seats\nd-1,Old title,100,EUR,lots\n"
    )
    update.write_text("uid,title,stage\nd-1,New title,won\nd-2,Another,\n", "utf-8")
    result = crm.fails(
        "--user", "alan", "import", "deals", str(update), "--on-duplicate", "update", "--partial"
    )
    assert 'Rule "Big wins to Karin" cannot decide deal.won' in result.stdout + result.stderr
    assert rows(crm, "SELECT uid, title, status, stage FROM deals ORDER BY uid") == [
        ("d-1", "Old title", "open", "qualification"),
        ("d-2", "Another", "open", "qualification"),
    ]
    assert rows(crm, "SELECT count(*) FROM history WHERE entity = 'deal' AND action = 'update'") == [(0,)]


def test_undo_of_a_partial_import_leaves_later_stage_changes_alone(crm, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import itertools
    from datetime import UTC, datetime, timedelta

    from crmcli import clock

    ticks = itertools.count()

    class Ticking(datetime):  # each reading of the clock a minute on: no two commands in one second
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return (datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=next(ticks))).astimezone(tz)

    monkeypatch.setattr(clock, "datetime", Ticking)
    # The rejected row's stage change was rolled back, but the import's change still named
    # its id; SQLite gave that id to Alan's later move, and undoing the import deleted it.
    update = deals_with_a_won_rule_that_cannot_decide(
        crm,
        tmp_path,
        "karin",
        "uid,title,amount,currency,seats\nd-1,Old title,100,EUR,lots\nd-2,Other,200,EUR,\n",
    )
    update.write_text("uid,title,stage\nd-1,New title,won\nd-2,Other renamed,\n", "utf-8")
    crm.fails("--user", "karin", "import", "deals", str(update), "--on-duplicate", "update", "--partial")
    crm.ok("--user", "alan", "deal", "move", "1", "proposal")
    crm.ok("--user", "karin", "undo")  # the import: Other's rename
    assert rows(crm, "SELECT title, stage FROM deals ORDER BY id") == [
        ("Old title", "proposal"),
        ("Other", "qualification"),
    ]
    moves = "SELECT deal_id, from_stage, to_stage, actor FROM deal_stage_changes WHERE from_stage IS NOT NULL"
    assert rows(crm, moves) == [(1, "qualification", "proposal", "alan")]
