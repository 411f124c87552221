"""crm case …: the life of a support case, its timeline, and what is refused."""

from __future__ import annotations

import sqlite3

import pytest

CONFIG = """
[[team]]
handle = "mei"
role = "support"
[[team]]
handle = "ola"
role = "support"
[[team]]
handle = "sven"
role = "specialist"
[[team]]
handle = "tester"
[[team]]
handle = "gone"
active = false

[queues.first-line]
members = ["mei", "ola"]
escalate_to = "second-line"
[queues.second-line]
members = ["sven"]

[[rules]]
name = "Urgent or VIP to second line"
on = "case.opened"
when.any = [
  { field = "priority", op = ">=", value = "high" },
  { field = "contact.tags", op = "contains", value = "vip" },
]
queue = "second-line"
assign = "sven"

[[rules]]
name = "First line takes turns"
on = "case.opened"
assign_round_robin = { queue = "first-line" }
"""


@pytest.fixture
def support(crm):  # noqa: ANN001, ANN201
    crm.write_config(CONFIG)
    crm.ok("add", "Kari Nordmann", "--email", "kari@fjordline.no", "--company", "Fjordline AS")
    crm.ok("add", "Björn Ekström", "--tag", "vip")
    return crm


def test_opening_cases_lets_the_rules_choose_queue_and_owner(support) -> None:  # noqa: ANN001
    first = support.ok("case", "open", "kari", "Cannot log in", "--channel", "email", "--json").json()
    assert (first["queue"], first["owner"], first["status"], first["priority"]) == (
        "first-line", "mei", "new", "normal")  # fmt: skip
    assert first["company"] == "Fjordline AS" and first["channel"] == "email"
    second = support.ok("case", "open", "kari", "Invoice", "--json").json()
    assert second["owner"] == "ola"  # round robin
    vip = support.ok("case", "open", "björn", "Slow", "--json").json()
    assert (vip["queue"], vip["owner"]) == ("second-line", "sven")
    urgent = support(*["case", "open", "kari", "Down!", "--priority", "urgent"])
    assert urgent.exit_code == 0
    assert "queue second-line, owner sven" in urgent.stderr
    listed = support.ok("case", "list").stdout.splitlines()
    assert listed[0].split() == [
        "ID",
        "SUBJECT",
        "CONTACT",
        "PRIORITY",
        "STATUS",
        "QUEUE",
        "OWNER",
        "OPENED",
        "SLA",
    ]
    assert len(listed) == 5
    rows = support.ok("case", "list", "--queue", "second-line", "--json").json()
    assert [r["id"] for r in rows] == [3, 4]
    assert "first response due in" in rows[1]["sla"]
    csv = support.ok("case", "list", "--contact", "björn", "--format", "csv").stdout.splitlines()
    assert csv[1].startswith("3,Slow,Björn Ekström,normal,new,second-line,sven,")


def test_a_case_from_reply_to_close_keeps_its_timeline(support) -> None:  # noqa: ANN001
    support.ok("case", "open", "kari", "Cannot log in")
    support.ok("case", "note", "1", "Checked the logs")
    assert support.ok("case", "show", "1", "--json").json()["first_response_at"] is None
    support.ok("case", "reply", "#1", "Try resetting the password", "--pending")
    case = support.ok("case", "show", "case:1", "--json").json()
    assert case["status"] == "pending" and case["first_response_at"]
    assert case["sla"] == "paused"
    support.ok("case", "reply", "1", "Still broken", "--inbound")
    assert support.ok("case", "show", "1", "--json").json()["status"] == "open"
    support.ok("case", "assign", "1", "ola", "--note", "Mei is away")
    support.ok("case", "escalate", "1", "--note", "Needs a specialist", "--to", "sven")
    escalated = support.ok("case", "show", "1", "--json").json()
    assert (escalated["queue"], escalated["owner"], escalated["escalation_level"]) == (
        "second-line",
        "sven",
        1,
    )
    support.ok("case", "resolve", "1", "--note", "Fixed the SSO mapping")
    support.ok("case", "close", "1")
    support.ok("case", "reopen", "1", "--note", "It came back")
    timeline = support.ok("case", "show", "1", "--json").json()["timeline"]
    assert [(e["kind"], e["from_value"], e["to_value"]) for e in timeline] == [
        ("status", None, "new"),
        ("assign", None, "mei"),
        ("note", None, None),
        ("reply", None, None),
        ("status", "new", "pending"),
        ("inbound", None, None),
        ("status", "pending", "open"),
        ("assign", "mei", "ola"),
        ("escalate", "0", "1"),
        ("queue", "first-line", "second-line"),
        ("assign", "ola", "sven"),
        ("status", "open", "resolved"),
        ("status", "resolved", "closed"),
        ("status", "closed", "open"),
    ]
    assert all(e["actor"] == "tester" and e["at"].endswith("Z") for e in timeline)
    assert timeline[2]["body"] == "Checked the logs"
    final = support.ok("case", "show", "1", "--json").json()
    assert final["resolved_at"] is None and final["closed_at"] is None and final["status"] == "open"
    shown = support.ok("case", "show", "1").stdout
    assert "Case #1: Cannot log in" in shown and "Escalation level:  1" in shown
    assert "escalate  0 → 1" in shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["case", "open", "kari", "X", "--priority", "asap"],
            "Unknown priority 'asap'; use one of low, normal, high, urgent.",
        ),
        (["case", "open", "kari", "X", "--channel", "fax"], "Unknown channel 'fax'"),
        (["case", "open", "kari", "X", "--queue", "third-line"], "Unknown queue 'third-line'"),
        (["case", "open", "kari", "   "], "A case needs a subject."),
        (["case", "open", "nobody", "X"], "No contact matches 'nobody'."),
        (["case", "open", "kari", "X", "--owner", "gone"], "gone is not active on the team"),
        (["case", "assign", "1", "bob"], "The owner 'bob' is not on the team"),
        (["case", "show", "2"], "There is no case #2."),
        (["case", "show", "one"], "A case is named by its id"),
        (["case", "reopen", "1"], "Case #1 is new; only a case that is resolved or closed can become open."),
        (["case", "reply", "1", " "], "A reply needs some text."),
        (["case", "reply", "1", "x", "--inbound", "--pending"], "cannot also make the case pending"),
    ],
)
def test_bad_input_is_one_sentence_and_changes_nothing(support, args: list[str], message: str) -> None:  # noqa: ANN001
    def stored() -> dict:
        # The SLA state is computed from the clock at each call, not stored: leave it out.
        shown = support.ok("case", "show", "1", "--json").json()
        return {k: v for k, v in shown.items() if k not in ("sla", "sla_targets")}

    support.ok("case", "open", "kari", "Existing")
    before = stored()
    result = support.fails(*args)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert stored() == before
    assert len(support.ok("case", "list", "--all", "--json").json()) == 1


