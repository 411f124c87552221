"""crm sla check --as-of: a case resolved since the moment checked is not escalated,
requeued or reassigned, as `crm case escalate` and `crm case assign` refuse it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from crmcli.config import Config
from crmcli.services import cases
from crmcli.services.contacts import ContactInput, add_contact
from crmcli.services.session import Session
from crmcli.storage.db import open_db
from helpers import one_sentence, rows

CONFIG = """
[[team]]
handle = "ada"
[[team]]
handle = "daniel"

[queues.first-line]
escalate_to = "second-line"
[queues.second-line]

[sla.targets.urgent]
first_response = "1m"
resolution = "1h"
hours = "24/7"

[[rules]]
name = "Breaches up"
on = "case.sla_breached"
escalate = true
assign = "daniel"
add_tags = ["late"]
"""

OPENED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
AFTER_THE_BREACH = "2026-01-05T09:05:00Z"  # first response was due at 09:01


def open_urgent_case(tmp_path: Path) -> int:
    """An urgent case opened long ago for ada, written as the services would."""
    db = open_db(tmp_path / "crm.db")
    try:
        session = Session(db=db, config=Config.load(tmp_path / "config.toml"), actor="ada", now=OPENED)
        contact = add_contact(session, ContactInput(name="Kari", emails=["k@x.no"]))
        return int(cases.open_case(session, contact["id"], "Down", priority="urgent", owner="ada")["id"])
    finally:
        db.close()


def test_a_case_resolved_since_the_moment_checked_is_not_escalated_or_reassigned(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(CONFIG)
    case_id = open_urgent_case(tmp_path)
    crm.ok("case", "resolve", str(case_id))
    timeline_before = crm.ok("case", "show", str(case_id), "--json").json()["timeline"]

    result = crm.fails("sla", "check", "--as-of", AFTER_THE_BREACH, "--json", code=3)

    assert [r["target"] for r in result.json() if r["new"]] == ["first_response"]
    assert "skipped on case #1, resolved or closed since: escalate, assign daniel" in one_sentence(
        result.stderr
    )
    assert rows(crm, "SELECT case_id, target FROM sla_breaches") == [(case_id, "first_response")]
    shown = crm.ok("case", "show", str(case_id), "--json").json()
    assert (shown["status"], shown["queue"], shown["escalation_level"], shown["owner"]) == (
        "resolved", "first-line", 0, "ada")  # fmt: skip
    assert shown["tags"] == ["late"]  # what the commands allow still runs
    assert shown["timeline"] == timeline_before  # no escalate, queue or assign entry
    why = crm.ok("rules", "explain", f"case:{case_id}", "--json").json()[-1]["why"]
    assert why[-2:] == [
        "  then: add tags late",
        "  not done, the case is resolved (reopen it first): escalate; assign daniel",
    ]
    assert "Case #1 is resolved; reopen it first" in crm.fails("case", "escalate", str(case_id)).stderr


def test_a_case_reopened_since_is_escalated(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(CONFIG)
    case_id = open_urgent_case(tmp_path)
    crm.ok("case", "resolve", str(case_id))
    crm.ok("case", "reopen", str(case_id))
    crm.fails("sla", "check", "--as-of", AFTER_THE_BREACH, code=3)
    shown = crm.ok("case", "show", str(case_id), "--json").json()
    assert (shown["queue"], shown["escalation_level"], shown["owner"]) == ("second-line", 1, "daniel")


def test_the_rules_on_the_resolving_itself_still_hand_the_case_over(crm) -> None:  # noqa: ANN001
    """A rule on case.resolved is about the case as just resolved: by design it may assign it."""
    crm.write_config(CONFIG + '\n[[rules]]\nname = "Reviewed"\non = "case.resolved"\nassign = "daniel"\n')
    crm.ok("add", "Kari", "--email", "k@x.no")
    crm.ok("case", "open", "kari", "Down", "--owner", "ada")
    crm.ok("case", "resolve", "1")
    shown = crm.ok("case", "show", "1", "--json").json()
    assert (shown["status"], shown["owner"]) == ("resolved", "daniel")
