"""Where crm keeps its files, following the XDG base directory rules."""

from __future__ import annotations

import os
from pathlib import Path


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var)
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / fallback


def default_db_path() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share") / "crm" / "crm.db"


def default_config_path() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / "crm" / "config.toml"


def resolve_db_path(flag: str | os.PathLike[str] | None) -> Path:
    """Precedence: --db, then CRM_DB, then the XDG default."""
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get("CRM_DB")
    if env:
        return Path(env).expanduser()
    return default_db_path()


def resolve_config_path(flag: str | os.PathLike[str] | None) -> Path:
    """Precedence: --config, then CRM_CONFIG, then the XDG default."""
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get("CRM_CONFIG")
    if env:
        return Path(env).expanduser()
    return default_config_path()
