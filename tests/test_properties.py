"""Property-based tests: thousands of generated inputs, never a traceback, always one sentence.

Four doors where a person's (or a file's) text comes in: the CSV reader and the whole
`crm import contacts` path, the date grammar, routing-rule conditions (and the config
that holds them), and record references. Each property says the same thing: the input
is either understood, or refused with a `CrmError` whose message is one sentence on one
line; through the CLI that is `crm: <sentence>` on stderr and exit 1.

The bulk of the examples call the functions in-process (thousands each); fewer go
through the real CLI (CliRunner), all against one database seeded once per module.
Every test is derandomized, so a failure in CI is the same failure on a laptop.
"""

from __future__ import annotations

import codecs
import io
import re
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.cli import get_root
from crmcli.errors import Ambiguous, CrmError, Invalid, NotFound

# The autouse `isolated_env` fixture (conftest) is function-scoped: it sets environment
# variables once per test, which every generated example may share, so hypothesis' warning
# about function-scoped fixtures does not apply. Inputs are built from several strategies
# and some examples (a CLI run) take longer than hypothesis' default budget.
SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


def examples(count: int) -> settings:
    return settings(max_examples=count, deadline=None, derandomize=True, suppress_health_check=SUPPRESSED)


# --- what "one sentence" means ----------------------------------------------------------

# Every character str.splitlines() breaks at: a message holding one would print as two lines.
LINE_BREAKS = re.compile(r"[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Quoted text in a message is the input echoed back (repr), not the message's own words.
QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
# A full stop (or ? !) followed by a capital: where a second sentence would start.
SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z]")


def assert_one_sentence(message: str, *echoed: str) -> None:
    """One line, not empty, and no second sentence once echoed input is taken out."""
    assert isinstance(message, str) and message.strip(), f"empty message: {message!r}"
    assert not LINE_BREAKS.search(message), f"message spans lines: {message!r}"
    assert "Traceback" not in message and "Internal error" not in message, message
    words = message
    for piece in sorted({p for e in echoed for p in (e, e.strip(), repr(e), repr(e.strip())) if p},
                        key=len, reverse=True):  # fmt: skip
        words = words.replace(piece, "…")
    words = QUOTED.sub("…", words)
    assert not SENTENCE_BREAK.search(words), f"more than one sentence: {message!r}"


def assert_cli_failure_line(stderr: str, *echoed: str) -> None:
    """The last stderr line is `crm: <one sentence>`; no other line is an error."""
    lines = stderr.splitlines()
    assert lines, "a failure printed nothing on stderr"
    assert "Traceback" not in stderr and "Internal error" not in stderr, stderr
    errors = [line for line in lines if line.startswith("crm: ")]
    assert errors == [lines[-1]], f"want one 'crm: ' line, last: {stderr!r}"
    last = lines[-1].removeprefix("crm: ")
    assert last[-1] in ".?!", stderr
    assert_one_sentence(last, *echoed)


# --- one database and config for the module ---------------------------------------------

CONFIG = """\
timezone = "Europe/Oslo"
default_country = "NO"

[[team]]
handle = "karin"
name = "Karin Berg"

[[team]]
handle = "tester"
name = "Test Person"

[[rules]]
name = "Big Norwegian leads"
on = "lead.created"
when = { all = [ { field = "country", value = "NO" }, { field = "employees", op = ">", value = 50 } ] }
assign = "karin"

[[rules]]
name = "Users or tags"
on = "lead.created"
when = { any = [ { field = "users", op = ">=", value = 100 }, { field = "tags", op = "contains", value = "vip" },
                 { not = { field = "email", op = "matches", value = "@gmail\\\\." } } ] }
add_tags = ["review"]
continue = true

[[rules]]
name = "Urgent cases"
on = "case.opened"
when = { field = "priority", op = ">=", value = "high" }
escalate = true
"""

