"""Stage names as crm matches them: the config refuses two stages that `--stage` and imports
would read as one, and a stage that deals still hold, though renamed in the config, is a
filter that wins over a prefix of a configured stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import one_sentence, rows, write_csv

TWO_AS_ONE = """\
[[pipelines]]
name = "sales"
[[pipelines.stages]]
name = "Needs Analysis"
probability = 10
[[pipelines.stages]]
name = "{second}"
probability = 20
"""


@pytest.mark.parametrize("second", ["needs-analysis", "needs_analysis", "NEEDS  ANALYSIS", "needsanalysis"])
def test_the_config_refuses_two_stages_read_as_one(crm, second: str) -> None:  # noqa: ANN001
    crm.write_config(TWO_AS_ONE.format(second=second))
    result = crm.fails("deal", "add", "C", "-s", "needs analysis")
    message = one_sentence(result.stderr)
    assert message.endswith(
        f"line 7: pipelines[0].stages[1].name {second!r} names two stages of this pipeline: crm reads it "
        "as 'Needs Analysis' (stage names match whatever their case, spaces, hyphens and underscores)."
    )
    assert rows(crm, "SELECT id FROM deals") == []


def test_an_import_is_refused_too(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(TWO_AS_ONE.format(second="needs-analysis"))
    source = write_csv(tmp_path / "deals.csv", [["title", "stage"], ["C", "Needs-Analysis"]])
    result = crm.fails("import", "deals", str(source))
    assert "names two stages of this pipeline" in one_sentence(result.stderr)
    assert rows(crm, "SELECT id FROM deals") == []


def test_names_that_differ_only_in_case_keep_their_sentence(crm) -> None:  # noqa: ANN001
    crm.write_config(TWO_AS_ONE.replace("Needs Analysis", "X").format(second="x"))
    result = crm.fails("deal", "list")
    assert one_sentence(result.stderr).endswith("'x' names two stages of this pipeline.")


def test_two_pipelines_may_each_have_the_stage(crm) -> None:  # noqa: ANN001
    crm.write_config(
        TWO_AS_ONE.format(second="proposal")
        + '[[pipelines]]\nname = "renewals"\n[[pipelines.stages]]\nname = "needs-analysis"\nprobability = 5\n'
    )
    crm.ok("deal", "add", "C", "-s", "needs analysis")
    crm.ok("deal", "add", "D", "-P", "renewals", "-s", "needs-analysis")
    assert rows(crm, "SELECT pipeline, stage FROM deals ORDER BY id") == [
        ("sales", "Needs Analysis"),
        ("renewals", "needs-analysis"),
    ]


RENAMED = """\
[[pipelines]]
name = "sales"
[[pipelines.stages]]
name = "demo"
probability = 30
[[pipelines.stages]]
name = "proposal"
probability = 50
"""


@pytest.fixture
def renamed_stage(crm):  # noqa: ANN001, ANN201
    crm.write_config(RENAMED)
    crm.ok("deal", "add", "Left in demo", "-s", "demo")
    crm.write_config(RENAMED.replace('"demo"', '"demonstration"'))
    crm.ok("deal", "add", "In demonstration", "-s", "demonstration")
    return crm


def ids(result) -> list[int]:  # noqa: ANN001
    return [deal["id"] for deal in result.json()]


@pytest.mark.parametrize("pipeline", [(), ("--pipeline", "sales")])
def test_a_stage_deals_still_hold_wins_over_a_prefix(renamed_stage, pipeline) -> None:  # noqa: ANN001
    assert ids(renamed_stage.ok("deal", "list", *pipeline, "--stage", "demo", "--json")) == [1]
    assert ids(renamed_stage.ok("deal", "list", *pipeline, "--stage", "DEMO", "--json")) == [1]
    assert ids(renamed_stage.ok("deal", "list", *pipeline, "--stage", "demon", "--json")) == [2]
    exported = renamed_stage.ok("export", "deals", *pipeline, "--stage", "demo", "--format", "csv").stdout
    assert exported.count("Left in demo") == 1 and "In demonstration" not in exported


@pytest.mark.parametrize(
    ("pipeline", "sentence"),
    [
        ((), "crm: No pipeline has a stage 'zz'; the stages are demonstration, proposal (then won or lost); "
             "deals are also still in demo, no longer in the config."),
        (("--pipeline", "sales"), "crm: The pipeline sales has no stage 'zz'; its stages are demonstration, "
                                  "proposal (then won or lost); deals are also still in demo, no longer in "
                                  "the config."),
    ],
)  # fmt: skip
def test_an_unknown_stage_is_still_refused(renamed_stage, pipeline, sentence: str) -> None:  # noqa: ANN001
    result = renamed_stage.fails("deal", "list", *pipeline, "--stage", "zz")
    assert one_sentence(result.stderr) == sentence
