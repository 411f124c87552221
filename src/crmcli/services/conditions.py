"""Conditions of routing rules: TOML data, checked when the config loads, never `eval`'d.

A condition is one TOML table of one of these shapes:

    { field = "users", op = ">", value = 50 }        a test of one field
    { all = [ condition, ... ] }                      every one holds
    { any = [ condition, ... ] }                      at least one holds
    { not = condition }                               it does not hold

Operators (symbols accepted too): eq (=, ==), ne (!=), gt (>), ge (>=), lt (<), le (<=),
in, not_in, contains, starts_with, matches (a regular expression), exists (value true or
false, true when left out). `op` defaults to eq.

Field names are resolved against the record an event is about and the records around
it: a bare name is a built-in field of the record, then of its contact, then of its
company (`employees` on a lead is its company's); a name no record kind has is a custom
field (`users`), looked for on the record, then the contact, then the company. Prefixes
make it explicit: `contact.country`, `company.tags`, `case.priority`, `event.target`.
Bare `tags` is every tag of the record, its contact and its company together.

`compile_condition` checks a condition against the types of the fields it names (a text
compared with a number, an unknown priority, a bad regular expression, an owner who is
not on the team) and reports every problem to a config Checker; `evaluate` then runs it
on `Facts` and explains the verdict condition by condition. Custom fields are stored as
text: compared with a number they are converted deliberately, and a value that is not a
number stops the rule with `Uncomparable` rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmcli.config import Checker, KeyPath

OPERATORS = (
    "eq", "ne", "gt", "ge", "lt", "le", "in", "not_in", "contains", "starts_with", "matches", "exists",
)  # fmt: skip
ALIASES = {"=": "eq", "==": "eq", "!=": "ne", ">": "gt", ">=": "ge", "<": "lt", "<=": "le"}
SYMBOLS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<=", "in": "in",
           "not_in": "not in", "contains": "contains", "starts_with": "starts with",
           "matches": "matches", "exists": "exists"}  # fmt: skip
ORDERING = ("gt", "ge", "lt", "le")


class Uncomparable(Exception):
    """A value found in the data cannot be compared as the condition asks."""


# --- the fields a condition can name -----------------------------------------------------


@dataclass(frozen=True)
class FieldType:
    kind: str  # text | number | choice | tags | handle | country | queue | custom | any
    choices: tuple[str, ...] = ()
    ordered: bool = False  # choices are listed lowest first and can be compared

    @property
    def textual(self) -> bool:
        return self.kind in ("text", "choice", "handle", "country", "queue")


TEXT = FieldType("text")
NUMBER = FieldType("number")
TAGS = FieldType("tags")
HANDLE = FieldType("handle")
COUNTRY = FieldType("country")
QUEUE = FieldType("queue")
CUSTOM = FieldType("custom")  # custom fields: text that may be compared as numbers
ANY = FieldType("any")  # event data


def _choice(values: Iterable[str], ordered: bool = False) -> FieldType:
    return FieldType("choice", tuple(values), ordered)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, FieldType]]:
    """The built-in fields of each kind of record, by the names conditions use."""
    from crmcli.models import LIFECYCLE_STAGES
    from crmcli.services.cases import CHANNELS, PRIORITIES, STATUSES

    stamps = {"id": NUMBER, "created_at": TEXT, "updated_at": TEXT}
    return {
        "contact": {
            **stamps, "name": TEXT, "email": TEXT, "phone": TEXT, "title": TEXT,
            "lifecycle_stage": _choice(LIFECYCLE_STAGES), "source": TEXT, "owner": HANDLE,
            "country": COUNTRY, "timezone": TEXT, "language": TEXT, "birthday": TEXT,
            "customer_since": TEXT, "churned_at": TEXT,
        },
        "company": {
            **stamps, "name": TEXT, "domain": TEXT, "industry": TEXT, "employees": NUMBER,
            "annual_revenue": NUMBER, "revenue_currency": TEXT, "country": COUNTRY, "owner": HANDLE,
        },
        "deal": {
            **stamps, "title": TEXT, "pipeline": TEXT, "stage": TEXT,
            "status": _choice(("open", "won", "lost")), "amount": NUMBER, "currency": TEXT,
            "close_date": TEXT, "owner": HANDLE, "kind": _choice(("new", "upsell", "cross-sell")),
            "lost_reason": TEXT,
        },
        "case": {
            **stamps, "subject": TEXT, "priority": _choice(PRIORITIES, ordered=True),
            "channel": _choice(CHANNELS), "status": _choice(STATUSES), "queue": QUEUE,
            "owner": HANDLE, "escalation_level": NUMBER, "opened_at": TEXT,
            "first_response_at": TEXT, "resolved_at": TEXT, "closed_at": TEXT,
        },
    }  # fmt: skip


def levels_of(kind: str) -> tuple[str, ...]:
    """The records a condition sees for an event about a record of `kind`, nearest first."""
    return {"contact": ("contact", "company"), "company": ("company",),
            "deal": ("deal", "contact", "company"),
            "case": ("case", "contact", "company")}[kind]  # fmt: skip


@dataclass(frozen=True)
class Where:
    """Where a field's value is found: a column, a custom field, tags, or the event."""

    source: str  # column | custom | tags | event
    level: str | None  # contact | company | deal | case; None = search the chain / all
    name: str

    def label(self) -> str:
        return self.name if self.level is None else f"{self.level}.{self.name}"


