"""The README's command reference, generated from each command's --help."""

from __future__ import annotations

import click

START = "<!-- section:reference -->"
END = "<!-- /section:reference -->"
WIDTH = 100


def help_pages(root: click.Command) -> list[tuple[str, str, str]]:
    """(command path, short help, full --help text) for every command, depth first."""
    pages: list[tuple[str, str, str]] = []

    def visit(command: click.Command, name: str, parent: click.Context | None) -> None:
        # The command's own settings (its -h), at a fixed width whatever the terminal.
        settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
        ctx = click.Context(command, info_name=name, parent=parent, **settings)
        path = ctx.command_path
        pages.append((path, command.get_short_help_str(limit=200), command.get_help(ctx).rstrip()))
        if isinstance(command, click.Group):
            for sub_name in sorted(command.list_commands(ctx)):
                sub = command.get_command(ctx, sub_name)
                if sub is not None and not sub.hidden:
                    visit(sub, sub_name, ctx)

    visit(root, "crm", None)
    return pages


def reference_markdown(root: click.Command) -> str:
    pages = help_pages(root)
    lines = [
        START,
        "## Command reference",
        "",
        "Generated from `--help` by `python -m crmcli.cli.completion --write`; a test fails",
        "when it is out of date.",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    for path, short, _ in pages[1:]:
        escaped = short.replace("|", "\\|")
        lines.append(f"| `{path}` | {escaped} |")
    lines.append("")
    for path, _, text in pages[1:]:
        lines += ["<details>", f"<summary><code>{path}</code></summary>", "", "```text", text, "```",
                  "", "</details>", ""]  # fmt: skip
    lines.append(END)
    return "\n".join(lines)


def replace_section(readme: str, generated: str) -> str:
    start = readme.index(START)
    end = readme.index(END) + len(END)
    return readme[:start] + generated + readme[end:]
