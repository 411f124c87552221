"""`crm db restore` of something that is there but is no file says what it is."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from helpers import every_row, one_sentence


def _refused(crm, source: Path) -> str:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    before = every_row(crm.db)
    result = crm.fails("db", "restore", str(source), "--yes")
    assert result.stdout == ""
    assert every_row(crm.db) == before
    assert [p.name for p in crm.db.parent.iterdir() if "before-restore" in p.name] == []
    return one_sentence(result.stderr)


def test_a_folder_is_named_a_folder(crm, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "dd"
    folder.mkdir()
    assert _refused(crm, folder) == f"crm: {folder} is a folder; give a backup file crm db backup wrote."


@pytest.mark.skipif(sys.platform == "win32", reason="no fifos on Windows")
def test_a_fifo_is_named_not_a_regular_file_and_is_not_opened(crm, tmp_path: Path) -> None:  # noqa: ANN001
    fifo = tmp_path / "ff"
    os.mkfifo(fifo)
    # Opening it to read would wait for a writer forever: the answer comes without that.
    assert _refused(crm, fifo) == (
        f"crm: {fifo} is not a regular file; give a backup file crm db backup wrote."
    )


def test_a_missing_file_is_still_named_missing(crm, tmp_path: Path) -> None:  # noqa: ANN001
    assert _refused(crm, tmp_path / "nosuch.db") == f"crm: There is no file {tmp_path / 'nosuch.db'}."
