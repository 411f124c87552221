"""Property-based tests: thousands of generated inputs, never a traceback, always one sentence.

Four doors where a person's (or a file's) text comes in: the CSV reader and the whole
`crm import contacts` path, the date grammar, routing-rule conditions (and the config
that holds them), and record references. Each property says the same thing: the input
is either understood, or refused with a `CrmError` whose message is one sentence on one
line; through the CLI that is `crm: <sentence>` on stderr and exit 1.

The bulk of the examples call the functions in-process (thousands each); fewer go
through the real CLI (CliRunner), all against one database seeded once per module.
Every test is derandomized, so a failure in CI is the same failure on a laptop. The
`@example`s are inputs that once broke a rule; they run every time.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import random
import re
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import event as outcome
from hypothesis import strategies as st

from crmcli.cli import get_root
from crmcli.errors import Ambiguous, CrmError, Invalid, NotFound

# The autouse `isolated_env` fixture (conftest) is function-scoped: it only sets environment
# variables, which all the examples of a test may share, so hypothesis' warning about
# function-scoped fixtures does not apply. The CLI examples can outlast its time budget.
SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


def examples(count: int) -> settings:
    return settings(max_examples=count, deadline=None, derandomize=True, suppress_health_check=SUPPRESSED)


def words(text: str) -> list[str]:
    """A list written as one string, items separated by '|' (items may hold spaces)."""
    return text.split("|")


# What a terminal hands over for bytes that are not UTF-8: lone surrogates (surrogateescape).
argv_text = st.binary(min_size=1, max_size=12).map(lambda raw: raw.decode("utf-8", "surrogateescape"))


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
    pieces = {p for e in echoed for p in (e, e.strip(), repr(e), repr(e.strip())) if p}
    text = message
    for piece in sorted(pieces, key=len, reverse=True):
        text = text.replace(piece, "…")
    text = QUOTED.sub("…", text)
    assert not SENTENCE_BREAK.search(text), f"more than one sentence: {message!r}"


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

CONFIG = r"""
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
when = { all = [{ field = "country", value = "NO" }, { field = "employees", op = ">", value = 50 }] }
assign = "karin"

[[rules]]
name = "Users or tags"
on = "lead.created"
when = { any = [{ field = "users", op = ">=", value = 100 },
                { field = "tags", op = "contains", value = "vip" },
                { not = { field = "email", op = "matches", value = "@gmail\\." } }] }
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
COMPANIES = [
    ("Nordlys Energi AS", "nordlys.example.no"),
    ("Nordlys Bakeri", "bakeri.example.no"),
    ("Fjord & Fjell", None),
    ("Acme", "acme.example"),
]


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


@pytest.fixture(scope="module")
def world_db(world: ModuleCrm):  # noqa: ANN201
    from crmcli.storage.db import open_db

    db = open_db(world.db)
    yield db
    db.close()


# --- the CSV reader ---------------------------------------------------------------------

KNOWN_HEADERS = words(
    "name|Name|email|E-mail 1 - Value|E-mail Address|phone|Mobile Phone|company|Company Name|title|"
    "Job Title|Title|tags|Labels|first name|Last Name|birthday|created at|Create Date|country|owner|"
    "lifecycle stage|uid|id|crm_line|crm_reason|field:vip|field:|field:bad key!|customer since|| "
)
CELL_VALUES = [
    *words(
        "Ingrid Solberg|ingrid@nordlys.example.no|not an e-mail|a@b|+47 912 34 567|912 34 567|00|2026-03-27|"
        "27/03/2026|03/27/2026|31/02/2026|yesterday|lead|customer|NO|Norway|Atlantis|karin|nobody|vip, trial|"
        "@SUM(1)|0|-1|1e9|| |Nordlys Energi AS|Acme"
    ),
    "=cmd|' /C calc'!A0",
    "x" * 300,
]
TRICKY_TEXT = st.text(
    alphabet=st.sampled_from([*",;|\t\"'\n\r \ufeff\x00\\=+-@#", "a", "é", "ø", "李"]), max_size=12
)
# Mostly the values files really hold (cheap to draw), some awkward text, some anything.
headers = st.lists(
    st.one_of(
        st.sampled_from(KNOWN_HEADERS), st.sampled_from(KNOWN_HEADERS), TRICKY_TEXT, st.text(max_size=8)
    ),
    min_size=1,
    max_size=5,
)
cells = st.one_of(
    st.sampled_from(CELL_VALUES), st.sampled_from(CELL_VALUES), TRICKY_TEXT, st.text(max_size=10)
)


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
    rows = draw(st.lists(st.lists(cells, min_size=max(0, width - 1), max_size=width + 1), max_size=4))
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


