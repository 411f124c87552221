"""Writing exports: CSV with formula cells neutralised, a JSON array, to stdout or a file.

Rows arrive as a stream and leave as one: nothing is held but the row being written. A
file is written under a temporary name beside it and renamed into place when the export
is complete, so an export that fails leaves the previous file (or none), never half a one.
"""

from __future__ import annotations

import os
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
    a file, and a write that fails leaves the previous file (or none)."""

    def __init__(self, output: str, option: str = "--output", *, private: bool = False) -> None:
        path = Path(output).expanduser()
        folder = path.parent if str(path.parent) else Path(".")
        if path.is_dir():
            raise Invalid(f"{output} is a folder; give a file name with {option}.")
        if output.endswith(("/", os.sep)):
            # Path() drops the slash: "reports/" would otherwise become a file named reports.
            raise Invalid(f"{output} ends in /, so it names a folder; give a file name with {option}.")
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
        self.path = path
        self.private = private  # 0600 even in place of a file others could read
        self.stream: IO[str] = os.fdopen(handle, "w", encoding="utf-8", newline="")

    def size(self) -> int:
        """The bytes written so far (by a forked process too: it writes the same file)."""
        self.stream.flush()
        return os.fstat(self.stream.fileno()).st_size

    def commit(self) -> None:
        self.stream.flush()
        os.fsync(self.stream.fileno())  # the rename must not land before the bytes do
        self.stream.close()
        os.chmod(self.temporary, 0o600 if self.private else _mode(self.path))
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        try:
            self.stream.close()
        except OSError:
            pass
        try:
            os.unlink(self.temporary)
        except OSError:
            pass


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
