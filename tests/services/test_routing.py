"""The routing engine: first match, continue, round robin across runs, least busy, rollback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crmcli.config import Config
from crmcli.errors import RuleError
from crmcli.services import routing
from crmcli.services.cases import open_case
from crmcli.services.contacts import ContactInput, add_contact, get_contact
from crmcli.services.session import Session
from crmcli.storage.db import open_db

TEAM = """
[[team]]
handle = "karin"
role = "marketing"
[[team]]
handle = "alan"
role = "marketing"
[[team]]
handle = "daniel"
role = "sales-manager"
[[team]]
handle = "bea"
role = "marketing"
active = false
"""


@pytest.fixture
def make(tmp_path: Path):  # noqa: ANN201
    """A function (config text) -> Session on a fresh connection to the same database file."""

    def session(config_text: str, actor: str = "daniel") -> Session:
        path = tmp_path / "config.toml"
        path.write_text(TEAM + config_text, encoding="utf-8")
        db = open_db(tmp_path / "crm.db")
        return Session(db=db, config=Config.load(path), actor=actor,
                       now=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # fmt: skip

    return session


def lead(session: Session, name: str, **fields: str) -> dict:
    return add_contact(session, ContactInput(name=name, lifecycle_stage="lead", fields=fields))


SEED_004 = (Path(__file__).parents[2] / "examples" / "routing.toml").read_text(encoding="utf-8")


def test_seed_004_through_the_services(tmp_path: Path) -> None:
    config = Config.load(Path(__file__).parents[2] / "examples" / "routing.toml")
    session = Session(db=open_db(tmp_path / "crm.db"), config=config, actor="tester")
    big = lead(session, "Fjordline Logistikk", users="100")
    small = lead(session, "Bryggen Design", users="30")
    assert (big["owner"], small["owner"]) == ("karin", "alan")
    with session.write("lead convert"):
        session.emit("lead.converted", "contact", big["id"])
        session.emit("lead.converted", "contact", small["id"])
    assert get_contact(session.db, big["id"])["owner"] == "daniel"
    assert get_contact(session.db, small["id"])["owner"] == "alan"  # 30 users: no rule took it
    decisions = routing.explain(session.db, "contact", big["id"])
    assert [(d["event"], d["rule"]) for d in decisions] == [
        ("lead.created", "Big leads to Karin"),
        ("lead.converted", "Big conversions to Daniel"),
    ]
    assert decisions[1]["before"] == {"owner": "karin"} and decisions[1]["after"] == {"owner": "daniel"}
    assert decisions[1]["why"][0] == '  users >= 50: yes (users is "100")'
    no_match = routing.explain(session.db, "contact", small["id"])[-1]
    assert no_match["event"] == "lead.converted" and no_match["rule"] is None


def test_first_match_wins_unless_a_rule_says_continue(make) -> None:  # noqa: ANN001
    session = make("""
[[rules]]
name = "Tag big ones"
on = "lead.created"
when = { field = "users", op = ">", value = 50 }
add_tags = ["big"]
set = { segment = "enterprise" }
continue = true

[[rules]]
name = "Big to Karin"
on = "lead.created"
when = { field = "users", op = ">", value = 50 }
assign = "karin"

[[rules]]
name = "Rest to Alan"
on = "lead.created"
assign = "alan"
""")
    big = lead(session, "Big", users="500")
    assert big["owner"] == "karin"
    assert big["tags"] == ["big"] and big["fields"]["segment"] == "enterprise"
    small = lead(session, "Small", users="5")
    assert small["owner"] == "alan" and small["tags"] == [] and "segment" not in small["fields"]
    rules = [d["rule"] for d in routing.explain(session.db, "contact", big["id"])]
    assert rules == ["Tag big ones", "Big to Karin"]


def test_a_later_rule_sees_what_an_earlier_one_set(make) -> None:  # noqa: ANN001
    session = make("""
[[rules]]
name = "Norway is gold"
on = "lead.created"
when = { field = "country", value = "NO" }
set = { tier = "gold" }
continue = true