CONTACT_COLUMNS = words("email|phone|company|title|country|tags|birthday|lifecycle stage|owner|field:vip")
CONTACT_SAMPLES = {
    "email": st.one_of(st.emails(), st.sampled_from(["", "not an e-mail", "ola@example.no"])),
    "phone": st.sampled_from(["+47 912 34 567", "912 34 567", "", "12", "+1 (415) 555-0100"]),
    "company": st.sampled_from(["Nordlys Energi AS", "New Company", "", "Acme"]),
    "country": st.sampled_from(["NO", "Sweden", "", "Atlantis"]),
    "birthday": st.sampled_from(["1980-05-17", "--05-17", "17/05/1980", "1980-02-30", ""]),
    "lifecycle stage": st.sampled_from(["lead", "customer", "MQL", "nonsense", ""]),
    "owner": st.sampled_from(["karin", "tester", "nobody", ""]),
}
names = st.one_of(
    st.sampled_from(["Kari Nordmann", "Ola", "Åse Ødegård", ""]), st.text(min_size=1, max_size=12)
)


@st.composite
def contact_files(draw: st.DrawFn) -> bytes:
    """Contact files as people export them, mostly good rows: so that imports also succeed."""
    columns = draw(st.lists(st.sampled_from(CONTACT_COLUMNS), unique=True, max_size=4))
    row = st.tuples(names, *[CONTACT_SAMPLES.get(c, st.text(max_size=8)) for c in columns])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=draw(st.sampled_from([",", ";", "\t"])), lineterminator="\r\n")
    writer.writerow(["name", *columns])
    writer.writerows(draw(st.lists(row, min_size=1, max_size=4)))
    return buffer.getvalue().encode("utf-8")


encodings = st.one_of(
    st.none(),
    st.sampled_from(words("utf-8|cp1252|latin-1|utf-16|UTF8|ascii|rot13|base64|no-such-codec||utf-32")),
)
delimiters = st.one_of(
    st.none(),
    st.sampled_from([",", ";", "tab", "\\t", "TAB", "pipe", "|", '"', "\n", "", ",,", "comma", "x", " "]),
)
map_targets = words("email|ignore|field:vip|field:bad key|nonsense||skip|first-name|-")
map_pairs = st.lists(
    st.one_of(
        st.builds("{}={}".format, st.sampled_from([*KNOWN_HEADERS, "Nope"]), st.sampled_from(map_targets)),
        st.text(max_size=12),
    ),
    max_size=2,
)


def read_all(data: bytes, encoding: str | None, delimiter: str | None, maps: list[str]) -> None:
    """Read a whole file as `crm import contacts` does before it validates rows."""
    from crmcli.io.csv_reader import CsvSource
    from crmcli.io.headers import map_headers, parse_maps

    overrides = parse_maps(maps)
    with CsvSource("-", encoding=encoding, delimiter=delimiter, stdin=io.BytesIO(data)) as source:
        mapping = map_headers("contacts", source.header, overrides, ignore_unmapped=False)
        assert len(mapping.columns) == len(source.header) and any(source.header)
        for record in source.records():
            assert record.line >= 2 and record.cells


