"""The `[[rules]]` section of the config: its shape, its checks, and its compiled form.

Each rule names an event (`on`), an optional condition (`when`, see services.conditions)
and actions. `compile_rules` checks everything that can be known before a rule runs —
unknown keys and operators, values of the wrong type for the field they are compared
with, regular expressions, team members, roles, queues and priorities — and reports
every problem with its key, so that `crm rules check` lists them all and loading the
config refuses a broken file before any command changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcli.config import Checker, Config, KeyPath
    from crmcli.services.conditions import Node

ACTION_KEYS = (
    "escalate",
    "queue",
    "priority",
    "assign",
    "assign_round_robin",
    "assign_least_busy",
    "add_tags",
    "set",
)  # fmt: skip  (also the order in which a rule's actions are applied)
RULE_KEYS = ("name", "on", "when", "continue", "enabled", "description", *ACTION_KEYS)
CASE_ONLY = ("escalate", "queue", "priority")
ASSIGNING = ("assign", "assign_round_robin", "assign_least_busy")


def kind_of_event(name: str) -> str:
    """The kind of record an event is about: lead.created is about a contact."""
    prefix = name.partition(".")[0]
    return {"lead": "contact", "contact": "contact", "company": "company", "deal": "deal",
            "case": "case"}.get(prefix, prefix)  # fmt: skip


# --- the compiled rules ------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    kind: str  # one of ACTION_KEYS
    value: Any  # handle, queue, priority, tuple of tags, dict of fields, True
    candidates: tuple[str, ...] = ()  # round robin / least busy: everyone named, in order
    active: tuple[str, ...] = ()  # the candidates who are active
    source: str = ""  # how the candidates were named: "role sales", "queue first-line"

    def describe(self) -> str:
        if self.kind == "assign":
            return f"assign {self.value}"
        if self.kind in ("assign_round_robin", "assign_least_busy"):
            how = "round robin" if self.kind == "assign_round_robin" else "least busy"
            return f"assign {how} over {self.source or ', '.join(self.candidates)}"
        if self.kind == "add_tags":
            return "add tags " + ", ".join(self.value)
        if self.kind == "set":
            return "set " + ", ".join(f"{k} = {v}" for k, v in self.value.items())
        if self.kind == "escalate":
            return "escalate"
        return f"{self.kind} {self.value}"


@dataclass(frozen=True)
class Rule:
    index: int  # position in the file, from 0
    name: str
    on: str
    when: Node
    actions: tuple[Action, ...]
    keep_going: bool = False  # `continue = true`
    enabled: bool = True

    @property
    def kind(self) -> str:
        return kind_of_event(self.on)


def compile_rules(value: Any, document: dict[str, Any], checker: Checker, path: KeyPath) -> list[Rule]:
    """The rules in `value`, each checked; every problem goes to `checker`."""
    from crmcli.services import events
    from crmcli.services.conditions import Always, Context, compile_condition

    if not checker.expect(value, list, path, "a list of [[rules]] tables"):
        return []
    team_rows = [
        m for m in document.get("team", []) if isinstance(m, dict) and isinstance(m.get("handle"), str)
    ]
    team = {m["handle"]: m.get("active", True) is not False for m in team_rows}
    roles: dict[str, list[str]] = {}
    for member in team_rows:
        if isinstance(member.get("role"), str):
            roles.setdefault(member["role"], []).append(member["handle"])
    queues_cfg = document.get("queues")
    queues = tuple(queues_cfg) if isinstance(queues_cfg, dict) else tuple(_default_queues())
    rules: list[Rule] = []
    names: set[str] = set()
    for index, spec in enumerate(value):
        where = (*path, index)
        if not checker.expect(spec, dict, where, "a [[rules]] table"):
            continue
        before = len(checker.problems)
        for key in spec:
            if key not in RULE_KEYS:
                checker.add((*where, key), f"is not a rule setting (known: {', '.join(RULE_KEYS)})")
        name = spec.get("name")
        if name is None:
            checker.add(where, "needs a name")
        elif checker.expect(name, str, (*where, "name"), "text") and name in names:
            checker.add((*where, "name"), f"{name!r} names two rules; names must be unique")
        if isinstance(name, str):
            names.add(name)
        on = spec.get("on")
        # A missing or unknown event does not stop the rest of the rule from being checked
        # (`crm rules check` lists every problem): what depends on the kind of record is
        # checked when the event's first word still names it ("lead.creatd" is about a
        # contact), and left out when it does not.
        kind: str | None = None
        known = ", ".join(events.EVENT_NAMES)
        if on is None:
            checker.add(where, f'needs on = "EVENT" (one of {known})')
        elif checker.expect(on, str, (*where, "on"), "an event name"):
            if on not in events.EVENT_NAMES:
                checker.add((*where, "on"), f"{on!r} is not an event (one of {known})")
            if kind_of_event(on) in {kind_of_event(event) for event in events.EVENT_NAMES}:
                kind = kind_of_event(on)
        for key in ("continue", "enabled"):
            if key in spec:
                checker.expect(spec[key], bool, (*where, key), "true or false")
        if "description" in spec:
            checker.expect(spec["description"], str, (*where, "description"), "text")
        when: Node | None = None
        if kind is not None:
            when = Always()
            if "when" in spec:
                ctx = Context(kind=kind, team=team, queues=queues)
                when = compile_condition(spec["when"], ctx, checker, (*where, "when"))
        actions = _compile_actions(spec, kind, team, roles, document, queues, checker, where)
        if len(checker.problems) == before and when is not None and isinstance(name, str):
            rules.append(Rule(index, name, on, when, tuple(actions),
                              keep_going=spec.get("continue", False) is True,
                              enabled=spec.get("enabled", True) is not False))  # fmt: skip
    return rules


def _default_queues() -> dict[str, Any]:
    from crmcli.services.cases import DEFAULT_QUEUES

    return DEFAULT_QUEUES


def _compile_actions(
    spec: dict[str, Any],
    kind: str | None,  # None: the event is unknown, so what depends on it is left unchecked
    team: dict[str, bool],
    roles: dict[str, list[str]],
    document: dict[str, Any],
    queues: tuple[str, ...],
    checker: Checker,
    where: KeyPath,
) -> list[Action]:
    from crmcli.services.cases import PRIORITIES

    actions: list[Action] = []
    assigning = [key for key in ASSIGNING if key in spec]
    if len(assigning) > 1:
        checker.add((*where, assigning[1]), f"cannot stand beside {assigning[0]}: a rule assigns one way")
    for key in ACTION_KEYS:
        if key not in spec:
            continue
        value, at = spec[key], (*where, key)
        if key in CASE_ONLY and kind not in (None, "case"):
            checker.add(at, f"applies to cases only, and this rule's event is about a {kind}")
            continue
        if key == "assign":
            if checker.expect(value, str, at, "a team handle") and _member(value, team, checker, at):
                actions.append(Action("assign", value))
        elif key in ("assign_round_robin", "assign_least_busy"):
            found = _candidates(value, team, roles, document, checker, at)
            if found:
                candidates, source = found
                active = tuple(h for h in candidates if team.get(h))
                actions.append(Action(key, None, candidates, active, source))
        elif key == "queue":
            if checker.expect(value, str, at, "the name of a queue"):
                if value in queues:
                    actions.append(Action("queue", value))
                else:
                    checker.add(at, f"{value!r} is not a queue (known: {', '.join(queues)})")
        elif key == "priority":
            if checker.expect(value, str, at, "a priority"):
                if value in PRIORITIES:
                    actions.append(Action("priority", value))
                else:
                    checker.add(at, f"{value!r} is not a priority (one of {', '.join(PRIORITIES)})")
        elif key == "escalate":
            if checker.expect(value, bool, at, "true or false") and value:
                actions.append(Action("escalate", True))
        elif key == "add_tags":
            tags = _tags(value, checker, at)
            if tags:
                actions.append(Action("add_tags", tags))
        elif key == "set":
            fields = _fields(value, kind, checker, at)
            if fields:
                actions.append(Action("set", fields))
    return actions


def _member(handle: str, team: dict[str, bool], checker: Checker, at: KeyPath) -> bool:
    if handle not in team:
        listed = f"known: {', '.join(team)}" if team else "the config lists no [[team]]"
        checker.add(at, f"{handle!r} is not on the team ({listed})")
        return False
    if not team[handle]:
        checker.add(at, f"{handle!r} is not active on the team; assign someone who is")
        return False
    return True


def _candidates(
    value: Any,
    team: dict[str, bool],
    roles: dict[str, list[str]],
    document: dict[str, Any],
    checker: Checker,
    at: KeyPath,
) -> tuple[tuple[str, ...], str] | None:
    """Everyone a round-robin or least-busy action names: a list, a role, or a queue."""
    if isinstance(value, list):
        if not value:
            checker.add(at, "must name at least one team member")
            return None
        bad = False
        for i, handle in enumerate(value):
            if not isinstance(handle, str):
                checker.add((*at, i), "must be a team handle")
                bad = True
            elif handle not in team:
                listed = f"known: {', '.join(team)}" if team else "the config lists no [[team]]"
                checker.add((*at, i), f"{handle!r} is not on the team ({listed})")
                bad = True
        if bad:
            return None
        if len(set(value)) != len(value):
            checker.add(at, "names someone twice")
            return None
        candidates, source = tuple(value), ""
    elif isinstance(value, dict) and len(value) == 1 and ("role" in value or "queue" in value):
        ((how, name),) = value.items()
        if not checker.expect(name, str, (*at, how), f"the name of a {how}"):
            return None
        if how == "role":
            candidates = tuple(roles.get(name, ()))
            if not candidates:
                known = ", ".join(sorted(roles)) or "none"
                checker.add((*at, how), f"nobody on the team has the role {name!r} (roles: {known})")
                return None
        else:
            queues = document.get("queues")
            spec = queues.get(name) if isinstance(queues, dict) else None
            members = spec.get("members") if isinstance(spec, dict) else None
            if not isinstance(members, list) or not members:
                checker.add((*at, how), f"the queue {name!r} lists no members ([queues.{name}] members)")
                return None
            candidates = tuple(m for m in members if isinstance(m, str) and m in team)
            if not candidates:
                return None  # check_queues reports the members who are not on the team
        source = f"{how} {name}"
    else:
        checker.add(at, 'must be a list of team handles, { role = "..." } or { queue = "..." }')
        return None
    if not any(team.get(h) for h in candidates):
        checker.add(at, f"names nobody who is active ({', '.join(candidates)})")
        return None
    return candidates, source


def _tags(value: Any, checker: Checker, at: KeyPath) -> tuple[str, ...]:
    """add_tags: each one a tag that `crm contact tag` would take, each problem told."""
    from crmcli.services.conditions import check_tag

    if not isinstance(value, list) or not value:
        checker.add(at, 'must be a non-empty list of tags, such as ["vip"]')
        return ()
    tags: list[str] = []
    for i, tag in enumerate(value):
        if not isinstance(tag, str) or not tag.strip():
            checker.add((*at, i), "must be a tag (text)")
        elif (checked := check_tag(tag, checker, (*at, i))) is not None:
            tags.append(checked)
    return tuple(tags) if len(tags) == len(value) else ()


def _fields(value: Any, kind: str | None, checker: Checker, at: KeyPath) -> dict[str, str]:
    from datetime import date, datetime, time

    from crmcli.services.conditions import catalogue
    from crmcli.storage.rules import as_text

    if not isinstance(value, dict) or not value:
        checker.add(at, 'must be a table of custom fields, such as { tier = "gold" }')
        return {}
    out: dict[str, str] = {}
    builtin = catalogue()[kind] if kind is not None else {}
    for key, item in value.items():
        where = (*at, key)
        if key in builtin or key == "tags":
            checker.add(where, f"is a built-in field of a {kind}; set only sets custom fields "
                        "(use assign, queue, priority or add_tags for the others)")  # fmt: skip
        elif not key.replace("_", "").replace("-", "").isalnum():
            checker.add(where, "is not a custom field name (letters, digits, '_' or '-')")
        elif isinstance(item, datetime | date | time):
            out[key] = item.isoformat()
        elif isinstance(item, str | int | float | bool):
            out[key] = as_text(item)
        else:
            checker.add(where, "must be text, a number or true/false")
    return out if len(out) == len(value) else {}


def check_rules(value: Any, checker: Checker, path: KeyPath) -> None:
    """The validator registered for `rules` in config.SECTIONS."""
    compile_rules(value, checker.document, checker, path)


_compiled: dict[int, tuple[Any, list[Rule]]] = {}


def rules_of(config: Config) -> list[Rule]:
    """The config's rules, compiled once per config object."""
    from crmcli.config import Checker
    from crmcli.errors import ConfigError

    raw = config.data.get("rules")
    if not raw:
        return []
    cached = _compiled.get(id(config))
    if cached is not None and cached[0] is raw:
        return cached[1]
    checker = Checker(config.data)
    rules = compile_rules(raw, config.data, checker, ("rules",))
    if checker.problems:
        problems = config.problems() or checker.problems
        raise ConfigError(config.describe(problems[0]))
    _compiled.clear()
    _compiled[id(config)] = (raw, rules)
    return rules


