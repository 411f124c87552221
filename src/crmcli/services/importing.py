"""`crm import`: CSV files into records, every row validated as on entry, in one transaction.

The shape of an import, whatever the kind of record:

1. The file is read as a stream (io.csv_reader) and its header mapped to fields
   (io.headers). The first rows are looked at before anything is decided (dates).
2. Each row is validated by the kind's importer exactly as `crm contact add` would
   validate it (crmcli.validate and the services' own rules), then checked against the
   records already in the database and the rows before it (duplicates), and tried against
   the routing rules its events will meet at the end (import_contacts.RowRules). A bad row
   is rejected with its line and the reason, and written to --rejects as it was.
3. Good rows become tuples in batches, written a thousand rows to a statement
   (Database.insert_many) while the next batch is validated. A contacts import reads and
   validates in a forked process of its own and sends its batches here as data
   (import_process), so the two use two cores; otherwise (updates of duplicates, which
   read the database as they go; other kinds; no fork) a writer thread writes them, which
   overlaps only while SQLite works without the GIL.
   Duplicates to update go through the services' own edit functions, in file order.
4. At the end: indexes dropped for speed are rebuilt, events fire (lead.created, so that
   routing rules assign imported leads), and the transaction commits, unless a row was
   rejected and --partial was not given (all or nothing), or this is a --dry-run.

History: every record an import creates gets its own history row (action "create",
with the file's line in the note), written in batches, so `crm undo` and a record's
history see it like any other creation; the row's values are the record itself, not
repeated as JSON (that would double the import's time). A duplicate that is updated gets
the usual before/after history of an edit.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crmcli.errors import CrmError, Invalid, RuleError

if TYPE_CHECKING:
    from crmcli.io.csv_reader import CsvSource, Record
    from crmcli.io.headers import Mapping
    from crmcli.services.session import Session

KINDS = ("contacts", "companies", "deals", "activities")
ON_DUPLICATE = ("skip", "update", "error")
BATCH = 4000
SAMPLE = 1000  # rows read ahead to learn the file's date order
SHOWN_REJECTIONS = 20
Progress = Callable[[int, int | None, int], None]  # bytes read, total bytes, rows


@dataclass
class ImportOptions:
    kind: str
    source: str  # a path, or "-" for standard input
    encoding: str | None = None
    delimiter: str | None = None
    maps: dict[str, str] = field(default_factory=dict)
    ignore_unmapped: bool = False
    on_duplicate: str = "skip"
    partial: bool = False
    dry_run: bool = False
    default_country: str | None = None
    date_format: str | None = None
    rejects: Path | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class Rejection:
    line: int
    reason: str
    cells: list[str]


@dataclass
class ImportReport:
    kind: str
    source: str
    encoding: str = "utf-8"
    delimiter: str = ","
    mapping: list[dict[str, str]] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    companies_created: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        if len(self.rejections) < SHOWN_REJECTIONS:
            self.rejections.append(rejection)

    def reject_late(self, late: list[Rejection]) -> None:
        """Rejections found while writing (in line order, as the others are), shown
        among the others in line order."""
        if not late:
            return
        self.rejected += len(late)
        merged = heapq.merge(self.rejections, late, key=_line)
        self.rejections = list(itertools.islice(merged, SHOWN_REJECTIONS))

    def as_dict(self) -> dict[str, Any]:
        from crmcli.io.csv_reader import DELIMITER_NAMES

        return {
            "kind": self.kind,
            "source": self.source,
            "encoding": self.encoding,
            "delimiter": DELIMITER_NAMES.get(self.delimiter, self.delimiter),
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "companies_created": self.companies_created,
            "written": self.written,
            "dry_run": self.dry_run,
            "mapping": self.mapping,
            "rejections": [{"line": r.line, "reason": r.reason} for r in self.rejections],
            "warnings": self.warnings,
        }


def _line(rejection: Rejection) -> int:
    return rejection.line


class _RollBack(Exception):
    """Leave session.write() without committing (all or nothing, or a dry run)."""


class _NothingToKeep(_RollBack):
    """The import ran through but wrote no record (every row skipped, or rejected with
    --partial): rolled back rather than committed, so that the file is left as it was,
    byte for byte (a commit would still write the change made up front, then dropped)."""


def check_options(options: ImportOptions) -> None:
    if options.kind not in KINDS:
        raise Invalid(f"Cannot import {options.kind!r}; import one of {', '.join(KINDS)}.")
    if options.on_duplicate not in ON_DUPLICATE:
        raise Invalid(f"--on-duplicate {options.on_duplicate!r} is not one of {', '.join(ON_DUPLICATE)}.")
    from crmcli import validate

    if options.default_country:
        options.default_country = validate.country_code(options.default_country, "--default-country")
    options.tags = validate.tags(options.tags)  # --tag "a;b" is two tags, as a file's cell is
    if options.rejects is not None and options.source != "-":
        try:
            if Path(options.rejects).resolve() == Path(options.source).resolve():
                raise Invalid("--rejects must be another file than the one imported.")
        except OSError:
            pass


def import_file(
    session: Session,
    options: ImportOptions,
    *,
    progress: Progress | None = None,
    stdin: Any = None,
    threaded: bool = True,
) -> ImportReport:
    """Import a CSV file; the report says what happened (and whether it was written)."""
    from crmcli.io.csv_reader import CsvSource
    from crmcli.io.headers import map_headers

    check_options(options)
    with CsvSource(options.source, encoding=options.encoding, delimiter=options.delimiter,
                   stdin=stdin) as source:  # fmt: skip
        mapping = map_headers(options.kind, source.header, options.maps, options.ignore_unmapped)
        report = ImportReport(options.kind, source.name, source.encoding, source.delimiter,
                              mapping.as_rows(), dry_run=options.dry_run)  # fmt: skip
        rejects = RejectsFile(options.rejects, source.header, source.delimiter) if options.rejects else None
        try:
            _run(session, options, source, mapping, report, rejects, progress, threaded)
        except BaseException:
            if rejects is not None:
                rejects.close(failed=True)
            raise
        if rejects is not None:
            rejects.close()
    return report


def _run(
    session: Session,
    options: ImportOptions,
    source: CsvSource,
    mapping: Mapping,
    report: ImportReport,
    rejects: RejectsFile | None,
    progress: Progress | None,
    threaded: bool,
) -> None:
    importer = importer_for(options.kind)(session, options, mapping, report, source.name)
    width = len(source.header)
    try:
        with session.write(f"import {options.kind} {source.name}"):
            importer.begin()
            records = source.records()
            sample = _take(records, SAMPLE)
            importer.learn(sample)
            importer.expected_rows = _expected_rows(source, sample)
            rows = _chain(sample, records)
            from crmcli.services import import_process

            if threaded and importer.forkable and import_process.can_fork():
                # The child plans batches of data; this process writes them.
                def read(send: Callable[[Any], None], tick: Callable[[], None]) -> None:
                    _read_rows(
                        importer, options, rows, width, report, rejects, importer.take_batch, send, tick
                    )

                import_process.read_in_child(importer, report, rejects, source, read, progress)
            else:
                pipeline = Pipeline(threaded and importer.threaded)
                tick = (
                    None
                    if progress is None
                    else lambda: progress(source.bytes_read, source.size, report.rows)
                )
                try:
                    _read_rows(
                        importer, options, rows, width, report, rejects, importer.flush, pipeline.put, tick
                    )
                finally:
                    pipeline.close()
            # Found while writing, after rows further down were rejected: merged in line order.
            report.reject_late(importer.late_rejections)
            if rejects is not None:
                rejects.add_late(importer.late_rejections)
            if report.rejected and not options.partial:
                raise _RollBack
            importer.finish()
            if progress is not None:
                progress(source.bytes_read, source.size, report.rows)
            if options.dry_run:
                raise _RollBack
            if session.recorded_nothing():
                raise _NothingToKeep
            report.written = True
    except _NothingToKeep:
        report.written = True  # done as asked: there was nothing to write
    except _RollBack:
        report.written = False
    finally:
        importer.close()


def _read_rows(
    importer: Importer,
    options: ImportOptions,
    rows: Iterator[Record],
    width: int,
    report: ImportReport,
    rejects: RejectsFile | None,
    flush: Callable[[], Any],
    send: Callable[[Any], None],
    tick: Callable[[], None] | None,
) -> None:
    """Validate and plan every row, handing what `flush` makes of each batch (a job for the
    writer thread, or the batch's data for the writing process) to `send`; `tick` every
    2,000 rows."""
    for record in rows:
        report.rows += 1
        try:
            if len(record.cells) != width:
                raise Invalid(
                    f"The row has {counted(len(record.cells), 'field')} where the header has {width}."
                )
            importer.row(record)
        except Invalid as exc:
            rejection = Rejection(record.line, exc.message, record.cells)
            report.reject(rejection)
            if rejects is not None:
                rejects.write(rejection)
            if not options.partial:
                importer.writing = False  # keep checking, to report every bad row
        if importer.pending() >= BATCH:
            send(flush())
        if tick is not None and report.rows % 2000 == 0:
            tick()
    send(flush())


def _take(records: Iterator[Record], count: int) -> list[Record]:
    out = []
    for record in records:
        out.append(record)
        if len(out) >= count:
            break
    return out


def _expected_rows(source: CsvSource, sample: list[Record]) -> int | None:
    """About how many rows the file holds, from its size and the first rows' length (None
    when reading a pipe). Characters stand for bytes: a file of names in other scripts
    looks longer than it is, which only makes a large import decide sooner."""
    if not source.size or not sample:
        return None
    sample_size = sum(len(cell) + 1 for record in sample for cell in record.cells)
    return source.size * len(sample) // max(sample_size, 1)


def _chain(first: list[Record], rest: Iterator[Record]) -> Iterator[Record]:
    yield from first
    first.clear()
    yield from rest


def importer_for(kind: str) -> type[Importer]:
    if kind == "contacts":
        from crmcli.services.import_contacts import ContactImporter

        return ContactImporter
    if kind == "companies":
        from crmcli.services.import_companies import CompanyImporter

        return CompanyImporter
    if kind == "deals":
        from crmcli.services.import_deals import DealImporter

        return DealImporter
    from crmcli.services.import_activities import ActivityImporter

    return ActivityImporter


class Importer:
    """One kind of record's rows: validated and planned in the reading thread, written
    by jobs that run in order in the writer thread (or in the reading thread, between
    rows, for an importer that reads the database while it validates)."""

    threaded = True
    b_updates: list[Callable[[], None]]  # each kind's batch of updates to duplicates
    expected_rows: int | None = None  # the file's size over its first rows' (None on a pipe)

    def __init__(
        self, session: Session, options: ImportOptions, mapping: Mapping, report: ImportReport, source: str
    ) -> None:
        self.session = session
        self.options = options
        self.mapping = mapping
        self.report = report
        self.source = source
        self.writing = True
        self.late_rejections: list[Rejection] = []

    def begin(self) -> None:
        """Read what is already there (inside the transaction, before any write)."""

    def learn(self, sample: list[Record]) -> None:
        """Look at the first rows before any is decided (the order of dates)."""

    def row(self, record: Record) -> None:
        """Validate and plan one row; raise Invalid to reject it."""
        raise NotImplementedError

    def pending(self) -> int:
        return 0

    def flush(self) -> Callable[[], None] | None:
        """The job that writes what was planned since the last flush."""
        return None

    # An importer whose batches are plain data may read in a process of its own
    # (import_process): take_batch() there, write_batch() here, handoff() at the end.
    @property
    def forkable(self) -> bool:
        return False

    writing_alone = False  # set when another process reads: no thread here holds the GIL

    def take_batch(self) -> Any:
        raise NotImplementedError

    def write_batch(self, taken: Any) -> None:
        raise NotImplementedError

    def handoff(self) -> dict[str, Any]:
        raise NotImplementedError

    def finish(self) -> None:
        """After the last batch: rebuild, link, fire events."""

    def close(self) -> None:
        """Always called: undo connection settings made for the import."""

    def reject_late(self, line: int, cells: list[str], exc: CrmError) -> None:
        """A rejection found while writing (a duplicate to update that cannot be)."""
        self.late_rejections.append(Rejection(line, exc.message, cells))

    def plan_update(
        self,
        record: Record,
        find: Callable[[], int | None],
        update: Callable[[int], bool],
        check: Callable[[int], bool] | None = None,
    ) -> None:
        """Queue the update of a duplicate: it runs in the writer, in file order, through
        the services' own edit function (`update` says whether anything changed); one that
        cannot be done becomes a late rejection of its row.

        Once nothing will be written (a row was rejected, all or nothing), `check` takes
        the place of `update`: it raises as `update` would and says whether the row would
        change the record, without writing, so that every bad row is reported and counted
        as --partial would (an importer without one leaves such rows unchecked)."""
        if not self.writing and check is None:
            return

        def job() -> None:
            try:
                writing = self.writing
                record_id = find()
                if record_id is None:
                    if not writing:
                        # A duplicate of a row above, which is not written: nothing to
                        # check this row against.
                        self.report.unchanged += 1
                        return
                    raise Invalid("The duplicate to update was not found.")
                changed = update(record_id) if writing or check is None else check(record_id)
                if changed:
                    self.report.updated += 1
                else:
                    self.report.unchanged += 1
            except CrmError as exc:
                self.reject_late(record.line, record.cells, exc)

        self.b_updates.append(job)


def checks_of(updates: list[Callable[[], None]]) -> Callable[[], None] | None:
    """The job of a batch once nothing will be written: its updates of duplicates, which
    then only check their rows (plan_update), in file order, so that every bad row is
    reported."""
    if not updates:
        return None

    def job() -> None:
        for update in updates:
            update()

    return job


class Pipeline:
    """Jobs run in order, in a writer thread (or here, when not threaded).

    The queue is short, so the reader is never more than a few batches ahead (memory
    stays flat); an error in a job stops the writer and is raised in the reader at its
    next put or at close."""

    def __init__(self, threaded: bool) -> None:
        self._error: BaseException | None = None
        self._queue: queue.Queue[Callable[[], None] | None] | None = None
        self._thread: threading.Thread | None = None
        if threaded:
            self._queue = queue.Queue(maxsize=3)
            self._thread = threading.Thread(target=self._work, name="crm-import-writer", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        assert self._queue is not None
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self._error is not None:
                continue  # drain: the reader learns of the error at its next put
            try:
                job()
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                self._error = exc

    def put(self, job: Callable[[], None] | None) -> None:
        if job is None:
            return
        if self._queue is None:
            job()
            return
        if self._error is not None:
            raise self._error
        self._queue.put(job)

    def close(self) -> None:
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


class RejectsFile:
    """The rejected rows as they were, after their line and the reason, in a CSV file
    with the input's header and delimiter (fix it and import it again: the two added
    columns are ignored then).

    It holds personal data, so it is written as exports are (io.writers.Replacement):
    created 0600, under a temporary name until the import ends. An import that fails
    outright before rejecting a row leaves no file of a header alone, which would read as
    "nothing was rejected" (and any earlier rejects file stays as it was); rows rejected
    before such a failure are kept, since they are bad whatever stopped the import."""

    def __init__(self, path: Path, header: list[str], delimiter: str) -> None:
        import csv

        from crmcli.io.headers import REJECT_COLUMNS
        from crmcli.io.writers import Replacement

        self._path, self._delimiter = path, delimiter
        self._target = Replacement(str(path), "--rejects")
        self._file = self._target.stream
        self._writer = csv.writer(self._file, delimiter=delimiter, lineterminator="\n")
        self._writer.writerow([*REJECT_COLUMNS, *header])
        self._header_size = self._target.size()

    def write(self, rejection: Rejection) -> None:
        self._writer.writerow([rejection.line, rejection.reason, *rejection.cells])

    def add_late(self, late: list[Rejection]) -> None:
        """Rejections found while writing, put among the rows written so far in line order
        (both are in line order): the file is copied, merging them in, to a new temporary
        file that takes the place of the first."""
        if not late:
            return
        if self._target.temporary is None:
            # A pipe or a terminal, which cannot be read back: they follow the rows written.
            self._writer.writerows([r.line, r.reason, *r.cells] for r in late)
            return
        import csv

        from crmcli.io.writers import Replacement

        merged = Replacement(str(self._path), "--rejects")
        writer = csv.writer(merged.stream, delimiter=self._delimiter, lineterminator="\n")
        self._file.flush()
        try:
            with open(self._target.temporary, encoding="utf-8", newline="") as written:
                rows: Iterator[list[Any]] = csv.reader(written, delimiter=self._delimiter)
                writer.writerow(next(rows))  # the header
                later: Iterator[list[Any]] = ([r.line, r.reason, *r.cells] for r in late)
                in_order = heapq.merge(rows, later, key=_first_as_line)
                writer.writerows(in_order)
        except BaseException:
            merged.discard()
            raise
        self._target.discard()
        self._target, self._file, self._writer = merged, merged.stream, writer

    def flush(self) -> None:
        self._file.flush()

    def close(self, failed: bool = False) -> None:
        """Put the file in place; after a failed import, only when it holds a row."""
        if failed and self._target.size() <= self._header_size:
            self._target.discard()
        else:
            self._target.commit()


def _first_as_line(row: list[Any]) -> int:
    return int(row[0])


def summary(report: ImportReport) -> str:
    """One line for a person: what happened, and what was written."""
    counts = (
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.skipped} skipped as duplicates, {report.rejected} rejected"
    )
    made = report.companies_created
    companies = f" ({counted(made, 'new company', 'new companies')})" if made else ""
    what = f"{report.kind} from {report.source}, {counted(report.rows, 'row')}: {counts}{companies}"
    if report.written:
        return f"Imported {what}."
    if report.dry_run:
        return f"Dry run, nothing was written; it would have been {what}."
    return f"Nothing was written; it would have been {what}."


def counted(count: int, one: str, many: str | None = None) -> str:
    """ "1 row", "2 rows": a count and its word, singular for one."""
    return f"{count} {one if count == 1 else many or one + 's'}"


def with_its_line(
    exc: RuleError, kind: str, record_id: int, first_id: int, lines: Sequence[int]
) -> RuleError:
    """A rule's error about a record the import was creating, naming the file's line rather
    than an id that will never exist (the transaction rolls back); the error itself when
    the record's line is not known."""
    index = record_id - first_id
    if not 0 <= index < len(lines):
        return exc
    return RuleError(exc.message.replace(f"{kind} #{record_id}", f"the {kind} on line {lines[index]}", 1))
