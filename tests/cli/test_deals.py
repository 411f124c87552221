"""crm deal …: add, list, show, edit, move, won, lost, reopen; stages from the config."""

from __future__ import annotations

import pytest

from helpers import rows

PIPELINES = """\
base_currency = "EUR"
lost_reasons = ["price", "competitor", "went quiet"]

[currencies]
rates = { NOK = "0.086", JPY = "0.0062" }

[[pipelines]]
name = "new business"
[[pipelines.stages]]
name = "lead-in"
probability = 5
[[pipelines.stages]]
name = "demo"
probability = 30
[[pipelines.stages]]
name = "contract"
probability = 90

[[pipelines]]
name = "renewals"
[[pipelines.stages]]
name = "due"
probability = 60
[[pipelines.stages]]
name = "quoted"
probability = 85
"""


def query(crm, sql: str, params: tuple = ()) -> list[tuple]:  # noqa: ANN001
    return rows(crm, sql, params)


@pytest.fixture
def with_kari(crm):  # noqa: ANN001, ANN201
    crm.ok("add", "Kari Nordmann", "--email", "kari@fjordline.no", "--company", "Fjordline AS")
    return crm


def test_a_deal_is_added_in_the_default_pipelines_first_stage(with_kari) -> None:  # noqa: ANN001
    crm = with_kari
    args = ["--contact", "kari", "--amount", "12 500,50", "--currency", "nok", "--close", "2026-05-31"]
    added = crm.ok("deal", "add", "Fleet licences", *args, "--kind", "upsell", "--json").json()
    assert added["pipeline"] == "sales" and added["stage"] == "qualification"
    assert added["amount_minor"] == 1250050 and added["amount"] == "12500.50" and added["currency"] == "NOK"
    assert added["company"] == "Fjordline AS"  # taken from the contact
    assert added["owner"] == "tester" and added["kind"] == "upsell" and added["status"] == "open"
    assert added["close_date"] == "2026-05-31"
    changes = query(crm, "SELECT from_stage, to_stage, actor FROM deal_stage_changes")
    assert changes == [(None, "qualification", "tester")]


def test_stages_and_probabilities_come_from_the_config(crm) -> None:  # noqa: ANN001
    crm.write_config(PIPELINES)
    deal = crm.ok("deal", "add", "Big one", "--amount", "100000", "--json").json()
    assert (deal["pipeline"], deal["stage"]) == ("new business", "lead-in")
    crm.ok("deal", "move", str(deal["id"]), "dem")  # a unique prefix will do
    shown = crm.ok("deal", "show", str(deal["id"]), "--json").json()
    assert (shown["stage"], shown["probability"]) == ("demo", 30)
    renewal = crm.ok("deal", "add", "Renewal", "--pipeline", "renewals", "--stage", "quoted", "--json").json()
    assert (renewal["pipeline"], renewal["stage"]) == ("renewals", "quoted")
    board = crm.ok("pipeline", "--json").json()
    assert [(s["name"], s["probability"]) for s in board["stages"]] == [
        ("lead-in", 5), ("demo", 30), ("contract", 90),
    ]  # fmt: skip
    board = crm.ok("pipeline", "--pipeline", "renewals", "--json").json()
    assert [(s["name"], s["probability"]) for s in board["stages"]] == [("due", 60), ("quoted", 85)]


