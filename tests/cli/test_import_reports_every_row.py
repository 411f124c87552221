"""An import that writes nothing (all or nothing after a bad row, or --dry-run) still
checks every row, so it lists each bad row, in line order, all of them in --rejects, with
the counts --partial gives.

Once a row was rejected, the companies, deals and activities imports skipped the updates
of duplicates below it: a later row that could not update its record went unreported, and
the summary counted neither it nor the good updates. They are now checked without being
written, against the record as stored or as the rows above left it."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from helpers import write_csv

CONFIG = """\
base_currency = "EUR"
lost_reasons = ["price", "competitor"]

[[pipelines]]
name = "new business"
[[pipelines.stages]]
name = "lead-in"
probability = 5
[[pipelines.stages]]
name = "proposal"
probability = 60
"""
MODES = ([], ["--dry-run"], ["--partial"])  # --partial last: it writes


def stored(crm, sql: str) -> list[tuple]:  # noqa: ANN001
    conn = sqlite3.connect(crm.db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def import_in_every_mode(crm, tmp_path: Path, kind: str, source: Path, rejected: list[tuple[int, str]],  # noqa: ANN001
                         counts: str, snapshot: str) -> None:  # fmt: skip
    """Import `source` updating duplicates, all or nothing, as a dry run, then with
    --partial: each lists the same rejections (stderr and --rejects) and counts; the first
    two leave the database as it was (`snapshot`, a query, reads it)."""
    before = stored(crm, snapshot)
    for mode in MODES:
        rejects = tmp_path / "rejects.csv"
        result = crm.fails("import", kind, str(source), "--on-duplicate", "update", "--rejects", str(rejects),
                           *mode)  # fmt: skip
        shown = [line for line in result.stderr.splitlines() if line.startswith("  line ")]
        assert shown == [f"  line {line}: {reason}" for line, reason in rejected], mode
        assert counts in result.stderr, (mode, result.stderr)
        written = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8"))))
        assert [(int(row[0]), row[1]) for row in written[1:]] == rejected, mode
        if mode != ["--partial"]:
            assert stored(crm, snapshot) == before, mode


# --- companies ----------------------------------------------------------------------------------


def test_companies_every_bad_update_is_reported_in_every_mode(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("company", "add", "Acme", "--domain", "acme.example")
    crm.ok("company", "add", "Beta", "--domain", "beta.example")
    (acme,), (beta,) = stored(crm, "SELECT uid FROM companies ORDER BY id")
    header = ["name", "domain", "uid", "employees", "industry", "tags"]
    source = write_csv(
        tmp_path / "companies.csv",
        [
            header,
            ["Acme", "acme.example", "", "10", "", ""],  # 2: updated
            ["Bad", "", "", "lots", "", ""],  # 3: rejected while reading
            ["Acme", "acme.example", "", "", "Engines", ""],  # 4: updated
            ["Beta", "beta.example", "", "", "", "-trial"],  # 5: a tag edit_company refuses
            ["Beta", "acme.example", beta, "", "", ""],  # 6: Acme has that domain
            ["Acme", "acme.example", "", "10", "Engines", ""],  # 7: as lines 2 and 4 left it
            ["Acme", "acme.example.org", acme, "", "", ""],  # 8: Acme moves to another domain
            ["Beta", "acme.example", beta, "", "", ""],  # 9: which frees acme.example
            ["New", "new.example", "", "3", "", ""],  # 10: created
            ["Beta", "new.example", beta, "", "", ""],  # 11: the company line 10 makes has that domain
        ],
    )
    import_in_every_mode(
        crm,
        tmp_path,
        "companies",
        source,
        [
            (3, "The number of employees 'lots' is not a whole number."),
            (5, "The tag '-trial' cannot start with -: `crm contact tag` reads - and + as remove and add."),
            (6, "Another company already has the domain acme.example."),
            (11, "Another company already has the domain new.example."),
        ],
        "10 rows: 1 created, 4 updated, 1 unchanged, 0 skipped as duplicates, 4 rejected.",
        "SELECT name, domain, employees, industry FROM companies ORDER BY id",
    )
    assert stored(crm, "SELECT name, domain, employees, industry FROM companies ORDER BY id") == [
        ("Acme", "acme.example.org", 10, "Engines"),
        ("Beta", "acme.example", None, None),
        ("New", "new.example", 3, None),
    ]
    assert stored(crm, "SELECT count(*) FROM tags WHERE entity = 'company'") == [(0,)]


def test_a_new_companys_tags_are_checked_as_on_entry(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(tmp_path / "c.csv", [["name", "tags"], ["Gamma", "vip; -trial"], ["Delta", "vip"]])
    result = crm.fails("import", "companies", str(source))
    assert result.stderr.splitlines()[0].startswith("  line 2: The tag '-trial' ")
    assert not crm.db.exists()  # nothing written: the database the import made is gone
    crm.fails("import", "companies", str(source), "--partial", "--rejects", str(tmp_path / "r.csv"))
    assert stored(crm, "SELECT name FROM companies") == [("Delta",)]
    assert stored(crm, "SELECT tag FROM tags WHERE entity = 'company'") == [("vip",)]


# --- deals ---------------------------------------------------------------------------------------

DEAL_HEADER = ["uid", "title", "amount", "stage", "status", "lost_reason", "field:source"]


@pytest.fixture
def three_deals(crm, tmp_path: Path):  # noqa: ANN001, ANN201
    """d-1 open in lead-in, d-2 won, d-3 open."""
    crm.write_config(CONFIG)
    source = write_csv(
        tmp_path / "first.csv",
        [
            DEAL_HEADER,
            ["d-1", "Engines", "1000", "lead-in", "", "", ""],
            ["d-2", "Support", "900", "proposal", "won", "", ""],
            ["d-3", "Training", "300", "lead-in", "", "", ""],
        ],
    )
    crm.ok("import", "deals", str(source))
    return crm


DEALS = "SELECT uid, title, amount_minor, stage, status, lost_reason FROM deals ORDER BY id"


def test_deals_every_bad_update_is_reported_in_every_mode(three_deals, tmp_path: Path) -> None:  # noqa: ANN001
    crm = three_deals
    source = write_csv(
        tmp_path / "deals.csv",
        [
            DEAL_HEADER,
            ["d-1", "Engines", "2000", "proposal", "", "", ""],  # 2: updated
            ["d-9", "Bad", "12.5.0", "", "", "", ""],  # 3: rejected while reading
            ["d-2", "Support", "", "", "open", "", ""],  # 4: won: reopen it first
            ["d-3", "Training", "", "", "lost", "", ""],  # 5: lost without a reason
            ["d-1", "Engines", "", "", "won", "", ""],  # 6: updated: won
            ["d-1", "Engines", "", "proposal", "", "", ""],  # 7: won by line 6
            ["d-3", "Training", "500", "", "", "", "web"],  # 8: updated
            ["d-3", "Training", "500", "", "", "", "web"],  # 9: as line 8 left it
            ["d-4", "New", "100", "", "", "", ""],  # 10: created
        ],
    )
    import_in_every_mode(
        crm,
        tmp_path,
        "deals",
        source,
        [
            (
                3,
                "Cannot read '12.5.0' as an amount; write it like 12500, 12 500,50, 12,500.50, 12k or 1.5m, "
                "optionally with a currency code (1200 SEK).",
            ),
            (4, "Deal #2 is won and the row has it open; reopen it first (crm deal reopen 2)."),
            (5, "The row has deal #3 lost; give its reason in a lost_reason column."),
            (7, "Deal #1 is won and the row has it open; reopen it first (crm deal reopen 1)."),
        ],
        "9 rows: 1 created, 3 updated, 1 unchanged, 0 skipped as duplicates, 4 rejected.",
        DEALS,
    )
    assert stored(crm, DEALS) == [
        ("d-1", "Engines", 200000, "won", "won", None),
        ("d-2", "Support", 90000, "won", "won", None),
        ("d-3", "Training", 50000, "lead-in", "open", None),
        ("d-4", "New", 10000, "lead-in", "open", None),
    ]


def test_a_deal_row_refused_writes_none_of_its_changes(three_deals, tmp_path: Path) -> None:  # noqa: ANN001
    """With --partial, a row that changed a won deal's title and custom field and had it
    open again was rejected, but its title and field were written all the same."""
    crm = three_deals
    source = write_csv(
        tmp_path / "deals.csv", [DEAL_HEADER, ["d-2", "Support 2", "", "proposal", "", "", "web"]]
    )
    result = crm.fails("import", "deals", str(source), "--on-duplicate", "update", "--partial")
    assert (
        "  line 2: Deal #2 is won and the row has it open; reopen it first (crm deal reopen 2)."
        in result.stderr
    )
    assert stored(crm, "SELECT title FROM deals WHERE uid = 'd-2'") == [("Support",)]
    assert stored(crm, "SELECT count(*) FROM custom_fields WHERE entity = 'deal'") == [(0,)]


# --- activities ----------------------------------------------------------------------------------


def test_activities_every_bad_update_is_reported_in_every_mode(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Ada Lovelace", "--email", "ada@example.com")
    first = write_csv(
        tmp_path / "first.csv",
        [
            ["uid", "kind", "contact", "note", "due", "done_at"],
            ["a-1", "task", "ada@example.com", "Send offer", "2026-02-01", ""],
            ["a-2", "call", "ada@example.com", "", "", ""],
            ["a-3", "task", "ada@example.com", "Call back", "2026-01-10", "2026-01-09 15:00"],
        ],
    )
    crm.ok("import", "activities", str(first))
    source = write_csv(
        tmp_path / "activities.csv",
        [
            ["uid", "kind", "contact", "note", "at", "done"],
            ["a-1", "task", "", "Send the offer", "", ""],  # 2: updated
            ["a-9", "dance", "ada@example.com", "", "", ""],  # 3: rejected while reading
            ["a-2", "call", "", "", "", "yes"],  # 4: no follow-up, so never done
            ["a-3", "task", "", "", "", "no"],  # 5: done already
            ["a-1", "task", "", "", "2026-02-02 10:00", "yes"],  # 6: updated: done
            ["a-1", "task", "", "", "", "no"],  # 7: done by line 6
            ["a-2", "call", "", "Left a message", "", ""],  # 8: updated
            ["a-2", "call", "", "Left a message", "", ""],  # 9: as line 8 left it
            ["", "call", "ada@example.com", "", "", ""],  # 10: created
        ],
    )
    import_in_every_mode(
        crm,
        tmp_path,
        "activities",
        source,
        [
            (
                3,
                "Unknown activity kind 'dance'; use one of call, email, meeting, note, message, task "
                "(or add it to [activities] kinds in the config).",
            ),  # fmt: skip
            (4, "Activity #2 is not a follow-up (it has no due date), so it cannot be done."),
            (5, "Activity #3 was done on 2026-01-09T15:00:00Z; the row has it open."),
            (7, "Activity #1 was done on 2026-02-02T10:00:00Z; the row has it open."),
        ],
        "9 rows: 1 created, 3 updated, 1 unchanged, 0 skipped as duplicates, 4 rejected.",
        "SELECT uid, note, done_at FROM activities ORDER BY id",
    )
    assert stored(crm, "SELECT uid, note, done_at FROM activities ORDER BY id")[:3] == [
        ("a-1", "Send the offer", "2026-02-02T10:00:00Z"),
        ("a-2", "Left a message", None),
        ("a-3", "Call back", "2026-01-09T15:00:00Z"),
    ]
