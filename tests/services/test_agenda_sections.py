"""The agenda's sections with a fixed "now": follow-ups, milestones, keep in touch, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crmcli.config import Config
from crmcli.services.activities import ActivityInput, complete, delete_activity, edit_activity, log_activity
from crmcli.services.agenda import build_agenda
from crmcli.services.contacts import ContactInput, add_contact
from crmcli.services.session import Session
from crmcli.storage.db import open_db

CONFIG = """
timezone = "Europe/Oslo"

[[team]]
handle = "ada"
[[team]]
handle = "bo"

[agenda]
keep_in_touch = { customer = 30, vip = 14 }
business_hours = "09:00-17:00"
"""

# Friday 27 March 2026, 11:30 in Oslo; summer time starts on Sunday 29 March.
NOW = datetime(2026, 3, 27, 10, 30, tzinfo=UTC)


@pytest.fixture
def session(tmp_path: Path) -> Session:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return Session(db=open_db(tmp_path / "crm.db"), config=Config.load(path), actor="ada", now=NOW)


def person(session: Session, name: str, *, at: datetime = NOW, **fields: Any) -> int:
    session.now = at
    try:
        return int(add_contact(session, ContactInput(name=name, **fields))["id"])
    finally:
        session.now = NOW


def follow_up(session: Session, contact_id: int, due: str, kind: str = "call", **fields: Any) -> int:
    data = ActivityInput(kind=kind, note=f"{kind} due {due}", due=due, **fields)
    return int(log_activity(session, data, contact_id=contact_id)["id"])


def touch(session: Session, contact_id: int, at: datetime, kind: str = "call") -> int:
    data = ActivityInput(kind=kind, note="touch", at=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return int(log_activity(session, data, contact_id=contact_id)["id"])


def agenda(session: Session, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("now", session.now)
    return build_agenda(session.db, session.config, tz=session.tz, **kwargs)


def ids(items: list[dict[str, Any]], key: str = "id") -> list[int]:
    return [item[key] for item in items]


# --- follow-ups --------------------------------------------------------------------------------


def test_overdue_today_and_upcoming(session: Session) -> None:
    kari = person(session, "Kari", timezone="Europe/Oslo")
    late = follow_up(session, kari, "2026-03-26 16:00")
    this_morning = follow_up(session, kari, "2026-03-27 09:00")  # passed at 11:30: overdue
    this_afternoon = follow_up(session, kari, "2026-03-27 15:00")
    all_day = follow_up(session, kari, "today", kind="task")  # due by the end of today
    in_three_days = follow_up(session, kari, "2026-03-30 10:00")
    in_seven_days = follow_up(session, kari, "2026-04-03")  # the last day of the window
    follow_up(session, kari, "2026-04-04 08:00")  # beyond seven days
    done = follow_up(session, kari, "2026-03-27 10:00")
    complete(session, done)
    view = agenda(session)
    assert ids(view["overdue"]) == [late, this_morning]
    assert ids(view["due_today"]) == [this_afternoon, all_day]
    assert ids(view["upcoming"]) == [in_three_days, in_seven_days]
    assert view["due_today"][1]["all_day"] and view["due_today"][1]["due_local"] == "2026-03-27"
    assert view["due_today"][0]["due_local"] == "2026-03-27 15:00"
    assert ids(agenda(session, days=2)["upcoming"]) == []
    assert ids(agenda(session, days=3)["upcoming"]) == [in_three_days]


def test_today_ends_at_local_midnight_on_the_dst_day(session: Session) -> None:
    kari = person(session, "Kari")
    session.now = datetime(2026, 3, 29, 10, 0, tzinfo=UTC)  # Sunday, 12:00 summer time in Oslo
    late_evening = follow_up(session, kari, "2026-03-29 23:30")  # 21:30 UTC
    after_midnight = follow_up(session, kari, "2026-03-30 00:30")  # 22:30 UTC, still the 29th in UTC
    view = agenda(session)
    assert ids(view["due_today"]) == [late_evening]
    assert ids(view["upcoming"]) == [after_midnight]
    assert view["today"] == "2026-03-29"


def test_owner_filter(session: Session) -> None:
    kari = person(session, "Kari")
    mine = follow_up(session, kari, "2026-03-28 10:00")
    follow_up(session, kari, "2026-03-28 11:00", owner="bo")
    assert ids(agenda(session, owner="ada")["upcoming"]) == [mine]


# --- quiet hours in the contact's time zone ---------------------------------------------------------


def test_calls_outside_their_business_hours_are_marked(session: Session) -> None:
    zones = {"Oslo": "Europe/Oslo", "Shanghai": "Asia/Shanghai", "New York": "America/New_York",
             "Kolkata": "Asia/Kolkata", "Nowhere": None}  # fmt: skip
    people = {name: person(session, name, timezone=tz) for name, tz in zones.items()}
    # Monday 30 March, 13:00 UTC: 15:00 in Oslo, 21:00 in Shanghai, 09:00 in New York (EDT),
    # 18:30 in Kolkata; business hours are 09:00-17:00 in each one's own zone.
    for contact_id in people.values():
        follow_up(session, contact_id, "2026-03-30T13:00:00Z")
    by_name = {item["contact"]: item for item in agenda(session)["upcoming"]}
    assert by_name["Oslo"]["their_time"] == "2026-03-30T15:00+02:00"
    assert by_name["Shanghai"]["their_time"] == "2026-03-30T21:00+08:00"
    assert by_name["New York"]["their_time"] == "2026-03-30T09:00-04:00"
    assert {name: item["outside_hours"] for name, item in by_name.items()} == {
        "Oslo": False, "Shanghai": True, "New York": False, "Kolkata": True, "Nowhere": None,
    }  # fmt: skip
    assert by_name["Nowhere"]["their_time"] is None


def test_weekends_and_tasks(session: Session) -> None:
    oslo = person(session, "Oslo", timezone="Europe/Oslo")
    follow_up(session, oslo, "2026-03-28 11:00")  # Saturday
    follow_up(session, oslo, "2026-03-30 03:00", kind="task")  # a task at night: nobody is called
    follow_up(session, oslo, "2026-03-31", kind="call")  # a call on a day, time not set
    upcoming = agenda(session)["upcoming"]
    assert [item["outside_hours"] for item in upcoming] == [True, None, None]


def test_an_overdue_call_is_judged_by_their_clock_now(session: Session) -> None:
    shanghai = person(session, "Shanghai", timezone="Asia/Shanghai")
    follow_up(session, shanghai, "2026-03-26 10:00")
    session.now = datetime(2026, 3, 27, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    overdue = agenda(session)["overdue"][0]
    assert overdue["their_time"] == "2026-03-27T22:00+08:00" and overdue["outside_hours"] is True


def test_business_days_and_hours_come_from_the_config(tmp_path: Path, session: Session) -> None:
    path = tmp_path / "other.toml"
    path.write_text('timezone = "Europe/Oslo"\n[agenda]\nbusiness_hours = "07:00-24:00"\n'
                    'business_days = ["saturday", "sunday"]\n', encoding="utf-8")  # fmt: skip
    session.config = Config.load(path)
    oslo = person(session, "Oslo", timezone="Europe/Oslo")
    follow_up(session, oslo, "2026-03-28 23:00")  # Saturday night
    follow_up(session, oslo, "2026-03-30 10:00")  # Monday morning
    assert [i["outside_hours"] for i in agenda(session)["upcoming"]] == [False, True]


# --- milestones ---------------------------------------------------------------------------------------


def test_birthdays_in_the_window(session: Session) -> None:
    person(session, "Soon", birthday="1984-03-29", timezone="Asia/Tokyo")
    person(session, "No year", birthday="--04-02")
    person(session, "Today", birthday="2000-03-27")
    person(session, "Later", birthday="1990-04-10")
    found = agenda(session)["milestones"]
    assert [(m["contact"], m["date"], m["years"], m["in_days"]) for m in found] == [
        ("Today", "2026-03-27", 26, 0),
        ("Soon", "2026-03-29", 42, 2),
        ("No year", "2026-04-02", None, 6),
    ]
    assert found[1]["their_time"] == "2026-03-27T19:30+09:00" and found[1]["outside_hours"] is True


def test_milestones_count_every_birthday_and_show_the_first_by_day_then_name(session: Session) -> None:
    """Counted and cut in SQLite: the page is the first of the whole list, ties by name,
    anniversaries of a day before its birthdays, and nobody before they are born."""
    for name in ("Cecilie", "Anders", "Bjørn"):
        person(session, name, birthday="1980-03-28")
    person(session, "Early", birthday="1980-03-27")
    person(session, "Customer", lifecycle_stage="customer", at=datetime(2024, 3, 28, 9, 0, tzinfo=UTC))
    # Born this week: a birthday now, none a year ago (added once born: no birthday is in the future).
    person(session, "Unborn", birthday="2026-03-30", at=datetime(2026, 3, 30, 12, 0, tzinfo=UTC))
    whole = agenda(session, show_all=True)
    listed = [(m["contact"], m["kind"], m["date"]) for m in whole["milestones"]]
    assert listed == [
        ("Early", "birthday", "2026-03-27"),
        ("Customer", "anniversary", "2026-03-28"),
        ("Anders", "birthday", "2026-03-28"),
        ("Bjørn", "birthday", "2026-03-28"),
        ("Cecilie", "birthday", "2026-03-28"),
        ("Unborn", "birthday", "2026-03-30"),
    ]
    assert whole["counts"]["milestones"] == 6
    for limit in (1, 2, 3, 5):
        page = agenda(session, limit=limit)
        assert page["milestones"] == whole["milestones"][:limit] and page["counts"]["milestones"] == 6
    session.now = datetime(2025, 3, 27, 10, 30, tzinfo=UTC)  # a year before "Unborn" is born
    assert "Unborn" not in [m["contact"] for m in agenda(session, show_all=True)["milestones"]]
    assert agenda(session, limit=1)["counts"]["milestones"] == 5


def test_a_year_long_window_shows_todays_birthday_not_next_years(session: Session) -> None:
    """--days 365 holds today's month-day twice; the first one is the birthday to show."""
    person(session, "Today", birthday="2000-03-27")
    found = agenda(session, days=365)["milestones"]
    shown = [(m["contact"], m["date"], m["years"], m["in_days"]) for m in found]
    assert shown == [("Today", "2026-03-27", 26, 0)]