_NAME = re.compile(r"[A-Za-z0-9_-]+")


def resolve(name: str, kind: str) -> tuple[Where, FieldType]:
    """Where `name` is looked up for an event about a `kind` record, and its type.

    Raises ValueError with a sentence fragment when the name cannot be used.
    """
    fields = catalogue()
    chain = levels_of(kind)
    prefix, dot, rest = name.partition(".")
    if dot:
        if prefix == "event":
            if not _NAME.fullmatch(rest):
                raise ValueError(f"{name!r} is not a field name")
            return Where("event", None, rest), ANY
        if prefix not in fields:
            raise ValueError(f"{name!r} starts with an unknown record kind (use "
                             f"{', '.join(p + '.' for p in (*chain, 'event'))})")  # fmt: skip
        if prefix not in chain:
            raise ValueError(f"events about a {kind} have no {prefix} to test")
        if not _NAME.fullmatch(rest):
            raise ValueError(f"{name!r} is not a field name")
        if rest == "tags":
            return Where("tags", prefix, "tags"), TAGS
        if rest in fields[prefix]:
            return Where("column", prefix, rest), fields[prefix][rest]
        return Where("custom", prefix, rest), CUSTOM
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a field name (letters, digits, '_' or '-', with an "
                         f"optional prefix such as company.)")  # fmt: skip
    if name == "tags":
        return Where("tags", None, "tags"), TAGS
    for level in chain:
        if name in fields[level]:
            return Where("column", level, name), fields[level][name]
    return Where("custom", None, name), CUSTOM


# --- the compiled form -------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    field: str
    op: str
    value: Any  # Decimal, str, bool, or a tuple of those for in / not_in
    where: Where
    type: FieldType
    pattern: re.Pattern[str] | None = None

    def describe(self) -> str:
        if self.op == "exists":
            return f"{self.field} exists" if self.value else f"{self.field} does not exist"
        return f"{self.field} {SYMBOLS[self.op]} {show(self.value)}"


@dataclass(frozen=True)
class Group:
    mode: str  # all | any | not
    children: tuple[Node, ...]

    def describe(self) -> str:
        return {"all": "all of", "any": "any of", "not": "not"}[self.mode]


@dataclass(frozen=True)
class Always:
    def describe(self) -> str:
        return "no condition"


Node = Leaf | Group | Always


def leaves(node: Node) -> Iterator[Leaf]:
    """Every test in a condition, however deeply nested."""
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, Group):
        for child in node.children:
            yield from leaves(child)


@dataclass
class Context:
    """What checking a condition needs to know beyond the condition itself."""

    kind: str  # the kind of record the rule's event is about
    team: dict[str, bool]  # handle -> active
    queues: tuple[str, ...]


