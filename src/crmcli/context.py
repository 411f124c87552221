"""AppContext: what one invocation of crm works with, built lazily once per command.

Nothing is opened until a command asks for it: `crm --help` reads no config and
`crm config path` opens no database.
"""

from __future__ import annotations

import os
import sys
from functools import cached_property
from typing import TYPE_CHECKING

from crmcli.config import Config
from crmcli.paths import default_db_path, no_database_at, resolve_config_path, resolve_db_path

if TYPE_CHECKING:
    from datetime import datetime, tzinfo
    from pathlib import Path

    from crmcli.render.output import Output
    from crmcli.services.session import Session
    from crmcli.storage.db import Database


# Lines for stderr that the CLI prints once the command has succeeded (cli.run): a
# refused command says its one sentence and nothing else.
NOTICES: list[str] = []
# Database files this process made where none was: cli.run removes them again when the
# command failed before recording anything, so a refused `crm add` with a mistyped
# CRM_DB leaves no stray empty database behind.
MADE: list[str] = []


class AppContext:
    # A plain class, not a dataclass: see the note above crmcli.config.Problem.
    def __init__(
        self, db_flag: str | None = None, config_flag: str | None = None, user_flag: str | None = None
    ) -> None:
        self.db_flag = db_flag
        self.config_flag = config_flag
        self.user_flag = user_flag
        # Set by cli.common.app_context for the commands that, where the database file is
        # missing, read an empty CRM in memory rather than create one: every command but those
        # that add records, and a dry run of those (cli.common.empty_when_missing).
        self.empty_when_missing = False
        self.dry_run = False  # the command is a dry run: the notice says so
        self._opened: list[Database] = []

    @cached_property
    def now(self) -> datetime:
        """The command's one "now": every record it writes and every view it shows uses it."""
        from crmcli.clock import utcnow

        return utcnow()

    # The file names as text, for what only opens them (every command); as Paths, for the
    # commands that work on the files themselves (pathlib costs ~3 ms to import).
    @cached_property
    def config_file(self) -> str:
        return resolve_config_path(self.config_flag)

    @cached_property
    def db_file(self) -> str:
        return resolve_db_path(self.db_flag)

    @cached_property
    def config_path(self) -> Path:
        from pathlib import Path

        return Path(self.config_file)

    @cached_property
    def db_path(self) -> Path:
        from pathlib import Path

        return Path(self.db_file)

    @cached_property
    def config(self) -> Config:
        return Config.load(self.config_file)

    @cached_property
    def actor(self) -> str:
        """Who is acting: --user, then CRM_USER, then the config's `user`, then the login name."""
        if self.user_flag:
            return self.user_flag
        if os.environ.get("CRM_USER"):
            return os.environ["CRM_USER"]
        if self.config.get("user"):
            return str(self.config.get("user"))
        import getpass

        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return "unknown"

    @cached_property
    def db(self) -> Database:
        from crmcli.storage.db import open_db

        _ = self.config  # a broken config stops the command before the database is touched
        self.refuse_a_new_folder()
        missing = no_database_at(self.db_file)
        if self.empty_when_missing and missing:
            answer = "the dry run read an empty CRM" if self.dry_run else "there is nothing to show"
            NOTICES.append(
                f"There is no database at {self.db_file} yet, so {answer}; none was made "
                "(check --db or CRM_DB if you expected one)."
            )
            return self._empty_in_memory()
        database = open_db(self.db_file)
        self._opened.append(database)
        if missing:
            MADE.append(self.db_file)
        return database

    def _empty_in_memory(self) -> Database:
        """A new, empty database in memory: what a command that adds no record sees where no
        file is (it has nothing to read, change or check there)."""
        from crmcli.storage.db import open_db

        database = open_db(":memory:")
        self._opened.append(database)
        return database

    def refuse_a_new_folder(self, path: str | None = None) -> None:
        """A file named by --db or CRM_DB is created where it is missing, but not the folders
        above it: a mistyped folder would otherwise read as an empty CRM ("no contact
        matches") and leave a stray database behind. crm's own default folder is made.
        `path`: another file a command makes beside the database (`crm demo`'s)."""
        path = path or self.db_file
        folder = os.path.dirname(os.path.abspath(path))
        if folder == os.path.dirname(default_db_path()) or os.path.exists(path):
            return
        if not os.path.isdir(folder):
            from crmcli.errors import StorageError

            raise StorageError(
                f"There is no database at {path}, and no folder {folder} to create one in; "
                "check --db or CRM_DB (crm makes a new database only in a folder that exists)."
            )

    @cached_property
    def session(self) -> Session:
        from crmcli.services.session import Session

        return Session(db=self.db, config=self.config, actor=self.actor, now=self.now)

    @cached_property
    def tz(self) -> tzinfo:
        """The acting user's time zone: their [[team]] entry, the config, or the machine's."""
        from crmcli.clock import zone

        return zone(self.config.timezone_for(self.actor))

    @cached_property
    def interactive(self) -> bool:
        """A person is there to answer a prompt: both ends are terminals and this is not CI."""
        return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")

    @cached_property
    def out(self) -> Output:
        from crmcli.render.output import Output

        if not sys.stdout.isatty():
            return Output(tty=False)  # plain output shows stored UTC times: no zone needed
        return Output(tty=True, tz=self.tz)

    def close(self) -> None:
        for database in self._opened:
            database.close()
        self._opened.clear()
