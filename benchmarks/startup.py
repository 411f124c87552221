"""Start-up cost of crm against `python -c "import sqlite3"`, measured in one run.

    .venv/bin/python benchmarks/startup.py [--contacts 100000] [--runs 21]

Targets (issue #2): `crm --version` ≤ 4× the baseline, `crm contact list --limit 20` on a
100k-contact database ≤ 6×. Each figure is the median of --runs runs (at least 21) after
a warm-up, stdout piped as in a script. The database is built once, with a fixed seed,
under benchmarks/data/ (git-ignored). Then `python -X importtime` shows where the time
of `crm contact list` goes: by package, and the slowest single modules.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections import Counter

from common import DATA, build_contacts_db, crm_command, medians_ms

from crmcli.storage.schema import SCHEMA_VERSION

TARGETS = {"crm --version": 4.0, "crm contact list --limit 20": 6.0}


def at_least_21(text: str) -> int:
    runs = int(text)
    if runs < 21:
        raise argparse.ArgumentTypeError("medians need at least 21 runs")
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=at_least_21, default=21)
    args = parser.parse_args()

    db = build_contacts_db(DATA / f"startup-{args.contacts}-v{SCHEMA_VERSION}.db", args.contacts)
    env = {"CRM_DB": str(db), "CRM_CONFIG": str(DATA / "absent.toml"), "NO_COLOR": "1"}
    crm = crm_command()
    listing = [*crm, "contact", "list", "--limit", "20"]
    check_listing(listing, env)

    figures = medians_ms(
        {
            "baseline": [sys.executable, "-c", "import sqlite3"],
            "crm --version": [*crm, "--version"],
            "crm contact list --limit 20": listing,
        },
        args.runs,
        env,
    )
    baseline = figures.pop("baseline")

    print(f"database: {db} ({args.contacts:,} contacts); {args.runs} runs each, medians")
    print(f"{'command':32} {'ms':>7} {'× baseline':>11} {'target':>7}")
    baseline_name = 'python -c "import sqlite3"'
    print(f"{baseline_name:32} {baseline:7.1f} {1:11.2f}")
    for name, ms in figures.items():
        ratio = ms / baseline
        verdict = "ok" if ratio <= TARGETS[name] else "OVER"
        print(f"{name:32} {ms:7.1f} {ratio:11.2f} {'≤ ' + str(int(TARGETS[name])):>7}  {verdict}")

    script = crm[1:] if crm[0] == sys.executable else crm  # ["-m", "crmcli"] or the crm script
    traced = [sys.executable, "-X", "importtime", *script, *listing[len(crm) :]]
    by_owner, slowest = import_profile(traced, env)
    total = sum(by_owner.values())
    print(f"\nimports of `crm contact list` by owner (-X importtime, self times, µs; total {total:,}):")
    for owner, micros in by_owner.most_common(12):
        print(f"{micros:10,d}  {owner}")
    print("\nslowest single modules (self µs):")
    for micros, name in slowest[:12]:
        print(f"{micros:10,d}  {name}")


def check_listing(command: list[str], env: dict[str, str]) -> None:
    """The timed command must really list 20 contacts (a header line, then 20 rows)."""
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env})
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) != 21:
        raise SystemExit(f"{' '.join(command)} did not list 20 contacts: {done.stderr.strip()}")


def import_profile(command: list[str], env: dict[str, str], runs: int = 5) -> tuple[Counter[str], list]:
    """Self import times, averaged over `runs`: summed by owner, and the slowest modules.

    The owner of a module is its top-level package (each crmcli module on its own); a
    standard-library module belongs to the package that first imported it, since that
    package is why it is loaded.
    """
    full_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | env
    by_owner: Counter[str] = Counter()
    by_module: Counter[str] = Counter()
    for _ in range(runs):
        trace = subprocess.run(command, capture_output=True, text=True, env=full_env).stderr
        rows = []
        for line in trace.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[1].strip().isdigit():
                name = parts[2].rstrip()
                depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
                rows.append((depth, name.strip(), int(parts[0].split(":")[1])))
        owners: dict[int, str] = {}
        for depth, module, micros in reversed(rows):  # a parent comes after its children
            top = module.split(".")[0]
            if top == "crmcli":
                owner = module
            elif top in sys.stdlib_module_names or top.startswith("_"):
                owner = owners.get(depth - 1, "python itself (site, encodings, …)")
            else:
                owner = top
            owners[depth] = owner
            by_owner[owner] += micros // runs
            by_module[module] += micros // runs
    slowest = sorted(((micros, name) for name, micros in by_module.items()), reverse=True)
    return by_owner, slowest


if __name__ == "__main__":
    main()
