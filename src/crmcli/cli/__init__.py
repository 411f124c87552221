"""The root of the `crm` command.

Command groups are imported only when they are invoked (`COMMANDS` names the module of
each), so `crm contact list` does not pay for importing deals, reports or rules. The root
itself is plain click: `crm --version` does not even import Typer. Every
error a command raises reaches `CrmGroup.main`, the one place that turns it into one
sentence on stderr and an exit code.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from crmcli import __version__
from crmcli.errors import CrmError, ExitCode

# name -> (module, command): command None means the module's whole `app` is a group;
# otherwise it is one command of that app, shown at the top level as a shortcut, or one of
# the module's CLICK_COMMANDS (plain click commands, which spare the import of Typer).
COMMANDS: dict[str, tuple[str, str | None]] = {
    "add": ("crmcli.cli.contacts", "add"),
    "show": ("crmcli.cli.show", "show"),
    "contact": ("crmcli.cli.contacts", None),
    "company": ("crmcli.cli.companies", None),
    "config": ("crmcli.cli.config", None),
    "demo": ("crmcli.cli.demo", "demo"),
    "completion": ("crmcli.cli.completion", "completion"),
    "rules": ("crmcli.cli.rules", None),
    "case": ("crmcli.cli.cases", None),
    "sla": ("crmcli.cli.sla", None),
    "activity": ("crmcli.cli.activities", None),
    "log": ("crmcli.cli.activities", "log"),
    "agenda": ("crmcli.cli.agenda", "agenda"),
    "feedback": ("crmcli.cli.feedback", None),
    "kpi": ("crmcli.cli.kpi", "kpi"),
    "report": ("crmcli.cli.reports", None),
    "db": ("crmcli.cli.db", None),
    "gdpr": ("crmcli.cli.gdpr", None),
    "undo": ("crmcli.cli.undo", "undo"),
    "deal": ("crmcli.cli.deals", None),
    "lead": ("crmcli.cli.leads", None),
    "pipeline": ("crmcli.cli.deals", "pipeline"),
    "forecast": ("crmcli.cli.deals", "forecast"),
    "import": ("crmcli.cli.importing", None),
    "export": ("crmcli.cli.exporting", None),
}

# Options that belong to crm as a whole and may be written anywhere on the line.
GLOBAL_OPTIONS = ("--db", "--config", "--user")
# What each one's value is, for the sentence when the line ends before it.
GLOBAL_VALUES = {"--db": "a database file", "--config": "a config file", "--user": "who is acting"}


class ReaderGone(Exception):
    """stdout's reader went away (`crm contact list | head -1`).

    Raised in place of BrokenPipeError, which click would turn into a bare exit 1.
    """


def _show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


class EnglishHelp(click.Command):
    """--help without gettext. click asks gettext for its help option's text on every
    command, which imports `locale` and looks for translation files (~1.5 ms of a 50 ms
    command); crm's help is written in English only."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        names = self.get_help_option_names(ctx)
        if not names or not self.add_help_option:
            return None
        if getattr(self, "_help_option", None) is None:
            self._help_option = click.Option(
                names, is_flag=True, expose_value=False, is_eager=True,
                help="Show this message and exit.", callback=_show_help,
            )  # fmt: skip
        return self._help_option  # type: ignore[return-value]


