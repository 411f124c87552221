"""Start-up cost of crm against `python -c "import sqlite3"`, measured in one run.

Targets (issue #2): `crm --version` ≤ 4× the baseline, `crm contact list --limit 20` on a
100k-contact database ≤ 6×. Usage: python benchmarks/startup.py [--contacts N] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from common import DATA, build_contacts_db, crm_command, median_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()

    db = build_contacts_db(DATA / f"startup-{args.contacts}.db", args.contacts)
    env = {"CRM_DB": str(db), "CRM_CONFIG": str(DATA / "absent.toml"), "NO_COLOR": "1"}
    crm = crm_command()

    baseline = median_ms([sys.executable, "-c", "import sqlite3"], args.runs)
    version = median_ms([*crm, "--version"], args.runs, env)
    listing = median_ms([*crm, "contact", "list", "--limit", "20"], args.runs, env)

    print(f"database: {db} ({args.contacts:,} contacts)")
    print(f"{'command':40} {'median ms':>10} {'× baseline':>11} {'target':>7}")
    baseline_name = 'python -c "import sqlite3"'
    print(f"{baseline_name:40} {baseline:10.1f} {1:11.2f}")
    print(f"{'crm --version':40} {version:10.1f} {version / baseline:11.2f} {'≤ 4':>7}")
    print(f"{'crm contact list --limit 20':40} {listing:10.1f} {listing / baseline:11.2f} {'≤ 6':>7}")

    # Where the time goes, so that a regression is easy to find.
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "crmcli", "contact", "list", "--limit", "20"],
        capture_output=True, text=True, env={**os.environ, **env},
    )  # fmt: skip
    rows = []
    for line in trace.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    print("\nlargest cumulative imports of `crm contact list` (µs):")
    for cumulative, name in sorted(rows, reverse=True)[:12]:
        print(f"{cumulative:10d}  {name}")


if __name__ == "__main__":
    main()
