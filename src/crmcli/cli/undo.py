"""crm undo: reverse your last change."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.options import JsonOpt, app_context, new_app

app = new_app("Reverse your last change.")


@app.command("undo")
def undo(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="Say what would be reversed, and change nothing.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Reverse your last change (run it again to go one change further back)."""
    from crmcli.services.undo import undo_last

    context = app_context(ctx)
    result = undo_last(context.session, dry_run=dry_run)
    if json:
        context.out.json(result.as_dict())
        return
    change = result.change
    steps = "; ".join(step.describe() for step in result.steps) or "nothing needed reversing"
    verb = "Would undo" if dry_run else "Undid"
    context.out.note(f"{verb} change #{change['id']} ({change['command']}, {change['at']}): {steps}.")