class CrmGroup(EnglishHelp, click.Group):
    """A group whose subcommands are loaded on first use, and which maps errors to exits."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise ReaderGone() from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        module_name, command_name = COMMANDS[cmd_name]
        import importlib

        # A module written in plain click (for speed) offers its commands ready-made.
        ready = getattr(importlib.import_module(module_name), "CLICK_COMMANDS", {})
        if command_name in ready:
            return ready[command_name]
        from crmcli.cli.lazy import load_command

        return load_command(module_name, command_name, name=cmd_name)

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        argv = list(sys.argv[1:] if args is None else args)
        code = run(self, argv, prog_name or "crm", extra)
        sys.exit(code)


def run(root: click.Group, argv: list[str], prog_name: str, extra: dict[str, Any]) -> int:
    code = _run(root, argv, prog_name, extra)
    _forget_made_databases(remove=code != ExitCode.OK)
    return code


def _forget_made_databases(*, remove: bool) -> None:
    """With `remove` (the command failed), delete a database file this command made where
    none was and left without a single change: it would only be a stray empty database
    where a mistyped CRM_DB pointed (context.MADE)."""
    context = sys.modules.get("crmcli.context")
    if context is None:
        return
    made = list(context.MADE)
    context.MADE.clear()  # in-process runs (tests) start from none
    if not remove:
        return
    import sqlite3

    for path in made:
        try:
            conn = sqlite3.connect(path)
            try:
                changes = conn.execute("SELECT count(*) FROM changes").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.Error:
            continue  # not what this command made, or in use: leave it
        if changes == 0:
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.unlink(path + suffix)
                except OSError:
                    pass


def _run(root: click.Group, argv: list[str], prog_name: str, extra: dict[str, Any]) -> int:
    try:
        argv = hoist_global_options(argv)
        result = click.Group.main(root, argv, prog_name=prog_name, standalone_mode=False, **extra)
        sys.stdout.flush()  # output that fit in the buffer meets a closed pipe only here
        for notice in _notices():
            sys.stderr.write(notice + "\n")
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:
        # `crm` or `crm contact` alone: the help itself, not an error sentence around it.
        sys.stderr.write(exc.format_message().rstrip() + "\n")
        return ExitCode.USAGE
    except click.UsageError as exc:
        _error(_usage_sentence(exc, prog_name))
        return ExitCode.USAGE
    except click.Abort:
        _error("Aborted; nothing was changed.")
        return ExitCode.FAILED
    except click.ClickException as exc:
        _error(exc.format_message())
        return ExitCode.FAILED
    except CrmError as exc:
        _error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        _error("Interrupted; nothing was changed.")
        return 130
    except (ReaderGone, BrokenPipeError):
        # The reader went away (`crm contact list | head`): not an error worth a word.
        _silence_stdout()
        return ExitCode.OK
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        _error(f"Cannot use{where}: {exc.strerror or exc}.")
        return ExitCode.FAILED
    except Exception as exc:
        if _is_database_error(exc):
            _error(f"The database could not be used: {exc}.")
            return ExitCode.FAILED
        if isinstance(exc, UnicodeEncodeError) and exc.reason == "surrogates not allowed":
            # Bytes that are not UTF-8 on the command line reach Python as lone surrogates.
            bad = exc.object[max(0, exc.start - 30) : exc.end + 30]
            _error(f"{bad!r} is not valid UTF-8 text; write it in UTF-8.")
            return ExitCode.FAILED
        # A bug: still one sentence, with the way to the traceback.
        if os.environ.get("CRM_DEBUG"):
            raise
        _error(f"Internal error ({type(exc).__name__}: {exc}); run with CRM_DEBUG=1 for details.")
        return ExitCode.FAILED
    finally:
        _notices().clear()  # in-process runs (tests) start from none
    return result if isinstance(result, int) else ExitCode.OK


def _usage_sentence(exc: click.UsageError, prog_name: str) -> str:
    """click's message as one sentence that ends by pointing at the command's help.

    click appends its guesses at a mistyped option or command as a sentence of its own,
    punctuated by how many there are ("Did you mean '--limit'?", "(Did you mean one of:
    …?)"); they are worked into the one sentence here, the same way for every command.
    """
    where = exc.ctx.command_path if exc.ctx else prog_name  # no context: the line as a whole
    hint = f"(see '{where} --help')"
    command_name = getattr(exc, "command_name", None)  # click 8.4's NoSuchCommand
    if isinstance(exc, click.NoSuchOption):
        what, guesses = f"No such option {exc.option_name!r}", exc.possibilities
    elif isinstance(command_name, str):
        what, guesses = f"No such command {command_name!r}", _command_guesses(exc.ctx, command_name)
    else:
        return f"{exc.format_message().rstrip('.')} {hint}."
    if not guesses:
        return f"{what} {hint}."
    quoted = [repr(guess) for guess in sorted(guesses)]
    either = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"{what}; did you mean {either}? {hint}."


def _command_guesses(ctx: click.Context | None, name: str) -> list[str]:
    # click guesses only among the commands already loaded, which here are next to none.
    if ctx is None or not isinstance(ctx.command, click.Group):
        return []
    from difflib import get_close_matches

    return get_close_matches(name, ctx.command.list_commands(ctx))


def _notices() -> list[str]:
    """AppContext's notices, when a command loaded it (`crm --version` does not)."""
    context = sys.modules.get("crmcli.context")
    return context.NOTICES if context is not None else []


