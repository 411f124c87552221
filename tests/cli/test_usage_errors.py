"""Usage errors: one sentence ending with where the help is, exit 2, nothing changed.

A global option that ends the line without its value, an empty --user, a missing NAME or
TITLE where nobody can be asked, and click's guesses at a mistyped option or command; and
`db doctor --json` on a missing database, which still prints its report.
"""

from __future__ import annotations

import pytest

from helpers import one_sentence, rows


@pytest.mark.parametrize(
    ("option", "value"),
    [("--db", "a database file"), ("--config", "a config file"), ("--user", "who is acting")],
)
def test_a_global_option_ending_the_line_says_it_needs_a_value(crm, option: str, value: str) -> None:  # noqa: ANN001
    for line in (("contact", "list", option), ("add", "Kari Nordmann", option), (option,)):
        result = crm.fails(*line, code=2)
        assert one_sentence(result.stderr) == f"crm: {option} needs a value: {value} (see 'crm --help')."
        assert result.stdout == ""
    assert not crm.db.exists()  # the `add` changed nothing


def test_a_global_option_with_its_value_still_goes_anywhere(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--user", "ada")
    assert rows(crm, "SELECT actor FROM changes") == [("ada",)]


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_user_flag_is_refused_as_an_empty_db_is(crm, empty: str) -> None:  # noqa: ANN001
    for line in (("add", "Kari Nordmann", "--user", empty), ("add", "Kari Nordmann", f"--user={empty}"),
                 ("--user", empty, "add", "Kari Nordmann")):  # fmt: skip
        result = crm.fails(*line, code=2)
        assert one_sentence(result.stderr) == "crm: --user is empty; give a handle (see 'crm --help')."
    assert not crm.db.exists()


def test_an_empty_crm_user_is_unset_as_an_empty_variable_commonly_is(crm) -> None:  # noqa: ANN001
    crm.write_config('user = "cfg"\n')
    result = crm("add", "Kari Nordmann", env={"CRM_USER": ""})
    assert result.exit_code == 0, result.stderr
    assert rows(crm, "SELECT actor FROM changes") == [("cfg",)]  # the config's user, as unset


@pytest.mark.parametrize(
    ("line", "sentence"),
    [
        (("add",), "crm: Missing argument 'NAME' (see 'crm add --help')."),
        (("contact", "add", "--email", "kari@example.com"),
         "crm: Missing argument 'NAME' (see 'crm contact add --help')."),
        (("company", "add"), "crm: Missing argument 'NAME' (see 'crm company add --help')."),
        (("lead", "add"), "crm: Missing argument 'NAME' (see 'crm lead add --help')."),
        (("lead", "add", "Åsa"), "crm: Missing option '--source' (see 'crm lead add --help')."),
        (("deal", "add"), "crm: Missing argument 'TITLE' (see 'crm deal add --help')."),
        # as click says it of an argument it requires itself
        (("log",), "crm: Missing argument 'REF' (see 'crm log --help')."),
    ],
)  # fmt: skip
def test_a_missing_required_value_is_a_usage_error_when_nobody_can_be_asked(crm, line, sentence) -> None:  # noqa: ANN001
    result = crm.fails(*line, code=2, input="Kari Nordmann\n")  # stdin is no terminal: no prompt
    assert one_sentence(result.stderr) == sentence
    assert result.stdout == "" and not crm.db.exists()


@pytest.mark.parametrize(
    ("line", "sentence"),
    [
        (("report", "weekly", "--json"),
         "crm: No such option '--json'; did you mean '--as-of' or '--owner'?"
         " (see 'crm report weekly --help')."),
        (("kpi", "--as-of", "2026-12-01"),
         "crm: No such option '--as-of'; did you mean '--json'? (see 'crm kpi --help')."),
        (("contact", "list", "--limi", "3"),
         "crm: No such option '--limi'; did you mean '--limit'? (see 'crm contact list --help')."),
        (("contact", "list", "--bogus"), "crm: No such option '--bogus' (see 'crm contact list --help')."),
        (("contact", "lst"), "crm: No such command 'lst'; did you mean 'list'? (see 'crm contact --help')."),
        (("contcat", "list"), "crm: No such command 'contcat'; did you mean 'contact'? (see 'crm --help')."),
        (("zzz",), "crm: No such command 'zzz' (see 'crm --help')."),
    ],
)  # fmt: skip
def test_clicks_guesses_are_part_of_the_one_sentence(crm, line, sentence) -> None:  # noqa: ANN001
    result = crm.fails(*line, code=2)
    assert one_sentence(result.stderr) == sentence
    assert result.stdout == ""


def test_three_guesses_are_listed_in_one_sentence(crm) -> None:  # noqa: ANN001
    result = crm.fails("contact", "list", "--sart", code=2)
    assert one_sentence(result.stderr) == (
        "crm: No such option '--sart'; did you mean '--search', '--sort' or '--stage'?"
        " (see 'crm contact list --help')."
    )


def test_doctor_json_on_a_missing_database_still_prints_its_report(crm, tmp_path) -> None:  # noqa: ANN001
    missing = tmp_path / "crn.db"
    said = f"crm: There is no database at {missing} to check; none was made (check --db or CRM_DB)."
    result = crm("--db", str(missing), "db", "doctor", "--json")
    assert result.exit_code == 3
    assert one_sentence(result.stderr) == said
    report = result.json()
    assert report["ok"] is False
    assert report["findings"] == [{"check": "integrity", "record": str(missing), "problem": said[5:-1]}]
    # the same shape as on a database: every check, each with its status
    crm.ok("add", "Kari Nordmann")
    sound = crm.ok("db", "doctor", "--json").json()
    assert sorted(report) == sorted(sound)
    assert [c["check"] for c in report["checks"]] == [c["check"] for c in sound["checks"]]
    assert {c["status"] for c in report["checks"][1:]} == {"skipped"}
    assert not missing.exists()
    plain = crm("--db", str(missing), "db", "doctor")  # without --json, stdout stays empty
    assert (plain.exit_code, plain.stdout, one_sentence(plain.stderr)) == (3, "", said)
