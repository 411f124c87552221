"""`crm import contacts` on a million rows, against SQLite's own CSV import in the same run.

    .venv/bin/python benchmarks/import.py [--rows 1000000] [--keep]

Generates (seeded, once, under benchmarks/data/, which git ignores) a contacts CSV as a
CRM export looks: first and last name, e-mail, phone (most written +CC with spaces, some
national), company (one per 50 people), job title, lifecycle stage, lead source, country
and tags. Then times, each into a new database file:

1. `sqlite3 x.db ".import --csv FILE contacts"`: a bare table, no checks (the baseline);
2. Python's csv + executemany into a bare table in one transaction (the floor of any
   Python importer, for reference);
3. `sqlite-utils insert x.db contacts FILE --csv`;
4. `crm import contacts FILE --default-country NO` into a new crm database: every row
   validated (e-mail, phone to E.164, country, stage, owner), duplicates checked, with
   contact points, companies, tags, search index, stage history and one history row per
   record; with its peak RSS (from wait4, the crm process alone).

Figures are printed as seconds and as ratios to the baseline. The targets: crm within 5x
of `.import`, faster than sqlite-utils, peak RSS under 200 MB.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, FIRST, LAST, crm_command  # noqa: E402

HEADER = ["First Name", "Last Name", "Email", "Phone", "Company", "Job Title", "Lifecycle Stage",
          "Lead Source", "Country", "Tags"]  # fmt: skip
TITLES = ["", "CTO", "Head of Sales", "Support lead", "Founder", "Buyer", "Daglig leder", "Innkjøper"]
STAGES = ["Lead", "Lead", "Lead", "Marketing Qualified Lead", "Opportunity", "Customer", "Other", ""]
SOURCES = ["web", "event", "referral", "cold call", "newsletter", ""]
COUNTRIES = [("NO", "+47", "9", 8), ("SE", "+46", "70", 9), ("DK", "+45", "2", 8), ("Norway", "+47", "4", 8),
             ("FI", "+358", "50", 9)]  # fmt: skip
COMPANIES = 20_000


def generate(path: Path, rows: int, seed: int = 11) -> Path:
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    import phonenumbers

    rng = random.Random(seed)
    companies = [f"{rng.choice(LAST)} {rng.choice(['AS', 'AB', 'ApS', 'Oy'])} {n}" for n in range(COMPANIES)]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(1, rows + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            country, code, start, digits = rng.choice(COUNTRIES)
            while True:  # real numbers: a file of bad numbers would time the error path
                number = start + "".join(rng.choice("0123456789") for _ in range(digits - len(start)))
                if phonenumbers.is_valid_number(phonenumbers.parse(code + number)):
                    break
            if code == "+47" and rng.random() < 0.2:
                phone = f"{number[:3]} {number[3:5]} {number[5:]}"  # national, --default-country NO
            else:
                phone = f"{code} {number[:3]} {number[3:6]} {number[6:]}"
            writer.writerow([
                first, last, f"{_ascii(first)}.{_ascii(last)}.{i}@c{i % COMPANIES}.example.com", phone,
                companies[i % COMPANIES],
                rng.choice(TITLES), rng.choice(STAGES), rng.choice(SOURCES), country,
                rng.choice(["", "", "vip", "trial", "partner"]),
            ])  # fmt: skip
    tmp.rename(path)
    return path


def _ascii(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum()) or "x"


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one process, measured on that process alone."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {stderr[-2000:]}")
    return took, usage.ru_maxrss


def python_floor(csv_path: Path, db_path: Path) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute(f"CREATE TABLE contacts ({', '.join(f'c{i} TEXT' for i in range(len(HEADER)))})")
    conn.execute("BEGIN")
    with open(csv_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        conn.executemany(f"INSERT INTO contacts VALUES ({', '.join('?' * len(HEADER))})", reader)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-sqlite-utils", action="store_true", help="it takes the longest")
    args = parser.parse_args()
    csv_path = generate(DATA / f"import-contacts-{args.rows}.csv", args.rows)
    size_mb = csv_path.stat().st_size / 1e6
    print(f"{args.rows:,} contact rows, {size_mb:.0f} MB: {csv_path}")
    sqlite_cli = shutil.which("sqlite3")
    sqlite_utils = shutil.which("sqlite-utils", path=os.path.dirname(sys.executable)) or shutil.which(
        "sqlite-utils"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(dir=DATA) as folder:
        work = Path(folder)
        results: list[tuple[str, float, int | None]] = []
        if sqlite_cli:
            took, _ = timed([sqlite_cli, str(work / "bare.db"), f".import --csv {csv_path} contacts"])
            results.append(("sqlite3 .import (bare table)", took, None))
        results.append(("python csv + executemany (bare)", python_floor(csv_path, work / "floor.db"), None))
        if sqlite_utils and not args.skip_sqlite_utils:
            took, _ = timed([sqlite_utils, "insert", str(work / "su.db"), "contacts", str(csv_path), "--csv"])
            results.append(("sqlite-utils insert --csv", took, None))
        config = work / "config.toml"
        config.write_text("", encoding="utf-8")
        crm_env = {**env, "CRM_USER": "bench", "NO_COLOR": "1"}
        took, rss = timed([*crm_command(), "--db", str(work / "crm.db"), "--config", str(config), "import",
                           "contacts", str(csv_path), "--default-country", "NO"], env=crm_env)  # fmt: skip
        results.append(("crm import contacts (validated)", took, rss))
        conn = sqlite3.connect(work / "crm.db")
        tables = ("contacts", "companies", "contact_points", "history", "contacts_fts")
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        conn.close()
    baseline = results[0][1]
    print(f"\n{'':34} {'seconds':>8} {'ratio':>7}")
    for label, took, rss in results:
        extra = f"   peak RSS {rss / 1024:.0f} MB" if rss else ""
        print(f"{label:34} {took:8.2f} {took / baseline:6.2f}x{extra}")
    print(f"\ncrm wrote: {', '.join(f'{v:,} {k}' for k, v in counts.items())}")
    crm_time, crm_rss = results[-1][1], results[-1][2] or 0
    su = next((t for label, t, _ in results if label.startswith("sqlite-utils")), None)
    print("\ntargets:")
    verdict = {True: "met", False: "NOT met"}
    print(f"  crm <= 5x .import:        {verdict[crm_time <= 5 * baseline]} ({crm_time / baseline:.1f}x)")
    if su is not None:
        print(f"  faster than sqlite-utils: {verdict[crm_time < su]} ({su / crm_time:.1f}x faster)")
    print(f"  peak RSS <= 200 MB:       {verdict[crm_rss <= 200 * 1024]} ({crm_rss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
