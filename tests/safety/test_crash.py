"""A crm killed with SIGKILL at any moment leaves a sound file holding all of a change or none.

Each test measures how long the real `crm` takes to do a large multi-row write, then
starts it again and again and kills it at seeded random moments within that time. After
every kill the file must pass `PRAGMA integrity_check`, and the rows must be all there
or not there at all.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import crm_executable

RUNS = 20


def _env(db: Path, config: Path, user: str = "tester") -> dict[str, str]:
    return {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(config), "CRM_USER": user}


def _run_and_kill(args: list[str], env: dict[str, str], after: float) -> int | None:
    """Start crm, SIGKILL it after `after` seconds; its exit code if it finished first."""
    process = subprocess.Popen(
        [*crm_executable(), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        return process.wait(timeout=after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return None


def _timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run([*crm_executable(), *args], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return time.perf_counter() - started


def _state(path: Path, query: str) -> tuple[str, tuple]:
    """(integrity_check result, the query's row) of the file, as a new process finds it."""
    conn = sqlite3.connect(path)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        row = tuple(conn.execute(query).fetchone()) if "contacts" in tables else ()
    finally:
        conn.close()
    return integrity, row


def _seed(path: Path, people: int, actor: str = "tester") -> None:
    """`people` contacts, each with an e-mail, a tag and a field, added in one change."""
    from crmcli.config import Config
    from crmcli.services.contacts import ContactInput, add_contact
    from crmcli.services.session import Session
    from crmcli.storage.db import open_db

    db = open_db(path)
    session = Session(db=db, config=Config.load(path.with_name("absent.toml")), actor=actor)
    with session.write("bulk add"):
        for n in range(people):
            add_contact(
                session,
                ContactInput(
                    name=f"Person {n:05d}", emails=[f"p{n}@example.com"], tags=["bulk"], fields={"n": str(n)}
                ),
            )
    db.close()


def _copy_db(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


@pytest.mark.slow
def test_killed_demo_seed_is_all_or_nothing(tmp_path: Path) -> None:
    """`crm demo` writes its whole data set in one transaction."""
    env = _env(tmp_path / "crm.db", tmp_path / "config.toml")
    demo = tmp_path / "demo.db"
    full_time = _timed(["demo", "--path", str(demo)], env)
    full = _state(
        demo,
        "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM activities), "
        "(SELECT count(*) FROM cases), (SELECT count(*) FROM history)",
    )[1]
    assert full[0] > 0
    rng = random.Random(8)
    outcomes = set()
    for _ in range(RUNS):
        for suffix in ("", "-wal", "-shm"):  # a fresh start each time: the kill is what is tested
            Path(f"{demo}{suffix}").unlink(missing_ok=True)
        code = _run_and_kill(["demo", "--path", str(demo)], env, rng.uniform(0.01, full_time))
        assert code in (None, 0)
        if not demo.exists():
            outcomes.add("no file")
            continue
        integrity, counts = _state(
            demo,
            "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM "
            "activities), (SELECT count(*) FROM cases), (SELECT count(*) FROM history)",
        )
        assert integrity == "ok"
        assert counts in ((), (0, 0, 0, 0), full), counts
        outcomes.add("all" if counts == full else "none")
    assert "none" in outcomes or "no file" in outcomes


@pytest.mark.slow
def test_killed_bulk_undo_is_all_or_nothing(tmp_path: Path) -> None:
    """`crm undo` of a 3,000-contact change deletes them all in one transaction."""
    template = tmp_path / "template.db"
    _seed(template, 3000)
    db = tmp_path / "crm.db"
    env = _env(db, tmp_path / "config.toml")
    _copy_db(template, db)
    full_time = _timed(["undo"], env)
    query = (
        "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM contact_points), "
        "(SELECT count(*) FROM tags), (SELECT count(*) FROM changes WHERE undone_by IS NOT NULL)"
    )
    assert _state(db, query) == ("ok", (0, 0, 0, 1))
    rng = random.Random(9)
    seen = set()
    for _ in range(RUNS):
        _copy_db(template, db)
        _run_and_kill(["undo"], env, rng.uniform(0.05, full_time))
        integrity, counts = _state(db, query)
        assert integrity == "ok"
        assert counts in ((3000, 3000, 3000, 0), (0, 0, 0, 1)), counts
        seen.add(counts[0])
    assert 3000 in seen  # some kills landed before the commit


@pytest.mark.slow
def test_killed_migration_leaves_the_old_schema_or_the_new(tmp_path: Path) -> None:
    """A file of an earlier schema is migrated (after a backup) by the first command that opens it."""
    from sqlite_utils import Database as UtilsDatabase

    from crmcli.storage.migrations import migrations, registered_names
    from crmcli.storage.schema import SCHEMA_VERSION

    if SCHEMA_VERSION < 2:
        pytest.skip("there is no earlier schema to migrate from")
    template = tmp_path / "old.db"
    utils = UtilsDatabase(sqlite3.connect(template), execute_plugins=False)
    migrations.apply(utils, stop_before=registered_names()[-1])
    conn = utils.conn
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.executemany(
        "INSERT INTO contacts (uid, name, sort_key, lifecycle_stage, created_at, updated_at) "
        "VALUES (?, ?, ?, 'customer', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        [(f"u{n}", f"Person {n}", f"person {n}") for n in range(20000)],
    )
    conn.commit()
    conn.close()
    db = tmp_path / "crm.db"
    env = _env(db, tmp_path / "config.toml")
    _copy_db(template, db)
    full_time = _timed(["contact", "list", "--limit", "1"], env)
    rng = random.Random(10)
    versions = set()
    for _ in range(RUNS):
        _copy_db(template, db)
        shutil.rmtree(tmp_path / "backups", ignore_errors=True)
        _run_and_kill(["contact", "list", "--limit", "1"], env, rng.uniform(0.02, full_time))
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        assert version in (SCHEMA_VERSION - 1, SCHEMA_VERSION)
        assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 20000
        applied = conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
        assert applied == version
        conn.close()
        versions.add(version)
        # Whatever the kill left, the next crm brings the file up to date.
        after = subprocess.run(
            [*crm_executable(), "contact", "list", "--limit", "1"], env=env, capture_output=True, text=True
        )
        assert after.returncode == 0, after.stderr
    assert SCHEMA_VERSION - 1 in versions


@pytest.mark.slow
def test_killed_import_is_all_or_nothing(tmp_path: Path) -> None:
    """`crm import contacts` of 20,000 rows into a database that already holds people."""
    source = tmp_path / "people.csv"
    lines = ["name,email,phone,company,tags,field:n"]
    lines += [f"Imported {n:05d},i{n}@example.com,+4722{n:06d},Firm {n % 97},new,{n}" for n in range(20000)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    template = tmp_path / "template.db"
    _seed(template, 50)
    db = tmp_path / "crm.db"
    env = _env(db, tmp_path / "config.toml")
    _copy_db(template, db)
    full_time = _timed(["import", "contacts", str(source)], env)
    query = (
        "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM contact_points), "
        "(SELECT count(*) FROM companies), (SELECT count(*) FROM history)"
    )
    before = _state(template, query)[1]
    integrity, full = _state(db, query)
    assert integrity == "ok" and full[0] == 20050
    rng = random.Random(10)
    seen = set()
    for _ in range(RUNS):
        _copy_db(template, db)
        _run_and_kill(["import", "contacts", str(source)], env, rng.uniform(0.05, full_time))
        integrity, counts = _state(db, query)
        assert integrity == "ok"
        assert counts in (before, full), counts
        seen.add(counts == full)
    assert False in seen  # some kills landed before the commit


@pytest.mark.slow
def test_killed_merge_is_all_or_nothing(tmp_path: Path) -> None:
    """`crm contact merge` moves 30,000 activities, tags and history in one transaction."""
    template = tmp_path / "template.db"
    _seed(template, 2)  # Person 00000 (#1, kept) and Person 00001 (#2, merged into #1)
    conn = sqlite3.connect(template)
    stamp = "2026-01-05T09:00:00Z"
    conn.executemany(
        "INSERT INTO activities (uid, kind, contact_id, note, at, owner, created_at, updated_at) "
        "VALUES (?, 'call', 2, ?, ?, 'tester', ?, ?)",
        [(f"a{n:032d}", f"call {n}", stamp, stamp, stamp) for n in range(30000)],
    )
    conn.commit()
    conn.close()
    db = tmp_path / "crm.db"
    env = _env(db, tmp_path / "config.toml")
    _copy_db(template, db)
    args = ["contact", "merge", "1", "2", "--yes"]
    full_time = _timed(args, env)
    query = (
        "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM activities WHERE contact_id = 1), "
        "(SELECT count(*) FROM activities WHERE contact_id = 2), (SELECT count(*) FROM contact_points)"
    )
    before = _state(template, query)[1]
    integrity, merged = _state(db, query)
    assert integrity == "ok" and merged[:3] == (1, 30000, 0) and before[:3] == (2, 0, 30000)
    rng = random.Random(11)
    seen = set()
    for _ in range(RUNS):
        _copy_db(template, db)
        _run_and_kill(args, env, rng.uniform(0.05, full_time))
        integrity, counts = _state(db, query)
        assert integrity == "ok"
        assert counts in (before, merged), counts
        seen.add(counts == merged)
    assert False in seen  # some kills landed before the commit
