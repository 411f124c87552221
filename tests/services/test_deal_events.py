"""Leads and deals emit their events in order, inside the change's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crmcli.config import Config
from crmcli.errors import Invalid
from crmcli.services import deals, leads
from crmcli.services.contacts import ContactInput, get_contact
from crmcli.services.forecast import forecast
from crmcli.services.session import Session
from crmcli.storage.db import open_db

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def session(tmp_path: Path) -> Session:
    config_path = tmp_path / "config.toml"
    config_path.write_text('timezone = "UTC"\n[currencies]\nrates = { SEK = "0.087" }\n', "utf-8")
    return Session(db=open_db(tmp_path / "crm.db"), config=Config.load(config_path), actor="ada", now=NOW)


def names(session: Session) -> list[str]:
    return [event.name for event in session.emitted]


def test_lead_to_customer_to_churned_emits_each_event_in_order(session: Session) -> None:
    lead = leads.add_lead(session, ContactInput(name="Åsa Lindström", source="web form", company="Malmö AB"))
    leads.qualify_lead(session, lead["id"])
    contact, deal = leads.convert_lead(session, lead["id"], deals.DealInput(amount="250k SEK"))
    assert deal is not None
    deals.move_deal(session, deal["id"], "proposal")
    deals.win_deal(session, deal["id"])
    leads.churn_contact(session, lead["id"], "bought a competitor")
    assert names(session) == [
        "company.created", "contact.created", "lead.created", "lead.qualified", "lead.converted",
        "deal.created", "deal.stage_changed", "deal.won", "contact.churned",
    ]  # fmt: skip
    by_name = {event.name: event for event in session.emitted}
    assert by_name["lead.created"].data == {"source": "web form"}
    assert by_name["lead.converted"].entity == "contact"
    assert by_name["lead.converted"].data["from"] == "qualified"
    assert by_name["deal.created"].data["stage"] == "qualification"
    assert by_name["deal.created"].data["amount_minor"] == 25_000_000
    assert by_name["deal.stage_changed"].data == {
        "pipeline": "sales",
        "from": "qualification",
        "to": "proposal",
    }
    assert by_name["deal.won"].data["from"] == "proposal"
    assert by_name["contact.churned"].data["reason"] == "bought a competitor"
    assert contact["lifecycle_stage"] == "opportunity"
    assert deal["title"] == "Malmö AB"  # the company's name when --deal is not given


def test_lost_and_reopened_deals_emit_lost_then_stage_changed(session: Session) -> None:
    deal = deals.add_deal(session, deals.DealInput(title="Renewal", amount="1000"))
    deals.lose_deal(session, deal["id"], "price")
    deals.reopen_deal(session, deal["id"])
    assert names(session) == ["deal.created", "deal.lost", "deal.stage_changed"]
    lost, reopened = session.emitted[1:]
    assert lost.data["reason"] == "price" and lost.data["from"] == "qualification"
    assert reopened.data == {"pipeline": "sales", "reopened": True, "from": "lost", "to": "qualification"}


def test_a_refused_change_emits_nothing_and_writes_nothing(session: Session) -> None:
    deal = deals.add_deal(session, deals.DealInput(title="Renewal", amount="1000"))
    session.emitted.clear()
    with pytest.raises(Invalid, match="needs --reason"):
        deals.lose_deal(session, deal["id"], None)
    with pytest.raises(Invalid, match="its stages are qualification, needs-analysis, proposal, negotiation"):
        deals.move_deal(session, deal["id"], "closing")
    assert session.emitted == []
    assert deals.get_deal(session.db, deal["id"])["status"] == "open"
    assert session.db.scalar("SELECT count(*) FROM deal_stage_changes") == 1


def test_dates_are_kept_from_lead_to_churned(session: Session) -> None:
    lead = leads.add_lead(session, ContactInput(name="Kari Nordmann", source="event"))
    session.now = NOW + timedelta(days=3)
    leads.qualify_lead(session, lead["id"])
    session.now = NOW + timedelta(days=10)
    _, deal = leads.convert_lead(session, lead["id"], deals.DealInput(title="Fleet", amount="9000"))
    assert deal is not None
    session.now = NOW + timedelta(days=40)
    deals.win_deal(session, deal["id"])
    won_at = session.now_iso
    session.now = NOW + timedelta(days=60)
    second = deals.add_deal(session, deals.DealInput(title="More seats", contact_id=lead["id"], amount="100"))
    deals.win_deal(session, second["id"])  # a second win keeps the first date
    session.now = NOW + timedelta(days=400)
    leads.churn_contact(session, lead["id"], "closed down")
    contact = get_contact(session.db, lead["id"])
    assert contact["customer_since"] == won_at == "2026-04-19T09:00:00Z"
    assert contact["churned_at"] == "2027-04-14T09:00:00Z"
    assert contact["churn_reason"] == "closed down"
    changes = session.db.rows(
        "SELECT from_stage, to_stage, at, reason FROM lifecycle_changes WHERE contact_id = ? ORDER BY id",
        [lead["id"]],
    )
    assert [(c["from_stage"], c["to_stage"], c["at"][:10]) for c in changes] == [
        (None, "lead", "2026-03-10"),
        ("lead", "qualified", "2026-03-13"),
        ("qualified", "opportunity", "2026-03-20"),
        ("opportunity", "customer", "2026-04-19"),
        ("customer", "churned", "2027-04-14"),
    ]
    assert changes[-1]["reason"] == "closed down"
    assert deals.get_deal(session.db, deal["id"])["close_date"] == "2026-04-19"  # the day it was won


def test_the_forecast_follows_its_formulas(session: Session) -> None:
    def add(title: str, amount: str, stage: str, close: str) -> int:
        data = deals.DealInput(title=title, amount=amount, stage=stage, close=close)
        return int(deals.add_deal(session, data)["id"])

    add("A", "1000", "qualification", "2026-03-20")  # 10 %
    add("B", "2000", "negotiation", "2026-03-25")  # 75 %: committed
    add("C", "10000 SEK", "proposal", "2026-04-02")  # 870 EUR at 50 %
    add("D", "500", "proposal", "2026-01-15")  # overdue
    add("E", "700", "proposal", "")  # no close date
    add("F", "900", "proposal", "2026-09-01")  # after the months shown
    won = add("G", "3000", "proposal", "2026-03-31")
    deals.win_deal(session, won)  # won today: counted in March, at 100 %
    data = forecast(session, months=2)
    march, april = data["months"]
    assert march == {"month": "2026-03", "open_deals": 2, "won_deals": 1, "won": "3000.00",
                     "committed": "5000.00", "weighted": "4600.00", "best_case": "6000.00"}  # fmt: skip
    assert april == {"month": "2026-04", "open_deals": 1, "won_deals": 0, "won": "0.00",
                     "committed": "0.00", "weighted": "435.00", "best_case": "870.00"}  # fmt: skip
    assert data["total"]["weighted"] == "5035.00" and data["total"]["best_case"] == "6870.00"
    assert data["overdue"]["best_case"] == "500.00"
    assert data["undated"]["weighted"] == "350.00"
    assert data["later"]["open_deals"] == 1
    assert data["commit_probability"] == 75 and data["base_currency"] == "EUR"