def test_list_and_export_refuse_an_unknown_queue_or_owner_as_opening_does(support) -> None:  # noqa: ANN001
    """A filter value nothing could ever match is a mistake, not an empty list."""
    from helpers import one_sentence

    support.ok("case", "open", "kari", "Printer", "--owner", "mei")
    for option, value in (("--queue", "nope"), ("--owner", "zed")):
        told = one_sentence(support.fails("case", "open", "kari", "X", option, value).stderr)
        assert one_sentence(support.fails("case", "list", option, value).stderr) == told
        assert one_sentence(support.fails("export", "cases", option, value).stderr) == told
    assert support.fails("case", "list", "--queue", "nope").stderr == (
        "crm: Unknown queue 'nope'; use one of first-line, second-line.\n"
    )
    mine = support.ok("case", "list", "--owner", "mei", "--json").json()
    assert [c["subject"] for c in mine] == ["Printer"]
    assert support.ok("case", "list", "--owner", "gone", "--json").json() == []  # on the team, inactive
    assert len(support.ok("case", "list", "--queue", "first-line", "--json").json()) == 1
    assert len(support.ok("case", "list", "--all", "--json").json()) == 1


def test_closed_cases_must_be_reopened_before_work(support) -> None:  # noqa: ANN001
    support.ok("case", "open", "kari", "Old")
    support.ok("case", "close", "1")
    assert "Case #1 is closed; reopen it first" in support.fails("case", "reply", "1", "hello").stderr
    assert "Case #1 is closed; reopen it first" in support.fails("case", "escalate", "1").stderr
    assert support.ok("case", "list", "--json").json() == []
    assert [c["status"] for c in support.ok("case", "list", "--all", "--json").json()] == ["closed"]
    assert [c["id"] for c in support.ok("case", "list", "--status", "closed", "--json").json()] == [1]


def test_the_demo_has_cases_in_every_state(crm, tmp_path) -> None:  # noqa: ANN001
    demo = tmp_path / "demo.db"
    crm.ok("demo", "--path", str(demo))
    rows = crm.ok("--db", str(demo), "case", "list", "--all", "--json").json()
    assert {r["status"] for r in rows} == {"new", "open", "pending", "resolved", "closed"}
    assert any(r["sla"].startswith("breached") for r in rows)
    # The seed 004 rules routed the demo's leads by their number of users.
    leads = crm.ok("--db", str(demo), "contact", "list", "--stage", "lead", "--json").json()
    assert {r["owner"] for r in leads} <= {"karin", "alan"}
    again = tmp_path / "again.db"
    crm.ok("demo", "--path", str(again))
    second = crm.ok("--db", str(again), "case", "list", "--all", "--json").json()
    assert [(r["subject"], r["status"], r["owner"]) for r in second] == [
        (r["subject"], r["status"], r["owner"]) for r in rows
    ]


def test_a_closed_case_shows_its_clocks_finished_not_paused(support) -> None:  # noqa: ANN001
    support.ok("case", "open", "kari", "Spam")
    support.ok("case", "close", "1")
    case = support.ok("case", "show", "1", "--json").json()
    assert case["sla"] == "closed with no first response"
    assert [(c["target"], c["state"]) for c in case["sla_targets"]] == [
        ("first_response", "closed"), ("resolution", "met")]  # fmt: skip
    shown = support.ok("case", "show", "1").stdout
    assert "first response:  closed: 0m of 8h (business)" in shown
    assert "paused" not in shown
    assert support.ok("case", "list", "--all", "--json").json()[0]["sla"] == "closed with no first response"


def test_business_time_is_shown_in_business_days(support) -> None:  # noqa: ANN001
    support.ok("case", "open", "kari", "Slow")
    support.ok("case", "close", "1")
    # Open from Monday 09:00 to Wednesday 12:00: 8h + 8h + 3h of business time (09-17).
    conn = sqlite3.connect(support.db)
    with conn:
        conn.execute("UPDATE cases SET opened_at = '2026-11-02T09:00:00Z', "
                     "closed_at = '2026-11-04T12:00:00Z'")  # fmt: skip
        conn.execute("UPDATE case_events SET at = CASE to_value WHEN 'closed' THEN '2026-11-04T12:00:00Z' "
                     "ELSE '2026-11-02T09:00:00Z' END")  # fmt: skip
    conn.close()
    shown = support.ok("case", "show", "1").stdout
    assert "resolution:      met: 2d 3h of 3d (business)" in shown
    assert "first response:  breached: 2d 3h of 8h (business), due 2026-11-02T17:00:00Z" in shown
