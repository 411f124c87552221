"""Many crm processes on one file at once: a cron job, an import and two people.

Four writers run 500 commands each through the real `crm` executable while a fifth runs
reads and checks in a loop. No command may fail (no "database is locked"), and every row
written must be there at the end.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import crm_executable

WRITERS = 4
COMMANDS_PER_WRITER = 500


def _env(tmp_path: Path, user: str) -> dict[str, str]:
    return {
        **os.environ,
        "CRM_DB": str(tmp_path / "crm.db"),
        "CRM_CONFIG": str(tmp_path / "config.toml"),
        "CRM_USER": user,
    }


def _writer_commands(writer: int) -> list[list[str]]:
    """A realistic mix: new people, calls logged with them, consent recorded, details edited."""
    commands: list[list[str]] = []
    for k in range(COMMANDS_PER_WRITER):
        step = k % 5
        person = k - step  # the person added at the start of this group of five
        email = f"w{writer}p{person}@example.com"
        if step == 0:
            commands.append(
                ["add", f"Writer{writer} Person{person}", "--email", email, "--tag", f"w{writer}"]
            )
        elif step == 1:
            commands.append(["log", email, "call", f"call {writer}-{k}"])
        elif step == 2:
            commands.append(["gdpr", "consent", email, "--purpose", "newsletter", "--given"])
        elif step == 3:
            commands.append(["contact", "edit", email, "--title", f"Title {writer}-{k}"])
        else:
            commands.append(["log", email, "note", f"note {writer}-{k}"])
    return commands


@pytest.mark.slow
def test_four_writers_and_a_reader_lose_nothing(tmp_path: Path) -> None:
    exe = crm_executable()
    first = subprocess.run(
        [*exe, "contact", "list"], env=_env(tmp_path, "setup"), capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    failures: list[str] = []
    done = threading.Event()

    def write(writer: int) -> None:
        env = _env(tmp_path, f"writer{writer}")
        for command in _writer_commands(writer):
            result = subprocess.run([*exe, *command], env=env, capture_output=True, text=True, timeout=120)
            if result.returncode != 0:
                failures.append(
                    f"writer {writer}: crm {' '.join(command)} -> {result.returncode}: {result.stderr}"
                )

    reads = 0

    def read() -> None:
        nonlocal reads
        env = _env(tmp_path, "reader")
        loop = (
            ["contact", "list", "--json"],
            ["agenda"],
            ["contact", "list", "--consent", "newsletter"],
            ["db", "doctor", "--json"],
            ["activity", "list", "--json"],
        )
        while not done.is_set():
            for command in loop:
                result = subprocess.run(
                    [*exe, *command], env=env, capture_output=True, text=True, timeout=120
                )
                reads += 1
                if result.returncode != 0:
                    failures.append(
                        f"reader: crm {' '.join(command)} -> {result.returncode}: {result.stderr}"
                    )

    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()

    assert failures == []
    assert reads > 0
    conn = sqlite3.connect(tmp_path / "crm.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    groups = COMMANDS_PER_WRITER // 5
    for writer in range(WRITERS):
        people = {
            row[0]
            for row in conn.execute(
                "SELECT email FROM contacts WHERE email LIKE ?", [f"w{writer}p%@example.com"]
            )
        }
        assert people == {f"w{writer}p{5 * g}@example.com" for g in range(groups)}
        notes = {
            row[0]
            for row in conn.execute(
                "SELECT note FROM activities WHERE note LIKE ? OR note LIKE ?",
                [f"call {writer}-%", f"note {writer}-%"],
            )
        }
        assert len(notes) == 2 * groups
        consents = conn.execute(
            "SELECT count(*) FROM consents WHERE recorded_by = ? AND purpose = 'newsletter'",
            [f"writer{writer}"],
        ).fetchone()[0]
        assert consents == groups
        titled = conn.execute(
            "SELECT count(*) FROM contacts WHERE title LIKE ?", [f"Title {writer}-%"]
        ).fetchone()[0]
        assert titled == groups
    changes = conn.execute("SELECT count(*) FROM changes WHERE actor LIKE 'writer%'").fetchone()[0]
    assert changes == WRITERS * COMMANDS_PER_WRITER
    conn.close()
    wal = tmp_path / "crm.db-wal"
    assert not wal.exists() or wal.stat().st_size < 64 * 1024 * 1024
