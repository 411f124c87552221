"""A realistic, reproducible demo data set: a Nordic B2B software seller and its customers.

Seeded, so every run builds the same records; each feature adds its part here.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

from crmcli.config import Config
from crmcli.services.companies import CompanyInput, add_company
from crmcli.services.contacts import ContactInput, add_contact
from crmcli.services.session import Session

DEMO_TEAM: list[dict[str, Any]] = [
    {"handle": "karin", "name": "Karin Lindqvist", "email": "karin@example.com",
     "role": "marketing", "timezone": "Europe/Stockholm"},
    {"handle": "alan", "name": "Alan Berg", "email": "alan@example.com",
     "role": "sales", "timezone": "Europe/Oslo"},
    {"handle": "daniel", "name": "Daniel Holm", "email": "daniel@example.com",
     "role": "sales-manager", "timezone": "Europe/Copenhagen"},
    {"handle": "mei", "name": "Mei Zhang", "email": "mei@example.com",
     "role": "support", "timezone": "Europe/Oslo"},
]  # fmt: skip

COMPANIES = [
    # name, domain, industry, employees, country
    ("Fjordline Logistikk AS", "fjordline.example.no", "logistics", 240, "NO"),
    ("Østergaard & Søn ApS", "ostergaard.example.dk", "manufacturing", 35, "DK"),
    ("Malmö Mekaniska AB", "malmomek.example.se", "manufacturing", 120, "SE"),
    ("Nordlys Energi AS", "nordlys.example.no", "energy", 80, "NO"),
    ("Київська Кава ТОВ", "kyivcoffee.example.ua", "food", 45, "UA"),
    ("上海云桥科技有限公司", "yunqiao.example.cn", "software", 300, "CN"),
    ("Skärgård Resor AB", "skargard.example.se", "travel", 18, "SE"),
    ("Bryggen Design AS", "bryggen.example.no", "design", 12, "NO"),
    ("Aarhus Analytics ApS", "aarhusanalytics.example.dk", "software", 60, "DK"),
    ("Lviv Lab", "lvivlab.example.ua", "software", 25, "UA"),
]

PEOPLE = [
    # name, company index, title, stage, source, country, timezone, language, birthday
    ("Kari Nordmann", 0, "Head of Operations", "customer", "referral", "NO", "Europe/Oslo", "nb",
     "1984-03-14"),
    ("Ola Hansen", 0, "CFO", "customer", "event", "NO", "Europe/Oslo", "nb", None),
    ("Mette Østergaard", 1, "Owner", "opportunity", "cold call", "DK", "Europe/Copenhagen", "da",
     "1975-11-30"),
    ("Søren Kierkegaard", 1, "Production Lead", "lead", "newsletter", "DK", "Europe/Copenhagen", "da", None),
    ("Åsa Lindström", 2, "Purchasing Manager", "qualified", "web form", "SE", "Europe/Stockholm", "sv",
     "1990-06-02"),
    ("Björn Ekström", 2, "CEO", "customer", "referral", "SE", "Europe/Stockholm", "sv", None),
    ("Ingrid Solberg", 3, "CTO", "lead", "web form", "NO", "Europe/Oslo", "nb", None),
    ("Олена Шевченко", 4, "Директорка", "customer", "event", "UA", "Europe/Kyiv", "uk", "1988-12-01"),
    ("Тарас Коваленко", 4, "Operations", "lead", "web form", "UA", "Europe/Kyiv", "uk", None),
    ("王伟", 5, "IT Director", "opportunity", "event", "CN", "Asia/Shanghai", "zh-Hans", "1982-08-08"),
    ("李娜", 5, "Procurement", "lead", "newsletter", "CN", "Asia/Shanghai", "zh-Hans", None),
    ("Linnea Berg", 6, "Founder", "customer", "referral", "SE", "Europe/Stockholm", "sv", None),
    ("Erik Dahl", 7, "Creative Director", "churned", "cold call", "NO", "Europe/Oslo", "nb", None),
    ("Freja Madsen", 8, "Data Lead", "qualified", "web form", "DK", "Europe/Copenhagen", "da", "1993-02-17"),
    ("Андрій Мельник", 9, "CTO", "opportunity", "referral", "UA", "Europe/Kyiv", "uk", None),
    ("Nora Vik", None, "Consultant", "other", "event", "NO", "Europe/Oslo", "nb", None),
]  # fmt: skip

TAGS = ["vip", "newsletter", "partner", "trial", "enterprise", "smb"]


def demo_tags(drawn: list[str]) -> list[str]:
    """The tags drawn, without "smb" beside "enterprise": one company is not both sizes."""
    return [tag for tag in drawn if not (tag == "smb" and "enterprise" in drawn)]


def demo_config(base: Config, path: Path) -> Config:
    """The demo runs with a team of four whatever the user's config says; its config is the
    file at `path`."""
    data = dict(base.data)
    data["team"] = DEMO_TEAM
    data.setdefault("base_currency", "EUR")
    data["user"] = "daniel"
    # The user's own rules and queues name their own team; the demo brings its own.
    data.update(DEMO_ROUTING)
    data.update(demo_deal_settings(str(data["base_currency"])))
    return Config(path=path, data=data)


DEMO_MARKER = "demo.database"

# The first line of the config file written beside the demo database, by which a later
# demo knows the file is its own to replace.
CONFIG_HEADER = "# crm demo: the config of the demo database"


def demo_config_path(database: Path) -> Path:
    """Where the demo's config goes: demo.toml beside demo.db."""
    return database.with_suffix(".toml")