def _is_database_error(exc: Exception) -> bool:
    # Looked up, not imported: `crm --version` never loads sqlite3, and an error from
    # sqlite3 can only come from a command that did.
    sqlite3 = sys.modules.get("sqlite3")
    return sqlite3 is not None and isinstance(exc, sqlite3.DatabaseError)


def _error(message: str) -> None:
    text = message.strip()
    if text and text[-1] not in ".?!":
        text += "."
    if not text.isprintable():  # a message may quote a stored name or note: shown harmlessly
        from crmcli.render.output import visible

        text = visible(text)
    sys.stderr.write(f"crm: {text}\n")
    sys.stderr.flush()


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move --db/--config/--user (written anywhere before `--`) to the front of the line;
    one that ends the line without its value is a usage error."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            if "=" in arg:
                front.append(arg)
            elif i + 1 < len(argv):
                front.extend(argv[i : i + 2])
                i += 1
            else:
                # Left where it is, click would look for it among the subcommand's options
                # and say there is no such option.
                raise click.UsageError(f"{arg} needs a value: {GLOBAL_VALUES[arg]}")
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"crm {__version__}")
        ctx.exit()


@click.group(
    cls=CrmGroup,
    name="crm",
    epilog="--db, --config and --user may be written anywhere on the line.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--db", metavar="PATH", help="The database file [env: CRM_DB].")
@click.option("--config", metavar="PATH", help="The TOML config file [env: CRM_CONFIG].")
@click.option("--user", metavar="HANDLE", help="Who is acting [env: CRM_USER].")
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
    help="Show the version and exit.",
)  # fmt: skip
@click.pass_context
def root(ctx: click.Context, db: str | None, config: str | None, user: str | None) -> None:
    """A local-first CRM for small teams, in the terminal."""
    from crmcli.context import AppContext

    for option, value, wanted in (("--db", db, "a file"), ("--config", config, "a file"),
                                  ("--user", user, "a handle")):  # fmt: skip
        if value is not None and not value.strip():
            # An empty variable in a script ("--db $DB") must not fall back to the real file,
            # nor ("--user $WHO") to acting as CRM_USER, the config's user or the login name.
            # An empty CRM_USER itself stays what an empty variable commonly is: unset.
            raise click.UsageError(f"{option} is empty; give {wanted}")
    context = AppContext(db_flag=db, config_flag=config, user_flag=user)
    ctx.obj = context
    ctx.call_on_close(context.close)


def get_root() -> CrmGroup:
    assert isinstance(root, CrmGroup)
    return root


def main() -> int:
    _open_closed_streams()
    root_group = get_root()
    return int(root_group.main(prog_name="crm") or 0)


def _open_closed_streams() -> None:
    """Started with a standard stream closed (`crm add Kari >&-`), Python sets it to None,
    and the first look at it failed after the change was saved, as an internal error. A
    closed stdout is treated as a reader that is gone: what would be printed is dropped,
    as for `crm contact list | head -0`; a closed stdin reads as empty."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  # for the process's life
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
