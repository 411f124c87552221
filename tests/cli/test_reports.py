"""crm report weekly|monthly: what the reports hold, that each format parses, and that the
same data and --as-of give the same bytes (through a pipe, with no terminal codes)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from kpi_dataset import build_dataset

MONTHLY = ("report", "monthly", "--as-of", "2026-11-02 08:00")  # October 2026
WEEKLY = ("report", "weekly", "--as-of", "2026-10-12 07:00")  # Monday: the week 5–11 October


@pytest.fixture
def history(crm):  # noqa: ANN001, ANN201
    build_dataset(crm.db, crm.config)
    # `sla check` records the breaches the report lists: case B missed both targets on 9 October.
    assert crm("sla", "check", "--as-of", "2026-10-09 17:00").exit_code == 3
    return crm


def test_monthly_report_holds_kpis_pipeline_cases_activities_and_follow_ups(history) -> None:  # noqa: ANN001
    report = history.ok(*MONTHLY, "--format", "json").json()
    assert report["title"] == "Monthly report" and report["as_of"] == "2026-11-02T07:00:00Z"
    assert (report["period"]["label"], report["previous_period"]["label"]) == ("2026-10", "2026-09")
    kpis = {row["key"]: row for row in report["kpis"]}
    assert (kpis["win_rate"]["value"], kpis["win_rate"]["previous"]) == (0.6667, 1)
    assert kpis["cltv"]["value"] == "6000.00"

    pipeline = report["pipeline"]
    # Created in October: 20 000 SEK, 5000 NOK, 500 EUR, 10 000 SEK and 800 EUR.
    assert pipeline["new"] == [{"pipeline": "sales", "deals": 5, "amount": "4700.00"}]
    assert pipeline["moves"] == [{"pipeline": "sales", "from_stage": "qualification", "to_stage": "proposal",
                                  "moves": 1, "deals": 1}]  # fmt: skip
    assert [(d["title"], d["amount"], d["original"]) for d in pipeline["won"]] == [
        ("Malmö licences", "2000.00", "20,000.00 SEK"),
        ("Fjordline renewal", "1000.00", "1,000.00 EUR"),
    ]
    assert pipeline["won_total"] == {"deals": 2, "amount": "3000.00"}
    assert [(d["title"], d["lost_reason"], d["amount"]) for d in pipeline["lost"]] == [
        ("Bergen pilot", "price", "400.00")
    ]
    assert pipeline["lost_reasons"] == [{"reason": "price", "deals": 1}]

    cases = report["cases"]
    assert (cases["opened"], cases["resolved"], cases["breached"]) == (3, 3, 1)
    by_priority = {row["priority"]: row for row in cases["by_priority"]}
    assert by_priority["high"] == {"priority": "high", "opened": 1, "resolved": 1, "breached": 1}
    assert by_priority["normal"] == {"priority": "normal", "opened": 2, "resolved": 2, "breached": 0}
    assert sorted(b["target"] for b in cases["breaches"]) == ["first_response", "resolution"]

    assert report["activities"]["by_owner"] == [
        {"owner": "alan", "total": 3, "previous": 1, "kinds": {"call": 3}},
        {"owner": "karin", "total": 2, "previous": 0, "kinds": {"email": 1, "task": 1}},
    ]
    follow = report["follow_ups"]
    assert follow["period"]["label"] == "2026-11" and follow["total"] == 1
    assert follow["by_owner"] == [{"owner": "karin", "due": 1}]
    assert follow["items"][0]["due_at"] == "2026-11-03T11:00:00Z"


def test_weekly_report_is_the_last_complete_week(history) -> None:  # noqa: ANN001
    report = history.ok(*WEEKLY, "--format", "json").json()
    assert (report["period"]["first_day"], report["period"]["last_day"]) == ("2026-10-05", "2026-10-11")
    assert report["previous_period"]["first_day"] == "2026-09-28"
    assert report["follow_ups"]["period"]["first_day"] == "2026-10-12"
    assert [d["title"] for d in report["pipeline"]["won"]] == ["Fjordline renewal"]
    assert (report["cases"]["opened"], report["cases"]["resolved"]) == (2, 1)  # A and B; A (B on the 12th)


@pytest.mark.parametrize("fmt", ["md", "html", "csv", "json"])
def test_same_data_and_as_of_give_the_same_bytes(history, tmp_path, fmt) -> None:  # noqa: ANN001
    first = tmp_path / f"first.{fmt}"
    second = tmp_path / f"second.{fmt}"
    history.ok(*MONTHLY, "--output", str(first))
    history.ok(*MONTHLY, "--output", str(second))
    assert first.read_bytes() == second.read_bytes()
    piped = history.ok(*MONTHLY, "--format", fmt).stdout
    assert piped.encode("utf-8") == first.read_bytes()


def test_each_format_parses(history) -> None:  # noqa: ANN001
    data = json.loads(history.ok(*MONTHLY, "--format", "json").stdout)
    assert data["kind"] == "monthly"

    rows = list(csv.DictReader(io.StringIO(history.ok(*MONTHLY, "--format", "csv").stdout)))
    assert {r["section"] for r in rows} >= {"kpi", "pipeline.won", "pipeline.lost", "cases.opened",
                                            "activities", "follow_ups"}  # fmt: skip
    assert next(r for r in rows if r["key"] == "nps")["value"] == "40.0"

    html = history.ok(*MONTHLY, "--format", "html").stdout
    root = ET.fromstring(html.split("\n", 1)[1])  # well-formed XML once the doctype is set aside
    svg = root.find(".//{http://www.w3.org/2000/svg}svg")
    assert svg is not None and svg.find("{http://www.w3.org/2000/svg}title") is not None
    checker = TagBalance()
    checker.feed(html)
    checker.close()
    assert checker.problems == [] and checker.stack == []
    assert "<script" not in html and "<link" not in html and "src=" not in html  # self-contained
    assert "Malmö licences" in html and "Net Promoter Score" in html

    markdown = history.ok(*MONTHLY).stdout
    assert markdown.startswith("# Monthly report: 2026-10-01 – 2026-10-31\n")
    for heading in ("## KPIs", "## Pipeline", "## Cases", "## Activities by owner",
                    "## Follow-ups due 2026-11-01 – 2026-11-30"):  # fmt: skip
        assert f"\n{heading}\n" in markdown
    assert "| Win rate | 66.7% | 100.0% | -33.3 pp |" in markdown


def test_format_follows_the_output_extension_unless_given(history, tmp_path) -> None:  # noqa: ANN001
    html_file = tmp_path / "weekly.html"
    done = history.ok(*WEEKLY, "--output", str(html_file))
    assert done.stdout == "" and done.stderr == ""  # cron mails whatever a job prints
    assert html_file.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    json_file = tmp_path / "weekly.json"
    history.ok(*WEEKLY, "-o", str(json_file))
    assert json.loads(json_file.read_text(encoding="utf-8"))["kind"] == "weekly"
    forced = tmp_path / "weekly.html.txt"
    history.ok(*WEEKLY, "--format", "md", "-o", str(forced))
    assert forced.read_text(encoding="utf-8").startswith("# Weekly report")


def test_bad_report_requests_are_one_sentence(history, tmp_path) -> None:  # noqa: ANN001
    assert "md, html, csv, json" in history.fails(*WEEKLY, "--format", "pdf").stderr
    assert "Cannot read" in history.fails("report", "weekly", "--as-of", "someday").stderr
    assert history.fails("report", "yearly", code=2).exit_code == 2
    assert not list(tmp_path.glob("*.pdf"))


def test_a_report_into_a_folder_that_does_not_exist_is_refused(history, tmp_path) -> None:  # noqa: ANN001
    """A mistyped folder in a cron job is said, not made (as `agenda --ics` and exports do)."""
    target = tmp_path / "typo-dir" / "sub" / "x.md"
    result = history.fails(*WEEKLY, "--output", str(target))
    assert result.stderr == f"crm: Cannot write {target}: the folder {target.parent} does not exist.\n"
    assert result.stdout == ""
    slashed = f"{tmp_path / 'typo-dir'}/"  # a name ending in / is a folder, not a file to make
    assert history.fails(*WEEKLY, "-o", slashed).stderr == (
        f"crm: {slashed} ends in /, so it names a folder; give a file name with --output.\n"
    )
    assert not (tmp_path / "typo-dir").exists()


def test_a_report_onto_a_folder_names_the_folder_as_exports_do(history, tmp_path) -> None:  # noqa: ANN001
    folder = tmp_path / "reports"
    folder.mkdir()
    for given in (str(folder), f"{folder}/"):
        said = f"crm: {given} is a folder; give a file name with --output.\n"
        assert history.fails(*WEEKLY, "--output", given).stderr == said  # not a temporary file's name
        assert history.fails("export", "contacts", "-o", given).stderr == said
    assert list(folder.iterdir()) == [] and [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_report_through_a_pipe_has_no_terminal_codes(history, crm_process) -> None:  # noqa: ANN001
    done = crm_process(*MONTHLY)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x1b" not in done.stderr
    assert done.stdout == history.ok(*MONTHLY).stdout
    html = crm_process(*MONTHLY, "--format", "html")
    assert html.returncode == 0 and "\x1b" not in html.stdout


class TagBalance(HTMLParser):
    """Every element opened is closed, in order (void elements excepted)."""

    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:  # noqa: ANN001
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:  # noqa: ANN001
        """<meta/>, <rect/>: opened and closed at once."""

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


def test_a_csv_report_neutralises_formulas_in_what_people_typed(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann")
    crm.ok("deal", "add", '=HYPERLINK("http://evil.example","click")', "--contact", "kari", "--amount", "10")
    crm.ok("deal", "won", "1")
    next_week = (date.today() + timedelta(days=7)).isoformat()  # the report of this week
    rows = list(
        csv.DictReader(
            io.StringIO(crm.ok("report", "weekly", "--as-of", next_week, "--format", "csv").stdout)
        )
    )
    labels = [r["label"] for r in rows if r["section"].startswith("pipeline")]
    assert labels and all(not label.startswith("=") for label in labels)
    assert any(label.startswith("'=HYPERLINK") for label in labels)


def test_control_characters_in_notes_stay_out_of_the_markdown_and_html(crm) -> None:  # noqa: ANN001
    """A note piped in from a mail may carry terminal escape sequences; the Markdown is read
    in terminals and mail, and XML allows no control characters."""
    crm.ok("add", "Kari Nordmann")
    next_week = (date.today() + timedelta(days=7)).isoformat()  # its follow-ups: that week's
    crm.ok("log", "kari", "task", "x \x1b]0;pwned\x07\x1b[2J call me", "--due", next_week)
    markdown = crm.ok("report", "weekly", "--as-of", next_week).stdout
    html = crm.ok("report", "weekly", "--as-of", next_week, "--format", "html").stdout
    for text in (markdown, html):
        assert "\x1b" not in text and "\x07" not in text
        assert "x \ufffd]0;pwned\ufffd\ufffd[2J call me" in text
    ET.fromstring(html.split("\n", 1)[1])  # well-formed XML still