def test_unknown_stages_and_pipelines_are_refused_with_the_valid_names(crm) -> None:  # noqa: ANN001
    crm.write_config(PIPELINES)
    deal_id = str(crm.ok("deal", "add", "Big one", "--json").json()["id"])
    bad_stage = crm.fails("deal", "move", deal_id, "closing")
    assert bad_stage.stderr == (
        "crm: The pipeline new business has no stage 'closing'; its stages are lead-in, demo, contract "
        "(then won or lost).\n"
    )
    bad_pipeline = crm.fails("deal", "move", deal_id, "due", "--pipeline", "upsell")
    assert (
        bad_pipeline.stderr
        == "crm: There is no pipeline 'upsell'; the pipelines are new business, renewals.\n"
    )
    assert (
        "its stages are due, quoted"
        in crm.fails("deal", "move", deal_id, "demo", "--pipeline", "renewals").stderr
    )
    assert "crm deal won ID" in crm.fails("deal", "move", deal_id, "won").stderr
    crm.fails("deal", "add", "Other", "--stage", "nope")
    crm.fails("pipeline", "--pipeline", "nope")
    assert query(crm, "SELECT count(*) FROM deals") == [(1,)]
    assert query(crm, "SELECT count(*) FROM deal_stage_changes") == [(1,)]
    # Moving into another pipeline is a stage change too.
    moved = crm.ok("deal", "move", deal_id, "quoted", "--pipeline", "renew", "--json").json()
    assert (moved["pipeline"], moved["stage"]) == ("renewals", "quoted")


def test_won_lost_and_reopen(with_kari) -> None:  # noqa: ANN001
    crm = with_kari
    deal_id = str(
        crm.ok("deal", "add", "Fleet", "--contact", "kari", "--amount", "1000", "--json").json()["id"]
    )
    crm.ok("deal", "move", deal_id, "proposal")
    won = crm.ok("deal", "won", deal_id, "--json").json()
    assert won["status"] == "won" and won["stage"] == "won" and won["won_at"]
    contact = crm.ok("contact", "show", "kari", "--json").json()["contact"]
    assert contact["lifecycle_stage"] == "customer" and contact["customer_since"] == won["won_at"]
    assert "reopen it first" in crm.fails("deal", "lost", deal_id, "--reason", "price").stderr
    reopened = crm.ok("deal", "reopen", deal_id, "--json").json()
    assert (reopened["status"], reopened["stage"], reopened["won_at"]) == ("open", "proposal", None)
    lost = crm.ok("deal", "lost", deal_id, "--reason", "COMP", "--note", "cheaper elsewhere", "--json").json()
    assert (lost["status"], lost["lost_reason"]) == ("lost", "competitor")
    assert crm.fails("deal", "reopen", deal_id, "--stage", "nowhere").stderr.startswith(
        "crm: The pipeline sales"
    )
    changes = query(crm, "SELECT from_stage, to_stage, actor FROM deal_stage_changes ORDER BY id")
    assert changes == [
        (None, "qualification", "tester"), ("qualification", "proposal", "tester"),
        ("proposal", "won", "tester"), ("won", "proposal", "tester"), ("proposal", "lost", "tester"),
    ]  # fmt: skip
    shown = crm.ok("deal", "show", deal_id).stdout
    assert "Lost because:  competitor" in shown and "proposal       lost" in shown


def test_lost_without_a_reason_is_refused_and_changes_nothing(crm) -> None:  # noqa: ANN001
    crm.write_config(PIPELINES)
    deal_id = str(crm.ok("deal", "add", "Fleet", "--json").json()["id"])
    missing = crm.fails("deal", "lost", deal_id)
    assert missing.stderr == "crm: A lost deal needs --reason, one of: price, competitor, went quiet.\n"
    unknown = crm.fails("deal", "lost", deal_id, "--reason", "weather")
    assert (
        unknown.stderr == "crm: 'weather' is not a lost reason; use one of: price, competitor, went quiet.\n"
    )
    assert query(crm, "SELECT status, lost_reason FROM deals") == [("open", None)]
    assert query(crm, "SELECT count(*) FROM deal_stage_changes") == [(1,)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--amount", "12 apples"], "Cannot read '12 apples' as an amount"),
        (["--amount", "1,500"], "ambiguous"),
        (["--amount", "-3"], "negative"),
        (["--amount", "12.5", "--currency", "JPY"], "JPY has no minor unit"),
        (["--currency", "EURO"], "not a three-letter ISO 4217 code"),
        (["--currency", "ABC"], "not an ISO 4217 currency code"),
        (["--close", "someday"], "Cannot read 'someday' as a date"),
        (["--kind", "renewal"], "Unknown deal kind 'renewal'"),
        (["--contact", "nobody"], "No contact matches 'nobody'"),
        (["--pipeline", "nope"], "There is no pipeline 'nope'"),
    ],
)
def test_bad_input_is_one_sentence_and_writes_nothing(crm, args: list[str], message: str) -> None:  # noqa: ANN001
    result = crm.fails("deal", "add", "Fleet", *args)
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert query(crm, "SELECT count(*) FROM deals") == [(0,)]
    assert query(crm, "SELECT count(*) FROM changes") == [(0,)]


