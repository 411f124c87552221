"""crm db path|backup|restore|doctor|migrate, file modes, and locks that outlast the timeout."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from crmcli.storage import db as db_module
from crmcli.storage.schema import SCHEMA_VERSION
from helpers import mode, one_sentence


def count(path: Path, sql: str = "SELECT count(*) FROM contacts") -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def filled(crm):  # noqa: ANN001, ANN201
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.no", "--phone", "+4722334455")
    crm.ok("add", "Ola Hansen", "--email", "ola@example.no")
    return crm


# --- path ---------------------------------------------------------------------------------


def test_path_prints_the_database_and_opens_nothing(crm, tmp_path: Path) -> None:
    assert crm.ok("db", "path").stdout.strip() == str(crm.db)
    assert not crm.db.exists()
    assert crm.ok("db", "path", "--json").json() == {"path": str(crm.db), "exists": False}


# --- modes --------------------------------------------------------------------------------


def test_a_mistyped_folder_is_refused_not_made_into_an_empty_crm(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """A read would answer "no contact matches" from a new empty file, and leave it there."""
    missing = tmp_path / "typo" / "crm.db"
    for args in (("show", "nobody"), ("contact", "list"), ("add", "Ada Lovelace")):
        result = crm("--db", str(missing), *args)
        assert result.exit_code == 1
        assert "no folder" in one_sentence(result.stderr) and "--db or CRM_DB" in result.stderr
    assert not (tmp_path / "typo").exists()
    # In a folder that exists a new file is made, as on a first run.
    crm.ok("--db", str(tmp_path / "second.db"), "add", "Ada Lovelace")
    assert (tmp_path / "second.db").exists()


@pytest.mark.parametrize(
    "args",
    [("contact", "list", "--json"), ("agenda",), ("kpi",), ("pipeline",), ("export", "contacts"),
     ("report", "weekly"), ("deal", "list"), ("case", "list")],
)  # fmt: skip
def test_a_command_that_only_reads_makes_no_database_where_there_is_none(crm, tmp_path: Path, args) -> None:  # noqa: ANN001
    typo = tmp_path / "crn.db"  # the folder exists; the file name is mistyped (or this is day one)
    result = crm.ok("--db", str(typo), *args)
    # The last line on stderr, once the command has done its work (a refused one says only why).
    assert result.stderr.splitlines()[-1].startswith(f"There is no database at {typo} yet")
    assert not typo.exists()
    if args[-1] == "--json":
        assert json.loads(result.stdout) == []
    refused = crm.fails("--db", str(typo), "deal", "list", "--stage", "nowhere")
    assert refused.stderr.count("\n") == 1 and "nowhere" in refused.stderr  # one sentence, no notice
    crm.ok("--db", str(typo), "add", "Ada Lovelace")  # a command that writes makes it, as ever
    assert typo.exists()


def test_every_command_named_as_creating_exists() -> None:
    from crmcli.cli.common import CREATES  # every other command reads an empty CRM where no file is

    for path in sorted(CREATES):
        assert path in dict(cli_commands()), path


# --- a missing database: only the commands that add records make one ----------------------


def cli_commands() -> list[tuple[str, click.Command]]:
    """Every command of the CLI, as its path ("contact list") and its click command."""
    from crmcli.cli import get_root

    found: list[tuple[str, click.Command]] = []

    def walk(group: click.Group, ctx: click.Context, words: list[str]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            if isinstance(command, click.Group):
                walk(command, click.Context(command, parent=ctx, info_name=name), [*words, name])
            else:
                found.append((" ".join([*words, name]), command))

    root = get_root()
    walk(root, root.make_context("crm", ["--help"], resilient_parsing=True), [])
    return found


# A value for each argument of the CLI, by name ("1" for any other): enough to get past
# parsing to the database, where the record named is not found.
ARGUMENT_VALUES = {
    "name": "Ada Lovelace", "title": "Planning suite", "subject": "Broken", "note": "Called",
    "text": "Hello", "kind": "call", "stage": "proposal", "handle": "tester", "tags": "vip",
    "keep": "1", "others": "2", "key": "user", "value": "ada", "shell": "bash",
}  # fmt: skip
# What some commands need besides their arguments to reach the database.
NEEDED_OPTIONS = {
    "rules test": ["--event", "contact.created"],
    "gdpr consent": ["--purpose", "newsletter", "--given"],
    "contact churn": ["--reason", "price"],
    "deal lost": ["--reason", "price"],
}


def _runs_without_creating() -> list[Any]:
    """(command, dry run) for every way of running a command that must make no file: each
    command not named as creating, and a dry run of any command that has one."""
    from crmcli.cli.common import CREATES

    runs = []
    for path, command in cli_commands():
        if path not in CREATES:
            runs.append(pytest.param(path, False, id=path))
        if any(p.name == "dry_run" for p in command.params):
            runs.append(pytest.param(path, True, id=f"{path} --dry-run"))
    return runs


@pytest.mark.parametrize(("path", "dry_run"), _runs_without_creating())
def test_no_command_but_those_that_add_records_makes_a_missing_database(
    crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str, dry_run: bool
) -> None:  # noqa: ANN001
    """A mistyped CRM_DB in a cron job leaves no file (nor journal, nor backups folder)
    behind, whatever the command: it fails or answers as on an empty CRM, in one sentence."""
    from crmcli.context import AppContext

    command = dict(cli_commands())[path]
    data = tmp_path / "data"
    data.mkdir()
    missing = data / "crn.db"
    csv = tmp_path / "people.csv"
    csv.write_text(
        "name,email,kind,note,title\nAda Lovelace,ada@example.com,call,Hi,Suite\n", encoding="utf-8"
    )
    vcf = tmp_path / "people.vcf"
    vcf.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEND:VCARD\r\n", encoding="utf-8")
    args = path.split()
    for param in command.params:
        if isinstance(param, click.Argument):
            if param.name == "file":
                args.append(str(vcf if path == "import vcard" else csv if path.startswith("import ") else
                                tmp_path / "copy.db"))  # fmt: skip
            else:
                args.append(ARGUMENT_VALUES.get(param.name or "", "1"))
    names = {p.name for p in command.params}
    args += (["--yes"] if "yes" in names else []) + (["--dry-run"] if dry_run else [])
    args += NEEDED_OPTIONS.get(path, [])

    # What a command writes to the empty CRM in memory would be lost: none may write there.
    changes: list[int] = []
    close = AppContext.close

    def counting_close(self: AppContext) -> None:
        changes.extend(db.scalar("SELECT count(*) FROM changes") for db in self._opened if db.file is None)
        close(self)

    monkeypatch.setattr(AppContext, "close", counting_close)
    result = crm("--db", str(missing), *args)

    assert sorted(data.iterdir()) == [], (args, result.stderr)  # no database, journal or backups
    assert not (tmp_path / "copy.db").exists()
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr, result.stderr
    if result.exit_code and path.startswith("import "):
        # An import's report lists the rows it would reject, that it read an empty CRM, then
        # why it fails.
        *_, notice, error = result.stderr.splitlines()
        assert error.startswith("crm: ") and notice.startswith(f"There is no database at {missing} yet, so ")
    elif result.exit_code:
        one_sentence(result.stderr)  # a refusal says why and nothing else
    elif "There is no database at" in result.stderr:
        assert result.stderr.splitlines()[-1].startswith(f"There is no database at {missing} yet, so ")
    assert changes in ([], [0]), (
        f"crm {path} wrote {changes} change(s) to the empty CRM in memory, where they are lost: "
        "a command that adds records belongs in cli.common.CREATES"
    )


def test_doctor_on_a_missing_database_is_a_problem_and_makes_none(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """A cron health check with a mistyped path must not pass: exit 3, naming the path."""
    missing = tmp_path / "crn.db"
    for json_flag in ((), ("--json",)):
        result = crm("--db", str(missing), "db", "doctor", *json_flag)
        assert result.exit_code == 3 and (result.stdout == "") == (not json_flag)  # --json: the report
        assert one_sentence(result.stderr) == (
            f"crm: There is no database at {missing} to check; none was made (check --db or CRM_DB)."
        )
    missing.touch()  # an empty file is no database either, and is left as it was
    assert crm("--db", str(missing), "db", "doctor").exit_code == 3
    assert missing.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crn.db", "home"]


def test_migrate_of_a_missing_database_is_refused_and_makes_none(crm, tmp_path: Path) -> None:  # noqa: ANN001
    missing = tmp_path / "crn.db"
    result = crm.fails("--db", str(missing), "db", "migrate")
    assert one_sentence(result.stderr) == (
        f"crm: There is no database at {missing} to migrate; none was made (check --db or CRM_DB)."
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_a_dry_run_import_where_there_is_no_database(crm, tmp_path: Path) -> None:  # noqa: ANN001
    missing = tmp_path / "crn.db"
    csv = tmp_path / "people.csv"
    csv.write_text("name,email\nAda Lovelace,ada@example.com\n", encoding="utf-8")
    result = crm.ok("--db", str(missing), "import", "contacts", str(csv), "--dry-run", "--json")
    assert result.json()["created"] == 1
    assert result.stderr.splitlines()[-1] == (
        f"There is no database at {missing} yet, so the dry run read an empty CRM; none was made "
        "(check --db or CRM_DB if you expected one)."
    )
    assert not missing.exists()
    crm.ok("--db", str(missing), "import", "contacts", str(csv))  # the import itself makes it
    assert count(missing) == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [(("undo",), "nothing to undo"), (("undo", "--dry-run"), "nothing to undo"),
     (("contact", "merge", "1", "2", "--yes"), "There is no contact #1."),
     (("gdpr", "forget", "1", "--yes"), "There is no contact #1.")],
)  # fmt: skip
def test_a_change_to_what_is_not_there_is_refused_as_on_an_empty_crm(crm, tmp_path: Path, args, said) -> None:  # noqa: ANN001
    missing = tmp_path / "crn.db"
    assert said in one_sentence(crm.fails("--db", str(missing), *args).stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_a_new_database_and_its_journal_are_private(filled) -> None:  # noqa: ANN001
    assert mode(filled.db) == 0o600
    for suffix in ("-wal", "-shm"):
        side = Path(f"{filled.db}{suffix}")
        if side.exists():
            assert mode(side) == 0o600


# --- backup -------------------------------------------------------------------------------


def test_backup_is_a_private_consistent_copy(filled, tmp_path: Path) -> None:  # noqa: ANN001
    target = tmp_path / "copy.db"
    result = filled.ok("db", "backup", str(target), "--json").json()
    assert result["path"] == str(target)
    assert mode(target) == 0o600
    assert count(target) == 2
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_backup_by_default_goes_to_a_private_backups_folder(filled) -> None:  # noqa: ANN001
    filled.ok("db", "backup")
    folder = filled.db.parent / "backups"
    files = list(folder.glob("crm-*.db"))
    assert len(files) == 1
    assert mode(folder) == 0o700 and mode(files[0]) == 0o600
    assert not list(folder.glob(".*partial*"))


def test_backup_into_a_folder_and_refusing_to_overwrite(filled, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "nightly"
    folder.mkdir()
    filled.ok("db", "backup", str(folder))
    (written,) = folder.glob("crm-*.db")
    filled.fails("db", "backup", str(written))  # exists, and nobody can be asked
    filled.ok("db", "backup", str(written), "--yes")
    assert count(written) == 2


def test_backup_into_a_folder_that_does_not_exist_is_refused(filled, tmp_path: Path) -> None:  # noqa: ANN001
    target = tmp_path / "no" / "such" / "b.db"
    result = filled.fails("db", "backup", str(target))
    assert result.stderr == f"crm: Cannot write {target}: the folder {target.parent} does not exist.\n"
    assert not (tmp_path / "no").exists()


def test_backup_of_no_database_is_one_sentence(crm, tmp_path: Path) -> None:
    result = crm.fails("db", "backup", str(tmp_path / "x.db"))
    assert "no database" in one_sentence(result.stderr)


def test_backup_while_another_process_writes(filled, tmp_path: Path) -> None:  # noqa: ANN001
    """The copy is a snapshot: taken while a writer holds the lock, it has what was committed."""
    writer = sqlite3.connect(filled.db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO contacts (uid, name, sort_key, lifecycle_stage, created_at, updated_at) "
        "VALUES ('x', 'Uncommitted', 'uncommitted', 'other', 'now', 'now')"
    )
    try:
        filled.ok("db", "backup", str(tmp_path / "during.db"))
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert count(tmp_path / "during.db") == 2
    assert count(filled.db) == 3


# --- restore ------------------------------------------------------------------------------


def test_restore_checks_replaces_and_keeps_the_old_one(filled, tmp_path: Path) -> None:  # noqa: ANN001
    backup = tmp_path / "before.db"
    filled.ok("db", "backup", str(backup))
    filled.ok("add", "Third Person")
    result = filled.ok("db", "restore", str(backup), "--yes", "--json").json()
    kept = Path(result["kept"])
    assert kept.name.startswith("crm.db.before-restore-")
    assert count(kept) == 3 and mode(kept) == 0o600
    assert count(filled.db) == 2 and mode(filled.db) == 0o600
    assert [r["name"] for r in filled.ok("contact", "list", "--json").json()] == [
        "Kari Nordmann",
        "Ola Hansen",
    ]


def test_restore_without_yes_asks_nobody_and_changes_nothing(filled, tmp_path: Path) -> None:  # noqa: ANN001
    backup = tmp_path / "b.db"
    filled.ok("db", "backup", str(backup))
    filled.ok("add", "Third Person")
    filled.fails("db", "restore", str(backup))
    assert count(filled.db) == 3


def test_restore_when_there_was_no_database(crm, filled, tmp_path: Path) -> None:  # noqa: ANN001
    backup = tmp_path / "b.db"
    filled.ok("db", "backup", str(backup))
    other = tmp_path / "fresh" / "crm.db"
    other.parent.mkdir()  # a folder that exists: a missing one is a mistyped path, refused
    result = crm("--db", str(other), "db", "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.stderr
    assert count(other) == 2 and mode(other) == 0o600


def test_restore_over_a_damaged_database(filled, tmp_path: Path) -> None:  # noqa: ANN001
    backup = tmp_path / "b.db"
    filled.ok("db", "backup", str(backup))
    for suffix in ("-wal", "-shm"):
        Path(f"{filled.db}{suffix}").unlink(missing_ok=True)
    filled.db.write_bytes(b"garbage" * 1000)
    result = filled.ok("db", "restore", str(backup), "--yes", "--json").json()
    assert Path(result["kept"]).read_bytes().startswith(b"garbage")
    assert count(filled.db) == 2 and mode(filled.db) == 0o600


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not a crm database"),
        (b"not sqlite at all" * 300, "not a SQLite database"),
        (None, "There is no file"),
    ],
)
def test_restore_refuses_what_is_not_a_crm_database(filled, tmp_path: Path, content, expected) -> None:  # noqa: ANN001
    candidate = tmp_path / "candidate.db"
    if content is not None:
        candidate.write_bytes(content)
    result = filled.fails("db", "restore", str(candidate), "--yes")
    assert expected in one_sentence(result.stderr)
    assert count(filled.db) == 2


def test_restore_refuses_a_foreign_sqlite_file_and_a_newer_schema(filled, tmp_path: Path) -> None:  # noqa: ANN001
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    assert "not a crm database" in one_sentence(filled.fails("db", "restore", str(foreign), "--yes").stderr)
    newer = tmp_path / "newer.db"
    filled.ok("db", "backup", str(newer))
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    assert "newer crm" in one_sentence(filled.fails("db", "restore", str(newer), "--yes").stderr)


def test_restore_refuses_a_damaged_backup(filled, tmp_path: Path) -> None:  # noqa: ANN001
    backup = tmp_path / "b.db"
    filled.ok("db", "backup", str(backup))
    data = bytearray(backup.read_bytes())
    page = 4096
    for offset in range(page * 2 + 100, min(len(data), page * 6), 7):
        data[offset] = 0xFF  # scribble over b-tree pages after the schema page
    backup.write_bytes(bytes(data))
    result = filled.fails("db", "restore", str(backup), "--yes")
    message = one_sentence(result.stderr)
    assert "damaged" in message or "not a SQLite database" in message
    assert count(filled.db) == 2


@pytest.mark.parametrize("where", ["a page in the middle", "the schema page"])
def test_restore_names_the_backup_that_sqlite_cannot_read(filled, tmp_path: Path, where: str) -> None:  # noqa: ANN001
    """Pages so damaged that SQLite stops reading ("database disk image is malformed"): the
    sentence is about the backup, not the live database, which is left as it was."""
    backup = tmp_path / "corrupt.db"
    filled.ok("db", "backup", str(backup))
    data = bytearray(backup.read_bytes())
    page = 4096
    if where == "a page in the middle":
        start = (len(data) // page // 2) * page
        data[start : start + 16] = b"\xff" * 16  # a b-tree page's header, scribbled over
    else:
        data[100:page] = b"\xff" * (page - 100)  # the file's header survives, its schema does not
    backup.write_bytes(bytes(data))
    before = filled.db.read_bytes()
    result = filled.fails("db", "restore", str(backup), "--yes")
    assert one_sentence(result.stderr) == (
        f"crm: {backup} is damaged (database disk image is malformed); the database was not touched."
    )
    assert filled.db.read_bytes() == before and count(filled.db) == 2
    assert not list(filled.db.parent.glob("*before-restore*"))  # nothing was set aside either


def test_restore_of_the_database_itself_is_refused(filled) -> None:  # noqa: ANN001
    one_sentence(filled.fails("db", "restore", str(filled.db), "--yes").stderr)


def test_other_processes_see_the_restored_data(filled, tmp_path: Path) -> None:  # noqa: ANN001
    """A connection that stays open across the restore reads the restored content."""
    backup = tmp_path / "b.db"
    filled.ok("db", "backup", str(backup))
    filled.ok("add", "Third Person")
    watcher = sqlite3.connect(filled.db)
    assert watcher.execute("SELECT count(*) FROM contacts").fetchone()[0] == 3
    filled.ok("db", "restore", str(backup), "--yes")
    assert watcher.execute("SELECT count(*) FROM contacts").fetchone()[0] == 2
    watcher.close()


# --- doctor -------------------------------------------------------------------------------


def test_doctor_on_a_sound_database_exits_0(filled) -> None:  # noqa: ANN001
    result = filled.ok("db", "doctor", "--json").json()
    assert result["ok"] is True and result["findings"] == []


def test_doctor_finds_bad_data_and_exits_3(filled) -> None:  # noqa: ANN001
    conn = sqlite3.connect(filled.db)
    conn.executescript(
        """
        UPDATE contact_points SET value = 'not-an-address' WHERE value = 'ola@example.no';
        INSERT INTO contact_points (contact_id, kind, value, position) VALUES (2, 'phone', '+4712', 0);
        INSERT INTO contact_points (contact_id, kind, value, position)
            VALUES (2, 'email', 'KARI@example.no', 1);
        INSERT INTO tags (entity, entity_id, tag) VALUES ('contact', 999, 'ghost');
        INSERT INTO custom_fields (entity, entity_id, key, value) VALUES ('company', 77, 'k', 'v');
        INSERT INTO changes (id, at, actor, command) VALUES (900, 'now', 'x', 'x');
        INSERT INTO history (change_id, at, actor, entity, entity_id, action)
            VALUES (900, 'now', 'x', 'contact', 555, 'update');
        DELETE FROM contacts_fts WHERE rowid = 1;
        """
    )
    conn.commit()
    conn.close()
    result = filled("db", "doctor", "--json")
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    checks = {c["check"]: c["problems"] for c in report["checks"]}
    assert checks["e-mails"] == 1
    assert checks["phones"] == 1
    assert checks["duplicate e-mails"] == 1
    assert checks["orphans"] == 3
    assert checks["search index"] == 1
    assert checks["primary addresses"] >= 1
    records = {f["record"] for f in report["findings"]}
    assert "tags of contact #999" in records and "history of contact #555" in records
    plain = filled("db", "doctor")
    assert plain.exit_code == 3
    assert "problem" in one_sentence(plain.stderr)
    assert "not-an-address" in plain.stdout


def test_doctor_finds_broken_links_and_a_readable_file(filled) -> None:  # noqa: ANN001
    conn = sqlite3.connect(filled.db)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        "INSERT INTO consents (contact_id, purpose, status, at) VALUES (404, 'news', 'given', 'now')"
    )
    conn.commit()
    conn.close()
    filled.db.chmod(0o644)
    report = json.loads(filled("db", "doctor", "--json").stdout)
    problems = {f["check"]: f for f in report["findings"]}
    assert "consents row" in problems["foreign keys"]["record"]
    assert "chmod 600" in problems["file mode"]["problem"]


def test_doctor_reports_damage_and_skips_the_data_checks(filled) -> None:  # noqa: ANN001
    conn = sqlite3.connect(filled.db)
    conn.execute("PRAGMA writable_schema = ON")
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'idx_contacts_email'").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(filled.db.read_bytes())
    start = (root - 1) * 4096
    data[start + 8 : start + 4096] = b"\x00" * (4096 - 8)  # an index page loses its cells
    filled.db.write_bytes(bytes(data))
    result = filled("db", "doctor", "--json")
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert any(f["check"] == "integrity" for f in report["findings"])
    assert {c["status"] for c in report["checks"][1:]} == {"skipped"}


# --- migrate ------------------------------------------------------------------------------


def _old_database(path: Path) -> None:
    from sqlite_utils import Database as UtilsDatabase

    from crmcli.storage.migrations import migrations, registered_names

    utils = UtilsDatabase(sqlite3.connect(path), execute_plugins=False)
    # As every crm leaves its file: in WAL mode. (Switching a rollback-mode file while
    # another process migrates it is test_a_rollback_mode_file_in_use_… below.)
    utils.conn.execute("PRAGMA journal_mode = WAL")
    migrations.apply(utils, stop_before=registered_names()[1])
    utils.conn.execute("PRAGMA user_version = 1")
    utils.conn.execute(
        "INSERT INTO contacts (uid, name, sort_key, lifecycle_stage, created_at, updated_at) "
        "VALUES ('u1', 'Old Friend', 'old friend', 'customer', "
        "'2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')"
    )
    utils.conn.commit()
    utils.conn.close()


def test_migrate_backs_up_first_then_migrates(crm) -> None:  # noqa: ANN001
    _old_database(crm.db)
    result = crm.ok("db", "migrate", "--json").json()
    assert result["schema_before"] == 1 and result["schema"] == SCHEMA_VERSION
    backup = Path(result["backup"])
    assert backup.parent.name == "backups" and mode(backup) == 0o600
    assert count(backup, "PRAGMA user_version") == 1 and count(backup) == 1
    assert count(crm.db, "PRAGMA user_version") == SCHEMA_VERSION
    again = crm.ok("db", "migrate")
    assert "up to date" in again.stderr


def test_any_command_on_an_old_file_backs_it_up_before_migrating(crm) -> None:  # noqa: ANN001
    _old_database(crm.db)
    assert [r["name"] for r in crm.ok("contact", "list", "--json").json()] == ["Old Friend"]
    assert len(list((crm.db.parent / "backups").glob("crm-schema1-*.db"))) == 1


def test_several_processes_migrating_at_once_back_up_once(tmp_path: Path) -> None:
    from crmcli.storage.db import open_db

    path = tmp_path / "crm.db"
    _old_database(path)
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            open_db(path).close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(list((tmp_path / "backups").glob("*.db"))) == 1
    assert count(path, "PRAGMA user_version") == SCHEMA_VERSION


def test_a_rollback_mode_file_in_use_is_switched_to_wal_once_its_writer_is_done(tmp_path: Path) -> None:
    """SQLite refuses to switch a file another process is writing to WAL at once, rather
    than wait: open_db waits for it as for any lock, instead of failing at once."""
    import time

    from crmcli.storage.db import open_db

    path = tmp_path / "crm.db"
    open_db(path).close()
    plain = sqlite3.connect(path, isolation_level=None)
    plain.execute("PRAGMA journal_mode = DELETE")  # as a tool that copied it may leave it
    plain.close()
    holding, done = threading.Event(), threading.Event()

    def write_for_a_while() -> None:
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO rule_state VALUES ('k', 'v')")
        holding.set()
        time.sleep(0.5)
        writer.execute("COMMIT")
        writer.close()
        done.set()

    thread = threading.Thread(target=write_for_a_while)
    thread.start()
    holding.wait()
    started = time.monotonic()
    db = open_db(path)
    waited = time.monotonic() - started
    thread.join()
    assert done.is_set() and waited >= 0.3
    assert db.scalar("PRAGMA journal_mode") == "wal" and db.scalar("SELECT count(*) FROM rule_state") == 1
    db.close()


# --- locks --------------------------------------------------------------------------------


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 300)


def test_a_write_lock_held_too_long_is_one_sentence_and_writes_nothing(filled, short_timeout) -> None:  # noqa: ANN001
    holder = sqlite3.connect(filled.db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = filled.fails("add", "Blocked Person")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "stayed locked" in one_sentence(result.stderr)
    assert count(filled.db) == 2


def test_a_read_waiting_on_an_exclusive_lock_is_one_sentence(filled, short_timeout) -> None:  # noqa: ANN001
    holder = sqlite3.connect(filled.db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE contacts SET title = 'x'")
    try:
        result = filled.fails("contact", "list")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "stayed locked" in one_sentence(result.stderr)


def test_a_migration_blocked_by_a_lock_is_one_sentence(crm, short_timeout) -> None:  # noqa: ANN001
    _old_database(crm.db)
    holder = sqlite3.connect(crm.db, isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = crm.fails("contact", "list")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "stayed locked" in one_sentence(result.stderr)
    assert count(crm.db, "PRAGMA user_version") == 1
    assert not list((crm.db.parent / "backups").glob("*.db"))


# --- the write-ahead log ------------------------------------------------------------------


def test_a_large_wal_is_truncated_after_a_write(filled, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from crmcli.storage.db import open_db

    reader = sqlite3.connect(filled.db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM contacts").fetchone()  # pins a snapshot: checkpoints cannot finish
    db = open_db(filled.db)
    wal = Path(f"{filled.db}-wal")
    for n in range(200):
        with db.transaction():
            db.execute("UPDATE contacts SET title = ? WHERE id = 1", [f"title {n} " + "x" * 500])
    grown = wal.stat().st_size
    assert grown > 64 * 1024  # the reader held the log open
    monkeypatch.setattr(db_module, "WAL_TRUNCATE_BYTES", 64 * 1024)
    with db.transaction():  # the reader is still there: the write waits a moment, then succeeds
        db.execute("UPDATE contacts SET title = 'while reading' WHERE id = 1")
    assert wal.stat().st_size >= grown
    reader.execute("COMMIT")
    reader.close()
    with db.transaction():
        db.execute("UPDATE contacts SET title = 'last' WHERE id = 1")
    assert wal.stat().st_size == 0
    assert db.scalar("SELECT title FROM contacts WHERE id = 1") == "last"
    db.close()


def test_restore_counts_in_the_singular_too(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Ada Lovelace")
    backup = tmp_path / "one.db"
    crm.ok("db", "backup", str(backup))
    result = crm.ok("db", "restore", str(backup), "--yes")
    assert f"from {backup} (1 contact, 0 companies)." in result.stderr


# --- a database crm cannot write: a backup mount, a folder shared read-only ---------------


@pytest.fixture
def lock_down(tmp_path: Path) -> Iterator[Callable[..., None]]:
    """Makes files and folders unwritable, as on a read-only share, and undoes it afterwards:
    by their mode, and where that does not stop this process (root) by the immutable
    attribute, which stops root too."""
    modes: list[tuple[Path, int]] = []
    immutable: list[Path] = []

    def lock(*paths: Path) -> None:
        for path in paths:
            modes.append((path, mode(path)))
            path.chmod(0o555 if path.is_dir() else 0o444)
            if os.access(path, os.W_OK):
                made = shutil.which("chattr") and subprocess.run(
                    ["chattr", "+i", str(path)], capture_output=True
                )
                if not made or made.returncode:
                    pytest.skip("modes do not stop root, and `chattr +i` is refused here")
                immutable.append(path)
            assert not os.access(path, os.W_OK)  # the failure is real: this process cannot write it

    yield lock
    for path in immutable:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    for path, old in reversed(modes):
        path.chmod(old)


def read_only_said(path: Path) -> str:
    return (
        f"crm: The database {path} is read-only (the folder or file cannot be written); nothing was changed."
    )


def beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def count_locked(path: Path, sql: str = "SELECT count(*) FROM contacts") -> int:
    """count() of a file in a folder nobody may write, where a plain connection cannot read."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize(
    "args",
    [("contact", "list", "--json"), ("show", "Kari"), ("kpi",), ("export", "contacts"), ("agenda",),
     ("db", "doctor")],
)  # fmt: skip
def test_a_database_in_a_folder_crm_cannot_write_is_read(filled, lock_down, args) -> None:  # noqa: ANN001
    """SQLite cannot make the -wal and -shm files a WAL file needs there, even to read: crm
    opens it read-only and immutable instead, and leaves the folder as it was."""
    files = beside(filled.db)
    assert files == ["config.toml", "crm.db", "home"] or files == ["crm.db", "home"]  # no log beside
    lock_down(filled.db.parent)
    result = filled(*args)
    assert result.exit_code == 0, result.stderr
    if args[0] in ("contact", "show", "export"):
        assert "Kari Nordmann" in result.stdout
    assert beside(filled.db) == files


