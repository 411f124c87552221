"""Shared helpers for the benchmark scripts: timing commands and building seeded data."""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"

FIRST = ["Kari", "Ola", "Åsa", "Björn", "Mette", "Søren", "Ingrid", "Erik", "Freja", "Linnea",
         "Олена", "Тарас", "Андрій", "王", "李", "张", "Nora", "Lars", "Sofie", "Mikkel"]  # fmt: skip
LAST = ["Nordmann", "Hansen", "Lindström", "Ekström", "Østergaard", "Kierkegaard", "Solberg",
        "Dahl", "Madsen", "Berg", "Шевченко", "Коваленко", "Мельник", "伟", "娜", "敏", "Vik",
        "Johansson", "Nielsen", "Larsen"]  # fmt: skip


def crm_command() -> list[str]:
    found = shutil.which("crm", path=os.path.dirname(sys.executable)) or shutil.which("crm")
    return [found] if found else [sys.executable, "-m", "crmcli"]


def medians_ms(
    commands: dict[str, list[str]], runs: int = 21, env: dict[str, str] | None = None
) -> dict[str, float]:
    """Median wall time of each command, taken in turns: round one runs every command once,
    then round two, and so on. A machine that slows down for a while (another process, a
    CPU that clocks down) then slows the baseline as much as the rest, and the ratios hold.
    """
    # This sandbox sets PYTHONDONTWRITEBYTECODE; a user's Python caches bytecode, so the
    # figures are taken the way people run crm: compiled once, then from the cache.
    full_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    full_env.update(env or {})
    for command in commands.values():  # warm-up: bytecode, the page cache, the config cache
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=full_env)
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, command in commands.items():
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, env=full_env)
            times[label].append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()[:500]}")
    return {label: statistics.median(spent) * 1000 for label, spent in times.items()}


def build_contacts_db(path: Path, contacts: int, seed: int = 7) -> Path:
    """A database with `contacts` people, a company for every 20, tags, fields and search rows.

    Built once and kept (benchmarks/data/ is git-ignored); name the file after the schema
    version, so that a new migration gets a new file rather than a migration timed by a run.
    """
    from crmcli.services.contacts import searchable
    from crmcli.storage.db import open_db
    from crmcli.validate import fold

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    db = open_db(tmp)
    now = "2026-01-01T00:00:00Z"
    with db.transaction():
        companies = []
        for i in range(1, contacts // 20 + 2):
            name = f"{rng.choice(LAST)} {rng.choice(['AS', 'AB', 'ApS', 'Ltd', 'GmbH'])} {i}"
            companies.append(
                (
                    i,
                    uuid.UUID(int=rng.getrandbits(128)).hex,
                    name,
                    f"c{i}.example.com",
                    rng.choice(["software", "energy", "retail"]),
                    rng.randint(1, 900),
                    rng.choice(["NO", "SE", "DK", "UA", "CN"]),
                    "ada",
                    fold(name),
                    now,
                    now,
                )
            )
        db.executemany(
            "INSERT INTO companies (id, uid, name, domain, industry, employees, country, owner, "
            "sort_key, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            companies,
        )
        db.executemany(
            "INSERT INTO companies_fts (rowid, text) VALUES (?, ?)",
            [(c[0], searchable(f"{c[2]} {c[3]}")) for c in companies],
        )
        rows, points, tags, fields, fts = [], [], [], [], []
        stages = ["lead", "qualified", "opportunity", "customer", "churned", "other"]
        titles = ["", "CTO", "Head of Sales", "Support lead", "Founder", "Buyer"]
        for i in range(1, contacts + 1):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
            email = f"person{i}@c{i % len(companies) + 1}.example.com"
            # Like crm contact add: primary e-mail and phone mirrored on the row, every
            # address and number in contact_points, and all of them in the search text.
            phone = f"+47{rng.randint(20_000_000, 99_999_999)}" if i % 2 else None
            title = rng.choice(titles) or None
            rows.append(
                (
                    i,
                    uuid.UUID(int=rng.getrandbits(128)).hex,
                    name,
                    email,
                    phone,
                    i % len(companies) + 1,
                    title,
                    rng.choice(stages),
                    "ada",
                    rng.choice(["NO", "SE", "DK", "UA", "CN"]),
                    fold(name),
                    now,
                    now,
                )
            )
            points.append((i, "email", email, 0))
            if phone:
                points.append((i, "phone", phone, 0))
            if i % 3 == 0:
                tags.append(("contact", i, rng.choice(["vip", "trial", "partner"])))
            if i % 5 == 0:
                fields.append(("contact", i, "users", str(rng.choice([5, 30, 60, 250]))))
            fts.append((i, searchable(" ".join([name, title or "", email, phone or ""]))))
        db.executemany(
            "INSERT INTO contacts (id, uid, name, email, phone, company_id, title, lifecycle_stage, "
            "owner, country, sort_key, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.executemany(
            "INSERT INTO contact_points (contact_id, kind, value, position) VALUES (?,?,?,?)", points
        )
        db.executemany("INSERT INTO tags (entity, entity_id, tag) VALUES (?,?,?)", tags)
        db.executemany("INSERT INTO custom_fields (entity, entity_id, key, value) VALUES (?,?,?,?)", fields)
        db.executemany("INSERT INTO contacts_fts (rowid, text) VALUES (?, ?)", fts)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    tmp.rename(path)
    return path
