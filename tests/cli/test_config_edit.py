"""crm config set edits the file in place, and crm config show lists every setting in force."""

from __future__ import annotations

import json
import os
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from crmcli.config import STARTER

COMMENTED = """\
# Team config -- shared in git
base_currency = "EUR"   # invoices are in euros
default_country = "NO"  # most customers are Norwegian

[forecast]  # the sales meeting looks a quarter ahead
months = 3
"""


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_set_changes_the_one_value_and_keeps_comments_order_and_layout(crm) -> None:  # noqa: ANN001
    crm.write_config(COMMENTED)
    crm.ok("config", "set", "base_currency", "NOK")
    crm.ok("config", "set", "forecast.months", "6")
    assert crm.config.read_text(encoding="utf-8") == COMMENTED.replace('"EUR"', '"NOK"').replace(
        "months = 3", "months = 6"
    )


def test_set_keeps_the_commented_starter(crm) -> None:  # noqa: ANN001
    crm.ok("config", "init")
    crm.ok("config", "set", "week_start", "sunday")
    assert crm.config.read_text(encoding="utf-8") == STARTER.replace(
        'week_start = "monday"', 'week_start = "sunday"'
    )


def test_set_adds_a_new_key_and_table_without_touching_the_rest(crm) -> None:  # noqa: ANN001
    crm.write_config(COMMENTED)
    crm.ok("config", "set", "timezone", "Europe/Oslo")
    crm.ok("config", "set", "forecast.commit_probability", "80")
    crm.ok("config", "set", "agenda.days", "7")
    text = crm.config.read_text(encoding="utf-8")
    for line in COMMENTED.splitlines():
        assert line in text
    assert tomllib.loads(text) == {
        "base_currency": "EUR",
        "default_country": "NO",
        "timezone": "Europe/Oslo",
        "forecast": {"months": 3, "commit_probability": 80},
        "agenda": {"days": 7},
    }


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_set_follows_a_symlink_and_updates_its_target(crm, tmp_path: Path) -> None:  # noqa: ANN001
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "crm.toml"
    target.write_text(COMMENTED, encoding="utf-8")
    target.chmod(0o640)
    crm.config.symlink_to(os.path.relpath(target, crm.config.parent))
    crm.ok("config", "set", "base_currency", "NOK")
    assert crm.config.is_symlink()
    assert crm.config.resolve() == target.resolve()
    assert target.read_text(encoding="utf-8") == COMMENTED.replace('"EUR"', '"NOK"')
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(dotfiles) == [] and leftovers(tmp_path) == []
    assert crm.ok("config", "get", "base_currency").stdout.strip() == "NOK"


def test_a_refused_value_names_file_line_and_key_and_writes_nothing(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(COMMENTED)
    before = crm.config.read_bytes()
    result = crm.fails("config", "set", "forecast.months", "many")
    assert result.stderr.startswith(
        f"crm: Cannot set forecast.months in {crm.config} (line 6): forecast.months"
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert crm.config.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_the_next_command_sees_the_new_value_not_a_cached_one(crm) -> None:  # noqa: ANN001
    crm.write_config(COMMENTED)
    assert crm.ok("config", "get", "base_currency").stdout.strip() == "EUR"  # now cached
    crm.ok("config", "set", "base_currency", "SEK")
    assert crm.ok("config", "get", "base_currency").stdout.strip() == "SEK"
    assert crm.ok("config", "show", "--json").json()["base_currency"] == "SEK"


def test_show_lists_the_defaults_of_a_table_the_file_sets_in_part(crm) -> None:  # noqa: ANN001
    crm.write_config("[forecast]\nmonths = 6\n")
    in_force = {"months": 6, "commit_probability": 75}
    assert crm.ok("config", "show", "--json").json()["forecast"] == in_force
    assert tomllib.loads(crm.ok("config", "show").stdout)["forecast"] == in_force
    assert json.loads(crm.ok("config", "get", "forecast").stdout) == in_force
    assert crm.ok("config", "get", "forecast.commit_probability").stdout.strip() == "75"
    # A list in the file stands instead of the default one, not beside it.
    crm.write_config('lost_reasons = ["price"]\n')
    assert crm.ok("config", "show", "--json").json()["lost_reasons"] == ["price"]