@pytest.mark.parametrize(
    "args",
    [("add", "Ada Lovelace"), ("contact", "edit", "Kari", "--title", "CEO"), ("undo",),
     ("gdpr", "forget", "Kari", "--yes"), ("import", "contacts", "{csv}")],
)  # fmt: skip
@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_command_that_writes_to_a_read_only_database_says_so_and_changes_nothing(
    filled, lock_down, tmp_path: Path, args, what: str
) -> None:  # noqa: ANN001
    csv = tmp_path / "home" / "people.csv"
    csv.write_text("name,email\nAda Lovelace,ada@example.com\n", encoding="utf-8")
    files = beside(filled.db)
    lock_down(filled.db.parent if what == "folder" else filled.db)
    result = filled.fails(*(arg.format(csv=csv) for arg in args))
    assert one_sentence(result.stderr) == read_only_said(filled.db)
    assert beside(filled.db) == files
    assert count_locked(filled.db) == 2
    assert count_locked(filled.db, "SELECT count(*) FROM contacts WHERE title IS NOT NULL") == 0


def test_a_database_file_crm_cannot_write_is_read_without_making_files_beside_it(filled, lock_down) -> None:  # noqa: ANN001
    """The folder is writable: SQLite would make a -wal and -shm there, of a file crm may
    not change, in its owner's way. Immutable, it makes none."""
    files = beside(filled.db)
    lock_down(filled.db)
    assert len(filled.ok("contact", "list", "--json").json()) == 2
    assert beside(filled.db) == files


