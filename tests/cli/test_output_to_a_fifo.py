"""An export, an --ics calendar or a rejects file given a named pipe streams into it.

`crm export contacts -o out.fifo` waited forever, reader or not: looking for a SQLite
header, it opened the pipe to read, which waits for a writer; and past that, its rename
would have put a regular file in the pipe's place. A pipe (or a terminal) is now written
straight into; a regular file is still replaced whole, and a folder still refused."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers import one_sentence, rows, write_csv

TIMEOUT = 20  # seconds: far beyond a run that works, short of one that hangs


def in_threads(fifo: Path, command: Callable[[], Any]) -> tuple[Any, str]:
    """Run `command` while a thread reads `fifo` as a script's reader would: what the
    command returned and what the reader got. Fails, instead of hanging, when either
    waits past TIMEOUT."""
    got: dict[str, Any] = {}

    def read() -> None:
        with open(fifo, encoding="utf-8", newline="") as reader:
            got["text"] = reader.read()

    def run() -> None:
        got["result"] = command()

    threads = [threading.Thread(target=read, daemon=True), threading.Thread(target=run, daemon=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    if any(thread.is_alive() for thread in threads):
        # Opened read-write the pipe has both ends, so whoever waits on it goes on.
        os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
        for thread in threads:
            thread.join(TIMEOUT)
        pytest.fail(f"writing to the named pipe {fifo.name} blocked for {TIMEOUT} seconds")
    return got["result"], got["text"]


def still_a_pipe_alone(fifo: Path) -> None:
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the named pipe was replaced by a regular file"
    assert not list(fifo.parent.glob(f".{fifo.name}.*")), "a temporary file was left beside it"


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "out.fifo"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_streams_into_a_named_pipe(crm, fifo: Path, fmt: str) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@example.no")
    crm.ok("add", "Ola Hansen", "--email", "ola@example.no")

    result, text = in_threads(fifo, lambda: crm("export", "contacts", "-o", str(fifo), "--format", fmt))

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    names = (
        [row["name"] for row in csv.DictReader(io.StringIO(text))]
        if fmt == "csv"
        else [item["name"] for item in json.loads(text)]
    )
    assert names == ["Kari Nordmann", "Ola Hansen"]
    still_a_pipe_alone(fifo)


def test_a_follow_up_calendar_streams_into_a_named_pipe(crm, fifo: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    crm.ok("log", "Kari", "task", "Send the offer", "--due", "2030-01-15 10:00")

    result, text = in_threads(fifo, lambda: crm("agenda", "--ics", str(fifo)))

    assert result.exit_code == 0, result.stderr
    assert text.startswith("BEGIN:VCALENDAR") and "Send the offer" in text
    still_a_pipe_alone(fifo)


def test_rejected_rows_stream_into_a_named_pipe(crm_process, tmp_path: Path, fifo: Path) -> None:  # noqa: ANN001
    source = write_csv(
        tmp_path / "people.csv",
        [["Name", "Email"], ["Kari Nordmann", "kari@example.no"], ["Ola Hansen", "ola-at-example.no"]],
    )

    done, text = in_threads(
        fifo, lambda: crm_process("import", "contacts", str(source), "--partial", "--rejects", str(fifo))
    )

    assert done.returncode == 1, done.stderr
    assert "crm: 1 row was rejected" in done.stderr
    written = list(csv.reader(io.StringIO(text)))
    assert written[0] == ["crm_line", "crm_reason", "Name", "Email"]
    assert [(row[0], row[2:]) for row in written[1:]] == [("3", ["Ola Hansen", "ola-at-example.no"])]
    still_a_pipe_alone(fifo)


def test_a_regular_file_is_still_replaced_whole_and_a_folder_refused(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    target = tmp_path / "people.csv"
    target.write_text("old\n", encoding="utf-8")
    crm.ok("export", "contacts", "-o", str(target))
    assert target.read_text(encoding="utf-8").startswith("id,uid,name,")
    assert not list(tmp_path.glob(".people.csv.*"))

    folder = tmp_path / "exports"
    folder.mkdir()
    result = crm.fails("export", "contacts", "-o", str(folder))
    assert one_sentence(result.stderr) == f"crm: {folder} is a folder; give a file name with --output."
    assert list(folder.iterdir()) == []


def test_rows_rejected_while_writing_follow_the_others_into_a_named_pipe(
    crm, tmp_path: Path, fifo: Path
) -> None:  # noqa: ANN001
    crm.ok("company", "add", "Acme", "--domain", "acme.example")
    crm.ok("company", "add", "Beta", "--domain", "beta.example")
    (beta,) = rows(crm, "SELECT uid FROM companies WHERE name = 'Beta'")[0]
    source = write_csv(
        tmp_path / "companies.csv",
        [
            ["name", "domain", "uid", "employees"],
            ["Beta", "acme.example", beta, ""],  # 2: Acme has that domain, found while writing
            ["Bad", "", "", "lots"],  # 3: rejected while reading
            ["Gamma", "gamma.example", "", "3"],  # 4: created
        ],
    )
    import_ = ("import", "companies", str(source), "--on-duplicate", "update", "--partial", "--rejects")

    result, text = in_threads(fifo, lambda: crm(*import_, str(fifo)))

    assert result.exit_code == 1, result.stderr
    written = list(csv.reader(io.StringIO(text)))
    # A pipe cannot be read back to merge them in line order: the late one comes last.
    assert [(row[0], row[2]) for row in written[1:]] == [("3", "Bad"), ("2", "Beta")]
    still_a_pipe_alone(fifo)


def test_a_socket_is_refused_in_one_sentence(crm, tmp_path: Path) -> None:  # noqa: ANN001
    import socket

    path = tmp_path / "s"
    if len(str(path)) > 100:
        pytest.skip("tmp_path is too long for a unix socket's name")
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(path))
        result = crm.fails("export", "contacts", "-o", str(path))
    assert one_sentence(result.stderr) == (
        f"crm: {path} is not a file, a pipe or a terminal; give a file name with --output."
    )
    assert stat.S_ISSOCK(path.stat().st_mode)


def test_a_gdpr_export_streams_into_a_named_pipe_without_asking_to_replace_it(crm, fifo: Path) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--email", "kari@x.no")
    result, text = in_threads(fifo, lambda: crm("gdpr", "export", "kari", "--output", str(fifo)))
    assert result.exit_code == 0, result.stderr
    assert json.loads(text)["contact"]["name"] == "Kari Nordmann"
    still_a_pipe_alone(fifo)
