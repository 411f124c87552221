"""crm rules test on a made-up record needs no database: where there is none it answers
without the note that there was nothing to show, and makes no file."""

from __future__ import annotations

import pytest

RULES = """
[[team]]
handle = "karin"
[[team]]
handle = "alan"

[[rules]]
name = "Big ones take turns"
on = "lead.created"
when = { field = "users", op = ">", value = 50 }
assign_round_robin = ["karin", "alan"]
"""


@pytest.mark.parametrize("args", [(), ("--json",)])
def test_a_made_up_record_is_tested_without_a_database_or_a_note(crm, args) -> None:  # noqa: ANN001
    crm.write_config(RULES)
    result = crm.ok("rules", "test", "--event", "lead.created", "--set", "users=100", *args)
    assert result.stderr == ""
    assert "assign karin (round robin over karin, alan)" in result.stdout
    assert not crm.db.exists()


def test_in_a_subprocess_too(crm_process, tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "config.toml").write_text(RULES, encoding="utf-8")
    env = {"CRM_DB": str(tmp_path / "missing.db"), "CRM_CONFIG": str(tmp_path / "config.toml")}
    result = crm_process("rules", "test", "--event", "lead.created", "--set", "users=100", env=env)
    assert (result.returncode, result.stderr) == (0, "")
    assert 'Would fire: "Big ones take turns".' in result.stdout
    assert not (tmp_path / "missing.db").exists()


def test_where_there_is_a_database_its_turns_still_count(crm) -> None:  # noqa: ANN001
    crm.write_config(RULES)
    crm.ok("lead", "add", "Ada", "--source", "web", "--field", "users=100")  # karin's turn
    result = crm.ok("rules", "test", "--event", "lead.created", "--set", "users=100", "--json")
    assert result.stderr == ""
    assert result.json()["rules"][0]["actions"] == ["assign alan (round robin over karin, alan)"]
