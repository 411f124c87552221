"""A case's free text given as "-" is all of stdin, read as `crm log REF KIND -` reads it:
a mail filter piping messages into `crm case reply ID -` must store each message, and a
pipe that brings nothing must fail loudly rather than record "-" or stop an SLA clock."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import every_row, one_sentence

MAIL = "Hello Kari,\nwe sent a new printer.\n"


@pytest.fixture
def crm(crm):  # noqa: ANN001, ANN201
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.com")
    crm.ok("case", "open", "kari", "Printer broken")
    return crm


def case(crm: Any) -> dict[str, Any]:
    return crm.ok("case", "show", "1", "--json").json()  # type: ignore[no-any-return]


def bodies(crm: Any, kind: str) -> list[str | None]:
    return [e["body"] for e in case(crm)["timeline"] if e["kind"] == kind]


def test_reply_note_and_inbound_message_read_stdin(crm) -> None:  # noqa: ANN001
    replied = crm.ok("case", "reply", "1", "-", input=MAIL)
    assert replied.stderr == "Recorded the reply on case #1 (open).\n"
    crm.ok("case", "note", "1", "-", input="internal: check stock\n")
    crm.ok("case", "reply", "1", "--inbound", "-", input="Thanks, it works!\n\n")
    assert bodies(crm, "reply") == ["Hello Kari,\nwe sent a new printer."]
    assert bodies(crm, "note") == ["internal: check stock"]
    assert bodies(crm, "inbound") == ["Thanks, it works!"]
    assert case(crm)["first_response_at"] is not None


def test_open_body_reads_stdin(crm) -> None:  # noqa: ANN001
    opened = crm.ok("case", "open", "kari", "Toner", "--body", "-", "--json", input=MAIL).json()
    events = crm.ok("case", "show", str(opened["id"]), "--json").json()["timeline"]
    assert [e["body"] for e in events] == ["Hello Kari,\nwe sent a new printer."]


NOTE_OPTIONS = {
    "pending": ((), ("pending",)),
    "escalate": ((), ("escalate",)),
    "assign": ((), ("assign", "tester")),
    "resolve": ((), ("resolve",)),
    "close": ((), ("close",)),
    "reopen": (("resolve",), ("reopen",)),
}


@pytest.mark.parametrize(("before", "command"), NOTE_OPTIONS.values(), ids=NOTE_OPTIONS.keys())
def test_a_note_option_reads_stdin(crm, before: tuple[str, ...], command: tuple[str, ...]) -> None:  # noqa: ANN001
    crm.write_config('[[team]]\nhandle = "tester"\n')
    for step in before:
        crm.ok("case", step, "1")
    crm.ok("case", command[0], "1", *command[1:], "--note", "-", input="Said so on the phone\n")
    assert case(crm)["timeline"][-1]["body"] == "Said so on the phone"


EMPTY_REFUSED = {
    "reply": (("case", "reply", "1", "-"), "reply"),
    "reply-pending": (("case", "reply", "1", "--pending", "-"), "reply"),
    "inbound": (("case", "reply", "1", "--inbound", "-"), "message"),
    "note": (("case", "note", "1", "-"), "note"),
    "open-body": (("case", "open", "kari", "Toner", "--body", "-"), "request"),
    "pending-note": (("case", "pending", "1", "--note", "-"), "note"),
    "resolve-note": (("case", "resolve", "1", "--note", "-"), "note"),
    "close-note": (("case", "close", "1", "--note", "-"), "note"),
    "escalate-note": (("case", "escalate", "1", "--note", "-"), "note"),
}


@pytest.mark.parametrize("piped", ["", "\n", "  \r\n\t\n"], ids=["nothing", "newline", "blank-lines"])
@pytest.mark.parametrize(("args", "what"), EMPTY_REFUSED.values(), ids=EMPTY_REFUSED.keys())
def test_empty_stdin_is_refused_and_writes_nothing(crm, args: tuple[str, ...], what: str, piped: str) -> None:  # noqa: ANN001
    before = every_row(crm.db)
    result = crm.fails(*args, input=piped)
    assert one_sentence(result.stderr) == (
        f"crm: The {what} on stdin is empty; pipe its text in, or give it in place of -."
    )
    assert result.stdout == ""
    assert every_row(crm.db) == before
    assert case(crm)["first_response_at"] is None


@pytest.mark.parametrize(
    ("piped", "body", "warned"),
    [
        (b"Br\xf8nn\xf8ysund caf\xe9\n", "Brønnøysund café", True),  # a Latin-1 mail body
        (b"\xef\xbb\xbfHei fra Troms\xc3\xb8\n", "Hei fra Tromsø", False),  # UTF-8 with a BOM
        ("Привіт з Києва\n".encode("utf-16"), "Привіт з Києва", False),
        (b"\xfe\xff" + "Hei 🙂\n".encode("utf-16-be"), "Hei 🙂", False),
    ],
    ids=["latin-1", "utf-8-bom", "utf-16", "utf-16-be"],
)
def test_a_piped_message_is_decoded_as_crm_log_decodes_it(crm, piped: bytes, body: str, warned: bool) -> None:  # noqa: ANN001
    result = crm.ok("case", "reply", "1", "--inbound", "-", input=piped)  # type: ignore[arg-type]  # bytes
    assert bodies(crm, "inbound") == [body]
    assert ("The message was not UTF-8" in result.stderr) is warned


@pytest.mark.parametrize(
    "piped", [b"\xff\xfeh", b"\xff\xfeh\x00\x00\xdci\x00"], ids=["cut-off", "lone-surrogate"]
)
def test_broken_utf16_is_refused_and_writes_nothing(crm, piped: bytes) -> None:  # noqa: ANN001
    before = every_row(crm.db)
    result = crm.fails("case", "reply", "1", "-", input=piped)  # type: ignore[arg-type]  # bytes
    sentence = one_sentence(result.stderr)
    assert sentence.startswith("crm: The reply on stdin starts with a UTF-16 byte-order mark")
    assert every_row(crm.db) == before


def test_a_mail_filter_pipes_into_the_installed_crm(crm_process) -> None:  # noqa: ANN001
    """Real pipes, no TTY: what procmail or a cron job hands over."""
    assert crm_process("add", "Kari Nordmann", "--email", "kari@example.com").returncode == 0
    assert crm_process("case", "open", "kari", "Printer broken").returncode == 0
    replied = crm_process("case", "reply", "1", "-", input=MAIL)
    assert replied.returncode == 0, replied.stderr
    assert replied.stdout == "" and replied.stderr == "Recorded the reply on case #1 (open).\n"
    noted = crm_process("case", "note", "1", "-", input="internal: check stock\n")
    assert noted.returncode == 0, noted.stderr
    empty = crm_process("case", "reply", "1", "--inbound", "-", input="")
    assert empty.returncode == 1
    assert one_sentence(empty.stderr) == (
        "crm: The message on stdin is empty; pipe its text in, or give it in place of -."
    )
    shown = json.loads(crm_process("case", "show", "1", "--json").stdout)
    texts = [(e["kind"], e["body"]) for e in shown["timeline"] if e["kind"] != "status"]
    assert texts == [("reply", "Hello Kari,\nwe sent a new printer."), ("note", "internal: check stock")]
    assert shown["first_response_at"] is not None