def compile_condition(data: Any, ctx: Context, checker: Checker, path: KeyPath) -> Node | None:
    """The condition in `data`, or None after reporting every problem to `checker`."""
    if not isinstance(data, dict):
        checker.add(path, "must be a table: { field = ..., op = ..., value = ... }, "
                    "{ all = [...] }, { any = [...] } or { not = {...} }")  # fmt: skip
        return None
    shapes = [key for key in ("field", "all", "any", "not") if key in data]
    if len(shapes) != 1:
        what = "has none of" if not shapes else f"has {' and '.join(shapes)}; it needs exactly one of"
        checker.add(path, f"{what} field, all, any, not")
        return None
    shape = shapes[0]
    if shape == "field":
        return _compile_leaf(data, ctx, checker, path)
    for key in data:
        if key != shape:
            checker.add((*path, key), f"cannot stand beside {shape}")
    if shape == "not":
        child = compile_condition(data["not"], ctx, checker, (*path, "not"))
        return None if child is None else Group("not", (child,))
    items = data[shape]
    if not isinstance(items, list) or not items:
        checker.add((*path, shape), "must be a non-empty list of conditions")
        return None
    children = [compile_condition(item, ctx, checker, (*path, shape, i)) for i, item in enumerate(items)]
    if any(child is None for child in children):
        return None
    return Group(shape, tuple(c for c in children if c is not None))


def _compile_leaf(data: dict[str, Any], ctx: Context, checker: Checker, path: KeyPath) -> Leaf | None:
    before = len(checker.problems)
    for key in data:
        if key not in ("field", "op", "value"):
            checker.add((*path, key), "is not part of a condition (field, op, value)")
    name = data["field"]
    if not checker.expect(name, str, (*path, "field"), "the name of a field"):
        return None
    try:
        where, ftype = resolve(name.strip(), ctx.kind)
    except ValueError as exc:
        checker.add((*path, "field"), str(exc))
        return None
    raw_op = data.get("op", "eq")
    if not checker.expect(raw_op, str, (*path, "op"), "an operator"):
        return None
    op = ALIASES.get(raw_op.strip(), raw_op.strip().lower().replace(" ", "_"))
    if op not in OPERATORS:
        checker.add((*path, "op"), f"{raw_op!r} is not an operator (use one of {', '.join(OPERATORS)}, "
                    "or =, !=, >, >=, <, <=)")  # fmt: skip
        return None
    if "value" not in data and op != "exists":
        checker.add(path, f"needs a value to compare {name} with")
        return None
    value_path = (*path, "value")
    value, pattern = _compile_value(name, op, data.get("value", True), ftype, ctx, checker, value_path)
    if len(checker.problems) > before:
        return None
    return Leaf(name.strip(), op, value, where, ftype, pattern)


def _compile_value(
    name: str, op: str, raw: Any, ftype: FieldType, ctx: Context, checker: Checker, path: KeyPath
) -> tuple[Any, re.Pattern[str] | None]:
    raw = _plain(raw)
    if op == "exists":
        checker.expect(raw, bool, path, "true or false")
        return raw, None
    if op in ("in", "not_in"):
        if not isinstance(raw, list) or not raw:
            checker.add(path, f"must be a non-empty list for {op}")
            return None, None
        if ftype.kind == "tags":
            items = [_tag_value(name, _plain(v), checker, (*path, i)) for i, v in enumerate(raw)]
        else:
            items = [
                _scalar(name, "eq", _plain(v), ftype, ctx, checker, (*path, i)) for i, v in enumerate(raw)
            ]
        return tuple(items), None
    if isinstance(raw, list | dict):
        shape = "a list" if isinstance(raw, list) else "a table"
        checker.add(path, f"must be a single value for {SYMBOLS[op]}, not {shape}")
        return None, None
    if op == "matches":
        if ftype.kind == "number":
            checker.add(path, f"cannot be a pattern: {name} is a number (compare it with > or <)")
            return None, None
        if not checker.expect(raw, str, path, "a regular expression (text)"):
            return None, None
        try:
            return raw, re.compile(raw)
        except re.error as exc:
            checker.add(path, f"{raw!r} is not a valid regular expression: {exc}")
            return None, None
    if op in ("contains", "starts_with"):
        if ftype.kind == "number":
            checker.add(path, f"cannot be used with {SYMBOLS[op]}: {name} is a number")
            return None, None
        if op == "contains" and ftype.kind == "tags":
            return _tag_value(name, raw, checker, path), None
        return _text_value(name, raw, checker, path), None
    if ftype.kind == "tags":
        checker.add(path, f"cannot be compared with {SYMBOLS[op]}: {name} is a list of tags "
                    "(use contains, in, not_in, starts_with, matches or exists)")  # fmt: skip
        return None, None
    if op in ORDERING and ftype.kind == "choice" and not ftype.ordered:
        checker.add(path, f"cannot be compared with {SYMBOLS[op]}: {name} has no order "
                    f"(use eq, ne, in or not_in with {', '.join(ftype.choices)})")  # fmt: skip
        return None, None
    return _scalar(name, op, raw, ftype, ctx, checker, path), None


