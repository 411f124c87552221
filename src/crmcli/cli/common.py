"""What commands share that does not need Typer: the context, references, prompts, formats.

Kept apart from options.py (Typer's option types) so that the commands written in plain
click for speed (`crm show`, `crm agenda`) never import Typer.
"""

from __future__ import annotations

from typing import Any

import click

from crmcli.cli import EnglishHelp
from crmcli.context import AppContext
from crmcli.errors import Ambiguous, Invalid, MissingValue

FORMATS = ("table", "json", "csv")


# The commands that can add a record to an empty CRM: the only ones that make the database
# file where it is missing, as on a first run (`demo` and `db restore` write a whole file of
# their own, not through AppContext.db, and are named to say so). Logging an activity,
# opening a case or recording feedback needs a contact already there, so on a missing file
# they fail as on an empty CRM, leaving no file. A dry run writes nothing, so makes none.
CREATES = frozenset({
    "add", "contact add", "company add", "lead add", "deal add", "import contacts",
    "import companies", "import deals", "import activities", "import vcard", "demo", "db restore",
})  # fmt: skip


def empty_when_missing(command: str, params: dict[str, Any]) -> bool:
    """Whether `command` (`"contact list"`), given these parameters, reads an empty CRM in
    memory where the database file is missing, rather than create the file.

    Every command but those that add records: one that reads, checks, changes or removes
    what is stored has nothing to act on in a file that does not exist, so it answers or
    fails exactly as on an empty database, and leaves no stray file behind (a mistyped
    CRM_DB in a cron job). The commands about the file itself (`db backup`, `db migrate`,
    `db doctor`) refuse, in cli/db.py.
    """
    return command not in CREATES or bool(params.get("dry_run"))


def app_context(ctx: click.Context) -> AppContext:
    root = ctx.find_root()
    if not isinstance(root.obj, AppContext):
        root.obj = AppContext()
    if empty_when_missing(" ".join(ctx.command_path.split()[1:]), ctx.params):
        root.obj.empty_when_missing = True
        root.obj.dry_run = bool(ctx.params.get("dry_run"))
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
    """Repeatable options that also accept commas and semicolons: --tag a --tag "b,c;d".
    Split as tags are split on entry (validate.tag_names), so that `--tag "h;g"` filters by
    the two tags `crm add --tag "h;g"` stored."""
    from crmcli.validate import tag_names

    return tag_names(values or [])


def require(value: Any, option: str, question: str, context: AppContext) -> str:
    """A required value: asked for when a person is there, an error naming the option otherwise.

    The error is a usage error (exit 2), worded as click words a missing argument or option,
    since that is what it is where nobody can be asked.
    """
    if value not in (None, ""):
        return str(value)
    if context.interactive:
        from crmcli.cli import prompts

        answer = prompts.text(question)
        if answer:
            return answer
    kind = "option" if option.startswith("-") else "argument"
    raise click.UsageError(f"Missing {kind} {option!r}", ctx=click.get_current_context(silent=True))


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
    from crmcli.services import refs

    try:
        return refs.contact_id(context.db, ref)
    except Ambiguous as exc:
        return _pick(context, ref, "contacts", exc)


def company_ref(context: AppContext, ref: str) -> int:
    from crmcli.services import refs

    try:
        return refs.company_id(context.db, ref)
    except Ambiguous as exc:
        return _pick(context, ref, "companies", exc)


def referrer_ref(context: AppContext, ref: str | None) -> str | None:
    """A --referred-by value resolved as a positional reference is, pick list included,
    and handed on as the id it names ("" still clears it, None still leaves it be)."""
    if not ref or not ref.strip():
        return ref
    return f"#{contact_ref(context, ref)}"


def _pick(context: AppContext, ref: str, plural: str, exc: Ambiguous) -> int:
    """The record a person picks among an ambiguous reference's matches. A script, or a
    reference matching too many to list, gets the ambiguity's one sentence instead."""
    from crmcli.services.refs import TooManyMatches

    if not context.interactive or isinstance(exc, TooManyMatches):
        raise exc
    from crmcli.cli import prompts

    return prompts.pick(f"{ref!r} matches several {plural}; which one?", exc.candidates)


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
