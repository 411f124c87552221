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