def _plain(raw: Any) -> Any:
    """TOML dates and times become ISO text, which compares like the stored timestamps."""
    if isinstance(raw, datetime | date | time):
        return raw.isoformat()
    return raw


def _text_value(name: str, raw: Any, checker: Checker, path: KeyPath) -> str | None:
    if isinstance(raw, bool) or not isinstance(raw, str):
        checker.add(path, f"must be text here, not {_describe(raw)}")
        return None
    return raw


def _tag_value(name: str, raw: Any, checker: Checker, path: KeyPath) -> str | None:
    """A tag that a condition looks for (contains, in, not_in): one crm could have stored."""
    text = _text_value(name, raw, checker, path)
    return None if text is None else check_tag(text, checker, path)


def check_tag(text: str, checker: Checker, path: KeyPath) -> str | None:
    """A tag named in the config (a rule's add_tags, a condition's tag) as the commands take
    a tag on entry, or None once the problem is told: a tag no command can store would be
    stored by a rule, or never be found by a condition."""
    from crmcli.errors import Invalid
    from crmcli.validate import tag

    if "," in text or ";" in text:
        # Commas and semicolons separate tags everywhere a tag is typed or imported: a tag
        # holding one would come back from an export as two.
        checker.add(path, f"{text!r} holds a comma or semicolon, which separate tags; write each tag apart")
        return None
    try:
        return tag(text)
    except Invalid as exc:
        sentence = str(exc).rstrip(".")  # told after the key, as the config's problems are
        checker.add(path, sentence[:1].lower() + sentence[1:])
        return None


def _scalar(
    name: str, op: str, raw: Any, ftype: FieldType, ctx: Context, checker: Checker, path: KeyPath
) -> Any:
    """One value to compare `name` with, normalised to how that field is stored."""
    if isinstance(raw, bool):
        checker.add(path, "cannot be true or false here (booleans are only for exists)")
        return None
    if isinstance(raw, float) and raw != raw:
        checker.add(path, "cannot be nan: it is equal to nothing and has no order; write a number")
        return None
    if ftype.kind == "number":
        if isinstance(raw, str):
            checker.add(path, f"is the text {raw!r}, but {name} is a number: write {raw} without quotes"
                        if _number_or_none(raw) is not None else
                        f"is the text {raw!r}, but {name} is a number")  # fmt: skip
            return None
        return _decimal(raw)
    if ftype.kind in ("custom", "any"):
        if isinstance(raw, int | float):
            return _decimal(raw)
        return _text_value(name, raw, checker, path)
    # text-like fields
    if isinstance(raw, int | float):
        checker.add(path, f'is the number {raw}, but {name} is text: write "{raw}" in quotes')
        return None
    text = _text_value(name, raw, checker, path)
    if text is None:
        return None
    if ftype.kind == "choice":
        folded = text.strip().lower()
        if folded not in ftype.choices:
            checker.add(path, f"{text!r} is not a possible {name} (one of {', '.join(ftype.choices)})")
            return None
        return folded
    if ftype.kind == "handle":
        if ctx.team and text not in ctx.team:
            checker.add(path, f"{text!r} is not on the team")
            return None
        return text
    if ftype.kind == "country":
        return _country(text, checker, path)
    if ftype.kind == "queue":
        if text not in ctx.queues:
            checker.add(path, f"{text!r} is not a queue (known: {', '.join(ctx.queues)})")
            return None
    return text


