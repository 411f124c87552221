"""The TOML config: load with tomllib, validate with line-level messages, save atomically.

A missing file means the built-in defaults. Every top-level key is known to `SECTIONS`;
a feature that adds a section registers its validator there, so an unknown key or a
value of the wrong type is always reported with the file, the line and the key.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crmcli.errors import ConfigError, CrmError

if TYPE_CHECKING:
    from pathlib import Path

KeyPath = tuple[str | int, ...]


# Plain classes rather than dataclasses or NamedTuples here and on every path that
# `crm show` and `crm agenda` import: making a dataclass costs about half a millisecond
# at import time, a NamedTuple 0.2 ms, a plain class 0.02 ms; a dozen dataclasses were
# a sixth of what `crm show` took.


class Problem:
    __slots__ = ("path", "message", "line")

    def __init__(self, path: KeyPath, message: str, line: int | None = None) -> None:
        self.path, self.message, self.line = path, message, line

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return (self.path, self.message, self.line) == (other.path, other.message, other.line)

    def __hash__(self) -> int:
        return hash((self.path, self.message, self.line))

    def __repr__(self) -> str:
        return f"Problem({self.path!r}, {self.message!r}, {self.line!r})"

    @property
    def key(self) -> str:
        return format_key(self.path)


def format_key(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class Checker:
    """Collects every problem of a config instead of stopping at the first."""

    def __init__(self, document: dict[str, Any] | None = None) -> None:
        self.problems: list[Problem] = []
        # The whole file, for checks that refer to another section (a rule naming a team member).
        self.document: dict[str, Any] = document or {}

    def add(self, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(path, message))

    def expect(self, value: Any, kinds: type | tuple[type, ...], path: KeyPath, what: str) -> bool:
        # TOML booleans are ints to Python; never accept one where a number is meant.
        ok = isinstance(value, kinds) and not (
            isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,))
        )
        if not ok:
            self.add(path, f"must be {what}, not {_describe(value)}")
        return ok

    def table(self, value: Any, path: KeyPath, known: dict[str, Callable[..., None]]) -> None:
        """Check a TOML table whose keys are all known; each known key has its own check."""
        if not self.expect(value, dict, path, "a table"):
            return
        for key, item in value.items():
            check = known.get(key)
            if check is None:
                self.add((*path, key), f"is not a known setting (known: {', '.join(sorted(known))})")
            else:
                check(item, self, (*path, key))


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


# --- validators for the foundation's settings -------------------------------------------


def check_text(value: Any, checker: Checker, path: KeyPath) -> None:
    checker.expect(value, str, path, "text")


def check_bool(value: Any, checker: Checker, path: KeyPath) -> None:
    checker.expect(value, bool, path, "true or false")


def check_timezone(value: Any, checker: Checker, path: KeyPath) -> None:
    from crmcli.validate import timezone_name

    if checker.expect(value, str, path, 'an IANA time zone name such as "Europe/Oslo"'):
        try:
            timezone_name(value)
        except CrmError:
            checker.add(path, f"{value!r} is not an IANA time zone (for example Europe/Oslo)")


def check_country(value: Any, checker: Checker, path: KeyPath) -> None:
    from crmcli.validate import country_code

    if checker.expect(value, str, path, 'a two-letter ISO country code such as "NO"'):
        try:
            country_code(value)
        except CrmError:
            checker.add(path, f"{value!r} is not an ISO country code (for example NO or SE)")


def check_currency(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, str, path, 'a three-letter ISO currency code such as "EUR"'):
        if not re.fullmatch(r"[A-Z]{3}", value):
            checker.add(path, f'{value!r} is not a three-letter ISO currency code such as "EUR"')
            return
        import pycountry  # only when the file changed: a checked config is cached

        # "XYZ" has the shape, but every deal in it would then be refused.
        if pycountry.currencies.get(alpha_3=value) is None:
            checker.add(path, f"{value!r} is not an ISO 4217 currency code (for example EUR, NOK or JPY)")


def check_week_start(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, str, path, "a weekday name") and value.lower() not in WEEKDAYS:
        checker.add(path, f"{value!r} is not a weekday (one of {', '.join(WEEKDAYS)})")


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HANDLE_RE = r"[a-z0-9][a-z0-9._-]*"


def check_team(value: Any, checker: Checker, path: KeyPath) -> None:
    if not checker.expect(value, list, path, "a list of [[team]] tables"):
        return
    seen: set[str] = set()
    member_keys: dict[str, Callable[..., None]] = {
        "handle": check_handle,
        "name": check_text,
        "email": check_email,
        "role": check_text,
        "timezone": check_timezone,
        "active": check_bool,
    }
    for index, member in enumerate(value):
        checker.table(member, (*path, index), member_keys)
        if isinstance(member, dict):
            handle = member.get("handle")
            if handle is None:
                checker.add((*path, index), "needs a handle")
            elif handle in seen:
                checker.add((*path, index, "handle"), f"{handle!r} is listed twice")
            elif isinstance(handle, str):
                seen.add(handle)


def check_handle(value: Any, checker: Checker, path: KeyPath) -> None:
    if checker.expect(value, str, path, "text") and not re.fullmatch(HANDLE_RE, value):
        checker.add(path, f"{value!r} must be lower-case letters, digits, '.', '_' or '-'")


def check_user(value: Any, checker: Checker, path: KeyPath) -> None:
    """`user` is a handle, and one of the team's when the config lists a team: otherwise
    every record added would have no owner, without a word (owners must be on the team)."""
    check_handle(value, checker, path)
    team = checker.document.get("team")
    members = team if isinstance(team, list) else []
    handles = [m["handle"] for m in members if isinstance(m, dict) and isinstance(m.get("handle"), str)]
    if isinstance(value, str) and handles and value not in handles:
        checker.add(path, f"{value!r} is not on the team (known: {', '.join(handles)})")


def check_email(value: Any, checker: Checker, path: KeyPath) -> None:
    from crmcli.validate import email_address

    if checker.expect(value, str, path, "an e-mail address"):
        try:
            email_address(value)
        except CrmError:
            checker.add(path, f"{value!r} is not a valid e-mail address")


Validator = Callable[[Any, Checker, KeyPath], None]

# Every top-level key, with its validator: a callable, or "module:function" imported only
# when the key is present, so that a feature's validation costs nothing to other commands.
SECTIONS: dict[str, Validator | str] = {
    "user": check_user,
    "base_currency": check_currency,
    "default_country": check_country,
    "timezone": check_timezone,
    "week_start": check_week_start,
    "team": check_team,
    "rules": "crmcli.services.rules:check_rules",
    "queues": "crmcli.services.cases:check_queues",
    "sla": "crmcli.services.sla:check_sla",
    "business_hours": "crmcli.services.business_hours:check_business_hours",
    "holidays": "crmcli.services.business_hours:check_holidays",
    "activities": "crmcli.services.activities:check_activities",
    "agenda": "crmcli.services.agenda:check_agenda",
    "pipelines": "crmcli.services.pipelines:check_pipelines",
    "lost_reasons": "crmcli.services.pipelines:check_lost_reasons",
    "forecast": "crmcli.services.pipelines:check_forecast",
    "currencies": "crmcli.services.pipelines:check_currencies",
}

DEFAULTS: dict[str, Any] = {
    "base_currency": "EUR",
    "week_start": "monday",
    "team": [],
    # Deals: the pipeline used when the config has no [[pipelines]] (stage, win probability).
    "pipelines": [
        {"name": "sales", "stages": [
            {"name": "qualification", "probability": 10}, {"name": "needs-analysis", "probability": 25},
            {"name": "proposal", "probability": 50}, {"name": "negotiation", "probability": 75},
        ]},
    ],
    "lost_reasons": ["price", "competitor", "no budget", "no decision", "timing", "product fit", "other"],
    "forecast": {"months": 3, "commit_probability": 75},
    "currencies": {"rates": {}},
    "holidays": [],
}  # fmt: skip


class TeamMember:
    """Someone on the team, as the config's [[team]] lists them (a plain class: see Problem)."""

    __slots__ = ("handle", "name", "email", "role", "timezone", "active")

    def __init__(
        self, handle: str, name: str = "", email: str = "", role: str = "",
        timezone: str | None = None, active: bool = True,
    ) -> None:  # fmt: skip
        self.handle, self.name, self.email, self.role = handle, name, email, role
        self.timezone, self.active = timezone, active

    def __repr__(self) -> str:
        return f"TeamMember({self.handle!r})"