[[rules]]
name = "Gold to Karin"
on = "lead.created"
when = { field = "tier", value = "gold" }
assign = "karin"
""")
    record = add_contact(session, ContactInput(name="Kari", lifecycle_stage="lead", country="NO"))
    assert record["owner"] == "karin"


def test_round_robin_across_runs_skips_the_inactive(make) -> None:  # noqa: ANN001
    rules = """
[[rules]]
name = "Share the leads"
on = "lead.created"
assign_round_robin = ["karin", "bea", "alan"]
"""
    owners = []
    for n in range(5):
        session = make(rules)  # a new connection each time: the turn is kept in the database
        owners.append(lead(session, f"Lead {n}")["owner"])
        session.db.close()
    assert owners == ["karin", "alan", "karin", "alan", "karin"]


def test_round_robin_over_a_role(make) -> None:  # noqa: ANN001
    session = make("""
[[rules]]
name = "Marketing shares"
on = "lead.created"
assign_round_robin = { role = "marketing" }
""")
    assert [lead(session, f"L{n}")["owner"] for n in range(3)] == ["karin", "alan", "karin"]


def test_least_busy_counts_open_records(make) -> None:  # noqa: ANN001
    session = make("""
[[rules]]
name = "Least busy"
on = "lead.created"
assign_least_busy = ["karin", "alan"]
""")
    for n in range(2):
        add_contact(session, ContactInput(name=f"Karin's {n}", lifecycle_stage="qualified", owner="karin"))
    add_contact(session, ContactInput(name="Customer", lifecycle_stage="customer", owner="alan"))
    assert lead(session, "A")["owner"] == "alan"  # karin has 2 open, alan 0 (customers are not open)
    assert lead(session, "B")["owner"] == "alan"
    assert lead(session, "C")["owner"] == "karin"  # 2 each: the first listed wins the tie


def test_a_rule_that_cannot_decide_rolls_the_whole_command_back(make) -> None:  # noqa: ANN001
    session = make("""
[[rules]]
name = "Big to Karin"
on = "lead.created"
when = { field = "users", op = ">", value = 50 }
assign = "karin"
""")
    before = {t: session.db.scalar(f"SELECT count(*) FROM {t}")
              for t in ("contacts", "history", "changes", "custom_fields", "companies")}  # fmt: skip
    with pytest.raises(RuleError) as caught:
        add_contact(session, ContactInput(name="Vague", company="Vague AS", lifecycle_stage="lead",
                                          fields={"users": "about 100"}))  # fmt: skip
    assert str(caught.value) == (
        'Rule "Big to Karin" cannot decide lead.created for contact #1: users is "about 100", '
        "which is not a number; nothing was changed."
    )
    after = {t: session.db.scalar(f"SELECT count(*) FROM {t}") for t in before}
    assert after == before


def test_case_rules_choose_queue_priority_and_owner(make) -> None:  # noqa: ANN001
    session = make("""
[queues.first-line]
members = ["karin", "alan"]
escalate_to = "second-line"
[queues.second-line]
members = ["daniel"]

[[rules]]
name = "VIPs are urgent, to second line"
on = "case.opened"
when = { field = "tags", op = "contains", value = "vip" }
priority = "urgent"
queue = "second-line"
assign_round_robin = { queue = "second-line" }

[[rules]]
name = "First line by turns"
on = "case.opened"
assign_round_robin = { queue = "first-line" }
""")
    vip = add_contact(session, ContactInput(name="Vip", tags=["vip"]))
    plain = add_contact(session, ContactInput(name="Plain"))
    urgent = open_case(session, vip["id"], "Down")
    assert (urgent["priority"], urgent["queue"], urgent["owner"]) == ("urgent", "second-line", "daniel")
    normal = open_case(session, plain["id"], "Question")
    assert (normal["priority"], normal["queue"], normal["owner"]) == ("normal", "first-line", "karin")
    kinds = [e["kind"] for e in session.db.rows(
        "SELECT kind FROM case_events WHERE case_id = ? ORDER BY id", [urgent["id"]])]  # fmt: skip
    assert kinds == ["status", "queue", "priority", "assign"]


def test_rules_cannot_loop(make) -> None:  # noqa: ANN001
    session = make("""