CONTACTS = [
    ("Ingrid Solberg", "ingrid@nordlys.example.no", "Nordlys Energi AS"),
    ("Ingrid Berg", "ingrid.berg@example.com", "Nordlys Bakeri"),
    ("Ola Nordmann", "ola@example.no", None),
    ("Åse Ødegård", "ase@example.no", "Fjord & Fjell"),
    ("Zoë O'Brien", "zoe@example.ie", None),
    ("李小龙", "li@example.cn", None),
    ("Acme Person", "person@acme.example", "Acme"),
]
COMPANIES = [("Nordlys Energi AS", "nordlys.example.no"), ("Nordlys Bakeri", "bakeri.example.no"),
             ("Fjord & Fjell", None), ("Acme", "acme.example")]  # fmt: skip


class ModuleCrm:
    """The real CLI in-process on the module's database; errors are never re-raised."""

    def __init__(self, db: Path, config: Path) -> None:
        self.db = db
        self.config = config
        self.runner = CliRunner()

    def __call__(self, *args: str, input: bytes | str | None = None):  # noqa: ANN204
        return self.runner.invoke(
            get_root(),
            ["--db", str(self.db), "--config", str(self.config), "--user", "tester", *args],
            input=input,
            env={"NO_COLOR": "1", "COLUMNS": "120", "TZ": "UTC", "CRM_DEBUG": None},
            catch_exceptions=False,
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> ModuleCrm:
    folder = tmp_path_factory.mktemp("properties")
    crm = ModuleCrm(folder / "crm.db", folder / "config.toml")
    crm.config.write_text(CONFIG, encoding="utf-8")
    for name, domain in COMPANIES:
        result = crm("company", "add", name, *(["--domain", domain] if domain else []))
        assert result.exit_code == 0, result.stderr
    for name, email, company in CONTACTS:
        result = crm("add", name, "--email", email, *(["--company", company] if company else []))
        assert result.exit_code == 0, result.stderr
    return crm


# --- the CSV reader ---------------------------------------------------------------------

KNOWN_HEADERS = [
    "name", "Name", "email", "E-mail 1 - Value", "E-mail Address", "phone", "Mobile Phone", "company",
    "Company Name", "title", "Job Title", "Title", "tags", "Labels", "first name", "Last Name", "birthday",
    "created at", "Create Date", "country", "owner", "lifecycle stage", "uid", "id", "crm_line",
    "crm_reason", "field:vip", "field:", "field:bad key!", "customer since", "", " ",
]  # fmt: skip
CELL_VALUES = [
    "Ingrid Solberg", "ingrid@nordlys.example.no", "not an e-mail", "a@b", "+47 912 34 567", "912 34 567",
    "00", "2026-03-27", "27/03/2026", "03/27/2026", "31/02/2026", "yesterday", "lead", "customer",
    "NO", "Norway", "Atlantis", "karin", "nobody", "vip, trial", "=cmd|' /C calc'!A0", "@SUM(1)",
    "0", "-1", "1e9", "", " ", "Nordlys Energi AS", "Acme", "x" * 300,
]  # fmt: skip
TRICKY_TEXT = st.text(alphabet=st.sampled_from(list(',;|\t"\'\n\r \ufeff\x00\\=+-@#') + ["a", "é", "ø", "李"]),
                      max_size=12)  # fmt: skip

headers = st.lists(st.one_of(st.sampled_from(KNOWN_HEADERS), st.text(max_size=10), TRICKY_TEXT),
                   min_size=1, max_size=6)  # fmt: skip
cells = st.one_of(st.sampled_from(CELL_VALUES), st.text(max_size=15), TRICKY_TEXT)


def _quote(cell: str, delimiter: str, style: str) -> str:
    if style == "always" or (style == "needed" and any(c in cell for c in f'{delimiter}"\r\n')):
        return '"' + cell.replace('"', '""') + '"'
    return cell  # "never": raw, even when the cell holds a delimiter or a quote


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """CSV-shaped bytes: headers and rows with awkward cells, delimiters, quoting, endings, BOMs."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))  # one in ten: any bytes at all
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", " ", ":"]))
    style = draw(st.sampled_from(["needed", "needed", "always", "never"]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    header = draw(headers)
    width = len(header)
    rows = draw(st.lists(st.lists(cells, min_size=max(0, width - 1), max_size=width + 1), max_size=5))
    lines = [delimiter.join(_quote(c, delimiter, style) for c in row) for row in [header, *rows]]
    text = ending.join(lines) + draw(st.sampled_from(["", ending, ending * 2]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    mangle = draw(st.sampled_from(["none", "none", "insert", "truncate", "bom"]))
    if mangle == "insert" and data:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    elif mangle == "truncate" and data:
        data = data[: draw(st.integers(0, len(data)))]
    elif mangle == "bom":
        data = draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])) + data
    return data


encodings = st.one_of(st.none(), st.sampled_from(["utf-8", "cp1252", "latin-1", "utf-16", "UTF8", "ascii",
                                                  "rot13", "base64", "no-such-codec", "", "utf-32"]))  # fmt: skip
delimiters = st.one_of(st.none(), st.sampled_from([",", ";", "tab", "\\t", "TAB", "pipe", "|", '"', "\n", "",
                                                   ",,", "comma", "x", " "]))  # fmt: skip
map_pairs = st.lists(
    st.one_of(st.builds("{}={}".format, st.sampled_from(KNOWN_HEADERS + ["Nope"]),
                        st.sampled_from(["email", "ignore", "field:vip", "field:bad key", "nonsense", "",
                                         "skip", "first-name", "-"])),
              st.text(max_size=12)),
    max_size=2,
)  # fmt: skip


def read_all(data: bytes, encoding: str | None, delimiter: str | None, maps: list[str]) -> int:
    """Read a whole file as `crm import contacts` does before validating rows."""
    from crmcli.io.csv_reader import CsvSource
    from crmcli.io.headers import map_headers, parse_maps

    overrides = parse_maps(maps)
    with CsvSource("-", encoding=encoding, delimiter=delimiter, stdin=io.BytesIO(data)) as source:
        mapping = map_headers("contacts", source.header, overrides, ignore_unmapped=False)
        assert len(mapping.columns) == len(source.header)
        assert source.header and any(source.header)
        count = 0
        for record in source.records():
            assert record.line >= 2 and record.cells
            count += 1
    return count


@examples(3000)
@given(data=csv_files(), encoding=encodings, delimiter=delimiters, maps=map_pairs)
def test_the_csv_reader_reads_or_refuses_in_one_sentence(
    data: bytes, encoding: str | None, delimiter: str | None, maps: list[str]
) -> None:
    try:
        read_all(data, encoding, delimiter, maps)
    except CrmError as exc:
        assert_one_sentence(exc.message, *maps, encoding or "", delimiter or "")


# Text that is valid UTF-8 CSV, so the reader must accept it; the records are the rows.
@examples(1000)
@given(
    rows=st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8),
                           min_size=2, max_size=2), min_size=1, max_size=6),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    bom=st.booleans(),
)  # fmt: skip
def test_quoted_csv_round_trips_through_the_reader(rows: list[list[str]], delimiter: str, bom: bool) -> None:
    import csv

    from crmcli.io.csv_reader import CsvSource

    header = ["name", "email"]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = (codecs.BOM_UTF8 if bom else b"") + buffer.getvalue().encode("utf-8")
    with CsvSource("-", delimiter=delimiter, stdin=io.BytesIO(data)) as source:
        assert source.header == header
        got = [r.cells for r in source.records()]
    # Blank records are skipped; every other row comes back exactly as written.
    assert got == [r for r in rows if any(c.strip() for c in r) or len(r) > 1]


@examples(250)
@given(data=csv_files(), encoding=encodings, delimiter=delimiters,
       flags=st.lists(st.sampled_from(["--dry-run", "--partial", "--ignore-unmapped", "--json",
                                       "--on-duplicate=update", "--on-duplicate=error", "--on-duplicate=maybe",
                                       "--default-country=SE", "--default-country=Atlantis",
                                       "--date-format=DD/MM/YYYY", "--date-format=%d.%m.%Y",
                                       "--date-format=%Q", "--tag=imported", "--tag=bad tag!"]),
                      max_size=3, unique=True))  # fmt: skip
def test_crm_import_contacts_exits_0_or_1_with_one_sentence(
    world: ModuleCrm, data: bytes, encoding: str | None, delimiter: str | None, flags: list[str]
) -> None:
    options = [*flags]
    if encoding is not None:
        options.append(f"--encoding={encoding}")
    if delimiter is not None:
        options.append(f"--delimiter={delimiter}")
    result = world("import", "contacts", "-", *options, input=data)
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    if result.exit_code == 1:
        assert_cli_failure_line(result.stderr, encoding or "", delimiter or "")
    else:
        assert "crm: " not in result.stderr


# --- the date grammar -------------------------------------------------------------------
# tests/test_dates.py throws arbitrary text at one time zone and one "now"; these build
# text from the grammar's own words and numbers (where the edge cases are: huge counts,
# impossible days, DST gaps) and vary the zone, the moment and the default time.

ZONES = ["UTC", "Europe/Oslo", "America/New_York", "America/Santiago", "Australia/Lord_Howe",
         "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata", "America/St_Johns"]  # fmt: skip
WORDS = [
    "in", "ago", "next", "last", "this", "at", "a", "an", "one", "+", "-", "today", "tod", "tomorrow", "tom",
    "yesterday", "now", "eod", "sod", "eow", "sow", "eom", "som", "eoy", "soy", "noon", "midnight", "am",
    "pm", "monday", "mon", "tues", "thurs", "fri", "sunday", "dec", "december", "jan", "february", "feb",
    "min", "mins", "h", "hr", "hours", "d", "day", "days", "w", "wk", "weeks", "m", "mo", "month", "months",
    "y", "yr", "years", "15:00", "23:59:59", "24:00", "25:00", "00:60", "3pm", "12am", "13pm", "0am",
    "2026-03-29", "2026-02-29", "2024-02-29", "2026-13-01", "0001-01-01", "9999-12-31", "2026-03-29T02:30",
    "2026-10-25 02:30", "T", "Z", "+05:00", "/", ",", ".", "st", "th", "of", "5", "29", "31", "0", "00",
    "9999", "10000", "-0", "1e3", "½", "٣", "１",
]  # fmt: skip
numbers = st.one_of(st.integers(0, 100), st.integers(0, 10**25)).map(str)
date_words = st.lists(st.one_of(st.sampled_from(WORDS), numbers, st.text(max_size=3)), min_size=1, max_size=5)
date_texts = st.one_of(
    st.builds(lambda words, sep: sep.join(words), date_words, st.sampled_from([" ", "", "  ", "\t", "-", ":"])),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                 timezones=st.sampled_from([None, UTC, ZoneInfo("Asia/Kolkata")])).map(datetime.isoformat),
    st.dates().map(lambda d: d.isoformat()),
)  # fmt: skip
moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC))


@examples(3000)
@given(text=date_texts, now=moments, zone=st.sampled_from(ZONES),
       default=st.one_of(st.none(), st.times()), day=st.booleans())  # fmt: skip
def test_grammar_shaped_dates_parse_or_are_refused_in_one_sentence(
    text: str, now: datetime, zone: str, default: time | None, day: bool
) -> None:
    from crmcli.dates import parse_day, parse_when

    tz = ZoneInfo(zone)
    try:
        if day:
            parse_day(text, now=now, tz=tz)
            return
        result = parse_when(text, now=now, tz=tz, default_time=default)
    except Invalid as exc:
        assert_one_sentence(exc.message, text)
        return
    assert result.tzinfo is not None
    # An aware result must be a real moment: it survives a trip through UTC.
    assert result.astimezone(UTC).astimezone(tz) == result


@examples(300)
@given(text=date_texts,
       command=st.sampled_from([("pipeline",), ("forecast",), ("agenda",), ("report", "weekly"),
                                ("report", "monthly")]))  # fmt: skip
def test_as_of_dates_on_the_command_line_exit_0_or_1(world: ModuleCrm, text: str, command: tuple[str, ...]) -> None:
    result = world(*command, f"--as-of={text}")
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    if result.exit_code == 1:
        assert_cli_failure_line(result.stderr, text)


# --- rule conditions --------------------------------------------------------------------


def _field_names() -> list[str]:
    from crmcli.services.conditions import catalogue

    names = {name for fields in catalogue().values() for name in fields}
    prefixed = {f"{kind}.{name}" for kind, fields in catalogue().items() for name in fields}
    return sorted(names | prefixed) + [
        "tags", "contact.tags", "company.tags", "deal.tags", "event.target", "event.", "event.a b", "users",
        "tier", "company.users", "nothing.x", "contact.", ".name", "a.b.c", "na me", "", " country ",
    ]  # fmt: skip


FIELD_NAMES = _field_names()
OPS = ["eq", "ne", "gt", "ge", "lt", "le", "in", "not_in", "contains", "starts_with", "matches", "exists",
       "=", "==", "!=", ">", ">=", "<", "<=", "EQ", " gt ", "not in", "starts with", "~", ""]  # fmt: skip
VALUES_SEEN = ["NO", "no", "Norway", "Atlantis", "lead", "customer", "high", "urgent", "low", "open", "won",
               "karin", "gone", "nobody", "first-line", "second-line", "vip", "100", "1 000", "1,5", "abc",
               ".*", "(", "[a-", "a{2,1}", "(?P<x>", "\\", ""]  # fmt: skip

toml_scalars = st.one_of(
    st.sampled_from(VALUES_SEEN),
    st.text(max_size=8),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),  # nan and inf too: TOML has them
    st.booleans(),
    st.datetimes(timezones=st.one_of(st.none(), st.just(UTC))),
    st.dates(),
    st.times(),
)
toml_values = st.one_of(toml_scalars, st.lists(toml_scalars, max_size=4),
                        st.dictionaries(st.text(max_size=4), toml_scalars, max_size=2))  # fmt: skip


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    leaf: dict[str, Any] = {"field": draw(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8),
                                                    toml_scalars))}  # fmt: skip
    if draw(st.integers(0, 4)):
        leaf["op"] = draw(st.one_of(st.sampled_from(OPS), st.text(max_size=4), st.integers(), st.booleans()))
    if draw(st.integers(0, 5)):
        leaf["value"] = draw(toml_values)
    if draw(st.integers(0, 9)) == 0:
        leaf[draw(st.sampled_from(["all", "any", "not", "values", "x"]))] = draw(toml_scalars)
    return leaf


def _groups(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(children, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(children, max_size=3)),
        st.builds(lambda x: {"not": x}, children),
        st.builds(lambda x, y: {"all": [x], "field": y}, children, st.sampled_from(FIELD_NAMES)),
        st.builds(lambda x: {"any": x}, children),  # not a list
    )


conditions = st.recursive(st.one_of(leaves(), toml_values, st.just({})), _groups, max_leaves=8)

# What a record can hold, as the database hands it over: text, integers, reals (SQLite has
# no NaN; it has infinities), NULL; custom fields are always text.
stored = st.one_of(st.none(), st.text(max_size=8), st.sampled_from(VALUES_SEEN), st.integers(),
                   st.floats(allow_nan=False), st.decimals(allow_nan=False, allow_infinity=False))  # fmt: skip
custom_text = st.one_of(st.text(max_size=8), st.sampled_from(["100", "-3.5", "1 000", "1_000", "1,5", "NaN",
                                                              "Infinity", "1e5", "", "  7 "]))  # fmt: skip


@st.composite
def facts_for(draw: st.DrawFn, kind: str) -> Any:
    from crmcli.services.conditions import Facts, Level, catalogue, levels_of

    levels = {}
    for level in levels_of(kind):
        if level != kind and draw(st.booleans()):
            continue  # a contact without a company, a case without a contact
        columns = {name: draw(stored) for name in catalogue()[level] if draw(st.integers(0, 2))}
        custom = draw(st.dictionaries(st.sampled_from(["users", "tier", "x", "country"]), custom_text, max_size=3))
        tags = draw(st.lists(st.one_of(st.sampled_from(["vip", "VIP", "trial", "é"]), st.text(max_size=5)),
                             max_size=3))  # fmt: skip
        levels[level] = Level(columns, custom, tags)
    levels.setdefault(kind, Level())
    event = draw(st.dictionaries(st.sampled_from(["target", "a", "from"]), stored, max_size=2))
    return Facts(kind=kind, levels=levels, event=event)


KINDS = ["contact", "company", "deal", "case"]


@examples(3000)
@given(data=st.data(), condition=conditions, kind=st.sampled_from(KINDS))
def test_conditions_compile_or_report_problems_and_never_raise_when_run(
    data: st.DataObject, condition: Any, kind: str
) -> None:
    from crmcli.config import Checker
    from crmcli.services.conditions import Context, Uncomparable, compile_condition, evaluate

    checker = Checker()
    team = {"karin": True, "alan": True, "gone": False}
    node = compile_condition(condition, Context(kind, team, ("first-line", "second-line")), checker, ("when",))
    if node is None:
        assert checker.problems, f"refused without saying why: {condition!r}"
        for problem in checker.problems:
            # What the config error shows: "<file>, line N: <key> <message>."
            assert_one_sentence(f"{problem.key} {problem.message}.")
        return
    assert not checker.problems, checker.problems
    for _ in range(3):
        facts = data.draw(facts_for(kind))
        try:
            trace = evaluate(node, facts)
        except Uncomparable as exc:
            # decide() turns this into one RuleError sentence: 'Rule "x" cannot decide …: <exc>; …'
            assert_one_sentence(f"Rule cannot decide this: {exc}; nothing was changed.")
            continue
        assert trace.result in (True, False)
        assert all(not LINE_BREAKS.search(line) for line in trace.lines())
        trace.as_dict()


def _rule_specs() -> st.SearchStrategy[dict[str, Any]]:
    from crmcli.services.events import EVENT_NAMES

    actions = {
        "escalate": st.one_of(st.booleans(), st.text(max_size=3)),
        "queue": st.sampled_from(["first-line", "second-line", "nowhere", ""]),
        "priority": st.sampled_from(["low", "normal", "high", "urgent", "HIGH", "x"]),
        "assign": st.sampled_from(["karin", "gone", "nobody", ""]),
        "assign_round_robin": st.one_of(st.lists(st.sampled_from(["karin", "alan", "gone", "x"]), max_size=3),
                                        st.sampled_from(["role:sales", "queue:first-line", "role:none"])),
        "assign_least_busy": st.lists(st.sampled_from(["karin", "alan", "x"]), max_size=3),
        "add_tags": st.one_of(st.lists(st.sampled_from(["vip", "", "a b", "ok"]), max_size=3), toml_scalars),
        "set": st.dictionaries(st.sampled_from(["country", "lifecycle_stage", "users", "title", "priority",
                                                "company.x", "bad key"]), toml_scalars, max_size=2),
    }  # fmt: skip
    return st.fixed_dictionaries(
        {"name": st.one_of(st.sampled_from(["A", "B", "A"]), st.text(max_size=5)),
         "on": st.one_of(st.sampled_from(EVENT_NAMES), st.text(max_size=6))},
        optional={"when": conditions, "continue": toml_scalars, "enabled": st.booleans(),
                  "description": toml_scalars, "colour": toml_scalars,
                  **{key: value for key, value in actions.items()}},
    )  # fmt: skip


TEAM_TOML = [{"handle": "karin", "role": "sales"}, {"handle": "alan", "role": "sales"},
             {"handle": "gone", "active": False}]  # fmt: skip


@examples(1000)
@given(rules=st.one_of(st.lists(_rule_specs(), max_size=3), toml_scalars))
def test_rules_in_a_config_file_load_or_fail_with_one_sentence(tmp_path: Path, rules: Any) -> None:
    import tomli_w

    from crmcli.config import Config
    from crmcli.errors import ConfigError
    from crmcli.services.rules import check_file, rules_of

    path = tmp_path / "rules.toml"
    path.write_text(tomli_w.dumps({"team": TEAM_TOML, "rules": rules}), encoding="utf-8")
    found, problems = check_file(path)
    for problem in problems:
        assert_one_sentence(f"{problem.key}: {problem.message}.")
    try:
        config = Config.load(path)
    except ConfigError as exc:
        assert problems, "Config.load refused a file that rules check passes"
        assert_one_sentence(exc.message.replace(str(path), "FILE"))
        return
    assert not problems
    assert len(rules_of(config)) == len(found)


@examples(400)
@given(
    event=st.sampled_from(["lead.created", "case.opened", "lead.created", "deal.created"]),
    pairs=st.lists(st.builds("{}={}".format, st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=6)),
                             st.one_of(st.sampled_from(VALUES_SEEN), custom_text, st.text(max_size=8))),
                   max_size=3),
)  # fmt: skip
def test_rules_test_with_made_up_values_exits_0_or_1(world: ModuleCrm, event: str, pairs: list[str]) -> None:
    args = [arg for pair in pairs for arg in ("--set", pair)]
    result = world("rules", "test", "--event", event, *args)
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    if result.exit_code == 1:
        assert_cli_failure_line(result.stderr, *pairs, *(p.partition("=")[0] for p in pairs),
                                *(p.partition("=")[2] for p in pairs))  # fmt: skip


# --- record references ------------------------------------------------------------------

NAME_BITS = [name for name, _, _ in CONTACTS] + [name for name, _ in COMPANIES] + [
    "Ingrid", "ingrid", "INGRID S", "Nordlys", "nord", "ase", "Åse", "ASE ØDE", "zoe", "Zoe O'", "李", "acme",
    "ola@example.no", "OLA@EXAMPLE.NO", "ingrid@", "@example.no", "nordlys.example.no", "www.acme.example",
    "#1", "#2", "1", "02", "#0", "0", "# 1", "##1", "9223372036854775807", "9223372036854775808",
    "99999999999999999999999", "company:", "contact:", "company:acme", "contact:ingrid", "case:1", "deal:1",
]  # fmt: skip
FTS_BITS = ['"', "*", "AND", "OR", "NOT", "NEAR(", "NEAR", "^", ":", "-", "(", ")", "{", "}", "+", "'", "\\",
            "%", "_", "\x00", "\n", " "]  # fmt: skip
references = st.one_of(
    st.text(max_size=20),
    st.sampled_from(NAME_BITS),
    st.lists(st.one_of(st.sampled_from(NAME_BITS + FTS_BITS), st.text(max_size=3)), min_size=1, max_size=4).map(
        "".join
    ),
)


def _open_world_db(world: ModuleCrm):  # noqa: ANN202
    from crmcli.storage.db import open_db

    return open_db(world.db)


@pytest.fixture(scope="module")
def world_db(world: ModuleCrm):  # noqa: ANN201
    db = _open_world_db(world)
    yield db
    db.close()


@examples(2500)
@given(text=references, kind=st.sampled_from(["contact", "company"]))
def test_references_find_one_record_or_say_why_in_one_sentence(world_db: Any, text: str, kind: str) -> None:
    from crmcli.services import refs

    find = refs.contact_id if kind == "contact" else refs.company_id
    try:
        found = find(world_db, text)
    except Ambiguous as exc:
        assert len(exc.candidates) >= 2
        assert_one_sentence(exc.message, text)
    except (NotFound, Invalid) as exc:
        assert_one_sentence(exc.message, text)
    else:
        table = "contacts" if kind == "contact" else "companies"
        assert world_db.scalar(f"SELECT count(*) FROM {table} WHERE id = ?", [found]) == 1


@examples(600)
@given(text=references, command=st.sampled_from([("show",), ("contact", "show"), ("company", "show"),
                                                 ("show", "--json")]))  # fmt: skip
def test_show_with_any_reference_exits_0_or_1_with_one_sentence(
    world: ModuleCrm, text: str, command: tuple[str, ...]
) -> None:
    result = world(*command, "--", text)
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    if result.exit_code == 1:
        assert_cli_failure_line(result.stderr, text)
        assert not result.stdout
    else:
        assert result.stdout and not result.stderr


# --- the counts add up ------------------------------------------------------------------


def test_at_least_ten_thousand_inputs_are_generated() -> None:
    """The issue asks for 10,000 generated inputs; the settings above are the tally."""
    import sys

    module = sys.modules[__name__]
    total = sum(
        getattr(test, "_hypothesis_internal_use_settings").max_examples
        for name, test in vars(module).items()
        if name.startswith("test_") and hasattr(test, "_hypothesis_internal_use_settings")
    )
    assert total >= 10_000, total

