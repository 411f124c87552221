"""`crm import contacts --on-duplicate update` moves a contact's lifecycle stage only on
through the funnel, with the events and dates of the commands that take each step, and
checks the tags a file gives as `crm add --tag` checks them.

It used to set whatever stage the file had: a customer moved back to `other` with no churn
(the KPIs then counted them kept for ever), a churn without a reason, a lead qualified with
no `lead.qualified` for the routing rules."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from helpers import rows, write_csv

HEADER = ["name", "email", "lifecycle_stage", "title"]
EVENT_TAGS = (
    '[[rules]]\nname = "Created"\non = "lead.created"\nadd_tags = ["created"]\n\n'
    # `from` is the funnel stage the step left, as the lead commands say it: never "other".
    '[[rules]]\nname = "Qualified"\non = "lead.qualified"\nwhen = { field = "event.from", value = "lead" }\n'
    'add_tags = ["qualified"]\n\n'
    '[[rules]]\nname = "Converted"\non = "lead.converted"\n'
    'when = { field = "event.from", op = "in", value = ["lead", "qualified"] }\nadd_tags = ["converted"]\n\n'
    '[[rules]]\nname = "Churned"\non = "contact.churned"\nadd_tags = ["churned"]\n'
)
STAGES = ("other", "lead", "qualified", "opportunity", "customer", "churned")
# The moves a row takes, and the events each fires: those of the steps the lead commands
# would take (a jump from other enters the funnel as a lead first).
IMPORT_STEPS = {
    ("other", "lead"): ("lead.created",),  # as `crm add --stage lead`
    ("other", "qualified"): ("lead.created", "lead.qualified"),
    ("other", "opportunity"): ("lead.created", "lead.converted"),
    ("other", "customer"): (),  # as `crm add --stage customer`: never a lead
    ("lead", "qualified"): ("lead.qualified",),  # as `crm lead qualify`
    ("lead", "opportunity"): ("lead.converted",),  # as `crm lead convert`
    ("lead", "customer"): ("lead.converted",),  # converted, then a won deal
    ("qualified", "opportunity"): ("lead.converted",),
    ("qualified", "customer"): ("lead.converted",),
    ("opportunity", "customer"): (),  # as a won deal
    ("churned", "customer"): (),  # a win-back the other system saw
}
REFUSED = [
    (start, stage)
    for start in STAGES
    for stage in STAGES
    if start != stage and (start, stage) not in IMPORT_STEPS and (start, stage) != ("customer", "churned")
]
NEEDS_REASON = (
    "Contact #1 is a customer, and churning them needs a reason: give the row one in a churn_reason column "
    "(as crm contact churn 1 --reason TEXT does)."
)


def _refusal(start: str, stage: str) -> str:
    """The sentence a row that moves Ann Berg (#1) from `start` to `stage` is rejected with."""
    if stage == "churned":
        return (
            f"The lifecycle stage of contact #1 cannot move from {start} to churned in an import: only a "
            "customer churns (crm contact churn 1 --reason TEXT, once a won deal has made them one)."
        )
    if start == "customer":
        churn = "crm contact churn 1 --reason TEXT"
        how = f"only churning ends a customer (churned with a churn_reason, or {churn})"
    elif start == "churned":
        how = "only a won deal wins a churned contact back (customer in the file, or crm deal won ID)"
    else:
        onward = {"lead": "crm lead qualify or crm lead convert", "qualified": "crm lead convert"}
        how = (
            f"the funnel only moves on ({onward.get(start, 'crm deal won ID')}), and no command moves it back"
        )
    return f"The lifecycle stage of contact #1 cannot move from {start} back to {stage} in an import: {how}."


def update(crm, path: Path, *args: str, ok: bool = True):  # noqa: ANN001, ANN201
    run = crm.ok if ok else crm.fails
    return run("import", "contacts", str(path), "--on-duplicate", "update", *args)


def _ann_in(crm, stage: str) -> dict:  # noqa: ANN001
    """Ann Berg, contact #1, in `stage`, reached as the commands reach it."""
    if stage == "churned":
        crm.ok("add", "Ann Berg", "-e", "ann@x.example", "--stage", "customer")
        crm.ok("contact", "churn", "ann", "--reason", "price")
    else:
        crm.ok("add", "Ann Berg", "-e", "ann@x.example", "--stage", stage, "--source", "event")
    return shown(crm, "ann")


def shown(crm, ref: str) -> dict:  # noqa: ANN001
    return crm.ok("contact", "show", ref, "--json").json()["contact"]


def _stored(crm) -> list[tuple]:  # noqa: ANN001
    contacts = rows(
        crm,
        "SELECT lifecycle_stage, title, customer_since, churned_at, churn_reason FROM contacts ORDER BY id",
    )
    return contacts + rows(
        crm, "SELECT contact_id, from_stage, to_stage, at, reason FROM lifecycle_changes ORDER BY id"
    )


def _steps(crm, contact_id: int = 1) -> list[tuple]:  # noqa: ANN001
    sql = "SELECT from_stage, to_stage, at, reason FROM lifecycle_changes WHERE contact_id = ? ORDER BY id"
    return rows(crm, sql, (contact_id,))


@pytest.mark.parametrize(("start", "stage"), list(IMPORT_STEPS), ids=[f"{a}-{b}" for a, b in IMPORT_STEPS])
def test_a_row_moves_its_contact_on_with_the_events_of_the_steps(
    crm, tmp_path: Path, start: str, stage: str
) -> None:  # noqa: ANN001
    crm.write_config(EVENT_TAGS)
    before = _ann_in(crm, start)
    source = write_csv(tmp_path / "c.csv", [HEADER, ["Ann Berg", "ann@x.example", stage, ""]])
    result = update(crm, source)
    assert "0 created, 1 updated, 0 unchanged" in result.stderr
    after = shown(crm, "ann")
    assert after["lifecycle_stage"] == stage
    events = IMPORT_STEPS[(start, stage)]
    assert set(after["tags"]) - set(before["tags"]) == {e.split(".")[1] for e in events}  # their rules ran
    assert _steps(crm)[-1][:2] == (start, stage)
    assert (after["customer_since"] is not None) == (stage == "customer")
    assert after["churned_at"] is None and after["churn_reason"] is None


@pytest.mark.parametrize(("start", "stage"), REFUSED, ids=[f"{a}-{b}" for a, b in REFUSED])
def test_any_other_move_rejects_the_row_and_changes_nothing(
    crm, tmp_path: Path, start: str, stage: str
) -> None:  # noqa: ANN001
    _ann_in(crm, start)
    before = _stored(crm)
    source = write_csv(
        tmp_path / "c.csv",
        [HEADER + ["churn_reason"], ["Ann Berg", "ann@x.example", stage, "CTO", "price"]],
    )
    result = update(crm, source, ok=False)
    assert f"  line 2: {_refusal(start, stage)}\n" in result.stderr
    assert _stored(crm) == before  # not even the title


def test_routing_rules_see_the_leads_an_update_qualifies_and_converts(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(
        '[[team]]\nhandle = "alan"\n[[team]]\nhandle = "karin"\n[[team]]\nhandle = "daniel"\n\n'
        '[[rules]]\nname = "New leads to Alan"\non = "lead.created"\nassign = "alan"\n\n'
        '[[rules]]\nname = "Qualified to Karin"\non = "lead.qualified"\nassign = "karin"\n\n'
        '[[rules]]\nname = "Converted to Daniel"\non = "lead.converted"\nassign = "daniel"\n'
    )
    crm.ok("--user", "alan", "add", "Olga", "-e", "olga@x.example")
    crm.ok("--user", "alan", "lead", "add", "Lena", "-e", "lena@x.example", "--source", "web")
    crm.ok("--user", "alan", "lead", "add", "Quinn", "-e", "quinn@x.example", "--source", "fair")
    crm.ok("--user", "alan", "contact", "edit", "olga", "--owner", "karin")
    source = write_csv(
        tmp_path / "c.csv",
        [HEADER, ["Olga", "olga@x.example", "lead", ""], ["Lena", "lena@x.example", "SQL", ""],
         ["Quinn", "quinn@x.example", "opportunity", ""]],
    )  # fmt: skip
    crm.ok("--user", "alan", "import", "contacts", str(source), "--on-duplicate", "update")
    people = {
        c["name"]: (c["lifecycle_stage"], c["owner"]) for c in crm.ok("contact", "list", "--json").json()
    }
    assert people == {
        "Olga": ("lead", "alan"),
        "Lena": ("qualified", "karin"),
        "Quinn": ("opportunity", "daniel"),
    }


def test_a_backward_row_rejects_the_whole_import_unless_partial(crm, tmp_path: Path) -> None:  # noqa: ANN001
    _ann_in(crm, "customer")
    crm.ok("lead", "add", "Bob", "-e", "bob@x.example", "--source", "web")
    source = write_csv(
        tmp_path / "c.csv",
        [HEADER, ["Ann Berg", "ann@x.example", "other", "CTO"], ["Bob", "bob@x.example", "qualified", "CEO"],
         ["Cy", "cy@x.example", "lead", ""]],
    )  # fmt: skip
    before = _stored(crm)
    result = update(crm, source, ok=False)
    assert result.stderr.splitlines() == [
        f"  line 2: {_refusal('customer', 'other')}",
        f"Nothing was written; it would have been contacts from {source}, 3 rows: 1 created, 1 updated, "
        "0 unchanged, 0 skipped as duplicates, 1 rejected.",
        "crm: 1 of 3 rows was rejected, so nothing was imported; fix them (see --rejects) or import the good "
        "rows with --partial.",
    ]
    assert _stored(crm) == before

    rejects = tmp_path / "rejects.csv"
    update(crm, source, "--partial", "--rejects", str(rejects), ok=False)
    stages = {
        c["name"]: (c["lifecycle_stage"], c["title"]) for c in crm.ok("contact", "list", "--json").json()
    }
    assert stages == {"Ann Berg": ("customer", None), "Bob": ("qualified", "CEO"), "Cy": ("lead", None)}
    assert list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8")))) == [
        ["crm_line", "crm_reason", *HEADER],
        ["2", _refusal("customer", "other"), "Ann Berg", "ann@x.example", "other", "CTO"],
    ]


def test_a_customer_churns_only_with_a_reason_as_contact_churn_records_it(crm, tmp_path: Path) -> None:  # noqa: ANN001
    crm.write_config(EVENT_TAGS)
    _ann_in(crm, "customer")
    _customer_since(crm, "2025-01-01T00:00:00Z")  # before the churned_at below
    crm.ok("add", "Cy", "-e", "cy@x.example", "--stage", "customer")
    before = _stored(crm)
    header = [*HEADER, "churn_reason", "churned_at"]
    no_reason = write_csv(
        tmp_path / "a.csv", [header, ["Ann Berg", "ann@x.example", "churned", "CTO", "", ""]]
    )
    result = update(crm, no_reason, ok=False)
    assert f"  line 2: {NEEDS_REASON}\n" in result.stderr
    assert _stored(crm) == before

    source = write_csv(
        tmp_path / "b.csv",
        [header, ["Ann Berg", "ann@x.example", "Former customer", "", "price", "2025-03-01"],
         ["Cy", "cy@x.example", "churned", "", " support ", ""]],
    )  # fmt: skip
    update(crm, source)
    ann, cy = shown(crm, "ann"), shown(crm, "cy")
    assert (ann["lifecycle_stage"], ann["churned_at"], ann["churn_reason"]) == (
        "churned", "2025-03-01T00:00:00Z", "price"
    )  # fmt: skip
    assert (cy["lifecycle_stage"], cy["churn_reason"]) == ("churned", "support")
    assert "churned" in ann["tags"] and "churned" in cy["tags"]  # contact.churned fired
    assert ann["customer_since"] == before[0][2] and cy["customer_since"] == before[1][2]  # kept
    assert _steps(crm, 1)[-1] == ("customer", "churned", "2025-03-01T00:00:00Z", "price")
    assert _steps(crm, 2)[-1] == ("customer", "churned", cy["churned_at"], "support")

    # As `crm contact churn` records it: the same stage row and history note.
    crm.ok("add", "Dee", "-e", "dee@x.example", "--stage", "customer")
    crm.ok("contact", "churn", "dee", "--reason", "support")
    history = "SELECT note FROM history WHERE entity = 'contact' AND entity_id = ? AND action = 'update'"
    assert rows(crm, history, (2,)) == rows(crm, history, (3,)) == [("support",)]
    assert _steps(crm, 3)[-1][:2] == _steps(crm, 2)[-1][:2]


def test_an_imported_churn_counts_in_the_kpis(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """The QA case: the row moved an old customer to other, and the KPIs showed no churn
    and full retention."""
    _ann_in(crm, "customer")
    _customer_since(crm, "2025-01-01T00:00:00Z")  # a customer since before the period
    back = write_csv(tmp_path / "a.csv", [HEADER, ["Ann Berg", "ann@x.example", "other", ""]])
    update(crm, back, ok=False)
    assert _churn_figures(crm) == (0, 0.0, 1.0)  # still a customer, rightly
    churn = write_csv(
        tmp_path / "b.csv", [[*HEADER, "churn_reason"], ["Ann Berg", "ann@x.example", "churned", "", "price"]]
    )
    update(crm, churn)
    assert _churn_figures(crm) == (1, 1.0, 0.0)


def _customer_since(crm, at: str) -> None:  # noqa: ANN001
    """Every customer a customer since `at`, their stage history too."""
    conn = sqlite3.connect(crm.db)
    with conn:
        conn.execute("UPDATE contacts SET customer_since = ? WHERE customer_since IS NOT NULL", (at,))
        conn.execute("UPDATE lifecycle_changes SET at = ? WHERE to_stage = 'customer'", (at,))
    conn.close()


def _churn_figures(crm, period: str | None = None) -> tuple:  # noqa: ANN001
    chosen = ["--period", period] if period else []
    kpis = {row["key"]: row["value"] for row in crm.ok("kpi", *chosen, "--json").json()["kpis"]}
    return kpis["churned_customers"], kpis["churn_rate"], kpis["retention_rate"]


def test_a_win_back_keeps_the_churn_on_record_and_the_first_customer_since(crm, tmp_path: Path) -> None:  # noqa: ANN001
    first = _ann_in(crm, "churned")
    source = write_csv(
        tmp_path / "c.csv",
        [[*HEADER, "customer_since"], ["Ann Berg", "ann@x.example", "customer", "", "2020-01-01"]],
    )
    update(crm, source)
    ann = shown(crm, "ann")
    assert (ann["lifecycle_stage"], ann["churned_at"], ann["churn_reason"]) == ("customer", None, None)
    assert ann["customer_since"] == first["customer_since"]  # as a won deal keeps it
    steps = _steps(crm)
    assert [s[:2] for s in steps] == [(None, "customer"), ("customer", "churned"), ("churned", "customer")]
    assert (
        steps[-1][2] >= steps[-2][2]
    )  # the file's customer_since is when they first bought: not the win-back
    # The same file again: the same stage, unchanged.
    result = update(crm, source)
    assert "0 created, 0 updated, 1 unchanged" in result.stderr


def test_a_new_customer_is_one_since_the_rows_customer_since(crm, tmp_path: Path) -> None:  # noqa: ANN001
    _ann_in(crm, "other")
    crm.ok("lead", "add", "Bob", "-e", "bob@x.example", "--source", "web")
    source = write_csv(
        tmp_path / "c.csv",
        [[*HEADER, "customer_since"], ["Ann Berg", "ann@x.example", "client", "", "2024-05-01"],
         ["Bob", "bob@x.example", "customer", "", ""]],
    )  # fmt: skip
    update(crm, source)
    assert shown(crm, "ann")["customer_since"] == "2024-05-01T00:00:00Z"
    assert _steps(crm, 1)[-1][:3] == ("other", "customer", "2024-05-01T00:00:00Z")
    bob = shown(crm, "bob")
    assert bob["customer_since"] is not None and _steps(crm, 2)[-1][:3] == (
        "lead",
        "customer",
        bob["customer_since"],
    )


BAD_TAGS = {
    "-trial": "The tag '-trial' cannot start with -: `crm contact tag` reads - and + as remove and add.",
    "+vip": "The tag '+vip' cannot start with +: `crm contact tag` reads - and + as remove and add.",
    "x" * 65: f"The tag {'x' * 65!r} must be 1 to 64 printable characters on one line.",
}


def test_tags_from_the_file_are_checked_as_on_entry(crm, tmp_path: Path) -> None:  # noqa: ANN001
    _ann_in(crm, "lead")
    table = [["name", "email", "tags"], ["Ann Berg", "ann@x.example", "ok, -trial"]]
    table += [[f"New {i}", f"new{i}@x.example", f"fine;{tag}"] for i, tag in enumerate(BAD_TAGS)]
    table += [["Good", "good@x.example", "two  words,\u00a0spaced\u00a0apart"]]
    source = write_csv(tmp_path / "c.csv", table)
    result = update(crm, source, ok=False)
    lines = [line for line in result.stderr.splitlines() if line.startswith("  line ")]
    assert lines == [f"  line 2: {BAD_TAGS['-trial']}"] + [
        f"  line {line}: {reason}" for line, reason in enumerate(BAD_TAGS.values(), 3)
    ]
    assert rows(crm, "SELECT count(*) FROM contacts") == [(1,)] and shown(crm, "ann")["tags"] == []

    update(crm, source, "--partial", ok=False)
    assert sorted(c["name"] for c in crm.ok("contact", "list", "--json").json()) == ["Ann Berg", "Good"]
    assert shown(crm, "good")["tags"] == [
        "spaced apart",
        "two words",
    ]  # spaced as `crm add --tag` spaces them
    assert shown(crm, "ann")["tags"] == []
    # --tag is checked once, before the first row, as it always was.
    result = crm.fails("import", "contacts", str(source), "--tag", "-trial")
    assert result.stderr == f"crm: {BAD_TAGS['-trial']}\n"


# --- the dates a step takes ---------------------------------------------------------------------

DATED = ["name", "email", "lifecycle_stage", "churn_reason", "churned_at", "customer_since"]


def test_a_churn_before_the_customer_since_or_in_the_future_rejects_the_row(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """The QA case: Cora, a customer since today, churned in 2020 by a row; the KPIs of
    2020 showed a churn. A churned_at in the future was taken as now."""
    crm.ok("add", "Cora", "--stage", "customer", "--email", "cora@x.no")
    crm.ok("lead", "add", "Bob", "-e", "bob@x.example", "--source", "web")
    since = shown(crm, "cora")["customer_since"]
    before = _stored(crm)
    source = write_csv(
        tmp_path / "c.csv",
        [DATED, ["Cora", "cora@x.no", "churned", "budget", "2020-01-01", ""],
         ["Cora", "cora@x.no", "churned", "budget", "2030-01-01", ""],
         ["Bob", "bob@x.example", "customer", "", "", "2030-01-01"],
         ["Cora", "cora@x.no", "churned", "budget", "2024-01-01", "2025-01-01"]],
    )  # fmt: skip
    result = update(crm, source, "--partial", ok=False)
    assert [line for line in result.stderr.splitlines() if line.startswith("  line ")] == [
        f"  line 2: The churned_at '2020-01-01' is before contact #1's customer_since {since}: a contact "
        "churns only after becoming a customer.",
        "  line 3: The churned_at '2030-01-01' is in the future; a row records what has happened.",
        "  line 4: The customer_since '2030-01-01' is in the future; a row records what has happened.",
        "  line 5: The churned_at '2024-01-01' is before the customer_since '2025-01-01': a contact "
        "churns only after becoming a customer.",
    ]
    assert _stored(crm) == before
    assert _churn_figures(crm, "2020") == (0, None, None)


def test_every_bad_row_is_reported_in_every_mode(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """Once a row was rejected, nothing would be written, and the updates below it were no
    longer checked: all or nothing and --dry-run listed some bad rows and miscounted."""
    _ann_in(crm, "customer")
    crm.ok("lead", "add", "Bob", "-e", "bob@x.example", "--source", "web")
    crm.ok("add", "Cy", "-e", "cy@x.example", "--stage", "customer")
    crm.ok("lead", "add", "Di", "-e", "di@x.example", "--source", "web")
    table = [
        HEADER + ["churn_reason"],
        ["Ann Berg", "ann@x.example", "other", "", ""],  # rejected while writing
        ["Bad", "bad(at)x.example", "lead", "", ""],  # rejected while reading
        ["Bob", "bob@x.example", "qualified", "", ""],
        ["Cy", "cy@x.example", "churned", "", ""],  # no reason
        ["Di", "di@x.example", "customer", "", ""],
        ["Di", "di@x.example", "churned", "", "price"],  # a customer by the row above
    ]
    source = write_csv(tmp_path / "c.csv", table)
    expected = [
        f"  line 2: {_refusal('customer', 'other')}",
        "  line 3: The email 'bad(at)x.example' is not a valid e-mail address: An email address must have "
        "an @-sign.",
        f"  line 5: {NEEDS_REASON.replace('#1', '#3').replace(' 1 ', ' 3 ')}",
    ]
    counts = "6 rows: 0 created, 3 updated, 0 unchanged, 0 skipped as duplicates, 3 rejected."
    before = _stored(crm)
    for mode in ([], ["--dry-run"], ["--partial"]):
        rejects = tmp_path / "rejects.csv"
        result = update(crm, source, *mode, "--rejects", str(rejects), ok=False)
        assert result.stderr.splitlines()[:3] == expected, mode
        assert counts in result.stderr, mode
        written = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8"))))
        assert [(row[0], row[2]) for row in written[1:]] == [("2", "Ann Berg"), ("3", "Bad"), ("5", "Cy")]
        if mode != ["--partial"]:
            assert _stored(crm) == before
    assert [shown(crm, who)["lifecycle_stage"] for who in ("ann", "bob", "cy", "di")] == [
        "customer", "qualified", "customer", "churned"]  # fmt: skip
    report = update(crm, source, "--json", ok=False).json()
    assert [r["line"] for r in report["rejections"]] == [2, 3, 5]


def test_a_jump_takes_the_steps_of_the_lead_commands_in_order(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """The QA case: a lead imported as a customer fired no lead.converted, and an `other`
    contact imported as an opportunity no lead.created, and a lead.converted from other."""
    crm.write_config(
        '[[team]]\nhandle = "alan"\n[[team]]\nhandle = "karin"\n[[team]]\nhandle = "daniel"\n\n'
        '[[rules]]\nname = "New leads to Karin"\non = "lead.created"\nassign = "karin"\n'
        'add_tags = ["created"]\n\n'
        '[[rules]]\nname = "Converted to Daniel"\non = "lead.converted"\n'
        'when = { all = [{ field = "event.from", value = "lead" }, '
        '{ field = "event.to", value = "opportunity" }] }\n'
        'assign = "daniel"\n'
    )
    crm.ok("--user", "alan", "add", "Olga", "-e", "olga@x.example")
    crm.ok("--user", "alan", "add", "Otto", "-e", "otto@x.example")
    crm.ok("--user", "alan", "add", "Lena", "-e", "lena@x.example", "--stage", "lead", "--source", "web")
    crm.ok("--user", "alan", "contact", "edit", "lena", "--owner", "alan")
    source = write_csv(
        tmp_path / "c.csv",
        [HEADER, ["Olga", "olga@x.example", "opportunity", ""], ["Otto", "otto@x.example", "lead", ""],
         ["Lena", "lena@x.example", "customer", ""]],
    )  # fmt: skip
    crm.ok("--user", "alan", "import", "contacts", str(source), "--on-duplicate", "update")
    people = {
        c["name"]: (c["lifecycle_stage"], c["owner"], c["tags"])
        for c in crm.ok("contact", "list", "--json").json()
    }
    assert people == {
        "Olga": ("opportunity", "daniel", ["created"]),  # lead.created, then lead.converted
        "Otto": ("lead", "karin", ["created"]),
        "Lena": ("customer", "daniel", ["created"]),  # when she was added: lead.converted alone now
    }


def test_dates_that_differ_while_the_stage_stays_are_crms_with_a_warning(crm, tmp_path: Path) -> None:  # noqa: ANN001
    """They were counted unchanged, without a word; an empty churn_reason stayed empty."""
    _ann_in(crm, "customer")
    _customer_since(crm, "2025-01-01T00:00:00Z")
    dee = write_csv(
        tmp_path / "d.csv", [["name", "email", "lifecycle_stage"], ["Dee", "dee@x.example", "churned"]]
    )
    crm.ok("import", "contacts", str(dee))  # churned, with no dates nor reason
    crm.ok("add", "Eve", "-e", "eve@x.example", "--stage", "customer")
    crm.ok("contact", "churn", "eve", "--reason", "price")
    eve = shown(crm, "eve")
    source = write_csv(
        tmp_path / "c.csv",
        [DATED, ["Ann Berg", "ann@x.example", "customer", "", "", "2024-06-01"],
         ["Dee", "dee@x.example", "churned", "budget", "", ""],
         ["Eve", "eve@x.example", "", "support", "2025-02-01", ""]],
    )  # fmt: skip
    result = update(crm, source)
    assert [line for line in result.stderr.splitlines() if "warning" in line] == [
        "  warning: line 2: customer_since '2024-06-01' differs from crm's 2025-01-01T00:00:00Z; crm keeps "
        "its own, which the contact's stage history records",
        f"  warning: line 4: churned_at '2025-02-01' differs from crm's {eve['churned_at']}; crm keeps its "
        "own, which the contact's stage history records",
        "  warning: line 4: churn_reason 'support' differs from crm's 'price'; crm keeps its own",
    ]
    assert "0 created, 1 updated, 2 unchanged" in result.stderr
    assert shown(crm, "ann")["customer_since"] == "2025-01-01T00:00:00Z"
    assert (shown(crm, "dee")["churn_reason"], shown(crm, "dee")["churned_at"]) == ("budget", None)
    assert shown(crm, "eve") == eve
    history = "SELECT note FROM history WHERE entity = 'contact' AND entity_id = 2 AND action = 'update'"
    assert len(rows(crm, history)) == 1  # `crm undo` takes the filled reason back