@examples(2500)
@given(data=csv_files(), encoding=encodings, delimiter=delimiters, maps=map_pairs)
@example(data=b"\x00\x00", encoding="utf-16", delimiter=None, maps=[])  # UnicodeError: no BOM
@example(data=b"\x00", encoding="rot13", delimiter=None, maps=[])  # TypeError: not a text encoding
@example(data=b"name", encoding=None, delimiter=None, maps=["0=0\r0"])  # the --map echoed on two lines
def test_the_csv_reader_reads_or_refuses_in_one_sentence(
    data: bytes, encoding: str | None, delimiter: str | None, maps: list[str]
) -> None:
    try:
        read_all(data, encoding, delimiter, maps)
    except CrmError as exc:
        outcome("refused")
        assert_one_sentence(exc.message, *maps, encoding or "", delimiter or "")
    else:
        outcome("read")


# Valid CSV in each encoding the reader recognises by its byte-order mark: read back as written.
@examples(500)
@given(
    rows=st.lists(st.lists(st.text(max_size=8), min_size=2, max_size=2), min_size=1, max_size=6),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]),  # the last three write a BOM
)
@example(rows=[["Åse", "a@b.no"]], delimiter=",", encoding="utf-32")  # its BOM was taken for UTF-16's
def test_quoted_csv_round_trips_through_the_reader(
    rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    from crmcli.io.csv_reader import CsvSource

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(["name", "email"])
    writer.writerows(rows)
    with CsvSource("-", delimiter=delimiter, stdin=io.BytesIO(buffer.getvalue().encode(encoding))) as source:
        assert source.header == ["name", "email"]
        got = [r.cells for r in source.records()]
    # Rows of blank cells are skipped; every other row comes back exactly as written.
    assert got == [r for r in rows if any(c.strip() for c in r)]


IMPORT_FLAGS = words(
    "--dry-run|--partial|--ignore-unmapped|--json|--on-duplicate=update|--on-duplicate=error|"
    "--on-duplicate=maybe|--default-country=SE|--default-country=Atlantis|--date-format=DD/MM/YYYY|"
    "--date-format=%d.%m.%Y|--date-format=%Q|--tag=imported|--tag=bad tag!"
)


@examples(150)
@given(
    data=st.one_of(csv_files(), contact_files()),
    encoding=st.one_of(st.none(), st.none(), encodings),
    delimiter=st.one_of(st.none(), st.none(), delimiters),
    flags=st.lists(st.sampled_from(IMPORT_FLAGS), max_size=3, unique=True),
)
@example(data=b"0", encoding=None, delimiter=None, flags=[])  # no name column: AttributeError in close()
def test_crm_import_contacts_exits_0_or_1_with_one_sentence(
    world: ModuleCrm, data: bytes, encoding: str | None, delimiter: str | None, flags: list[str]
) -> None:
    options = [*flags]
    if encoding is not None:
        options.append(f"--encoding={encoding}")
    if delimiter is not None:
        options.append(f"--delimiter={delimiter}")
    result = world("import", "contacts", "-", *options, input=data)
    outcome(f"exit {result.exit_code}")
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    if result.exit_code == 1:
        assert_cli_failure_line(result.stderr, encoding or "", delimiter or "")
    else:
        assert "crm: " not in result.stderr


def test_imported_names_are_one_line_as_crm_add_makes_them(world: ModuleCrm) -> None:
    data = 'name,email\n"Zed\nTwolines",zed@example.org\n"Ypsilon\u0085Nel",y@example.org\n'.encode()
    result = world("import", "contacts", "-", input=data)
    assert result.exit_code == 0, result.stderr
    for email, name in (("zed@example.org", "Zed Twolines"), ("y@example.org", "Ypsilon Nel")):
        shown = world("show", "--json", email)
        assert shown.exit_code == 0, shown.stderr
        assert json.loads(shown.stdout)["contact"]["name"] == name


# --- the date grammar -------------------------------------------------------------------
# tests/test_dates.py throws arbitrary text at one time zone and one "now"; these build
# text from the grammar's own productions and words (where the edges are: huge counts,
# impossible days, DST gaps) and vary the zone, the moment and the default time.

ZONES = words(
    "UTC|Europe/Oslo|America/New_York|America/Santiago|Australia/Lord_Howe|Pacific/Kiritimati|"
    "Pacific/Pago_Pago|Asia/Kolkata|America/St_Johns"
)
WORDS = (
    "in ago next last this at a an one + - today tod tomorrow tom yesterday now eod sod eow sow eom som eoy "
    "soy noon midnight am pm monday mon tues thurs fri sunday dec december jan february feb min mins h hr "
    "hours d day days w wk weeks m mo month months y yr years 15:00 23:59:59 24:00 25:00 00:60 3pm 12am 13pm "
    "0am 2026-03-29 2026-02-29 2024-02-29 2026-13-01 0001-01-01 9999-12-31 2026-03-29T02:30 T Z +05:00 / , . "
    "st th of 5 29 31 0 00 9999 10000 -0 1e3 ½ ٣ １"
).split()
UNITS = "min mins minutes h hr hours d day days w wk weeks m mo month months y yr years parsecs".split() + [
    ""
]
DAYS = words(
    "today|tomorrow|yesterday|eod|sod|eow|sow|eom|som|eoy|soy|monday|next friday|last monday|this sun|next|"
    "5 dec 2026|december 5|29 feb|2026-03-29|31 apr 2026|dec 2026"
)
numbers = st.one_of(st.integers(0, 100), st.integers(0, 10**25)).map(str)
clock_times = st.one_of(
    st.sampled_from(words("15:00|23:59:59|24:00|02:30|3pm|12am|13pm|noon|midnight|at 9am|at 7:45 pm|")),
    st.builds("{}:{:02d}".format, st.integers(0, 30), st.integers(0, 70)),
)
# Productions of the grammar itself, so that many inputs parse and the edges are reached.
grammar_dates = st.one_of(
    st.builds(
        "in {} {}".format, st.one_of(numbers, st.sampled_from(["a", "an", "one"])), st.sampled_from(UNITS)
    ),
    st.builds("{}{}{}".format, st.sampled_from(["", "+", "-"]), numbers, st.sampled_from(UNITS)),
    st.builds("{} {} ago".format, numbers, st.sampled_from(UNITS)),
    st.builds("{} {}".format, st.sampled_from(DAYS), clock_times),
    st.builds("in {} days {}".format, numbers, clock_times),
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from([None, UTC, ZoneInfo("Asia/Kolkata")]),
    ).map(datetime.isoformat),
    st.dates().map(lambda d: d.isoformat()),
    st.builds(
        "{}-{:02d}-{:02d} {}".format,
        st.integers(1890, 3010),
        st.integers(0, 13),
        st.integers(0, 32),
        clock_times,
    ),
)
word_soup = st.builds(
    lambda parts, sep: sep.join(parts),
    st.lists(st.one_of(st.sampled_from(WORDS), numbers, st.text(max_size=3)), min_size=1, max_size=5),
    st.sampled_from([" ", "", "  ", "\t", "-", ":"]),
)
date_texts = st.one_of(grammar_dates, grammar_dates.map(str.upper), word_soup)
moments = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC)
)


