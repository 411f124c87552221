"""`crm show` and `crm agenda` on 100k contacts and 1M activities, against `crm --version`.

    .venv/bin/python benchmarks/show_agenda.py [--contacts 100000] [--activities 1000000] [--runs 21]

Target (issue #3): `crm show` and `crm agenda` answer within 1.5× the time of
`crm --version`, all measured in the same run: the median of --runs runs each after a
warm-up, stdout piped as in a script, the commands taken in turns. The database comes
from gen_activities.py (built once, seeded); the agenda is taken as of the generator's
fixed NOW, with keep-in-touch rules for customers, opportunities and a tag, so that every
section has work to do.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from common import DATA, crm_command, medians_ms
from gen_activities import NOW, TEAM, build

from crmcli.clock import to_iso
from crmcli.storage.db import open_db

TARGET = 1.5
CONFIG = (
    'timezone = "Europe/Oslo"\n\n'
    + "".join(f'[[team]]\nhandle = "{handle}"\n\n' for handle in TEAM)
    + "[agenda]\nkeep_in_touch = { customer = 30, opportunity = 14, vip = 14 }\n"
)


def at_least_21(text: str) -> int:
    runs = int(text)
    if runs < 21:
        raise argparse.ArgumentTypeError("medians need at least 21 runs")
    return runs


def typical_contact(path: os.PathLike[str]) -> str:
    """A customer with an open follow-up and about the median number of activities."""
    db = open_db(path)
    try:
        row = db.row(
            "SELECT c.name, count(*) AS n FROM contacts c JOIN activities a ON a.contact_id = c.id "
            "WHERE c.lifecycle_stage = 'customer' AND c.id IN (SELECT contact_id FROM activities "
            "WHERE due_at IS NOT NULL AND done_at IS NULL) GROUP BY c.id "
            "ORDER BY abs(count(*) - 10), c.id LIMIT 1"
        )
        assert row is not None
        return str(row["name"])
    finally:
        db.close()


def check(command: list[str], env: dict[str, str], needle: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env})
    if done.returncode != 0 or needle not in done.stdout:
        raise SystemExit(f"{' '.join(command)} did not work: {done.stderr.strip()[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--runs", type=at_least_21, default=21)
    args = parser.parse_args()

    db = build(args.contacts, args.activities)
    config = DATA / "show-agenda.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {"CRM_DB": str(db), "CRM_CONFIG": str(config), "NO_COLOR": "1", "CRM_USER": "ada"}
    crm = crm_command()
    name = typical_contact(db)
    as_of = ["--as-of", to_iso(NOW)]
    commands = {
        "crm --version": [*crm, "--version"],
        "crm show <contact>": [*crm, "show", name],
        "crm show <contact> --json": [*crm, "show", name, "--json"],
        "crm agenda": [*crm, "agenda", *as_of],
        "crm agenda --owner ada": [*crm, "agenda", *as_of, "--owner", "ada"],
    }
    check(commands["crm show <contact>"], env, "Recent activity")
    check(commands["crm agenda"], env, "Keep in touch")

    figures = medians_ms(commands, args.runs, env)
    baseline = figures["crm --version"]
    print(f"database: {db.name} ({args.contacts:,} contacts, {args.activities:,} activities); "
          f"contact: {name!r}; {args.runs} runs each, medians")  # fmt: skip
    print(f"{'command':28} {'ms':>7} {'× --version':>12} {'target':>7}")
    for label, ms in figures.items():
        ratio = ms / baseline
        if label == "crm --version":
            print(f"{label:28} {ms:7.1f} {ratio:12.2f}")
            continue
        verdict = "ok" if ratio <= TARGET else "OVER"
        print(f"{label:28} {ms:7.1f} {ratio:12.2f} {'≤ ' + str(TARGET):>7}  {verdict}")
    sizes = subprocess.run([*crm, "agenda", *as_of, "--json"], capture_output=True, text=True,
                           env={**os.environ, **env}).stdout  # fmt: skip
    import json

    view = json.loads(sizes)
    counts = view["counts"]
    sections = [
        f"{counts['overdue']:,} overdue",
        f"{counts['due_today']:,} today",
        f"{counts['upcoming']:,} in {view['days']} days",
        f"{counts['milestones']:,} milestones",
    ]
    sections += [f"{r['rule']}: {r['count']:,} not touched" for r in view["keep_in_touch"]["rules"]]
    print(f"\nagenda as of {to_iso(NOW)}, {view['limit']} shown a section of: {', '.join(sections)}")


if __name__ == "__main__":
    sys.exit(main())
