"""Errors are data until the edge: services raise these, only `cli.main` prints them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the command could not do what was asked
    USAGE = 2  # unknown option, missing argument
    PROBLEMS_FOUND = 3  # a check ran fine and found problems


class CrmError(Exception):
    """Something the user can fix; the message is one sentence shown on stderr."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(CrmError):
    """A referenced record does not exist."""


class Ambiguous(CrmError):
    """A reference matches several records; `candidates` lists them as (id, label)."""

    def __init__(self, message: str, candidates: list[tuple[int, str]]) -> None:
        super().__init__(message)
        self.candidates = candidates


class Invalid(CrmError):
    """A value is malformed or out of range."""


class Conflict(CrmError):
    """The change would break a uniqueness or state rule."""


class ConfigError(CrmError):
    """The TOML config cannot be read or is not valid."""


class RuleError(CrmError):
    """A routing rule is malformed or failed while it was applied."""


class StorageError(CrmError):
    """The database file cannot be opened, is locked too long, or is damaged."""


class NeedsRecovery(StorageError):
    """The file was left mid-write (a -wal without its -shm, a hot -journal) and is read-only
    here: it can be read only once opened where it can be written."""


class MissingValue(CrmError):
    """A required value was not given and nobody is there to be asked."""


class ProblemsFound(CrmError):
    """A check ran and found problems (exit 3); the report has already been printed."""

    exit_code = ExitCode.PROBLEMS_FOUND