@examples(2500)
@given(
    text=date_texts,
    now=moments,
    zone=st.sampled_from(ZONES),
    default=st.one_of(st.none(), st.times()),
    day=st.booleans(),
)
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
        outcome("refused")
        assert_one_sentence(exc.message, text)
        return
    outcome("a date")
    assert result.tzinfo is not None
    # An aware result must be a real moment: it survives a trip through UTC.
    assert result.astimezone(UTC).astimezone(tz) == result


AS_OF_COMMANDS = [("pipeline",), ("forecast",), ("agenda",), ("report", "weekly"), ("report", "monthly")]


@examples(200)
@given(text=st.one_of(date_texts, argv_text), command=st.sampled_from(AS_OF_COMMANDS))
@example(text="1000-01-01T00:00:00", command=("report", "weekly"))  # a year-999 stamp in the KPIs
@example(text="9999-12-31", command=("agenda",))  # OverflowError: date value out of range
def test_as_of_dates_on_the_command_line_exit_0_or_1(
    world: ModuleCrm, text: str, command: tuple[str, ...]
) -> None:
    result = world(*command, f"--as-of={text}")
    outcome(f"exit {result.exit_code}")
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    if result.exit_code == 1:
        assert_cli_failure_line(result.stderr, text)


# --- rule conditions --------------------------------------------------------------------


