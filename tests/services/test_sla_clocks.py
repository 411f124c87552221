"""SLA clocks: business hours, pending pauses the clock, breaches recorded once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crmcli.config import Config
from crmcli.services import cases, sla
from crmcli.services.contacts import ContactInput, add_contact
from crmcli.services.session import Session
from crmcli.services.views import contact_view
from crmcli.storage.db import open_db

CONFIG = """
timezone = "Europe/Oslo"

[[team]]
handle = "mei"
[[team]]
handle = "daniel"

[business_hours]
monday = "08:00-16:00"
tuesday = "08:00-16:00"
wednesday = "08:00-16:00"
thursday = "08:00-16:00"
friday = "08:00-16:00"

[sla]
warn_within = "1h"
[sla.targets.normal]
first_response = "4h"
resolution = "2d"
[sla.targets.urgent]
first_response = "1h"
resolution = "4h"
hours = "24/7"
"""

MONDAY_9_OSLO = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def session(tmp_path: Path) -> Session:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return Session(db=open_db(tmp_path / "crm.db"), config=Config.load(path), actor="mei", now=MONDAY_9_OSLO)


def at(session: Session, moment: datetime) -> Session:
    session.now = moment
    return session


def clocks(session: Session, case_id: int, as_of: datetime) -> dict[str, sla.Clock]:
    policy = sla.load_policy(session.config)
    return sla.case_clocks(session.db, [cases.get_case(session.db, case_id)], policy, as_of)[case_id]


def new_case(session: Session, priority: str = "normal") -> int:
    contact = add_contact(session, ContactInput(name=f"Customer {priority}"))
    return int(cases.open_case(session, contact["id"], "Help", priority=priority)["id"])


def test_business_hour_targets_skip_the_night(session: Session) -> None:
    case_id = new_case(session)  # Monday 09:00 in Oslo
    first, resolution = clocks(session, case_id, MONDAY_9_OSLO).values()
    assert first.due_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 13:00 Oslo
    assert resolution.due_at == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # two 8h days later
    late = clocks(session, case_id, datetime(2026, 11, 23, 20, 0, tzinfo=UTC))["first_response"]
    assert late.state == "breached" and late.due_at == first.due_at


def test_the_first_reply_meets_the_first_response_target(session: Session) -> None:
    case_id = new_case(session)
    cases.reply(at(session, MONDAY_9_OSLO + timedelta(hours=1)), case_id, "On it")
    first = clocks(session, case_id, MONDAY_9_OSLO + timedelta(days=3))["first_response"]
    assert first.state == "met" and first.used == timedelta(hours=1)
    # An internal note is not a response; a second reply does not move the stamp.
    cases.add_note(at(session, MONDAY_9_OSLO + timedelta(hours=2)), case_id, "internal")
    cases.reply(at(session, MONDAY_9_OSLO + timedelta(hours=3)), case_id, "More")
    assert cases.get_case(session.db, case_id)["first_response_at"] == "2026-11-23T09:00:00Z"


def test_pending_pauses_the_clock(session: Session) -> None:
    case_id = new_case(session, "urgent")  # 4h around the clock to resolve
    cases.reply(
        at(session, MONDAY_9_OSLO + timedelta(minutes=30)), case_id, "Logs please?", then_pending=True
    )
    cases.reply(at(session, MONDAY_9_OSLO + timedelta(hours=10)), case_id, "Here", inbound=True)
    assert cases.get_case(session.db, case_id)["status"] == "open"
    resolution = clocks(session, case_id, MONDAY_9_OSLO + timedelta(hours=12))["resolution"]
    # 30 minutes before pending + 2 hours since the customer answered; 9.5 hours paused.
    assert resolution.used == timedelta(hours=2, minutes=30)
    assert resolution.state == "running"
    assert resolution.due_at == MONDAY_9_OSLO + timedelta(hours=13, minutes=30)
    paused = clocks(session, case_id, MONDAY_9_OSLO + timedelta(hours=5))["resolution"]
    assert paused.state == "paused" and paused.due_at is None


def test_resolved_time_does_not_count_and_reopening_carries_on(session: Session) -> None:
    case_id = new_case(session, "urgent")
    cases.resolve(at(session, MONDAY_9_OSLO + timedelta(hours=1)), case_id)
    assert clocks(session, case_id, MONDAY_9_OSLO + timedelta(days=2))["resolution"].state == "met"
    cases.reopen(at(session, MONDAY_9_OSLO + timedelta(days=1)), case_id)
    reopened = clocks(session, case_id, MONDAY_9_OSLO + timedelta(days=1, hours=2))["resolution"]
    assert reopened.used == timedelta(hours=3) and reopened.state == "at_risk"


def test_check_records_each_breach_once_and_fires_the_event_once(session: Session) -> None:
    case_id = new_case(session)
    late = MONDAY_9_OSLO + timedelta(days=4)
    findings = sla.check_breaches(at(session, late), late)
    assert [(f.clock.target, f.new) for f in findings] == [("first_response", True), ("resolution", True)]
    fired = [e for e in session.emitted if e.name == "case.sla_breached"]
    assert [e.data["target"] for e in fired] == ["first_response", "resolution"]
    again = sla.check_breaches(at(session, late + timedelta(hours=1)), late + timedelta(hours=1))
    assert [f.new for f in again] == [False, False]
    assert len([e for e in session.emitted if e.name == "case.sla_breached"]) == 2
    rows = session.db.rows("SELECT target, due_at FROM sla_breaches WHERE case_id = ?", [case_id])
    assert {r["target"] for r in rows} == {"first_response", "resolution"}


def test_check_warns_about_targets_due_soon_and_ignores_other_cases(session: Session) -> None:
    due_soon = new_case(session)
    done = new_case(session)
    cases.reply(session, done, "Answered")
    cases.resolve(session, done)
    soon = MONDAY_9_OSLO + timedelta(hours=3, minutes=30)
    findings = sla.check_breaches(at(session, soon), soon)
    assert [(f.case["id"], f.clock.target, f.clock.state) for f in findings] == [
        (due_soon, "first_response", "at_risk"),
    ]
    assert session.db.scalar("SELECT count(*) FROM sla_breaches") == 0


def test_check_as_of_an_earlier_moment_sees_the_case_as_it_was(session: Session) -> None:
    case_id = new_case(session)
    cases.resolve(at(session, MONDAY_9_OSLO + timedelta(days=5)), case_id)
    # Resolved now, but on Monday evening it was open and its first response overdue.
    findings = sla.check_breaches(session, MONDAY_9_OSLO + timedelta(hours=10))
    assert [(f.clock.target, f.clock.state) for f in findings] == [("first_response", "breached")]
    # Before it was opened there was nothing to check.
    assert sla.check_breaches(session, MONDAY_9_OSLO - timedelta(hours=1)) == []


def test_summaries(session: Session) -> None:
    case_id = new_case(session)
    now = MONDAY_9_OSLO + timedelta(hours=1)
    assert sla.summary(clocks(session, case_id, now), now) == "first response due in 3h"
    late = MONDAY_9_OSLO + timedelta(days=1)
    assert sla.summary(clocks(session, case_id, late), late) == "breached: first response"


def test_the_360_view_shows_open_cases_with_their_sla(session: Session) -> None:
    open_id = new_case(session)
    contact_id = cases.get_case(session.db, open_id)["contact_id"]
    done = int(cases.open_case(session, contact_id, "Old")["id"])
    cases.resolve(session, done)
    view = contact_view(session.db, session.config, contact_id, now=MONDAY_9_OSLO + timedelta(hours=1))
    rows = view["open_cases"]
    assert [(r["id"], r["sla"]) for r in rows] == [(open_id, "first response due in 3h")]
    assert [t["target"] for t in rows[0]["sla_targets"]] == ["first_response", "resolution"]
