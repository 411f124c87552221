"""crm sla check shows each case's priority as the rules on case.sla_breached left it, as it
shows its queue and owner: in the table, in --json and in CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmcli.config import Config
from crmcli.services import cases
from crmcli.services.contacts import ContactInput, add_contact
from crmcli.services.session import Session
from crmcli.storage.db import open_db

CONFIG = """
[[team]]
handle = "mei"
[[team]]
handle = "daniel"

[queues.first-line]
escalate_to = "second-line"
[queues.second-line]

[sla.targets.low]
first_response = "1m"
resolution = "2m"
hours = "24/7"

[[rules]]
name = "Breaches are urgent"
on = "case.sla_breached"
priority = "urgent"
escalate = true
"""

OPENED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CHECKED = "2026-01-05T09:05:00Z"  # both targets (09:01 and 09:02) breached by then


@pytest.fixture
def case_id(tmp_path: Path) -> int:
    """A low-priority case opened at OPENED, written as the services would."""
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    db = open_db(tmp_path / "crm.db")
    try:
        session = Session(db=db, config=Config.load(tmp_path / "config.toml"), actor="mei", now=OPENED)
        contact = add_contact(session, ContactInput(name="Kari Nordmann"))
        return int(cases.open_case(session, contact["id"], "Printer jam", priority="low")["id"])
    finally:
        db.close()


def test_the_json_shows_the_priority_the_rules_gave(crm, case_id: int) -> None:  # noqa: ANN001
    rows = crm.fails("sla", "check", "--as-of", CHECKED, "--json", code=3).json()
    assert [(r["target"], r["new"], r["priority"], r["queue"]) for r in rows] == [
        ("first_response", True, "urgent", "second-line"),
        ("resolution", True, "urgent", "second-line"),
    ]
    shown = crm.ok("case", "show", str(case_id), "--json").json()
    assert (shown["priority"], shown["queue"]) == ("urgent", "second-line")


def test_the_table_shows_the_priority_the_rules_gave(crm, case_id: int) -> None:  # noqa: ANN001
    lines = crm.fails("sla", "check", "--as-of", CHECKED, code=3).stdout.splitlines()
    assert lines[0].split()[:6] == ["CASE", "SUBJECT", "CONTACT", "PRIORITY", "QUEUE", "OWNER"]
    assert len(lines) == 3
    assert all("Kari Nordmann  urgent    second-line" in line for line in lines[1:])


def test_the_csv_shows_the_priority_the_rules_gave(crm, case_id: int) -> None:  # noqa: ANN001
    text = crm.fails("sla", "check", "--as-of", CHECKED, "--format", "csv", code=3).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["target"], r["priority"], r["queue"]) for r in rows] == [
        ("first_response", "urgent", "second-line"),
        ("resolution", "urgent", "second-line"),
    ]


def test_a_later_check_as_of_the_same_moment_shows_the_case_as_it_was_then(crm, case_id: int) -> None:  # noqa: ANN001
    """Nothing new, so no rule ran: the case is shown as it was at the moment checked."""
    crm.fails("sla", "check", "--as-of", CHECKED, code=3)
    rows = crm.fails("sla", "check", "--as-of", CHECKED, "--json", code=3).json()
    assert [(r["new"], r["priority"], r["queue"]) for r in rows] == [
        (False, "low", "first-line"), (False, "low", "first-line")]  # fmt: skip