class Config:
    """The settings in force: the file's data over the built-in DEFAULTS."""

    def __init__(
        self,
        path: str | Path,
        data: dict[str, Any] | None = None,
        exists: bool = False,
        _text: str = "",
        *,
        bom: bool = False,
        newline: str = "\n",
    ) -> None:
        self.path = path
        self.data: dict[str, Any] = {} if data is None else data
        self.exists = exists
        self._text = _text  # without a byte-order mark, its lines ended by "\n"
        # How the file was written, so that `set` writes it back so: Notepad's byte-order
        # mark and Windows line endings stay.
        self.bom = bom
        self.newline = newline

    def __repr__(self) -> str:
        return f"Config(path={self.path!r}, exists={self.exists})"

    # --- loading ------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> Config:
        read = _read_text(path)
        if read is None:
            return cls(path=path)
        text, bom, newline = read
        from crmcli import config_cache

        key = os.path.abspath(path)
        data = config_cache.cached_data(key, text)
        if data is not None:  # this very text was parsed and found valid before
            return cls(path=path, data=data, exists=True, _text=text, bom=bom, newline=newline)
        config = cls(path=path, data=_parse(path, text), exists=True, _text=text, bom=bom, newline=newline)
        problems = config.problems()
        if problems:
            raise ConfigError(config.describe(problems[0]))
        config_cache.remember(key, text, config.data)
        return config

    @classmethod
    def for_editing(cls, path: str | Path) -> Config:
        """The file as it is, parsed but not checked: `config set` must be able to mend a
        value that fails the checks (`days = "seven"`). What it writes is checked whole."""
        read = _read_text(path)
        if read is None:
            return cls(path=path)
        text, bom, newline = read
        return cls(path=path, data=_parse(path, text), exists=True, _text=text, bom=bom, newline=newline)

    def problems(self) -> list[Problem]:
        """Every problem in the file, each with the line of its key when it can be found."""
        checker = Checker(self.data)
        for key, value in self.data.items():
            validator = SECTIONS.get(key)
            if validator is None:
                checker.add((key,), f"is not a known setting (known: {', '.join(sorted(SECTIONS))})")
                continue
            if isinstance(validator, str):
                module, _, name = validator.partition(":")
                validator = getattr(importlib.import_module(module), name)
            validator(value, checker, (key,))
        return [Problem(p.path, p.message, locate(self._text, p.path)) for p in checker.problems]

    def describe(self, problem: Problem) -> str:
        where = f"{self.path}, line {problem.line}" if problem.line else str(self.path)
        return f"{where}: {problem.key} {problem.message}."

    # --- reading values -----------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        """A value by dotted key ("team", "agenda.days"), falling back to the built-in default."""
        node: Any = self.data
        for part in key.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return _dotted(DEFAULTS, key, default)
        # A table the file sets only in part ([forecast] with months alone) keeps the
        # defaults of the keys it leaves out, as a dotted `get` of one of them would.
        if isinstance(node, dict):
            fallback = _dotted(DEFAULTS, key, None)
            if isinstance(fallback, dict):
                return _overlay(fallback, node)
        return node

    @property
    def base_currency(self) -> str:
        return str(self.get("base_currency"))

    @property
    def default_country(self) -> str | None:
        """The ISO 3166-1 alpha-2 code: the check accepts "no", "NOR" and "Norway" too, and
        phone numbers are read with the code alone."""
        value = self.get("default_country")
        if not value:
            return None
        text = str(value).strip()
        if len(text) == 2 and text.isascii() and text.isalpha():
            return text.upper()
        from crmcli.validate import country_code

        return country_code(text, "default_country")

    @property
    def week_start(self) -> int:
        return WEEKDAYS.index(str(self.get("week_start")).lower())

    @property
    def team(self) -> list[TeamMember]:
        return [
            TeamMember(
                handle=m["handle"],
                name=m.get("name", ""),
                email=m.get("email", ""),
                role=m.get("role", ""),
                timezone=_zone_name(m.get("timezone")),
                active=m.get("active", True),
            )
            for m in self.get("team", [])
        ]

    def member(self, handle: str | None) -> TeamMember | None:
        return next((m for m in self.team if m.handle == handle), None)

    def owner_on_team(self, handle: str) -> str | None:
        """An owner given on the command line, stripped (None when blank); refused when the
        config lists a team it is not on, so a mistyped handle is not read as an owner
        with nothing to do."""
        handle = handle.strip()
        if not handle:
            return None
        team = self.team
        if team and handle not in {m.handle for m in team}:
            from crmcli.errors import Invalid

            handles = ", ".join(m.handle for m in team)
            raise Invalid(f"The owner {handle!r} is not on the team; use one of {handles}.")
        return handle

    def timezone_for(self, handle: str | None) -> str | None:
        """A person's time zone: their [[team]] entry, else the config's `timezone`."""
        member = self.member(handle)
        return (member.timezone if member else None) or _zone_name(self.get("timezone"))

    def merged(self) -> dict[str, Any]:
        """Every setting in force, defaults included: what `crm config show` prints.

        The file over DEFAULTS and over the defaults the services keep, table by table,
        except where a service reads a table or list as a whole (config_defaults).
        """
        from crmcli.config_defaults import settings_in_force

        return settings_in_force(DEFAULTS, _zones_in_use(self.data))

    def in_force(self, key: str, default: Any = None) -> Any:
        """A value by dotted key as `crm config show` lists it, a service's default included."""
        from crmcli.config_defaults import SERVICE_DEFAULTS

        if key.split(".")[0] not in SERVICE_DEFAULTS:  # the same, without importing the services
            return Config(self.path, _zones_in_use(self.data)).get(key, default)
        return _dotted(self.merged(), key, default)

    # --- writing ------------------------------------------------------------------------

    def set(self, key: str, value: Any) -> Config:
        """A new Config with `key` set; validated before anything is written.

        The file's text is edited in place rather than written anew from the data: its
        comments (most of the starter), order and layout stay, and only the one value
        changes. tomlkit is imported here alone, so reading the config never pays for it.
        A key in a table the file lacks and a service reads whole (`defaults_written_by`)
        comes with the rest of that table's built-in defaults, which stay in force so.
        """
        import tomllib

        import tomlkit
        from tomlkit.exceptions import TOMLKitError

        if key.split(".")[-1] == "timezone" and isinstance(value, str):
            value = value.strip()  # as it is checked and read: " Europe/Oslo " is Europe/Oslo
        try:
            document = tomlkit.parse(self._text)
            table = self.defaults_written_by(key)
            if table is not None:
                defaults = _table_at(document, table.split("."), key)
                for name, item in _built_in(table).items():
                    defaults[name] = item
            parts = key.split(".")
            _put(_table_at(document, parts[:-1], key), parts[-1], value)
            text = _blank_line_before_new_tables(self._text, tomlkit.dumps(document))
        except TOMLKitError as exc:  # tomllib read the file, so this would be a tomlkit limit
            raise ConfigError(f"Cannot set {key}: {self.path} cannot be edited in place ({exc}).") from exc
        # The data is read back from the new text, so what is checked is exactly what is written.
        data = tomllib.loads(text)
        candidate = Config(self.path, data, self.exists, text, bom=self.bom, newline=self.newline)
        problems = candidate.problems()
        if problems:
            first = problems[0]
            raise ConfigError(f"Cannot set {key} in {self._where(first.path)}: {first.key} {first.message}.")
        return candidate

    def _where(self, path: KeyPath) -> str:
        """The file, and the line of `path` in it when the file has that key: a line of the
        edited text, which was not written, would not be found in the file."""
        line = locate(self._text, path) if _has_path(self.data, path) else None
        return f"{self.path} (line {line})" if line else str(self.path)

    def defaults_written_by(self, key: str) -> str | None:
        """The table that `set(key, …)` writes into the file with its built-in defaults first:
        one a service reads whole (config_defaults.REPLACED_WHOLE) that `key` lies in and the
        file lacks. Were the new key written alone, it would stand instead of every default of
        the table (one priority with an SLA target, the others with none)."""
        from crmcli.config_defaults import REPLACED_WHOLE

        parts = key.split(".")
        for table in REPLACED_WHOLE:
            names = table.split(".")
            if parts[: len(names)] == names and len(parts) > len(names) and not _has_path(self.data, names):
                return table
        return None

    def save(self) -> None:
        text = self._text
        if not text and self.data:  # made from data alone, neither read from a file nor set()
            import tomli_w

            text = tomli_w.dumps(self.data)
        write_atomic(self.path, text, newline=self.newline, bom=self.bom)
        self.exists = True


