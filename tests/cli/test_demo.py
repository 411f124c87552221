"""crm demo writes its config beside its database, so every command works on the demo."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import one_sentence


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


def test_a_demo_database_named_toml_keeps_its_config_apart(crm, tmp_path: Path) -> None:  # noqa: ANN001
    demo = tmp_path / "demo.toml"
    crm.ok("demo", "--path", str(demo))
    config = tmp_path / "demo.toml.toml"
    assert crm.ok("--db", str(demo), "--config", str(config), "pipeline").exit_code == 0
