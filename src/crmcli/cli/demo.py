"""crm demo: a realistic demo database, then a first look at it."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.options import app_context, new_app

app = new_app("A demo database with realistic data.")


@app.command("demo")
def demo(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Option(
            "--path",
            help="Where to write the demo database (default: demo.db beside crm.db); "
            "its config goes beside it, named .toml.",
        ),
    ] = None,
) -> None:
    """Build a demo database and its config (replacing an earlier demo), then show what is in it.

    Your own database and config are never touched: the demo lives in its own files,
    demo.db and demo.toml beside it, which later commands use with --db and --config.
    """
    import shlex
    from pathlib import Path

    from crmcli.errors import Conflict
    from crmcli.services import demo as demo_data
    from crmcli.services.session import Session
    from crmcli.storage.db import open_db

    context = app_context(ctx)
    target = Path(path) if path else context.db_path.with_name("demo.db")
    if path:
        demo_data.refuse_as_demo_path(target)
    else:
        context.refuse_a_new_folder(str(target))  # a mistyped --db makes no folders
    config_target = demo_data.demo_config_path(target)
    # Only files an earlier demo made are replaced: never a device, a pipe, a link or a
    # file of the user's, whatever its size.
    if demo_data.is_other_than_a_file(target) or (target.exists() and not demo_data.is_demo(target)):
        raise Conflict(f"{target} exists and is not a crm demo database; give another --path.")
    if demo_data.is_other_than_a_file(config_target) or not demo_data.is_demo_config(config_target):
        raise Conflict(f"{config_target} exists and is not a crm demo config; give another --path.")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    db = open_db(target)
    try:
        config = demo_data.demo_config(context.config, config_target)
        session = Session(db=db, config=config, actor="daniel")
        counts = demo_data.seed(session)
        demo_data.write_demo_config(config, target)
        first_look(context, session)
    finally:
        db.close()
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    db_arg, config_arg = shlex.quote(str(target)), shlex.quote(str(config_target))
    context.out.note(f"\nDemo database {target}: {summary}; its config: {config_target}.")
    context.out.note(
        f"Explore it: crm --db {db_arg} --config {config_arg} pipeline"
        f"   (or export CRM_DB={db_arg} CRM_CONFIG={config_arg})"
    )


def first_look(context, session) -> None:  # type: ignore[no-untyped-def]
    from crmcli.cli.companies import _columns as company_columns
    from crmcli.cli.contacts import _columns as contact_columns
    from crmcli.models import ListQuery
    from crmcli.services.companies import list_companies
    from crmcli.services.contacts import list_contacts

    out = context.out
    out.heading("Companies")
    out.table(list_companies(session.db, ListQuery()), company_columns())
    out.heading("Contacts")
    out.table(list_contacts(session.db, ListQuery()), contact_columns())
    show_pipeline(context, session)
    show_kpis(context, session)


def show_pipeline(context, session) -> None:  # type: ignore[no-untyped-def]
    """The demo's board, counted in the demo's base currency at its rates."""
    from crmcli.render.board import render_board
    from crmcli.services.board import pipeline_board

    context.out.heading("Pipeline")
    render_board(context.out, pipeline_board(session))


def show_kpis(context, session) -> None:  # type: ignore[no-untyped-def]
    """The demo ends where a founder's week starts: the KPIs of the last 30 days."""
    from crmcli.cli.kpi import render
    from crmcli.services.kpis import kpi_report
    from crmcli.services.periods import parse_period

    period = parse_period(
        "last 30 days", now=session.now, tz=session.tz, week_start=session.config.week_start
    )
    context.out.heading("KPIs, last 30 days")
    render(context, kpi_report(session, period), "table", True)