def test_edit_changes_fields_and_keeps_the_amount_exact(with_kari) -> None:  # noqa: ANN001
    crm = with_kari
    deal_id = str(crm.ok("deal", "add", "Fleet", "--amount", "1200", "--json").json()["id"])
    edited = crm.ok("deal", "edit", deal_id, "--title", "Fleet, 40 trucks", "--contact", "kari",
                    "--currency", "JPY", "--close", "2026-06-30", "--json").json()  # fmt: skip
    assert (edited["title"], edited["amount_minor"], edited["currency"]) == ("Fleet, 40 trucks", 1200, "JPY")
    assert edited["contact"] == "Kari Nordmann" and edited["close_date"] == "2026-06-30"
    edited = crm.ok(
        "deal", "edit", deal_id, "--amount", "99.5 usd", "--close", "", "--contact", "", "--json"
    ).json()
    assert (edited["amount_minor"], edited["currency"], edited["close_date"]) == (9950, "USD", None)
    assert edited["contact_id"] is None
    assert "give --amount as well" in crm.fails("deal", "edit", deal_id, "--currency", "JPY").stderr
    history = query(crm, "SELECT action FROM history WHERE entity = 'deal' ORDER BY id")
    assert history == [("create",), ("update",), ("update",)]


def test_list_filters_and_formats(with_kari) -> None:  # noqa: ANN001
    crm = with_kari
    crm.ok("add", "Ola Hansen", "--company", "Bryggen AS")
    crm.ok(
        "deal", "add", "A", "--contact", "kari", "--amount", "100", "--close", "2026-04-01", "--owner", "ada"
    )
    crm.ok(
        "deal",
        "add",
        "B",
        "--contact",
        "ola",
        "--amount",
        "200",
        "--close",
        "2026-05-01",
        "--stage",
        "proposal",
    )
    crm.ok("deal", "add", "C", "--company", "Fjordline", "--amount", "300", "--close", "2026-06-01")
    crm.ok("deal", "won", "2")

    def titles(*args: str) -> list[str]:
        return [row["title"] for row in crm.ok("deal", "list", *args, "--json").json()]

    assert titles() == ["A", "C"]
    assert titles("--status", "all") == ["A", "C", "B"]  # B closed the day it was won
    assert titles("--status", "won") == ["B"]
    assert titles("--owner", "ada") == ["A"]
    assert titles("--company", "fjordline") == ["A", "C"]  # its own deals and its people's
    assert titles("--contact", "kari") == ["A"]
    assert titles("--closing-after", "2026-05-01", "--closing-before", "2026-12-31") == ["C"]
    assert titles("--pipeline", "sales", "--stage", "qualification") == ["A", "C"]
    assert titles("--sort", "-amount") == ["C", "A"]
    assert titles("--status", "all", "--limit", "2", "--offset", "1") == ["C", "B"]
    table = crm.ok("deal", "list").stdout.splitlines()
    assert table[0].split() == [
        "ID",
        "TITLE",
        "CONTACT",
        "COMPANY",
        "PIPELINE",
        "STAGE",
        "AMOUNT",
        "CLOSE",
        "OWNER",
    ]
    assert "100.00 EUR" in table[1]
    csv = crm.ok("deal", "list", "--format", "csv").stdout.splitlines()
    assert csv[0] == "id,title,contact,company,pipeline,stage,status,amount,currency,close_date,owner,kind"
    assert csv[1].startswith(
        "1,A,Kari Nordmann,Fjordline AS,sales,qualification,open,100.00,EUR,2026-04-01,ada"
    )
    assert "Unknown deal status 'closed'" in crm.fails("deal", "list", "--status", "closed").stderr
    assert "not a deal id" in crm.fails("deal", "show", "fleet").stderr
    assert crm.fails("deal", "show", "deal:99").stderr == "crm: There is no deal #99.\n"


