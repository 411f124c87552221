"""Turning a command module's Typer app into click commands, one command at a time."""

from __future__ import annotations

import importlib
import inspect

import click
import typer
import typer.core
import typer.main
import typer.models


def load_command(module_name: str, command_name: str | None, *, name: str) -> click.Command:
    """The click command for a COMMANDS entry: a whole group, or one command as a shortcut."""
    source: typer.Typer = importlib.import_module(module_name).app
    if command_name is not None:
        return _convert(source, command_name)
    if source.registered_callback or source.registered_groups:
        group = typer.main.get_command(source)  # the general (eager) path
        group.name = name
        return group
    return LazySubGroup(name, source)


class LazySubGroup(typer.core.TyperGroup):
    """A command group whose Typer commands are turned into click commands on first use.

    Typer converts every command of an app (signature inspection, parameter objects) when
    the app is loaded; `crm contact list` needs only `list`, and this saves ~10 ms.
    """

    def __init__(self, name: str, source: typer.Typer) -> None:
        info = source.info
        super().__init__(
            name=name,
            help=inspect.cleandoc(info.help) if isinstance(info.help, str) else None,
            no_args_is_help=bool(info.no_args_is_help),
            context_settings=info.context_settings,
            rich_markup_mode=None,
        )
        self._source = source
        self._names = [_command_name(c) for c in source.registered_commands]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self._names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self._names:
            self.commands[cmd_name] = _convert(self._source, cmd_name)
        return self.commands.get(cmd_name)


def _command_name(info: typer.models.CommandInfo) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)  # type: ignore[union-attr]


def _convert(source: typer.Typer, command_name: str) -> click.Command:
    for info in source.registered_commands:
        if _command_name(info) == command_name:
            return typer.main.get_command_from_info(
                info,
                pretty_exceptions_short=source.pretty_exceptions_short,
                rich_markup_mode=None,
            )
    raise LookupError(f"{command_name} is not a command of {source.info.name or 'this group'}")