def test_leap_day_birthdays_and_the_turn_of_the_year(session: Session) -> None:
    person(session, "Leap", birthday="1992-02-29")
    person(session, "New year", birthday="--01-02")
    session.now = datetime(2027, 2, 25, 12, 0, tzinfo=UTC)
    assert [(m["contact"], m["date"]) for m in agenda(session)["milestones"]] == [("Leap", "2027-02-28")]
    session.now = datetime(2026, 12, 29, 12, 0, tzinfo=UTC)
    assert [(m["contact"], m["date"]) for m in agenda(session)["milestones"]] == [("New year", "2027-01-02")]


def test_a_leap_day_birthday_kept_today_is_shown_before_the_next_leap_year(session: Session) -> None:
    """From 28 February 2027 a window of 366 days reaches 29 February 2028: the birthday
    kept today is the one to show, as with a window of 0 days."""
    person(session, "Leap Anna", birthday="2000-02-29")
    session.now = datetime(2027, 2, 28, 11, 0, tzinfo=UTC)
    for days in (0, 366):
        found = agenda(session, days=days)["milestones"]
        assert [(m["date"], m["years"], m["in_days"]) for m in found] == [("2027-02-28", 27, 0)]


def test_customer_anniversaries_by_local_date(session: Session) -> None:
    # 23:30 UTC on 29 March 2024 is already 30 March in Oslo.
    person(session, "Two years", lifecycle_stage="customer", at=datetime(2024, 3, 29, 23, 30, tzinfo=UTC))
    person(session, "Not yet a year", lifecycle_stage="customer", at=datetime(2026, 3, 27, 1, 0, tzinfo=UTC))
    person(session, "Another month", lifecycle_stage="customer", at=datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
    churned = person(session, "Gone", lifecycle_stage="customer", at=datetime(2023, 3, 28, 9, 0, tzinfo=UTC))
    from crmcli.services.contacts import set_stage

    set_stage(session, churned, "churned")
    found = agenda(session)["milestones"]
    assert [(m["kind"], m["contact"], m["date"], m["years"]) for m in found] == [
        ("anniversary", "Two years", "2026-03-30", 2)
    ]


# --- keep in touch ---------------------------------------------------------------------------------


def test_keep_in_touch_by_stage_and_tag(session: Session) -> None:
    long_ago = NOW - timedelta(days=60)
    lapsed = person(session, "Lapsed customer", lifecycle_stage="customer", at=long_ago)
    touch(session, lapsed, NOW - timedelta(days=40))
    fresh = person(session, "Fresh customer", lifecycle_stage="customer", at=long_ago)
    touch(session, fresh, NOW - timedelta(days=10))
    person(session, "Never touched", lifecycle_stage="customer", at=NOW - timedelta(days=50))
    person(session, "New customer", lifecycle_stage="customer", at=NOW - timedelta(days=5))
    vip_lead = person(session, "VIP lead", lifecycle_stage="lead", tags=["vip"], at=long_ago)
    touch(session, vip_lead, NOW - timedelta(days=20))
    vip_customer = person(session, "VIP customer", lifecycle_stage="customer", tags=["vip"], at=long_ago,
                          owner="bo")  # fmt: skip
    touch(session, vip_customer, NOW - timedelta(days=20))
    keep = agenda(session)["keep_in_touch"]
    assert keep["rules"] == [{"rule": "customer", "days": 30, "count": 2},
                             {"rule": "tag:vip", "days": 14, "count": 2}]  # fmt: skip
    rows = {c["contact"]: c for c in keep["contacts"]}
    # VIP lead and VIP customer were touched at the same moment: the one added first first.
    assert list(rows) == ["Never touched", "Lapsed customer", "VIP lead", "VIP customer"]
    assert rows["Never touched"]["last_touch_at"] is None and rows["Never touched"]["days_since"] == 50
    assert rows["Lapsed customer"]["overdue_days"] == 10 and rows["VIP customer"]["rule"] == "tag:vip"
    mine = agenda(session, owner="bo")["keep_in_touch"]
    assert [c["contact"] for c in mine["contacts"]] == ["VIP customer"]


def test_a_page_of_keep_in_touch_is_the_first_of_the_whole_list(session: Session) -> None:
    """The longest overdue first, to the second, whichever rule counts them; contacts
    overdue since the same moment (an import) in the order they were added. A page is then
    the first of the whole list, though whole days of overdue tie."""
    zed = person(session, "Zed customer", lifecycle_stage="customer", at=NOW - timedelta(days=40))
    amy = person(session, "Amy vip lead", lifecycle_stage="lead", tags=["vip"], at=NOW - timedelta(days=90))
    touch(session, amy, NOW - timedelta(days=24, hours=3))  # 10 days and 3 hours past 14 days
    cid = person(session, "Cid customer", lifecycle_stage="customer", at=NOW - timedelta(days=40, hours=1))
    bea = person(session, "Bea customer", lifecycle_stage="customer", at=NOW - timedelta(days=35))
    early = person(session, "Early", lifecycle_stage="customer", at=NOW - timedelta(days=40))  # same as Zed
    whole = agenda(session, show_all=True)["keep_in_touch"]
    assert [(c["contact_id"], c["overdue_days"], c["rule"]) for c in whole["contacts"]] == [
        (amy, 10, "tag:vip"), (cid, 10, "customer"), (zed, 10, "customer"), (early, 10, "customer"),
        (bea, 5, "customer"),
    ]  # fmt: skip
    assert whole["cut"] is False
    for limit in (1, 2, 3, 4, 5, 6):
        page = agenda(session, limit=limit)["keep_in_touch"]
        assert page["contacts"] == whole["contacts"][:limit]
        assert page["cut"] is (limit < 5)


def test_keep_in_touch_is_cut_only_when_the_whole_list_is_longer(session: Session) -> None:
    """A contact under two rules counts in both, but is listed once: two rules of two
    fit a page of two."""
    for name in ("Amy", "Bea"):
        person(session, name, lifecycle_stage="customer", tags=["vip"], at=NOW - timedelta(days=60))
    page = agenda(session, limit=2)["keep_in_touch"]
    assert [r["count"] for r in page["rules"]] == [2, 2] and len(page["contacts"]) == 2
    assert page["cut"] is False
    assert agenda(session, limit=1)["keep_in_touch"]["cut"] is True


def test_what_counts_as_a_touch(session: Session) -> None:
    """Kept by triggers: a follow-up done is a touch, an open one is not; delete and edit undo."""
    kari = person(session, "Kari", lifecycle_stage="customer", at=NOW - timedelta(days=90))

    def last() -> str | None:
        return session.db.scalar("SELECT last_touch_at FROM contacts WHERE id = ?", [kari])

    old = touch(session, kari, NOW - timedelta(days=45))
    assert last() == "2026-02-10T10:30:00Z"
    planned = follow_up(session, kari, "2026-03-30 10:00")
    assert last() == "2026-02-10T10:30:00Z"  # planning a call touches nobody
    complete(session, planned)
    assert last() == "2026-03-27T10:30:00Z"
    delete_activity(session, planned)
    assert last() == "2026-02-10T10:30:00Z"
    edit_activity(session, old, ActivityInput(at="2026-03-01 12:00"))
    assert last() == "2026-03-01T11:00:00Z"
    delete_activity(session, old)
    assert last() is None


def test_no_rules_means_no_keep_in_touch_section_content(tmp_path: Path, session: Session) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("[agenda]\nkeep_in_touch = {}\n", encoding="utf-8")
    session.config = Config.load(path)
    person(session, "Anyone", lifecycle_stage="customer", at=NOW - timedelta(days=400))
    assert agenda(session)["keep_in_touch"] == {"rules": [], "contacts": [], "cut": False}


def test_default_intervals_without_a_setting(tmp_path: Path, session: Session) -> None:
    session.config = Config(path=tmp_path / "absent.toml")
    person(session, "Customer", lifecycle_stage="customer", at=NOW - timedelta(days=31))
    person(session, "Opportunity", lifecycle_stage="opportunity", at=NOW - timedelta(days=15))
    person(session, "Lead", lifecycle_stage="lead", at=NOW - timedelta(days=300))
    keep = agenda(session)["keep_in_touch"]
    assert [(r["rule"], r["count"]) for r in keep["rules"]] == [("customer", 1), ("opportunity", 1)]


# --- a page of each section ---------------------------------------------------------------------


def test_each_section_shows_its_most_pressing_items_and_counts_them_all(session: Session) -> None:
    long_ago = NOW - timedelta(days=60)
    people = [person(session, f"Customer {n}", lifecycle_stage="customer", birthday=f"1980-03-{28 + n % 2}",
                     at=long_ago) for n in range(5)]  # fmt: skip
    overdue = [follow_up(session, p, f"2026-03-2{n} 09:00") for n, p in enumerate(people)]  # 20th..24th
    today = [follow_up(session, p, f"2026-03-27 1{n + 3}:00") for n, p in enumerate(people[:3])]
    upcoming = [follow_up(session, p, f"2026-03-3{n} 10:00") for n, p in enumerate(people[:2])]
    whole = agenda(session, show_all=True)
    assert whole["limit"] is None
    assert whole["counts"] == {"overdue": 5, "due_today": 3, "upcoming": 2, "milestones": 5}
    assert ids(whole["overdue"]) == overdue and ids(whole["due_today"]) == today
    assert ids(whole["upcoming"]) == upcoming and len(whole["keep_in_touch"]["contacts"]) == 5

    page = agenda(session, limit=2)
    assert page["limit"] == 2 and page["counts"] == whole["counts"]
    assert ids(page["overdue"]) == overdue[:2]  # the longest overdue first
    assert ids(page["due_today"]) == today[:2] and ids(page["upcoming"]) == upcoming
    assert page["milestones"] == whole["milestones"][:2]  # the soonest first
    keep = page["keep_in_touch"]
    assert keep["rules"][0]["count"] == 5 and keep["contacts"] == whole["keep_in_touch"]["contacts"][:2]


def test_the_limit_comes_from_the_config(tmp_path: Path, session: Session) -> None:
    path = tmp_path / "limited.toml"
    path.write_text('timezone = "Europe/Oslo"\n[agenda]\nlimit = 1\n', encoding="utf-8")
    session.config = Config.load(path)
    kari = person(session, "Kari")
    for day in ("2026-03-30", "2026-03-31"):
        follow_up(session, kari, day)
    assert len(agenda(session)["upcoming"]) == 1 and agenda(session)["counts"]["upcoming"] == 2
    assert len(agenda(session, limit=5)["upcoming"]) == 2  # --limit wins over the config


# --- a follow-up due by the end of its owner's day, read in another time zone -------------------

TEAM_IN_THREE_ZONES = """
timezone = "Europe/Oslo"

[[team]]
handle = "ada"
timezone = "Europe/Oslo"
[[team]]
handle = "bob"
timezone = "America/New_York"
[[team]]
handle = "kenji"
timezone = "Asia/Tokyo"
"""


@pytest.fixture
def session3(tmp_path: Path) -> Session:
    path = tmp_path / "team.toml"
    path.write_text(TEAM_IN_THREE_ZONES, encoding="utf-8")
    return Session(db=open_db(tmp_path / "team.db"), config=Config.load(path), actor="ada", now=NOW)


def sections_of(view: dict[str, Any]) -> dict[str, list[str]]:
    return {name: [item["note"] for item in view[name]] for name in ("overdue", "due_today", "upcoming")}


def test_an_all_day_follow_up_is_in_the_section_of_its_day_wherever_its_owner_is(session3: Session) -> None:
    """Ada in Oslo reads at 17:00 on Tuesday 10 March. Bob's Tuesday (New York) ends at 05:59
    on Wednesday in Oslo, Kenji's (Tokyo) at 15:59 on Tuesday: both are Tuesday's, today's."""
    session = session3
    kari = person(session, "Kari")

    def plan(note: str, due: str, owner: str = "ada", kind: str = "task") -> None:
        log_activity(session, ActivityInput(kind=kind, note=note, due=due, owner=owner), contact_id=kari)

    for owner in ("bob", "kenji", "ada"):
        plan(f"{owner}'s tuesday", "2026-03-10", owner)
    plan("bob's thursday", "2026-03-12", "bob")
    plan("ada at 16:00", "2026-03-10 16:00", kind="call")
    plan("wednesday 01:00", "2026-03-11 01:00", kind="call")
    tuesday = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # 17:00 in Oslo
    for days in (0, 1, 2):
        whole = agenda(session, now=tuesday, days=days, show_all=True)
        assert sections_of(whole)["overdue"] == ["ada at 16:00"]
        # Kenji's is due at 15:59 here, Ada's at 23:59, Bob's at 05:59 tomorrow: by due time.
        assert sections_of(whole)["due_today"] == ["kenji's tuesday", "ada's tuesday", "bob's tuesday"]
        upcoming = [[], ["wednesday 01:00"], ["wednesday 01:00", "bob's thursday"]][days]
        assert sections_of(whole)["upcoming"] == upcoming
        assert whole["counts"] == {"overdue": 1, "due_today": 3, "upcoming": days, "milestones": 0}
        for limit in (1, 2, 3):
            page = agenda(session, now=tuesday, days=days, limit=limit)
            assert page["counts"] == whole["counts"]
            for name in ("overdue", "due_today", "upcoming"):
                assert page[name] == whole[name][:limit]
    mine = agenda(session, now=tuesday, days=0, owner="bob", limit=1)
    assert sections_of(mine)["due_today"] == ["bob's tuesday"] and mine["counts"]["due_today"] == 1
    # Wednesday morning in Oslo: Bob's Tuesday is over.
    wednesday = datetime(2026, 3, 11, 7, 0, tzinfo=UTC)
    assert "bob's tuesday" in sections_of(agenda(session, now=wednesday, days=0))["overdue"]