def write_atomic(path: str | Path, text: str, newline: str = "\n", bom: bool = False) -> None:
    """Write through a temporary file in the same folder and rename: never a torn file.

    A symlink is followed (a config kept with the dotfiles): the file it points to is
    replaced and the link stays a link. A file replaced keeps its permissions; a new one
    is readable by its owner alone (mkstemp's 0600). Each "\n" of `text` is written as
    `newline`, after a UTF-8 byte-order mark when `bom`. A file crm may not write is
    refused: the folder would let the rename replace it, against its owner's wish.
    """
    import stat
    from pathlib import Path

    real = Path(os.path.realpath(path))
    shown = f"{path} (a link to {real})" if os.path.islink(path) else str(path)
    try:
        mode: int | None = stat.S_IMODE(os.stat(real).st_mode)
    except FileNotFoundError:
        mode = None
    from crmcli.permissions import writable

    if mode is not None and not writable(real):  # mode 0444, or immutable
        raise ConfigError(f"The config file {shown} is read-only; nothing was changed.")
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"The config file {shown} cannot be written: its folder {real.parent} cannot be made "
            f"({_reason(exc)}); nothing was changed."
        ) from exc
    if not writable(real.parent):  # as root, mkstemp would not stop at a folder made 0555
        import errno

        raise _unwritable(shown, real.parent, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))
    import tempfile  # only writers pay for it (~4 ms at start-up)

    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
        with os.fdopen(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline=newline) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError):  # its own words would name the temporary file, not the config's
            raise _unwritable(shown, real.parent, exc) from exc
        raise


