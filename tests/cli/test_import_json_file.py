"""A JSON file given to `crm import` (crm's own `export --format json`) is named for what
it is, rather than refused for a column it could never have."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from helpers import one_sentence, rows

KINDS = ("contacts", "companies", "deals", "activities")


@pytest.mark.parametrize("kind", KINDS)
def test_a_json_export_is_refused_as_json(crm, tmp_path: Path, kind: str) -> None:  # noqa: ANN001
    crm.ok("add", "Kari", "-e", "kari@x.no")
    crm.ok("export", "contacts", "--format", "json", "-o", str(tmp_path / "c.json"))
    before = rows(crm, "SELECT count(*) FROM contacts")

    result = crm.fails("import", kind, str(tmp_path / "c.json"))
    assert one_sentence(result.stderr) == (
        f"crm: {tmp_path / 'c.json'} holds JSON; crm import reads CSV (export it with --format csv)."
    )
    assert rows(crm, "SELECT count(*) FROM contacts") == before


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "text", ['[{"name": "Kari"}]', '\n  [\n  {"name": "Kari"}\n]\n', '{"name": "Kari"}\n']
)
def test_json_on_standard_input_is_refused(crm_process, kind: str, text: str) -> None:  # noqa: ANN001
    result = crm_process("import", kind, "-", input=text)
    assert result.returncode == 1
    assert one_sentence(result.stderr) == (
        "crm: standard input holds JSON; crm import reads CSV (export it with --format csv)."
    )


def test_json_after_a_byte_order_mark_is_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "c.json"
    source.write_bytes(codecs.BOM_UTF8 + b' [ {"name": "Kari"} ]')
    result = crm.fails("import", "contacts", str(source))
    assert "holds JSON" in one_sentence(result.stderr)


def test_a_csv_whose_first_header_starts_with_a_bracket_is_csv(crm, tmp_path: Path) -> None:  # noqa: ANN001
    source = tmp_path / "c.csv"
    source.write_text("[Name],Email\nKari,kari@x.no\n", encoding="utf-8")
    crm.ok("import", "contacts", str(source), "--map", "[Name]=name")
    assert rows(crm, "SELECT name FROM contacts") == [("Kari",)]
