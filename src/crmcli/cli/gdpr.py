"""crm gdpr …: consent, a person's data export, and erasure (GDPR, CCPA, LGPD)."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.options import JsonOpt, YesOpt, app_context, confirm, contact_ref, new_app

app = new_app("Privacy: consent per purpose, a person's data export, and erasure.")

RefArg = Annotated[str, typer.Argument(help="The person: id, e-mail or name prefix.")]


@app.command("consent")
def gdpr_consent(
    ctx: typer.Context,
    ref: RefArg,
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="What the consent is for (newsletter, marketing, …).")
    ] = None,
    given: Annotated[bool, typer.Option("--given", help="Record that consent was given.")] = False,
    withdrawn: Annotated[
        bool, typer.Option("--withdrawn", help="Record that consent was withdrawn.")
    ] = False,
    source: Annotated[
        str | None, typer.Option("--source", help="How it was given: web form, e-mail, signed paper, …")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", metavar="WHEN", help="When it was given or withdrawn (default: now)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Record consent for a purpose (--given or --withdrawn); without either, list the records."""
    from crmcli.errors import Invalid, MissingValue
    from crmcli.services import privacy

    # Two flags rather than a --given/--withdrawn pair, where the last typed would silently
    # win: a consent record must say what the person said, so both together are refused.
    if given and withdrawn:
        raise Invalid("Give --given or --withdrawn, not both: a consent record holds one answer.")
    context = app_context(ctx)
    contact_id = contact_ref(context, ref)
    if not (given or withdrawn):
        if source is not None or at is not None:
            raise MissingValue("Give --given or --withdrawn to record a consent with --source or --at.")
        _list(context, contact_id, purpose, json)
        return
    if purpose is None:
        raise MissingValue("Missing --purpose; say what the consent is for (newsletter, marketing, …).")
    status = "given" if given else "withdrawn"
    record = privacy.record_consent(context.session, contact_id, purpose, status, source=source, at=at)
    if json:
        context.out.json(record)
    else:
        context.out.note(
            f"Recorded: contact #{contact_id} {status} consent for {record['purpose']} at {record['at']}."
        )


def _list(context, contact_id: int, purpose: str | None, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    from crmcli.render.output import Column
    from crmcli.services import privacy

    data = privacy.consents(context.db, contact_id)
    if purpose is not None:
        wanted = privacy.purpose_name(purpose)
        data["records"] = [r for r in data["records"] if r["purpose"] == wanted]
        data["current"] = [r for r in data["current"] if r["purpose"] == wanted]
    if as_json:
        context.out.json(data)
        return
    out = context.out
    columns = [Column("purpose", "Purpose"), Column("status", "Status"),
               Column("at", "At", format=out.when), Column("source", "Source"),
               Column("recorded_by", "Recorded by")]  # fmt: skip
    out.table(data["records"], columns, empty=f"No consent is recorded for contact #{contact_id}.")


@app.command("export")
def gdpr_export(
    ctx: typer.Context,
    ref: RefArg,
    output: Annotated[
        str | None, typer.Option("--output", "-o", metavar="FILE", help="Write the JSON here (mode 600).")
    ] = None,
    yes: YesOpt = False,
) -> None:
    """Everything held about a person, as JSON: record, history and every related row."""
    from crmcli.render.output import to_json
    from crmcli.services import privacy

    context = app_context(ctx)
    contact_id = contact_ref(context, ref)
    data = privacy.export_person(context.db, contact_id, now=context.session.now_iso)
    text = to_json(data) + "\n"
    if output is None:
        context.out.stdout.write(text)
        return
    from pathlib import Path

    from crmcli.io.writers import destination

    target = Path(output).expanduser()
    # Everything about one person: private (0600) even in place of a readable file.
    with destination(output, private=True) as stream:
        if target.is_file():  # a named pipe is written into, not replaced: nothing to ask
            confirm(context, yes, f"Replace the existing file {target}?")
        stream.write(text)
    context.out.note(f"Wrote everything held about contact #{contact_id} to {target}.")


@app.command("forget")
def gdpr_forget(
    ctx: typer.Context,
    ref: RefArg,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (kept with the erasure; never who it was).")
    ] = None,
    yes: YesOpt = False,
    json: JsonOpt = False,
) -> None:
    """Erase a person's personal data everywhere, keeping anonymous figures true. Cannot be undone."""
    from crmcli.services import privacy
    from crmcli.services.contacts import get_contact

    context = app_context(ctx)
    contact_id = contact_ref(context, ref)
    name = get_contact(context.db, contact_id)["name"]
    confirm(
        context, yes, f"Erase every personal detail of contact #{contact_id} {name}? This cannot be undone"
    )
    result = privacy.forget(context.session, contact_id, reason=reason)
    backups = privacy.backups_holding_old_data(context.db)
    result["older_backups"] = backups
    if json:
        context.out.json(result)
        return
    done = ", ".join(f"{n} {what}" for what, n in result["erased"].items() if n)
    context.out.note(f"Erased contact #{contact_id}" + (f" ({done})." if done else "."))
    if not result["wal_cleared"]:
        context.out.note(
            "Another crm was reading; old pages leave the write-ahead log at its next checkpoint."
        )
    if backups:
        context.out.note(
            f"{backups} backup file(s) made before now still hold their data; delete or re-make them."
        )