def test_a_bad_pipelines_config_names_the_line(crm) -> None:  # noqa: ANN001
    crm.write_config('[[pipelines]]\nname = "sales"\n[[pipelines.stages]]\nname = "won"\nprobability = 100\n')
    result = crm.fails("deal", "list")
    assert "line 4: pipelines[0].stages[0].name 'won' is reserved" in result.stderr
    crm.write_config('[[pipelines]]\nname = "sales"\n[[pipelines.stages]]\nname = "x"\nprobability = 150\n')
    assert (
        "line 5: pipelines[0].stages[0].probability must be from 0 to 100" in crm.fails("deal", "list").stderr
    )
    crm.write_config("lost_reasons = []\n")
    assert "lost_reasons needs at least one reason" in crm.fails("deal", "list").stderr


def test_reopen_gives_back_the_expected_close_date_closing_stamped_over(crm) -> None:  # noqa: ANN001
    crm.write_config(PIPELINES)
    crm.ok("deal", "add", "Dated", "--amount", "10", "--close", "2031-03-01")
    crm.ok("deal", "add", "Undated", "--amount", "10")
    crm.ok("deal", "won", "1")
    crm.ok("deal", "lost", "2", "--reason", "price")
    closed = {d["id"]: d["close_date"] for d in crm.ok("deal", "list", "--status", "all", "--json").json()}
    assert closed[1] == closed[2] and closed[1] is not None  # today, stamped by won and lost
    assert crm.ok("deal", "reopen", "1", "--json").json()["close_date"] == "2031-03-01"
    assert crm.ok("deal", "reopen", "2", "--json").json()["close_date"] is None
    # Closed and reopened again: the date expected before this closing.
    crm.ok("deal", "edit", "1", "--close", "2031-04-01")
    crm.ok("deal", "lost", "1", "--reason", "price")
    assert crm.ok("deal", "reopen", "1", "--json").json()["close_date"] == "2031-04-01"


@pytest.mark.parametrize(("stage", "found"), [("demo", [1]), ("dem", [1]), ("DUE", [2]), ("quo", [])])
def test_list_by_stage_without_a_pipeline_knows_every_pipelines_stages(crm, stage, found) -> None:  # noqa: ANN001
    crm.write_config(PIPELINES)
    crm.ok("deal", "add", "In demo", "--stage", "demo")
    crm.ok("deal", "add", "Due", "--pipeline", "renewals", "--stage", "due")
    assert [d["id"] for d in crm.ok("deal", "list", "--stage", stage, "--json").json()] == found


def test_list_by_an_unknown_stage_without_a_pipeline_is_refused(crm) -> None:  # noqa: ANN001
    from helpers import one_sentence

    crm.write_config(PIPELINES)
    failed = crm.fails("deal", "list", "--stage", "demmo")
    assert one_sentence(failed.stderr) == (
        "crm: No pipeline has a stage 'demmo'; the stages are lead-in, demo, contract, due, quoted "
        "(then won or lost)."
    )