def _field_names() -> list[str]:
    from crmcli.services.conditions import catalogue

    bare = {name for fields in catalogue().values() for name in fields}
    prefixed = {f"{kind}.{name}" for kind, fields in catalogue().items() for name in fields}
    odd = words(
        "tags|contact.tags|company.tags|deal.tags|event.target|event.|event.a b|users|tier|company.users|"
        "nothing.x|contact.|.name|a.b.c|na me|| country "
    )
    return sorted(bare | prefixed) + odd


FIELD_NAMES = _field_names()
OPS = words(
    "eq|ne|gt|ge|lt|le|in|not_in|contains|starts_with|matches|exists|=|==|!=|>|>=|<|<=|EQ| gt |not in|"
    "starts with|~|"
)
VALUES_SEEN = words(
    "NO|no|Norway|Atlantis|lead|customer|high|urgent|low|open|won|karin|gone|nobody|first-line|second-line|"
    "vip|100|1 000|1,5|abc|.*|(|[a-|a{2,1}|(?P<x>|\\|"
)
toml_scalars = st.one_of(
    st.sampled_from(VALUES_SEEN),
    st.text(max_size=8),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),  # nan and inf too: TOML has them
    st.booleans(),
    st.one_of(st.datetimes(timezones=st.one_of(st.none(), st.just(UTC))), st.dates(), st.times()),
)
toml_values = st.one_of(
    toml_scalars,
    st.lists(toml_scalars, max_size=4),
    st.dictionaries(st.text(max_size=4), toml_scalars, max_size=2),
)


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    """A condition's leaf with any parts: names, operators and values that may not fit at all."""
    leaf: dict[str, Any] = {
        "field": draw(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8), toml_scalars))
    }
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


# Leaves whose parts fit together (a number field, an ordering, a number), so that the
# compiler accepts them often and evaluation gets exercised, with TOML's nan and inf too.
SPECIAL_FLOATS = [float("nan"), float("inf"), float("-inf"), 1e308, -0.0, 0.1]
NUMERIC_FIELDS = words(
    "employees|company.employees|annual_revenue|amount|escalation_level|id|users|contact.users"
)
fitting_leaves = st.one_of(
    st.fixed_dictionaries(
        {
            "field": st.sampled_from([*NUMERIC_FIELDS, "event.target"]),
            "op": st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le", ">", "<=", "=="]),
            "value": st.one_of(st.integers(), st.floats(), st.sampled_from(SPECIAL_FLOATS)),
        }
    ),
    st.fixed_dictionaries(
        {
            "field": st.sampled_from(NUMERIC_FIELDS),
            "op": st.sampled_from(["in", "not_in"]),
            "value": st.lists(st.one_of(st.integers(), st.floats()), min_size=1, max_size=3),
        }
    ),
    st.fixed_dictionaries(
        {
            "field": st.sampled_from(["name", "email", "tags", "country", "users", "title"]),
            "op": st.sampled_from(["contains", "starts_with", "matches", "eq", "exists"]),
            "value": st.one_of(st.sampled_from(VALUES_SEEN), st.text(max_size=5), st.booleans()),
        }
    ),
)
fitting_conditions = st.recursive(
    fitting_leaves,
    lambda children: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, children),
    ),
    max_leaves=5,
)
# Half anything at all (mostly refused), half well-formed trees of fitting leaves (mostly accepted).
conditions = st.one_of(
    st.recursive(st.one_of(leaves(), fitting_leaves, toml_values, st.just({})), _groups, max_leaves=8),
    fitting_conditions,
)

