"""Stage names that differ only in symbols or punctuation are two stages: the config check
takes as one only names equal once case, spaces, hyphens and underscores are set aside, and
an import cell names a stage as written before it is read by its letters and digits."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import one_sentence, rows, write_csv

TWO = """\
[[pipelines]]
name = "sales"
[[pipelines.stages]]
name = "{first}"
probability = 10
[[pipelines.stages]]
name = "{second}"
probability = 20
"""


@pytest.mark.parametrize(
    ("first", "second"),
    [("🟢", "🔴"), ("C++", "C#"), ("_", "-"), ("Needs Analysis", "Needs.Analysis"), ("a/b", "a+b")],
)
def test_names_apart_by_their_symbols_are_two_stages(crm, first: str, second: str) -> None:  # noqa: ANN001
    crm.write_config(TWO.format(first=first, second=second))
    crm.ok("deal", "add", "One", "-s", first)
    crm.ok("deal", "add", "Two", "-s", second)
    assert rows(crm, "SELECT stage FROM deals ORDER BY id") == [(first,), (second,)]
    assert [deal["title"] for deal in crm.ok("deal", "list", "--stage", second, "--json").json()] == ["Two"]


@pytest.mark.parametrize("second", ["NEEDS_ANALYSIS", "needs - analysis", "Needs\tAnalysis"])
def test_names_apart_by_case_spaces_hyphens_or_underscores_are_still_one(crm, second: str) -> None:  # noqa: ANN001
    crm.write_config(TWO.format(first="Needs Analysis", second=second.replace("\t", "\\t")))
    result = crm.fails("deal", "list")
    assert one_sentence(result.stderr).endswith(
        f"{second!r} names two stages of this pipeline: crm reads it as 'Needs Analysis' "
        "(stage names match whatever their case, spaces, hyphens and underscores)."
    )


def imported(crm, tmp_path: Path, cells: list[str]):  # noqa: ANN001, ANN201
    source = write_csv(
        tmp_path / "deals.csv", [["title", "stage"], *[[f"D{i}", c] for i, c in enumerate(cells)]]
    )
    return crm("import", "deals", str(source), "--rejects", str(tmp_path / "rejects.csv"), "--partial")


def test_an_import_cell_is_the_stage_written_so(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(
        TWO.format(first="C++", second="C#")
        + '[[pipelines.stages]]\nname = "🟢"\nprobability = 30\n'
        + '[[pipelines.stages]]\nname = "Needs Analysis"\nprobability = 40\n'
        + '[[pipelines.stages]]\nname = "Needs.Analysis"\nprobability = 50\n'
        + '[[pipelines.stages]]\nname = "proposal-price-quote"\nprobability = 60\n'
    )
    cells = ["c++", "C#", " 🟢 ", "C ++", "needs_analysis", "NEEDS.ANALYSIS", "Proposal/Price Quote"]
    result = imported(crm, tmp_path, cells)
    assert result.exit_code == 0, result.stderr
    assert rows(crm, "SELECT stage FROM deals ORDER BY id") == [
        ("C++",),
        ("C#",),
        ("🟢",),
        ("C++",),
        ("Needs Analysis",),
        ("Needs.Analysis",),
        ("proposal-price-quote",),
    ]


def test_a_cell_of_other_symbols_is_no_stage_without_letters(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(TWO.format(first="🟢", second="qualification"))
    imported(crm, tmp_path, ["🟡", "--", "🟢"])
    assert rows(crm, "SELECT title, stage FROM deals ORDER BY id") == [("D2", "🟢")]
    reasons = (tmp_path / "rejects.csv").read_text(encoding="utf-8")
    assert "has no stage '🟡'" in reasons and "has no stage '--'" in reasons
