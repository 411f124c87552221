"""crm lead … and crm contact churn: lead → qualified → opportunity → customer → churned."""

from __future__ import annotations

import sqlite3

import pytest

from helpers import rows


def query(crm, sql: str) -> list[tuple]:  # noqa: ANN001
    return rows(crm, sql)


def test_a_lead_needs_its_source(crm) -> None:  # noqa: ANN001
    result = crm.fails("lead", "add", "Åsa Lindström", code=2)
    assert result.stderr == "crm: Missing option '--source' (see 'crm lead add --help').\n"
    assert not crm.db.exists()  # refused before the database was even opened
    added = crm.ok("lead", "add", "Åsa Lindström", "--source", "web form", "--email", "asa@malmo.se",
                   "--company", "Malmö Mekaniska AB", "--json").json()  # fmt: skip
    assert (added["lifecycle_stage"], added["source"], added["company"]) == (
        "lead",
        "web form",
        "Malmö Mekaniska AB",
    )


def test_lead_list_shows_leads_and_qualified_leads(crm) -> None:  # noqa: ANN001
    crm.ok("lead", "add", "Åsa Lindström", "--source", "web form")
    crm.ok("lead", "add", "Ingrid Solberg", "--source", "event", "--owner", "ada")
    crm.ok("add", "Kari Nordmann", "--stage", "customer")
    crm.ok("lead", "qualify", "ingrid")
    rows = crm.ok("lead", "list", "--json").json()
    assert [(r["name"], r["lifecycle_stage"]) for r in rows] == [
        ("Ingrid Solberg", "qualified"),
        ("Åsa Lindström", "lead"),
    ]
    assert rows[0]["stage_since"] is not None
    assert [r["name"] for r in crm.ok("lead", "list", "--stage", "lead", "--json").json()] == [
        "Åsa Lindström"
    ]
    assert [r["name"] for r in crm.ok("lead", "list", "--source", "EVENT", "--json").json()] == [
        "Ingrid Solberg"
    ]
    assert [r["name"] for r in crm.ok("lead", "list", "--owner", "ada", "--json").json()] == [
        "Ingrid Solberg"
    ]
    table = crm.ok("lead", "list").stdout.splitlines()
    assert table[0].split() == ["ID", "NAME", "EMAIL", "COMPANY", "STAGE", "SOURCE", "OWNER", "ADDED"]
    assert (
        "Leads are in the stages lead and qualified"
        in crm.fails("lead", "list", "--stage", "customer").stderr
    )


def test_from_lead_to_churned_with_every_date_kept(crm) -> None:  # noqa: ANN001
    crm.write_config('[currencies]\nrates = { SEK = "0.087" }\n')
    crm.ok("lead", "add", "Åsa Lindström", "--source", "web form", "--company", "Malmö Mekaniska AB")
    crm.ok("lead", "qualify", "åsa")
    args = ["--amount", "250k", "--currency", "SEK", "--stage", "proposal", "--close", "2030-06-30"]
    converted = crm.ok("lead", "convert", "åsa", "--deal", "Planning suite", *args, "--json").json()
    contact, deal = converted["contact"], converted["deal"]
    assert contact["lifecycle_stage"] == "opportunity" and contact["customer_since"] is None
    assert (deal["title"], deal["amount_minor"], deal["currency"], deal["stage"]) == (
        "Planning suite",
        25_000_000,
        "SEK",
        "proposal",
    )
    assert deal["contact_id"] == contact["id"] and deal["company"] == "Malmö Mekaniska AB"
    assert deal["owner"] == contact["owner"] == "tester"
    crm.ok("deal", "won", str(deal["id"]))
    customer = crm.ok("contact", "show", "åsa", "--json").json()["contact"]
    assert customer["lifecycle_stage"] == "customer" and customer["customer_since"]
    churned = crm.ok("contact", "churn", "åsa", "--reason", "went bankrupt", "--json").json()
    assert churned["lifecycle_stage"] == "churned" and churned["churn_reason"] == "went bankrupt"
    assert churned["customer_since"] == customer["customer_since"]  # the customer's lifetime keeps its start
    assert churned["churned_at"] >= churned["customer_since"]
    stages = query(crm, "SELECT from_stage, to_stage, actor FROM lifecycle_changes ORDER BY id")
    assert stages == [
        (None, "lead", "tester"), ("lead", "qualified", "tester"), ("qualified", "opportunity", "tester"),
        ("opportunity", "customer", "tester"), ("customer", "churned", "tester"),
    ]  # fmt: skip