# What a record holds as the database hands it over: text, integers, reals (SQLite has no
# NaN, it has infinities), NULL; custom fields are always text.
stored = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(VALUES_SEEN),
    st.integers(),
    st.floats(allow_nan=False),
    st.decimals(allow_nan=False, allow_infinity=False),
)
custom_text = st.one_of(
    st.text(max_size=8), st.sampled_from(words("100|-3.5|1 000|1_000|1,5|NaN|Infinity|1e5||  7 "))
)
tag_texts = st.one_of(st.sampled_from(["vip", "VIP", "trial", "é"]), st.text(max_size=5))


def make_facts(kind: str, values: list[Any], texts: list[str], tags: list[str], rnd: random.Random) -> Any:
    """A record and the records around it, filled from small pools of generated values.

    Drawing every field with hypothesis is what makes such a test slow; pools drawn once
    per example, handed out by a Random seeded from the example, are varied enough.
    """
    from crmcli.services.conditions import Facts, Level, catalogue, levels_of

    levels = {}
    for level in levels_of(kind):
        if level != kind and rnd.random() < 0.3:
            continue  # a contact without a company, a case without a contact
        columns = {name: rnd.choice(values) for name in catalogue()[level] if rnd.random() < 0.6}
        custom = {name: rnd.choice(texts) for name in ("users", "tier", "x", "country") if rnd.random() < 0.5}
        levels[level] = Level(columns, custom, rnd.sample(tags, rnd.randint(0, len(tags))))
    levels.setdefault(kind, Level())
    event = {name: rnd.choice(values) for name in ("target", "a") if rnd.random() < 0.5}
    return Facts(kind=kind, levels=levels, event=event)


@examples(2000)
@given(
    condition=conditions,
    kind=st.sampled_from(["contact", "company", "deal", "case"]),
    values=st.lists(stored, min_size=1, max_size=6),
    texts=st.lists(custom_text, min_size=1, max_size=4),
    tags=st.lists(tag_texts, max_size=4),
    rnd=st.integers(0, 2**32).map(random.Random),
)
@example(  # decimal.InvalidOperation when run: NaN has no order
    condition={"field": "employees", "op": ">", "value": float("nan")},
    kind="contact",
    values=[5],
    texts=["1"],
    tags=[],
    rnd=random.Random(0),
)
def test_conditions_compile_or_report_problems_and_never_raise_when_run(
    condition: Any, kind: str, values: list[Any], texts: list[str], tags: list[str], rnd: random.Random
) -> None:
    from crmcli.config import Checker
    from crmcli.services.conditions import Context, Uncomparable, compile_condition, evaluate

    checker = Checker()
    context = Context(kind, {"karin": True, "alan": True, "gone": False}, ("first-line", "second-line"))
    node = compile_condition(condition, context, checker, ("when",))
    outcome("refused" if node is None else "compiled")
    if node is None:
        assert checker.problems, f"refused without saying why: {condition!r}"
        for problem in checker.problems:
            # What the config error shows: "<file>, line N: <key> <message>."
            assert_one_sentence(f"{problem.key} {problem.message}.")
        return
    assert not checker.problems, checker.problems
    for _ in range(3):
        facts = make_facts(kind, values, texts, tags, rnd)
        try:
            trace = evaluate(node, facts)
        except Uncomparable as exc:
            outcome("uncomparable data")
            # routing.decide() words it: 'Rule "x" cannot decide …: <exc>; nothing was changed.'
            assert_one_sentence(f"The rule cannot decide: {exc}; nothing was changed.")
            continue
        assert trace.result in (True, False)
        assert trace.lines() and trace.as_dict()  # what `rules test` prints, and its --json


