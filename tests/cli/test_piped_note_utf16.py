"""A note piped in that starts with a UTF-16 byte-order mark but is not UTF-16 is refused
in one sentence and writes nothing, whichever command reads it (crm log, crm activity add,
crm activity edit --note -); good UTF-16 of either byte order is still read whole."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from helpers import one_sentence

BROKEN_UTF16 = {
    "cut-off": b"\xff\xfeh",  # the README's report: an odd byte count
    "lone-high-surrogate-at-end": b"\xff\xfe\x00\xd8",
    "lone-low-surrogate": b"\xff\xfeh\x00\x00\xdci\x00",
    "high-surrogate-before-a-letter": b"\xff\xfe\x00\xd8h\x00",
    "big-endian-cut-off": b"\xfe\xff\x00h\x00",
}

READERS = {
    "log": ("log", "kari", "note", "-"),
    "activity-add": ("activity", "add", "kari", "-"),
    "activity-edit": ("activity", "edit", "1", "--note", "-"),
}


@pytest.fixture
def crm(crm):  # noqa: ANN001, ANN201
    crm.ok("add", "Kari Nordmann")
    crm.ok("log", "kari", "note", "As it was")
    return crm


def state(db: Path) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return tuple(
            conn.execute(sql).fetchall()
            for sql in ("SELECT id, note FROM activities ORDER BY id", "SELECT count(*) FROM changes",
                        "SELECT count(*) FROM history")
        )  # fmt: skip
    finally:
        conn.close()


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
@pytest.mark.parametrize("piped", BROKEN_UTF16.values(), ids=BROKEN_UTF16.keys())
def test_broken_utf16_on_stdin_is_refused_and_writes_nothing(crm, reader, piped: bytes) -> None:  # noqa: ANN001
    before = state(crm.db)
    result = crm.fails(*reader, input=piped)  # type: ignore[arg-type]  # CliRunner takes bytes
    sentence = one_sentence(result.stderr)
    assert "UTF-16 byte-order mark" in sentence and "not valid UTF-16" in sentence
    assert result.stdout == ""
    assert state(crm.db) == before


@pytest.mark.parametrize(
    "piped",
    ["Hei fra Tromsø 🙂\n".encode("utf-16-le"), "Hei fra Tromsø 🙂\n".encode("utf-16-be")],
    ids=["little-endian", "big-endian"],
)
def test_good_utf16_with_a_bom_is_still_read_whole(crm, piped: bytes) -> None:  # noqa: ANN001
    bom = b"\xff\xfe" if piped[1] == 0 else b"\xfe\xff"
    record = crm.ok("activity", "edit", "1", "--note", "-", "--json", input=bom + piped).json()  # type: ignore[arg-type]
    assert record["note"] == "Hei fra Tromsø 🙂"


def test_broken_utf16_through_the_installed_crm(tmp_path: Path) -> None:
    """Real pipes, real exit code: the bytes a mail filter hands over."""
    from conftest import crm_executable

    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db"), "CRM_CONFIG": str(tmp_path / "config.toml")}
    crm = crm_executable()
    assert subprocess.run([*crm, "add", "Kari Nordmann"], env=env, capture_output=True).returncode == 0
    done = subprocess.run(
        [*crm, "log", "kari", "note", "-"], input=b"\xff\xfeh", env=env, capture_output=True
    )
    assert done.returncode == 1
    assert "not valid UTF-16" in one_sentence(done.stderr.decode())
    listed = subprocess.run([*crm, "activity", "list", "--json"], env=env, capture_output=True)
    assert json.loads(listed.stdout) == []
