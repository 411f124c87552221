"""Where crm keeps its files, following the XDG base directory rules.

Plain strings from os.path rather than pathlib: pathlib's import (it pulls in urllib and
ipaddress) costs about as much as everything `crm show` reads, and every command starts
here. Commands that work on files (db backup, config init) make a Path of what they get.
"""

from __future__ import annotations

import os


def _xdg(var: str, fallback: str) -> str:
    value = os.environ.get(var)
    if value and os.path.isabs(value):
        return value
    return os.path.join(os.path.expanduser("~"), fallback)


def default_db_path() -> str:
    return os.path.join(_xdg("XDG_DATA_HOME", ".local/share"), "crm", "crm.db")


def default_config_path() -> str:
    return os.path.join(_xdg("XDG_CONFIG_HOME", ".config"), "crm", "config.toml")


def default_cache_folder() -> str:
    return os.path.join(_xdg("XDG_CACHE_HOME", ".cache"), "crm")


def resolve_db_path(flag: str | os.PathLike[str] | None) -> str:
    """Precedence: --db, then CRM_DB, then the XDG default."""
    if flag:
        return os.path.expanduser(os.fspath(flag))
    env = os.environ.get("CRM_DB")
    if env:
        return os.path.expanduser(env)
    return default_db_path()


def resolve_config_path(flag: str | os.PathLike[str] | None) -> str:
    """Precedence: --config, then CRM_CONFIG, then the XDG default."""
    if flag:
        return os.path.expanduser(os.fspath(flag))
    env = os.environ.get("CRM_CONFIG")
    if env:
        return os.path.expanduser(env)
    return default_config_path()


def no_database_at(path: str) -> bool:
    """No database to use at `path`: no file, or an empty one with no write-ahead log
    beside it (SQLite would make a new database of it; a database whose every page is
    still in its -wal file has an empty main file while another process uses it)."""
    if not os.path.exists(path):
        return True
    wal = f"{path}-wal"
    return os.path.getsize(path) == 0 and not (os.path.exists(wal) and os.path.getsize(wal) > 0)
