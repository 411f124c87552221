"""Turning plain data into what a person or a script reads.

On a terminal: Rich tables with colour (unless NO_COLOR). Off a terminal: plain aligned
text with every value in full and dates in ISO 8601, JSON, or CSV. Rich is imported only
for a terminal, which keeps piped commands fast.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import IO, Any

Formatter = Callable[[Any], str]


class Column:  # a plain class: see the note above crmcli.config.Problem
    __slots__ = ("key", "header", "justify", "format", "tty_only")

    def __init__(
        self,
        key: str,
        header: str,
        justify: str = "left",  # left | right
        format: Formatter | None = None,
        tty_only: bool = False,  # shown on a terminal, left out of plain text (e.g. a decoration)
    ) -> None:
        self.key, self.header, self.justify = key, header, justify
        self.format, self.tty_only = format, tty_only


# json, csv and decimal are imported where they are used: a plain table needs none of them.


def to_json(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)


def _json_default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    return str(value)


# What a terminal would obey rather than show: the C0 controls but tab and newline, DEL, and
# the C1 controls (ESC and CSI start sequences that retitle, recolour or clear the screen).
_CONTROLS = dict.fromkeys((*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)), "\ufffd")


def visible(text: str) -> str:
    """`text` as shown to a person: each control character but tab and newline is U+FFFD.

    Notes come from mail filters and pasted terminals, so they may hold escape sequences;
    shown raw, a piped-in e-mail could retitle or clear the reader's terminal. A CRLF line
    end (as mail has) stays a line end. The stored text is untouched; --json escapes it."""
    if text.isprintable():  # nearly every cell: nothing to replace, and no copy made
        return text
    return text.replace("\r\n", "\n").translate(_CONTROLS)


def display_width(text: str) -> int:
    """Terminal cells taken by `text`: East Asian wide characters take two."""
    if text.isascii():  # most cells: no wide or combining characters to look up
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


class Output:
    """Where a command's results go; built once per command by the CLI context."""

    def __init__(
        self,
        *,
        tty: bool | None = None,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.tty = self.stdout.isatty() if tty is None else tty
        self.tz = tz
        self._console: Any = None

    @property
    def color(self) -> bool:
        return self.tty and "NO_COLOR" not in os.environ

    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.stdout, no_color=not self.color, highlight=False, soft_wrap=False
            )
        return self._console

    # --- records and lists --------------------------------------------------------------

    def json(self, data: Any) -> None:
        self.stdout.write(to_json(data) + "\n")

    def table(
        self,
        rows: Sequence[dict[str, Any]],
        columns: Sequence[Column],
        *,
        title: str | None = None,
        empty: str = "Nothing to show.",
        footer: str | None = None,
    ) -> None:
        if not self.tty:
            self.plain_table(rows, [c for c in columns if not c.tty_only])
            return
        if not rows:
            self.note(empty)
            return
        from rich.table import Table
        from rich.text import Text

        # Text, not str, for everything that may hold user text: Rich reads a str as markup
        # and emoji codes, so "[erased]" or "[/b]" in a note would vanish, restyle the row or
        # stop the command.
        table = Table(title=_text(title, "table.title") if title else None, title_justify="left",
                      header_style="bold", show_edge=False, pad_edge=False,
                      box=None if not self.color else _box())  # fmt: skip
        for column in columns:
            table.add_column(_text(column.header), justify=column.justify, overflow="fold")  # type: ignore[arg-type]
        for row in rows:
            table.add_row(*(Text(self._format(row, c)) for c in columns))
        self.console().print(table)
        if footer:
            self.console().print(_text(footer))

    def listing(
        self,
        chosen: str,
        rows: Sequence[dict[str, Any]],
        csv_columns: Sequence[str],
        columns: Sequence[Column],
        *,
        empty: str,
        shown: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        """A list command's rows in the format chosen (json, csv or table); `shown` dresses
        each row for the table only (JSON and CSV carry the values as stored)."""
        if chosen == "json":
            self.json(rows)
        elif chosen == "csv":
            self.csv(rows, csv_columns)
        else:
            self.table(rows if shown is None else [shown(row) for row in rows], columns, empty=empty)

    def plain_table(self, rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> None:
        """Aligned text: a header line, then one line per row, nothing truncated."""
        grid = [[c.header.upper() for c in columns]]
        grid += [[self._format(row, c).replace("\n", " ") for c in columns] for row in rows]
        cell_widths = [[display_width(text) for text in line] for line in grid]
        widths = [max(line[i] for line in cell_widths) for i in range(len(columns))]
        last = len(columns) - 1
        lines = []
        for line, line_widths in zip(grid, cell_widths, strict=True):
            parts = []
            for i, (text, column) in enumerate(zip(line, columns, strict=True)):
                pad = " " * (widths[i] - line_widths[i])
                parts.append(pad + text if column.justify == "right" else (text if i == last else text + pad))
            lines.append("  ".join(parts).rstrip() + "\n")
        self.stdout.write("".join(lines))  # one write: thousands of small ones cost more than the rest

    def csv(self, rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
        import csv

        from crmcli.io.writers import csv_cell

        # Formula cells neutralised as `crm export` does: these lists go to spreadsheets too.
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(cell(row.get(c))) for c in columns])

    def fields(self, pairs: Sequence[tuple[str, Any]], *, title: str | None = None) -> None:
        """A record as "label: value" lines (a Rich grid on a terminal)."""
        shown = [
            (visible(label), visible(cell(value)))
            for label, value in pairs
            if value not in (None, "", [], {})
        ]
        if not self.tty:
            if title:
                self.stdout.write(visible(title) + "\n")
            width = max((display_width(label) for label, _ in shown), default=0)
            for label, value in shown:
                self.stdout.write(f"{label}:{' ' * (width - display_width(label))}  {value}\n")
            return
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold" if self.color else "")
        grid.add_column()
        for label, value in shown:
            grid.add_row(Text(label), Text(value))  # Text: not read as markup, as in table()
        if title:
            self.console().print(_text(title, "bold" if self.color else ""))
        self.console().print(grid)

    def heading(self, text: str) -> None:
        if self.tty:
            self.console().print()
            self.console().print(_text(text, "bold" if self.color else ""))
        else:
            self.stdout.write(f"\n{visible(text)}\n")  # headings name people and records

    def line(self, text: str = "") -> None:
        self.stdout.write(visible(text) + "\n")

    def note(self, text: str) -> None:
        """A confirmation or hint for a person: stderr, so stdout stays data."""
        self.stderr.write(visible(text) + "\n")

    # --- values -------------------------------------------------------------------------

    def _format(self, row: dict[str, Any], column: Column) -> str:
        """A table cell as shown: formatted, then with its control characters made visible."""
        value = row.get(column.key)
        text = column.format(value) if column.format is not None else cell(value)
        return text if text.isprintable() else visible(text)  # the check inlined: per cell

    def when(self, value: str | None) -> str:
        """A stored UTC timestamp: ISO as stored off a terminal, local time on one."""
        if not value:
            return ""
        if not self.tty or self.tz is None:
            return value
        from crmcli.clock import from_iso

        try:
            return from_iso(value).astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value


def _box() -> Any:
    from rich import box

    return box.SIMPLE_HEAD


def _text(text: str, style: str = "") -> Any:
    """Text that may hold user text, for Rich: shown as written, not read as markup."""
    from rich.text import Text

    return Text(visible(text), style=style)


def their_time_text(out: Output, iso: str | None) -> str:
    """A contact's local time: "Fri 23:30" on a terminal, the ISO moment in plain text."""
    if not iso:
        return ""
    if not out.tty:
        return iso
    return datetime.fromisoformat(iso).strftime("%a %H:%M")


def first_line(note: Any) -> str:
    """A note's first line, and how many more there are (the full text is in --json)."""
    if not note:
        return ""
    lines = str(note).strip().splitlines()
    more = len([line for line in lines[1:] if line.strip()])
    return lines[0] + (f" (+{more} lines)" if more else "")
