"""A small, hand-built history whose KPIs for October 2026 (and September) are worked out
by hand in tests/cli/test_kpi.py. Written through the services, each step at its own
moment (session.now), in Europe/Oslo: October 2026 is [2026-09-30T22:00Z, 2026-10-31T23:00Z).

Business hours are the default Monday–Friday 09:00–17:00, in Oslo; SLA targets the
defaults (normal: first response 8h, resolution 3d = 24 business hours; high: 4h and 1d = 8h).
Rates: 1 SEK = 0.1 EUR, 1 NOK = 0.08 EUR.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from crmcli.config import Config
from crmcli.services.session import Session
from crmcli.storage.db import open_db

OSLO = ZoneInfo("Europe/Oslo")

CONFIG = """
timezone = "Europe/Oslo"
base_currency = "EUR"

[currencies]
rates = { SEK = "0.1", NOK = "0.08" }

[[team]]
handle = "alan"
[[team]]
handle = "karin"
[[team]]
handle = "mei"
[[team]]
handle = "tester"
"""


def oslo(text: str) -> datetime:
    """A wall-clock time in Oslo, as the aware moment sessions use."""
    return datetime.fromisoformat(text).replace(tzinfo=OSLO)


class Builder:
    def __init__(self, db_path: Path, config_path: Path) -> None:
        config_path.write_text(CONFIG, encoding="utf-8")
        self.db = open_db(db_path)
        self.session = Session(db=self.db, config=Config.load(config_path), actor="tester")

    def at(self, when: str) -> Session:
        self.session.now = oslo(when)
        return self.session

    # --- records ----------------------------------------------------------------------------

    def contact(self, when: str, name: str, stage: str, source: str | None = None,
                owner: str = "alan", referred_by: str | None = None) -> int:  # fmt: skip
        from crmcli.services.contacts import ContactInput, add_contact

        data = ContactInput(
            name=name, lifecycle_stage=stage, source=source, owner=owner, referred_by=referred_by
        )
        return int(add_contact(self.at(when), data)["id"])

    def convert(self, when: str, contact_id: int) -> None:
        from crmcli.services.leads import convert_lead

        convert_lead(self.at(when), contact_id, None)

    def churn(self, when: str, contact_id: int) -> None:
        from crmcli.services.leads import churn_contact

        churn_contact(self.at(when), contact_id, "moved to a competitor")

    def deal(self, when: str, title: str, amount: str, currency: str, contact_id: int | None = None,
             owner: str = "alan", stage: str | None = None) -> int:  # fmt: skip
        from crmcli.services.deals import DealInput, add_deal

        data = DealInput(title=title, amount=amount, currency=currency, contact_id=contact_id, owner=owner,
                         stage=stage)  # fmt: skip
        return int(add_deal(self.at(when), data)["id"])

    def move(self, when: str, deal_id: int, stage: str) -> None:
        from crmcli.services.deals import move_deal

        move_deal(self.at(when), deal_id, stage)

    def win(self, when: str, deal_id: int) -> None:
        from crmcli.services.deals import win_deal

        win_deal(self.at(when), deal_id)

    def lose(self, when: str, deal_id: int) -> None:
        from crmcli.services.deals import lose_deal

        lose_deal(self.at(when), deal_id, "price")

    def feedback(self, when: str, contact_id: int, nps: int | None = None, csat: int | None = None) -> None:
        from crmcli.services.feedback import add_feedback

        add_feedback(self.at(when), contact_id, nps=nps, csat=csat)

    def case(self, when: str, contact_id: int, subject: str, priority: str = "normal") -> int:
        from crmcli.services.cases import open_case

        return int(open_case(self.at(when), contact_id, subject, priority=priority, owner="mei")["id"])

    def reply(self, when: str, case_id: int) -> None:
        from crmcli.services.cases import reply

        reply(self.at(when), case_id, "We are on it.")

    def resolve(self, when: str, case_id: int) -> None:
        from crmcli.services.cases import resolve

        resolve(self.at(when), case_id)

    def activity(self, when: str, contact_id: int, kind: str, owner: str, due: str | None = None) -> int:
        from crmcli.services.activities import ActivityInput, log_activity

        data = ActivityInput(kind=kind, note=f"{kind} by {owner}", owner=owner, due=due)
        return int(log_activity(self.at(when), data, contact_id=contact_id)["id"])

    def done(self, when: str, activity_id: int) -> None:
        from crmcli.services.activities import complete

        complete(self.at(when), activity_id)


def build_dataset(db_path: Path, config_path: Path) -> dict[str, int]:
    """The history; returns the ids the tests refer to."""
    b = Builder(db_path, config_path)
    ids: dict[str, int] = {}

    # Customers from earlier in the year (created as customers: customer_since = then).
    k1 = b.contact("2026-01-10 10:00", "Kari Base", "customer", "web form")
    k2 = b.contact("2026-02-01 10:00", "Knut Leaves", "customer", "event")
    k3 = b.contact("2026-03-01 10:00", "Kim Gone", "customer", "event")
    k5 = b.contact("2026-05-01 10:00", "Kaja Stays", "customer", "referral")
    b.churn("2026-09-05 12:00", k3)  # September
    b.churn("2026-10-12 12:00", k2)  # October
    b.churn("2026-11-10 12:00", k5)  # after October: still a customer all of October

    # Leads. L3 became a lead at 01:30 on 1 October in Oslo (23:30 UTC on 30 September).
    l1 = b.contact("2026-10-05 10:00", "Lea One", "lead", "web form")
    b.contact("2026-10-20 10:00", "Leo Two", "lead", "event", owner="karin")
    l3 = b.contact("2026-10-01 01:30", "Liv Three", "lead", "newsletter")
    l4 = b.contact("2026-09-15 10:00", "Lars Four", "lead", "cold call")
    b.convert("2026-10-10 10:00", l1)  # converted in October
    b.convert("2026-11-02 10:00", l3)  # after October
    b.convert("2026-10-03 10:00", l4)  # a September lead converted in October

    # New customers of October who came by referral (by source, and by a referrer).
    b.contact("2026-10-08 10:00", "Rita Referred", "customer", "referral")
    b.contact("2026-10-09 10:00", "Rune Introduced", "customer", "web form", referred_by=str(k1))

    # Deals. Winning makes the contact a customer (customer_since = the win).
    c1 = b.contact("2026-08-20 10:00", "Cecilie Buyer", "opportunity", "web form")
    c2 = b.contact("2026-08-21 10:00", "Claes Köpare", "opportunity", "event")
    c4 = b.contact("2026-07-01 10:00", "Cato September", "opportunity", "cold call")
    d1 = b.deal("2026-09-01 12:00", "Fjordline renewal", "1000", "EUR", c1)
    d2 = b.deal("2026-10-01 12:00", "Malmö licences", "20000", "SEK", c2)
    d3 = b.deal("2026-10-02 12:00", "Bergen pilot", "5000", "NOK", owner="karin")
    d4 = b.deal("2026-08-01 12:00", "September deal", "300", "EUR", c4)
    d5 = b.deal("2026-10-03 12:00", "Open in qualification", "500", "EUR")
    d6 = b.deal("2026-10-04 12:00", "Moves twice", "10000", "SEK")
    d7 = b.deal("2026-10-05 12:00", "Won in November", "800", "EUR", stage="negotiation")
    b.win("2026-10-11 12:00", d1)  # 40 days after it was created
    b.win("2026-10-21 12:00", d2)  # 20 days
    b.lose("2026-10-15 12:00", d3)
    b.win("2026-09-20 12:00", d4)  # September: 50 days
    b.move("2026-10-06 12:00", d6, "proposal")  # in October: proposal at the end of October
    b.move("2026-11-04 12:00", d6, "negotiation")  # after the end
    b.win("2026-11-03 12:00", d7)  # open (negotiation) at the end of October
    ids.update(d1=d1, d2=d2, d3=d3, d5=d5, d6=d6, d7=d7, c1=c1, c2=c2, k1=k1)

    # Feedback. The 0 is given at 00:30 on 1 November in Oslo (still 31 October in UTC).
    for score in (10, 9, 9, 7, 2):
        b.feedback("2026-10-14 10:00", k1, nps=score)
    for score in (5, 4, 2):
        b.feedback("2026-10-15 10:00", k5, csat=score)
    b.feedback("2026-09-30 23:00", k1, nps=8)
    b.feedback("2026-11-01 00:30", k1, nps=0)

    # Cases (opened, first answered, resolved), in Oslo business hours.
    a = b.case("2026-10-05 09:00", k1, "A: export fails")  # Monday
    b.reply("2026-10-05 11:00", a)  # 2 business hours
    b.resolve("2026-10-06 12:00", a)  # 8 + 3 = 11 business hours
    bb = b.case("2026-10-08 16:00", k5, "B: dashboard down", priority="high")  # Thursday
    b.reply("2026-10-09 14:00", bb)  # 1 + 5 = 6 business hours (target 4h: missed)
    b.resolve("2026-10-12 10:00", bb)  # 1 + 8 + 1 = 10 business hours (target 8h: missed)
    c = b.case("2026-10-20 09:00", k1, "C: question")
    b.reply("2026-10-20 09:30", c)  # half an hour; still open
    d = b.case("2026-09-28 09:00", k5, "D: September case")  # Monday
    b.reply("2026-09-28 10:00", d)  # 1 business hour, in September
    b.resolve("2026-10-01 09:00", d)  # 24 business hours = the 3d target exactly: met
    ids.update(case_a=a, case_b=bb, case_c=c, case_d=d)

    # Activities: alan 3 in October and 1 in September; karin 1 logged and 1 follow-up done
    # in October, and 1 follow-up still open (not counted).
    for day in ("2026-10-02", "2026-10-13", "2026-10-30"):
        b.activity(f"{day} 10:00", k1, "call", "alan")
    b.activity("2026-09-10 10:00", k1, "email", "alan")
    b.activity("2026-10-07 10:00", k5, "email", "karin")
    planned = b.activity("2026-10-01 10:00", k5, "task", "karin", due="2026-10-10 12:00")
    b.done("2026-10-09 15:00", planned)
    b.activity("2026-10-16 10:00", k5, "task", "karin", due="2026-11-03 12:00")
    b.db.close()
    return ids