def _rule_specs() -> st.SearchStrategy[dict[str, Any]]:
    """A [[rules]] table with any keys and values, most of them wrong somewhere."""
    from crmcli.services.events import EVENT_NAMES

    set_keys = words("country|lifecycle_stage|users|title|priority|company.x|bad key")
    actions = {
        "escalate": st.one_of(st.booleans(), st.text(max_size=3)),
        "queue": st.sampled_from(["first-line", "second-line", "nowhere", ""]),
        "priority": st.sampled_from(["low", "normal", "high", "urgent", "HIGH", "x"]),
        "assign": st.sampled_from(["karin", "gone", "nobody", ""]),
        "assign_round_robin": st.one_of(
            st.lists(st.sampled_from(["karin", "alan", "gone", "x"]), max_size=3),
            st.sampled_from(["role:sales", "queue:first-line", "role:none"]),
        ),
        "assign_least_busy": st.lists(st.sampled_from(["karin", "alan", "x"]), max_size=3),
        "add_tags": st.one_of(st.lists(st.sampled_from(["vip", "", "a b", "ok"]), max_size=3), toml_scalars),
        "set": st.dictionaries(st.sampled_from(set_keys), toml_scalars, max_size=2),
    }
    return st.fixed_dictionaries(
        {
            "name": st.one_of(st.sampled_from(["A", "B", "A"]), st.text(max_size=5)),
            "on": st.one_of(st.sampled_from(EVENT_NAMES), st.text(max_size=6)),
        },
        optional={
            "when": conditions,
            "continue": toml_scalars,
            "enabled": st.booleans(),
            "description": toml_scalars,
            "colour": toml_scalars,
            **actions,
        },
    )


def _good_rules() -> st.SearchStrategy[list[dict[str, Any]]]:
    """Rules that are mostly right: a known event, a fitting condition, one plain action."""
    action = st.one_of(
        st.fixed_dictionaries({"assign": st.sampled_from(["karin", "alan", "nobody"])}),
        st.fixed_dictionaries(
            {"add_tags": st.lists(st.sampled_from(["vip", "review"]), min_size=1, max_size=2)}
        ),
        st.fixed_dictionaries({"assign_round_robin": st.just(["karin", "alan"])}),
    )
    rule = st.builds(
        lambda on, when, act, keep: {"on": on, "when": when, **act, "continue": keep},
        st.sampled_from(["lead.created", "contact.created", "company.created", "deal.created"]),
        fitting_conditions,
        action,
        st.booleans(),
    )
    return st.lists(rule, max_size=3).map(
        lambda rules: [{"name": f"rule {i}", **r} for i, r in enumerate(rules)]
    )


TEAM_TOML = [
    {"handle": "karin", "role": "sales"},
    {"handle": "alan", "role": "sales"},
    {"handle": "gone", "active": False},
]


@examples(400)
@given(rules=st.one_of(st.lists(_rule_specs(), max_size=3), _good_rules(), toml_scalars))
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
        outcome("refused")
        assert problems, "Config.load refused a file that `crm rules check` passes"
        assert_one_sentence(exc.message.replace(str(path), "FILE"))
        return
    outcome("loaded")
    assert not problems
    assert len(rules_of(config)) == len(found)


set_pairs = st.builds(
    "{}={}".format,
    st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=6)),
    st.one_of(st.sampled_from(VALUES_SEEN), custom_text, st.text(max_size=8), argv_text),
)


@examples(250)
@given(
    event=st.sampled_from(["lead.created", "case.opened", "deal.created"]),
    pairs=st.lists(set_pairs, max_size=3),
)
@example(event="lead.created", pairs=["0\r0=NO"])  # the field echoed on two lines
@example(event="lead.created", pairs=["annual_revenue=0\r0"])  # the value echoed on two lines
def test_rules_test_with_made_up_values_exits_0_or_1(world: ModuleCrm, event: str, pairs: list[str]) -> None:
    result = world("rules", "test", "--event", event, *[arg for pair in pairs for arg in ("--set", pair)])
    outcome(f"exit {result.exit_code}")
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    if result.exit_code == 1:
        parts = [part for pair in pairs for part in (pair, *pair.split("=", 1))]
        assert_cli_failure_line(result.stderr, *parts)


# --- record references ------------------------------------------------------------------