def _country(text: str, checker: Checker, path: KeyPath) -> str | None:
    if re.fullmatch(r"[A-Z]{2}", text):
        return text  # already a code; looking it up would import pycountry on every command
    from crmcli.errors import Invalid
    from crmcli.validate import country_code

    try:
        return country_code(text)
    except Invalid:
        checker.add(path, f"{text!r} is not an ISO country code or name (countries are stored as NO, SE …)")
        return None


def _decimal(value: int | float) -> Decimal:
    return Decimal(str(value))


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return (
        "a list"
        if isinstance(value, list)
        else "a table"
        if isinstance(value, dict)
        else type(value).__name__
    )


# --- numbers in text ---------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:[ _\u00a0\u202f]\d{3})+)(?:\.\d+)?")


def _number_or_none(text: str) -> Decimal | None:
    """A number written as text: "100", "-3.5", "1 000" or "1_000"; None for anything else.

    A comma is never guessed at: "1,5" and "1,000" mean different things in different
    countries, so they are not numbers here.
    """
    stripped = text.strip()
    if not _NUMBER.fullmatch(stripped):
        return None
    try:
        return Decimal(re.sub(r"[ _\u00a0\u202f]", "", stripped))
    except InvalidOperation:
        return None


def as_number(value: Any, label: str) -> Decimal:
    """A stored value as a number, or Uncomparable naming the value."""
    if isinstance(value, bool):
        raise Uncomparable(f"{label} is {str(value).lower()}, not a number")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        number = _number_or_none(value)
        if number is not None:
            return number
    raise Uncomparable(f"{label} is {show(value)}, which is not a number")


# --- facts and evaluation ----------------------------------------------------------------


@dataclass
class Level:
    """One record as conditions see it: built-in fields, custom fields, tags."""

    columns: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


@dataclass
class Facts:
    kind: str  # the kind of record the event is about
    levels: dict[str, Level]  # by kind; the record's own kind is always there
    event: dict[str, Any] = field(default_factory=dict)

    def lookup(self, where: Where) -> tuple[bool, Any]:
        """(found, value) for a field; an unset field is not found."""
        if where.source == "event":
            value = self.event.get(where.name)
            return value is not None, value
        if where.source == "tags":
            if where.level is None:
                tags: list[str] = []
                for level in levels_of(self.kind):
                    for tag in self.levels.get(level, Level()).tags:
                        if tag not in tags:
                            tags.append(tag)
                return True, tags
            return True, list(self.levels.get(where.level, Level()).tags)
        if where.source == "column":
            value = self.levels.get(where.level or self.kind, Level()).columns.get(where.name)
            return value is not None, value
        for level in (where.level,) if where.level else levels_of(self.kind):
            found = self.levels.get(level or self.kind, Level()).custom.get(where.name)
            if found is not None:
                return True, found
        return False, None


@dataclass
class Trace:
    """How one node of a condition was decided, for `rules test` and the history."""

    text: str
    result: bool | None  # None: not evaluated (an earlier part decided the group)
    detail: str = ""
    children: list[Trace] = field(default_factory=list)

    def lines(self, indent: int = 0) -> list[str]:
        verdict = {True: "yes", False: "no", None: "not needed"}[self.result]
        detail = f" ({self.detail})" if self.detail else ""
        own = f"{'  ' * indent}{self.text}: {verdict}{detail}"
        return [own] + [line for child in self.children for line in child.lines(indent + 1)]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"condition": self.text, "result": self.result}
        if self.detail:
            out["detail"] = self.detail
        if self.children:
            out["children"] = [c.as_dict() for c in self.children]
        return out


def evaluate(node: Node, facts: Facts) -> Trace:
    """Decide `node` on `facts`; raises Uncomparable when data cannot be compared."""
    if isinstance(node, Always):
        return Trace(node.describe(), True)
    if isinstance(node, Group):
        return _evaluate_group(node, facts)
    return _evaluate_leaf(node, facts)


