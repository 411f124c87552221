"""crm sla check|policy: exit codes for cron, and a breach escalated exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crmcli.config import Config
from crmcli.services import cases
from crmcli.services.contacts import ContactInput, add_contact
from crmcli.services.session import Session
from crmcli.storage.db import open_db
from helpers import one_sentence
from safety import test_db as read_only_share

CONFIG = """
[[team]]
handle = "mei"
[[team]]
handle = "sven"
[[team]]
handle = "daniel"
role = "manager"

[queues.first-line]
escalate_to = "second-line"
[queues.second-line]

[sla.targets.normal]
first_response = "4h"
resolution = "2d"
hours = "24/7"

[[rules]]
name = "Breaches go up to Daniel"
on = "case.sla_breached"
escalate = true
assign = "daniel"
"""

LONG_AGO = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def open_old_case(tmp_path: Path, subject: str = "Printer jam", owner: str | None = None) -> int:
    """A case opened long ago (so it is breached by now), written as the services would."""
    db = open_db(tmp_path / "crm.db")
    try:
        session = Session(db=db, config=Config.load(tmp_path / "config.toml"), actor="mei", now=LONG_AGO)
        contact = add_contact(session, ContactInput(name="Kari Nordmann"))
        return int(cases.open_case(session, contact["id"], subject, owner=owner)["id"])
    finally:
        db.close()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_no_cases_no_breaches_exit_zero(crm_process, config: Path) -> None:  # noqa: ANN001
    result = crm_process("sla", "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split()[:3] == ["CASE", "SUBJECT", "CONTACT"]
    assert crm_process("add", "Kari").returncode == 0
    assert crm_process("case", "open", "kari", "Fresh").returncode == 0
    fresh = crm_process("sla", "check", "--json")
    assert fresh.returncode == 0 and fresh.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [(), ("--warn", "3d"), ("--json",), ("--format", "csv")])
def test_a_check_where_there_is_no_database_makes_none(crm_process, tmp_path: Path, args) -> None:  # noqa: ANN001
    """A cron job with a mistyped CRM_DB: nothing to check or record, said on stderr, no file left."""
    missing = tmp_path / "missing.db"
    env = {"CRM_DB": str(missing), "CRM_CONFIG": str(tmp_path / "c.toml")}
    result = crm_process("sla", "check", *args, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"There is no database at {missing} yet, so there is nothing to show; none was made "
        "(check --db or CRM_DB if you expected one).\n"
    )
    if args == ("--json",):
        assert json.loads(result.stdout) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]  # no database, journal or config
    refused = crm_process("sla", "check", *args, "--warn", "soon", env=env)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1  # one sentence, no notice
    assert not missing.exists()


def test_breaches_exit_three_and_escalate_once(crm_process, config: Path, tmp_path: Path) -> None:  # noqa: ANN001
    case_id = open_old_case(tmp_path)
    first = crm_process("sla", "check")
    assert first.returncode == 3
    lines = first.stdout.splitlines()
    assert lines[0].split() == ["CASE", "SUBJECT", "CONTACT", "PRIORITY", "QUEUE", "OWNER", "TARGET",
                                "STATE", "DUE", "NEW"]  # fmt: skip
    assert "first response  breached  2026-01-05T13:00:00Z  yes" in lines[1]
    assert "resolution      breached  2026-01-07T09:00:00Z  yes" in lines[2]
    # The table shows the case as the rules on its breaches left it.
    assert all("second-line  daniel" in line for line in lines[1:3])
    assert first.stderr == "crm: 2 SLA breaches (2 new, escalated by the rules on case.sla_breached).\n"

    again = crm_process("sla", "check", "--json")
    assert again.returncode == 3
    rows = json.loads(again.stdout)
    assert [(r["target"], r["state"], r["new"]) for r in rows] == [
        ("first_response", "breached", False), ("resolution", "breached", False)]  # fmt: skip
    assert rows[0]["owner"] == "daniel"
    assert "0 new" in again.stderr

    shown = json.loads(crm_process("case", "show", str(case_id), "--json").stdout)
    # Two breaches in one check: the rule is applied once (level 1), and the second run added nothing.
    assert shown["escalation_level"] == 1 and shown["queue"] == "second-line" and shown["owner"] == "daniel"
    escalations = [e for e in shown["timeline"] if e["kind"] == "escalate"]
    assert [(e["from_value"], e["to_value"]) for e in escalations] == [("0", "1")]
    db = open_db(tmp_path / "crm.db")
    try:
        assert db.scalar("SELECT count(*) FROM sla_breaches") == 2
    finally:
        db.close()


def test_breaches_found_by_separate_checks_escalate_once_each(crm, config: Path, tmp_path: Path) -> None:  # noqa: ANN001
    case_id = open_old_case(tmp_path)  # first response due 2026-01-05 13:00, resolution 01-07 09:00
    first = crm.fails("sla", "check", "--as-of", "2026-01-05T14:00:00Z", "--json", code=3).json()
    assert [(r["target"], r["new"]) for r in first] == [("first_response", True)]
    assert (first[0]["queue"], first[0]["owner"]) == ("second-line", "daniel")
    crm.fails("sla", "check", code=3)  # the resolution breach is new: another command, another level
    shown = crm.ok("case", "show", str(case_id), "--json").json()
    assert shown["escalation_level"] == 2


def test_csv_and_a_warning_window(crm_process, config: Path, tmp_path: Path) -> None:  # noqa: ANN001
    crm_process("add", "Ola")
    crm_process("case", "open", "ola", "Due soon")
    quiet = crm_process("sla", "check", "--format", "csv")
    assert quiet.returncode == 0 and quiet.stdout.splitlines()[1:] == []
    warned = crm_process("sla", "check", "--warn", "5h", "--format", "csv")
    assert warned.returncode == 0  # a warning is not a breach
    assert warned.stdout.splitlines()[1].split(",")[7:9] == ["first_response", "at_risk"]
    bad = crm_process("sla", "check", "--warn", "soon")
    assert bad.returncode == 1 and bad.stderr.startswith("crm: --warn: 'soon' is not a duration")


def test_a_warning_counts_days_as_the_targets_do(crm, config: Path) -> None:  # noqa: ANN001
    # A 5-day target in business hours is 5 working days; a warning of 2d is 2 of them, not 48 hours.
    config.write_text(CONFIG + '[sla.targets.low]\nfirst_response = "5d"\n', encoding="utf-8")
    crm.ok("add", "Ola")
    crm.ok("case", "open", "ola", "Some day", "--priority", "low")
    assert crm.ok("sla", "check", "--warn", "2d", "--json").json() == []
    assert crm.ok("sla", "check", "--warn", "1w", "--json").json()[0]["state"] == "at_risk"
    config.write_text(CONFIG + '[sla]\nwarn_within = "2d"\n[sla.targets.low]\nfirst_response = "5d"\n',
                      encoding="utf-8")  # fmt: skip
    assert crm.ok("sla", "check", "--json").json() == []
    # Around the clock a day is still 24 hours: the normal 4h target is within "1d".
    crm.ok("case", "open", "ola", "Soon")
    assert [r["subject"] for r in crm.ok("sla", "check", "--warn", "1d", "--json").json()] == ["Soon"]


def test_policy_shows_targets_and_hours(crm_process, config: Path) -> None:  # noqa: ANN001
    result = crm_process("sla", "policy")
    assert result.returncode == 0
    assert result.stdout.splitlines()[:3] == [
        "PRIORITY  TARGET          WITHIN  COUNTED",
        "normal    first response  4h      24/7",
        "normal    resolution      2d      24/7",
    ]
    assert "  monday     09:00-17:00" in result.stdout


def test_as_of_reproduces_a_check_at_an_earlier_moment(crm_process, config: Path, tmp_path: Path) -> None:  # noqa: ANN001
    open_old_case(tmp_path)  # opened 2026-01-05 09:00 UTC; first response due 13:00 (4h, 24/7)
    before = crm_process("sla", "check", "--as-of", "2026-01-04", "--json")
    assert before.returncode == 0 and json.loads(before.stdout) == []
    soon = crm_process("sla", "check", "--as-of", "2026-01-05T12:30:00Z", "--json")
    assert soon.returncode == 0
    assert [(r["target"], r["state"], r["due_at"]) for r in json.loads(soon.stdout)] == [
        ("first_response", "at_risk", "2026-01-05T13:00:00Z")]  # fmt: skip
    late = crm_process("sla", "check", "--as-of", "2026-01-05T14:00:00Z", "--json")
    assert late.returncode == 3
    assert [(r["target"], r["state"], r["new"]) for r in json.loads(late.stdout)] == [
        ("first_response", "breached", True)]  # fmt: skip
    bad = crm_process("sla", "check", "--as-of", "someday")
    assert bad.returncode == 1 and bad.stderr.startswith("crm: Cannot read 'someday' as a date")
    assert len(bad.stderr.strip().splitlines()) == 1


def test_as_of_judges_a_case_by_the_priority_it_had_then(crm, config: Path, tmp_path: Path) -> None:  # noqa: ANN001
    urgent = '[sla.targets.urgent]\nfirst_response = "1h"\nhours = "24/7"\n'
    config.write_text(CONFIG + urgent, encoding="utf-8")
    case_id = open_old_case(tmp_path)  # normal (4h) when opened on 2026-01-05 at 09:00 UTC
    crm.ok("case", "escalate", str(case_id), "--priority", "urgent")  # today: 1h
    assert crm.ok("sla", "check", "--as-of", "2026-01-05T11:00:00Z", "--json").json() == []
    assert query(tmp_path, "SELECT count(*) FROM sla_breaches") == [(0,)]
    late = crm.fails("sla", "check", "--as-of", "2026-01-05T14:00:00Z", "--json", code=3).json()
    assert [(r["priority"], r["target"], r["due_at"]) for r in late] == [
        ("normal", "first_response", "2026-01-05T13:00:00Z")]  # fmt: skip


def test_show_lists_open_cases_with_their_sla_state(crm, config: Path, tmp_path: Path) -> None:  # noqa: ANN001
    late = open_old_case(tmp_path)
    crm.ok("case", "open", "kari", "Fresh question")
    view = crm.ok("show", "kari", "--json").json()
    states = {case["subject"]: case["sla"] for case in view["open_cases"]}
    assert states["Printer jam"] == "breached: first response, resolution"
    assert states["Fresh question"].startswith("first response due in")
    table = crm.ok("show", "kari").stdout
    assert "SLA" in table and "breached: first response" in table
    assert late in [case["id"] for case in view["open_cases"]]


def query(tmp_path: Path, sql: str) -> list[tuple]:
    db = open_db(tmp_path / "crm.db")
    try:
        return [tuple(row) for row in db.execute(sql).fetchall()]
    finally:
        db.close()


def test_a_future_as_of_is_refused_and_records_nothing(crm, config: Path, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Kari", "--email", "kari@x.com")
    crm.ok("case", "open", "kari", "Help")
    changes = query(tmp_path, "SELECT count(*) FROM changes")
    today = datetime.now(UTC).date()
    future = (today + timedelta(days=18)).isoformat()
    bad = crm.fails("sla", "check", "--as-of", future)
    assert bad.stderr == (
        f"crm: --as-of '{future}' has not come yet; sla check records only breaches that have happened, "
        "so give now or an earlier moment, or use --warn DURATION to see what falls due sooner.\n"
    )
    assert bad.stdout == ""
    assert crm.fails("sla", "check", "--as-of", "tomorrow", "--json").stdout == ""
    # Nothing recorded and no rule fired: the case is as it was, not escalated to Daniel.
    assert query(tmp_path, "SELECT count(*) FROM sla_breaches") == [(0,)]
    assert query(tmp_path, "SELECT count(*) FROM changes") == changes
    shown = crm.ok("case", "show", "1", "--json").json()
    assert (shown["escalation_level"], shown["queue"]) == (0, "first-line") and shown["owner"] != "daniel"
    # Now is a moment that has come; looking ahead is --warn, which records nothing either.
    assert crm.ok("sla", "check", "--as-of", "now", "--json").json() == []
    ahead = crm.ok("sla", "check", "--warn", "3d", "--json").json()
    assert [(r["target"], r["state"], r["new"]) for r in ahead] == [
        ("first_response", "at_risk", False), ("resolution", "at_risk", False)]  # fmt: skip
    assert query(tmp_path, "SELECT count(*) FROM sla_breaches") == [(0,)]

    # Answered and resolved in time: the KPI and the weekly report agree nothing was breached.
    crm.ok("case", "reply", "1", "Hi")
    crm.ok("case", "resolve", "1")
    kpis = crm.ok("kpi", "--period", "today", "--no-compare", "--json").json()["kpis"]
    assert [k["value"] for k in kpis if k["key"] == "sla_compliance"] == [1]
    week = (today + timedelta(days=7)).isoformat()  # its last complete week is this one
    report = crm.ok("report", "weekly", "--as-of", week, "--format", "json").json()["cases"]
    assert (report["resolved"], report["breached"], report["breaches"]) == (1, 0, [])


def test_the_summary_claims_an_escalation_only_when_a_rule_made_one(crm, tmp_path: Path) -> None:  # noqa: ANN001
    without_rules = CONFIG.split("[[rules]]")[0]
    crm.write_config(without_rules)
    open_old_case(tmp_path)
    first = crm.fails("sla", "check", code=3)
    assert first.stderr == "crm: 2 SLA breaches (2 new; no rule acts on case.sla_breached).\n"
    assert crm.fails("sla", "check", code=3).stderr == "crm: 2 SLA breaches (0 new).\n"
    # A rule that only tags the case does not escalate it.
    crm.write_config(
        without_rules + '[[rules]]\nname = "Tag"\non = "case.sla_breached"\nadd_tags = ["late"]\n'
    )
    open_old_case(tmp_path, "Another")
    tagged = crm.fails("sla", "check", code=3)
    assert tagged.stderr == "crm: 4 SLA breaches (2 new, none escalated by the rules on case.sla_breached).\n"
    assert query(tmp_path, "SELECT escalation_level FROM cases ORDER BY id") == [(0,), (0,)]


QUEUE_RULES = """
[[rules]]
name = "Late in first line"
on = "case.sla_breached"
when.all = [ { field = "queue", value = "first-line" }, { field = "owner", value = "mei" },
             { field = "escalation_level", value = 0 } ]
