"""crm show: the 360° view of a contact and of a company, as a table, in plain text and JSON."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from crmcli.context import AppContext
from crmcli.render.output import Output

CONFIG = """
timezone = "Europe/Oslo"

[[team]]
handle = "tester"
name = "Tess Tester"
email = "tess@example.com"
[[team]]
handle = "alan"
name = "Alan Berg"
"""
STAMP = "2026-01-05T09:00:00Z"


def insert(db: Path, table: str, **values: object) -> None:
    """Deals, cases and consents written as their own features will write them."""
    conn = sqlite3.connect(db)
    columns = ", ".join(values)
    conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(values))})", list(values.values())
    )
    conn.commit()
    conn.close()


def deal(db: Path, uid: str, title: str, **values: object) -> None:
    insert(db, "deals", uid=uid, title=title, pipeline="sales", stage=values.pop("stage", "proposal"),
           status=values.pop("status", "open"), currency=values.pop("currency", "NOK"),
           stage_entered_at=STAMP, created_at=STAMP, updated_at=STAMP, **values)  # fmt: skip


def case(db: Path, uid: str, subject: str, **values: object) -> None:
    insert(db, "cases", uid=uid, subject=subject, opened_at=values.pop("opened_at", STAMP),
           created_at=STAMP, updated_at=STAMP, **values)  # fmt: skip


@pytest.fixture
def crm(crm):  # noqa: ANN001, ANN201
    crm.write_config(CONFIG)
    crm.ok("add", "Kari Nordmann", "--email", "kari@fjordline.no", "--phone", "+47 912 34 567",
           "--company", "Fjordline AS", "--tz", "Asia/Shanghai", "--tag", "vip", "--owner", "alan",
           "--stage", "customer", "--birthday", "--03-14")  # fmt: skip
    crm.ok("add", "Ola Hansen", "--company", "Fjordline AS", "--title", "CFO")
    crm.ok("add", "Someone Else", "--company", "Elsewhere AB")
    db = crm.db
    deal(db, "d1", "Fleet tracking, 40 seats", contact_id=1, company_id=1, amount_minor=1_250_000,
         close_date="2026-04-30", owner="alan")  # fmt: skip
    deal(db, "d2", "Yen deal", contact_id=1, amount_minor=1_500_000, currency="JPY")
    deal(db, "d3", "Won long ago", contact_id=1, status="won", amount_minor=100)
    deal(
        db, "d4", "Company-level deal", company_id=1, amount_minor=99, currency="EUR", close_date="2026-02-01"
    )
    deal(db, "d5", "Ola's upsell", contact_id=2, amount_minor=500_000)
    deal(db, "d6", "Elsewhere's deal", contact_id=3, amount_minor=1)
    case(db, "c1", "Invoice export times out", contact_id=1, priority="high", status="open", owner="mei")
    case(db, "c2", "Closed case", contact_id=1, status="closed")
    case(db, "c3", "Ola's question", contact_id=2, status="pending", opened_at="2026-01-02T09:00:00Z")
    insert(db, "consents", contact_id=1, purpose="newsletter", status="given", at="2026-01-01T10:00:00Z")
    insert(db, "consents", contact_id=1, purpose="newsletter", status="withdrawn", at="2026-02-01T10:00:00Z")
    insert(db, "consents", contact_id=1, purpose="calls", status="given", at="2026-01-15T10:00:00Z")
    crm.ok("log", "kari", "call", "Renewal call", "--at", "2026-03-02 10:00", "--outcome", "interested",
           "--direction", "out")  # fmt: skip
    crm.ok("log", "ola", "email", "Budget question\nfull thread below", "--at", "2026-03-03 09:00")
    crm.ok("log", "company:fjordline", "meeting", "Board visit", "--at", "2026-03-04 13:00")
    crm.ok("log", "kari", "task", "Send the proposal", "--due", "2026-04-03 10:00")
    crm.ok("log", "someone", "call", "Not Fjordline's", "--at", "2026-03-05 10:00")
    return crm


def test_contact_json(crm) -> None:  # noqa: ANN001
    view = crm.ok("show", "kari", "--json").json()
    assert set(view) == {"contact", "company", "owner", "consents", "local_time", "open_deals", "open_cases",
                         "follow_ups", "follow_ups_count", "timeline"}  # fmt: skip
    contact = view["contact"]
    assert contact["name"] == "Kari Nordmann" and contact["tags"] == ["vip"]
    assert contact["phones"] == ["+4791234567"] and contact["last_touch_at"] == "2026-03-02T09:00:00Z"
    assert view["company"]["name"] == "Fjordline AS"
    assert view["owner"] == {"handle": "alan", "name": "Alan Berg", "email": None}
    assert [(c["purpose"], c["status"]) for c in view["consents"]] == [
        ("calls", "given"),
        ("newsletter", "withdrawn"),
    ]
    assert view["local_time"]["timezone"] == "Asia/Shanghai" and view["local_time"]["time"].endswith("+08:00")
    assert isinstance(view["local_time"]["outside_hours"], bool)
    assert [(d["title"], d["amount"]) for d in view["open_deals"]] == [
        ("Fleet tracking, 40 seats", "12,500.00 NOK"),
        ("Yen deal", "1,500,000 JPY"),
    ]
    assert view["open_deals"][0]["amount_minor"] == 1_250_000 and view["open_deals"][0]["currency"] == "NOK"
    assert [(c["subject"], c["priority"], c["status"]) for c in view["open_cases"]] == [
        ("Invoice export times out", "high", "open")
    ]
    assert [f["note"] for f in view["follow_ups"]] == ["Send the proposal"]
    assert [t["note"] for t in view["timeline"]] == ["Renewal call"]


def test_contact_plain_text(crm) -> None:  # noqa: ANN001
    text = crm.ok("show", "kari").stdout
    assert text.startswith("Kari Nordmann\n")
    consent = "calls given 2026-01-15T10:00:00Z; newsletter withdrawn 2026-02-01T10:00:00Z"
    for line in ("Owner:           alan (Alan Berg)", "Tags:            vip", f"Consent:         {consent}",
                 "Last touch:      2026-03-02T09:00:00Z", "Birthday:        --03-14"):  # fmt: skip
        assert line in text.splitlines()
    assert "\nOpen deals (2)\nID  DEAL " in text and "12,500.00 NOK" in text
    assert "\nOpen cases (1)\n" in text and "Invoice export times out" in text
    assert "\nNext follow-ups (1)\n" in text and "2026-04-03T08:00:00Z  task" in text
    assert (
        "\nRecent activity\n" in text and "2026-03-02T09:00:00Z  call  out  Renewal call  interested" in text
    )
    # JSON carries the same sections the text shows.
    view = crm.ok("show", "kari", "--json").json()
    for section in ("open_deals", "open_cases", "follow_ups", "timeline"):
        for row in view[section]:
            assert str(row["id"]) in text


def test_a_churned_contact_shows_when_and_why_they_left(crm) -> None:  # noqa: ANN001
    crm.ok("contact", "churn", "kari", "--reason", "moved to a competitor")
    contact = crm.ok("show", "kari", "--json").json()["contact"]
    lines = crm.ok("show", "kari").stdout.splitlines()
    for label, value in (("Customer since", contact["customer_since"]), ("Churned", contact["churned_at"]),
                         ("Churn reason", "moved to a competitor")):  # fmt: skip
        assert f"{label + ':':<17}{value}" in lines
    assert not any(line.startswith("Churn") for line in crm.ok("show", "ola").stdout.splitlines())


def test_contact_show_is_the_same_view(crm) -> None:  # noqa: ANN001
    assert crm.ok("contact", "show", "kari@fjordline.no").stdout == crm.ok("show", "kari").stdout


def test_empty_sections_say_so(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Nora Vik")
    view = crm.ok("show", "nora", "--json").json()
    assert view["company"] is None and view["local_time"] is None and view["consents"] == []
    assert all(view[s] == [] for s in ("open_deals", "open_cases", "follow_ups", "timeline"))
    assert "Last touch:  never" in crm.ok("show", "nora").stdout


def test_company_view(crm) -> None:  # noqa: ANN001
    view = crm.ok("show", "company:fjordline", "--json").json()
    assert [p["name"] for p in view["people"]] == ["Kari Nordmann", "Ola Hansen"]
    assert [d["title"] for d in view["open_deals"]] == [
        "Company-level deal", "Fleet tracking, 40 seats", "Yen deal", "Ola's upsell",
    ]  # fmt: skip
    assert [c["subject"] for c in view["open_cases"]] == ["Ola's question", "Invoice export times out"]
    assert [(t["kind"], t["contact"]) for t in view["timeline"]] == [
        ("meeting", None), ("email", "Ola Hansen"), ("call", "Kari Nordmann"),
    ]  # fmt: skip
    assert [f["note"] for f in view["follow_ups"]] == ["Send the proposal"]
    text = crm.ok("show", "fjordline").stdout  # a name only a company has
    assert text.startswith("Fjordline AS\n") and "\nPeople (2)\n" in text
    assert "Budget question (+1 lines)" in text and "Not Fjordline's" not in text


def test_the_follow_ups_heading_counts_them_all(crm) -> None:  # noqa: ANN001
    """Ten are shown; the heading and --json say how many there are."""
    crm.ok("add", "Per Fjord", "--company", "Fjordline AS")
    for day in range(11, 23):
        crm.ok("log", "per", "task", f"Task {day}", "--due", f"2026-12-{day}")
    text = crm.ok("show", "per").stdout
    assert "\nNext follow-ups (10 of 12)\n" in text and "Task 20" in text and "Task 21" not in text
    view = crm.ok("show", "per", "--json").json()
    assert len(view["follow_ups"]) == 10 and view["follow_ups_count"] == 12
    company = crm.ok("show", "company:fjordline", "--json").json()
    assert len(company["follow_ups"]) == 10 and company["follow_ups_count"] == 13  # and Kari's one
    assert "\nNext follow-ups (10 of 13)\n" in crm.ok("show", "company:fjordline").stdout
    crm.ok("activity", "done", str(view["follow_ups"][0]["id"]))
    assert crm.ok("show", "per", "--json").json()["follow_ups_count"] == 11


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("nobody", "crm: No contact or company matches 'nobody'.\n"),
        ("99", "crm: There is no contact #99.\n"),
        ("company:nowhere", "crm: No company matches 'nowhere'.\n"),
    ],
)
def test_unknown_references(crm, ref: str, message: str) -> None:  # noqa: ANN001
    assert crm.fails("show", ref).stderr == message


def test_on_a_terminal(crm) -> None:  # noqa: ANN001
    from crmcli.cli.show import show_contact

    context = AppContext(db_flag=str(crm.db), config_flag=str(crm.config))
    buffer = io.StringIO()
    context.out = Output(tty=True, stdout=buffer, stderr=io.StringIO(), tz=context.session.tz)
    show_contact(context, 1, as_json=False)
    context.close()
    shown = buffer.getvalue()
    assert "Kari Nordmann" in shown and "Open deals (2)" in shown
    assert "12,500.00 NOK" in shown and "2026-03-02 10:00" in shown  # local time on a terminal
    local = [line for line in shown.splitlines() if line.startswith("Local time")][0]
    assert local.split()[2][:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def test_show_takes_a_deal_or_a_case_as_their_own_show_commands_do(crm) -> None:  # noqa: ANN001
    from helpers import one_sentence

    crm.ok("add", "Zed Zulu")
    crm.ok("deal", "add", "Fleet", "--contact", "zed", "--amount", "1000")
    crm.ok("case", "open", "zed", "Printer broken")
    deal = max(row["id"] for row in crm.ok("deal", "list", "--json").json())
    case = max(row["id"] for row in crm.ok("case", "list", "--json").json())
    for kind, number in (("deal", str(deal)), ("case", str(case))):
        assert crm.ok("show", f"{kind}:{number}").stdout == crm.ok(kind, "show", number).stdout
        assert (
            crm.ok("show", f"{kind}:{number}", "--json").json()
            == crm.ok(kind, "show", number, "--json").json()
        )
    assert one_sentence(crm.fails("show", "deal:999").stderr) == "crm: There is no deal #999."
    assert "is not a deal id" in one_sentence(crm.fails("show", "deal:").stderr)