# --- checking a config file ------------------------------------------------------------------


@dataclass(frozen=True)
class FileProblem:
    file: str
    line: int | None
    rule: str | None  # the rule's name, when the problem is inside [[rules]]
    key: str  # dotted, relative to the rule when there is one: when.all[0].value
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "rule": self.rule, "key": self.key,
                "message": self.message}  # fmt: skip

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        rule = f" rule {self.rule}" if self.rule else ""
        return f"{where}:{rule} {self.key}: {self.message}"


@dataclass(frozen=True)
class FileCheck:
    rules: list[Rule]  # compiled, and only when there are no problems
    problems: list[FileProblem]
    count: int | None  # the [[rules]] the file has, problems or not; None when it cannot be read


def check_file(path: Path) -> tuple[list[Rule], list[FileProblem]]:
    """Every problem in the config file at `path` (all sections), and its rules if it has none.

    A missing file has no rules and no problems. Unlike loading the config, this never
    stops at the first problem.
    """
    checked = check_config_file(path)
    return checked.rules, checked.problems


def check_config_file(path: Path) -> FileCheck:
    """check_file, with how many rules the file has even when they have problems."""
    import re
    import tomllib

    from crmcli.config import Checker, Config, format_key

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return FileCheck([], [], 0)
    except (OSError, UnicodeDecodeError) as exc:
        return FileCheck([], [FileProblem(str(path), None, None, "(file)", f"cannot be read: {exc}")], None)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        return FileCheck(
            [], [FileProblem(str(path), line, None, "(file)", f"is not valid TOML: {exc}")], None
        )
    config = Config(path=path, data=data, exists=True, _text=text)
    found_rules = data.get("rules")
    raw_rules: list[Any] = found_rules if isinstance(found_rules, list) else []
    problems = []
    for problem in config.problems():
        parts = problem.path
        rule = None
        key = problem.key
        if len(parts) >= 2 and parts[0] == "rules" and isinstance(parts[1], int):
            spec = raw_rules[parts[1]] if parts[1] < len(raw_rules) else None
            name = spec.get("name") if isinstance(spec, dict) else None
            rule = f"rules[{parts[1]}]" + (f' "{name}"' if isinstance(name, str) else "")
            key = format_key(parts[2:]) or "(rule)"
        problems.append(FileProblem(str(path), problem.line, rule, key, problem.message))
    rules = compile_rules(raw_rules, data, Checker(data), ("rules",)) if not problems else []
    return FileCheck(rules, problems, len(raw_rules))
