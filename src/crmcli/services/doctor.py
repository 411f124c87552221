"""`crm db doctor`: is the file sound, and does the data add up?

Checks, in order: SQLite's own integrity check, foreign keys, the file's permissions,
e-mail addresses and phone numbers that would not pass validation today, primary
addresses out of step with the contact's list, addresses shared by several contacts,
tags / custom fields / history of records that are gone, search indexes out of step,
and deals in a pipeline stage the config no longer has. Each finding names the record
so that it can be fixed with an ordinary command.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crmcli import validate
from crmcli.errors import Invalid
from crmcli.storage import doctor as store

if TYPE_CHECKING:
    from crmcli.config import Config
    from crmcli.storage.db import Database

CHECKS = (
    "integrity",
    "foreign keys",
    "file mode",
    "e-mails",
    "phones",
    "primary addresses",
    "duplicate e-mails",
    "orphans",
    "search index",
    "deal stages",
)


@dataclass(frozen=True)
class Finding:
    check: str
    record: str  # "contact #12", "tags of deal #3", "crm.db"
    problem: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # check -> why it did not run

    def add(self, check: str, record: str, problem: str) -> None:
        self.findings.append(Finding(check, record, problem))

    def count(self, check: str) -> int:
        return sum(1 for f in self.findings if f.check == check)

    @property
    def ok(self) -> bool:
        return not self.findings

    def summary(self) -> list[dict[str, Any]]:
        return [
            {
                "check": check,
                "status": "skipped"
                if check in self.skipped
                else ("ok" if not self.count(check) else "problems"),
                "problems": self.count(check),
                "note": self.skipped.get(check, ""),
            }
            for check in CHECKS
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": self.summary(),
            "findings": [{"check": f.check, "record": f.record, "problem": f.problem} for f in self.findings],
        }


def unusable_file(record: str, problem: str) -> Report:
    """The report on a file there is nothing to examine in: none at the path, another
    program's, or one left mid-write. Like a damaged file's, one finding about the file and
    every other check skipped, so that `--json` reads the same whatever happened."""
    report = Report()
    report.add("integrity", record, problem)
    for check in CHECKS[1:]:
        report.skipped[check] = "there is no crm database to examine"
    return report


def examine(db: Database, config: Config) -> Report:
    report = Report()
    damage = store.integrity(db)
    for line in damage:
        report.add("integrity", "file", line)
    if damage:
        # Reading the data of a damaged file can fail or mislead: stop at what SQLite said.
        for check in CHECKS[1:]:
            report.skipped[check] = "the file is damaged; restore a backup first"
        return report
    for problem in store.foreign_key_problems(db):
        report.add(
            "foreign keys",
            f"{problem['table']} row {problem['rowid']}",
            f"points at a row {problem['parent']} does not have",
        )
    _file_mode(db, report)
    _addresses(db, config, report)
    for row in store.primary_out_of_step(db):
        report.add(
            "primary addresses",
            f"contact #{row['id']}",
            f"the primary e-mail/phone ({row['email'] or '-'} / {row['phone'] or '-'}) is not "
            f"the first in its list ({row['first_email'] or '-'} / {row['first_phone'] or '-'})",
        )
    for row in store.duplicate_emails(db):
        ids = ", ".join(f"#{i}" for i in sorted(int(x) for x in str(row["contact_ids"]).split(",")))
        report.add("duplicate e-mails", f"contacts {ids}", f"share the e-mail {row['email']} (merge them?)")
    tables = store.existing_tables(db)
    for label_table, what in (("tags", "tags"), ("custom_fields", "custom fields")):
        for row in store.orphan_labels(db, label_table, tables):
            report.add(
                "orphans",
                f"{what} of {row['entity']} #{row['entity_id']}",
                f"{row['n']} {what} of a record that does not exist",
            )
    for row in store.orphan_history(db, tables):
        report.add(
            "orphans",
            f"history of {row['entity']} #{row['entity_id']}",
            f"{row['n']} history rows about a record that is gone with no deletion recorded",
        )
    for table in store.SEARCH_TABLES:
        stale, missing = store.search_index_problems(db, table)
        if stale:
            report.add(
                "search index", table, f"{len(stale)} entries of records that are gone ({_ids(stale)})"
            )
        if missing:
            report.add(
                "search index", table, f"{len(missing)} records cannot be found by search ({_ids(missing)})"
            )
    _deal_stages(db, config, report)
    return report


def _file_mode(db: Database, report: Report) -> None:
    if db.path is None:
        return
    for path in (db.path, db.path.parent / "backups"):
        if not path.exists():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            wanted = "700" if path.is_dir() else "600"
            report.add(
                "file mode", str(path), f"others can read it (mode {mode:o}); run chmod {wanted} {path}"
            )


def _addresses(db: Database, config: Config, report: Report) -> None:
    for _, contact_id, value in store.contact_points(db, "email"):
        try:
            validate.email_address(value)
        except Invalid as exc:
            report.add("e-mails", f"contact #{contact_id}", _fragment(exc))
    for _, contact_id, value in store.contact_points(db, "phone"):
        try:
            normal = validate.phone_number(value, config.default_country)
        except Invalid as exc:
            report.add("phones", f"contact #{contact_id}", _fragment(exc))
            continue
        if normal != value:
            report.add("phones", f"contact #{contact_id}", f"{value!r} is not in E.164 form ({normal})")


def _deal_stages(db: Database, config: Config, report: Report) -> None:
    known = known_stages(config)
    if known is None:
        report.skipped["deal stages"] = "no pipelines are configured in this crm"
        return
    for row in store.deal_stages(db):
        stages = known.get(row["pipeline"])
        if stages is None:
            problem = f"in the pipeline {row['pipeline']!r}, which the config does not have"
        elif row["stage"] not in stages and row["status"] == "open":
            problem = f"in the stage {row['stage']!r}, which the pipeline {row['pipeline']!r} no longer has"
        else:
            continue
        ids = [int(i) for i in str(row["ids"]).split(",")]
        what = f"deal #{ids[0]}" if len(ids) == 1 else f"{len(ids)} deals ({_ids(ids)})"
        report.add("deal stages", what, problem)


def known_stages(config: Config) -> dict[str, set[str]] | None:
    """Stage names by pipeline from the pipelines feature, or None where it does not exist."""
    import importlib

    try:
        pipelines: Any = importlib.import_module("crmcli.services.pipelines")
    except ModuleNotFoundError:
        return None
    for name in ("pipelines_of", "pipelines", "load_pipelines"):
        reader = getattr(pipelines, name, None)
        if callable(reader):
            found = reader(config)
            break
    else:
        return None
    known: dict[str, set[str]] = {}
    items = found.items() if isinstance(found, dict) else ((getattr(p, "name", None), p) for p in found)
    for pipeline_name, pipeline in items:
        stages = getattr(pipeline, "stages", pipeline)
        known[str(pipeline_name)] = {str(getattr(s, "name", s)) for s in stages}
    return known


def _ids(ids: list[int], shown: int = 5) -> str:
    text = ", ".join(f"#{i}" for i in ids[:shown])
    return text + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


def _fragment(exc: Exception) -> str:
    text = str(exc).strip().rstrip(".")
    return text[0].lower() + text[1:] if text[:4] == "The " else text