def refuse_as_demo_path(database: Path) -> None:
    """--path names the demo database: in a folder that exists (crm demo makes none), and
    not a .toml name, which is where its config goes (a database there would be read as
    a config by a later --config)."""
    from crmcli.errors import Invalid

    if database.suffix.lower() == ".toml":
        raise Invalid(
            f"--path names the demo database, and {database.name} is a config's name; "
            f"give a name such as {database.with_suffix('.db').name} (its config goes beside it as .toml)."
        )
    folder = database.absolute().parent
    if not folder.is_dir():
        raise Invalid(f"There is no folder {folder} for --path {database}; crm demo makes no folders.")


def is_other_than_a_file(path: Path) -> bool:
    """Whether something that is not a plain file is at `path`: a link (even to a file),
    a folder, a device, a pipe. Nothing there is not."""
    return path.is_symlink() or (path.exists() and not path.is_file())


def is_demo_config(path: Path) -> bool:
    """Whether the file at `path` is missing, empty, or a config an earlier demo wrote."""
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            first = file.readline()
    except FileNotFoundError:
        return True
    return first == "" or first.startswith(CONFIG_HEADER)


def write_demo_config(config: Config, database: Path) -> None:
    """The demo's settings as a TOML file, so that later commands on the demo database count
    with its team, rules and exchange rates rather than the user's."""
    import tomli_w

    from crmcli.config import write_atomic

    path = Path(config.path)
    header = (
        f"{CONFIG_HEADER} {database.name}, rewritten by every `crm demo`.\n"
        f"# Use the two together: crm --db {database.name} --config {path.name} …\n\n"
    )
    write_atomic(path, header + tomli_w.dumps(config.data))


def is_demo(path: Path) -> bool:
    """Whether the file at `path` is a demo database this command made (or is empty)."""
    from crmcli.errors import CrmError
    from crmcli.storage import state
    from crmcli.storage.db import open_db

    if path.stat().st_size == 0:
        return True
    try:
        db = open_db(path, migrate=False)
    except CrmError:
        return False
    try:
        return state.get(db, DEMO_MARKER) == "1"
    except Exception:
        return False
    finally:
        db.close()