# The built-in pipeline beside one of the team's own, whose stage quoted shares a q with
# qualification and whose name shares an r with resellers.
TWO_PIPELINES = """\
[[pipelines]]
name = "sales"
[[pipelines.stages]]
name = "qualification"
probability = 10
[[pipelines.stages]]
name = "needs-analysis"
probability = 20
[[pipelines.stages]]
name = "proposal"
probability = 50
[[pipelines.stages]]
name = "negotiation"
probability = 75

[[pipelines]]
name = "renewals"
[[pipelines.stages]]
name = "quoted"
probability = 85

[[pipelines]]
name = "resellers"
[[pipelines.stages]]
name = "signed"
probability = 50
"""


def test_an_ambiguous_prefix_of_a_stage_reason_or_pipeline_names_its_matches(crm) -> None:  # noqa: ANN001
    """A unique prefix will do; one that begins several names says so rather than "no such"."""
    from helpers import one_sentence

    crm.ok("deal", "add", "A", "--amount", "1")  # the built-in config: sales, the default reasons
    assert one_sentence(crm.fails("deal", "move", "1", "n").stderr) == (
        "crm: 'n' matches 2 stages of the pipeline sales: needs-analysis, negotiation; write more of it."
    )
    assert one_sentence(crm.fails("deal", "add", "B", "--stage", "N").stderr).startswith("crm: 'N' matches 2")
    assert one_sentence(crm.fails("deal", "lost", "1", "--reason", "no").stderr) == (
        "crm: 'no' matches 2 lost reasons: no budget, no decision; write more of it."
    )
    assert crm.ok("deal", "move", "1", "nee", "--json").json()["stage"] == "needs-analysis"
    crm.ok("deal", "lost", "1", "--reason", "no b")
    reopened = crm.fails("deal", "reopen", "1", "--stage", "n")
    assert one_sentence(reopened.stderr).startswith("crm: 'n' matches 2")
    crm.write_config(TWO_PIPELINES)
    assert one_sentence(crm.fails("deal", "list", "--stage", "q").stderr) == (
        "crm: 'q' matches 2 stages: qualification, quoted; write more of it."
    )
    assert one_sentence(crm.fails("deal", "add", "C", "--pipeline", "re").stderr) == (
        "crm: 're' matches 2 pipelines: renewals, resellers; write more of it."
    )
    assert crm.ok("deal", "list", "--stage", "quo", "--status", "all", "--json").json() == []
    assert crm.fails("export", "deals", "--stage", "q").stderr.startswith("crm: 'q' matches 2 stages")
    assert query(crm, "SELECT stage, status FROM deals") == [("lost", "lost")]


def test_an_ambiguous_amount_is_told_only_forms_that_are_then_accepted(crm) -> None:  # noqa: ANN001
    """The advice for "1.234" names the forms of the amount its currency can take, each of
    which `deal add` then accepts; a decimal reading the currency cannot keep is not offered."""
    import re

    from helpers import one_sentence

    assert one_sentence(crm.fails("deal", "add", "m", "--amount", "1.234").stderr) == (
        "crm: The amount '1.234' is ambiguous (thousands or decimals?); write 1234 or 1 234 for thousands "
        "(EUR has 2 decimals, so it cannot be 1.234)."
    )
    assert one_sentence(crm.fails("deal", "add", "m", "--amount", "1.500").stderr) == (
        "crm: The amount '1.500' is ambiguous (thousands or decimals?); write 1500 or 1 500 for thousands, "
        "1.50 for decimals."
    )
    cases = [("1.234", "EUR"), ("1,500", "EUR"), ("1.050", "EUR"), ("9.000", "EUR"), ("1.234", "KWD"),
             ("1.500", "KWD"), ("1.2345", "CLF"), ("1,234", "CLF"), ("1.500", "JPY"), ("1.000", "JPY"),
             ("1.234k", "EUR"), ("1.500k", "JPY"), ("2,500m", "EUR")]  # fmt: skip
    for amount, currency in cases:
        failed = crm("deal", "add", "m", "--amount", amount, "--currency", currency)
        if failed.exit_code == 0:  # four decimals are no ambiguity
            assert (amount, currency) == ("1.2345", "CLF")
            continue
        advice = re.fullmatch(
            r"crm: The amount '.+' is ambiguous \(thousands or decimals\?\); write (\S+) or (\S+ \S+) for "
            r"thousands(?:, (\S+) for decimals\.| \(.+\)\.)\n",
            failed.stderr,
        )
        assert advice, failed.stderr
        for form in filter(None, advice.groups()):
            crm.ok("deal", "add", "m", "--amount", form, "--currency", currency)
    assert "1.2340" not in crm.fails("deal", "add", "m", "--amount", "1.234").stderr
    assert "1.2340 for decimals" in crm.fails("deal", "add", "m", "--amount", "1.234 KWD").stderr
    assert (
        "(JPY has no minor unit, so it cannot be 1.5)"
        in crm.fails("deal", "add", "m", "--amount", "1.500", "--currency", "JPY").stderr
    )
    assert ", 1 for decimals" in crm.fails("deal", "add", "m", "--amount", "1.000 JPY").stderr


