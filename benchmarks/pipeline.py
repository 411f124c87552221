"""`crm pipeline` and `crm forecast` over 100,000 deals, against `crm --version` in the same run.

    .venv/bin/python benchmarks/pipeline.py [--deals 100000] [--runs 21]

Target (issue #4): `crm pipeline` answers in under 1 s over 100k deals. Each figure is the
median of --runs runs after a warm-up, stdout piped as in a script. The database is built
once with a fixed seed under benchmarks/data/ (git-ignored): 100k deals of one pipeline
(the worst case for its board), 85 % open across its four stages, the rest won or lost,
in six currencies, for 5,000 contacts at 500 companies and eight owners.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import DATA, crm_command, medians_ms

from crmcli.clock import to_iso
from crmcli.storage.schema import SCHEMA_VERSION

TARGET_MS = 1000
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OWNERS = ["ada", "alan", "bob", "daniel", "eva", "karin", "mei", "olav"]
CURRENCIES = [("EUR", 2), ("NOK", 2), ("SEK", 2), ("DKK", 2), ("USD", 2), ("JPY", 0)]
STAGES = ["qualification", "needs-analysis", "proposal", "negotiation"]
CONFIG = """\
base_currency = "EUR"
[currencies]
rates = { NOK = "0.086", SEK = "0.087", DKK = "0.134", USD = "0.92", JPY = "0.0062" }
"""


def build(deals: int, seed: int = 4) -> Path:
    """The seeded database, built once per size and schema version."""
    from crmcli.storage.db import open_db
    from crmcli.validate import fold

    path = DATA / f"pipeline-{deals}-v{SCHEMA_VERSION}.db"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    db = open_db(tmp)
    stamp = to_iso(NOW - timedelta(days=400))
    with db.transaction():
        companies = [
            (i, uuid.UUID(int=rng.getrandbits(128)).hex, f"Company {i}", fold(f"Company {i}"), stamp, stamp)
            for i in range(1, 501)
        ]
        db.executemany(
            "INSERT INTO companies (id, uid, name, sort_key, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            companies,
        )
        contacts = [
            (
                i,
                uuid.UUID(int=rng.getrandbits(128)).hex,
                f"Person {i}",
                (i % 500) + 1,
                "customer",
                rng.choice(OWNERS),
                fold(f"Person {i}"),
                stamp,
                stamp,
            )
            for i in range(1, 5001)
        ]
        db.executemany(
            "INSERT INTO contacts (id, uid, name, company_id, lifecycle_stage, owner, sort_key, created_at, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            contacts,
        )
        rows, changes = [], []
        for i in range(1, deals + 1):
            created = NOW - timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 1440))
            entered = created + (NOW - created) * rng.random()
            close = (NOW.date() + timedelta(days=rng.randint(-60, 240))).isoformat()
            roll = rng.random()
            status = "open" if roll < 0.85 else "won" if roll < 0.95 else "lost"
            stage = rng.choice(STAGES) if status == "open" else status
            currency, places = rng.choice(CURRENCIES)
            amount = rng.randrange(1_000, 500_000) * 10**places
            contact = rng.randint(1, 5000)
            rows.append(
                (
                    i,
                    uuid.UUID(int=rng.getrandbits(128)).hex,
                    f"Deal {i}",
                    contact,
                    (contact % 500) + 1,
                    "sales",
                    stage,
                    status,
                    amount,
                    currency,
                    close,
                    rng.choice(OWNERS),
                    "new",
                    "price" if status == "lost" else None,
                    to_iso(entered) if status == "won" else None,
                    to_iso(entered) if status == "lost" else None,
                    to_iso(entered),
                    to_iso(created),
                    to_iso(entered),
                )
            )
            changes.append((i, "sales", None, STAGES[0], to_iso(created), "ada"))
            if stage != STAGES[0]:
                changes.append((i, "sales", STAGES[0], stage, to_iso(entered), "ada"))
        db.executemany(
            "INSERT INTO deals (id, uid, title, contact_id, company_id, pipeline, stage, status, "
            "amount_minor, currency, close_date, owner, kind, lost_reason, won_at, lost_at, "
            "stage_entered_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.executemany(
            "INSERT INTO deal_stage_changes (deal_id, pipeline, from_stage, to_stage, at, actor) "
            "VALUES (?,?,?,?,?,?)",
            changes,
        )
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    tmp.rename(path)
    return path


def at_least_21(text: str) -> int:
    runs = int(text)
    if runs < 21:
        raise argparse.ArgumentTypeError("medians need at least 21 runs")
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--runs", type=at_least_21, default=21)
    args = parser.parse_args()

    db = build(args.deals)
    config = DATA / "pipeline.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {"CRM_DB": str(db), "CRM_CONFIG": str(config), "NO_COLOR": "1", "CRM_USER": "ada"}
    crm = crm_command()
    as_of = ["--as-of", to_iso(NOW)]
    commands = {
        "crm --version": [*crm, "--version"],
        "crm pipeline": [*crm, "pipeline", *as_of],
        "crm pipeline --json": [*crm, "pipeline", *as_of, "--json"],
        "crm pipeline --owner bob": [*crm, "pipeline", *as_of, "--owner", "bob"],
        "crm forecast --months 6": [*crm, "forecast", *as_of, "--months", "6"],
        "crm deal list --limit 50": [*crm, "deal", "list", "--limit", "50"],
    }
    figures = medians_ms(commands, args.runs, env)
    baseline = figures["crm --version"]
    print(f"database: {db.name} ({args.deals:,} deals); {args.runs} runs each, medians, stdout piped")
    print(f"{'command':28} {'ms':>7} {'× --version':>12} {'target':>9}")
    for label, ms in figures.items():
        ratio = ms / baseline
        if label == "crm --version":
            print(f"{label:28} {ms:7.1f} {ratio:12.2f}")
            continue
        verdict = "ok" if ms < TARGET_MS else "OVER"
        print(f"{label:28} {ms:7.1f} {ratio:12.2f} {'< ' + str(TARGET_MS) + ' ms':>9}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