def _unwritable(shown: str, folder: Path, exc: OSError) -> ConfigError:
    import errno

    if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        return ConfigError(
            f"The config file {shown} cannot be written: its folder {folder} is read-only; "
            "nothing was changed."
        )
    return ConfigError(
        f"The config file {shown} cannot be written in its folder {folder}: {_reason(exc)}; "
        "nothing was changed."
    )


# A comment that is a table header, as the starter's `# [[team]]`: the first line of an example
# the user may uncomment, after which every key below it belongs to that table.
_COMMENTED_HEADER = r"^\s*#\s*\[\[?\s*[A-Za-z0-9_\-.\"' ]+\]\]?\s*(#.*)?$"


def _put(node: Any, key: str, value: Any) -> None:
    """Set `key` in the tomlkit table or document `node`: a key it has keeps its place; a new
    one goes above a commented-out table example, so uncommenting it does not capture the key."""
    from tomlkit.items import Table

    container = node.value if isinstance(node, Table) else node
    position = None if key in node else _example_start(getattr(container, "body", []))
    if position is None:
        node[key] = value  # in place, or after the last key before the first table
    else:
        # tomlkit has no public way to insert at a position (0.12-0.15); the tests of
        # `config set` above a commented example fail should a release change this.
        container._insert_at(position, key, value)


