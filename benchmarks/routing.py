"""What routing rules and SLA checks cost, as ratios against a baseline measured in the same run.

    .venv/bin/python benchmarks/routing.py [--leads 500] [--cases 2000]

1. Adding leads (each fires lead.created) with no rules, with seed 004's three rules,
   and with 40 rules on the same event (the last one matching): the per-lead cost.
2. `sla check` over N open cases in business hours, against listing the same cases.
Data is generated with a fixed seed in a temporary folder and thrown away.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crmcli.config import Config
from crmcli.services import cases, sla
from crmcli.services.contacts import ContactInput, add_contact
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
"""

SEED_004 = (Path(__file__).parents[1] / "examples" / "routing.toml").read_text(encoding="utf-8")


def many_rules(count: int) -> str:
    """`count` rules on lead.created; only the last one matches every lead."""
    out = [TEAM]
    for n in range(count - 1):
        out.append(f"""
[[rules]]
name = "Rule {n}"
on = "lead.created"
when.all = [ {{ field = "users", op = ">", value = {100_000 + n} }},
             {{ field = "country", op = "in", value = ["NO", "SE", "DK"] }} ]
assign_round_robin = ["karin", "alan"]
""")
    out.append('\n[[rules]]\nname = "Catch all"\non = "lead.created"\nassign = "daniel"\n')
    return "".join(out)


def session_for(folder: Path, name: str, config_text: str, now: datetime | None = None) -> Session:
    config_path = folder / f"{name}.toml"
    config_path.write_text(config_text, encoding="utf-8")
    db = open_db(folder / f"{name}.db")
    return Session(db=db, config=Config.load(config_path), actor="bench", now=now or datetime.now(UTC))


def add_leads(session: Session, count: int, seed: int) -> float:
    rng = random.Random(seed)
    start = time.perf_counter()
    for n in range(count):
        users = str(rng.choice([5, 30, 60, 100, 250]))
        add_contact(session, ContactInput(name=f"Lead {n}", lifecycle_stage="lead", country="NO",
                                          fields={"users": users}))  # fmt: skip
    return time.perf_counter() - start


def bench_routing(folder: Path, leads: int) -> None:
    print(f"Adding {leads} leads (each fires lead.created):")
    baseline = add_leads(session_for(folder, "none", TEAM), leads, 1)
    print(f"  no rules            {1000 * baseline / leads:7.3f} ms a lead   1.00x")
    for label, text in (("seed 004 (3 rules)", SEED_004), ("40 rules", many_rules(40))):
        took = add_leads(session_for(folder, label.split()[0], text), leads, 1)
        print(f"  {label:<19} {1000 * took / leads:7.3f} ms a lead   {took / baseline:.2f}x")


def bench_sla(folder: Path, count: int) -> None:
    opened = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    session = session_for(folder, "sla", TEAM + '\n[business_hours]\ntimezone = "Europe/Oslo"\n'
                          'monday = "08:00-16:00"\ntuesday = "08:00-16:00"\nwednesday = "08:00-16:00"\n'
                          'thursday = "08:00-16:00"\nfriday = "08:00-16:00"\n', now=opened)  # fmt: skip
    rng = random.Random(2)
    contact = add_contact(session, ContactInput(name="Customer"))["id"]
    for n in range(count):
        session.now = opened + timedelta(hours=rng.randint(0, 24 * 60))
        case_id = cases.open_case(session, contact, f"Case {n}", priority=rng.choice(cases.PRIORITIES))["id"]
        if rng.random() < 0.3:
            session.now += timedelta(hours=rng.randint(1, 30))
            cases.reply(session, case_id, "On it", then_pending=rng.random() < 0.5)
    as_of = opened + timedelta(days=70)
    start = time.perf_counter()
    rows = cases.list_cases(session.db)
    listing = time.perf_counter() - start
    start = time.perf_counter()
    findings = sla.check_breaches(session, as_of)
    checking = time.perf_counter() - start
    start = time.perf_counter()
    sla.check_breaches(session, as_of)
    rerun = time.perf_counter() - start
    print(f"sla check over {len(rows)} open cases (business hours, Europe/Oslo):")
    print(f"  listing the cases   {1000 * listing:7.1f} ms         1.00x")
    print(
        f"  sla check, 1st run  {1000 * checking:7.1f} ms         {checking / listing:.1f}x"
        f"   ({len(findings)} breached or due soon, recorded and fired)"
    )
    print(f"  sla check, 2nd run  {1000 * rerun:7.1f} ms         {rerun / listing:.1f}x   (nothing new)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=500)
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        bench_routing(Path(tmp), args.leads)
        bench_sla(Path(tmp), args.cases)


if __name__ == "__main__":
    main()
