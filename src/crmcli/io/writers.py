"""Writing exports: CSV with formula cells neutralised, a JSON array, to stdout or a file.

Rows arrive as a stream and leave as one: nothing is held but the row being written. A
file is written under a temporary name beside it and renamed into place when the export
is complete, so an export that fails leaves the previous file (or none), never half a one.
A named pipe or a terminal is written straight into instead: its reader waits for the
bytes as they come, and it must stay the pipe or the terminal it is.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from crmcli.errors import Invalid
from crmcli.io.formulas import TRIGGERS, neutralise

Tick = Callable[[int], None]
_EXTENSIONS = {".csv": "csv", ".json": "json", ".vcf": "vcard", ".vcard": "vcard"}


def chosen_format(given: str | None, output: str | None, allowed: tuple[str, ...], default: str) -> str:
    """--format when given, else the output file's extension, else the default."""
    if given:
        fmt = given.strip().lower()
        if fmt not in allowed:
            raise Invalid(f"Unknown format {given!r}; use one of {', '.join(allowed)}.")
        return fmt
    if output and output != "-":
        by_extension = _EXTENSIONS.get(Path(output).suffix.lower())
        if by_extension in allowed:
            return by_extension
    return default


@contextmanager
def destination(
    output: str | None, stdout: IO[str] | None = None, *, option: str = "--output", private: bool = False
) -> Iterator[IO[str]]:
    """Standard output (no --output, or "-"), or a file replaced only when all is written
    (see Replacement for `option` and `private`)."""
    if not output or output == "-":
        stream = stdout or sys.stdout
        yield stream
        stream.flush()
        return
    target = Replacement(output, option, private=private)
    try:
        yield target.stream
        target.commit()
    except BaseException:
        target.discard()
        raise


class Replacement:
    """A file written under a temporary name beside `output`, created private (0600, by
    mkstemp) and renamed into place by commit(), or removed by discard(): nobody sees half
    a file, and a write that fails leaves the previous file (or none).

    A named pipe or a terminal (`mkfifo out; crm export contacts -o out`, /dev/stdout) is
    written straight into, with no temporary file: a rename would put a regular file in
    its place, and its reader would wait for bytes that never come. `temporary` is None
    then: what was written has gone to the reader and cannot be read back or taken back."""

    temporary: str | None
    stream: IO[str]

    def __init__(self, output: str, option: str = "--output", *, private: bool = False) -> None:
        path = Path(output).expanduser()
        folder = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise Invalid(f"{output} is a folder; give a file name with {option}.")
        if output.endswith(("/", os.sep)):
            # Path() drops the slash: "reports/" would otherwise become a file named reports.
            raise Invalid(f"{output} ends in /, so it names a folder; give a file name with {option}.")
        self.path = path
        self.private = private  # 0600 even in place of a file others could read
        if _is_a_stream(path, output, option):
            self.temporary = None
            try:
                # Opening a pipe waits for its reader, as any program writing to one does.
                self.stream = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            except OSError as exc:
                raise Invalid(f"Cannot write {output}: {exc.strerror}.") from None
            return
        if not folder.is_dir():
            raise Invalid(f"Cannot write {output}: the folder {folder} does not exist.")
        if _is_a_database(path):
            # `crm export contacts -o crm.db` would otherwise replace the CRM with a CSV.
            raise Invalid(
                f"{output} is a SQLite database; an export never replaces one, so give another file."
            )
        try:
            handle, self.temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
        except OSError as exc:
            raise Invalid(f"Cannot write {output}: {exc.strerror}.") from None
        self.stream = os.fdopen(handle, "w", encoding="utf-8", newline="")

    def size(self) -> int:
        """The bytes written so far (by a forked process too: it writes the same file);
        0 for a pipe or a terminal, which keep no count of what their reader took."""
        self.stream.flush()
        return os.fstat(self.stream.fileno()).st_size if self.temporary is not None else 0

    def commit(self) -> None:
        self.stream.flush()
        if self.temporary is None:  # a pipe or a terminal: nothing to sync, nor to rename
            self.stream.close()
            return
        os.fsync(self.stream.fileno())  # the rename must not land before the bytes do
        self.stream.close()
        os.chmod(self.temporary, 0o600 if self.private else _mode(self.path))
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        try:
            self.stream.close()
        except OSError:
            pass
        if self.temporary is None:
            return
        try:
            os.unlink(self.temporary)
        except OSError:
            pass


def _is_a_stream(path: Path, output: str, option: str) -> bool:
    """Whether `path` is written straight into: a named pipe, a terminal or another
    character device (/dev/null), or an open file named by its descriptor (/dev/stdout
    redirected to a file, /dev/fd/3), where a temporary file and a rename would put a
    regular file among the system's devices. Looked at without opening it: opening a
    pipe to read waits for a writer, and a terminal's bytes are a person's typing."""
    try:
        mode = path.stat().st_mode
    except OSError:  # missing (the usual case): a new file, written as any other
        return False
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return True
    if not stat.S_ISREG(mode):
        # A disk or a socket: no export belongs there, streamed or renamed over it.
        raise Invalid(f"{output} is not a file, a pipe or a terminal; give a file name with {option}.")
    return _names_a_descriptor(path)


def _names_a_descriptor(path: Path) -> bool:
    """/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: names of a file this process
    holds open, whatever file that is."""
    parts = path.absolute().parent.parts
    return parts in (("/", "dev"), ("/", "dev", "fd")) or (
        len(parts) == 4 and parts[1] == "proc" and parts[3] == "fd"
    )


_SQLITE_HEADER = b"SQLite format 3\x00"


def _is_a_database(path: Path) -> bool:
    """Whether `path` is a SQLite file: crm's database, a backup of it, or another program's."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:  # missing (the usual case) or unreadable: nothing to protect here
        return False


def _mode(path: Path) -> int:
    """A replaced file keeps its permissions; a new one is private, as the database is
    (an export holds the same personal data)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o600


def write_csv(
    stream: IO[str], columns: list[str], rows: Iterable[list[Any]], tick: Tick | None = None
) -> int:
    """The header, then each row as text with formula cells neutralised; returns the row count."""
    import csv

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    write = writer.writerow
    count = 0
    for row in rows:
        write([csv_cell(value) for value in row])
        count += 1
        if tick is not None and count % 1000 == 0:
            tick(count)
    return count


_NEUTRALISED = frozenset((*TRIGGERS, "'"))


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: nothing for None, lists comma-separated, formulas neutralised."""
    if value is None:
        return ""
    if value.__class__ is str:
        text = value
    elif value.__class__ is list:
        text = ", ".join(map(str, value))
    else:
        text = str(value)
    if text and text[0] in _NEUTRALISED:
        return neutralise(text)
    return text


def write_json(stream: IO[str], objects: Iterable[dict[str, Any]], tick: Tick | None = None) -> int:
    """A JSON array written an element at a time (the same text as one json.dumps with indent=2)."""
    from crmcli.render.output import to_json

    count = 0
    stream.write("[")
    for item in objects:
        text = to_json(item).replace("\n", "\n  ")
        stream.write(("\n  " if count == 0 else ",\n  ") + text)
        count += 1
        if tick is not None and count % 1000 == 0:
            tick(count)
    stream.write("\n]\n" if count else "]\n")
    return count
