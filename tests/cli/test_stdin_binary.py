"""Stdin given as "-" that is not text: NULs (a binary file, UTF-16 without a byte-order
mark) are refused by every command that reads it, and where the text is required, stdin of
nothing but control characters is as empty as no stdin at all. Real text still gets in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import every_row, one_sentence


@pytest.fixture
def crm(crm):  # noqa: ANN001, ANN201
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.com")
    crm.ok("case", "open", "kari", "Printer broken", "--body", "x")
    crm.ok("log", "kari", "call", "Talked about the printer")
    return crm


def case(crm: Any) -> dict[str, Any]:
    return crm.ok("case", "show", "1", "--json").json()  # type: ignore[no-any-return]


def fails_writing_nothing(crm: Any, args: tuple[str, ...], piped: bytes) -> str:
    """The one sentence of a refusal that left every row as it was."""
    before = every_row(crm.db)
    result = crm.fails(*args, input=piped)
    assert result.stdout == ""
    assert every_row(crm.db) == before
    assert case(crm)["first_response_at"] is None
    return one_sentence(result.stderr)


READS_STDIN = {
    "reply": (("case", "reply", "1", "-"), "reply"),
    "inbound": (("case", "reply", "1", "--inbound", "-"), "message"),
    "case-note": (("case", "note", "1", "-"), "note"),
    "open-body": (("case", "open", "kari", "Toner", "--body", "-"), "request"),
    "pending-note": (("case", "pending", "1", "--note", "-"), "note"),
    "log": (("log", "kari", "note", "-"), "note"),
    "activity-add": (("activity", "add", "kari", "-"), "note"),
    "activity-edit": (("activity", "edit", "1", "--note", "-"), "note"),
}

WITH_NULS = {
    "nul": b"\x00\n",
    "utf-16le-no-bom": "abc\n".encode("utf-16-le"),
    "utf-16be-no-bom": "Brønnøysund".encode("utf-16-be"),  # not UTF-8 either
    "nul-inside-text": b"Hello\x00Kari\n",
}


@pytest.mark.parametrize("piped", WITH_NULS.values(), ids=WITH_NULS.keys())
@pytest.mark.parametrize(("args", "what"), READS_STDIN.values(), ids=READS_STDIN.keys())
def test_nul_bytes_are_refused_by_every_command(crm, args: tuple[str, ...], what: str, piped: bytes) -> None:  # noqa: ANN001
    assert fails_writing_nothing(crm, args, piped) == (
        f"crm: The {what} on stdin holds NUL bytes: it is binary, or UTF-16 without a "
        "byte-order mark; convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8)."
    )


def test_nuls_after_a_utf16_byte_order_mark_are_refused(crm) -> None:  # noqa: ANN001
    utf32 = "Hei\n".encode("utf-32-le")  # opens with FF FE 00 00: a UTF-16 mark, then NULs
    assert fails_writing_nothing(crm, ("case", "reply", "1", "-"), b"\xff\xfe\x00\x00" + utf32) == (
        "crm: The reply on stdin holds NUL characters after its UTF-16 byte-order mark: it is "
        "binary, or UTF-32; convert it to UTF-8 first (iconv -f UTF-32 -t UTF-8)."
    )


TEXT_REQUIRED = ("reply", "inbound", "case-note", "open-body", "pending-note")
REQUIRED = {name: READS_STDIN[name] for name in TEXT_REQUIRED}
CONTROL_ONLY = {
    "esc": b"\x1b\n",
    "bell-ctrl-z": b"\x07\x1a\r\n\t",
    "delete": b"\x7f",
    "zero-width": "\ufeff\u200b\n".encode(),
    "not-utf8": b"\x81\x1b\n",  # read as Latin-1, yet refused in one sentence
}


@pytest.mark.parametrize("piped", CONTROL_ONLY.values(), ids=CONTROL_ONLY.keys())
@pytest.mark.parametrize(("args", "what"), REQUIRED.values(), ids=REQUIRED.keys())
def test_control_characters_alone_are_empty(crm, args: tuple[str, ...], what: str, piped: bytes) -> None:  # noqa: ANN001
    assert fails_writing_nothing(crm, args, piped) == (
        f"crm: The {what} on stdin is empty; pipe its text in, or give it in place of -."
    )


@pytest.mark.parametrize(
    ("piped", "body", "warned"),
    [
        (b"Line one\n\tindented\r\nLine three\n", "Line one\n\tindented\r\nLine three", False),
        (b"\x1b\nReal words\n", "\x1b\nReal words", False),  # a visible character is enough
        (b"\xef\xbb\xbfTroms\xc3\xb8\n", "Tromsø", False),
        ("Привіт\n".encode("utf-16"), "Привіт", False),
        (b"caf\xe9\n", "café", True),
    ],
    ids=["tabs-newlines", "control-and-text", "utf-8-bom", "utf-16-bom", "windows-1252"],
)
def test_real_text_still_gets_in(crm, piped: bytes, body: str, warned: bool) -> None:  # noqa: ANN001
    result = crm.ok("case", "note", "1", "-", input=piped)
    assert case(crm)["timeline"][-1]["body"] == body
    assert result.stderr.startswith("The note was not UTF-8") is warned
    logged = crm.ok("log", "kari", "note", "-", "--json", input=piped).json()
    assert logged["note"].strip() == body


def test_a_real_pipe_of_nuls_is_refused(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    """`printf '\\000\\n' | crm case reply 1 -` and `iconv -t UTF-16LE | crm case note 1 -`."""
    assert crm_process("add", "Kari").returncode == 0
    assert crm_process("case", "open", "kari", "Printer", "--body", "x").returncode == 0
    before = every_row(tmp_path / "crm.db")
    replied = crm_process("case", "reply", "1", "-", input="\x00\n")
    noted = crm_process("case", "note", "1", "-", input="a\x00b\x00c\x00")  # UTF-16LE "abc"
    for result, what in ((replied, "reply"), (noted, "note")):
        assert result.returncode == 1 and result.stdout == ""
        assert one_sentence(result.stderr).startswith(f"crm: The {what} on stdin holds NUL bytes: ")
    assert every_row(tmp_path / "crm.db") == before
