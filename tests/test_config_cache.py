"""The cache of config files already checked: used only for the very same text, never in the way."""

from __future__ import annotations

import marshal
import os
import stat
from pathlib import Path

import pytest

from crmcli import config_cache
from crmcli.config import Config
from crmcli.errors import ConfigError

GOOD = 'timezone = "Europe/Oslo"\n\n[agenda]\ndays = 7\n'
# The same length as GOOD, and wrong: a mistake made in the same clock tick as the last save.
BAD_SAME_SIZE = 'timezone = "Europe/Oslo"\n\n[agenda]\ndays = X\n'


def cache_entry(config: Path) -> Path:
    return Path(config_cache.cache_file(os.path.abspath(config)))


def test_a_checked_file_is_kept_privately_and_read_back(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD, encoding="utf-8")
    assert Config.load(config).get("agenda.days") == 7
    entry = cache_entry(config)
    assert entry.is_file() and stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    # What is kept is what is used: an entry for this very text answers without parsing.
    version_format, version, path, text, data = marshal.loads(entry.read_bytes())
    data["agenda"]["days"] = 9
    entry.write_bytes(marshal.dumps((version_format, version, path, text, data)))
    assert Config.load(config).get("agenda.days") == 9


def test_an_edit_is_always_checked_even_with_the_same_size_and_time(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD, encoding="utf-8")
    Config.load(config)
    before = config.stat()
    config.write_text(BAD_SAME_SIZE, encoding="utf-8")
    os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert config.stat().st_size == before.st_size
    with pytest.raises(ConfigError, match="line 4"):
        Config.load(config)


def test_a_broken_edit_stops_the_next_command(crm) -> None:  # noqa: ANN001
    crm.write_config(GOOD)
    crm.ok("contact", "list")
    crm.write_config(BAD_SAME_SIZE)
    result = crm.fails("contact", "list")
    assert "line 4" in result.stderr and result.stderr.count("\n") == 1
    crm.write_config(GOOD)
    crm.ok("contact", "list")


def test_a_damaged_entry_is_ignored_and_replaced(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD, encoding="utf-8")
    Config.load(config)
    entry = cache_entry(config)
    entry.write_bytes(b"\x00not marshal")
    assert Config.load(config).get("agenda.days") == 7
    assert marshal.loads(entry.read_bytes())[3] == GOOD


def test_an_unwritable_cache_folder_changes_nothing(crm, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    crm.write_config(GOOD)
    crm.ok("add", "Kari Nordmann")
    assert "Kari Nordmann" in crm.ok("contact", "list").stdout


def test_toml_dates_are_read_every_time_rather_than_cached(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("holidays = [2026-12-25]\n", encoding="utf-8")
    assert Config.load(config).get("holidays") is not None
    assert not cache_entry(config).exists()  # marshal cannot keep a date
    assert Config.load(config).get("holidays") is not None


def test_another_version_of_crm_checks_again(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    config = tmp_path / "config.toml"
    config.write_text(GOOD, encoding="utf-8")
    Config.load(config)
    monkeypatch.setattr(config_cache, "__version__", "99.0")
    assert config_cache.cached_data(os.path.abspath(config), GOOD) is None