def test_convert_opens_a_deal_by_default_and_can_skip_it(crm) -> None:  # noqa: ANN001
    crm.ok("lead", "add", "Ingrid Solberg", "--source", "event", "--company", "Nordlys Energi AS")
    crm.ok("lead", "add", "Erik Dahl", "--source", "cold call")
    result = crm.ok("lead", "convert", "ingrid")
    assert "opened deal #1 Nordlys Energi AS (0.00 EUR, sales/qualification, owner tester)" in result.stderr
    skipped = crm.ok("lead", "convert", "erik", "--no-deal", "--json").json()
    assert skipped["deal"] is None and skipped["contact"]["lifecycle_stage"] == "opportunity"
    assert query(crm, "SELECT count(*) FROM deals") == [(1,)]


def test_refused_steps_change_nothing(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--stage", "customer")
    crm.ok("lead", "add", "Åsa Lindström", "--source", "web form")
    assert crm.fails("lead", "qualify", "kari").stderr == (
        "crm: Kari Nordmann is a customer, not a lead; only leads can be qualified.\n"
    )
    assert "only leads and qualified leads can be converted" in crm.fails("lead", "convert", "kari").stderr
    assert crm.fails("contact", "churn", "åsa", "--reason", "x").stderr == (
        "crm: Åsa Lindström is a lead; only customers can churn.\n"
    )
    assert "Missing option '--reason'" in crm.fails("contact", "churn", "kari", code=2).stderr
    assert "cannot go with" in crm.fails("lead", "convert", "åsa", "--no-deal", "--amount", "5").stderr
    bad_amount = crm.fails("lead", "convert", "åsa", "--amount", "lots")
    assert "Cannot read 'lots' as an amount" in bad_amount.stderr
    # The failed conversion rolled back its first half too: still a lead, no deal.
    assert query(crm, "SELECT lifecycle_stage FROM contacts ORDER BY id") == [("customer",), ("lead",)]
    assert query(crm, "SELECT count(*) FROM deals") == [(0,)]
    assert query(crm, "SELECT count(*) FROM lifecycle_changes") == [(2,)]


def test_a_routing_rule_on_lead_converted_decides_the_deals_owner(crm) -> None:  # noqa: ANN001
    crm.write_config(
        '[[team]]\nhandle = "tester"\n[[team]]\nhandle = "daniel"\n\n'
        '[[rules]]\nname = "Conversions to Daniel"\non = "lead.converted"\nassign = "daniel"\n'
    )
    crm.ok("lead", "add", "Ingrid Solberg", "--source", "event")
    converted = crm.ok("lead", "convert", "ingrid", "--amount", "5000", "--json").json()
    assert converted["contact"]["owner"] == "daniel" and converted["deal"]["owner"] == "daniel"
    mine = crm.ok("lead", "add", "Erik Dahl", "--source", "event", "--json").json()
    kept = crm.ok("lead", "convert", str(mine["id"]), "--owner", "tester", "--json").json()
    assert kept["deal"]["owner"] == "tester"  # --owner wins over the rule for the deal


ROUTE_LEADS = (
    '[[team]]\nhandle = "tester"\n[[team]]\nhandle = "karin"\n[[team]]\nhandle = "daniel"\n\n'
    '[[rules]]\nname = "Leads to Karin"\non = "lead.created"\nassign = "karin"\n\n'
    '[[rules]]\nname = "Qualified are hot"\non = "lead.qualified"\nadd_tags = ["hot"]\n\n'
    '[[rules]]\nname = "Conversions to Daniel"\non = "lead.converted"\nassign = "daniel"\n'
)


def test_edit_into_the_funnel_fires_the_events_of_the_lead_commands(crm) -> None:  # noqa: ANN001
    crm.write_config(ROUTE_LEADS)
    crm.ok("add", "Via Edit", "--source", "event")
    led = crm.ok("contact", "edit", "via", "--stage", "lead", "--json").json()
    assert (led["lifecycle_stage"], led["owner"]) == ("lead", "karin")  # as `crm add --stage lead`
    assert crm.ok("rules", "explain", "via", "--json").json()[0]["rule"] == "Leads to Karin"
    qualified = crm.ok("contact", "edit", "via", "--stage", "qualified", "--json").json()
    assert qualified["tags"] == ["hot"]
    converted = crm.ok("contact", "edit", "via", "--stage", "opportunity", "--json").json()
    assert (converted["lifecycle_stage"], converted["owner"]) == ("opportunity", "daniel")
    assert query(crm, "SELECT count(*) FROM deals") == [(0,)]  # as `lead convert --no-deal`
    decided = [d["event"] for d in crm.ok("rules", "explain", "via", "--json").json()]
    assert decided == ["lead.created", "lead.qualified", "lead.converted"]
    # Each edit is one change: undo takes back the stage and what its rule did with it.
    crm.ok("undo")
    back = crm.ok("contact", "show", "via", "--json").json()["contact"]
    assert (back["lifecycle_stage"], back["owner"]) == ("qualified", "karin")
    crm.ok("undo")
    crm.ok("undo")
    back = crm.ok("contact", "show", "via", "--json").json()["contact"]
    assert (back["lifecycle_stage"], back["owner"], back["tags"]) == ("other", "tester", [])
    assert query(crm, "SELECT from_stage, to_stage FROM lifecycle_changes") == [(None, "other")]


def test_edit_refuses_the_moves_the_lead_commands_refuse(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Kari Nordmann", "--stage", "customer")
    crm.ok("add", "Ola Other")
    assert crm.fails("contact", "edit", "kari", "--stage", "qualified").stderr == (
        "crm: Kari Nordmann is a customer, not a lead; only leads can be qualified.\n"
    )
    assert crm.fails("contact", "edit", "ola", "--stage", "opportunity", "--title", "CTO").stderr == (
        "crm: Ola Other is not in the sales funnel (other); "
        "only leads and qualified leads can be converted.\n"
    )
    assert query(crm, "SELECT lifecycle_stage, title FROM contacts ORDER BY id") == [
        ("customer", None),
        ("other", None),
    ]  # nothing of a refused edit is kept
    crm.ok("contact", "edit", "kari", "--stage", "customer", "--title", "CFO")  # no move, no refusal


def test_edit_does_not_churn_churn_does(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Never Customer", "--stage", "opportunity")
    crm.ok("add", "Kari Nordmann", "--stage", "customer")
    assert crm.fails("contact", "edit", "never", "--stage", "churned").stderr == (
        "crm: Never Customer is an opportunity; only customers can churn.\n"
    )
    assert crm.fails("contact", "edit", "kari", "--stage", "churned").stderr == (
        "crm: Churn Kari Nordmann with crm contact churn 2 --reason TEXT, which keeps why they left.\n"
    )
    assert query(crm, "SELECT lifecycle_stage, churned_at FROM contacts ORDER BY id") == [
        ("opportunity", None),
        ("customer", None),
    ]
    crm.ok("contact", "churn", "kari", "--reason", "price")
    # Out of churned only by a won deal: edit would clear churned_at and keep customer_since,
    # and the KPIs would count her a customer again. The churn stays on the timeline.
    assert crm.fails("contact", "edit", "kari", "--stage", "lead").stderr == (
        "crm: Kari Nordmann churned, and only a won deal wins them back: crm deal won ID "
        "(crm deal add TITLE --contact 2 opens one if they have none).\n"
    )
    crm.ok("deal", "add", "Win-back", "--contact", "kari")
    crm.ok("deal", "won", "1")
    stages = query(crm, "SELECT from_stage, to_stage FROM lifecycle_changes WHERE contact_id = 2 ORDER BY id")
    assert stages == [(None, "customer"), ("customer", "churned"), ("churned", "customer")]


# Every move `crm contact edit --stage` could be asked for, from each stage to each other.
# Allowed: the steps of the lead commands, with the event each fires.
EDIT_STEPS = {
    ("other", "lead"): "lead.created",  # as `crm add --stage lead`
    ("lead", "qualified"): "lead.qualified",  # as `crm lead qualify`
    ("lead", "opportunity"): "lead.converted",  # as `crm lead convert --no-deal`
    ("qualified", "opportunity"): "lead.converted",
    ("other", "customer"): None,  # as `crm add --stage customer`: a customer since now, no lead event
}
WON_DEAL = (
    "A won deal makes Ann Berg a customer: crm deal won ID "
    "(crm deal add TITLE --contact 1 opens one if they have none)."
)
WON_LEAD = (
    "A won deal makes Ann Berg a customer: crm deal won ID (crm lead convert 1 opens one if they have none)."
)
CHURN_ENDS = "Ann Berg is a customer, and only churning ends that: crm contact churn 1 --reason TEXT."
WIN_BACK = (
    "Ann Berg churned, and only a won deal wins them back: crm deal won ID "
    "(crm deal add TITLE --contact 1 opens one if they have none)."
)
ONWARD = {
    "lead": "crm lead qualify or crm lead convert",
    "qualified": "crm lead convert",
    "opportunity": "crm deal won ID",
}
PHRASE = {"other": "not in the sales funnel (other)", "lead": "a lead", "qualified": "a qualified lead",
          "opportunity": "an opportunity", "customer": "a customer", "churned": "churned"}  # fmt: skip


def _refusal(start: str, stage: str) -> str:
    """The one sentence `crm contact edit --stage` answers a move the lead commands do not take with."""
    if stage == "qualified":
        return f"Ann Berg is {PHRASE[start]}, not a lead; only leads can be qualified."
    if stage == "opportunity":
        return f"Ann Berg is {PHRASE[start]}; only leads and qualified leads can be converted."
    if stage == "churned":
        if start == "customer":
            return "Churn Ann Berg with crm contact churn 1 --reason TEXT, which keeps why they left."
        return f"Ann Berg is {PHRASE[start]}; only customers can churn."
    if stage == "customer":
        return WON_LEAD if start in ("lead", "qualified") else WON_DEAL
    if start == "customer":
        return CHURN_ENDS
    if start == "churned":
        return WIN_BACK
    onward = ONWARD[start]
    away = "back to a lead" if stage == "lead" else "out of it to other"
    return f"Ann Berg is {PHRASE[start]}, and the funnel only moves on from there ({onward}), never {away}."


STAGES = ("other", "lead", "qualified", "opportunity", "customer", "churned")
REFUSED = [
    (start, stage)
    for start in STAGES
    for stage in STAGES
    if start != stage and (start, stage) not in EDIT_STEPS
]
EVENT_TAGS = (
    '[[rules]]\nname = "Created"\non = "lead.created"\nadd_tags = ["created"]\n\n'
    '[[rules]]\nname = "Qualified"\non = "lead.qualified"\nadd_tags = ["qualified"]\n\n'
    '[[rules]]\nname = "Converted"\non = "lead.converted"\nadd_tags = ["converted"]\n'
)


def _ann_in(crm, stage: str) -> dict:  # noqa: ANN001
    """Ann Berg, contact #1, in `stage`, reached as the commands reach it."""
    if stage == "churned":
        crm.ok("add", "Ann Berg", "--stage", "customer")
        crm.ok("contact", "churn", "ann", "--reason", "price")
    else:
        crm.ok("add", "Ann Berg", "--stage", stage, "--source", "event")
    return crm.ok("contact", "show", "ann", "--json").json()["contact"]


def _stored(crm) -> list[tuple]:  # noqa: ANN001
    contact = query(
        crm, "SELECT lifecycle_stage, title, customer_since, churned_at, churn_reason FROM contacts"
    )
    return contact + query(crm, "SELECT from_stage, to_stage, at, reason FROM lifecycle_changes ORDER BY id")


@pytest.mark.parametrize(("start", "stage"), REFUSED, ids=[f"{start}-{stage}" for start, stage in REFUSED])
def test_edit_refuses_every_move_the_lead_commands_do_not_take(crm, start: str, stage: str) -> None:  # noqa: ANN001
    """One sentence (naming the command that takes the move where there is one), exit 1,
    and nothing changed, not even the --title given with it."""
    _ann_in(crm, start)
    before = _stored(crm)
    result = crm.fails("contact", "edit", "ann", "--stage", stage, "--title", "CTO")
    assert result.stderr == f"crm: {_refusal(start, stage)}\n"
    assert _stored(crm) == before


@pytest.mark.parametrize(("start", "stage"), list(EDIT_STEPS), ids=[f"{a}-{b}" for a, b in EDIT_STEPS])
def test_edit_takes_the_steps_of_the_lead_commands_with_their_events(crm, start: str, stage: str) -> None:  # noqa: ANN001
    crm.write_config(EVENT_TAGS)
    tags_before = set(_ann_in(crm, start)["tags"])
    after = crm.ok("contact", "edit", "ann", "--stage", stage, "--json").json()
    assert after["lifecycle_stage"] == stage
    event = EDIT_STEPS[(start, stage)]
    assert set(after["tags"]) - tags_before == ({event.split(".")[1]} if event else set())  # its rule ran
    assert query(crm, "SELECT from_stage, to_stage FROM lifecycle_changes ORDER BY id")[-1] == (start, stage)
    assert (after["customer_since"] is not None) == (stage == "customer") and after["churned_at"] is None


def _churn_figures(crm) -> tuple:  # noqa: ANN001
    kpis = {row["key"]: row["value"] for row in crm.ok("kpi", "--json").json()["kpis"]}
    return kpis["churned_customers"], kpis["churn_rate"], kpis["retention_rate"]


def test_a_customer_leaves_only_by_churning_so_the_kpis_count_it(crm) -> None:  # noqa: ANN001
    """The QA case: edit moved an old customer to other with no churn recorded, and the
    KPIs kept counting her as retained (churn 0 %, retention 100 %)."""
    crm.ok("add", "Cus Tomer", "--stage", "customer")
    conn = sqlite3.connect(crm.db)
    with conn:  # a customer since before the period
        conn.execute("UPDATE contacts SET customer_since = '2025-01-01T00:00:00Z'")
    conn.close()
    for stage in ("other", "lead"):
        assert crm.fails("contact", "edit", "cus", "--stage", stage).stderr == (
            "crm: Cus Tomer is a customer, and only churning ends that: crm contact churn 1 --reason TEXT.\n"
        )
    assert query(crm, "SELECT lifecycle_stage, churned_at FROM contacts") == [("customer", None)]
    assert _churn_figures(crm) == (0, 0.0, 1.0)  # still a customer, rightly
    crm.ok("contact", "churn", "cus", "--reason", "price")
    assert _churn_figures(crm) == (1, 1.0, 0.0)


RULES_ON_THE_STEPS = (
    '[[team]]\nhandle = "tester"\n[[team]]\nhandle = "karin"\n\n'
    '[[rules]]\nname = "Hot"\non = "lead.qualified"\nadd_tags = ["hot"]\nset = { score = "high" }\n\n'
    '[[rules]]\nname = "Win back"\non = "contact.churned"\nadd_tags = ["win-back"]\nassign = "karin"\n'
)


def test_qualify_and_churn_print_the_contact_as_the_rules_left_it(crm) -> None:  # noqa: ANN001
    crm.write_config(RULES_ON_THE_STEPS)
    crm.ok("lead", "add", "Åsa Lindström", "--source", "web form")
    crm.ok("add", "Kari Nordmann", "--stage", "customer")

    def stored(printed: dict) -> dict:  # the contact as show reads it back (which adds last_touch_at)
        shown = crm.ok("contact", "show", str(printed["id"]), "--json").json()["contact"]
        return {key: shown[key] for key in printed}

    qualified = crm.ok("lead", "qualify", "åsa", "--json").json()
    assert (qualified["tags"], qualified["fields"]) == (["hot"], {"score": "high"})
    assert qualified == stored(qualified)
    churned = crm.ok("contact", "churn", "kari", "--reason", "price", "--json").json()
    assert (churned["tags"], churned["owner"]) == (["win-back"], "karin")
    assert churned == stored(churned)