[[rules]]
name = "Bounce"
on = "case.assigned"
assign_round_robin = ["karin", "alan"]
""")
    contact = add_contact(session, ContactInput(name="Someone"))
    case = open_case(session, contact["id"], "Ping", owner="daniel")
    # daniel -> karin by the rule; the rule's own case.assigned does not apply it again.
    assert case["owner"] == "karin"


def test_no_rules_for_the_event_writes_no_decision(make) -> None:  # noqa: ANN001
    session = make("""
[[rules]]
name = "Only cases"
on = "case.opened"
priority = "high"
""")
    record = lead(session, "Quiet")
    assert routing.explain(session.db, "contact", record["id"]) == []


def test_disabled_rules_are_skipped(make) -> None:  # noqa: ANN001
    session = make("""
[[rules]]
name = "Off"
on = "lead.created"
enabled = false
assign = "karin"

[[rules]]
name = "On"
on = "lead.created"
assign = "alan"
""")
    assert lead(session, "X")["owner"] == "alan"


CLOSED_CASE_RULES = """
[queues.first-line]
escalate_to = "second-line"
[queues.second-line]

[[rules]]
name = "Late"
on = "case.sla_breached"
escalate = true
priority = "urgent"
assign_round_robin = ["karin", "alan"]
add_tags = ["late"]
set = { breached = "yes" }
"""


def test_a_rule_does_not_escalate_reprioritise_or_reassign_a_closed_case(make) -> None:  # noqa: ANN001
    """As `crm case escalate` and `crm case assign` refuse: an event about a moment when the
    case was open (sla check --as-of) comes after it was closed."""
    from crmcli.services import cases
    from crmcli.storage import labels, state

    session = make(CLOSED_CASE_RULES)
    contact = add_contact(session, ContactInput(name="Kari"))
    closed = open_case(session, contact["id"], "Down")["id"]
    cases.close(session, closed)
    with session.write("sla check"):
        session.emit("case.sla_breached", "case", closed, target="first_response")
    case = cases.get_case(session.db, closed)
    assert (case["status"], case["queue"], case["escalation_level"], case["priority"], case["owner"]) == (
        "closed", "first-line", 0, "normal", None)  # fmt: skip
    assert labels.tags_of(session.db, "case", [closed])[closed] == ["late"]  # harmless: done
    assert labels.fields_of(session.db, "case", [closed])[closed] == {"breached": "yes"}
    assert session.held_back == [("case", closed, "escalate"), ("case", closed, "priority urgent"),
                                 ("case", closed, "assign karin (round robin over karin, alan)")]  # fmt: skip
    assert state.get(session.db, "round_robin:Late") is None  # karin's turn was not used up
    decision = routing.explain(session.db, "case", closed)[-1]
    assert decision["after"] == {"tags": ["late"], "fields": {"breached": "yes"}}
    assert decision["why"][-2:] == [
        "  then: add tags late; set breached = yes",
        "  not done, the case is closed (reopen it first): escalate; priority urgent; "
        "assign karin (round robin over karin, alan)",
    ]

    still_open = open_case(session, contact["id"], "Slow")["id"]
    with session.write("sla check"):
        session.emit("case.sla_breached", "case", still_open, target="first_response")
    case = cases.get_case(session.db, still_open)
    assert (case["queue"], case["escalation_level"], case["priority"], case["owner"]) == (
        "second-line", 1, "urgent", "karin")  # fmt: skip


def test_a_resolved_case_is_still_routed(make) -> None:  # noqa: ANN001
    """Rules on case.resolved act on a resolved case by design: only a closed one is held back."""
    from crmcli.services import cases

    session = make("""
[[rules]]
name = "Resolved cases are checked by Daniel"
on = "case.resolved"
assign = "daniel"
""")
    contact = add_contact(session, ContactInput(name="Kari"))
    case_id = open_case(session, contact["id"], "Down", owner="karin")["id"]
    assert cases.resolve(session, case_id)["owner"] == "daniel"
    assert session.held_back == []
