"""`crm contact duplicates` on 10k and 100k contacts, with seeded duplicates planted.

    .venv/bin/python benchmarks/duplicates.py [--contacts 10000 100000] [--runs 5]

The base file is common.build_contacts_db (a company for every 20 people); a copy gets
2% more contacts, each a planted duplicate of a random person: a one-letter typo in the
name at the same company, the same e-mail in another letter case, or the same phone
number. Prints the median wall time of the whole command (start-up included, JSON on a
pipe) and its CPU time (the figure to compare on a busy machine), the groups found, and
how many of the planted duplicates they hold.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import time
import uuid
from pathlib import Path

from common import DATA, build_contacts_db, crm_command

from crmcli.storage.db import open_db
from crmcli.storage.schema import SCHEMA_VERSION


def plant(path: Path, share: float, seed: int = 11) -> set[tuple[int, int]]:
    """Add duplicates of random people; returns the (original, copy) pairs."""
    rng = random.Random(seed)
    db = open_db(path)
    planted: set[tuple[int, int]] = set()
    try:
        people = db.rows("SELECT id, name, email, phone, company_id FROM contacts ORDER BY id")
        next_id = people[-1]["id"] + 1
        now = "2026-01-02T00:00:00Z"
        with db.transaction():
            for person in rng.sample(people, int(len(people) * share)):
                kind = rng.choice(["typo", "email", "phone"] if person["phone"] else ["typo", "email"])
                name, email, phone = person["name"], None, None
                if kind == "typo":
                    at = rng.randrange(1, len(name) - 1)
                    name = name[:at] + rng.choice("aeiouy") + name[at + 1 :]
                elif kind == "email":
                    name, email = f"Dup {next_id}", person["email"].upper()
                else:
                    name, phone = f"Dup {next_id}", person["phone"]
                db.execute(
                    "INSERT INTO contacts (id, uid, name, email, phone, company_id, lifecycle_stage, "
                    "sort_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'lead', ?, ?, ?)",
                    [
                        next_id,
                        uuid.uuid4().hex,
                        name,
                        email,
                        phone,
                        person["company_id"],
                        name.lower(),
                        now,
                        now,
                    ],
                )
                for kind_, value in (("email", email), ("phone", phone)):
                    if value:
                        db.execute(
                            "INSERT INTO contact_points (contact_id, kind, value, position) "
                            "VALUES (?, ?, ?, 0)",
                            [next_id, kind_, value],
                        )
                planted.add((person["id"], next_id))
                next_id += 1
    finally:
        db.close()
    return planted


def run(path: Path, runs: int) -> tuple[float, float, list[dict]]:
    """Median wall time and CPU time (user + system, of the crm process) of the command."""
    env = {**os.environ, "CRM_DB": str(path), "CRM_CONFIG": str(path.with_suffix(".toml"))}
    command = [*crm_command(), "contact", "duplicates", "--json"]
    times, cpu, groups = [], [], []
    for _ in range(runs):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime)
        if done.returncode != 0:
            raise SystemExit(done.stderr.decode()[:500])
        groups = json.loads(done.stdout)
    return statistics.median(times), statistics.median(cpu), groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--share", type=float, default=0.02)
    args = parser.parse_args()
    for n in args.contacts:
        base = build_contacts_db(DATA / f"startup-{n}-v{SCHEMA_VERSION}.db", n)
        work = DATA / f"duplicates-{n}-v{SCHEMA_VERSION}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(base, work)
        planted = plant(work, args.share)
        seconds, cpu, groups = run(work, args.runs)
        together = {tuple(sorted(pair)) for g in groups for pair in _pairs(g["ids"])}
        found = sum(1 for pair in planted if tuple(sorted(pair)) in together)
        print(
            f"{n + len(planted):>7} contacts: {seconds * 1000:6.0f} ms wall, {cpu * 1000:6.0f} ms CPU "
            f"(medians of {args.runs}), "
            f"{len(groups)} groups, {found}/{len(planted)} planted duplicates found"
        )


def _pairs(ids: list[int]) -> list[tuple[int, int]]:
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]


if __name__ == "__main__":
    main()
