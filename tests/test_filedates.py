"""Dates as CSV files write them: --date-format reads date columns and date-and-time
columns alike, in the acting user's time zone."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from crmcli.errors import Invalid
from crmcli.io.filedates import DateReader

OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize("fmt", ["DD/MM/YYYY", "%d/%m/%Y", "DD/MM/YYYY HH:mm", "%d/%m/%Y %H:%M"])
def test_one_format_reads_days_and_moments(fmt: str) -> None:
    reader = DateReader(fmt, OSLO)
    assert reader.date("06/02/2026", "close date") == "2026-02-06"
    assert reader.moment("06/02/2026", "won_at") == "2026-02-05T23:00:00Z"  # midnight in Oslo
    assert reader.moment("06/02/2026 10:30", "won_at") == "2026-02-06T09:30:00Z"
    assert reader.date("06/02/2026 10:30", "close date") == "2026-02-06"
    day, moment = reader.parts("31/12/2026 10:30", "won_at")
    assert (
        day == date(2026, 12, 31) and moment is not None and moment.isoformat() == "2026-12-31T10:30:00+01:00"
    )


@pytest.mark.parametrize(
    ("fmt", "cell", "expected"),
    [
        ("DD/MM/YYYY", "31/12/2026 10:30:15", "2026-12-31T09:30:15Z"),
        ("DD/MM/YYYY", "31/12/2026 3:45 PM", "2026-12-31T14:45:00Z"),
        ("DD/MM/YYYY", "31/12/2026T10:30", "2026-12-31T09:30:00Z"),
        ("MM/DD/YYYY", "12/31/2026, 10:30", "2026-12-31T09:30:00Z"),
        ("%d.%m.%Y", "30.06.2026 10.30", "2026-06-30T08:30:00Z"),  # summer time: +02:00
        ("%d %b %Y", "31 Dec 2026 10:30", "2026-12-31T09:30:00Z"),  # a format with a space
        ("DD/MM/YYYY", "2026-12-31 10:30", "2026-12-31T09:30:00Z"),  # ISO 8601 always
    ],
)
def test_a_time_after_the_date_is_read(fmt: str, cell: str, expected: str) -> None:
    assert DateReader(fmt, OSLO).moment(cell, "won_at") == expected


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("06/02/2026 soon", "The won_at '06/02/2026 soon' is not a date written as %d/%m/%Y or YYYY-MM-DD."),
        ("06/02/2026 25:00", "The won_at '06/02/2026 25:00' is not a real date."),
        ("06/02/2026 13:00 PM", "The won_at '06/02/2026 13:00 PM' is not a real date."),
        (
            "31/02/2026 10:30",
            "The won_at '31/02/2026 10:30' is not a date written as %d/%m/%Y or YYYY-MM-DD.",
        ),
        (
            "2026/02/06 10:30",
            "The won_at '2026/02/06 10:30' is not a date written as %d/%m/%Y or YYYY-MM-DD.",
        ),
    ],
)
def test_a_cell_that_is_not_the_format_is_one_sentence(cell: str, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        DateReader("DD/MM/YYYY", OSLO).moment(cell, "won_at")
    assert str(caught.value) == reason


def test_a_format_whose_time_is_not_at_the_end_reads_only_itself() -> None:
    reader = DateReader("%H:%M %d/%m/%Y", OSLO)
    assert reader.moment("10:30 06/02/2026", "won_at") == "2026-02-06T09:30:00Z"
    with pytest.raises(Invalid):
        reader.moment("06/02/2026", "won_at")