def _evaluate_group(node: Group, facts: Facts) -> Trace:
    if node.mode == "not":
        inner = evaluate(node.children[0], facts)
        return Trace("not", not inner.result, children=[inner])
    children: list[Trace] = []
    decided: bool | None = None
    stop_on = node.mode == "any"  # any stops at the first yes, all at the first no
    for child in node.children:
        if decided is not None:
            children.append(Trace(child.describe(), None))
            continue
        trace = evaluate(child, facts)
        children.append(trace)
        if trace.result is stop_on:
            decided = stop_on
    result = decided if decided is not None else not stop_on
    return Trace(node.describe(), result, children=children)


def _evaluate_leaf(leaf: Leaf, facts: Facts) -> Trace:
    found, actual = facts.lookup(leaf.where)
    label = leaf.field
    if leaf.type.kind == "tags":
        shown = f"{label}: {', '.join(actual)}" if actual else f"{label}: none"
        return Trace(leaf.describe(), _tags_test(leaf, actual), shown)
    if not found:
        result = (leaf.op == "exists" and leaf.value is False) or leaf.op in ("ne", "not_in")
        return Trace(leaf.describe(), result, f"{label} is not set")
    detail = f"{label} is {show(actual)}"
    if leaf.op == "exists":
        return Trace(leaf.describe(), leaf.value is True, detail)
    return Trace(leaf.describe(), _compare(leaf, actual, label), detail)


def _tags_test(leaf: Leaf, tags: list[str]) -> bool:
    from crmcli.validate import fold

    folded = [fold(t) for t in tags]
    if leaf.op == "exists":
        return bool(tags) is leaf.value
    if leaf.op == "contains":
        return fold(leaf.value) in folded
    if leaf.op in ("in", "not_in"):
        hit = any(fold(v) in folded for v in leaf.value)
        return hit if leaf.op == "in" else not hit
    if leaf.op == "starts_with":
        return any(t.startswith(fold(leaf.value)) for t in folded)
    if leaf.op == "matches":
        assert leaf.pattern is not None
        return any(leaf.pattern.search(t) for t in tags)
    raise AssertionError(f"operator {leaf.op} was accepted for tags")  # compile refuses it


def _compare(leaf: Leaf, actual: Any, label: str) -> bool:
    from crmcli.validate import fold

    op, wanted = leaf.op, leaf.value
    if op == "matches":
        assert leaf.pattern is not None
        return leaf.pattern.search(str(actual)) is not None
    if op in ("contains", "starts_with"):
        text, part = fold(str(actual)), fold(wanted)
        return part in text if op == "contains" else text.startswith(part)
    if op in ("in", "not_in"):
        hit = any(_equal(actual, item, leaf, label) for item in wanted)
        return hit if op == "in" else not hit
    if op in ("eq", "ne"):
        same = _equal(actual, wanted, leaf, label)
        return same if op == "eq" else not same
    left, right = _ordered(actual, wanted, leaf, label)
    return {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[op]


def _equal(actual: Any, wanted: Any, leaf: Leaf, label: str) -> bool:
    from crmcli.validate import fold

    if isinstance(wanted, Decimal):
        return as_number(actual, label) == wanted
    if isinstance(actual, int | float | Decimal) and not isinstance(actual, bool):
        number = _number_or_none(wanted)
        return number is not None and Decimal(actual) == number
    return fold(str(actual)) == fold(str(wanted))


def _ordered(actual: Any, wanted: Any, leaf: Leaf, label: str) -> tuple[Any, Any]:
    from crmcli.validate import fold

    if isinstance(wanted, Decimal):
        return as_number(actual, label), wanted
    if leaf.type.kind == "choice" and leaf.type.ordered:
        choices = leaf.type.choices
        if str(actual) not in choices:
            raise Uncomparable(f"{label} is {show(actual)}, which is not one of {', '.join(choices)}")
        return choices.index(str(actual)), choices.index(wanted)
    if isinstance(actual, int | float | Decimal) and not isinstance(actual, bool):
        raise Uncomparable(f"{label} is the number {actual}, which cannot be ordered against text")
    return fold(str(actual)), fold(str(wanted))


def show(value: Any) -> str:
    """A value as rules and explanations write it: 100, "NO", ["NO", "SE"]."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    text = str(value).replace('"', '\\"')
    if not text.isprintable():  # a line break or a control character is written as an escape
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return '"' + text + '"'
