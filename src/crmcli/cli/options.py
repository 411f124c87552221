"""Options shared by many commands, and the small helpers every command module uses."""

from __future__ import annotations

from typing import Annotated

import typer

from crmcli.cli.common import (  # noqa: F401  (re-exported: the commands import them from here)
    FORMATS,
    app_context,
    company_ref,
    confirm,
    contact_ref,
    output_format,
    parse_fields,
    referrer_ref,
    require,
    split_list,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout, nothing else.")]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", metavar="FORMAT", help="table, json or csv."),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking.")]
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", min=0, help="Show at most N rows.")]
OffsetOpt = Annotated[int, typer.Option("--offset", min=0, help="Skip the first N rows.")]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", "-t", metavar="TAG", help="A tag (repeatable).")]
OwnerOpt = Annotated[str | None, typer.Option("--owner", metavar="HANDLE", help="The owner.")]
FieldOpt = Annotated[
    list[str] | None,
    typer.Option("--field", metavar="KEY=VALUE", help="A custom field (repeatable; KEY= clears)."),
]
# A list or an export creates and clears nothing: its filter has its own help.
FieldFilterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--field", metavar="KEY=VALUE", help="Custom field KEY is VALUE (repeatable: all must match)."
    ),
]


def new_app(help_text: str) -> typer.Typer:
    """A command group with crm's settings: plain help, no completion install, no rich tracebacks."""
    return typer.Typer(
        help=help_text,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )
