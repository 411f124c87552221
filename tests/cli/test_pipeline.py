"""crm pipeline (the board) and crm forecast, in plain tables and JSON, in the base currency."""

from __future__ import annotations

import pytest

CONFIG = """\
base_currency = "EUR"

[currencies]
rates = { NOK = "0.086", SEK = 0.087, JPY = "0.0062" }

[forecast]
commit_probability = 50
"""


@pytest.fixture
def board(crm):  # noqa: ANN001, ANN201
    crm.write_config(CONFIG)
    crm.ok("add", "Kari Nordmann", "--company", "Fjordline AS")
    deals = [
        ("Fleet", "100000 NOK", "qualification", "2030-01-20", "ada"),
        ("Seats", "0.1", "qualification", "2030-02-03", "bob"),
        ("Setup", "0.2", "qualification", "", "ada"),
        ("Cloud", "1 000 000 JPY", "proposal", "2030-01-31", "bob"),
        ("Widget", "10k SEK", "negotiation", "2030-03-15", "ada"),
        ("Old", "400", "negotiation", "2029-11-30", "ada"),
    ]
    for title, amount, stage, close, owner in deals:
        crm.ok("deal", "add", title, "--contact", "kari", "--amount", amount, "--stage", stage,
               "--close", close, "--owner", owner)  # fmt: skip
    crm.ok("deal", "add", "Gone", "--amount", "999", "--owner", "ada")
    crm.ok("deal", "lost", "7", "--reason", "price")
    return crm


def test_the_board_in_json_has_a_stable_documented_shape(board) -> None:  # noqa: ANN001
    data = board.ok("pipeline", "--json", "--as-of", "2030-01-15").json()
    assert list(data) == ["pipeline", "base_currency", "as_of", "owner", "stages", "total"]
    assert (data["pipeline"], data["base_currency"], data["as_of"]) == (
        "sales",
        "EUR",
        "2030-01-15T00:00:00Z",
    )
    stages = {s["name"]: s for s in data["stages"]}
    assert list(stages) == ["qualification", "needs-analysis", "proposal", "negotiation"]
    qualification = stages["qualification"]
    assert list(qualification) == [
        "name",
        "probability",
        "configured",
        "count",
        "total",
        "weighted",
        "deals",
        "more",
    ]
    # 100 000 NOK at 0.086 + 0.10 EUR + 0.20 EUR: the tenths sum exactly.
    assert (qualification["count"], qualification["total"], qualification["weighted"]) == (
        3,
        "8600.30",
        "860.03",
    )
    assert stages["proposal"]["total"] == "6200.00" and stages["proposal"]["weighted"] == "3100.00"
    assert stages["negotiation"]["total"] == "1270.00" and stages["negotiation"]["weighted"] == "952.50"
    assert stages["needs-analysis"] == {
        "name": "needs-analysis",
        "probability": 25,
        "configured": True,
        "count": 0,
        "total": "0.00",
        "weighted": "0.00",
        "deals": [],
        "more": 0,
    }
    assert data["total"] == {"count": 6, "total": "16070.30", "weighted": "4912.53"}
    card = qualification["deals"][0]
    assert list(card) == [
        "id", "title", "contact", "company", "amount", "amount_minor", "currency",
        "amount_base", "owner", "close_date", "stage_entered_at", "days_in_stage",
    ]  # fmt: skip
    assert (card["title"], card["amount"], card["currency"], card["amount_base"]) == (
        "Fleet",
        "100000.00",
        "NOK",
        "8600.00",
    )
    assert [c["title"] for c in qualification["deals"]] == ["Fleet", "Seats", "Setup"]  # undated last


def test_the_board_off_a_terminal_is_two_plain_tables(board) -> None:  # noqa: ANN001
    lines = board.ok("pipeline", "--limit", "2").stdout.splitlines()
    assert lines[0].split() == [
        "STAGE",
        "PROBABILITY",
        "DEALS",
        "SHOWN",
        "MORE",
        "TOTAL",
        "EUR",
        "WEIGHTED",
        "EUR",
    ]
    assert lines[1].split() == ["qualification", "10", "3", "2", "1", "8600.30", "860.03"]
    assert lines[5] == ""
    assert lines[6].split()[:4] == ["STAGE", "ID", "TITLE", "CONTACT"]
    assert lines[7].split()[:3] == ["qualification", "1", "Fleet"]
    assert "100000.00  NOK" in lines[7] and "8600.00" in lines[7]
    assert len(lines) == 7 + 2 + 1 + 2  # two shown of qualification, one proposal, two negotiation


def test_the_board_filters_by_owner_and_limits_the_cards(board) -> None:  # noqa: ANN001
    data = board.ok("pipeline", "--owner", "bob", "--json").json()
    assert data["owner"] == "bob"
    assert [(s["name"], s["count"]) for s in data["stages"] if s["count"]] == [
        ("qualification", 1),
        ("proposal", 1),
    ]
    assert data["total"]["total"] == "6200.10"
    limited = board.ok("pipeline", "--limit", "1", "--json").json()
    qualification = limited["stages"][0]
    assert (len(qualification["deals"]), qualification["more"], qualification["count"]) == (1, 2, 3)
    none = board.ok("pipeline", "--limit", "0", "--json").json()
    assert none["total"]["count"] == 6 and all(s["deals"] == [] for s in none["stages"])


def test_a_currency_without_a_rate_is_refused_by_name(board) -> None:  # noqa: ANN001
    added = board.ok("deal", "add", "Kyiv", "--amount", "5000 UAH")
    assert "no exchange rate for UAH to EUR yet" in added.stderr  # a warning, and the deal is kept
    result = board.fails("pipeline")
    assert result.stderr.startswith(
        "crm: There is no exchange rate for UAH to EUR: add it to [currencies] rates in "
    )
    assert result.stdout == ""
    assert "UAH" in board.fails("forecast", "--json").stderr


def test_deals_in_a_stage_the_config_no_longer_has_still_show(board) -> None:  # noqa: ANN001
    board.write_config(
        CONFIG
        + '\n[[pipelines]]\nname = "sales"\n[[pipelines.stages]]\nname = "proposal"\nprobability = 40\n'
    )
    data = board.ok("pipeline", "--json").json()
    names = [(s["name"], s["configured"], s["weighted"]) for s in data["stages"]]
    assert names == [
        ("proposal", True, "2480.00"),
        ("negotiation", False, None),
        ("qualification", False, None),
    ]
    assert data["total"]["count"] == 6 and data["total"]["weighted"] == "2480.00"
    assert (
        "its stages are proposal (then won or lost)" in board.fails("deal", "move", "2", "negotiation").stderr
    )
    assert board.ok("deal", "move", "2", "proposal", "--json").json()["stage"] == "proposal"


def test_the_forecast_in_json_and_plain(board) -> None:  # noqa: ANN001
    data = board.ok("forecast", "--months", "3", "--as-of", "2030-01-15", "--json").json()
    assert list(data) == [
        "base_currency", "as_of", "pipeline", "owner", "commit_probability", "months", "total",
        "overdue", "later", "undated",
    ]  # fmt: skip
    assert data["commit_probability"] == 50
    january, february, march = data["months"]
    # Fleet 8600 at 10 %, Cloud 6200 at 50 % (committed at >= 50 %).
    assert january == {
        "month": "2030-01", "open_deals": 2, "won_deals": 0, "won": "0.00", "committed": "6200.00",
        "weighted": "3960.00", "best_case": "14800.00",
    }  # fmt: skip
    assert february["weighted"] == "0.01" and february["best_case"] == "0.10"
    assert march["committed"] == "870.00" and march["weighted"] == "652.50"
    assert data["total"]["best_case"] == "15670.10"
    assert data["overdue"] == {"open_deals": 1, "won_deals": 0, "won": "0.00", "committed": "400.00",
                               "weighted": "300.00", "best_case": "400.00"}  # fmt: skip
    assert data["undated"]["best_case"] == "0.20" and data["undated"]["weighted"] == "0.02"
    lines = board.ok("forecast", "--months", "3", "--as-of", "2030-01-15").stdout.splitlines()
    assert lines[0].split() == ["MONTH", "OPEN", "DEALS", "WON", "DEALS", "WON", "EUR", "COMMITTED", "EUR",
                                "WEIGHTED", "EUR", "BEST", "CASE", "EUR"]  # fmt: skip
    assert [line.split()[0] for line in lines[1:]] == ["2030-01", "2030-02", "2030-03", "total", "overdue",
                                                       "later", "no"]  # fmt: skip
    assert lines[1].split() == ["2030-01", "2", "0", "0.00", "6200.00", "3960.00", "14800.00"]
    csv = board.ok("forecast", "--as-of", "2030-01-15", "--format", "csv").stdout.splitlines()
    assert csv[0] == "month,open_deals,won_deals,won,committed,weighted,best_case"
    assert csv[1] == "2030-01,2,0,0.00,6200.00,3960.00,14800.00"
    only_bob = board.ok("forecast", "--owner", "bob", "--as-of", "2030-01-15", "--json").json()
    assert only_bob["total"]["best_case"] == "6200.10"
    assert "--months must be from 1 to 60" in board.fails("forecast", "--months", "0").stderr


def test_the_board_through_a_pipe(board, crm_process) -> None:  # noqa: ANN001
    done = crm_process("pipeline", "--as-of", "2030-01-15")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("STAGE") and "\x1b" not in done.stdout
    done = crm_process("forecast", "--json")
    assert done.returncode == 0 and done.stdout.lstrip().startswith("{")


def board_on_a_terminal(board) -> str:  # noqa: ANN001
    """`crm pipeline --limit 1` as a 160-column terminal shows it."""
    import io

    from crmcli.render.board import render_board
    from crmcli.render.output import Output

    data = board.ok("pipeline", "--limit", "1", "--json").json()
    screen = io.StringIO()
    out = Output(tty=True, stdout=screen, stderr=io.StringIO())
    out.console().width = 160
    render_board(out, data)
    return screen.getvalue()


def test_the_board_on_a_terminal_has_a_column_per_stage(board) -> None:  # noqa: ANN001
    text = board_on_a_terminal(board)
    assert "Pipeline sales — totals in EUR at the configured rates" in text
    header = next(line for line in text.splitlines() if "qualification" in line)
    assert header.index("qualification") < header.index("needs-analysis") < header.index("negotiation")
    assert "100,000.00 NOK · ada" in text and "+2 more" in text
    assert "8,600.30 EUR" in text and "weighted 860.03" in text and "3 deals" in text
    assert "6 open deals: 16,070.30 EUR, weighted 4,912.53 EUR." in text


def test_a_deal_title_with_escape_sequences_reaches_the_terminal_harmlessly(board) -> None:  # noqa: ANN001
    """A title pasted from a mail may carry terminal escape sequences: the board on a
    terminal shows each control character as U+FFFD, as every table does."""
    board.ok("deal", "edit", "1", "--title", "Fleet \x1b]0;owned\x07\x1b[2J[bold]x[/bold]")
    text = board_on_a_terminal(board)
    assert "\x1b]0;" not in text and "\x07" not in text and "\x1b[2J" not in text
    assert "Fleet \ufffd]0;owned\ufffd\ufffd[2J[bold]x[/bold]" in text


def test_won_deals_are_in_the_month_they_were_won_whatever_their_close_date(crm, tmp_path) -> None:  # noqa: ANN001
    crm.write_config('base_currency = "EUR"\ntimezone = "Europe/Oslo"\n')
    path = tmp_path / "deals.csv"
    # Won at 00:30 on 1 February in Oslo (still January in UTC), with a close date in March.
    path.write_text(
        "title,amount,currency,status,close_date,won_at,created_at\n"
        "Fleet,1000,EUR,won,2025-03-20,2025-01-31T23:30:00Z,2024-12-01T10:00:00Z\n",
        encoding="utf-8",
    )
    crm.ok("import", "deals", str(path))

    def won_by_month() -> dict[str, str]:
        data = crm.ok("forecast", "--months", "3", "--as-of", "2025-01-15", "--json").json()
        return {month["month"]: month["won"] for month in data["months"]}

    assert won_by_month() == {"2025-01": "0.00", "2025-02": "1000.00", "2025-03": "0.00"}
    crm.ok("deal", "edit", "1", "--close", "2025-01-10")
    assert won_by_month() == {"2025-01": "0.00", "2025-02": "1000.00", "2025-03": "0.00"}
    crm.ok("deal", "edit", "1", "--close", "")
    assert won_by_month() == {"2025-01": "0.00", "2025-02": "1000.00", "2025-03": "0.00"}


@pytest.mark.parametrize("command", [("pipeline",), ("forecast",), ("deal", "list")])
def test_an_owner_not_on_the_team_is_refused(crm, command) -> None:  # noqa: ANN001
    from helpers import one_sentence

    crm.write_config('[[team]]\nhandle = "ada"\nname = "Ada"\n[[team]]\nhandle = "alan"\nname = "Alan"\n')
    failed = crm.fails(*command, "--owner", "adda")
    assert one_sentence(failed.stderr) == "crm: The owner 'adda' is not on the team; use one of ada, alan."
    crm.ok(*command, "--owner", "alan")


def test_totals_of_amounts_beyond_what_sqlite_can_sum_stay_exact(crm) -> None:  # noqa: ANN001
    import sqlite3

    crm.write_config(CONFIG)
    for title in ("A", "B", "C", "D"):
        crm.ok("deal", "add", title, "--amount", "1", "--close", "2030-01-20")
    crm.ok("deal", "won", "3")
    crm.ok("deal", "won", "4")
    # Amounts a database may hold from before the limit on entry: two of them pass 2**63 - 1.
    conn = sqlite3.connect(crm.db)
    with conn:
        conn.execute("UPDATE deals SET amount_minor = 5000000000000000001")
    conn.close()

    board = crm.ok("pipeline", "--json", "--as-of", "2030-01-15").json()
    assert board["total"]["count"] == 2 and board["stages"][0]["total"] == "100000000000000000.02"
    forecast = crm.ok("forecast", "--months", "1", "--as-of", "2030-01-15", "--json").json()
    assert forecast["months"][0]["best_case"] == "100000000000000000.02"
    kpis = {k["key"]: k["value"] for k in crm.ok("kpi", "--json").json()["kpis"]}
    assert (kpis["won_value"], kpis["open_pipeline"]) == ("100000000000000000.02", "100000000000000000.02")
