"""A contacts import reads and validates in a forked process and writes in this one
(services/import_process.py): the same result as reading here, errors of the reading side
as one sentence with nothing written, and progress reported from here."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from crmcli.config import Config
from crmcli.services import import_contacts, import_process
from crmcli.services.importing import ImportOptions, import_file
from crmcli.services.session import Session
from crmcli.storage.db import open_db
from helpers import one_sentence, rows

COUNT = 2500  # more than the 1,000 rows read ahead in this process before the fork


def write_file(path: Path, bad_lines: tuple[int, ...] = (), count: int = COUNT) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "Email", "Company", "Lifecycle Stage", "Tags"])
        for i in range(1, count + 1):
            email = "not an address" if i + 1 in bad_lines else f"p{i}@c{i % 40}.example.com"
            writer.writerow([f"Åse {i}", "Nordmann", email, f"Firma {i % 40}", ["Lead", "Customer"][i % 2],
                             "vip" if i % 3 == 0 else ""])  # fmt: skip
    return path


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the imports that read in a child process."""
    calls: list[int] = []
    original = import_process.read_in_child

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(import_process, "read_in_child", counted)
    return calls


def snapshot(crm) -> dict[str, list[tuple]]:  # noqa: ANN001
    return {
        "contacts": rows(
            crm,
            "SELECT c.id, c.name, c.email, co.name, c.lifecycle_stage, c.owner FROM contacts c "
            "LEFT JOIN companies co ON co.id = c.company_id ORDER BY c.id",
        ),  # fmt: skip
        "points": rows(crm, "SELECT contact_id, kind, value, position FROM contact_points ORDER BY id"),
        "tags": rows(crm, "SELECT entity, entity_id, tag FROM tags ORDER BY entity, entity_id, tag"),
        "search": rows(crm, "SELECT rowid, text FROM contacts_fts ORDER BY rowid"),
        "history": rows(crm, "SELECT entity, entity_id, action, note FROM history ORDER BY id"),
        "stages": rows(crm, "SELECT contact_id, to_stage FROM lifecycle_changes ORDER BY id"),
    }


def test_reading_in_a_child_gives_what_reading_here_gives(
    crm,
    tmp_path: Path,
    forks: list[int],
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    source = write_file(tmp_path / "people.csv", bad_lines=(40, 2400))
    crm.fails("import", "contacts", str(source), "--partial", "--rejects", str(tmp_path / "forked.csv"))
    assert forks == [1]
    forked = snapshot(crm)
    assert len(forked["contacts"]) == COUNT - 2 and len(forked["history"]) == COUNT - 2 + 40

    crm.db = tmp_path / "here.db"
    monkeypatch.setattr(import_process, "can_fork", lambda: False)
    crm.fails("import", "contacts", str(source), "--partial", "--rejects", str(tmp_path / "here.csv"))
    assert forks == [1]
    assert snapshot(crm) == forked
    assert (tmp_path / "forked.csv").read_text() == (tmp_path / "here.csv").read_text()
    assert (tmp_path / "forked.csv").read_text().count("First Name") == 1


def test_all_or_nothing_holds_when_the_child_rejects_a_late_row(
    crm, tmp_path: Path, forks: list[int]
) -> None:  # noqa: ANN001
    source = write_file(tmp_path / "people.csv", bad_lines=(2300,))
    result = crm.fails("import", "contacts", str(source))
    assert forks == [1] and "line 2300" in result.stderr + result.stdout
    assert rows(crm, "SELECT count(*) FROM contacts") == [(0,)]


def test_bad_bytes_late_in_the_file_are_one_sentence_and_nothing_is_written(
    crm,
    tmp_path: Path,
    forks: list[int],  # noqa: ANN001
) -> None:
    # Past the first megabyte, which this process decodes before the fork.
    source = write_file(tmp_path / "people.csv", count=20_000)
    data = source.read_bytes().replace("Åse 19000,".encode(), "\xc5se 19000,".encode("latin-1"))
    source.write_bytes(data)
    result = crm.fails("import", "contacts", str(source))
    assert forks == [1]
    assert "not UTF-8" in one_sentence(result.stderr) and "--encoding" in result.stderr
    assert rows(crm, "SELECT count(*) FROM contacts") == [(0,)]


def test_a_reading_process_that_dies_stops_the_import(
    crm,
    tmp_path: Path,
    forks: list[int],
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    source = write_file(tmp_path / "people.csv")
    parent = os.getpid()
    original = import_contacts.ContactImporter.row

    def dying(self, record):  # noqa: ANN001, ANN202
        if record.line == 1800 and os.getpid() != parent:
            os._exit(3)
        return original(self, record)

    monkeypatch.setattr(import_contacts.ContactImporter, "row", dying)
    result = crm.fails("import", "contacts", str(source))
    assert forks == [1]
    assert one_sentence(result.stderr) == "crm: The import stopped: the process reading the file ended early."
    assert rows(crm, "SELECT count(*) FROM contacts") == [(0,)]


def test_progress_is_reported_from_the_writing_process(tmp_path: Path, forks: list[int]) -> None:
    source = write_file(tmp_path / "people.csv")
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    session = Session(db=open_db(tmp_path / "crm.db"), config=Config.load(config), actor="ada")
    seen: list[tuple[int, int | None, int]] = []
    report = import_file(session, ImportOptions("contacts", str(source)), progress=lambda *a: seen.append(a))
    session.db.close()
    assert forks == [1] and report.written and report.created == COUNT
    assert [rows_read for _, _, rows_read in seen] == [2000, COUNT]
    assert seen[-1][0] == seen[-1][1] == source.stat().st_size


def test_updates_of_duplicates_read_here(crm, tmp_path: Path, forks: list[int]) -> None:  # noqa: ANN001
    source = write_file(tmp_path / "people.csv")
    crm.ok("import", "contacts", str(source))
    crm.ok("import", "contacts", str(source), "--on-duplicate", "update", "--tag", "again")
    assert forks == [1]  # the second import planned jobs that read the database: no child
    assert rows(crm, "SELECT count(*) FROM tags WHERE tag = 'again'") == [(COUNT,)]
