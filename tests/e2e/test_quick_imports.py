"""What the commands typed all day load: the speed targets of `crm show` and `crm agenda`
(within 1.5x of `crm --version`, benchmarks/show_agenda.py) rest on these staying out.

Each command runs in a fresh interpreter, as `crm` does; only what `main()` itself imports
is judged, so that whatever the interpreter's site hooks load does not count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys
from crmcli.cli import main
before = set(sys.modules)
sys.argv = ["crm", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
sys.stderr.write("\\n" + json.dumps(sorted(set(sys.modules) - before)) + "\\n")
"""
# Typer and Rich: big, and not needed off a terminal. pathlib: ~3 ms for urllib and
# ipaddress. dataclasses: each class made at import costs ~0.5 ms. tomllib: the config is
# read from the cache once it has been checked. The events module: only writers emit.
NEVER = ("typer", "rich", "pathlib", "dataclasses", "tomllib", "crmcli.services.events")


def loaded_by(tmp_path: Path, *args: str) -> list[str]:
    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db"), "CRM_CONFIG": str(tmp_path / "config.toml")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.fixture
def filled(tmp_path: Path, crm_process) -> Path:  # noqa: ANN001
    (tmp_path / "config.toml").write_text(
        'timezone = "Europe/Oslo"\n[agenda]\nkeep_in_touch = { customer = 30, vip = 14 }\n', encoding="utf-8"
    )
    for args in (
        ("add", "Kari Nordmann", "--company", "Fjordline AS", "--tz", "Europe/Oslo", "--tag", "vip"),
        ("log", "kari", "call", "Renewal", "--due", "tomorrow 10:00"),
        ("log", "kari", "note", "Met at the fair"),
    ):
        assert crm_process(*args).returncode == 0
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ("--version",),
        ("show", "kari"),
        ("show", "kari", "--json"),
        ("show", "company:fjordline"),
        ("agenda",),
        ("agenda", "--json"),
    ],
)
def test_quick_commands_stay_light(filled: Path, args: tuple[str, ...]) -> None:
    loaded_by(filled, *args)  # the first run checks the config and caches it
    loaded = loaded_by(filled, *args)
    assert [name for name in loaded if name.split(".")[0] in NEVER or name in NEVER] == []


def test_help_and_an_iso_as_of_load_no_translations_or_date_grammar(filled: Path) -> None:
    """click's own help option asks gettext (and so `locale`) on every command; an ISO
    moment needs no date grammar. Words still go through it."""
    loaded_by(filled, "agenda")
    loaded = loaded_by(filled, "agenda", "--as-of", "2026-06-01T10:00:00+02:00")
    assert not {"locale", "crmcli.dates"} & set(loaded)
    assert "crmcli.dates" in loaded_by(filled, "agenda", "--as-of", "next monday 9:00")


def test_an_iso_as_of_reads_as_the_date_grammar_does(filled: Path, crm_process) -> None:  # noqa: ANN001
    for moment in ("2026-06-01T10:00:00+02:00", "2026-06-01T08:00:00Z"):
        view = json.loads(crm_process("agenda", "--as-of", moment, "--json").stdout)
        assert view["as_of"] == "2026-06-01T08:00:00Z"
    done = crm_process("agenda", "--as-of", "1066-10-14T10:00:00Z")
    assert done.returncode == 1 and "between 1900 and 2999" in done.stderr