add_tags = ["late-first-line"]
continue = true

[[rules]]
name = "Late in second line"
on = "case.sla_breached"
when = { field = "queue", value = "second-line" }
add_tags = ["late-second-line"]
"""


def test_as_of_shows_and_routes_the_queue_and_owner_the_case_had_then(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(CONFIG.split("[[rules]]")[0] + QUEUE_RULES)
    case_id = open_old_case(tmp_path, owner="mei")  # first line; first response due 2026-01-05 13:00
    # Moved on since (today): escalated to second line and given to Sven.
    crm.ok("case", "escalate", str(case_id), "--queue", "second-line", "--to", "sven")
    then = "2026-01-05T14:00:00Z"

    rows = crm.fails("sla", "check", "--as-of", then, "--json", code=3).json()
    assert [(r["target"], r["new"], r["status"], r["queue"], r["owner"]) for r in rows] == [
        ("first_response", True, "new", "first-line", "mei")]  # fmt: skip
    table = crm.fails("sla", "check", "--as-of", then, code=3).stdout.splitlines()
    assert "first-line  mei" in table[1] and "sven" not in table[1]

    # The rule on the queue, owner and level of then fired; the one on today's queue did not,
    # and the case itself stays where it is now.
    shown = crm.ok("case", "show", str(case_id), "--json").json()
    assert shown["tags"] == ["late-first-line"]
    assert (shown["queue"], shown["owner"], shown["escalation_level"]) == ("second-line", "sven", 1)
    assert query(tmp_path, "SELECT target, breached_at FROM sla_breaches") == [("first_response", then)]

    # As of now the same case is judged as it is now: the rule on second line fires.
    crm.fails("sla", "check", code=3)
    now = crm.ok("case", "show", str(case_id), "--json").json()
    assert now["tags"] == ["late-first-line", "late-second-line"]


def test_the_service_refuses_a_moment_that_has_not_come(config: Path, tmp_path: Path) -> None:
    from crmcli.errors import Invalid
    from crmcli.services import sla

    case_id = open_old_case(tmp_path)
    db = open_db(tmp_path / "crm.db")
    try:
        session = Session(db=db, config=Config.load(config), actor="mei", now=LONG_AGO + timedelta(hours=1))
        with pytest.raises(Invalid, match="2026-01-06T09:00:00Z has not come yet"):
            sla.check_breaches(session, LONG_AGO + timedelta(days=1))
        assert db.scalar("SELECT count(*) FROM sla_breaches") == 0
        assert cases.get_case(db, case_id)["escalation_level"] == 0
        assert sla.check_breaches(session, session.now) == []  # now itself has come
    finally:
        db.close()


CLOSED_SINCE_RULES = """
[[rules]]
name = "Breaches go up to Daniel"
on = "case.sla_breached"
escalate = true
assign = "daniel"
add_tags = ["late"]
"""


def test_as_of_records_a_breach_of_a_case_closed_since_but_does_not_escalate_it(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(CONFIG.split("[[rules]]")[0] + CLOSED_SINCE_RULES)
    case_id = open_old_case(tmp_path, owner="mei")  # first response due 2026-01-05 13:00 (24/7)
    crm.ok("case", "close", str(case_id))
    then = "2026-01-05T14:00:00Z"

    result = crm.fails("sla", "check", "--as-of", then, "--json", code=3)
    assert [(r["target"], r["new"], r["status"]) for r in result.json()] == [("first_response", True, "new")]
    assert result.stderr == (
        "crm: 1 SLA breach (1 new, none escalated by the rules on case.sla_breached; "
        "skipped on case #1, resolved or closed since: escalate, assign daniel).\n"
    )
    # The breach happened and is recorded, and the harmless action ran; what `crm case
    # escalate` and `crm case assign` refuse for a closed case was not done either.
    assert query(tmp_path, "SELECT target, breached_at FROM sla_breaches") == [("first_response", then)]
    shown = crm.ok("case", "show", str(case_id), "--json").json()
    assert (shown["status"], shown["queue"], shown["escalation_level"], shown["owner"]) == (
        "closed", "first-line", 0, "mei")  # fmt: skip
    assert shown["tags"] == ["late"]
    why = crm.ok("rules", "explain", f"case:{case_id}", "--json").json()[-1]["why"]
    assert why[-2:] == [
        "  then: add tags late",
        "  not done, the case is closed (reopen it first): escalate; assign daniel",
    ]
    crm.fails("case", "escalate", str(case_id))  # as the command refuses it


def test_as_of_still_escalates_a_case_that_is_open_now(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(CONFIG.split("[[rules]]")[0] + CLOSED_SINCE_RULES)
    case_id = open_old_case(tmp_path, owner="mei")
    crm.ok("case", "close", str(case_id))
    crm.ok("case", "reopen", str(case_id))
    result = crm.fails("sla", "check", "--as-of", "2026-01-05T14:00:00Z", code=3)
    assert result.stderr == "crm: 1 SLA breach (1 new, escalated by the rules on case.sla_breached).\n"
    shown = crm.ok("case", "show", str(case_id), "--json").json()
    assert (shown["queue"], shown["escalation_level"], shown["owner"]) == ("second-line", 1, "daniel")


# --- a database crm cannot write: sla check reads it when it has nothing new to record ----------

lock_down = read_only_share.lock_down  # the fixture that makes files unwritable, even for root


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_database_is_checked_when_there_is_nothing_new_to_record(  # noqa: ANN001
    crm, config: Path, tmp_path: Path, lock_down, what: str
) -> None:  # fmt: skip
    crm.ok("add", "Ola")
    crm.ok("case", "open", "ola", "Due soon")  # first response due in 4h
    assert crm.ok("sla", "check", "--warn", "5h", "--json").json()[0]["state"] == "at_risk"
    lock_down(tmp_path if what == "folder" else crm.db)
    # Looking ahead records nothing, so it needs to write nothing.
    ahead = crm.ok("sla", "check", "--warn", "5h", "--json").json()
    assert [(r["target"], r["state"], r["new"]) for r in ahead] == [("first_response", "at_risk", False)]
    assert crm.ok("sla", "check", "--json").json() == []
    assert crm.ok("sla", "check").stdout.split()[:2] == ["CASE", "SUBJECT"]


def test_breaches_recorded_earlier_are_shown_from_a_read_only_database(  # noqa: ANN001
    crm, config: Path, tmp_path: Path, lock_down
) -> None:  # fmt: skip
    open_old_case(tmp_path)
    crm.fails("sla", "check", code=3)  # recorded and escalated where it could be written
    lock_down(crm.db)
    again = crm.fails("sla", "check", "--warn", "1h", "--json", code=3)
    assert [(r["target"], r["state"], r["new"]) for r in again.json()] == [
        ("first_response", "breached", False), ("resolution", "breached", False)]  # fmt: skip
    assert again.stderr == "crm: 2 SLA breaches (0 new).\n"


@pytest.mark.parametrize("args", [(), ("--warn", "1h"), ("--as-of", "2026-01-05T14:00:00Z", "--json")])
def test_a_new_breach_on_a_read_only_database_is_refused_not_left_unrecorded(  # noqa: ANN001
    crm, config: Path, tmp_path: Path, lock_down, args
) -> None:  # fmt: skip
    case_id = open_old_case(tmp_path)
    lock_down(tmp_path)
    result = crm.fails("sla", "check", *args)
    assert one_sentence(result.stderr) == read_only_share.read_only_said(crm.db)
    assert result.stdout == ""
    assert read_only_share.count_locked(crm.db, "SELECT count(*) FROM sla_breaches") == 0
    level = read_only_share.count_locked(crm.db, f"SELECT escalation_level FROM cases WHERE id = {case_id}")
    assert level == 0  # no rule ran


def test_an_empty_as_of_is_refused_not_read_as_now(crm, config: Path, tmp_path: Path) -> None:  # noqa: ANN001
    open_old_case(tmp_path)  # breached by now: a check as of now would record and escalate it
    changes = query(tmp_path, "SELECT count(*) FROM changes")
    result = crm.fails("sla", "check", "--as-of", "")
    assert one_sentence(result.stderr).startswith("crm: An empty date cannot be read; use YYYY-MM-DD")
    assert result.stdout == ""
    assert query(tmp_path, "SELECT count(*) FROM sla_breaches") == [(0,)]
    assert query(tmp_path, "SELECT count(*) FROM changes") == changes