REAL = [name for name, _, _ in CONTACTS] + [name for name, _ in COMPANIES] + [e for _, e, _ in CONTACTS]
NAME_BITS = REAL + words(
    "Ingrid|ingrid|INGRID S|Nordlys|nord|ase|Åse|ASE ØDE|zoe|Zoe O'|李|acme|OLA@EXAMPLE.NO|ingrid@|"
    "@example.no|nordlys.example.no|www.acme.example|#1|#2|1|02|#0|0|# 1|##1|9223372036854775807|"
    "9223372036854775808|99999999999999999999999|company:|contact:|company:acme|contact:ingrid|case:1|deal:1"
)
FTS_BITS = [
    '"',
    "*",
    "AND",
    "OR",
    "NOT",
    "NEAR(",
    "NEAR",
    "^",
    ":",
    "-",
    "(",
    ")",
    "{",
    "}",
    "+",
    "'",
    "\\",
    "%",
]
FTS_BITS += ["_", "\x00", "\n", " "]
# A prefix of a name or an e-mail that is there, in any case, padded: found or ambiguous.
prefixes = st.builds(
    lambda text, cut, case, pad: pad + getattr(text[:cut], case)() + pad,
    st.sampled_from(REAL),
    st.integers(1, 30),
    st.sampled_from(["lower", "upper", "title", "strip"]),
    st.sampled_from(["", " ", "\t"]),
)
references = st.one_of(
    st.text(max_size=20),
    st.sampled_from(NAME_BITS),
    prefixes,
    st.builds("{}:{}".format, st.sampled_from(["company", "contact", "Company ", "deal"]), prefixes),
    st.lists(
        st.one_of(st.sampled_from(NAME_BITS + FTS_BITS), st.text(max_size=3)), min_size=1, max_size=4
    ).map("".join),
)


@examples(2000)
@given(text=references, kind=st.sampled_from(["contact", "company"]))
@example(text="00\x00", kind="contact")  # sqlite3.OperationalError: unterminated string (FTS5)
@example(text="0\r@", kind="contact")  # the e-mail echoed on two lines
def test_references_find_one_record_or_say_why_in_one_sentence(world_db: Any, text: str, kind: str) -> None:
    from crmcli.services import refs

    find = refs.contact_id if kind == "contact" else refs.company_id
    try:
        found = find(world_db, text)
    except Ambiguous as exc:
        outcome("ambiguous")
        assert len(exc.candidates) >= 2
        assert_one_sentence(exc.message, text)
    except (NotFound, Invalid) as exc:
        outcome(type(exc).__name__)
        assert_one_sentence(exc.message, text)
    else:
        outcome("found")
        table = "contacts" if kind == "contact" else "companies"
        assert world_db.scalar(f"SELECT count(*) FROM {table} WHERE id = ?", [found]) == 1


SHOW_COMMANDS = [("show",), ("contact", "show"), ("company", "show"), ("show", "--json")]


@examples(400)
@given(text=st.one_of(references, argv_text), command=st.sampled_from(SHOW_COMMANDS))
@example(text="ab\udcffcd", command=("show",))  # bytes that are not UTF-8: UnicodeEncodeError in SQLite
def test_show_with_any_reference_exits_0_or_1_with_one_sentence(
    world: ModuleCrm, text: str, command: tuple[str, ...]
) -> None:
    result = world(*command, "--", text)
    outcome(f"exit {result.exit_code}")
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    if result.exit_code == 1:
        assert_cli_failure_line(result.stderr, text)
        assert not result.stdout
    else:
        assert result.stdout and not result.stderr


# --- the tally --------------------------------------------------------------------------


def test_the_properties_add_up_to_ten_thousand_inputs() -> None:
    """Issue 8 asks for at least 10,000 generated inputs: a lowered count must show here."""
    counts = [
        test._hypothesis_internal_use_settings.max_examples
        for name, test in vars(sys.modules[__name__]).items()
        if name.startswith("test_") and hasattr(test, "_hypothesis_internal_use_settings")
    ]
    assert len(counts) == 10 and sum(counts) >= 10_000, counts
