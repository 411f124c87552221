"""A tag a rule names is checked as a tag typed on entry is: the config is refused at load,
and `crm rules check` lists each bad tag."""

from __future__ import annotations

from pathlib import Path

from crmcli.storage.db import open_db

SIGNED = '[[rules]]\nname = "Tag new"\non = "contact.created"\nadd_tags = ["-trial", "+vip", "ok"]\n'
WHEN_SIGNED = """[[rules]]
name = "Trials"
on = "contact.created"
when.any = [ { field = "tags", op = "contains", value = "-trial" },
             { field = "company.tags", op = "in", value = ["vip", "+vip"] },
             { field = "tags", op = "not_in", value = ["a;b"] } ]
add_tags = ["seen"]
"""


def test_rules_check_reports_each_tag_starting_with_a_sign(crm) -> None:  # noqa: ANN001
    crm.write_config(SIGNED)
    lines = crm.fails("rules", "check", code=3).stdout.splitlines()
    where = f'{crm.config}:4: rule rules[0] "Tag new"'
    assert lines == [
        f"{where} add_tags[0]: the tag '-trial' cannot start with -: `crm contact tag` reads - and + "
        "as remove and add",
        f"{where} add_tags[1]: the tag '+vip' cannot start with +: `crm contact tag` reads - and + "
        "as remove and add",
    ]
    problems = crm.fails("rules", "check", "--json", code=3).json()["problems"]
    assert [p["key"] for p in problems] == ["add_tags[0]", "add_tags[1]"]


def test_a_config_with_a_signed_rule_tag_is_refused_and_nothing_is_added(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Before")
    crm.write_config(SIGNED)
    refused = crm.fails("add", "Tess")
    assert refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("crm: ")
    assert "add_tags[0] the tag '-trial' cannot start with -" in refused.stderr
    db = open_db(tmp_path / "crm.db")
    try:
        assert db.scalar("SELECT count(*) FROM contacts") == 1
        assert db.scalar("SELECT count(*) FROM tags") == 0
    finally:
        db.close()


def test_a_tag_condition_names_tags_as_they_are_typed(crm) -> None:  # noqa: ANN001
    crm.write_config(WHEN_SIGNED)
    lines = crm.fails("rules", "check", code=3).stdout.splitlines()
    keys = [line.split(' "Trials" ')[1].split(": ")[0] for line in lines]
    assert keys == ["when.any[0].value", "when.any[1].value[1]", "when.any[2].value[0]"]
    assert "the tag '-trial' cannot start with -" in lines[0]
    assert "the tag '+vip' cannot start with +" in lines[1]
    assert "'a;b' holds a comma or semicolon, which separate tags" in lines[2]


def test_tags_as_the_commands_take_them_pass(crm) -> None:  # noqa: ANN001
    crm.write_config(WHEN_SIGNED.replace("-trial", "trial").replace("+vip", "vip2").replace("a;b", "b"))
    assert "no problems" in crm.ok("rules", "check").stderr
    crm.write_config(SIGNED.replace('"-trial", "+vip", ', '"trial", "vip", '))
    crm.ok("add", "Tess")
    assert crm.ok("contact", "list", "--json").json()[0]["tags"] == ["ok", "trial", "vip"]
