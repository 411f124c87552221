"""The TOML config: defaults, validation with file/line/key, atomic writes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crmcli.config import Config, locate
from crmcli.errors import ConfigError


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    config = Config.load(tmp_path / "absent.toml")
    assert not config.exists
    assert config.base_currency == "EUR"
    assert config.team == []
    assert config.week_start == 0


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('base_currency = "EUR"\nfoo = 1\n', 2, "foo is not a known setting"),
        ("base_currency = 12\n", 1, "base_currency must be a three-letter ISO currency code"),
        ('\nbase_currency = "XYZ"\n', 2, "base_currency 'XYZ' is not an ISO 4217 currency code"),
        ('week_start = "funday"\n', 1, "week_start 'funday' is not a weekday"),
        (
            '[[team]]\nhandle = "ada"\n\n[[team]]\nhandle = "bo"\ntimezone = "Europe/Osl"\n',
            6,
            "team[1].timezone 'Europe/Osl' is not an IANA time zone",
        ),
        ('[[team]]\nhandle = "ada"\nactive = "yes"\n', 3, "team[0].active must be true or false"),
        ('[[team]]\nhandle = "Ada Lovelace"\n', 2, "team[0].handle 'Ada Lovelace' must be lower-case"),
        ('[[team]]\nname = "Ada"\n', 1, "team[0] needs a handle"),
        ('default_country = "Narnia"\n', 1, "default_country 'Narnia' is not an ISO country code"),
    ],
)
def test_problems_name_file_line_and_key(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Config.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}: "), message
    assert fragment in message
    assert message.endswith(".")


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('base_currency = "EUR\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"is not valid TOML: .*line 1"):
        Config.load(path)


def test_set_validates_then_writes_atomically(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    config = Config.load(path)
    updated = config.set("base_currency", "NOK")
    updated.save()
    assert tomllib.loads(path.read_text())["base_currency"] == "NOK"
    with pytest.raises(ConfigError, match="Cannot set base_currency"):
        updated.set("base_currency", "kroner")
    assert tomllib.loads(path.read_text())["base_currency"] == "NOK"
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary left


def test_locate_finds_keys_in_arrays_of_tables() -> None:
    text = '[[team]]\nhandle = "a"\n\n[[team]]\nhandle = "b"\nrole = "x"\n'
    assert locate(text, ("team", 1, "role")) == 6
    assert locate(text, ("team", 0, "handle")) == 2
    assert locate(text, ("team", 1)) == 4


def test_cli_config_commands(crm) -> None:  # noqa: ANN001
    assert crm.ok("config", "path").stdout.strip() == str(crm.config)
    crm.ok("config", "init")
    assert crm.config.exists()
    crm.fails("config", "init")  # refuses to overwrite
    crm.ok("config", "set", "base_currency", "SEK")
    assert crm.ok("config", "get", "base_currency").stdout.strip() == "SEK"
    assert crm.ok("config", "show", "--json").json()["base_currency"] == "SEK"
    result = crm.fails("config", "set", "colour", "blue")
    assert "colour is not a known setting" in result.stderr
    crm.fails("config", "get", "no.such.key")


def test_every_command_fails_cleanly_on_a_broken_config(crm) -> None:  # noqa: ANN001
    crm.write_config("base_currency = [\n")
    result = crm.fails("contact", "list")
    assert result.stderr.startswith(f"crm: {crm.config} is not valid TOML")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not crm.db.exists() or crm.db.stat().st_size >= 0
