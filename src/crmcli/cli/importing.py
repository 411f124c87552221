"""crm import …: CSV files (and vCards) into records, every row validated, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from crmcli.cli.options import JsonOpt, app_context, new_app, split_list

app = new_app("Import records from CSV files (other CRMs' exports too) and vCards.")

FileArg = Annotated[str, typer.Argument(metavar="FILE", help="A CSV file, or - for standard input.")]
EncodingOpt = Annotated[
    str | None,
    typer.Option("--encoding", help="The file's encoding when it is not UTF-8: cp1252, latin-1 …"),
]
DelimiterOpt = Annotated[
    str | None, typer.Option("--delimiter", help="The separator: , ; | or tab (default: sniffed).")
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map", metavar="HEADER=FIELD", help="Read a column as a field, field:NAME or ignore (repeatable)."
    ),
]
IgnoreOpt = Annotated[
    bool, typer.Option("--ignore-unmapped", help="Skip columns no field matches (default: custom fields).")
]
DuplicateOpt = Annotated[
    str, typer.Option("--on-duplicate", help="A record that exists already: skip, update or error.")
]
PartialOpt = Annotated[
    bool, typer.Option("--partial", help="Import the good rows even when others are rejected (still exit 1).")
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Show the mapping and what would happen; write nothing.")
]
CountryOpt = Annotated[
    str | None,
    typer.Option("--default-country", help="Country of phone numbers written without +code (NO, SE …)."),
]
DateFormatOpt = Annotated[
    str | None,
    typer.Option("--date-format", help="The file's dates: DD/MM/YYYY, MM/DD/YYYY or strftime (%d.%m.%Y)."),
]
RejectsOpt = Annotated[
    Path | None,
    typer.Option("--rejects", metavar="FILE", help="Write rejected rows there, with their line and reason."),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option("--tag", "-t", metavar="TAG", help="Tag every imported record (repeatable)."),
]


def _import(
    ctx: typer.Context,
    kind: str,
    file: str,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    maps: list[str] | None = None,
    ignore_unmapped: bool = False,
    on_duplicate: str = "skip",
    partial: bool = False,
    dry_run: bool = False,
    default_country: str | None = None,
    date_format: str | None = None,
    rejects: Path | None = None,
    tag: list[str] | None = None,
    json: bool = False,
) -> None:
    import sys

    from crmcli.errors import Invalid
    from crmcli.io.headers import parse_maps
    from crmcli.services.importing import ImportOptions, import_file, summary

    context = app_context(ctx)
    options = ImportOptions(
        kind=kind,
        source=file,
        encoding=encoding,
        delimiter=delimiter,
        maps=parse_maps(maps),
        ignore_unmapped=ignore_unmapped,
        on_duplicate=on_duplicate.strip().lower(),
        partial=partial,
        dry_run=dry_run,
        default_country=default_country,
        date_format=date_format,
        rejects=rejects,
        tags=split_list(tag),
    )
    progress, done = _progress_bar()
    try:
        report = import_file(context.session, options, progress=progress, stdin=sys.stdin.buffer)
    finally:
        done()
    out = context.out
    if json:
        out.json(report.as_dict())
    elif dry_run:
        from crmcli.render.output import Column

        out.table(
            report.mapping, [Column("column", "Column"), Column("field", "Field"), Column("how", "How")]
        )
    for rejection in report.rejections:
        out.note(f"  line {rejection.line}: {rejection.reason}")
    if report.rejected > len(report.rejections):
        out.note(f"  … and {report.rejected - len(report.rejections)} more" +
                 (f" (all in {rejects})" if rejects else " (--rejects FILE lists them all)"))  # fmt: skip
    for warning in report.warnings[:20]:
        out.note(f"  warning: {warning}")
    out.note(summary(report))
    if report.rejected:
        _notices_before_failing(out)
        verb = "was" if report.rejected == 1 else "were"
        rows = "row" if report.rejected == 1 else "rows"
        if partial and not dry_run:
            rest = (
                "the other rows were imported"
                if report.rows > report.rejected
                else "no row was left to import"
            )
            raise Invalid(f"{report.rejected} {rows} {verb} rejected; {rest}.")
        if dry_run:
            raise Invalid(f"{report.rejected} {rows} would be rejected.")
        raise Invalid(
            f"{report.rejected} of {report.rows} rows {verb} rejected, so nothing was imported; "
            "fix them (see --rejects) or import the good rows with --partial."
        )


def _notices_before_failing(out: Any) -> None:
    """The notices a command prints once it succeeds (context.NOTICES: a dry run read an
    empty CRM where no database file is), said now, before the error: a dry run that
    rejects rows read that empty CRM as much as one that does not."""
    from crmcli.context import NOTICES

    for notice in NOTICES:
        out.note(notice)
    NOTICES.clear()


def _progress_bar() -> tuple[Any, Any]:
    """A Rich progress bar on stderr when it is a terminal; nothing otherwise."""
    import os
    import sys

    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("importing"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rows]} rows"),
        TimeRemainingColumn(), console=Console(stderr=True), transient=True,
    )  # fmt: skip
    task = bar.add_task("import", total=None, rows=0)
    started = False

    def update(read: int, total: int | None, rows: int) -> None:
        # Started at the first update, not before: its refresh thread would keep a large
        # import from reading in a process of its own (a fork needs a single thread).
        nonlocal started
        if not started:
            bar.start()
            started = True
        bar.update(task, completed=read, total=total, rows=rows)

    return update, bar.stop


@app.command("contacts")
def import_contacts(
    ctx: typer.Context,
    file: FileArg,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    map: MapOpt = None,
    ignore_unmapped: IgnoreOpt = False,
    on_duplicate: DuplicateOpt = "skip",
    partial: PartialOpt = False,
    dry_run: DryRunOpt = False,
    default_country: CountryOpt = None,
    date_format: DateFormatOpt = None,
    rejects: RejectsOpt = None,
    tag: TagOpt = None,
    json: JsonOpt = False,
) -> None:
    """Import contacts; duplicates are matched by e-mail address (and uid)."""
    _import(ctx, "contacts", file, encoding=encoding, delimiter=delimiter, maps=map,
            ignore_unmapped=ignore_unmapped, on_duplicate=on_duplicate, partial=partial,
            dry_run=dry_run, default_country=default_country, date_format=date_format,
            rejects=rejects, tag=tag, json=json)  # fmt: skip


@app.command("companies")
def import_companies(
    ctx: typer.Context,
    file: FileArg,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    map: MapOpt = None,
    ignore_unmapped: IgnoreOpt = False,
    on_duplicate: DuplicateOpt = "skip",
    partial: PartialOpt = False,
    dry_run: DryRunOpt = False,
    date_format: DateFormatOpt = None,
    rejects: RejectsOpt = None,
    tag: TagOpt = None,
    json: JsonOpt = False,
) -> None:
    """Import companies; duplicates are matched by domain, or by name when there is none."""
    _import(ctx, "companies", file, encoding=encoding, delimiter=delimiter, maps=map,
            ignore_unmapped=ignore_unmapped, on_duplicate=on_duplicate, partial=partial,
            dry_run=dry_run, date_format=date_format, rejects=rejects, tag=tag, json=json)  # fmt: skip


@app.command("deals")
def import_deals(
    ctx: typer.Context,
    file: FileArg,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    map: MapOpt = None,
    ignore_unmapped: IgnoreOpt = False,
    on_duplicate: DuplicateOpt = "skip",
    partial: PartialOpt = False,
    dry_run: DryRunOpt = False,
    date_format: DateFormatOpt = None,
    rejects: RejectsOpt = None,
    json: JsonOpt = False,
) -> None:
    """Import deals (won and lost ones too); contacts and companies are found by e-mail, name or
    uid; duplicates are matched by uid."""
    _import(
        ctx,
        "deals",
        file,
        encoding=encoding,
        delimiter=delimiter,
        maps=map,
        ignore_unmapped=ignore_unmapped,
        on_duplicate=on_duplicate,
        partial=partial,
        dry_run=dry_run,
        date_format=date_format,
        rejects=rejects,
        json=json,
    )


@app.command("activities")
def import_activities(
    ctx: typer.Context,
    file: FileArg,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    map: MapOpt = None,
    ignore_unmapped: IgnoreOpt = False,
    on_duplicate: DuplicateOpt = "skip",
    partial: PartialOpt = False,
    dry_run: DryRunOpt = False,
    date_format: DateFormatOpt = None,
    rejects: RejectsOpt = None,
    json: JsonOpt = False,
) -> None:
    """Import calls, e-mails, meetings, notes and follow-ups; each names its contact or company
    (by e-mail, name or uid); duplicates are matched by uid."""
    _import(
        ctx,
        "activities",
        file,
        encoding=encoding,
        delimiter=delimiter,
        maps=map,
        ignore_unmapped=ignore_unmapped,
        on_duplicate=on_duplicate,
        partial=partial,
        dry_run=dry_run,
        date_format=date_format,
        rejects=rejects,
        json=json,
    )


@app.command("vcard")
def import_vcard(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="A .vcf file (vCard 3.0 or 4.0), or - for standard input.")
    ],
    on_duplicate: DuplicateOpt = "skip",
    default_country: CountryOpt = None,
    tag: TagOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every card and report; write nothing.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Import contacts from vCards (phones, Google, Apple, khard); duplicates by uid or e-mail."""
    import sys

    from crmcli.services.vcard import VcardOptions, import_vcards

    context = app_context(ctx)
    options = VcardOptions(
        source=file,
        on_duplicate=on_duplicate.strip().lower(),
        default_country=default_country,
        tags=split_list(tag),
        dry_run=dry_run,
    )
    report = import_vcards(context.session, options, stdin=sys.stdin.buffer)
    if json:
        context.out.json(report.as_dict())
    for warning in report.warnings[:20]:
        context.out.note(f"  warning: {warning}")
    if len(report.warnings) > 20:
        more = len(report.warnings) - 20
        context.out.note(f"  … and {more} more {'warning' if more == 1 else 'warnings'}")
    context.out.note(report.summary())
