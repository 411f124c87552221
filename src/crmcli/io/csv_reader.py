"""Reading real-world CSV files in constant memory.

What a file may be: UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's
"Unicode text"), or a legacy single-byte encoding named with --encoding (cp1252,
latin-1); comma, semicolon, tab or pipe separated (sniffed from the first rows unless
--delimiter says); quoted fields may hold newlines.

The file is read in blocks of about a megabyte that end at a line break, each decoded on
its own, so that bytes which are not UTF-8 are reported with the line they are on, and a
file of any size needs the same memory. Each record comes with the physical line it
starts on, which is what a person sees in an editor and what the rejects file names.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from crmcli.errors import Invalid
from crmcli.io.filedates import NO_DATES

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
BLOCK = 1 << 20
SNIFF_LINES = 50
# A cell may be long (a pasted e-mail thread in a notes column), not unbounded.
FIELD_LIMIT = 10 * 1024 * 1024


@dataclass
class Record:
    line: int  # the physical line the record starts on, 1 = the header
    cells: list[str]


class CsvSource:
    """A CSV file (or `-` for stdin), opened for one pass: `header`, then `records()`."""

    def __init__(
        self,
        source: str | Path,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        stdin: IO[bytes] | None = None,
    ) -> None:
        self.name = "standard input" if str(source) == "-" else str(source)
        self._own = str(source) != "-"
        self.raw: IO[bytes]
        if self._own:
            try:
                self.raw = open(source, "rb")  # noqa: SIM115 - closed by close()
            except FileNotFoundError:
                raise Invalid(f"There is no file {source}.") from None
            except IsADirectoryError:
                raise Invalid(f"{source} is a folder, not a CSV file.") from None
            except PermissionError:
                raise Invalid(f"Cannot read {source}: permission denied.") from None
        else:
            self.raw = stdin if stdin is not None else sys.stdin.buffer
        self.size = _size_of(self.raw) if self._own else None
        self.bytes_read = 0
        self._wide_bom = False  # the file starts with a UTF-16 or UTF-32 byte-order mark
        self.encoding = self._choose_encoding(encoding)
        self._lines = self._decoded_lines()
        self._line = 0  # physical lines handed to the csv module so far
        self._sample: list[str] = []
        self._refuse_json()
        self.delimiter = self._choose_delimiter(delimiter)
        csv.field_size_limit(FIELD_LIMIT)
        self._reader = csv.reader(self._counted(), delimiter=self.delimiter, strict=False)
        self.header = self._read_header()

    # --- encoding -----------------------------------------------------------------------

    def _choose_encoding(self, given: str | None) -> str:
        head = self._peek(4)
        if head.startswith(codecs.BOM_UTF8):
            self._skip(3)
            return "utf-8"
        if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00
            self._wide_bom = True
            return "utf-32"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self._wide_bom = True
            return "utf-16"  # the codec reads the mark and the byte order itself
        if given is None:
            return "utf-8"
        try:
            name = codecs.lookup(given).name
            "".encode(name)  # refuses codecs that are not text encodings (rot13, base64)
        except LookupError:
            raise Invalid(f"Unknown encoding {given!r}; use one such as utf-8, cp1252 or latin-1.") from None
        return name

    def _peek(self, count: int) -> bytes:
        peek = getattr(self.raw, "peek", None)
        if peek is not None:
            return bytes(peek(count)[:count])
        # A raw stream without peek: wrap it so that what we looked at is read again.
        self.raw = io.BufferedReader(self.raw)  # type: ignore[arg-type,type-var]
        return bytes(self.raw.peek(count)[:count])

    def _skip(self, count: int) -> None:
        self.raw.read(count)
        self.bytes_read += count

    def _decoded_lines(self) -> Iterator[str]:
        if self.encoding.replace("_", "-").startswith(("utf-16", "utf-32")):
            # A line break byte may sit inside a wide character: no cutting into blocks.
            yield from self._utf16_lines()
            return
        decode = codecs.getdecoder(self.encoding)
        line = 0
        rest = b""
        while True:
            block = self.raw.read(BLOCK)
            self.bytes_read += len(block)
            if not block:
                data, rest = rest, b""
            else:
                data = rest + block
                cut = data.rfind(b"\n") + 1 or data.rfind(b"\r") + 1
                if cut == 0:
                    rest = data
                    continue
                data, rest = data[:cut], data[cut:]
            if not data:
                return
            try:
                text = decode(data)[0]
            except UnicodeError as exc:  # a decode error, or a codec such as idna refusing
                start = getattr(exc, "start", 0)
                where = line + data.count(b"\n", 0, start) + 1
                raise Invalid(self._not_encoded(where, data[start : start + 1])) from None
            line += data.count(b"\n")
            # newline="" keeps \r\n and \r inside quoted fields as they are, as the csv
            # module expects of a file opened with newline="".
            yield from io.StringIO(text, newline="")

    def _utf16_lines(self) -> Iterator[str]:
        reader = io.TextIOWrapper(_Counting(self.raw, self), encoding=self.encoding, newline="")  # type: ignore[type-var]
        try:
            yield from reader
        except UnicodeDecodeError:
            if not self._wide_bom:
                line = self._line + 1
                raise Invalid(f"Line {line} of {self.name} cannot be read as {self.encoding}.") from None
            wide = self.encoding[:6].upper()
            raise Invalid(
                f"{self.name} starts with a {wide} byte-order mark but line {self._line + 1} "
                f"is not {wide}; save it again as UTF-8 or {wide}."
            ) from None
        except UnicodeError:  # --encoding utf-16 (or utf-32) for a file without a byte-order mark
            wide = self.encoding[:6].upper()
            raise Invalid(
                f"{self.name} has no {wide} byte-order mark; give --encoding {wide.lower()}-le or "
                f"{wide.lower()}-be."
            ) from None

    def _not_encoded(self, line: int, byte: bytes) -> str:
        if self.encoding == "utf-8":
            return (
                f"Line {line} of {self.name} is not UTF-8 (byte 0x{byte.hex().upper()}); "
                "give the file's encoding, for example --encoding cp1252 (Excel on Windows) "
                "or --encoding latin-1."
            )
        return f"Line {line} of {self.name} cannot be read as {self.encoding} (byte 0x{byte.hex().upper()})."

    # --- what the file is ---------------------------------------------------------------

    def _refuse_json(self) -> None:
        """A JSON file (`crm export --format json`) would be read as one odd header and be
        refused for a missing name column, advice that cannot help; it is named for what it
        is. A JSON array starts [ then {, [, ", ], a number; an object { then " or }: a CSV
        header such as "[Name],Email" does not, and is read as CSV. The lines looked at stay
        in the sample, read again as the file's first lines."""
        seen = ""
        for line in self._lines:
            self._sample.append(line)
            seen += "".join(line.split()).lstrip("\ufeff")
            if len(seen) >= 2:
                break
        if not seen or seen[0] not in "[{":
            return
        after = seen[1:2]
        if after in ('"', "}") or (seen[0] == "[" and (after in ("", "{", "[", "]", "-") or after.isdigit())):
            raise Invalid(f"{self.name} holds JSON; crm import reads CSV (export it with --format csv).")

    # --- delimiter ----------------------------------------------------------------------

    def _choose_delimiter(self, given: str | None) -> str:
        if given is not None:
            return delimiter_named(given)
        for line in self._lines:
            self._sample.append(line)
            if len(self._sample) >= SNIFF_LINES:
                break
        return sniff_delimiter("".join(self._sample))

    # --- records ------------------------------------------------------------------------

    def _counted(self) -> Iterator[str]:
        for line in self._sample:
            self._line += 1
            yield line
        self._sample = []
        for line in self._lines:
            self._line += 1
            yield line

    def _read_header(self) -> list[str]:
        for record in self.records():
            if any(cell.strip() for cell in record.cells):
                return [cell.strip() for cell in record.cells]
        raise Invalid(f"{self.name} is empty: it has no header line.")

    def records(self) -> Iterator[Record]:
        """Each non-blank record with the line it starts on."""
        reader = self._reader
        while True:
            start = self._line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise Invalid(f"Line {start} of {self.name} is not valid CSV: {exc}.") from None
            if not NO_DATES.isdisjoint(cells):  # a "no date" marker is an empty cell
                cells = ["" if cell in NO_DATES else cell for cell in cells]
            if not cells or (not cells[0].strip() and not any(c.strip() for c in cells)):
                continue  # a blank line, or a row of empty cells (spreadsheets add them: ,,,)
            yield Record(start, cells)

    def close(self) -> None:
        if self._own:
            self.raw.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Counting(io.RawIOBase):
    """A byte stream that tells its CsvSource how far it has read (for the progress bar)."""

    def __init__(self, raw: IO[bytes], owner: CsvSource) -> None:
        self._raw = raw
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self._owner.bytes_read += len(data)
        return len(data)


def delimiter_named(given: str) -> str:
    """--delimiter: one of the four that files use, by itself or by name. Any other
    character would be accepted by the csv module and split every line at the wrong
    places, so the import would fail later for a reason that hides the real one."""
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    chosen = named.get(given.strip().lower(), given)
    if chosen not in DELIMITERS:
        raise Invalid(f"The delimiter {given!r} is not one of , ; | or tab (comma, semicolon, pipe, tab).")
    return chosen


def sniff_delimiter(sample: str) -> str:
    """The candidate that splits the sample's lines into the same number (>1) of cells.

    csv.Sniffer guesses from character frequencies and is thrown by commas inside quoted
    cells; parsing the sample with each candidate and counting consistent rows is not.
    """
    best, best_score = ",", (0, 0)
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last sampled line may be cut off
    text = "".join(lines)
    for candidate in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=candidate) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows if len(r) == width)
        score = (consistent, width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _size_of(raw: IO[bytes]) -> int | None:
    try:
        import os

        return os.fstat(raw.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None