def seed(session: Session, seed_value: int = 2026) -> dict[str, int]:
    """Fill an empty database; returns how many records of each kind were made."""
    rng = random.Random(seed_value)
    counts: dict[str, int] = {}
    with session.write("demo"):
        from crmcli.storage import state

        state.put(session.db, DEMO_MARKER, "1")
        company_ids = seed_companies(session, rng)
        contact_ids = seed_contacts(session, rng, company_ids)
        started = session.now
        counts["companies"] = len(company_ids)
        counts["contacts"] = len(contact_ids)
        counts["cases"] = len(seed_cases(session, rng, contact_ids))
        # Its own generator: activities never shift what the other seeds draw.
        counts["activities"] = len(seed_activities(session, random.Random(seed_value + 3), contact_ids))
        counts["deals"] = len(seed_deals(session, random.Random(seed_value + 4), contact_ids))
        churn_lost_customers(session, contact_ids, started)
        counts["answers"] = len(seed_feedback(session, random.Random(seed_value + 5), contact_ids))
    return counts


def seed_companies(session: Session, rng: random.Random) -> list[int]:
    """The companies, added a day before the first person (see seed_contacts)."""
    from datetime import timedelta

    ids: list[int] = []
    owners = [m["handle"] for m in DEMO_TEAM if m["role"] != "support"]
    started = session.now
    session.now = started - timedelta(days=FIRST_ADDED_DAYS_AGO + 1)
    for name, domain, industry, employees, country in COMPANIES:
        record = add_company(
            session,
            CompanyInput(
                name=name,
                domain=domain,
                industry=industry,
                employees=str(employees),
                annual_revenue=str(employees * rng.randrange(90_000, 160_000, 1_000)),
                country=country,
                owner=rng.choice(owners),
                tags=demo_tags(rng.sample(TAGS, k=rng.randint(0, 2))),
            ),
        )
        ids.append(int(record["id"]))
    session.now = started
    return ids


# Mobile number plans per country: the prefix, then how many digits follow it.
MOBILE_PLANS = {"NO": ("+479", 7), "DK": ("+4520", 6), "SE": ("+4670", 7), "UA": ("+38067", 7),
                "CN": ("+86138", 8)}  # fmt: skip


def demo_phone(name: str, country: str) -> str:
    """A valid mobile number of the person's country, the same for the same name on every
    run (drawn from the name rather than the random generator, so that adding phones did
    not shift the rest of the demo's data)."""
    import zlib

    prefix, digits = MOBILE_PLANS[country]
    return prefix + str(zlib.crc32(name.encode("utf-8"))).zfill(10)[-digits:]


# Days before the demo is made that the first contact was added; each next one a week later
# (leads: in the last two weeks).
FIRST_ADDED_DAYS_AGO = 400
# Days before the demo is made that a churned customer left (when their renewal was lost).
CHURNED_DAYS_AGO = 18


def seed_contacts(session: Session, rng: random.Random, company_ids: list[int]) -> list[int]:
    """The people, added over the past year. A customer whose won deal is in the demo starts
    as an opportunity: the win makes them a customer on its own date, as it would have, so
    the KPIs count new customers when they came. A churned one starts as a customer and
    leaves later (churn_lost_customers). The moments come from the list's order, not the
    random generator, so that the data drawn after them stays as it was."""
    from datetime import timedelta

    ids: list[int] = []
    owners = [m["handle"] for m in DEMO_TEAM if m["role"] != "support"]
    won = {deal[0] for deal in DEMO_DEALS if deal[6] == "won"}
    started = session.now
    for index, (name, company, title, stage, source, country, tz, lang, birthday) in enumerate(PEOPLE):
        local = name.split()[0].lower() if name.isascii() else f"contact{len(ids) + 1}"
        domain = COMPANIES[company][1] if company is not None else "example.org"
        if stage == "customer" and index in won:
            stage = "opportunity"
        elif stage == "churned":
            stage = "customer"
        # Leads came in over the last weeks, so the KPIs have new leads to show.
        days_ago = 2 + index if stage == "lead" else FIRST_ADDED_DAYS_AGO - 7 * index
        session.now = started - timedelta(days=days_ago, hours=index % 5)
        record = add_contact(
            session,
            ContactInput(
                name=name,
                emails=[f"{local}@{domain}"],
                phones=[demo_phone(name, country)],
                company=str(company_ids[company]) if company is not None else None,
                title=title,
                lifecycle_stage=stage,
                source=source,
                owner=rng.choice(owners),
                country=country,
                timezone=tz,
                language=lang,
                birthday=birthday,
                tags=demo_tags(rng.sample(TAGS, k=rng.randint(0, 2))),
                fields={"users": str(rng.choice([5, 12, 30, 60, 100, 250]))},
            ),
        )
        ids.append(int(record["id"]))
    session.now = started
    return ids


