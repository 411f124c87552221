"""crm agenda: its sections in plain text, JSON and on a terminal, the .ics export, bad input."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from helpers import one_sentence

CONFIG = """
timezone = "Europe/Oslo"

[[team]]
handle = "tester"
[[team]]
handle = "alan"

[agenda]
keep_in_touch = { customer = 30 }
business_hours = "09:00-17:00"
"""
AS_OF = "2026-03-27T10:30:00Z"  # Friday, 11:30 in Oslo


@pytest.fixture
def crm(crm):  # noqa: ANN001, ANN201
    crm.write_config(CONFIG)
    crm.ok(
        "add", "Kari Nordmann", "--company", "Fjordline AS", "--tz", "Europe/Oslo", "--birthday", "1984-03-29"
    )
    crm.ok("add", "Wang Wei", "--company", "Yunqiao", "--tz", "Asia/Shanghai")
    crm.ok("add", "Joe Doe", "--tz", "America/New_York")
    crm.ok("log", "kari", "task", "Send the renewal proposal", "--due", "2026-03-26 16:00")  # 1 overdue
    crm.ok("log", "wang", "call", "Trial check-in", "--due", "2026-03-27 15:00")  # 2 today, 22:00 there
    crm.ok("log", "joe", "call", "Intro call", "--due", "2026-03-30 15:00", "--duration", "45m",
           "--owner", "alan")  # 3: 09:00 in New York  # fmt: skip
    crm.ok("log", "kari", "email", "Send the agenda", "--due", "2026-03-31")  # 4 all day
    crm.ok("log", "kari", "call", "Done already", "--due", "2026-03-27 09:00")
    crm.ok("activity", "done", "5")
    return crm


def test_json_sections(crm) -> None:  # noqa: ANN001
    view = crm.ok("agenda", "--as-of", AS_OF, "--json").json()
    assert view["as_of"] == AS_OF and view["today"] == "2026-03-27" and view["timezone"] == "Europe/Oslo"
    assert [i["id"] for i in view["overdue"]] == [1]
    assert [i["id"] for i in view["due_today"]] == [2]
    assert [i["id"] for i in view["upcoming"]] == [3, 4]
    wang = view["due_today"][0]
    assert (wang["their_time"], wang["outside_hours"]) == ("2026-03-27T22:00+08:00", True)
    joe = view["upcoming"][0]
    assert (joe["their_time"], joe["outside_hours"]) == ("2026-03-30T09:00-04:00", False)
    assert [(m["contact"], m["date"], m["years"]) for m in view["milestones"]] == [
        ("Kari Nordmann", "2026-03-29", 42)
    ]
    assert view["keep_in_touch"]["rules"] == [{"rule": "customer", "days": 30, "count": 0}]


def test_days_and_owner(crm) -> None:  # noqa: ANN001
    view = crm.ok("agenda", "--as-of", AS_OF, "--days", "0", "--json").json()
    assert view["upcoming"] == [] and view["milestones"] == []
    assert [
        i["id"] for i in crm.ok("agenda", "--as-of", AS_OF, "--owner", "alan", "--json").json()["upcoming"]
    ] == [3]


def test_plain_text_for_scripts(crm) -> None:  # noqa: ANN001
    text = crm.ok("agenda", "--as-of", AS_OF).stdout
    headings = [line for line in text.splitlines() if line and not line[0].isspace() and "(" in line
                and line.split()[0] in ("Overdue", "Today,", "Next", "Birthdays", "Keep")]  # fmt: skip
    assert headings == [
        "Overdue (1)",
        "Today, Friday 27 March (1)",
        "Next 7 days (2)",
        "Birthdays and anniversaries (1)",
        "Keep in touch (customer: 0 over 30 days)",
    ]
    lines = text.splitlines()
    header = lines[lines.index("Today, Friday 27 March (1)") + 1]
    assert header.split() == ["DUE", "KIND", "CONTACT", "COMPANY", "WHAT", "OWNER", "THEIR", "TIME",
                              "OUTSIDE", "HOURS", "ID"]  # fmt: skip
    wang = lines[lines.index("Today, Friday 27 March (1)") + 2]
    assert wang.split() == ["2026-03-27T14:00:00Z", "call", "Wang", "Wei", "Yunqiao", "Trial", "check-in",
                            "tester", "2026-03-27T22:00+08:00", "yes", "2"]  # fmt: skip
    # A day alone when it is due by the end of that day.
    assert [line.split()[:2] for line in lines if "Send the agenda" in line] == [["2026-03-31", "email"]]


def test_a_section_cut_to_the_limit_says_so(crm) -> None:  # noqa: ANN001
    result = crm.ok("agenda", "--as-of", AS_OF, "--limit", "1")
    assert "Next 7 days (1 of 2)" in result.stdout and "Overdue (1)" in result.stdout
    assert "Intro call" in result.stdout and "Send the agenda" not in result.stdout  # the sooner one
    assert result.stderr == "At most 1 item a section, the most pressing first; --all shows every one.\n"
    view = crm.ok("agenda", "--as-of", AS_OF, "--limit", "1", "--json").json()
    assert view["limit"] == 1 and view["counts"]["upcoming"] == 2 and len(view["upcoming"]) == 1
    everything = crm.ok("agenda", "--as-of", AS_OF, "--limit", "1", "--all")
    assert "Next 7 days (2)" in everything.stdout and everything.stderr == ""
    assert crm.ok("agenda", "--as-of", AS_OF, "--all", "--json").json()["limit"] is None


def test_a_cut_section_says_so_when_keep_in_touch_is_off(crm) -> None:  # noqa: ANN001
    crm.write_config(CONFIG.replace("keep_in_touch = { customer = 30 }", "keep_in_touch = {}"))
    no_rules = (
        "No keep-in-touch intervals set; add [agenda] keep_in_touch = { customer = 30 } to the config.\n"
    )
    result = crm.ok("agenda", "--as-of", AS_OF, "--limit", "1")
    assert "Next 7 days (1 of 2)" in result.stdout
    assert (
        result.stderr
        == no_rules + "At most 1 item a section, the most pressing first; --all shows every one.\n"
    )
    assert crm.ok("agenda", "--as-of", AS_OF).stderr == no_rules


def test_keep_in_touch_under_two_rules_fits_its_page(crm) -> None:  # noqa: ANN001
    """Two customers tagged vip are late for both rules (2 + 2) but listed once each: a page
    of two holds them all, so nothing is said to be cut; a page of one is cut."""
    crm.write_config(CONFIG.replace("{ customer = 30 }", "{ customer = 30, vip = 14 }"))
    for follow_up in ("1", "2", "3", "4"):  # the fixture's, which would be overdue by then
        crm.ok("activity", "done", follow_up)
    for name in ("Amy Adams", "Bea Berg"):
        crm.ok("add", name, "--stage", "customer", "--tag", "vip")
    later = "2027-01-10T10:00:00Z"
    result = crm.ok("agenda", "--as-of", later, "--limit", "2", "--days", "0")
    assert "Keep in touch (customer: 2 over 30 days; tag:vip: 2 over 14 days)" in result.stdout
    assert result.stderr == ""
    assert crm.ok("agenda", "--as-of", later, "--limit", "2", "--days", "0", "--json").json()[
        "keep_in_touch"]["cut"] is False  # fmt: skip
    cut = crm.ok("agenda", "--as-of", later, "--limit", "1", "--days", "0")
    assert cut.stderr == "At most 1 item a section, the most pressing first; --all shows every one.\n"


def test_on_a_terminal_their_time_is_short_and_flagged() -> None:
    from crmcli.cli.agenda import render_agenda
    from crmcli.render.output import Output

    item = {"id": 7, "kind": "call", "note": "Trial check-in\nmore", "due_at": "2026-03-27T14:00:00Z",
            "due_local": "2026-03-27 15:00", "all_day": False, "contact": "Wang Wei", "company": "Yunqiao",
            "owner": "tester", "their_time": "2026-03-27T22:00+08:00", "outside_hours": True}  # fmt: skip
    view = {"today": "2026-03-27", "days": 7, "limit": 20, "overdue": [], "due_today": [item], "upcoming": [],
            "milestones": [], "keep_in_touch": {"rules": [], "contacts": [], "cut": False},
            "counts": {"overdue": 0, "due_today": 1, "upcoming": 0, "milestones": 0}}  # fmt: skip
    buffer, errors = io.StringIO(), io.StringIO()
    render_agenda(Output(tty=True, stdout=buffer, stderr=errors), view)
    shown = buffer.getvalue()
    assert "Fri 22:00 (outside hours)" in shown and "2026-03-27 15:00" in shown
    assert "Trial check-in (+1 lines)" in shown
    assert "Nothing overdue." in errors.getvalue()


def test_ics_export_parses_back(crm, tmp_path: Path) -> None:  # noqa: ANN001
    from icalendar import Calendar

    target = tmp_path / "follow-ups.ics"
    result = crm.ok("agenda", "--as-of", AS_OF, "--ics", str(target))
    assert result.stderr.startswith("Wrote 4 open follow-ups to ")
    assert "Overdue (1)" in result.stdout  # the agenda is still shown
    calendar = Calendar.from_ical(target.read_bytes())
    assert str(calendar["prodid"]) == "-//crm//follow-ups//EN" and str(calendar["version"]) == "2.0"
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert sorted(events) == [
        "Call: Joe Doe — Intro call",
        "Call: Wang Wei — Trial check-in",
        "Email: Kari Nordmann — Send the agenda",
        "Task: Kari Nordmann — Send the renewal proposal",
    ]
    intro = events["Call: Joe Doe — Intro call"]
    assert intro.decoded("dtstart") == datetime.fromisoformat("2026-03-30T13:00:00+00:00")
    assert intro.decoded("dtend") == datetime.fromisoformat("2026-03-30T13:45:00+00:00")
    assert "crm activity done 3" in str(intro["description"])
    all_day = events["Email: Kari Nordmann — Send the agenda"]
    assert all_day.decoded("dtstart") == date(2026, 3, 31) and all_day.decoded("dtend") == date(2026, 4, 1)
    assert len({str(e["uid"]) for e in events.values()}) == 4
    assert all(str(e["uid"]).endswith("@crm") for e in events.values())


def test_ics_to_stdout_through_a_pipe(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    from icalendar import Calendar

    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    assert crm_process("add", "Olena Shevchenko", "--tz", "Europe/Kyiv").returncode == 0
    assert (
        crm_process("log", "olena", "call", "Доступ для бухгалтера", "--due", "2026-04-01 10:00").returncode
        == 0
    )
    done = crm_process("agenda", "--ics", "-")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("BEGIN:VCALENDAR")
    events = Calendar.from_ical(done.stdout).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Call: Olena Shevchenko — Доступ для бухгалтера"]


def test_ics_to_stdout_is_refused_with_json(crm, crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    """--json is JSON on stdout and nothing else, so the calendar cannot go there too; to a
    file it can, beside the JSON agenda."""
    fresh = tmp_path / "fresh.db"
    for env in (None, {"CRM_DB": str(fresh)}):
        done = crm_process("agenda", "--ics", "-", "--json", env=env)
        assert (done.returncode, done.stdout) == (1, "")
        assert one_sentence(done.stderr) == (
            "crm: --ics - and --json both write to stdout; give --ics a file, or leave out --json."
        )
    assert not fresh.exists()
    target = tmp_path / "follow-ups.ics"
    done = crm_process("agenda", "--as-of", AS_OF, "--ics", str(target), "--json")
    assert done.returncode == 0, done.stderr
    assert [i["id"] for i in json.loads(done.stdout)["upcoming"]] == [3, 4]
    assert target.read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")


NOT_ON_TEAM = "crm: The owner 'zed' is not on the team; use one of tester, alan."


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("agenda", "--as-of", "someday"), 1, "crm: Cannot read 'someday' as a date"),
        (("agenda", "--days", "-1"), 2, "crm: Invalid value for '--days'"),
        (("agenda", "--days", "400"), 1, "crm: --days must be between 0 and 366, not 400."),
        (("agenda", "--limit", "0"), 2, "crm: Invalid value for '--limit'"),
        (("agenda", "--limit", "100001"), 1, "crm: --limit must be between 1 and 100000, not 100001."),
        (("agenda", "--owner", "zed"), 1, NOT_ON_TEAM),
        (("agenda", "--owner", "zed", "--ics", "-"), 1, NOT_ON_TEAM),
    ],
)
def test_bad_input(crm, args: tuple[str, ...], code: int, message: str) -> None:  # noqa: ANN001
    result = crm.fails(*args, code=code)
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('business_hours = "18:00-09:00"', "agenda.business_hours '18:00-09:00' must end after it starts"),
        ("keep_in_touch = { customer = 0 }", "agenda.keep_in_touch.customer must be between 1 and 3650 days"),
        ('keep_in_touch = { "stage:vip" = 7 }', "names no lifecycle stage"),
        ('business_days = ["funday"]', "'funday' is not a weekday"),
        ("colour = true", "agenda.colour is not a known setting"),
        ("limit = 0", "agenda.limit must be between 1 and 100000, not 0"),
    ],
)
def test_config_mistakes_name_their_line(crm, setting: str, message: str) -> None:  # noqa: ANN001
    crm.write_config(f'timezone = "Europe/Oslo"\n\n[agenda]\n{setting}\n')
    result = crm.fails("agenda")
    assert "line 4" in result.stderr and message in result.stderr


def test_an_all_day_follow_up_is_on_its_owners_day_wherever_it_is_read(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """Ada in Oslo gives Alan in New York a task for Friday 8 January: it is due by the end of
    his Friday, and it is an all-day item on that Friday for both of them and in his
    calendar; a follow-up at a time of day keeps its moment."""
    crm.write_config(
        CONFIG.replace(
            '[[team]]\nhandle = "alan"\n', '[[team]]\nhandle = "alan"\ntimezone = "America/New_York"\n'
        )
    )
    task = crm.ok(
        "log", "wang", "task", "Send the proposal", "--owner", "alan", "--due", "2027-01-08", "--json"
    )
    assert task.json()["due_at"] == "2027-01-09T04:59:59Z"  # 23:59:59 in New York
    timed = crm.ok(
        "log", "wang", "call", "Call back", "--owner", "alan", "--due", "2027-01-08 10:00", "--json"
    )
    assert timed.json()["due_at"] == "2027-01-08T09:00:00Z"  # 10:00 where Ada typed it
    for user in ("tester", "alan"):
        view = crm.ok("--user", user, "agenda", "--owner", "alan", "--as-of", "2027-01-04T12:00:00Z",
                      "--days", "7", "--json").json()  # fmt: skip
        items = {i["id"]: (i["all_day"], i["due_local"]) for i in view["upcoming"]}
        assert items[task.json()["id"]] == (True, "2027-01-08"), user
        assert items[timed.json()["id"]][0] is False
    calendar = tmp_path / "alan.ics"
    crm.ok("--user", "alan", "agenda", "--owner", "alan", "--ics", str(calendar))
    text = calendar.read_text(encoding="utf-8")
    assert "DTSTART;VALUE=DATE:20270108" in text and "DTEND;VALUE=DATE:20270109" in text
    # Handed back to someone in Oslo: due by the end of their Friday.
    moved = crm.ok("activity", "edit", str(task.json()["id"]), "--owner", "tester", "--json").json()
    assert moved["due_at"] == "2027-01-08T22:59:59Z"
    kept = crm.ok("activity", "edit", str(timed.json()["id"]), "--owner", "tester", "--json").json()
    assert kept["due_at"] == "2027-01-08T09:00:00Z"


def test_one_follow_up_written_to_a_calendar_is_one(crm, tmp_path: Path) -> None:  # noqa: ANN001
    own = ("--db", str(tmp_path / "one.db"))  # the file of this test alone, whatever the fixture holds
    crm.ok(*own, "add", "Solo Person")
    crm.ok(*own, "log", "solo", "task", "Only one", "--due", "tomorrow")
    target = tmp_path / "one.ics"
    result = crm.ok(*own, "agenda", "--ics", str(target))
    assert f"Wrote 1 open follow-up to {target}." in result.stderr
