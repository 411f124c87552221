"""`crm kpi` and `crm report` on a large file: 1M contacts, 2M activities, 100k deals, 50k cases.

    .venv/bin/python benchmarks/kpi.py [--runs 11] [--scale 1.0]

Builds (once, seeded) a database through open_db, so the schema, its indexes and the
last-touch triggers are the real ones, and fills it with executemany: two years of
history before the fixed moment NOW, with the lifecycle changes, stage changes, case
events, SLA breaches and feedback the KPIs read. Contacts carry what the KPIs need
(stage, owner, source, customer and churn dates), not e-mail addresses or search rows.
No ANALYZE is run: the figures are those of a file as crm leaves it.

Prints the median wall time of each command with stdout piped, against `crm --version`
measured in the same run. Target: under 1 s each. The file is kept under
benchmarks/data/ (git-ignored), named after the sizes and the schema version.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import DATA, FIRST, LAST, crm_command, medians_ms

from crmcli.clock import to_iso
from crmcli.storage.db import open_db
from crmcli.storage.schema import SCHEMA_VERSION
from crmcli.validate import fold

NOW = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # a Monday morning, when cron mails the report
DAYS = 730
TEAM = ["ada", "alan", "karin", "daniel", "mei", "ola", "sofie", "lars"]
SOURCES = ["web form", "cold call", "event", "newsletter", "referral", "partner"]
CURRENCIES = [("EUR", 50), ("SEK", 20), ("NOK", 15), ("USD", 10), ("JPY", 5)]
PIPELINES = {"sales": ["qualification", "needs-analysis", "proposal", "negotiation"],
             "renewals": ["due", "offer", "agreed"]}  # fmt: skip
PRIORITIES = [("low", 20), ("normal", 55), ("high", 20), ("urgent", 5)]
KINDS = [("email", 35), ("call", 25), ("note", 15), ("meeting", 10), ("message", 10), ("task", 5)]
LOST = ["price", "competitor", "no budget", "no decision", "timing", "product fit"]

CONFIG = """\
timezone = "Europe/Oslo"
base_currency = "EUR"

[currencies]
rates = { SEK = "0.087", NOK = "0.085", USD = "0.92", JPY = "0.0061" }

[[pipelines]]
name = "sales"
stages = [{ name = "qualification", probability = 10 }, { name = "needs-analysis", probability = 25 },
          { name = "proposal", probability = 50 }, { name = "negotiation", probability = 75 }]

[[pipelines]]
name = "renewals"
stages = [{ name = "due", probability = 60 }, { name = "offer", probability = 80 },
          { name = "agreed", probability = 95 }]