def churn_lost_customers(session: Session, contact_ids: list[int], started: datetime) -> None:
    """The churned people of the list leave CHURNED_DAYS_AGO, after their last deal was lost."""
    from datetime import timedelta

    from crmcli.services.contacts import set_stage

    try:
        for index, person in enumerate(PEOPLE):
            if person[3] == "churned":
                session.now = started - timedelta(days=CHURNED_DAYS_AGO, hours=index % 5)
                set_stage(session, contact_ids[index], "churned", reason="price")
    finally:
        session.now = started


# Seed 004's routing and the support queues, as a team would write them. Service levels
# are the user's (or the defaults), copied into the demo's config with the rest.
DEMO_ROUTING: dict[str, Any] = {
    "queues": {
        "first-line": {"description": "Everyday questions", "members": ["mei"], "escalate_to": "second-line"},
        "second-line": {"description": "Specialists", "members": ["daniel"]},
    },
    "rules": [
        {"name": "Big leads to Karin", "on": "lead.created",
         "when": {"field": "users", "op": ">", "value": 50}, "assign": "karin"},
        {"name": "Other leads to Alan", "on": "lead.created", "assign": "alan"},
        {"name": "Big conversions to Daniel", "on": "lead.converted",
         "when": {"field": "users", "op": ">=", "value": 50}, "assign": "daniel"},
        {"name": "Urgent and VIP cases to second line", "on": "case.opened",
         "when": {"any": [{"field": "priority", "op": ">=", "value": "high"},
                          {"field": "tags", "op": "contains", "value": "vip"}]},
         "queue": "second-line", "assign_least_busy": {"queue": "second-line"}},
        {"name": "Everything else to first line", "on": "case.opened",
         "assign_round_robin": {"queue": "first-line"}},
        {"name": "Breaches go to Daniel", "on": "case.sla_breached", "escalate": True, "assign": "daniel"},
    ],
}  # fmt: skip

# contact index, subject, priority, channel, hours ago it was opened, then (hours after
# opening, step, text): replies, waits on the customer, resolutions.
DEMO_CASES: list[tuple[int, str, str, str, int, list[tuple[float, str, str]]]] = [
    (0, "Invoice export to PDF times out", "high", "email", 50,
     [(1, "reply", "We can reproduce it; a fix is on its way."), (20, "resolve", "Fixed in 4.2.1.")]),
    (1, "Two more user licences", "low", "web", 6, []),
    (5, "Production dashboard is down", "urgent", "phone", 9,
     [(2.5, "reply", "Restarting the collector; logs are with second line.")]),
    (7, "Доступ для нового бухгалтера", "normal", "chat", 30,
     [(3, "reply", "Надішліть, будь ласка, e-mail бухгалтера."), (3, "pending", "")]),
    (11, "Booking widget shows the wrong currency", "normal", "web", 100, []),
    (9, "试用账户无法登录", "high", "email", 2, [(0.5, "reply", "已重置密码，请再试一次。")]),
    (3, "Question about the API rate limit", "normal", "email", 70,
     [(4, "reply", "The limit is 600 requests a minute."), (5, "resolve", ""), (30, "close", "")]),
]  # fmt: skip


