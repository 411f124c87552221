"""What commands share that does not need Typer: the context, references, prompts, formats.

Kept apart from options.py (Typer's option types) so that the commands written in plain
click for speed (`crm show`, `crm agenda`) never import Typer.
"""

from __future__ import annotations

from typing import Any

import click

from crmcli.cli import EnglishHelp
from crmcli.context import AppContext
from crmcli.errors import Invalid, MissingValue

FORMATS = ("table", "json", "csv")


# Commands that only read: on a database file that does not exist they answer as an empty
# CRM would, say so on stderr, and create nothing (a mistyped CRM_DB in a cron job must not
# leave a stray empty database behind, nor read as a CRM with nobody in it without a word).
READS_ONLY = frozenset({
    "show", "agenda", "pipeline", "forecast", "kpi", "report weekly", "report monthly",
    "contact list", "contact show", "contact duplicates", "company list", "company show",
    "deal list", "deal show", "deal pipeline", "deal forecast", "activity list",
    "activity show", "case list", "case show", "lead list", "feedback list",
    "export contacts", "export companies", "export deals", "export activities",
    "export cases", "export vcard", "gdpr export", "rules test", "rules explain",
})  # fmt: skip

# Commands that write only about what is already stored (`sla check` records the breaches it
# finds): with no database file there is nothing to find or record, so they too read an empty
# CRM, say so and create nothing; on a database that exists they write as ever.
EMPTY_WHEN_MISSING = READS_ONLY | {"sla check"}


def app_context(ctx: click.Context) -> AppContext:
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext()
    if " ".join(ctx.command_path.split()[1:]) in EMPTY_WHEN_MISSING:
        root.obj.empty_when_missing = True
    return root.obj


def output_format(json_flag: bool, fmt: str | None, allowed: tuple[str, ...] = FORMATS) -> str:
    if json_flag:
        return "json"
    if fmt is None:
        return "table"
    chosen = fmt.strip().lower()
    if chosen not in allowed:
        raise Invalid(f"Unknown format {fmt!r}; use one of {', '.join(allowed)}.")
    return chosen


def parse_fields(pairs: list[str] | None) -> dict[str, str | None]:
    """`--field key=value` pairs; an empty value clears the field."""
    fields: dict[str, str | None] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise Invalid(f"The field {pair!r} must be written KEY=VALUE (KEY= clears it).")
        fields[key.strip()] = value.strip() or None
    return fields


def split_list(values: list[str] | None) -> list[str]:
    """Repeatable options that also accept commas: --tag a --tag b,c."""
    out: list[str] = []
    for value in values or []:
        out += [part.strip() for part in value.split(",") if part.strip()]
    return out


def require(value: Any, option: str, question: str, context: AppContext) -> str:
    """A required value: asked for when a person is there, an error naming the option otherwise."""
    if value not in (None, ""):
        return str(value)
    if context.interactive:
        from crmcli.cli import prompts

        answer = prompts.text(question)
        if answer:
            return answer
    raise MissingValue(f"Missing {option}; give it on the command line.")


def confirm(context: AppContext, yes: bool, question: str) -> None:
    """Destructive actions ask on a terminal and need --yes elsewhere."""
    if yes:
        return
    if context.interactive:
        from crmcli.cli import prompts

        if prompts.confirm(question):
            return
        raise click.Abort()
    raise MissingValue(f"{question.rstrip('?')}: refusing without --yes when nobody can be asked.")


def contact_ref(context: AppContext, ref: str) -> int:
    """The contact a reference names; on a terminal an ambiguous one offers a pick list."""
    from crmcli.errors import Ambiguous
    from crmcli.services import refs

    try:
        return refs.contact_id(context.db, ref)
    except Ambiguous as exc:
        if not context.interactive:
            raise
        from crmcli.cli import prompts

        return prompts.pick(f"{ref!r} matches several contacts; which one?", exc.candidates)


def company_ref(context: AppContext, ref: str) -> int:
    from crmcli.errors import Ambiguous
    from crmcli.services import refs

    try:
        return refs.company_id(context.db, ref)
    except Ambiguous as exc:
        if not context.interactive:
            raise
        from crmcli.cli import prompts

        return prompts.pick(f"{ref!r} matches several companies; which one?", exc.candidates)


CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
JSON_HELP = "Print JSON on stdout, nothing else."


class PlainCommand(EnglishHelp):
    """A click command whose help lists its arguments as Typer's help does."""

    def __init__(self, *args: Any, arguments: dict[str, str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        self.arguments_help = arguments or {}

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.arguments_help:
            with formatter.section("Arguments"):
                formatter.write_dl(list(self.arguments_help.items()))
        super().format_options(ctx, formatter)
