"""An import that writes no record (every row rejected with --partial, or every row a
duplicate to skip) commits nothing: the file stays byte for byte as it was, and the
message does not speak of rows imported that were never there."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import one_sentence, write_csv


@pytest.mark.parametrize(
    ("kind", "header", "rows"),
    [
        ("contacts", ["name", "email"], [["A", "nope"], ["B", "nope2"]]),
        ("deals", ["title", "amount"], [["D", "abc"]]),
        ("activities", ["contact", "kind", "note"], [["kari", "flyby", "x"]]),
    ],
)
def test_a_partial_import_that_rejects_every_row_leaves_the_file_as_it_was(
    crm_process, tmp_path: Path, kind: str, header: list[str], rows: list[list[str]]
) -> None:  # noqa: ANN001
    assert crm_process("add", "Kari", "--email", "k@x.no").returncode == 0
    before = (tmp_path / "crm.db").read_bytes()
    source = write_csv(tmp_path / "bad.csv", [header, *rows])
    done = crm_process("import", kind, str(source), "--partial")
    assert done.returncode == 1
    refusal = one_sentence(done.stderr.splitlines()[-1] + "\n")
    assert refusal.endswith("rejected; no row was left to import.")
    assert (tmp_path / "crm.db").read_bytes() == before


def test_an_import_of_duplicates_only_leaves_the_file_as_it_was(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    assert crm_process("add", "Kari", "--email", "k@x.no").returncode == 0
    before = (tmp_path / "crm.db").read_bytes()
    source = write_csv(tmp_path / "same.csv", [["name", "email"], ["Kari", "k@x.no"]])
    done = crm_process("import", "contacts", str(source))
    assert done.returncode == 0, done.stderr
    assert "same.csv, 1 row: 0 created, 0 updated, 0 unchanged, 1 skipped as duplicates" in done.stderr
    assert done.stderr.startswith("Imported contacts from ")
    assert (tmp_path / "crm.db").read_bytes() == before


def test_a_partial_import_with_good_rows_still_says_the_others_were_imported(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = write_csv(tmp_path / "mixed.csv", [["name", "email"], ["Ola", "ola@x.no"], ["B", "nope"]])
    failed = crm.fails("import", "contacts", str(source), "--partial")
    assert failed.stderr.splitlines()[-1] == "crm: 1 row was rejected; the other rows were imported."