def seed_cases(session: Session, rng: random.Random, contact_ids: list[int]) -> list[int]:
    """Support cases in every state, opened hours or days ago, some of them breaching."""
    from datetime import timedelta

    from crmcli.services import cases

    started = session.now
    ids: list[int] = []
    try:
        for index, subject, priority, channel, hours_ago, steps in DEMO_CASES:
            opened = started - timedelta(hours=hours_ago)
            session.now = opened
            case_id = int(cases.open_case(session, contact_ids[index], subject, priority=priority,
                                          channel=channel)["id"])  # fmt: skip
            for after, step, text in steps:
                session.now = opened + timedelta(hours=after, minutes=rng.randint(0, 9))
                if step == "reply":
                    cases.reply(session, case_id, text)
                elif step == "pending":
                    cases.set_pending(session, case_id, text or None)
                elif step == "resolve":
                    cases.resolve(session, case_id, text or None)
                else:
                    cases.close(session, case_id, text or None)
            ids.append(case_id)
    finally:
        session.now = started
    return ids


# What a sales team writes down: (kind, note, outcome, direction, minutes).
Touch = tuple[str, str, str | None, str | None, int | None]
# Touches with someone who is not a customer yet: finding out, showing, pricing.
DEMO_TOUCHES: list[Touch] = [
    ("call", "Discovery call: they track deliveries in spreadsheets", "interested", "out", 25),
    ("email", "Sent the pricing sheet and two customer stories", None, "out", None),
    ("meeting", "Demo of the dashboard with their operations team", "wants a trial", None, 60),
    ("note", "Prefers e-mail to phone; decisions are made on Thursdays", None, None, None),
    ("message", "LinkedIn: congratulated them on the new warehouse", None, "out", None),
    ("note", "Budget for next year is approved in October", None, None, None),
]  # fmt: skip
# Touches with a customer, after their first deal was won: service, reviews, renewals.
DEMO_CUSTOMER_TOUCHES: list[Touch] = [
    ("call", "Tried to reach them about the renewal", "no answer", "out", None),
    ("call", "They called about the invoice layout", "solved", "in", 10),
    ("email", "Asked for a quote for 40 more seats", None, "in", None),
    ("meeting", "Quarterly review: usage up 30%, asked about the API", "upsell chance", None, 45),
    ("message", "LinkedIn: congratulated them on the new warehouse", None, "out", None),
    ("note", "Budget for next year is approved in October", None, None, None),
]  # fmt: skip