def _blank_line_before_new_tables(old: str, new: str) -> str:
    """`new` with one blank line before each table header that is not in `old` and follows a
    line that is not blank: tomlkit puts a new table straight under an empty table's header,
    or under the last line of a file that did not end with a newline."""
    import difflib
    import tomllib

    old_lines, lines = old.split("\n"), new.split("\n")
    added: list[int] = []
    matcher = difflib.SequenceMatcher(None, old_lines, lines, autojunk=False)
    for tag, _, _, start, end in matcher.get_opcodes():
        if tag in ("insert", "replace"):
            added.extend(i for i in range(start, end) if i > 0 and re.match(_HEADER, lines[i]))
    spaced = list(lines)
    for index in reversed(added):
        if spaced[index - 1].strip():
            spaced.insert(index, "")
    text = "\n".join(spaced)
    if text == new:
        return new
    # A header-like line inside a multi-line text value is no header: leave such a file be.
    try:
        return text if tomllib.loads(text) == tomllib.loads(new) else new
    except tomllib.TOMLDecodeError:
        return new


def _example_start(body: list[tuple[Any, Any]]) -> int | None:
    """Where the first commented-out table example above the first real table begins: its
    paragraph of comments, less the blank lines that part it from the keys above."""
    from tomlkit.items import AoT, Comment, Table, Whitespace

    for index, (key, item) in enumerate(body):
        if isinstance(item, Table | AoT) and key is not None and not key.is_dotted():
            return None  # a real header comes first: tomlkit already puts new keys above it
        if isinstance(item, Comment) and re.match(_COMMENTED_HEADER, item.as_string()):
            while index > 0 and isinstance(body[index - 1][1], Comment):
                index -= 1
            while index > 0 and isinstance(body[index - 1][1], Whitespace):
                index -= 1
            return index
    return None