def test_list_and_export_refuse_an_unknown_kind_as_add_does(crm) -> None:  # noqa: ANN001
    from helpers import one_sentence

    crm.ok("deal", "add", "A", "--kind", "upsell")
    message = "crm: Unknown deal kind 'bogus'; use one of new, upsell, cross-sell."
    assert one_sentence(crm.fails("deal", "add", "B", "--kind", "bogus").stderr) == message
    assert one_sentence(crm.fails("deal", "list", "--kind", "bogus").stderr) == message
    assert one_sentence(crm.fails("export", "deals", "--kind", "bogus").stderr) == message
    assert [d["title"] for d in crm.ok("deal", "list", "--kind", "UPSELL", "--json").json()] == ["A"]
    assert crm.ok("deal", "list", "--kind", "new", "--json").json() == []


def test_sort_by_amount_compares_what_the_deals_are_worth_in_the_base_currency(crm) -> None:  # noqa: ANN001
    from helpers import one_sentence

    crm.write_config(PIPELINES.replace('JPY = "0.0062"', 'JPY = "0.0062", KWD = "2.98"'))
    for title, amount in (("Yen", "10000 JPY"), ("Euro", "50"), ("Krone", "100 NOK"), ("Dinar", "10 KWD")):
        crm.ok("deal", "add", title, "--amount", amount)

    def titles(*args: str) -> list[str]:
        return [row["title"] for row in crm.ok("deal", "list", *args, "--json").json()]

    # 62 EUR, 50 EUR, 29.80 EUR, 8.60 EUR: not 10 000, 5 000, 10 000 and 10 000 minor units.
    assert titles("--sort", "-amount") == ["Yen", "Euro", "Dinar", "Krone"]
    assert titles("--sort", "amount") == ["Krone", "Dinar", "Euro", "Yen"]
    assert titles("--sort", "-amount", "--limit", "2", "--offset", "1") == ["Euro", "Dinar"]

    crm.ok("deal", "add", "Krona", "--amount", "5 SEK")
    failed = crm.fails("deal", "list", "--sort", "amount")
    assert one_sentence(failed.stderr).startswith("crm: There is no exchange rate for SEK to EUR: add it to")
    assert titles("--sort", "-amount", "--status", "won") == []  # only the deals listed need a rate


