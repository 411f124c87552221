"""crm db …: where the database is, backups, restoring one, checking and migrating it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from crmcli.cli.options import JsonOpt, YesOpt, app_context, confirm, new_app

if TYPE_CHECKING:
    from crmcli.context import AppContext

app = new_app("The database file: where it is, backups, restore, checks and migrations.")


@app.command("path")
def db_path(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Print where the database file is (--db, CRM_DB, or the default)."""
    context = app_context(ctx)
    path = context.db_path
    if json:
        context.out.json({"path": str(path), "exists": path.exists()})
    else:
        context.out.line(str(path))


@app.command("backup")
def db_backup(
    ctx: typer.Context,
    file: Annotated[
        str | None,
        typer.Argument(help="Where to write it: a file or a folder (default: backups/ beside the database)."),
    ] = None,
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Write a consistent copy of the database, safe to run while others are using it."""
    from pathlib import Path

    from crmcli.errors import NotFound
    from crmcli.storage import backup

    context = app_context(ctx)
    source = context.db_path
    if _missing(context):
        raise NotFound(f"There is no database at {source} to back up.")
    if file is None:
        target = backup.default_backup_path(source)
    else:
        target = Path(file).expanduser()
        if target.is_dir():
            target = target / backup.default_backup_path(source).name
        if target.resolve() == source.resolve():
            from crmcli.errors import Invalid

            raise Invalid("A backup cannot replace the database itself; give another file.")
        if not target.parent.is_dir():
            from crmcli.errors import Invalid

            # As for --db: a mistyped folder is an error, not a new folder tree.
            raise Invalid(f"Cannot write {file}: the folder {target.parent} does not exist.")
        if target.exists():
            confirm(context, yes, f"Replace the existing file {target}?")
    written = backup.backup_file(source, target)
    size = written.stat().st_size
    if json:
        context.out.json({"path": str(written), "bytes": size, "source": str(source)})
    else:
        context.out.note(f"Backed up {source} to {written} ({_size(size)}).")


@app.command("restore")
def db_restore(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="A backup (or any crm database file) to restore.")],
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Replace the database by a backup, after checking it; the current one is kept beside it."""
    from pathlib import Path

    from crmcli.errors import Invalid
    from crmcli.services.importing import counted
    from crmcli.storage import backup
    from crmcli.storage.db import open_db

    context = app_context(ctx)
    context.refuse_a_new_folder()  # a mistyped --db or CRM_DB makes no folders
    target = context.db_path
    backup.refuse_read_only(target)  # before asking, and before anything is made
    source = Path(file).expanduser()
    if source.exists() and target.exists() and source.resolve() == target.resolve():
        raise Invalid("That file is the database itself; give a backup to restore.")
    info = backup.inspect(source)
    what = f"{counted(info.contacts, 'contact')}, {counted(info.companies, 'company', 'companies')}"
    confirm(
        context,
        yes,
        f"Replace {target} with {source} ({what}, saved by schema {info.schema})?",
    )
    kept = backup.restore(source, target)
    db = open_db(target)  # brings an older backup up to this crm's schema
    schema = db.schema_version
    db.close()
    result = {
        "path": str(target),
        "restored_from": str(source),
        "kept": str(kept) if kept else None,
        "schema": schema,
        "contacts": info.contacts,
        "companies": info.companies,
    }
    if json:
        context.out.json(result)
        return
    context.out.note(f"Restored {target} from {source} ({what}).")
    if kept:
        context.out.note(f"The database it replaced is kept in {kept}.")


@app.command("doctor")
def db_doctor(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Check the file and the data: integrity, links, addresses, duplicates, orphans, stages.

    Exits 3 when it finds problems or there is no database, 0 when everything is in order.
    """
    from crmcli.errors import NeedsRecovery, ProblemsFound
    from crmcli.render.output import Column
    from crmcli.services.doctor import examine
    from crmcli.storage.db import NotACrmDatabase

    context = app_context(ctx)
    if _missing(context):
        # A health check on a mistyped path must not pass, nor leave an empty file behind.
        _cannot_examine(
            context,
            json,
            f"There is no database at {context.db_path} to check; none was made (check --db or CRM_DB).",
        )
    try:
        db = context.db
        db.refuse_another_programs()  # one at crm's version in WAL mode: opening did not ask
    except (NeedsRecovery, NotACrmDatabase) as exc:
        # Left mid-write where it cannot be recovered, or another program's database: a
        # problem with the file, as damage is.
        _cannot_examine(context, json, exc.message)
    report = examine(db, context.config)
    out = context.out
    if json:
        out.json(report.as_dict())
    else:
        out.table(
            report.summary(),
            [
                Column("check", "Check"),
                Column("status", "Status"),
                Column("problems", "Problems", "right"),
                Column("note", "Note"),
            ],
        )
        if report.findings:
            out.heading("Problems")
            rows = [{"check": f.check, "record": f.record, "problem": f.problem} for f in report.findings]
            out.table(
                rows, [Column("check", "Check"), Column("record", "Record"), Column("problem", "Problem")]
            )
    if not report.ok:
        raise ProblemsFound(f"The doctor found {len(report.findings)} problem(s) in {context.db_path}.")
    if not json:
        out.note(f"No problems found in {context.db_path}.")


@app.command("migrate")
def db_migrate(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Bring the database up to this crm's schema, after backing it up."""
    from crmcli.storage.schema import SCHEMA_VERSION

    context = app_context(ctx)
    if _missing(context):
        from crmcli.errors import NotFound

        raise NotFound(
            f"There is no database at {context.db_path} to migrate; none was made (check --db or CRM_DB)."
        )
    db = context.db  # opening migrates a file that is behind, backing it up first
    db.refuse_another_programs()  # "up to date" only for a file that is crm's
    before, kept = db.migrated if db.migrated else (SCHEMA_VERSION, None)
    result = {
        "path": str(context.db_path),
        "schema_before": before,
        "schema": db.schema_version,
        "backup": str(kept) if kept else None,
    }
    if json:
        context.out.json(result)
    elif before == db.schema_version:
        context.out.note(f"The database is up to date (schema {db.schema_version}).")
    else:
        backup_note = f"; the file as it was is kept in {kept}" if kept else ""
        context.out.note(
            f"Migrated {context.db_path} from schema {before} to {db.schema_version}{backup_note}."
        )


def _cannot_examine(context: AppContext, json: bool, sentence: str) -> NoReturn:
    """The doctor's answer on a file it cannot examine: a problem found (exit 3), and with
    --json still the report on stdout, as a script reading it expects whatever happened."""
    from crmcli.errors import ProblemsFound

    if json:
        from crmcli.services.doctor import unusable_file

        context.out.json(unusable_file(str(context.db_path), sentence.rstrip(".")).as_dict())
    raise ProblemsFound(sentence)


def _missing(context: AppContext) -> bool:
    """No database to work on (paths.no_database_at): no file, or an empty one."""
    from crmcli.paths import no_database_at

    return no_database_at(context.db_file)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    size = n / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