def test_an_old_schema_that_cannot_be_migrated_there_is_one_sentence(crm, lock_down) -> None:  # noqa: ANN001
    """Read as it is, an old file would fail on some commands and silently miss what later
    columns hold on others: crm asks for a migration where it can be written."""
    _old_database(crm.db)
    lock_down(crm.db.parent)
    for args in (("contact", "list"), ("db", "migrate")):
        result = crm.fails(*args)
        assert one_sentence(result.stderr) == (
            f"crm: The database {crm.db} has schema 1, older than this crm's ({SCHEMA_VERSION}), and "
            "is read-only here (the folder or file cannot be written); run `crm db migrate` on it "
            "where it can be written."
        )
    assert beside(crm.db) == ["crm.db", "home"]  # no backup made, no log
    assert count_locked(crm.db, "PRAGMA user_version") == 1


def _left_with_a_log(path: Path) -> None:
    """Leaves `path` as a crm that stopped mid-way does: a change still in its -wal, not yet
    in the file, and the -shm beside it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("UPDATE contacts SET title = 'Only in the log' WHERE name = 'Kari Nordmann'")
    copies = {}
    for suffix in ("", "-wal", "-shm"):
        copies[suffix] = path.with_name(f"copy{suffix}")
        shutil.copyfile(f"{path}{suffix}", copies[suffix])
    conn.close()  # the last connection folds the log into the file and removes it
    for suffix, copy in copies.items():
        copy.replace(f"{path}{suffix}")


@pytest.mark.parametrize("file_writable", [False, True])
def test_a_log_left_beside_a_read_only_database_is_read_not_ignored(
    filled, lock_down, file_writable: bool
) -> None:  # noqa: ANN001
    """Immutable would read the file alone, without the change in the log: mode=ro reads
    both, taking the -shm as it is (SQLite 3.22+)."""
    _left_with_a_log(filled.db)
    logs = [Path(f"{filled.db}-wal"), Path(f"{filled.db}-shm")]
    lock_down(filled.db.parent, *logs, *([] if file_writable else [filled.db]))
    shown = filled.ok("contact", "list", "--json").json()
    assert "Only in the log" in [c["title"] for c in shown]
    result = filled.fails("contact", "edit", "Ola", "--title", "CEO")
    assert one_sentence(result.stderr) == read_only_said(filled.db)
    assert beside(filled.db) == ["config.toml", "crm.db", "crm.db-shm", "crm.db-wal", "home"] or beside(
        filled.db
    ) == ["crm.db", "crm.db-shm", "crm.db-wal", "home"]


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_log_without_its_index_in_a_read_only_database_is_one_sentence(
    filled, lock_down, tmp_path: Path, what: str
) -> None:  # noqa: ANN001
    """SQLite cannot read the -wal without a -shm it would have to make (in a writable folder
    it would, with the file's mode 0444, in the way of later writers): crm says so, and which
    file is missing, rather than make one or read the file without the changes in the log.
    The doctor counts it as a problem (exit 3), and a backup is refused in the same words."""
    _left_with_a_log(filled.db)
    Path(f"{filled.db}-shm").unlink()
    files = beside(filled.db)
    lock_down(filled.db.parent if what == "folder" else filled.db)
    said = (
        f"crm: Cannot read the database {filled.db}: its log {filled.db}-wal needs a {filled.db}-shm "
        "file beside it, which is missing, and crm makes none where the database is read-only (the "
        "folder or file cannot be written); open it once where it can be written."
    )
    assert one_sentence(filled.fails("contact", "list").stderr) == said
    assert one_sentence(filled.fails("db", "backup", str(tmp_path / "home" / "b.db")).stderr) == said
    assert one_sentence(filled.fails("db", "doctor", code=3).stderr) == said
    assert beside(filled.db) == files  # no -shm made
    assert not [p for p in (tmp_path / "home").iterdir() if "b.db" in p.name]  # no backup, no part of one


@pytest.mark.parametrize(
    ("beside_it", "query"),
    [((), "mode=ro&immutable=1"), (("-wal", "-shm"), "mode=ro"), (("-wal",), "mode=ro&readonly_shm=1"),
     (("-shm",), "mode=ro"), (("-journal",), "mode=ro")],
)  # fmt: skip
def test_read_only_opening_is_immutable_only_with_nothing_beside_the_file(
    filled, tmp_path: Path, beside_it: tuple[str, ...], query: str
) -> None:  # noqa: ANN001
    """The choice open_db makes once it knows crm cannot write: runs as root too. The URI
    opens a file whose name holds what a URI would misread (#, ?, %, a space)."""
    odd = tmp_path / "shared #1? 50%"
    odd.mkdir()
    path = odd / "crm.db"
    filled.ok("db", "backup", str(path))
    for suffix in beside_it:
        Path(f"{path}{suffix}").touch()
    uri = db_module.read_only_uri(str(path))
    assert uri.endswith(f"?{query}")
    conn = sqlite3.connect(uri, uri=True)
    try:
        if not beside_it:  # an empty -wal or -journal of our own making is no log to read
            assert conn.execute("SELECT count(*) FROM contacts").fetchone() == (2,)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM contacts")
    finally:
        conn.close()
    # No -shm made for the -wal: SQLite reads an empty one as none (a log with changes in it
    # and no -shm is refused instead: test_a_log_without_its_index_…).
    assert sorted(p.name for p in odd.iterdir()) == sorted(f"crm.db{suffix}" for suffix in ("", *beside_it))


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_read_only_database_is_backed_up_elsewhere(filled, lock_down, tmp_path: Path, what: str) -> None:  # noqa: ANN001
    """Copying a database off a backup mount is a read: the copy is whole, and nothing is
    made beside the original."""
    files = beside(filled.db)
    lock_down(filled.db.parent if what == "folder" else filled.db)
    copy = tmp_path / "home" / "copy.db"
    filled.ok("db", "backup", str(copy))
    assert count(copy) == 2 and mode(copy) == 0o600
    assert beside(filled.db) == files


def test_a_link_to_a_read_only_database_reads_the_log_beside_the_file_it_points_at(
    filled, lock_down, tmp_path: Path
) -> None:  # noqa: ANN001
    """SQLite keeps the -wal and -shm beside the file a link points at: crm looks for them
    there too, or it reads the file alone, without the change in the log, and so does the
    backup."""
    from conftest import Crm

    _left_with_a_log(filled.db)
    files = beside(filled.db)
    link = tmp_path / "home" / "link.db"
    link.symlink_to(filled.db)
    lock_down(filled.db.parent, filled.db, Path(f"{filled.db}-wal"), Path(f"{filled.db}-shm"))
    through_link = Crm(link, filled.config)
    shown = through_link.ok("contact", "list", "--json").json()
    assert "Only in the log" in [c["title"] for c in shown]
    copy = tmp_path / "home" / "copy.db"
    through_link.ok("db", "backup", str(copy))
    assert count(copy, "SELECT count(*) FROM contacts WHERE title = 'Only in the log'") == 1
    assert one_sentence(through_link.fails("add", "Ada Lovelace").stderr) == read_only_said(link)
    assert beside(filled.db) == files


def test_the_log_of_a_linked_database_is_truncated_after_a_write(
    filled, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    """The size check after a commit looks at the -wal beside the file, not beside the link."""
    from crmcli.storage.db import open_db

    link = tmp_path / "home" / "link.db"
    link.symlink_to(filled.db)
    monkeypatch.setattr(db_module, "WAL_TRUNCATE_BYTES", 1)
    db = open_db(link)
    try:
        with db.transaction():
            db.execute("UPDATE contacts SET title = 'through the link' WHERE id = 1")
        assert Path(f"{filled.db}-wal").stat().st_size == 0
    finally:
        db.close()
    assert count(filled.db, "SELECT count(*) FROM contacts WHERE title = 'through the link'") == 1


@pytest.mark.parametrize("what", ["folder", "file"])
def test_restore_onto_a_read_only_database_is_refused_before_anything_is_made(
    filled, lock_down, tmp_path: Path, what: str
) -> None:  # noqa: ANN001
    """SQLite would open the file read-only, make a -wal and -shm with its mode (0444) that
    keep refusing writes later, and fail half-way in its own words, after the copy of the
    current file was kept."""
    backup = tmp_path / "home" / "b.db"
    filled.ok("db", "backup", str(backup))
    files = beside(filled.db)
    lock_down(filled.db.parent if what == "folder" else filled.db)
    result = filled.fails("db", "restore", str(backup), "--yes")
    assert one_sentence(result.stderr) == read_only_said(filled.db)
    assert beside(filled.db) == files
    assert count_locked(filled.db) == 2


@pytest.mark.parametrize("side", ["-shm", "-wal"])
def test_a_write_refused_by_a_file_beside_the_database_names_that_file(
    filled, lock_down, tmp_path: Path, side: str
) -> None:  # noqa: ANN001
    """A -wal or -shm crm cannot write (a read left a 0444 -shm, say) makes SQLite open the
    whole database read-only, though the file and the folder are writable: the sentence names
    the file to fix rather than blaming those."""
    backup = tmp_path / "home" / "b.db"
    filled.ok("db", "backup", str(backup))
    _left_with_a_log(filled.db)
    blocking = Path(f"{filled.db}{side}")
    lock_down(blocking)
    said = (
        f"crm: The database {filled.db} cannot be written: the file {blocking} beside it is "
        "read-only; make it writable, or remove it while nothing has the database open; nothing "
        "was changed."
    )
    assert one_sentence(filled.fails("contact", "edit", "Ola", "--title", "CEO").stderr) == said
    assert one_sentence(filled.fails("db", "restore", str(backup), "--yes").stderr) == said
    assert not [p for p in filled.db.parent.iterdir() if "before-restore" in p.name]
    assert "Only in the log" in [c["title"] for c in filled.ok("contact", "list", "--json").json()]


def _left_mid_write(path: Path) -> None:
    """Leaves `path` as a program in rollback mode that was killed mid-transaction does: a hot
    -journal beside it holding the pages to put back, and the file half-changed."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("CREATE TABLE scratch (x)")
    conn.close()
    spill = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA cache_size = 1')\n"  # changed pages go to the file before the commit
        "c.execute('BEGIN')\n"
        "c.execute(\"UPDATE contacts SET title = 'Half-written'\")\n"
        "for _ in range(300): c.execute('INSERT INTO scratch VALUES (randomblob(3000))')\n"
        "os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", spill, str(path)], check=False)
    assert Path(f"{path}-journal").stat().st_size > 0


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_file_left_mid_write_that_cannot_be_recovered_here_is_one_sentence(
    filled, lock_down, tmp_path: Path, what: str
) -> None:  # noqa: ANN001
    """Reading it means putting the pages in the -journal back first, a write: crm says so,
    and the doctor counts it as a problem (exit 3)."""
    _left_mid_write(filled.db)
    files = beside(filled.db)
    lock_down(filled.db.parent if what == "folder" else filled.db)
    said = (
        f"crm: The database {filled.db} was left mid-write and needs recovering from the "
        f"{filled.db}-journal beside it, which crm cannot do here: it is read-only (the folder or "
        "file cannot be written); open it once where it can be written."
    )
    assert one_sentence(filled.fails("contact", "list").stderr) == said
    assert one_sentence(filled.fails("db", "backup", str(tmp_path / "home" / "b.db")).stderr) == said
    assert one_sentence(filled.fails("db", "doctor", code=3).stderr) == said
    assert beside(filled.db) == files


@pytest.mark.parametrize("what", ["folder", "file"])
def test_an_empty_read_only_file_is_said_to_be_empty_not_an_old_schema(crm, lock_down, what: str) -> None:  # noqa: ANN001
    """An empty file is no database (paths.no_database_at), not one of schema 0."""
    crm.db.touch()
    files = beside(crm.db)
    lock_down(crm.db.parent if what == "folder" else crm.db)
    assert one_sentence(crm.fails("add", "Ada Lovelace").stderr) == (
        f"crm: The database file {crm.db} is empty and read-only (the folder or file cannot be "
        "written): it holds no database, and crm cannot make one there; nothing was changed."
    )
    assert beside(crm.db) == files and crm.db.stat().st_size == 0


# --- a file of another program ------------------------------------------------------------


def _foreign(path: Path, *statements: str) -> bytes:
    """An SQLite file another program made (schema version 0), as its bytes."""
    conn = sqlite3.connect(path)
    for statement in statements or ("CREATE TABLE foo (x)",):
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path.read_bytes()


def foreign_said(path: Path, name: str = "foo") -> str:
    return (
        f"crm: The file {path} is an SQLite database of another program (it has tables crm did not "
        f"make, such as {name}); point --db or CRM_DB at a crm database."
    )


@pytest.mark.parametrize(
    "args",
    [("contact", "list"), ("contact", "list", "--json"), ("show", "Ada"), ("agenda",),
     ("add", "Ada Lovelace"), ("db", "migrate"), ("db", "migrate", "--json")],
)  # fmt: skip
def test_a_file_of_another_program_is_refused_and_left_as_it_was(crm, args) -> None:  # noqa: ANN001
    """It was made into a crm database (crm's tables beside its own) without a word."""
    before = _foreign(crm.db)
    files = beside(crm.db)
    result = crm.fails(*args)
    assert result.stdout == ""
    assert one_sentence(result.stderr) == foreign_said(crm.db)
    assert crm.db.read_bytes() == before  # not even switched to WAL
    assert beside(crm.db) == files  # no backup, no -wal or -shm


@pytest.mark.parametrize("target", [None, "copy.db"])
def test_a_file_of_another_program_is_not_backed_up_as_crms(crm, tmp_path: Path, target: str | None) -> None:  # noqa: ANN001
    before = _foreign(crm.db)
    files = beside(crm.db)
    result = crm.fails("db", "backup", *([str(tmp_path / target)] if target else []))
    assert one_sentence(result.stderr) == foreign_said(crm.db)
    assert crm.db.read_bytes() == before and beside(crm.db) == files  # no backups/ folder either
    assert not (tmp_path / "copy.db").exists()


def test_the_doctor_refuses_a_file_of_another_program(crm) -> None:  # noqa: ANN001
    before = _foreign(crm.db)
    files = beside(crm.db)
    result = crm("db", "doctor")
    assert result.exit_code == 3 and result.stdout == ""  # a problem with the file, as for a missing one
    assert one_sentence(result.stderr) == foreign_said(crm.db)
    assert crm.db.read_bytes() == before and beside(crm.db) == files


@pytest.mark.parametrize(
    ("statements", "name"),
    [(("CREATE VIEW answers AS SELECT 42",), "answers"),
     (("CREATE TABLE t (x)", "CREATE INDEX t_x ON t (x)", "CREATE VIEW v AS SELECT x FROM t"), "t"),
     (("CREATE TABLE logs (id INTEGER PRIMARY KEY AUTOINCREMENT)",), "logs")],
)  # fmt: skip
def test_any_table_view_or_index_makes_a_file_another_programs(crm, statements, name) -> None:  # noqa: ANN001
    """The sentence names one of its tables, before a view, and before SQLite's own."""
    before = _foreign(crm.db, *statements)
    assert one_sentence(crm.fails("contact", "list").stderr) == foreign_said(crm.db, name)
    assert crm.db.read_bytes() == before


@pytest.mark.parametrize("version", [3, SCHEMA_VERSION, SCHEMA_VERSION + 30])
@pytest.mark.parametrize(
    "args",
    [("contact", "list"), ("add", "Ada Lovelace"), ("db", "migrate"), ("db", "backup"), ("db", "doctor")],
)
def test_a_file_of_another_program_with_its_own_schema_version_is_refused(crm, version: int, args) -> None:  # noqa: ANN001
    """Many programs set user_version. An older one was migrated into crm's shape (crm's
    tables beside its own, a backup made); crm's own read as up to date, a newer one as
    written by a newer crm."""
    before = _foreign(crm.db, "CREATE TABLE foo (x)", f"PRAGMA user_version = {version}")
    files = beside(crm.db)
    result = crm(*args)
    assert result.exit_code == (3 if args == ("db", "doctor") else 1) and result.stdout == ""
    assert one_sentence(result.stderr) == foreign_said(crm.db)
    assert crm.db.read_bytes() == before and beside(crm.db) == files


@pytest.mark.parametrize(
    "args", [("contact", "list"), ("show", "Ada"), ("agenda",), ("add", "Ada Lovelace"), ("db", "doctor")]
)
def test_a_wal_file_of_another_program_at_crms_schema_version_is_named(crm, args) -> None:  # noqa: ANN001
    """Already in WAL mode, nothing at opening asks (the everyday open is one PRAGMA): the
    first query finds no crm table, and says whose file it is rather than what is missing."""
    version = f"PRAGMA user_version = {SCHEMA_VERSION}"
    _foreign(crm.db, "PRAGMA journal_mode = WAL", "CREATE TABLE foo (x)", version)
    result = crm(*args)
    assert result.exit_code == (3 if args == ("db", "doctor") else 1)  # doctor: a problem with the file
    assert result.stdout == "" and one_sentence(result.stderr) == foreign_said(crm.db)
    assert sqlite3.connect(crm.db).execute("SELECT name FROM sqlite_master").fetchall() == [("foo",)]


def test_a_file_with_a_schema_version_and_nothing_in_it_is_not_crms(crm) -> None:  # noqa: ANN001
    before = _foreign(crm.db, "PRAGMA user_version = 4")
    result = crm.fails("contact", "list")
    assert one_sentence(result.stderr) == (
        f"crm: The file {crm.db} is an SQLite database of another program (crm did not make it); "
        "point --db or CRM_DB at a crm database."
    )
    assert crm.db.read_bytes() == before


def test_an_sqlite_file_without_tables_is_a_new_crm_database(crm) -> None:  # noqa: ANN001
    conn = sqlite3.connect(crm.db)
    conn.execute("VACUUM")  # writes the header: a database of one page, with nothing in it
    conn.close()
    assert crm.db.stat().st_size > 0
    crm.ok("add", "Ada Lovelace")
    assert count(crm.db) == 1 and count(crm.db, "PRAGMA user_version") == SCHEMA_VERSION
    assert not (crm.db.parent / "backups").exists()


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_read_only_file_of_another_program_is_refused_as_one(crm, lock_down, what: str) -> None:  # noqa: ANN001
    """Not "an old schema to migrate where it can be written": it is no crm database at all."""
    before = _foreign(crm.db)
    files = beside(crm.db)
    lock_down(crm.db.parent if what == "folder" else crm.db)
    for args in (("contact", "list"), ("db", "migrate")):
        assert one_sentence(crm.fails(*args).stderr) == foreign_said(crm.db)
    assert crm.db.read_bytes() == before and beside(crm.db) == files