def _table_at(document: Any, parts: list[str], key: str) -> Any:
    """The tomlkit table at `parts` below `document`, made where it is missing."""
    import tomlkit

    node: Any = document
    for part in parts:
        if part not in node:
            node[part] = tomlkit.table()
        node = node[part]
        if not isinstance(node, dict):
            raise ConfigError(f"Cannot set {key}: {part} is not a table.")
    return node


def _built_in(table: str) -> dict[str, Any]:
    """The built-in default of a table, whatever the file says (it may fail the checks)."""
    from crmcli.config_defaults import settings_in_force

    return dict(_dotted(settings_in_force(DEFAULTS, {}), table, {}))


def _read_text(path: str | Path) -> tuple[str, bool, str] | None:
    """The file's text as tomllib takes it (None when there is no file): without the UTF-8
    byte-order mark Notepad writes, which TOML does not allow, and with its lines ended by
    "\n"; then whether it had the mark, and the line ending it had."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
            seen = handle.newlines  # the line endings met: None, "\n", "\r\n" or a tuple of them
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read the config file {path}: {_reason(exc)}.") from exc
    bom = text.startswith("\ufeff")
    newline = "\r\n" if seen == "\r\n" or (isinstance(seen, tuple) and "\r\n" in seen) else "\n"
    return (text[1:] if bom else text), bom, newline


def _parse(path: str | Path, text: str) -> dict[str, Any]:
    import tomllib  # only when there is a file to read

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from exc


def _zone_name(value: Any) -> Any:
    """A time zone name of the config as it is checked and used, stripped: " Europe/Oslo "
    passes the check, and must then not be read as an unknown zone."""
    return value.strip() if isinstance(value, str) else value


def _zones_in_use(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with each time zone name of the config as it is used (_zone_name): what
    `crm config show` and `get` print. The file's own text is left as it is."""
    out = dict(data)
    if "timezone" in out:
        out["timezone"] = _zone_name(out["timezone"])
    if isinstance(out.get("team"), list):
        out["team"] = [
            {**m, "timezone": _zone_name(m["timezone"])} if isinstance(m, dict) and "timezone" in m else m
            for m in out["team"]
        ]
    if isinstance(out.get("business_hours"), dict) and "timezone" in out["business_hours"]:
        out["business_hours"] = {
            **out["business_hours"],
            "timezone": _zone_name(out["business_hours"]["timezone"]),
        }
    return out


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)