def test_sort_by_stage_follows_the_configured_pipelines_and_stages(crm) -> None:  # noqa: ANN001
    crm.write_config(PIPELINES.replace('name = "quoted"', 'name = "signed"'))
    for title, where in (("Quoted", "renewals/signed"), ("Due", "renewals/due"),
                         ("Contract", "new business/contract"), ("Won", "new business/demo"),
                         ("Lead", "new business/lead-in"), ("Demo", "new business/demo"),
                         ("Lost", "renewals/due")):  # fmt: skip
        pipeline, stage = where.split("/")
        crm.ok("deal", "add", title, "--pipeline", pipeline, "--stage", stage)
    crm.ok("deal", "won", "4")
    crm.ok("deal", "lost", "7", "--reason", "price")
    crm.write_config(PIPELINES.replace('name = "quoted"', 'name = "renegotiation"'))  # signed is gone

    def titles(*args: str) -> list[str]:
        return [row["title"] for row in crm.ok("deal", "list", "--status", "all", *args, "--json").json()]

    in_order = ["Lead", "Demo", "Contract", "Won", "Due", "Lost", "Quoted"]
    assert titles("--sort", "stage") == in_order
    assert titles("--sort", "-stage") == in_order[::-1]
    assert titles("--sort", "stage", "--limit", "3", "--offset", "2") == in_order[2:5]


def test_an_amount_above_a_trillion_is_refused_on_add_and_edit(crm) -> None:  # noqa: ANN001
    from helpers import one_sentence

    crm.write_config(PIPELINES)
    failed = crm.fails("deal", "add", "Huge", "--amount", "50000000000000000")
    assert one_sentence(failed.stderr) == (
        "crm: The amount '50000000000000000' is too large; an amount is at most 1,000,000,000,000 EUR."
    )
    assert query(crm, "SELECT count(*) FROM deals") == [(0,)]
    crm.ok("deal", "add", "Largest", "--amount", "1000000000000", "--currency", "JPY")
    assert (
        "at most 1,000,000,000,000 JPY" in crm.fails("deal", "edit", "1", "--amount", "1000000000001").stderr
    )
    assert query(crm, "SELECT amount_minor, currency FROM deals") == [(10**12, "JPY")]


def test_a_deal_printed_with_json_has_one_shape_whatever_the_command(with_kari) -> None:  # noqa: ANN001
    crm = with_kari
    added = crm.ok("deal", "add", "Fleet", "--contact", "kari", "--amount", "96000 NOK", "--json").json()
    deal_id = str(added["id"])
    # deal show adds its view (probability, days in stage, stage changes) to the same record
    record = set(crm.ok("deal", "show", deal_id, "--json").json()) - {"probability", "days_in_stage",
                                                                     "stage_changes"}  # fmt: skip
    assert "value" not in record
    shapes = {
        "add": added,
        "edit": crm.ok("deal", "edit", deal_id, "--title", "Fleet 2", "--json").json(),
        "move": crm.ok("deal", "move", deal_id, "proposal", "--json").json(),
        "won": crm.ok("deal", "won", deal_id, "--json").json(),
        "reopen": crm.ok("deal", "reopen", deal_id, "--json").json(),
        "lost": crm.ok("deal", "lost", deal_id, "--reason", "price", "--json").json(),
        "list": crm.ok("deal", "list", "--status", "all", "--json").json()[0],
    }
    assert {command: set(deal) for command, deal in shapes.items()} == dict.fromkeys(shapes, record)
    # the messages still give the amount as text
    assert "(96,000.00 NOK" in crm.ok("deal", "add", "Fleet", "--amount", "96000 NOK").stderr


@pytest.mark.parametrize(("option", "blank"), [("--contact", ""), ("--contact", " "), ("--company", "  ")])
def test_a_blank_link_on_a_new_deal_is_refused_not_ignored(with_kari, option: str, blank: str) -> None:  # noqa: ANN001
    from helpers import one_sentence

    result = with_kari.fails("deal", "add", "Fleet", option, blank, "--amount", "100")
    assert one_sentence(result.stderr) == (
        f"crm: {option} cannot be empty on a new deal; give an id, e-mail or name, or leave it out."
    )
    assert rows(with_kari, "SELECT count(*) FROM deals") == [(0,)]