""" + "".join(f'\n[[team]]\nhandle = "{handle}"\n' for handle in TEAM)


def database_path(scale: float) -> Path:
    return DATA / f"kpi-{scale:g}-v{SCHEMA_VERSION}.db"


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def moment(rng: random.Random, days_before: float = DAYS) -> datetime:
    """A moment in the `days_before` days before NOW, in office hours more often than not."""
    at = NOW - timedelta(seconds=rng.random() * days_before * 86400)
    if rng.random() < 0.8:
        at = at.replace(hour=rng.randint(6, 15), minute=rng.randint(0, 59))
    return min(at, NOW - timedelta(minutes=1))


def build(scale: float, seed: int = 2026) -> Path:
    path = database_path(scale)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tmp = path.with_suffix(".tmp")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    db = open_db(tmp)
    db.execute("PRAGMA synchronous = OFF")  # a throw-away build: no need to survive a power cut
    with db.transaction():
        customers = contacts(db, rng, int(1_000_000 * scale))
        deals(db, rng, int(100_000 * scale), customers)
        cases(db, rng, int(50_000 * scale), customers)
        feedback(db, rng, int(30_000 * scale), customers)
        activities(db, rng, int(2_000_000 * scale), int(1_000_000 * scale))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    tmp.rename(path)
    print(f"built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def _uid(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128)).hex


def contacts(db, rng: random.Random, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """People over three years: leads, some converted, customers, some of whom churned."""
    rows, changes, customers = [], [], []
    for contact_id in range(1, count + 1):
        created = moment(rng, DAYS + 365)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {contact_id}"
        stage, since, churned = "lead", None, None
        changes.append((contact_id, None, "lead", to_iso(created)))
        roll = rng.random()
        if roll < 0.45:
            converted = created + timedelta(days=rng.randint(1, 90))
            if converted < NOW:
                stage = "opportunity"
                changes.append((contact_id, "lead", "opportunity", to_iso(converted)))
                if roll < 0.25:
                    won = converted + timedelta(days=rng.randint(5, 120))
                    if won < NOW:
                        stage, since = "customer", to_iso(won)
                        changes.append((contact_id, "opportunity", "customer", since))
                        customers.append(contact_id)
                        left = won + timedelta(days=rng.randint(30, 900))
                        if rng.random() < 0.3 and left < NOW:
                            stage, churned = "churned", to_iso(left)
                            changes.append((contact_id, "customer", "churned", churned))
        source = rng.choice(SOURCES)
        referred = rng.randint(1, contact_id - 1) if source == "referral" and contact_id > 1 else None
        stamp = to_iso(created)
        rows.append((contact_id, _uid(rng), name, stage, source, referred, rng.choice(TEAM), fold(name),
                     since, churned, stamp, stamp))  # fmt: skip
        if len(rows) == 100_000:
            _contacts(db, rows, changes)
    _contacts(db, rows, changes)
    return customers


def _contacts(db, rows: list[tuple], changes: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    db.executemany(
        "INSERT INTO contacts (id, uid, name, lifecycle_stage, source, referred_by, owner, sort_key, "
        "customer_since, churned_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    db.executemany(
        "INSERT INTO lifecycle_changes (contact_id, from_stage, to_stage, at, actor) VALUES (?,?,?,?,'ada')",
        changes,
    )
    rows.clear()
    changes.clear()


def deals(db, rng: random.Random, count: int, customers: list[int]) -> None:  # type: ignore[no-untyped-def]
    rows, changes = [], []
    for deal_id in range(1, count + 1):
        pipeline = "sales" if rng.random() < 0.8 else "renewals"
        stages = PIPELINES[pipeline]
        created = moment(rng)
        currency = weighted(rng, CURRENCIES)
        amount = rng.randint(5, 500) * (1000 if currency == "JPY" else 100) * 100
        if currency == "JPY":
            amount //= 100
        at, stage = created, stages[0]
        changes.append((deal_id, pipeline, None, stage, to_iso(at)))
        for next_stage in stages[1 : rng.randint(1, len(stages))]:
            at += timedelta(days=rng.randint(1, 30))
            if at >= NOW:
                break
            changes.append((deal_id, pipeline, stage, next_stage, to_iso(at)))
            stage = next_stage
        status, won_at, lost_at, reason = "open", None, None, None
        closed = at + timedelta(days=rng.randint(1, 60))
        roll = rng.random()
        if closed < NOW and roll < 0.65:
            status = "won" if roll < 0.3 else "lost"
            changes.append((deal_id, pipeline, stage, status, to_iso(closed)))
            stage = status
            if status == "won":
                won_at = to_iso(closed)
            else:
                lost_at, reason = to_iso(closed), rng.choice(LOST)
        rows.append((deal_id, _uid(rng), f"Deal {deal_id}", rng.choice(customers), pipeline, stage, status,
                     amount, currency, rng.choice(TEAM), reason, won_at, lost_at, changes[-1][4],
                     to_iso(created), changes[-1][4]))  # fmt: skip
    db.executemany(
        "INSERT INTO deals (id, uid, title, contact_id, pipeline, stage, status, amount_minor, currency, "
        "owner, lost_reason, won_at, lost_at, stage_entered_at, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    db.executemany(
        "INSERT INTO deal_stage_changes (deal_id, pipeline, from_stage, to_stage, at, actor) "
        "VALUES (?,?,?,?,?,'ada')",
        changes,
    )


def cases(db, rng: random.Random, count: int, customers: list[int]) -> None:  # type: ignore[no-untyped-def]
    rows, events, breaches = [], [], []
    for case_id in range(1, count + 1):
        opened = moment(rng)
        priority = weighted(rng, PRIORITIES)
        status, first, resolved = "new", None, None
        events.append((case_id, to_iso(opened), "status", None, "new"))
        answer = opened + timedelta(minutes=rng.randint(5, 3 * 24 * 60))
        if answer < NOW and rng.random() < 0.95:
            status, first = "open", to_iso(answer)
            events.append((case_id, first, "status", "new", "open"))
            if rng.random() < 0.2:
                waiting = answer + timedelta(hours=rng.randint(1, 48))
                if waiting < NOW:
                    events.append((case_id, to_iso(waiting), "status", "open", "pending"))
                    back = waiting + timedelta(hours=rng.randint(1, 72))
                    if back < NOW:
                        events.append((case_id, to_iso(back), "status", "pending", "open"))
                        answer = back
            done = answer + timedelta(minutes=rng.randint(10, 10 * 24 * 60))
            if done < NOW and rng.random() < 0.95:
                status, resolved = "resolved", to_iso(done)
                events.append((case_id, resolved, "status", "open", "resolved"))
        if rng.random() < 0.1:
            due = opened + timedelta(hours=rng.randint(1, 72))
            if due < NOW:
                breaches.append((case_id, "resolution", to_iso(due), to_iso(due + timedelta(hours=1))))
        rows.append((case_id, _uid(rng), rng.choice(customers), f"Case {case_id}", priority, status,
                     "first-line", rng.choice(TEAM), to_iso(opened), first, resolved, to_iso(opened),
                     resolved or first or to_iso(opened)))  # fmt: skip
    db.executemany(
        "INSERT INTO cases (id, uid, contact_id, subject, priority, status, queue, owner, opened_at, "
        "first_response_at, resolved_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    db.executemany(
        "INSERT INTO case_events (case_id, at, actor, kind, from_value, to_value) VALUES (?,?,'mei',?,?,?)",
        events,
    )
    db.executemany(
        "INSERT INTO sla_breaches (case_id, target, due_at, breached_at) VALUES (?,?,?,?)", breaches
    )


def feedback(db, rng: random.Random, count: int, customers: list[int]) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for _ in range(count):
        kind = "nps" if rng.random() < 0.6 else "csat"
        score = rng.randint(0, 10) if kind == "nps" else rng.randint(1, 5)
        rows.append((_uid(rng), rng.choice(customers), kind, score, to_iso(moment(rng)), "ada"))
    db.executemany(
        "INSERT INTO feedback (uid, contact_id, kind, score, at, created_by) VALUES (?,?,?,?,?,?)", rows
    )


def activities(db, rng: random.Random, count: int, people: int) -> None:  # type: ignore[no-untyped-def]
    """Two years of touches, one in twenty a follow-up (most done, some still open)."""
    kinds = [k for k, weight in KINDS for _ in range(weight)]

    def rows() -> Iterator[tuple]:
        for _ in range(count):
            at = moment(rng)
            kind = rng.choice(kinds)
            due = done = None
            if kind == "task":
                due_moment = at + timedelta(days=rng.randint(-5, 20))
                due = to_iso(due_moment)
                if due_moment < NOW - timedelta(days=3) or rng.random() < 0.3:
                    done_moment = min(NOW, at + timedelta(hours=rng.randint(1, 200)))
                    done, at = to_iso(done_moment), done_moment
            stamp = to_iso(at)
            yield (_uid(rng), kind, rng.randint(1, people), f"{kind} note", stamp, due, done,
                   rng.choice(TEAM), stamp, stamp)  # fmt: skip

    db.executemany(
        "INSERT INTO activities (uid, kind, contact_id, note, at, due_at, done_at, owner, created_at, "
        "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        rows(),
    )


def check(command: list[str], env: dict[str, str]) -> str:
    import os
    import subprocess

    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env})
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[:300]}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1M contacts, 2M activities …")
    args = parser.parse_args()

    db = build(args.scale)
    config = DATA / "kpi.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {"CRM_DB": str(db), "CRM_CONFIG": str(config), "NO_COLOR": "1", "CRM_USER": "ada", "TZ": "UTC"}
    crm = crm_command()
    last_30_days = ["--since", "2026-05-02", "--until", "2026-06-01"]  # "last 30 days" as of NOW
    commands = {
        "crm --version": [*crm, "--version"],
        "crm kpi (30 days)": [*crm, "kpi", *last_30_days],
        "crm kpi --json (30 days)": [*crm, "kpi", *last_30_days, "--json"],
        "crm kpi --period 2026-Q1": [*crm, "kpi", "--period", "2026-Q1"],
        "crm kpi --owner alan (30 d)": [*crm, "kpi", *last_30_days, "--owner", "alan"],
        "crm report weekly": [*crm, "report", "weekly", "--as-of", to_iso(NOW)],
        "crm report weekly --format html": [*crm, "report", "weekly", "--as-of", to_iso(NOW), "-f", "html"],
        "crm report monthly": [*crm, "report", "monthly", "--as-of", to_iso(NOW)],
    }
    shown = check(commands["crm kpi (30 days)"], env)
    figures = medians_ms(commands, args.runs, env)
    baseline = figures["crm --version"]
    print(f"database: {db.name} ({db.stat().st_size / 1e9:.1f} GB); {args.runs} runs each, medians")
    print(f"{'command':34} {'ms':>7} {'× --version':>12}  target < 1000 ms")
    for label, ms in figures.items():
        verdict = "" if label == "crm --version" else ("ok" if ms < 1000 else "OVER")
        print(f"{label:34} {ms:7.1f} {ms / baseline:12.2f}  {verdict}")
    print("\ncrm kpi, last 30 days before NOW:\n" + shown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
