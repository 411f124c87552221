"""crm feedback add|list: NPS and CSAT answers, and the scores that are refused."""

from __future__ import annotations

import csv
import io

import pytest


@pytest.fixture
def people(crm):  # noqa: ANN001, ANN201
    crm.ok("add", "Kari Nordmann", "--email", "kari@fjordline.no")
    crm.ok("add", "Björn Ekström", "--email", "bjorn@malmomek.se")
    return crm


def _all(crm, *args: str) -> list[dict]:  # noqa: ANN001
    return crm.ok("feedback", "list", "--json", *args).json()


def test_answers_are_recorded_with_their_category(people) -> None:  # noqa: ANN001
    nps = people.ok("feedback", "add", "kari", "--nps", "9", "--comment", "Quick support", "--json").json()
    assert (nps["kind"], nps["score"], nps["category"]) == ("nps", 9, "promoter")
    assert nps["comment"] == "Quick support"
    assert nps["contact"] == "Kari Nordmann" and nps["created_by"] == "tester"
    done = people("feedback", "add", "bjorn@malmomek.se", "--csat", "2", "--at", "2 days ago")
    assert done.exit_code == 0 and "CSAT 2 (unsatisfied) from Björn Ekström" in done.stderr
    categories = {
        score: people.ok("feedback", "add", "kari", "--nps", score, "--json").json()["category"]
        for score in ("0", "6", "7", "8", "10")
    }
    assert categories == {
        "0": "detractor", "6": "detractor", "7": "passive", "8": "passive", "10": "promoter",
    }  # fmt: skip
    assert people.ok("feedback", "add", "kari", "--csat", "3", "--json").json()["category"] == "neutral"
    assert len(_all(people)) == 8


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--nps", "11"), "from 0 to 10, not '11'"),
        (("--nps", "-1"), "from 0 to 10"),
        (("--nps", "7.5"), "whole number"),
        (("--nps", "ten"), "whole number"),
        (("--csat", "0"), "from 1 to 5, not '0'"),
        (("--csat", "6"), "from 1 to 5"),
        (("--nps", "9", "--csat", "5"), "one score"),
        ((), "one score"),
        (("--nps", "9", "--at", "tomorrow"), "future"),
        (("--nps", "9", "--at", "someday"), "Cannot read"),
        (("--nps", "9", "--case", "42"), "no case #42"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(people, args, words) -> None:  # noqa: ANN001
    failed = people.fails("feedback", "add", "kari", *args)
    assert words in failed.stderr and failed.stderr.startswith("crm: ") and failed.stderr.count("\n") == 1
    assert _all(people) == []


def test_an_unknown_contact_is_refused(people) -> None:  # noqa: ANN001
    assert "nobody" in people.fails("feedback", "add", "nobody", "--nps", "5").stderr
    assert _all(people) == []


def test_an_answer_about_a_case_must_come_from_its_contact(people) -> None:  # noqa: ANN001
    case = people.ok("case", "open", "kari", "Export fails", "--json").json()
    other = people.fails("feedback", "add", "bjorn", "--csat", "4", "--case", str(case["id"]))
    assert "Kari Nordmann" in other.stderr and _all(people) == []
    answer = people.ok("feedback", "add", "kari", "--csat", "4", "--case", f"#{case['id']}", "--json").json()
    assert answer["case_id"] == case["id"]
    listed = people.ok("feedback", "list", "--case", str(case["id"]), "--json").json()
    assert [row["id"] for row in listed] == [answer["id"]]


def test_list_filters_and_formats(people) -> None:  # noqa: ANN001
    people.ok("feedback", "add", "kari", "--nps", "10", "--at", "20 days ago")
    people.ok("feedback", "add", "kari", "--csat", "5", "--at", "5 days ago")
    people.ok("feedback", "add", "bjorn", "--nps", "3", "--at", "4 days ago", "--comment", "Too slow, sadly")
    assert [r["score"] for r in _all(people)] == [3, 5, 10]  # newest first
    assert [r["score"] for r in _all(people, "--kind", "nps")] == [3, 10]
    assert [r["score"] for r in _all(people, "--contact", "kari")] == [5, 10]
    assert [r["score"] for r in _all(people, "--period", "last 7 days")] == [3, 5]
    assert [r["score"] for r in _all(people, "--owner", "tester")] == [3, 5, 10]
    assert _all(people, "--owner", "someone-else") == []
    table = people.ok("feedback", "list").stdout.splitlines()
    assert table[0].split()[:5] == ["ID", "WHEN", "CONTACT", "KIND", "SCORE"]
    assert "NPS" in table[1] and "detractor" in table[1] and "Too slow, sadly" in table[1]
    rows = list(csv.DictReader(io.StringIO(people.ok("feedback", "list", "--format", "csv").stdout)))
    assert rows[0]["comment"] == "Too slow, sadly" and rows[0]["kind"] == "nps"
    assert "nps or csat" in people.fails("feedback", "list", "--kind", "ces").stderr
    assert people.ok("feedback", "list", "--period", "2020").stdout.splitlines()[1:] == []


def test_answers_feed_the_kpis(people) -> None:  # noqa: ANN001
    for score in ("10", "9", "6", "8"):
        people.ok("feedback", "add", "kari", "--nps", score)
    people.ok("feedback", "add", "kari", "--csat", "4")
    people.ok("feedback", "add", "bjorn", "--csat", "3")
    rows = {row["key"]: row for row in people.ok("kpi", "--period", "last 7 days", "--json").json()["kpis"]}
    assert rows["nps"]["value"] == 25  # (2 promoters − 1 detractor) / 4
    assert rows["csat"]["value"] == 3.5


def test_list_refuses_an_owner_who_is_not_on_the_team(people) -> None:  # noqa: ANN001
    """As `crm deal list --owner` does: with a team in the config, an owner must be on it
    (without one, any handle is taken, as the test above shows)."""
    from helpers import one_sentence

    people.write_config('[[team]]\nhandle = "tester"\n[[team]]\nhandle = "ada"\n')
    people.ok("feedback", "add", "kari", "--nps", "9")
    told = one_sentence(people.fails("deal", "list", "--owner", "zed").stderr)
    assert told == "crm: The owner 'zed' is not on the team; use one of tester, ada."
    assert one_sentence(people.fails("feedback", "list", "--owner", "zed").stderr) == told
    assert [r["score"] for r in _all(people, "--owner", "tester")] == [9]
    assert _all(people, "--owner", "ada") == []
