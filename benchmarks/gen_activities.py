"""A seeded database for the activity benchmarks: 100k contacts, 1M activities.

    .venv/bin/python benchmarks/gen_activities.py [--contacts 100000] [--activities 1000000]

Starts from the contacts database of benchmarks/common.py (companies, e-mails, tags,
search rows), then gives it what the agenda and the 360° view read: a team of eight
owners, time zones, birthdays for one contact in ten, customer_since for customers, and
three years of activities written with executemany through a database made by open_db
(so the schema, its indexes and the last-touch triggers are the real ones, and every
note is in the search index). About one activity in twenty is a follow-up; those still
open are spread over the month behind and the two months ahead of `NOW`. One contact in
five has no activity at all, as a file has after an import of people nobody has called
yet: keep-in-touch counts those from their creation.

Everything is relative to the fixed moment NOW, so the figures do not drift with the
calendar: time `crm agenda --as-of` that moment. The file is built once and kept under
benchmarks/data/ (git-ignored), named after the sizes and the schema version.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import DATA, build_contacts_db

from crmcli.clock import to_iso
from crmcli.services.contacts import searchable
from crmcli.storage.db import open_db
from crmcli.storage.schema import SCHEMA_VERSION

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
TEAM = ["ada", "alan", "karin", "daniel", "mei", "ola", "sofie", "lars"]
ZONES = ["Europe/Oslo", "Europe/Stockholm", "Europe/Copenhagen", "Europe/Kyiv", "Asia/Shanghai",
         "America/New_York", "Europe/London", None]  # fmt: skip
KINDS = [("email", 35), ("call", 25), ("note", 15), ("meeting", 10), ("message", 10), ("task", 5)]
NOTES = [
    "Discussed the renewal and the new price list", "Sent the pricing sheet and two customer stories",
    "They asked about the API rate limit", "Demo of the dashboard with the operations team",
    "Left a voicemail about the invoice", "Quarterly review: usage is up",
    "Intro call, referred by a customer",
    "Обговорили продовження контракту", "讨论了续约事宜", "Sendte tilbud på integration",
    "Pratade om utbildning för nya medarbetare", "Ønsker faktura på nynorsk",
]  # fmt: skip
TO_DO = ["Send the proposal", "Call back about the quote", "Check how the trial goes", "Book a review"]
OUTCOMES = [None, None, None, "interested", "no answer", "call back", "not now", "signed"]
YEARS = 3
NEVER_TOUCHED = 0.2


def database_path(contacts: int, activities: int) -> Path:
    return DATA / f"activities-{contacts}-{activities}-v{SCHEMA_VERSION}.db"


def build(contacts: int, activities: int, seed: int = 11) -> Path:
    path = database_path(contacts, activities)
    if path.exists():
        return path
    started = time.perf_counter()
    base = build_contacts_db(DATA / f"startup-{contacts}-v{SCHEMA_VERSION}.db", contacts)
    tmp = path.with_suffix(".tmp")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, tmp)
    rng = random.Random(seed)
    db = open_db(tmp)
    db.execute("PRAGMA synchronous = OFF")  # a throw-away build: no need to survive a power cut
    with db.transaction():
        people = _people(db, rng, contacts)
        _activities(db, rng, people, activities)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.close()
    tmp.rename(path)
    print(f"built {path} in {time.perf_counter() - started:.0f} s")
    return path


def _people(db, rng: random.Random, contacts: int) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """Owners, time zones, birthdays and customer dates; returns (id, owner) of everyone
    who has activities: all but the never-touched."""
    rows = db.rows("SELECT id, lifecycle_stage FROM contacts ORDER BY id")
    updates = []
    people = []
    for row in rows:
        owner = rng.choice(TEAM)
        birthday = None
        if rng.random() < 0.1:
            birthday = f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        since = None
        if row["lifecycle_stage"] in ("customer", "churned"):
            since = to_iso(NOW - timedelta(days=rng.randint(30, 365 * YEARS), hours=rng.randint(0, 23)))
        created = to_iso(NOW - timedelta(days=365 * YEARS + rng.randint(0, 200)))
        updates.append((owner, rng.choice(ZONES), birthday, since, created, created, row["id"]))
        if rng.random() >= NEVER_TOUCHED:
            people.append((row["id"], owner))
    db.executemany(
        "UPDATE contacts SET owner = ?, timezone = ?, birthday = ?, customer_since = ?, created_at = ?, "
        "updated_at = ? WHERE id = ?",
        updates,
    )
    return people


def _activities(db, rng: random.Random, people: list[tuple[int, str]], count: int) -> None:  # type: ignore[no-untyped-def]
    company_of = dict(db.execute("SELECT id, company_id FROM contacts").fetchall())
    kinds = [k for k, weight in KINDS for _ in range(weight)]
    span = YEARS * 365 * 24 * 3600
    moments = sorted(int(span * (1 - rng.random() ** 1.6)) for _ in range(count))  # more recent, more often
    batch: list[tuple] = []
    notes: list[tuple[int, str]] = []
    ids = itertools.count(1)

    def add(kind: str, contact_id: int, owner: str, note: str, at: datetime, **extra: object) -> None:
        uid = uuid.UUID(int=rng.getrandbits(128)).hex
        minutes = rng.choice([None, 15, 30, 45, 60]) if kind in ("call", "meeting") else None
        direction = rng.choice(["in", "out"]) if kind in ("call", "email", "message") else None
        stamp = to_iso(at)
        activity_id = next(ids)
        batch.append((activity_id, uid, kind, contact_id, company_of[contact_id], note, stamp, minutes,
                      direction, extra.get("outcome"), extra.get("due"), extra.get("done"), owner, stamp,
                      stamp))  # fmt: skip
        notes.append((activity_id, searchable(note)))
        if len(batch) == 50_000:
            _flush(db, batch, notes)

    for offset in moments:
        contact_id, owner = rng.choice(people)
        at = NOW - timedelta(seconds=span - offset)
        kind = rng.choice(kinds)
        due = done = None
        if kind == "task" or rng.random() < 0.01:
            due_moment = at + timedelta(days=rng.randint(1, 14))
            due = to_iso(due_moment)
            if due_moment < NOW:
                done_moment = max(at, due_moment + timedelta(hours=rng.randint(-48, 24)))
                done, at = to_iso(done_moment), min(NOW, done_moment)
        add(kind, contact_id, owner, rng.choice(NOTES), at, outcome=rng.choice(OUTCOMES), due=due, done=done)
    # The follow-ups still open: some overdue, the rest due over the next two months.
    for _ in range(1_500):
        contact_id, owner = rng.choice(people)
        due_moment = NOW + timedelta(hours=rng.randint(-30 * 24, 60 * 24))
        note = rng.choice(TO_DO)
        created = min(due_moment, NOW) - timedelta(days=rng.randint(1, 20))
        add(rng.choice(["call", "task", "email"]), contact_id, owner, note, created,
            due=to_iso(due_moment.replace(minute=0, second=0)))  # fmt: skip
    _flush(db, batch, notes)


def _flush(db, batch: list[tuple], notes: list[tuple[int, str]]) -> None:  # type: ignore[no-untyped-def]
    db.executemany(
        "INSERT INTO activities (id, uid, kind, contact_id, company_id, note, at, duration_min, direction, "
        "outcome, due_at, done_at, owner, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        batch,
    )
    db.executemany("INSERT INTO activities_fts (rowid, text) VALUES (?, ?)", notes)
    batch.clear()
    notes.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    args = parser.parse_args()
    print(build(args.contacts, args.activities))


if __name__ == "__main__":
    main()
