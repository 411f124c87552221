"""The real `crm` executable with pipes for stdin, stdout and stderr: as scripts and cron run it.

No terminal anywhere, so: no prompt (a missing value is an error naming the option), no
colour, JSON that parses, quiet exits when the reader of a pipe goes away, exit 2 with
one line for a usage error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crmcli import __version__

ANSI = re.compile(r"\x1b\[|\x1b\]")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "crm.db"  # the crm_process fixture points CRM_DB here


def seed_contacts(db_path: Path, count: int) -> None:
    """Many contacts at once, through the services (one transaction, so it is quick)."""
    from crmcli.config import Config
    from crmcli.services.contacts import ContactInput, add_contact
    from crmcli.services.session import Session
    from crmcli.storage.db import open_db

    db = open_db(db_path)
    session = Session(db=db, config=Config.load(db_path.with_name("absent.toml")), actor="tester")
    with session.write("seed"):
        for n in range(count):
            add_contact(session, ContactInput(name=f"Person {n:04d}", emails=[f"person{n}@example.com"],
                                              title="Buyer", tags=["vip", "trial"]))  # fmt: skip
    db.close()


def contact_count(db_path: Path) -> int:
    import sqlite3

    if not db_path.exists():
        return 0
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("SELECT count(*) FROM contacts").fetchone()[0])


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("crm: "), result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


# --- version -----------------------------------------------------------------------------


def test_version(crm_process) -> None:  # noqa: ANN001
    result = crm_process("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"crm {__version__}\n", "")


def test_version_through_python_m(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "crmcli", "--version"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, f"crm {__version__}\n", "")


# --- no prompts --------------------------------------------------------------------------


def test_a_missing_name_is_an_error_not_a_prompt(crm_process, db_path: Path) -> None:  # noqa: ANN001
    # Were crm to prompt, it would read this line from stdin and succeed.
    result = crm_process("contact", "add", "--email", "kari@example.com", input="Kari Nordmann\n")
    assert result.returncode == 2  # a usage error, as click's own missing arguments are
    assert "NAME" in one_line_error(result)
    assert result.stdout == ""
    assert contact_count(db_path) == 0

    result = crm_process("company", "add", "--domain", "fjordline.no", input="Fjordline AS\n")
    assert result.returncode == 2
    assert "NAME" in one_line_error(result)


def test_delete_needs_yes_without_a_terminal(crm_process, db_path: Path) -> None:  # noqa: ANN001
    assert crm_process("add", "Kari Nordmann").returncode == 0
    result = crm_process("contact", "delete", "kari", input="y\n")
    assert result.returncode == 1
    assert "--yes" in one_line_error(result)
    assert contact_count(db_path) == 1
    assert crm_process("contact", "delete", "kari", "--yes").returncode == 0
    assert contact_count(db_path) == 0


def test_an_ambiguous_reference_lists_the_candidates_instead_of_asking(crm_process) -> None:  # noqa: ANN001
    assert crm_process("add", "Kari Nordmann").returncode == 0
    assert crm_process("add", "Kari Hansen").returncode == 0
    result = crm_process("contact", "show", "kari", input="1\n")
    assert result.returncode == 1
    error = one_line_error(result)
    assert "Kari Nordmann" in error and "Kari Hansen" in error


# --- no colour ---------------------------------------------------------------------------


def test_no_colour_in_pipes_without_no_color(crm_process, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    # Nothing that asks for colour, and everything a colour library might take as a hint.
    for variable in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "PY_COLORS"):
        monkeypatch.delenv(variable, raising=False)
    tempting = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}
    runs = [
        crm_process(
            "add",
            "Kari Nordmann",
            "--email",
            "kari@fjordline.no",
            "--company",
            "Fjordline AS",
            "--tag",
            "vip",
            env=tempting,
        ),  # fmt: skip
        crm_process("contact", "list", env=tempting),
        crm_process("contact", "show", "kari", env=tempting),
        crm_process("company", "list", env=tempting),
        crm_process("show", "company:fjordline", env=tempting),
        crm_process("contact", "list", "--help", env=tempting),
        crm_process("contact", "show", "nobody", env=tempting),
        crm_process("contact", "list", "--bogus", env=tempting),
    ]
    assert [r.returncode for r in runs] == [0, 0, 0, 0, 0, 0, 1, 2]
    assert "Kari Nordmann" in runs[1].stdout
    for result in runs:
        assert not ANSI.search(result.stdout + result.stderr), result.args


# --- JSON --------------------------------------------------------------------------------


def test_json_parses_and_stdout_holds_nothing_else(crm_process) -> None:  # noqa: ANN001
    added = crm_process("add", "Kari Nordmann", "--email", "kari@fjordline.no", "--company", "Fjordline AS",
                        "--phone", "+47 22 33 44 55", "--tag", "vip", "--json")  # fmt: skip
    assert added.returncode == 0
    kari = json.loads(added.stdout)
    assert kari["name"] == "Kari Nordmann" and kari["phone"] == "+4722334455"

    for args in (["contact", "list"], ["contact", "show", "kari"], ["company", "list"],
                 ["company", "show", "fjordline"], ["show", "kari"], ["config", "show"]):  # fmt: skip
        result = crm_process(*args, "--json")
        assert result.returncode == 0, result.stderr
        json.loads(result.stdout)  # the whole of stdout is one JSON document
    listed = json.loads(crm_process("contact", "list", "--json").stdout)
    assert [c["name"] for c in listed] == ["Kari Nordmann"]
    assert json.loads(crm_process("contact", "list", "--json", "--tag", "nobody").stdout) == []


# --- broken pipes ------------------------------------------------------------------------


def crm_executable() -> list[str]:
    """The installed crm beside this Python (what the crm_process fixture runs)."""
    found = shutil.which("crm", path=os.path.dirname(sys.executable)) or shutil.which("crm")
    return [found] if found else [sys.executable, "-m", "crmcli"]


def run_into_closed_pipe(db: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run crm on `db` with stdout a pipe whose reader has already gone: every write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([*crm_executable(), *args], stdout=write_end, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=120,
                              env={**os.environ, "CRM_DB": str(db)})  # fmt: skip
    finally:
        os.close(write_end)


def test_a_reader_that_left_before_a_short_output(crm_process, db_path: Path) -> None:  # noqa: ANN001
    assert crm_process("add", "Kari Nordmann").returncode == 0
    # A few lines stay in the output buffer until crm flushes them at the very end.
    result = run_into_closed_pipe(db_path, "contact", "list")
    assert (result.returncode, result.stderr) == (0, b"")


def test_a_reader_that_left_during_a_long_output(db_path: Path) -> None:
    seed_contacts(db_path, 60)
    # Far more than the output buffer: the write fails while the command is running.
    result = run_into_closed_pipe(db_path, "contact", "list", "--json")
    assert (result.returncode, result.stderr) == (0, b"")


def test_a_closed_stdout_or_stdin_is_no_internal_error(db_path: Path, tmp_path: Path) -> None:
    # `crm add Kari >&-`: Python starts with sys.stdout None; the change used to be saved,
    # then reported as an internal error with exit 1, inviting a retry and a duplicate.
    crm = " ".join(f"'{part}'" for part in crm_executable())
    env = {**os.environ, "CRM_DB": str(db_path), "CRM_CONFIG": str(tmp_path / "none.toml")}
    for command in (f"{crm} add 'Kari Nordmann' >&-", f"{crm} contact list >&-", f"{crm} add Ola <&-"):
        result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120, env=env)
        assert result.returncode == 0 and "Internal error" not in result.stderr, (command, result.stderr)
    assert contact_count(db_path) == 2
    refused = subprocess.run(["bash", "-c", f"{crm} log kari note - <&-"], capture_output=True, text=True,
                             timeout=120, env=env)  # fmt: skip
    assert refused.returncode == 1 and refused.stderr.startswith("crm: A note needs its text")


def test_crm_contact_list_piped_into_head(tmp_path: Path, db_path: Path) -> None:
    seed_contacts(db_path, 400)  # more than a pipe holds, so crm is still writing when head leaves
    crm = " ".join(f"'{part}'" for part in crm_executable())
    for listing in ("contact list", "contact list --json", "contact list --format csv"):
        script = f"set -o pipefail; {crm} {listing} 2>{tmp_path / 'err'} | head -1"
        result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                                env={**os.environ, "CRM_DB": str(db_path)})  # fmt: skip
        assert result.returncode == 0, (listing, (tmp_path / "err").read_text())
        assert result.stdout.count("\n") == 1
        assert (tmp_path / "err").read_text() == ""


# --- usage errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["contact", "list", "--bogus"], "--bogus"),
        (["--bogus", "contact", "list"], "--bogus"),
        (["contact", "frobnicate"], "frobnicate"),
        (["contact", "list", "--limit", "many"], "many"),
    ],
)
def test_usage_errors_exit_2_with_one_line(crm_process, args: list[str], named: str) -> None:  # noqa: ANN001
    result = crm_process(*args)
    assert result.returncode == 2
    assert named in one_line_error(result)
    assert result.stdout == ""


@pytest.mark.parametrize("args", [[], ["contact"], ["deal"]])
def test_a_group_alone_prints_its_help_not_an_error(crm_process, args: list[str]) -> None:  # noqa: ANN001
    result = crm_process(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(" ".join(["Usage: crm", *args, "[OPTIONS] COMMAND"]))
    assert "--help')" not in result.stderr
