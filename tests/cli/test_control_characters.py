"""Control characters in stored text (an e-mail piped in, a name pasted from a terminal)
are shown as U+FFFD wherever crm shows text to a person, on a terminal and in plain text,
and in the .ics file; they are never obeyed. The stored text, --json and CSV keep them."""

from __future__ import annotations

import os
import pty
import re
import subprocess
from pathlib import Path

import pytest

from conftest import crm_executable

# An OSC that retitles the terminal, a bell, a clear screen, a colour, then C1 CSI and DEL.
MAIL = "Re: invoice \x1b]0;owned\x07\x1b[2J\x1b[31mRED\x1b[0m \x9b2J\x7f\n"
SHOWN = "Re: invoice \ufffd]0;owned\ufffd\ufffd[2J\ufffd[31mRED\ufffd[0m \ufffd2J\ufffd"
NAME = "Evil\x1b]0;x\x07 Person"
NAME_SHOWN = "Evil\ufffd]0;x\ufffd Person"
# Every C0 and C1 control but tab and newline, and DEL: none may reach a terminal.
OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def assert_nothing_obeyed(text: str) -> None:
    assert not OBEYED.search(text), repr(text)


@pytest.fixture
def crm(crm):  # noqa: ANN001, ANN201
    crm.ok("add", NAME)
    crm.ok("log", "evil", "email", "-", input=MAIL)
    crm.ok("log", "evil", "task", "a\x00b\x1bc", "--due", "tomorrow")
    return crm


def test_plain_tables_and_listings_show_control_characters_as_replacement(crm) -> None:  # noqa: ANN001
    listed = crm.ok("activity", "list")
    assert SHOWN in listed.stdout and NAME_SHOWN in listed.stdout
    shown = crm.ok("activity", "show", "1")  # "label: value" fields, the title and the note
    assert "Contact:  " + NAME_SHOWN in shown.stdout and SHOWN in shown.stdout
    shown_anywhere = (("activity", "list"), ("activity", "show", "1"), ("activity", "show", "2"),
                      ("contact", "list"), ("show", "evil"), ("agenda",))  # fmt: skip
    for args in shown_anywhere:
        result = crm.ok(*args)
        assert_nothing_obeyed(result.stdout)
        assert_nothing_obeyed(result.stderr)


def test_confirmations_on_stderr_show_names_harmlessly(crm) -> None:  # noqa: ANN001
    logged = crm.ok("log", "evil", "call", "Rang")
    assert logged.stderr == f"Logged call #3 with {NAME_SHOWN}.\n"


def test_a_crlf_line_end_stays_a_line_end_and_a_lone_cr_is_shown(crm) -> None:  # noqa: ANN001
    crm.ok("log", "evil", "email", "-", input="line one\r\nline two\rover\r\n")
    shown = crm.ok("activity", "show", "3").stdout
    assert "line one\nline two\ufffdover\n" in shown


def test_the_stored_text_json_and_csv_keep_the_bytes_as_they_came(crm) -> None:  # noqa: ANN001
    assert crm.ok("activity", "show", "1", "--json").json()["note"] == MAIL.strip()
    assert crm.ok("activity", "list", "--json").json()[-1]["contact"] == NAME
    assert "\x1b]0;owned\x07" in crm.ok("activity", "list", "--format", "csv").stdout


def test_text_that_looks_like_rich_markup_is_shown_as_written_on_a_terminal(tmp_path: Path) -> None:
    env = terminal_env(tmp_path)
    subprocess.run([*crm_executable(), "add", "Kari Nordmann"], env=env, check=True, capture_output=True)
    subprocess.run([*crm_executable(), "log", "kari", "note", "see [/foo] and [erased] or [bold]x"],
                   env=env, check=True, capture_output=True)  # fmt: skip
    code, shown = in_terminal(["activity", "list"], env)
    assert code == 0, shown
    assert "see [/foo] and [erased] or [bold]x" in shown


def terminal_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db"), "CRM_CONFIG": str(tmp_path / "config.toml"),
           "COLUMNS": "250", "TERM": "xterm-256color"}  # fmt: skip
    env.pop("NO_COLOR", None)  # colour on: the path a person at a terminal takes
    return env


def in_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Runs the installed crm with stdout on a pseudo-terminal, as a person sees it."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen([*crm_executable(), *args], stdin=subprocess.DEVNULL, stdout=follower,
                                   stderr=follower, env=env)  # fmt: skip
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=60)
    finally:
        os.close(leader)
    return code, b"".join(chunks).decode("utf-8")


def test_at_a_terminal_rich_sends_no_sequence_from_the_text(crm, tmp_path: Path) -> None:  # noqa: ANN001
    env = terminal_env(tmp_path)
    for args in (["activity", "list"], ["activity", "show", "1"], ["show", "evil"], ["agenda"]):
        code, shown = in_terminal(args, env)
        assert code == 0, shown
        for sequence in ("\x1b]0;", "\x07", "\x1b[2J", "\x1b[31m", "\x9b", "\x00"):
            assert sequence not in shown, (args, shown)
    code, shown = in_terminal(["activity", "list"], env)
    assert "\ufffd]0;owned\ufffd\ufffd[2J\ufffd[31mRED" in shown and NAME_SHOWN in shown


def test_the_ics_file_holds_no_control_characters_and_parses(crm) -> None:  # noqa: ANN001
    from icalendar import Calendar

    result = crm.ok("agenda", "--days", "30", "--ics", "-")
    ics = result.stdout
    assert_nothing_obeyed(ics.replace("\r\n", ""))
    events = {str(e["description"]).split("\n")[0]: e for e in Calendar.from_ical(ics).walk("VEVENT")}
    assert "a\ufffdb\ufffdc" in events
    assert str(events["a\ufffdb\ufffdc"]["summary"]) == f"Task: {NAME_SHOWN} — a\ufffdb\ufffdc"


def test_an_error_that_quotes_stored_names_shows_their_control_characters_harmlessly(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Ann\x1b]0;pwned\x07 Berg")
    crm.ok("add", "Ann\x1b[2J Lie")
    result = crm.fails("show", "ann")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "Ann\ufffd]0;pwned\ufffd Berg" in result.stderr and "Ann\ufffd[2J Lie" in result.stderr
