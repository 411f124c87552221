"""crm log / crm activity …: logging touches, follow-ups, lists, and bad input that writes nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers import one_sentence

CONFIG = """
timezone = "Europe/Oslo"

[[team]]
handle = "tester"
[[team]]
handle = "alan"

[activities]
kinds = ["visit", "demo"]
"""


@pytest.fixture
def crm(crm):  # noqa: ANN001, ANN201
    crm.write_config(CONFIG)
    crm.ok("add", "Kari Nordmann", "--email", "kari@fjordline.no", "--company", "Fjordline AS",
           "--tz", "Europe/Oslo")  # fmt: skip
    crm.ok("add", "Wang Wei", "--email", "wang@yunqiao.cn", "--company", "Yunqiao", "--tz", "Asia/Shanghai")
    return crm


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("activities", "activities_fts", "changes", "history")}  # fmt: skip
    finally:
        conn.close()


def test_log_a_call_with_every_option(crm) -> None:  # noqa: ANN001
    record = crm.ok(
        "log", "kari", "call", "Discussed the renewal", "--at", "2026-03-27 14:00", "--duration", "1h30m",
        "--direction", "out", "--outcome", "interested", "--json",
    ).json()  # fmt: skip
    assert record["kind"] == "call" and record["contact"] == "Kari Nordmann"
    assert record["company"] == "Fjordline AS" and record["company_id"] is not None
    assert record["at"] == "2026-03-27T13:00:00Z"  # 14:00 in Oslo, stored in UTC
    assert record["duration_min"] == 90 and record["direction"] == "out"
    assert record["outcome"] == "interested" and record["owner"] == "tester"
    assert record["status"] == "logged" and record["due_at"] is None


def test_log_confirms_on_stderr_and_keeps_stdout_empty(crm) -> None:  # noqa: ANN001
    result = crm.ok("log", "kari", "email", "Sent the pricing sheet")
    assert result.stdout == ""
    assert result.stderr.strip() == "Logged email #1 with Kari Nordmann."


def test_at_in_words_is_read_in_the_users_zone_across_dst(crm) -> None:  # noqa: ANN001
    # 02:30 does not exist in Oslo on 29 March 2026: it is 03:30 summer time, 01:30 UTC.
    record = crm.ok("log", "kari", "note", "Night shift", "--at", "2026-03-29 02:30", "--json").json()
    assert record["at"] == "2026-03-29T01:30:00Z"


def test_a_task_is_a_follow_up_due_by_the_end_of_today(crm) -> None:  # noqa: ANN001
    record = crm.ok("log", "kari", "task", "Send the proposal", "--json").json()
    assert record["status"] == "open"
    due = datetime.strptime(record["due_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    from zoneinfo import ZoneInfo

    local = due.astimezone(ZoneInfo("Europe/Oslo"))
    assert local.time().isoformat() == "23:59:59"
    assert local.date() == datetime.now(ZoneInfo("Europe/Oslo")).date()


def test_due_makes_any_kind_a_follow_up_at_the_time_given(crm) -> None:  # noqa: ANN001
    record = crm.ok("log", "wang", "call", "Trial check-in", "--due", "2026-04-03 10:00", "--json").json()
    assert record["status"] == "open" and record["due_at"] == "2026-04-03T08:00:00Z"
    assert (
        crm.ok("log", "kari", "task", "x", "--due", "next friday 10am", "--json")
        .json()["due_at"]
        .endswith(":00:00Z")
    )


def test_a_company_can_be_named_or_prefixed(crm) -> None:  # noqa: ANN001
    by_prefix = crm.ok("log", "company:fjordline", "meeting", "Board visit", "--json").json()
    assert by_prefix["contact_id"] is None and by_prefix["company"] == "Fjordline AS"
    crm.ok("company", "add", "Nordlys Energi AS")
    by_name = crm.ok("log", "nordlys", "note", "Sent NDA", "--json").json()  # no contact matches
    assert by_name["company"] == "Nordlys Energi AS" and by_name["contact"] is None
    # A company's name wins over a person whose e-mail address merely contains it.
    firm = crm.ok("log", "yunqiao", "note", "Signed the NDA", "--json").json()
    assert firm["company"] == "Yunqiao" and firm["contact"] is None
    assert crm.ok("log", "wang", "note", "Called", "--json").json()["contact"] == "Wang Wei"


def test_kinds_from_the_config_are_accepted(crm) -> None:  # noqa: ANN001
    assert crm.ok("log", "kari", "visit", "On site", "--json").json()["kind"] == "visit"


def test_note_from_stdin_in_process(crm) -> None:  # noqa: ANN001
    text = "commit 1a2b3c\n\n    Fix the invoice export\n"
    record = crm.ok("log", "kari", "note", "-", "--json", input=text).json()
    assert record["note"] == text.strip()


@pytest.mark.parametrize(
    ("piped", "note", "warned"),
    [
        (b"Br\xf8nn\xf8ysund caf\xe9\n", "Brønnøysund café", True),  # a Latin-1 mail body
        (b"\xef\xbb\xbfHei fra Troms\xc3\xb8\n", "Hei fra Tromsø", False),  # UTF-8 with a BOM
        ("Привіт з Києва\n".encode("utf-16"), "Привіт з Києва", False),
    ],
)
def test_a_piped_note_in_another_encoding_keeps_every_letter(tmp_path: Path, piped, note, warned) -> None:  # noqa: ANN001
    """Mail filters pipe whatever a message holds: no letter may become a U+FFFD."""
    from conftest import crm_executable

    env = {**os.environ, "CRM_DB": str(tmp_path / "crm.db"), "CRM_CONFIG": str(tmp_path / "config.toml")}
    crm = crm_executable()
    assert subprocess.run([*crm, "add", "Kari Nordmann"], env=env, capture_output=True).returncode == 0
    done = subprocess.run(
        [*crm, "log", "kari", "note", "-", "--json"], input=piped, env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["note"] == note
    assert (b"not UTF-8" in done.stderr) is warned


def test_note_from_a_pipe_through_the_installed_crm(crm_process, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    added = crm_process("add", "Acme Person", "--company", "Acme AS")
    assert added.returncode == 0, added.stderr
    log = "commit 9f8e7d\nAuthor: Ada\n\n    Ship the Glitterbyte importer\n"
    done = crm_process("log", "acme", "note", "-", input=log)  # "acme": the person, by prefix
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr.startswith("Logged note #1")
    shown = crm_process("activity", "show", "1", "--json")
    assert "Ship the Glitterbyte importer" in shown.stdout
    # Contact search finds people by the notes logged with them, accents folded.
    found = crm_process("contact", "list", "--search", "GLITTERBYTE", "--json")
    assert [c["name"] for c in json.loads(found.stdout)] == ["Acme Person"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("log", "kari", "sms", "hi"), "Unknown activity kind 'sms'"),
        (("log", "nobody", "call"), "No contact or company matches 'nobody'"),
        (("log", "999", "call"), "There is no contact #999"),
        (("log", "kari", "call", "--at", "someday"), "Cannot read 'someday' as a date"),
        (("log", "kari", "task", "x", "--due", "2026-02-30"), "2026-02-30 is no date: February 2026 has 28"),
        (("log", "kari", "task", "x", "--due", "31/12/2026"), "Cannot read '31/12/2026' as a date"),
        (("log", "kari", "call", "--duration", "forever"), "Cannot read 'forever' as a duration"),
        (("log", "kari", "call", "--direction", "sideways"), "The direction 'sideways' must be in or out"),
        (("log", "kari", "call", "--deal", "7"), "There is no deal #7"),
        (("log", "kari", "call", "--case", "case:3"), "There is no case #3"),
        (("log", "kari", "call", "--owner", "zed"), "The owner 'zed' is not on the team"),
        (("log", "kari", "note"), "A note needs its text"),
        (("log", "kari", "note", "-"), "A note needs its text"),
    ],
)
def test_bad_input_is_one_sentence_and_writes_nothing(crm, args: tuple[str, ...], message: str) -> None:  # noqa: ANN001
    before = counts(crm.db)
    result = crm.fails(*args, input="")
    assert result.stderr.startswith(f"crm: {message}")
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert counts(crm.db) == before


def test_a_broken_kinds_setting_names_its_line(crm) -> None:  # noqa: ANN001
    crm.write_config('[activities]\nkinds = ["Site Visit"]\n')
    result = crm.fails("log", "kari", "call")
    assert "line 2" in result.stderr and "activities.kinds[0]" in result.stderr


# --- follow-ups: done, list, edit, delete -----------------------------------------------------


def test_done_closes_a_follow_up_once(crm) -> None:  # noqa: ANN001
    crm.ok("log", "kari", "task", "Send the proposal", "--due", "2026-04-03")
    done = crm.ok("activity", "done", "1", "--at", "2026-04-02 16:00", "--outcome", "sent",
                  "--note", "Attached the price list", "--json").json()  # fmt: skip
    assert done["status"] == "done" and done["done_at"] == done["at"] == "2026-04-02T14:00:00Z"
    assert done["note"] == "Send the proposal\nAttached the price list" and done["outcome"] == "sent"
    again = crm.fails("activity", "done", "#1")
    assert "already done" in again.stderr
    crm.ok("log", "kari", "call", "Chat")
    assert "not a follow-up" in crm.fails("activity", "done", "2").stderr
    assert crm.fails("activity", "done", "nine").stderr.startswith("crm: An activity is named by its id")


def test_undo_of_done_puts_back_the_outcome_and_the_note(crm) -> None:  # noqa: ANN001
    crm.ok("log", "kari", "task", "Send the proposal", "--due", "2026-04-03")
    before = crm.ok("activity", "show", "1", "--json").json()
    crm.ok("activity", "done", "1", "--at", "2026-04-02 16:00", "--outcome", "signed",
           "--note", "They signed on the spot")  # fmt: skip
    crm.ok("undo")
    after = crm.ok("activity", "show", "1", "--json").json()
    assert {k: after[k] for k in ("status", "done_at", "at", "outcome", "note")} == {
        k: before[k] for k in ("status", "done_at", "at", "outcome", "note")
    }
    assert after["outcome"] is None and after["note"] == "Send the proposal"
    assert crm.ok("activity", "list", "--search", "signed on the spot", "--json").json() == []


def _seed_list(crm) -> None:  # noqa: ANN001
    crm.ok("log", "kari", "call", "Renewal call", "--at", "2026-03-02 10:00", "--outcome", "interested")
    crm.ok("log", "kari", "email", "Pricing sheet", "--at", "2026-03-10 09:00", "--owner", "alan")
    crm.ok("log", "wang", "meeting", "Trial kickoff", "--at", "2026-03-20 08:00")
    crm.ok("log", "wang", "call", "Follow up the trial", "--due", "2026-04-01 10:00")
    crm.ok("log", "kari", "task", "Send the contract", "--due", "2026-03-30")
    crm.ok("activity", "done", "5", "--at", "2026-03-29 12:00")


def test_list_filters(crm) -> None:  # noqa: ANN001
    _seed_list(crm)

    def ids(*args: str) -> list[int]:
        return [row["id"] for row in crm.ok("activity", "list", *args, "--json").json()]

    assert ids("--contact", "kari") == [5, 2, 1]  # latest first (5 was done on 29 March)
    assert ids("--kind", "call") == [4, 1]
    assert ids("--kind", "call,email", "--owner", "alan") == [2]
    assert ids("--open") == [4]
    assert ids("--done") == [5]
    assert ids("--since", "2026-03-05", "--until", "2026-03-20") == [3, 2]  # --until: the whole day
    assert ids("--company", "fjordline") == [5, 2, 1]
    assert ids("--search", "PRICING") == [2]
    assert ids("--limit", "2", "--offset", "1", "--contact", "kari") == [2, 1]


def test_list_plain_and_csv(crm) -> None:  # noqa: ANN001
    _seed_list(crm)
    plain = crm.ok("activity", "list", "--open").stdout.splitlines()
    assert plain[0].split() == [
        "ID",
        "DUE",
        "KIND",
        "STATUS",
        "CONTACT",
        "COMPANY",
        "NOTE",
        "OUTCOME",
        "OWNER",
    ]
    assert "2026-04-01T08:00:00Z" in plain[1] and "Follow up the trial" in plain[1]
    csv_lines = crm.ok("activity", "list", "--format", "csv", "--kind", "meeting").stdout.splitlines()
    assert csv_lines[0].startswith("id,at,kind,status,due_at")
    assert csv_lines[1].startswith("3,2026-03-20T07:00:00Z,meeting,logged")


def test_list_period_and_its_mistakes(crm) -> None:  # noqa: ANN001
    crm.ok("log", "kari", "note", "Today's note")
    crm.ok("log", "kari", "note", "Old note", "--at", "2020-01-01")
    assert [r["note"] for r in crm.ok("activity", "list", "--period", "today", "--json").json()] == [
        "Today's note"
    ]
    assert len(crm.ok("activity", "list", "--period", "30d", "--json").json()) == 1
    assert (
        "Cannot read 'fortnight' as a period" in crm.fails("activity", "list", "--period", "fortnight").stderr
    )
    assert "exclude each other" in crm.fails("activity", "list", "--open", "--done").stderr
    assert "--period replaces" in crm.fails("activity", "list", "--period", "week", "--since", "3d").stderr


def test_edit_changes_moves_and_clears(crm) -> None:  # noqa: ANN001
    crm.ok("log", "kari", "call", "Follow up", "--due", "2026-04-01 10:00", "--duration", "15")
    edited = crm.ok("activity", "edit", "1", "--note", "Call about the API", "--contact", "wang",
                    "--duration", "", "--json").json()  # fmt: skip
    assert edited["note"] == "Call about the API" and edited["contact"] == "Wang Wei"
    assert edited["company"] == "Yunqiao" and edited["duration_min"] is None
    plain = crm.ok("activity", "edit", "1", "--due", "", "--json").json()
    assert plain["status"] == "logged" and plain["due_at"] is None
    crm.ok("log", "kari", "task", "Contract")
    assert "A task needs a due date" in crm.fails("activity", "edit", "2", "--due", "").stderr
    assert "cannot be cleared" in crm.fails("activity", "edit", "2", "--note", "").stderr
    assert "Unknown activity kind" in crm.fails("activity", "edit", "2", "--kind", "fax").stderr


def test_show_delete_and_history(crm) -> None:  # noqa: ANN001
    crm.ok("log", "kari", "meeting", "Quarterly review\nUsage up 30%", "--at", "2026-03-02 10:00",
           "--duration", "45m")  # fmt: skip
    shown = crm.ok("activity", "show", "1").stdout
    assert shown.startswith("Meeting #1\n") and "Duration:  45 min" in shown
    assert "When:      2026-03-02T09:00:00Z" in shown and shown.rstrip().endswith("Usage up 30%")
    assert crm.ok("activity", "show", "1", "--json").json()["duration_min"] == 45
    refused = crm.fails("activity", "delete", "1")
    assert "without --yes" in refused.stderr
    crm.ok("activity", "delete", "1", "--yes")
    assert crm.fails("activity", "show", "1").stderr == "crm: There is no activity #1.\n"
    conn = sqlite3.connect(crm.db)
    actions = [r[0] for r in conn.execute("SELECT action FROM history WHERE entity = 'activity' ORDER BY id")]
    conn.close()
    assert actions == ["create", "delete"]
    assert counts(crm.db)["activities_fts"] == 0


def test_activity_add_is_a_follow_up(crm) -> None:  # noqa: ANN001
    task = crm.ok("activity", "add", "kari", "Prepare the workshop", "--json").json()
    assert task["kind"] == "task" and task["status"] == "open"
    call = crm.ok(
        "activity", "add", "wang", "Call about pricing", "--kind", "call", "--due", "3d", "--json"
    ).json()
    due = datetime.strptime(call["due_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timedelta(days=2, hours=23) < due - datetime.now(UTC) <= timedelta(days=3)


def test_the_log_shortcut_and_the_group_are_the_same_command(crm) -> None:  # noqa: ANN001
    crm.ok("activity", "log", "kari", "message", "WhatsApp: running late")
    crm.ok("log", "kari", "message", "Arrived")
    assert [r["kind"] for r in crm.ok("activity", "list", "--json").json()] == ["message", "message"]


@pytest.mark.parametrize(
    "args",
    [
        ("log", "kari", "call", "Quarterly review", "--at", "in 1 year"),
        ("activity", "edit", "1", "--at", "tomorrow 10:00"),
        ("activity", "done", "2", "--at", "2099-06-01"),
    ],
)
def test_a_future_at_is_refused_and_writes_nothing(crm, args) -> None:  # noqa: ANN001
    """A future moment would count as the contact's last touch until that day comes, and
    hide them from the agenda's keep-in-touch list."""
    crm.ok("log", "kari", "call", "Renewal call", "--at", "yesterday 10:00")
    crm.ok("log", "kari", "task", "Send the proposal", "--due", "friday")
    before = counts(crm.db)
    touched = crm.ok("contact", "show", "kari", "--json").json()["contact"]["last_touch_at"]
    result = crm.fails(*args)
    assert "is in the future" in one_sentence(result.stderr) and "--due" in result.stderr
    assert counts(crm.db) == before
    assert crm.ok("contact", "show", "kari", "--json").json()["contact"]["last_touch_at"] == touched


def test_list_and_export_refuse_an_unknown_kind_or_owner_as_logging_does(crm) -> None:  # noqa: ANN001
    """A filter value nothing could ever match is a mistake, not an empty list."""
    _seed_list(crm)
    for option, value, writing in (
        ("--kind", "bogus", ("log", "kari", "bogus", "x")),
        ("--owner", "zed", ("log", "kari", "call", "--owner", "zed")),
    ):
        told = one_sentence(crm.fails(*writing).stderr)
        assert one_sentence(crm.fails("activity", "list", option, value).stderr) == told
        assert one_sentence(crm.fails("export", "activities", option, value).stderr) == told
    assert one_sentence(crm.fails("activity", "list", "--kind", "call,bogus").stderr).startswith(
        "crm: Unknown activity kind 'bogus'; use one of call, email, meeting, note, message, task, visit"
    )
    assert [r["id"] for r in crm.ok("activity", "list", "--kind", "Visit,CALL", "--json").json()] == [4, 1]
    assert [r["id"] for r in crm.ok("activity", "list", "--owner", "alan", "--json").json()] == [2]