def _has_path(data: Any, path: KeyPath | list[str]) -> bool:
    """Whether `data` has a value at `path` (names and list positions)."""
    node = data
    for part in path:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def _dotted(data: dict[str, Any], key: str, default: Any) -> Any:
    node: Any = data
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return default
    return node


def _overlay(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on top of `base`, tables merged key by key at every depth. A list is replaced
    whole: a file's [[pipelines]] stand instead of the built-in one, not beside it."""
    out = _deep_copy(base)
    for key, value in over.items():
        below = out.get(key)
        out[key] = _overlay(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
    return out


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


# Patterns as text, compiled (and cached by re) on the first error message rather than at import.
_HEADER = r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$"
_KEY = r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*="


def locate(text: str, path: KeyPath) -> int | None:
    """The line of `path` in the TOML source, best effort: the key's line, else its table's."""
    if not text or not path:
        return None
    names = [p for p in path if isinstance(p, str)]
    table_counts: dict[str, int] = {}
    current: list[str] = []
    current_index: list[int] = []
    best: int | None = None
    best_depth = 0  # how many names of `path` the line in `best` spells out
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(_HEADER, line)
        if header:
            current = [part.strip().strip("\"'") for part in header.group(2).split(".")]
            dotted = ".".join(current)
            if header.group(1) == "[[":
                table_counts[dotted] = table_counts.get(dotted, -1) + 1
                # A new [[pipelines]] starts its own [[pipelines.stages]], counted from 0.
                for inner in [name for name in table_counts if name.startswith(f"{dotted}.")]:
                    del table_counts[inner]
            current_index = [table_counts.get(".".join(current[: i + 1]), 0) for i in range(len(current))]
            if current == names[: len(current)] and _indexes_match(path, current, current_index):
                if len(current) > best_depth:
                    best, best_depth = number, len(current)
            continue
        key = re.match(_KEY, line)
        if not key:
            continue
        parts = current + [p.strip().strip("\"'") for p in key.group(1).split(".")]
        if parts == names and _indexes_match(path, current, current_index):
            return number
        # A key inside an inline table (`when = { value = 5 }`) is found by its outer key.
        if (
            parts == names[: len(parts)]
            and len(parts) > best_depth
            and _indexes_match(path, current, current_index)
        ):
            best, best_depth = number, len(parts)
    return best


def _indexes_match(path: KeyPath, current: list[str], current_index: list[int]) -> bool:
    """Whether the [[array]] occurrences we are in are the ones `path` points at."""
    wanted: list[int] = []
    for i, part in enumerate(path):
        if isinstance(part, int) and i > 0 and isinstance(path[i - 1], str):
            position = sum(1 for p in path[:i] if isinstance(p, str)) - 1
            if position < len(current):
                wanted.append(part)
                if current_index[position] != part:
                    return False
    return True


STARTER = """\
# crm configuration. Every key is optional; delete what you do not need.
# Reference: `crm config show` prints the settings in force, defaults included.

# Who you are when --user and CRM_USER are not given (a handle from [[team]]).
# user = "ada"

# Amounts in other currencies are converted to this one in totals and reports.
base_currency = "EUR"

# Phone numbers written without +country code are read as numbers of this country.
# default_country = "NO"

# Your time zone, when no [[team]] entry gives one.
# timezone = "Europe/Oslo"

week_start = "monday"

# [[team]]
# handle = "ada"
# name = "Ada Lovelace"
# email = "ada@example.com"
# role = "founder"
# timezone = "Europe/London"
# active = true
"""
