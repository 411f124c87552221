"""Every test gets its own data and config folders, no colour, a fixed width, no TTY."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from crmcli.cli import get_root


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("CRM_USER", "tester")
    for var in ("CRM_DB", "CRM_CONFIG", "CRM_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    return home


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):  # noqa: ANN201
        return json.loads(self.stdout)


class Crm:
    """Runs the real CLI in-process against a real database file in tmp_path."""

    def __init__(self, db: Path, config: Path) -> None:
        self.db = db
        self.config = config
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        result = self.runner.invoke(
            get_root(),
            ["--db", str(self.db), "--config", str(self.config), *args],
            input=input,
            env=env,
            catch_exceptions=False,
        )
        return Result(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, f"crm {' '.join(args)} failed: {result.stderr}"
        return result

    def fails(self, *args: str, code: int = 1, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == code, (
            f"crm {' '.join(args)} exited {result.exit_code}, wanted {code}: {result.stderr}"
        )
        assert "Traceback" not in result.stderr
        return result

    def write_config(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")


@pytest.fixture
def crm(tmp_path: Path) -> Crm:
    return Crm(tmp_path / "crm.db", tmp_path / "config.toml")


def crm_executable() -> list[str]:
    found = shutil.which("crm", path=os.path.dirname(sys.executable)) or shutil.which("crm")
    return [found] if found else [sys.executable, "-m", "crmcli"]


@pytest.fixture
def crm_process(tmp_path: Path):  # noqa: ANN201
    """Runs the installed `crm` in a subprocess with pipes: no TTY, as cron and scripts do."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
        full_env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db"),
                    "CRM_CONFIG": str(tmp_path / "config.toml"), **(env or {})}  # fmt: skip
        return subprocess.run(
            [*crm_executable(), *args],
            input=input,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=120,
        )

    return run


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Sets the moment crm takes for now, for every command after: clock(datetime) or
    clock("2026-11-30T08:00:00") (a text without an offset is UTC)."""

    def set_now(moment: datetime | str) -> None:
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        fixed = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        monkeypatch.setattr("crmcli.clock.utcnow", lambda: fixed)

    return set_now
