"""Dates refused for a reason say the reason, and the start words (sod, sow, som, soy) are
the start of their day, week, month or year under --due as under --at. "at" and an hour
after a month-name date is that hour; a weekday beside a month and day may pick the year.

"Now" is Wednesday 2 December 2026, 09:00 UTC; the tests run in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpers import every_row, one_sentence

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def crm(crm, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    monkeypatch.setattr("crmcli.clock.utcnow", lambda: NOW)
    crm.ok("add", "Kari")
    return crm


def refused(crm, *args: str) -> str:  # noqa: ANN001
    """The one sentence of a command that must fail with exit 1 and write nothing."""
    before = every_row(crm.db)
    failed = crm.fails(*args)
    assert failed.stdout == ""
    assert every_row(crm.db) == before
    return one_sentence(failed.stderr)


def logged(crm, flag: str, text: str) -> tuple[str, ...]:  # noqa: ANN001
    kind = ("task", "t", "--due") if flag == "--due" else ("call", "c", "--at")
    return ("log", "kari", *kind, text)


WEEKDAY = "crm: 4 Dec 2026 is a Friday, not a Thursday; drop the weekday or fix the date."
AMBIGUOUS = "crm: '05/12/2026' is ambiguous (5 December or 12 May); write 2026-12-05 or 2026-05-12."
SHORT_YEAR = (
    "crm: In 'jan 15 10', 10 is not a year; write the year in full (jan 15 2010) or a time (jan 15 10:00)."
)


REFUSALS = [
    ("thursday 4 dec 2026", WEEKDAY, WEEKDAY),
    # Without a year --due looks ahead (this Saturday) and --at back (last year's Friday).
    ("monday 5 dec", "crm: 5 Dec 2026 is a Saturday, not a Monday; drop the weekday or fix the date.",
     "crm: 5 Dec 2025 is a Friday, not a Monday; drop the weekday or fix the date."),
    ("05/12/2026", AMBIGUOUS, AMBIGUOUS),
    ("05/12/2026 10:00", AMBIGUOUS, AMBIGUOUS),
    ("31/12/2026", *["crm: Cannot read '31/12/2026' as a date, as dates with slashes are ambiguous; "
                     "write 2026-12-31."] * 2),
    ("jan 15 10", SHORT_YEAR, SHORT_YEAR),
    ("5 dec 10", *["crm: In '5 dec 10', 10 is not a year; write the year in full (5 dec 2010) or a time "
                   "(5 dec 10:00)."] * 2),
    ("jan 15 10 3pm", *["crm: In 'jan 15 10 3pm', 10 is not a year; write the year in full "
                        "(jan 15 2010 3pm)."] * 2),
    ("tomorrow 5 dec", *["crm: 'tomorrow 5 dec' names two days; give one."] * 2),
    ("Tomorrow 5 Dec 10:00", *["crm: 'tomorrow 5 dec 10:00' names two days; give one."] * 2),
    ("next monday 10 dec", *["crm: 'next monday 10 dec' names two days; give one."] * 2),
    ("in 3 days 5 dec", *["crm: 'in 3 days 5 dec' names two days; give one."] * 2),
    # A day its month lacks, however it is written; 32 is a day mistyped, not the year 2032.
    ("2026-11-31", *["crm: 2026-11-31 is no date: November 2026 has 30 days."] * 2),
    ("2026-11-31 10:00", *["crm: 2026-11-31 is no date: November 2026 has 30 days."] * 2),
    ("2026-02-30 noon", *["crm: 2026-02-30 is no date: February 2026 has 28 days."] * 2),
    ("2026-13-01", *["crm: 2026-13-01 is no date: months run from 01 to 12."] * 2),
    ("31 nov", *["crm: November has no day 31."] * 2),
    ("nov 31 15:00", *["crm: November has no day 31."] * 2),
    ("29 feb 2027", *["crm: 29 Feb 2027 is no date: February 2027 has 28 days."] * 2),
    ("feb 29, 2027", *["crm: 29 Feb 2027 is no date: February 2027 has 28 days."] * 2),
    ("30 feb 2028", *["crm: 30 Feb 2028 is no date: February 2028 has 29 days."] * 2),
    ("30 feb", *["crm: February has no day 30."] * 2),
    ("32 dec", *["crm: December has no day 32."] * 2),
    ("monday 32 dec at 10", *["crm: December has no day 32."] * 2),
    # "at" and a number is a time of day: never advice to write "7 dec at 2024".
    ("7 dec at 24", *["crm: In '7 dec at 24', 24 is no hour of the day; write one from 0 to 23, or a time "
                      "such as 15:00."] * 2),
    ("7 dec 10", *["crm: In '7 dec 10', 10 is not a year; write the year in full (7 dec 2010) or a time "
                   "(7 dec 10:00)."] * 2),
    # Neither 5 Dec 2025 nor 5 Dec 2026 is a Monday: the date the direction gives is named.
    ("monday 5 dec at 10", "crm: 5 Dec 2026 is a Saturday, not a Monday; drop the weekday or fix the date.",
     "crm: 5 Dec 2025 is a Friday, not a Monday; drop the weekday or fix the date."),
]  # fmt: skip


@pytest.mark.parametrize(("text", "due", "at"), REFUSALS, ids=[text for text, _, _ in REFUSALS])
@pytest.mark.parametrize("flag", ["--due", "--at"])
def test_a_date_refused_for_a_reason_says_the_reason(crm, flag: str, text: str, due: str, at: str) -> None:  # noqa: ANN001
    assert refused(crm, *logged(crm, flag, text)) == (due if flag == "--due" else at)


@pytest.mark.parametrize("text", ["someday", "friday dec", "in may"])
@pytest.mark.parametrize("flag", ["--due", "--at"])
def test_an_unreadable_date_keeps_the_sentence_listing_what_is_read(crm, flag: str, text: str) -> None:  # noqa: ANN001
    sentence = refused(crm, *logged(crm, flag, text))
    assert sentence.startswith(f"crm: Cannot read {text!r} as a date; use YYYY-MM-DD")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("friday 4 dec 2026", "2026-12-04T23:59:59Z"),  # a weekday that agrees is still fine
        ("jan 15 2010", "2010-01-15T23:59:59Z"),  # the forms the refusals suggest are read
        ("jan 15 10:00", "2027-01-15T10:00:00Z"),
        ("2026-12-05", "2026-12-05T23:59:59Z"),
    ],
)
def test_the_forms_a_refusal_suggests_are_read(crm, text: str, expected: str) -> None:  # noqa: ANN001
    assert crm.ok(*logged(crm, "--due", text), "--json").json()["due_at"] == expected


@pytest.mark.parametrize(
    ("text", "due", "at"),
    [
        ("7 dec at 10", "2026-12-07T10:00:00Z", "2025-12-07T10:00:00Z"),
        ("7 dec at 9.30", "2026-12-07T09:30:00Z", "2025-12-07T09:30:00Z"),
        ("jan 15 at 10", "2027-01-15T10:00:00Z", "2026-01-15T10:00:00Z"),
        ("sunday 7 dec 2025 at 0", "2025-12-07T00:00:00Z", "2025-12-07T00:00:00Z"),
        ("4 dec 2026 at 10", "2026-12-04T10:00:00Z", None),
        ("monday 7 dec at 10", "2026-12-07T10:00:00Z", None),
        # As after our own day words, which these always were.
        ("tomorrow at 10", "2026-12-03T10:00:00Z", None),
        ("friday at 10", "2026-12-04T10:00:00Z", None),
        ("yesterday at 10", "2026-12-01T10:00:00Z", "2026-12-01T10:00:00Z"),
    ],
)
def test_at_and_an_hour_after_a_date_is_that_hour(crm, text: str, due: str, at: str | None) -> None:  # noqa: ANN001
    assert crm.ok(*logged(crm, "--due", text), "--json").json()["due_at"] == due
    if at is not None:  # the others are still to come: --at refuses them, as below
        assert crm.ok(*logged(crm, "--at", text), "--json").json()["at"] == at


def in_the_future(text: str, moment: str) -> str:
    return (
        f"crm: --at {text!r} is in the future ({moment}); an activity is logged once it happened, "
        "and one still to come is a follow-up with --due."
    )


@pytest.mark.parametrize(
    ("text", "moment", "due"),
    [
        ("mon 7 dec", "2026-12-07T00:00:00Z", "2026-12-07T23:59:59Z"),
        ("monday 7 dec at 10", "2026-12-07T10:00:00Z", "2026-12-07T10:00:00Z"),
    ],
)
def test_at_with_a_weekday_that_fits_only_the_coming_date_is_refused_as_to_come(
    crm,  # noqa: ANN001
    text: str,
    moment: str,
    due: str,
) -> None:
    """7 Dec 2025 is a Sunday: "drop the weekday" would have logged the note a year ago."""
    assert refused(crm, "log", "kari", "note", "x", "--at", text) == in_the_future(text, moment)
    assert crm.ok(*logged(crm, "--due", text), "--json").json()["due_at"] == due


def test_due_with_a_weekday_that_fits_only_a_past_date_is_refused(crm) -> None:  # noqa: ANN001
    """Sunday 7 Dec is last year's: a follow-up due then would be a year overdue at birth."""
    assert refused(crm, *logged(crm, "--due", "sun 7 dec")) == (
        "crm: 7 Dec 2026 is a Monday, not a Sunday; drop the weekday or fix the date."
    )
    assert crm.ok(*logged(crm, "--at", "sun 7 dec"), "--json").json()["at"] == "2025-12-07T00:00:00Z"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The start words: the start of the day, week, month, year, as a time of day.
        ("sod", "2026-12-02T00:00:00Z"),
        ("sow", "2026-11-30T00:00:00Z"),
        ("som", "2026-12-01T00:00:00Z"),
        ("soy", "2026-01-01T00:00:00Z"),
        ("sow 10", "2026-11-30T10:00:00Z"),
        # Unchanged: a day, and the end words, are due by the end of that day.
        ("today", "2026-12-02T23:59:59Z"),
        ("friday", "2026-12-04T23:59:59Z"),
        ("eod", "2026-12-02T23:59:59Z"),
        ("eow", "2026-12-06T23:59:59Z"),
        ("eom", "2026-12-31T23:59:59Z"),
        ("eoy", "2026-12-31T23:59:59Z"),
    ],
)
def test_due_start_words_are_the_start_and_end_words_the_end(crm, text: str, expected: str) -> None:  # noqa: ANN001
    assert crm.ok(*logged(crm, "--due", text), "--json").json()["due_at"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("sod", "2026-12-02T00:00:00Z"), ("sow", "2026-11-30T00:00:00Z"), ("som", "2026-12-01T00:00:00Z")],
)
def test_at_and_due_agree_on_the_start_words(crm, text: str, expected: str) -> None:  # noqa: ANN001
    assert crm.ok(*logged(crm, "--at", text), "--json").json()["at"] == expected
    assert crm.ok(*logged(crm, "--due", text), "--json").json()["due_at"] == expected


def test_a_task_due_at_the_start_of_the_day_is_due_at_a_time_not_all_day(crm) -> None:  # noqa: ANN001
    """The agenda and the calendar treat 23:59:59 as a whole-day due date: sod is not one."""
    crm.write_config('timezone = "Europe/Oslo"\n')
    due = crm.ok(*logged(crm, "--due", "sod"), "--json").json()["due_at"]
    assert due == "2026-12-01T23:00:00Z"  # 00:00 in Oslo, not 22:59:59Z