def customer_days_ago() -> dict[int, int]:
    """For each person (by index) who is or was a customer, how many days before the demo
    they became one: when their first deal was won, as seed_deals wins it, or else when
    they were added (seed_contacts adds them as customers). A touch after it is a customer's."""
    became: dict[int, int] = {}
    for index, _, _, _, opened, _, outcome, _ in DEMO_DEALS:
        if outcome == "won":
            became[index] = max(became.get(index, 0), opened // 4)
    for index, person in enumerate(PEOPLE):
        if person[3] in ("customer", "churned") and index not in became:
            became[index] = FIRST_ADDED_DAYS_AGO - 7 * index
    return became


# Notes in the contact's own language, for the people who write to us in it.
# Notes in the person's own language, before they are a customer and after.
DEMO_LOCAL_NOTES = {
    "da": ("email", "Sendte tilbud på integration med deres ERP", None, "out", None),
    "zh-Hans": ("meeting", "演示了仪表板，他们需要中文版报表", "wants a trial", None, 40),
}
DEMO_LOCAL_CUSTOMER_NOTES = {
    "uk": ("call", "Обговорили продовження контракту на наступний рік", "interested", "out", 20),
    "zh-Hans": ("meeting", "讨论了续约事宜，需要中文版报表", "follow up", None, 40),
    "sv": ("call", "Pratade om utbildning för nya medarbetare", "interested", "out", 15),
    "nb": ("note", "Ønsker faktura på nynorsk", None, None, None),
}
# Open follow-ups: (contact index, kind, what, hours from now it is due).
DEMO_FOLLOW_UPS = [
    (0, "task", "Send the renewal proposal", -30),
    (2, "call", "Call back about the integration quote", -3),
    (4, "email", "Send the trial licence", 2),
    (9, "call", "Follow up the trial in Shanghai", 5),
    (5, "meeting", "Review the dashboard incident with Björn", 26),
    (7, "call", "Check the new accountant has access", 50),
    (13, "task", "Prepare the data-lead workshop", 75),
    (14, "call", "Ask about the second office", 150),
]


def seed_activities(session: Session, rng: random.Random, contact_ids: list[int]) -> list[int]:
    """A few months of touches per contact, done follow-ups among them, and open ones
    overdue, due today and in the coming days; some customers left untouched for weeks."""
    from datetime import timedelta

    from crmcli.services.activities import ActivityInput, complete, log_activity
    from crmcli.services.contacts import get_contact

    started = session.now
    became_customer = customer_days_ago()
    ids: list[int] = []
    try:
        for index, contact_id in enumerate(contact_ids):
            contact = get_contact(session.db, contact_id)
            # Every fourth person has not been touched for six weeks or more.
            newest = rng.randint(42, 70) if index % 4 == 3 else rng.randint(0, 12)
            moments = sorted({newest + rng.randint(0, 100) for _ in range(rng.randint(1, 5))} | {newest},
                             reverse=True)  # fmt: skip
            written_locally: set[Touch] = set()
            for days_ago in moments:
                customer = days_ago < became_customer.get(index, -1)
                kind, note, outcome, direction, minutes = rng.choice(
                    DEMO_CUSTOMER_TOUCHES if customer else DEMO_TOUCHES
                )
                local = DEMO_LOCAL_CUSTOMER_NOTES if customer else DEMO_LOCAL_NOTES
                if contact.get("language") in local and rng.random() < 0.4:
                    local_note = local[contact["language"]]
                    if local_note not in written_locally:  # a note says a thing once
                        written_locally.add(local_note)
                        kind, note, outcome, direction, minutes = local_note
                session.now = _office_hours(started, days_ago, rng)
                duration = f"{minutes}m" if minutes else None
                data = ActivityInput(kind=kind, note=note, outcome=outcome, direction=direction,
                                     duration=duration, owner=contact["owner"])  # fmt: skip
                ids.append(int(log_activity(session, data, contact_id=contact_id)["id"]))
            if index % 3 == 0:  # a follow-up that was planned and done
                session.now = started - timedelta(days=newest + 9)
                due = (started - timedelta(days=newest + 2)).strftime("%Y-%m-%dT%H:%M:00Z")
                onboarded = newest + 9 < became_customer.get(index, -1)
                what, result = ("Check in after onboarding", "happy so far") if onboarded else (
                    "Follow up on the demo", "wants a proposal")  # fmt: skip
                planned = log_activity(session, ActivityInput(kind="call", note=what,
                                       due=due, owner=contact["owner"]), contact_id=contact_id)  # fmt: skip
                session.now = _office_hours(started, newest + 2, rng)
                complete(session, int(planned["id"]), outcome=result)
                ids.append(int(planned["id"]))
        session.now = started
        for index, kind, what, hours in DEMO_FOLLOW_UPS:
            session.now = started - timedelta(days=rng.randint(1, 6))
            due = (started + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:00:00Z")
            contact = get_contact(session.db, contact_ids[index])
            data = ActivityInput(kind=kind, note=what, due=due, owner=contact["owner"])
            record = log_activity(session, data, contact_id=contact_ids[index])
            ids.append(int(record["id"]))
    finally:
        session.now = started
    return ids


def _office_hours(now: datetime, days_ago: int, rng: random.Random) -> datetime:
    """A moment `days_ago` days before `now`, in Nordic office hours, never after `now`."""
    from datetime import UTC, time, timedelta

    day = now.date() - timedelta(days=days_ago)
    moment = datetime.combine(day, time(7 + rng.randint(0, 8), rng.choice((0, 10, 20, 30, 40, 50))), UTC)
    return min(moment, now - timedelta(minutes=rng.randint(5, 90)))


# One unit of each demo currency in EUR (early 2026); the demo converts at these.
DEMO_RATES: dict[str, str] = {"NOK": "0.086", "SEK": "0.087", "DKK": "0.134", "USD": "0.92", "CNY": "0.127"}

# contact index, title, amount, kind, days ago it was opened, the stages it moved through,
# how it ended (None: still open, "won", or a lost reason), expected close in days (open).
DEMO_DEALS: list[tuple[int, str, str, str, int, list[str], str | None, int | None]] = [
    (0, "Fleet tracking, 120 vehicles", "480 000 NOK", "new", 210,
     ["needs-analysis", "proposal", "negotiation"], "won", None),
    (0, "40 more seats", "96 000 NOK", "upsell", 25, ["needs-analysis", "proposal"], None, 20),
    (1, "Invoice automation add-on", "45 000 NOK", "cross-sell", 40, ["proposal", "negotiation"], None, 10),
    (1, "Training day for the finance team", "18 000 NOK", "cross-sell", 50, [], "no budget", None),
    (2, "Production planning suite", "350 000 DKK", "new", 30, ["needs-analysis"], None, 45),
    (2, "Quality inspection module", "120 000 DKK", "cross-sell", 90, ["needs-analysis", "proposal"],
     "competitor", None),
    (5, "Dashboard platform", "1 200 000 SEK", "new", 300, ["needs-analysis", "proposal", "negotiation"],
     "won", None),
    (5, "Second plant roll-out", "300 000 SEK", "upsell", 35, ["needs-analysis", "proposal"], None, 30),
    (7, "Barista app for 12 cafés", "24 000 USD", "new", 150, ["proposal", "negotiation"], "won", None),
    (9, "Cloud migration", "1 500 000 CNY", "new", 70, ["needs-analysis", "proposal", "negotiation"],
     None, 25),
    (9, "Chinese-language reports", "80 000 CNY", "cross-sell", 20, ["needs-analysis"], None, 75),
    (11, "Booking widget", "85 000 SEK", "new", 100, ["proposal"], "won", None),
    (11, "Multi-currency checkout", "60 000 SEK", "upsell", 8, [], None, 60),
    (12, "Renewal 2026", "60 000 NOK", "upsell", 80, ["negotiation"], "price", None),
    (14, "Data pipeline pilot", "15 000 USD", "new", 12, [], None, 50),
    (15, "Partner referral programme", "12 000 EUR", "new", 15, ["needs-analysis"], None, 35),
]  # fmt: skip


def demo_deal_settings(user_base: str) -> dict[str, Any]:
    """The demo's pipeline, lost reasons and rates. The rates are in EUR, so the demo counts
    in EUR unless the user's base currency is one of the demo's (then they are re-expressed
    in it, to six significant digits: a demo figure, not a rate to trade at)."""
    from decimal import Context, Decimal

    from crmcli.config import DEFAULTS

    settings: dict[str, Any] = {"pipelines": DEFAULTS["pipelines"], "lost_reasons": DEFAULTS["lost_reasons"]}
    in_eur = {**DEMO_RATES, "EUR": "1"}
    base = user_base if user_base in in_eur else "EUR"
    six = Context(prec=6)
    rates = {code: str(six.divide(Decimal(rate), Decimal(in_eur[base])))
             for code, rate in in_eur.items() if code != base}  # fmt: skip
    return {**settings, "base_currency": base, "currencies": {"rates": rates}}


def seed_deals(session: Session, rng: random.Random, contact_ids: list[int]) -> list[int]:
    """Deals in several currencies at every stage, some won and some lost, opened weeks or
    months ago and moved along since, each change at its own time."""
    from datetime import timedelta

    from crmcli.services.contacts import get_contact
    from crmcli.services.deals import DealInput, add_deal, lose_deal, move_deal, win_deal

    started = session.now
    ids: list[int] = []
    try:
        for index, title, amount, kind, opened, path, outcome, close_in in DEMO_DEALS:
            contact = get_contact(session.db, contact_ids[index])
            ended = opened // 4  # days ago it was closed, or last moved
            close = (started.date() + timedelta(days=close_in)).isoformat() if close_in else None
            session.now = started - timedelta(days=opened, minutes=rng.randint(0, 600))
            data = DealInput(title=title, contact_id=contact["id"], amount=amount, kind=kind, close=close,
                             owner=contact["owner"])  # fmt: skip
            deal = add_deal(session, data)
            steps = len(path) + (1 if outcome else 0)
            for number, stage in enumerate(path, start=1):
                session.now = started - timedelta(days=opened - (opened - ended) * number // steps,
                                                  minutes=rng.randint(0, 600))  # fmt: skip
                move_deal(session, deal["id"], stage)
            session.now = started - timedelta(days=ended, minutes=rng.randint(0, 600))
            if outcome == "won":
                win_deal(session, deal["id"])
            elif outcome:
                lose_deal(session, deal["id"], outcome)
            ids.append(int(deal["id"]))
    finally:
        session.now = started
    return ids


# What customers answer: NPS surveys (mostly promoters, a few detractors) and CSAT after a
# case, some with a comment in their own language.
DEMO_NPS = [10, 10, 9, 9, 9, 8, 8, 7, 6, 3]
DEMO_COMMENTS = {
    "nb": "Rask og hyggelig support.", "sv": "Bra produkt, men rapporterna kunde vara snabbare.",
    "da": "Nem at komme i gang med.", "uk": "Дуже зручно, дякуємо!", "zh-Hans": "希望有更多中文文档。",
    None: "Does what we need.",
}  # fmt: skip


def seed_feedback(session: Session, rng: random.Random, contact_ids: list[int]) -> list[int]:
    """NPS answers from customers and opportunities over the last two months, and a CSAT
    answer for most resolved cases, a few hours after they were resolved."""
    from datetime import timedelta

    from crmcli.clock import from_iso
    from crmcli.services.cases import list_cases
    from crmcli.services.contacts import get_contact
    from crmcli.services.feedback import add_feedback

    started = session.now
    ids: list[int] = []
    try:
        for contact_id in contact_ids:
            contact = get_contact(session.db, contact_id)
            if contact["lifecycle_stage"] not in ("customer", "opportunity", "churned"):
                continue
            for _ in range(rng.randint(1, 2)):
                session.now = started - timedelta(days=rng.randint(1, 59), hours=rng.randint(0, 8))
                score = rng.choice(DEMO_NPS) if contact["lifecycle_stage"] != "churned" else rng.randint(2, 6)
                comment = DEMO_COMMENTS.get(contact.get("language")) if rng.random() < 0.4 else None
                ids.append(int(add_feedback(session, contact_id, nps=score, comment=comment)["id"]))
        for case in list_cases(session.db, statuses=("resolved", "closed")):
            stamp = case.get("resolved_at") or case.get("closed_at")
            if not stamp or case.get("contact_id") is None or rng.random() < 0.2:
                continue
            answered = from_iso(stamp) + timedelta(hours=rng.randint(1, 20))
            session.now = min(answered, started - timedelta(minutes=rng.randint(5, 60)))
            score = rng.choice([5, 5, 4, 4, 3, 2])
            ids.append(int(add_feedback(session, case["contact_id"], csat=score, case_id=case["id"])["id"]))
    finally:
        session.now = started
    return ids
