"""A realistic, reproducible demo data set: a Nordic B2B software seller and its customers.

Seeded, so every run builds the same records; each feature adds its part here.
"""

from __future__ import annotations

import random
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
    ("Kari Nordmann", 0, "Head of Operations", "customer", "referral", "NO", "Europe/Oslo", "nb", "1984-03-14"),
    ("Ola Hansen", 0, "CFO", "customer", "event", "NO", "Europe/Oslo", "nb", None),
    ("Mette Østergaard", 1, "Owner", "opportunity", "cold call", "DK", "Europe/Copenhagen", "da", "1975-11-30"),
    ("Søren Kierkegaard", 1, "Production Lead", "lead", "newsletter", "DK", "Europe/Copenhagen", "da", None),
    ("Åsa Lindström", 2, "Purchasing Manager", "qualified", "web form", "SE", "Europe/Stockholm", "sv", "1990-06-02"),
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


def demo_config(base: Config) -> Config:
    """The demo runs with a team of four whatever the user's config says."""
    data = dict(base.data)
    data["team"] = DEMO_TEAM
    data.setdefault("base_currency", "EUR")
    data["user"] = "daniel"
    return Config(path=base.path, data=data, exists=base.exists)


DEMO_MARKER = "demo.database"


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
        counts["companies"] = len(company_ids)
        counts["contacts"] = len(contact_ids)
    return counts


def seed_companies(session: Session, rng: random.Random) -> list[int]:
    ids: list[int] = []
    owners = [m["handle"] for m in DEMO_TEAM if m["role"] != "support"]
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
                tags=rng.sample(TAGS, k=rng.randint(0, 2)),
            ),
        )
        ids.append(int(record["id"]))
    return ids


def seed_contacts(session: Session, rng: random.Random, company_ids: list[int]) -> list[int]:
    ids: list[int] = []
    owners = [m["handle"] for m in DEMO_TEAM if m["role"] != "support"]
    for name, company, title, stage, source, country, tz, lang, birthday in PEOPLE:
        local = name.split()[0].lower() if name.isascii() else f"contact{len(ids) + 1}"
        domain = COMPANIES[company][1] if company is not None else "example.org"
        record = add_contact(
            session,
            ContactInput(
                name=name,
                emails=[f"{local}@{domain}"],
                company=str(company_ids[company]) if company is not None else None,
                title=title,
                lifecycle_stage=stage,
                source=source,
                owner=rng.choice(owners),
                country=country,
                timezone=tz,
                language=lang,
                birthday=birthday,
                tags=rng.sample(TAGS, k=rng.randint(0, 2)),
                fields={"users": str(rng.choice([5, 12, 30, 60, 100, 250]))},
            ),
        )
        ids.append(int(record["id"]))
    return ids
