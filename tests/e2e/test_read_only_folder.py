"""A database in a folder shared read-only, as a colleague reads it: the installed `crm`,
pipes, and a folder whose mode forbids writing.

Root ignores modes, so as root the process runs without CAP_DAC_OVERRIDE (setpriv): the
folder's mode then stops it as it stops anyone else, and the test sees the real failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import crm_executable

DROP = "-dac_override,-dac_read_search"


def without_write_rights() -> list[str]:
    """What to run crm under so that a folder's mode stops it from writing there."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    prefix = [setpriv or "setpriv", f"--bounding-set={DROP}", f"--inh-caps={DROP}"]
    if setpriv is None or subprocess.run([*prefix, "true"], capture_output=True).returncode:
        pytest.skip(
            "as root, modes stop a write only without CAP_DAC_OVERRIDE, and setpriv cannot drop it here"
        )
    return prefix


@pytest.fixture
def shared(tmp_path: Path, crm_process) -> Iterator[Path]:  # noqa: ANN001
    """A folder holding a database with two contacts, then made read-only (mode 555)."""
    folder = tmp_path / "shared"
    folder.mkdir()
    env = {"CRM_DB": str(folder / "crm.db")}
    for name in ("Kari Nordmann", "Ola Hansen"):
        assert crm_process("add", name, env=env).returncode == 0
    folder.chmod(0o555)
    yield folder / "crm.db"
    folder.chmod(0o755)


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRM_DB": str(db), "CRM_CONFIG": str(db.parent.parent / "config.toml")}
    return subprocess.run(
        [*without_write_rights(), *crm_executable(), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_reads_work_in_a_read_only_folder_and_a_write_is_one_sentence(shared: Path) -> None:
    assert sorted(p.name for p in shared.parent.iterdir()) == ["crm.db"]
    listed = run(shared, "contact", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert sorted(c["name"] for c in json.loads(listed.stdout)) == ["Kari Nordmann", "Ola Hansen"]
    for args in (("show", "Kari"), ("kpi",), ("export", "contacts"), ("agenda",)):
        result = run(shared, *args)
        assert result.returncode == 0 and "crm:" not in result.stderr, (args, result.stderr)
    assert "Kari Nordmann" in run(shared, "export", "contacts").stdout

    added = run(shared, "add", "Ada Lovelace")
    assert added.returncode == 1 and added.stdout == ""
    assert added.stderr == (
        f"crm: The database {shared} is read-only (the folder or file cannot be written); "
        "nothing was changed.\n"
    )
    assert sorted(p.name for p in shared.parent.iterdir()) == ["crm.db"]  # no -wal, -shm or backups
    assert len(json.loads(run(shared, "contact", "list", "--json").stdout)) == 2


@pytest.fixture
def own(tmp_path: Path, crm_process) -> Path:  # noqa: ANN001
    """A database with one contact in a folder crm may write."""
    folder = tmp_path / "own"
    folder.mkdir()
    assert crm_process("add", "Kari Nordmann", env={"CRM_DB": str(folder / "crm.db")}).returncode == 0
    return folder / "crm.db"


def killed_mid_change(db: Path) -> None:
    """A program killed after a change: the change is in the -wal, not yet in the file."""
    change = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "c.execute(\"UPDATE contacts SET title = 'NEW'\")\n"
        "os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", change, str(db)], check=False)
    assert Path(f"{db}-wal").stat().st_size > 0


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_restore_onto_a_file_crm_cannot_write_is_refused_and_leaves_nothing_in_the_way(
    own: Path, tmp_path: Path
) -> None:
    """SQLite used to make a -wal and -shm with the file's mode (0444) and a copy of the file
    before failing in its own words; those then refused every write once the file was made
    writable again."""
    backup = tmp_path / "b.db"
    assert run(own, "db", "backup", str(backup)).returncode == 0
    own.chmod(0o444)
    before = names(own.parent)
    restored = run(own, "db", "restore", str(backup), "--yes")
    assert restored.returncode == 1 and restored.stderr == (
        f"crm: The database {own} is read-only (the folder or file cannot be written); nothing was changed.\n"
    )
    assert names(own.parent) == before
    own.chmod(0o600)
    added = run(own, "add", "Ola Hansen")
    assert added.returncode == 0, added.stderr


def test_a_read_makes_no_shm_and_a_shm_left_read_only_is_named(own: Path) -> None:
    """Reading a log needs a -shm; one made by a read of a 0444 file is 0444 too and refuses
    every later write. crm makes none, and names one that another program left."""
    killed_mid_change(own)
    Path(f"{own}-shm").unlink()
    own.chmod(0o444)
    listed = run(own, "contact", "list")
    assert listed.returncode == 1 and listed.stderr == (
        f"crm: Cannot read the database {own}: its log {own}-wal needs a {own}-shm file beside it, "
        "which is missing, and crm makes none where the database is read-only (the folder or file "
        "cannot be written); open it once where it can be written.\n"
    )
    assert names(own.parent) == ["crm.db", "crm.db-wal"]
    own.chmod(0o600)
    assert run(own, "contact", "edit", "Kari", "--title", "CEO").returncode == 0

    killed_mid_change(own)
    Path(f"{own}-shm").unlink()
    own.chmod(0o444)
    reader = [*without_write_rights(), sys.executable, "-c",
              "import sqlite3, sys; sqlite3.connect(sys.argv[1], uri=True).execute('SELECT 1 FROM contacts')",
              f"file:{own}?mode=ro"]  # fmt: skip
    subprocess.run(reader, check=True)
    own.chmod(0o600)
    edited = run(own, "contact", "edit", "Kari", "--title", "CTO")
    assert edited.returncode == 1 and edited.stderr == (
        f"crm: The database {own} cannot be written: the file {own}-shm beside it is read-only; "
        "make it writable, or remove it while nothing has the database open; nothing was changed.\n"
    )
