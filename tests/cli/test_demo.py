"""crm demo writes its config beside its database, so every command works on the demo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import one_sentence


def test_money_commands_count_on_the_demo_with_its_config(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config('base_currency = "NOK"\n')
    before = crm.config.read_bytes()
    demo, config = tmp_path / "demo.db", tmp_path / "demo.toml"
    shown = crm.ok("demo", "--path", str(demo)).stderr
    assert f"--config {config}" in shown
    header = config.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# crm demo: the config of the demo database demo.db")
    on_demo = ("--db", str(demo), "--config", str(config))
    board = crm.ok(*on_demo, "pipeline").stdout
    assert "Cloud migration" in board and "NOK" in board  # counted in the user's base, at the demo's rates
    assert "won" in crm.ok(*on_demo, "kpi", "--period", "last 30 days").stdout.lower()
    assert any(line.startswith("total") for line in crm.ok(*on_demo, "forecast").stdout.splitlines())
    assert [r["name"] for r in crm.ok(*on_demo, "rules", "list", "--json").json()][0] == "Big leads to Karin"
    assert crm.config.read_bytes() == before  # the user's own config is never touched

    crm.ok("demo", "--path", str(demo))  # a second demo replaces both files
    assert crm.ok(*on_demo, "pipeline").exit_code == 0


def test_a_file_of_the_users_where_the_demo_config_would_go_is_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    demo, config = tmp_path / "demo.db", tmp_path / "demo.toml"
    config.write_text('timezone = "Europe/Oslo"\n', encoding="utf-8")
    failed = crm.fails("demo", "--path", str(demo))
    assert one_sentence(failed.stderr)
    assert f"{config} exists and is not a crm demo config" in failed.stderr
    assert not demo.exists()
    assert config.read_text(encoding="utf-8") == 'timezone = "Europe/Oslo"\n'


def test_a_toml_name_or_a_missing_folder_for_the_database_is_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    toml = one_sentence(crm.fails("demo", "--path", str(tmp_path / "demo.toml")).stderr)
    assert toml.startswith(
        "crm: --path names the demo database, and demo.toml is a config's name; give a name"
    )
    missing = one_sentence(crm.fails("demo", "--path", str(tmp_path / "nope" / "demo.db")).stderr)
    assert (
        missing == f"crm: There is no folder {tmp_path / 'nope'} for --path {tmp_path / 'nope' / 'demo.db'}; "
        "crm demo makes no folders."
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


# An empty database file is one a killed demo left, and is replaced as before; an empty
# config of the user's is not.
NOT_A_DEMOS = [
    (where, thing)
    for where in ("database", "config")
    for thing in ("pipe", "folder", "link to an empty file")
] + [("config", "file of the user's")]


@pytest.mark.parametrize(("where", "thing"), NOT_A_DEMOS)
def test_what_is_not_a_file_of_an_earlier_demo_is_never_replaced(
    crm, tmp_path: Path, thing: str, where: str
) -> None:  # noqa: ANN001
    demo = tmp_path / "demo.db"
    at = demo if where == "database" else demo.with_suffix(".toml")
    if thing == "pipe":
        os.mkfifo(at)
    elif thing == "folder":
        at.mkdir()
    elif thing == "link to an empty file":
        (tmp_path / "empty").touch()
        at.symlink_to(tmp_path / "empty")
    else:
        at.write_text("# my notes\n", encoding="utf-8")
    kind_before = os.lstat(at).st_mode
    failed = one_sentence(crm.fails("demo", "--path", str(demo)).stderr)
    assert "exists and is not a crm demo" in failed
    assert os.lstat(at).st_mode == kind_before
    other = demo.with_suffix(".toml") if where == "database" else demo
    assert not other.exists()
