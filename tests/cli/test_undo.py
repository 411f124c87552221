"""crm undo: the acting user's last change is reversed from the history, one change at a
time, in one transaction that is itself recorded; someone else's later change blocks it."""

from __future__ import annotations

import json
import shlex
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crmcli import clock
from helpers import one_sentence, rows

ROUTING = Path(__file__).resolve().parents[2] / "examples" / "routing.toml"
# Written by every undo (the record was updated), or a log of changes, not data.
LOGS = ("changes", "history", "sqlite_sequence")


def run(crm, line: str):  # noqa: ANN201
    """`crm.ok` with the command written as one shell line."""
    return crm.ok(*shlex.split(line))


def data(crm) -> dict[str, list[dict]]:
    """Every data row of every table (search indexes included), updated_at left out, in an order
    that does not depend on when a row was written."""
    if not crm.db.exists():
        from crmcli.storage.db import open_db

        open_db(crm.db).close()  # a new, empty database (no command but one that adds records makes it)
    conn = sqlite3.connect(crm.db)
    conn.row_factory = sqlite3.Row
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for name in names:
            if name in LOGS or "_fts_" in name:
                continue
            table = [dict(r) for r in conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid')]
            kept = [{k: v for k, v in r.items() if k != "updated_at"} for r in table]
            found[name] = sorted(kept, key=lambda r: json.dumps(r, sort_keys=True, default=str))
        return found
    finally:
        conn.close()


def whole(crm) -> dict[str, list[tuple]]:
    """Every row of every table, the logs included: proof that nothing at all changed."""
    tables = [r[0] for r in rows(crm, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: rows(crm, f'SELECT * FROM "{t}" ORDER BY rowid') for t in tables if "_fts_" not in t}


def stable(value):  # noqa: ANN001, ANN201
    """A show or list answer without its updated_at stamps (undo stamps what it sets back)."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k != "updated_at"}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def changes(crm) -> list[tuple]:
    return rows(crm, "SELECT id, actor, command, undone_by FROM changes ORDER BY id")


def contact(crm, ref) -> dict:
    return crm.ok("contact", "show", str(ref), "--json").json()


def contact_ids(crm, *args: str) -> list[int]:
    return [c["id"] for c in crm.ok("contact", "list", *args, "--json").json()]


def undo(crm, *args: str) -> dict:
    return crm.ok("undo", "--json", *args).json()


def refuses(crm, *args: str) -> str:
    """`crm undo` fails with one sentence and exit 1, and changes nothing at all."""
    before = whole(crm)
    failed = crm.fails("undo", *args)
    assert whole(crm) == before
    assert failed.stdout == ""
    return one_sentence(failed.stderr)


@pytest.fixture
def same_second(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every command runs at the same second, as a script's quick succession often does."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return datetime(2026, 3, 2, 9, 0, 0, 250000, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(clock, "datetime", Frozen)
    return "2026-03-02T09:00:00Z"


@pytest.fixture
def ada(crm) -> int:
    return crm.ok("add", "Ada Lovelace", "--email", "ada@acme.com", "--json").json()["id"]


# --- each kind of change is reversed ------------------------------------------------------


def test_undo_of_add_removes_the_contact_and_everything_it_brought(crm):
    crm.ok("add", "Grace Hopper", "--email", "grace@navy.mil")
    before = data(crm)
    added = run(
        crm,
        "add 'Ada Lovelace' --email ada@acme.com --email ada@home.org --phone +4722334455 "
        "--company Acme --tag vip --field tier=gold --json",
    ).json()
    assert contact_ids(crm, "--search", "Lovelace") == [added["id"]]
    assert contact_ids(crm, "--search", "home.org") == [added["id"]]

    result = undo(crm)

    assert result["change"]["command"] == "contact add"
    assert {(s["entity"], s["id"], s["action"]) for s in result["steps"]} == {
        ("contact", added["id"], "deleted"),
        ("company", added["company_id"], "deleted"),
    }
    assert crm.fails("contact", "show", str(added["id"]), "--json").stdout == ""
    assert contact_ids(crm, "--search", "Lovelace") == []
    assert contact_ids(crm, "--search", "home.org") == []
    assert contact_ids(crm, "--tag", "vip") == []
    assert crm.ok("company", "list", "--json").json() == []
    assert data(crm) == before  # addresses, numbers, tags, fields, search text, stage rows: gone


def test_undo_of_edit_sets_every_field_back(crm):
    crm.write_config('default_country = "NO"\n')
    first = run(
        crm,
        "add 'Ada Lovelace' --email ada@acme.com --email ada@home.org --phone +4722334455 "
        "--company Acme --title CTO --country GB --tag vip --tag trial --field tier=gold "
        "--field users=5 --birthday 1985-12-10 --source web --lang en --tz Europe/London",
    ).stderr
    assert "Ada Lovelace" in first
    shown = contact(crm, "Ada")["contact"]
    before = data(crm)
    run(
        crm,
        "contact edit Ada --name 'Augusta King' --email augusta@kings.uk --phone +4799887766 "
        "--company 'Analytical Engines' --title Countess --country SE --stage customer "
        "--source event --owner alan --lang sv --tz Europe/Stockholm --birthday --12-10 "
        "--tag new --untag vip --field tier= --field plan=pro",
    )
    edited = contact(crm, shown["id"])["contact"]
    assert edited["name"] == "Augusta King" and edited["emails"] == ["augusta@kings.uk"]
    assert edited["lifecycle_stage"] == "customer" and edited["fields"] == {"users": "5", "plan": "pro"}

    result = undo(crm)

    assert result["change"]["command"] == "contact edit"
    restored = contact(crm, shown["id"])["contact"]
    assert stable(restored) == stable(shown)
    assert restored["emails"] == ["ada@acme.com", "ada@home.org"]
    assert sorted(restored["tags"]) == ["trial", "vip"]
    assert restored["fields"] == {"tier": "gold", "users": "5"}
    assert contact_ids(crm, "--search", "Augusta") == []
    assert contact_ids(crm, "--search", "Lovelace") == [shown["id"]]
    assert contact_ids(crm, "--search", "home.org") == [shown["id"]]
    after = data(crm)
    # The company the edit created stays gone too; the lifecycle change row is removed.
    assert [c["name"] for c in crm.ok("company", "list", "--json").json()] == ["Acme"]
    # Addresses come back with new row ids; everything else is as it was.
    strip = [{k: v for k, v in p.items() if k != "id"} for p in before.pop("contact_points")]
    assert [{k: v for k, v in p.items() if k != "id"} for p in after.pop("contact_points")] == strip
    assert after == before


def test_undo_of_delete_brings_the_contact_back_under_its_id_and_uid(crm, ada):
    run(
        crm,
        f"contact edit {ada} --email ada@acme.com --email ada@home.org --phone +4722334455 "
        "--tag vip --field tier=gold --company Acme",
    )
    crm.ok("gdpr", "consent", str(ada), "--purpose", "newsletter", "--given", "--source", "web form")
    deal = crm.ok("deal", "add", "Engine", "--contact", str(ada), "--amount", "1000", "--json").json()
    crm.ok("log", str(ada), "call", "talked about Babbage", "--at", "2026-01-05 10:00")
    shown = contact(crm, ada)
    before = data(crm)

    crm.ok("contact", "delete", str(ada), "--yes")
    assert crm.fails("contact", "show", str(ada)).stdout == ""
    assert crm.ok("deal", "show", str(deal["id"]), "--json").json()["contact_id"] is None

    result = undo(crm)

    assert [(s["entity"], s["id"], s["action"]) for s in result["steps"]] == [
        ("contact", ada, "brought back")
    ]
    back = contact(crm, ada)
    assert back["contact"]["uid"] == shown["contact"]["uid"]
    assert back == shown  # addresses, tags, fields, consents, deals and timeline: all there
    assert back["consents"] and back["consents"][0]["purpose"] == "newsletter"
    assert crm.ok("deal", "show", str(deal["id"]), "--json").json()["contact_id"] == ada
    assert contact_ids(crm, "--search", "home.org") == [ada]
    assert contact_ids(crm, "--consent", "newsletter") == [ada]
    assert data(crm) == before


def test_undo_of_company_add_edit_and_delete(crm):
    assert crm.ok("company", "list", "--json").json() == []
    empty = data(crm)
    company = run(
        crm,
        "company add Acme --domain acme.no --industry Software --employees 40 --tag partner "
        "--field region=north --json",
    ).json()
    person = crm.ok("add", "Ada Lovelace", "--company", "acme.no", "--json").json()["id"]
    added = data(crm)
    shown = crm.ok("company", "show", "acme.no", "--json").json()
    assert shown["company"]["people"] == 1

    run(
        crm,
        "company edit acme.no --name 'Acme Group' --domain acme.com --employees 400 --country SE "
        "--untag partner --tag key --field region=",
    )
    assert crm.ok("company", "list", "--search", "Group", "--json").json()[0]["id"] == company["id"]
    assert undo(crm)["change"]["command"] == "company edit"
    assert stable(crm.ok("company", "show", "acme.no", "--json").json()) == stable(shown)
    assert crm.ok("company", "list", "--search", "Group", "--json").json() == []
    assert data(crm) == added

    crm.ok("company", "delete", "acme.no", "--yes")
    assert contact(crm, person)["contact"]["company_id"] is None
    assert undo(crm)["change"]["command"] == "company delete"
    back = crm.ok("company", "show", "acme.no", "--json").json()
    assert back["company"]["uid"] == company["uid"] and back["company"]["id"] == company["id"]
    assert stable(back) == stable(shown)  # tags, fields and its people
    assert contact(crm, person)["contact"]["company_id"] == company["id"]  # linked again
    assert data(crm) == added

    assert undo(crm)["change"]["command"] == "contact add"
    assert undo(crm)["change"]["command"] == "company add"
    assert crm.ok("company", "list", "--json").json() == []
    assert data(crm) == empty


def test_undo_of_log_removes_the_activity_and_puts_the_last_touch_back(crm, ada):
    crm.ok("log", str(ada), "call", "first call", "--at", "2026-01-05 10:00")
    touched = contact(crm, ada)["contact"]["last_touch_at"]
    assert touched == "2026-01-05T10:00:00Z"
    before = data(crm)
    logged = crm.ok(
        "log", str(ada), "meeting", "demo of the engine", "--at", "2026-02-01 09:30", "--json"
    ).json()
    assert contact(crm, ada)["contact"]["last_touch_at"] == "2026-02-01T09:30:00Z"

    result = undo(crm)

    assert result["change"]["command"].startswith("activity log")
    assert [(s["entity"], s["id"]) for s in result["steps"]] == [("activity", logged["id"])]
    assert [a["note"] for a in crm.ok("activity", "list", "--json").json()] == ["first call"]
    assert crm.ok("activity", "list", "--search", "engine", "--json").json() == []
    assert contact(crm, ada)["contact"]["last_touch_at"] == touched
    assert data(crm) == before


def test_undo_of_deal_add_move_and_won_one_at_a_time(crm, ada):
    before_add = data(crm)
    deal = crm.ok("deal", "add", "Engine", "--contact", str(ada), "--amount", "1000", "--json").json()
    added = crm.ok("deal", "show", str(deal["id"]), "--json").json()
    before_move = data(crm)
    crm.ok("deal", "move", str(deal["id"]), "proposal")
    moved = crm.ok("deal", "show", str(deal["id"]), "--json").json()
    before_won = data(crm)
    crm.ok("deal", "won", str(deal["id"]))
    won = crm.ok("deal", "show", str(deal["id"]), "--json").json()
    assert (won["stage"], won["status"]) == ("won", "won")
    assert contact(crm, ada)["contact"]["lifecycle_stage"] == "customer"

    assert undo(crm)["change"]["command"] == "deal won"
    now = crm.ok("deal", "show", str(deal["id"]), "--json").json()
    assert (now["stage"], now["status"], now["won_at"], now["close_date"]) == ("proposal", "open", None, None)
    assert now["stage_changes"] == moved["stage_changes"]
    person = contact(crm, ada)["contact"]
    assert (person["lifecycle_stage"], person["customer_since"]) == ("other", None)
    assert [d["id"] for d in crm.ok("deal", "list", "--json").json()] == [deal["id"]]
    assert data(crm) == before_won

    assert undo(crm)["change"]["command"] == "deal move"
    now = crm.ok("deal", "show", str(deal["id"]), "--json").json()
    assert stable(now) == stable(added)
    assert data(crm) == before_move

    assert undo(crm)["change"]["command"] == "deal add"
    assert crm.ok("deal", "list", "--status", "all", "--json").json() == []
    assert data(crm) == before_add


def test_undoing_a_win_keeps_the_contact_a_customer_while_another_deal_stays_won(crm):
    kari = crm.ok("add", "Kari Nordmann", "--json").json()["id"]
    crm.ok("deal", "add", "D1", "--contact", str(kari), "--amount", "100")
    crm.ok("--user", "alan", "deal", "add", "D2", "--contact", str(kari), "--amount", "200")
    crm.ok("deal", "won", "1")
    crm.ok("--user", "alan", "deal", "won", "2")  # she is a customer already: her record is not touched
    won_at = crm.ok("deal", "show", "2", "--json").json()["won_at"]

    said = crm.ok("undo").stderr
    assert f"kept contact #{kari} a customer since {won_at} (deal #2 is still won)" in said
    assert "lifecycle_stage" not in said and "of deal #1" in said
    assert crm.ok("deal", "show", "1", "--json").json()["status"] == "open"
    person = contact(crm, kari)["contact"]
    # D1's moment is not kept: D1 is open again, D2's win is when she became a customer.
    assert (person["lifecycle_stage"], person["customer_since"]) == ("customer", won_at)
    became = rows(crm, "SELECT from_stage, to_stage, at, reason FROM lifecycle_changes WHERE contact_id = ? "
                  "AND to_stage = 'customer'", [kari])  # fmt: skip
    assert became == [("other", "customer", won_at, "won deal #2")]


def test_undoing_a_win_back_keeps_the_old_customer_since_and_ignores_wins_before_the_churn(crm):
    kari = crm.ok("add", "Kari Nordmann", "--json").json()["id"]
    for title in ("D0", "D1"):
        crm.ok("deal", "add", title, "--contact", str(kari), "--amount", "100")
    crm.ok("--user", "alan", "deal", "add", "D2", "--contact", str(kari), "--amount", "200")
    crm.ok("deal", "won", "1")
    first = contact(crm, kari)["contact"]["customer_since"]
    crm.ok("contact", "churn", str(kari), "--reason", "budget")
    churned = contact(crm, kari)["contact"]

    crm.ok("deal", "won", "2")
    undo(crm)  # D0 was won before she churned: it does not make her a customer again
    assert contact(crm, kari)["contact"] == churned

    crm.ok("deal", "won", "2")
    crm.ok("--user", "alan", "deal", "won", "3")
    result = undo(crm)
    assert [(s["id"], s["action"]) for s in result["steps"] if s["entity"] == "contact"] == [
        (kari, "kept a customer")
    ]
    person = contact(crm, kari)["contact"]
    assert (person["lifecycle_stage"], person["customer_since"]) == ("customer", first)
    assert (person["churned_at"], person["churn_reason"]) == (None, None)
    steps = rows(crm, "SELECT to_stage FROM lifecycle_changes WHERE contact_id = ? ORDER BY at, id", [kari])
    assert [r[0] for r in steps] == ["other", "customer", "churned", "customer"]


# --- a customer of several wins: undoing them all leaves her as no win had happened ---------


@pytest.fixture
def tick(monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """The clock stands still until the test moves it on (a minute, and `days`), so that each
    win has a moment of its own (customer_since tells them apart); returns the new moment."""
    moment = [datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)]

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return moment[0].astimezone(tz)

    monkeypatch.setattr(clock, "datetime", Frozen)

    def step(days: int = 0) -> str:
        moment[0] += timedelta(days=days, minutes=1)
        return moment[0].strftime("%Y-%m-%dT%H:%M:%SZ")

    return step


def as_seen(crm, ref: int) -> dict:
    """The contact as `crm show` and `crm contact list` give her (what the KPIs count)."""
    listed = [c for c in crm.ok("contact", "list", "--json").json() if c["id"] == ref]
    return {"show": stable(crm.ok("show", str(ref), "--json").json()), "list": stable(listed)}


def customer_fields(crm, ref: int) -> tuple:
    person = contact(crm, ref)["contact"]
    return person["lifecycle_stage"], person["customer_since"], person["churned_at"], person["churn_reason"]


def became_customer(crm, ref: int) -> list[tuple]:
    return rows(crm, "SELECT from_stage, at, reason FROM lifecycle_changes WHERE contact_id = ? "
                "AND to_stage = 'customer' ORDER BY id", [ref])  # fmt: skip


def kari_with_deals(crm, *owners: str) -> int:
    """Kari, and one open deal of hers per owner: D1 for the first, D2 for the second, …"""
    kari = crm.ok("add", "Kari Nordmann", "--json").json()["id"]
    for n, owner in enumerate(owners, start=1):
        crm.ok("--user", owner, "deal", "add", f"D{n}", "--contact", str(kari), "--amount", "100")
    return kari


@pytest.mark.parametrize(
    "first", ["tester", "alan"], ids=["first-win-undone-first", "second-win-undone-first"]
)
def test_undoing_both_wins_in_either_order_leaves_the_contact_as_before_them(crm, tick, first):
    kari = kari_with_deals(crm, "tester", "alan")
    before, seen = data(crm), as_seen(crm, kari)
    won = {"tester": (tick(), 1)}
    crm.ok("deal", "won", "1")
    won["alan"] = (tick(), 2)
    crm.ok("--user", "alan", "deal", "won", "2")  # she is a customer already: her record is not touched

    tick()
    crm.ok("--user", first, "undo")
    # The other win alone would have made her a customer, at its moment.
    still = "alan" if first == "tester" else "tester"
    moment, deal = won[still]
    assert customer_fields(crm, kari) == ("customer", moment, None, None)
    assert became_customer(crm, kari) == [("other", moment, f"won deal #{deal}")]

    tick()
    said = crm.ok("--user", still, "undo").stderr
    assert customer_fields(crm, kari) == ("other", None, None, None)
    assert became_customer(crm, kari) == []
    assert "customer_since, lifecycle_stage of contact" in said
    assert as_seen(crm, kari) == seen
    assert data(crm) == before


def test_a_customer_kept_by_one_win_after_another_goes_back_with_the_last(crm, tick):
    kari = kari_with_deals(crm, "tester", "alan", "bob")
    before, seen = data(crm), as_seen(crm, kari)
    moments = []
    for n, who in enumerate(("tester", "alan", "bob"), start=1):
        moments.append(tick())
        crm.ok("--user", who, "deal", "won", str(n))

    tick()
    crm.ok("undo")
    assert customer_fields(crm, kari) == ("customer", moments[1], None, None)
    tick()
    said = crm.ok("--user", "alan", "undo").stderr
    assert f"kept contact #{kari} a customer since {moments[2]} (deal #3 is still won)" in said
    assert customer_fields(crm, kari) == ("customer", moments[2], None, None)
    assert became_customer(crm, kari) == [("other", moments[2], "won deal #3")]
    tick()
    crm.ok("--user", "bob", "undo")
    assert as_seen(crm, kari) == seen
    assert data(crm) == before


@pytest.mark.parametrize("first", ["alan", "bob"], ids=["win-back-undone-first", "later-win-undone-first"])
def test_undoing_a_win_back_and_a_later_win_churns_the_contact_again_with_her_churn_date(crm, tick, first):
    kari = kari_with_deals(crm, "tester", "alan", "bob")
    tick()
    crm.ok("deal", "won", "1")
    since = contact(crm, kari)["contact"]["customer_since"]
    churned_at = tick()
    crm.ok("contact", "churn", str(kari), "--reason", "budget")
    before, seen = data(crm), as_seen(crm, kari)
    churned = ("churned", since, churned_at, "budget")
    assert customer_fields(crm, kari) == churned

    tick()
    crm.ok("--user", "alan", "deal", "won", "2")  # won back
    assert customer_fields(crm, kari) == ("customer", since, None, None)
    tick()
    crm.ok("--user", "alan", "undo")
    assert customer_fields(crm, kari) == churned
    assert data(crm) == before

    tick()
    crm.ok("--user", "alan", "deal", "won", "2")
    won_later = tick()
    crm.ok("--user", "bob", "deal", "won", "3")
    tick()
    crm.ok("--user", first, "undo")
    assert customer_fields(crm, kari) == ("customer", since, None, None)
    if first == "alan":  # bob's win alone would have won her back, at its moment
        assert became_customer(crm, kari)[-1] == ("churned", won_later, "won deal #3")
    tick()
    crm.ok("--user", "bob" if first == "alan" else "alan", "undo")
    assert customer_fields(crm, kari) == churned
    assert as_seen(crm, kari) == seen
    assert data(crm) == before


def test_undoing_a_win_refuses_when_the_customer_it_kept_has_moved_on_since(crm, tick):
    kari = kari_with_deals(crm, "tester", "alan")
    tick()
    crm.ok("deal", "won", "1")
    tick()
    crm.ok("--user", "alan", "deal", "won", "2")
    tick()
    crm.ok("undo")  # she stays a customer through deal #2
    tick()
    crm.ok("contact", "churn", str(kari), "--reason", "budget")

    sentence = refuses(crm, "--user", "alan")
    assert f"contact #{kari}" in sentence and "deal #2" in sentence
    assert sentence.endswith("nothing was undone.")
    assert crm.ok("deal", "show", "2", "--json").json()["status"] == "won"
    # Once tester takes the churn back, alan's win can go, and her with it.
    crm.ok("undo")
    crm.ok("--user", "alan", "undo")
    assert customer_fields(crm, kari) == ("other", None, None, None)


def test_undoing_an_import_of_a_won_deal_takes_back_the_customer_it_kept(crm, tick, tmp_path):
    kari = crm.ok("add", "Kari Nordmann", "--email", "kari@x.no", "--json").json()["id"]
    crm.ok("deal", "add", "D1", "--contact", str(kari), "--amount", "100")
    before, seen = data(crm), as_seen(crm, kari)
    tick()
    crm.ok("deal", "won", "1")
    tick(days=2)
    source = tmp_path / "deals.csv"
    source.write_text(
        "title,amount,status,close date,contact\nOld,500,won,2026-03-03,kari@x.no\n", encoding="utf-8"
    )
    crm.ok("--user", "alan", "import", "deals", str(source))  # won after she became a customer: not touched
    tick()
    crm.ok("undo")
    assert customer_fields(crm, kari) == ("customer", "2026-03-03T00:00:00Z", None, None)

    tick()
    crm.ok("--user", "alan", "undo")
    assert customer_fields(crm, kari) == ("other", None, None, None)
    assert as_seen(crm, kari) == seen
    assert data(crm) == before


def test_undo_of_a_move_gives_the_deal_back_its_time_in_the_stage(crm, tmp_path, ada):
    source = tmp_path / "deals.csv"
    source.write_text(
        "title,contact,stage,amount,created_at\nEngine,ada@acme.com,proposal,1000,2026-01-05T10:00:00Z\n",
        encoding="utf-8",
    )
    crm.ok("import", "deals", str(source))
    deal = crm.ok("deal", "list", "--json").json()[0]
    assert deal["stage_entered_at"] == "2026-01-05T10:00:00Z"
    imported = crm.ok("deal", "show", str(deal["id"]), "--json").json()
    before = data(crm)
    crm.ok("deal", "move", str(deal["id"]), "negotiation")
    assert crm.ok("deal", "show", str(deal["id"]), "--json").json()["days_in_stage"] == 0

    assert undo(crm)["change"]["command"] == "deal move"
    now = crm.ok("deal", "show", str(deal["id"]), "--json").json()
    assert now["stage_entered_at"] == "2026-01-05T10:00:00Z"
    assert stable(now) == stable(imported)  # days_in_stage too
    assert data(crm) == before
    assert undo(crm)["change"]["command"].startswith("import deals")
    assert crm.ok("deal", "list", "--status", "all", "--json").json() == []


def test_undo_of_case_reply_and_case_open(crm, ada):
    before_open = data(crm)
    case = crm.ok("case", "open", str(ada), "Broken gear", "--body", "It squeaks", "--json").json()
    opened = crm.ok("case", "show", str(case["id"]), "--json").json()
    before_reply = data(crm)
    crm.ok("case", "reply", str(case["id"]), "We are on it", "--pending")
    replied = crm.ok("case", "show", str(case["id"]), "--json").json()
    assert replied["status"] == "pending" and replied["first_response_at"]
    assert len(replied["timeline"]) > len(opened["timeline"])

    assert undo(crm)["change"]["command"] == "case reply"
    now = crm.ok("case", "show", str(case["id"]), "--json").json()
    assert (now["status"], now["first_response_at"]) == ("new", None)
    assert now["timeline"] == opened["timeline"]
    assert data(crm) == before_reply

    assert undo(crm)["change"]["command"] == "case open"
    assert crm.ok("case", "list", "--json").json() == []
    assert data(crm) == before_open


def test_each_case_and_deal_change_is_named_by_the_command_that_made_it(crm, ada):
    """`crm undo` names a change by its command: a reopen is "case reopen", not "case open"
    (the status it went to), and a resolve is "case resolve", not "case resolved"."""
    steps = [
        (["case", "open", str(ada), "Broken gear"], "case open"),
        (["case", "pending", "1"], "case pending"),
        (["case", "resolve", "1"], "case resolve"),
        (["case", "reopen", "1"], "case reopen"),
        (["case", "close", "1"], "case close"),
        (["deal", "add", "Engine", "--contact", str(ada)], "deal add"),
        (["deal", "edit", "1", "--amount", "500"], "deal edit"),
        (["deal", "move", "1", "proposal"], "deal move"),
        (["deal", "won", "1"], "deal won"),
        (["deal", "reopen", "1"], "deal reopen"),
        (["deal", "lost", "1", "--reason", "price"], "deal lost"),
    ]
    for args, _ in steps:
        crm.ok(*args)
    named = [undo(crm)["change"]["command"] for _ in steps]
    assert named == [command for _, command in reversed(steps)]
    crm.ok("case", "open", str(ada), "Again")
    crm.ok("case", "resolve", "2")
    crm.ok("case", "reopen", "2")
    assert crm.ok("undo", "--dry-run").stderr.startswith("Would undo change #")
    assert "(case reopen, " in crm.ok("undo", "--dry-run").stderr


def test_case_assign_escalate_note_and_a_later_reply_are_each_undone(crm, ada):
    crm.write_config(
        '[[team]]\nhandle = "tester"\n[[team]]\nhandle = "mei"\n[[team]]\nhandle = "sven"\n'
        '[[rules]]\nname = "Escalations to Sven"\non = "case.escalated"\nassign = "sven"\n'
    )
    crm.ok("case", "open", str(ada), "Broken gear")
    crm.ok("case", "reply", "1", "Looking into it")
    crm.ok("contact", "edit", str(ada), "--title", "CTO")
    states = [data(crm)]
    crm.ok("case", "assign", "1", "mei", "--note", "Mei knows gears")
    states.append(data(crm))
    crm.ok("case", "escalate", "1", "--priority", "high", "--note", "Still squeaks")
    escalated = crm.ok("case", "show", "1", "--json").json()
    assert (escalated["escalation_level"], escalated["queue"], escalated["owner"]) == (
        1, "second-line", "sven")  # fmt: skip
    states.append(data(crm))
    crm.ok("case", "note", "1", "Ordered a new gear")
    states.append(data(crm))
    crm.ok("case", "reply", "1", "A new gear is on its way")  # changes no field of the case

    commands = []
    for expected in reversed(states):
        commands.append(undo(crm)["change"]["command"])
        assert data(crm) == expected
    assert commands == ["case reply", "case note", "case escalate", "case assign"]
    # The escalation's own fields and the rule's assignment it triggered both went back.
    case = crm.ok("case", "show", "1", "--json").json()
    assert (case["escalation_level"], case["queue"], case["owner"], case["priority"]) == (
        0, "first-line", None, "normal")  # fmt: skip
    assert undo(crm)["change"]["command"] == "contact edit"  # the older change comes next, not before


def test_undo_of_case_open_gives_back_the_round_robin_turn(crm, ada):
    crm.write_config(
        '[[team]]\nhandle = "tester"\n[[team]]\nhandle = "mei"\n[[team]]\nhandle = "ola"\n'
        '[queues.first-line]\nmembers = ["mei", "ola"]\n'
        '[[rules]]\nname = "First line takes turns"\non = "case.opened"\n'
        'assign_round_robin = { queue = "first-line" }\n'
    )

    def owner_of(subject: str) -> str:
        return crm.ok("case", "open", str(ada), subject, "--json").json()["owner"]

    assert [owner_of("One"), owner_of("Two")] == ["mei", "ola"]
    said = crm.ok("undo").stderr
    assert said.endswith('gave back the round-robin turn of rule "First line takes turns".\n')
    assert owner_of("Two again") == "ola"
    # Someone else's case took the next turn since: undoing mine leaves the rotation alone.
    crm.ok("--user", "alice", "case", "open", str(ada), "Three")  # mei
    assert undo(crm)["change"]["command"] == "case open"  # Two again
    assert owner_of("Four") == "ola"


def test_undoing_a_note_says_what_it_took_back(crm, ada):
    crm.ok("case", "open", str(ada), "Broken gear")
    crm.ok("case", "note", "1", "Checked the logs")
    said = crm.ok("undo").stderr
    assert said.startswith("Undid change #3 (case note, ")
    assert said.endswith("removed what it added to the timeline of case #1.\n")
    assert [e["kind"] for e in crm.ok("case", "show", "1", "--json").json()["timeline"]] == ["status"]


def test_undo_of_an_import_removes_every_row_it_created(crm, tmp_path, ada):
    before = data(crm)
    rows_in = ["name,email,phone,company,tags,tier"] + [
        f"Person {n},p{n}@example.com,+47223344{n:02d},Firm {n % 3},imported,gold" for n in range(30)
    ]
    source = tmp_path / "people.csv"
    source.write_text("\n".join(rows_in) + "\n", encoding="utf-8")
    report = crm.ok("import", "contacts", str(source), "--tag", "batch", "--json").json()
    assert report["created"] == 30 and report["companies_created"] == 3
    assert len(contact_ids(crm, "--tag", "batch")) == 30
    logged = changes(crm)

    result = undo(crm)

    assert result["change"]["command"].startswith("import contacts")
    # One change for the whole import, and one for its undo.
    assert changes(crm) == [
        *logged[:-1],
        (*logged[-1][:3], result["undo_change"]),
        (result["undo_change"], "tester", f"undo #{result['change']['id']}", None),
    ]
    assert sum(s["action"] == "deleted" for s in result["steps"]) == 33
    assert contact_ids(crm) == [ada]
    assert contact_ids(crm, "--search", "example.com") == []
    assert crm.ok("company", "list", "--json").json() == []
    assert data(crm) == before


def test_undo_reverses_a_routing_rule_decision(crm):
    crm.write_config(ROUTING.read_text(encoding="utf-8"))
    lead = crm.ok("lead", "add", "Big Buyer", "--source", "web", "--field", "users=100", "--json").json()
    assert lead["owner"] == "karin"  # "Big leads to Karin"
    crm.ok("lead", "qualify", str(lead["id"]))
    before = data(crm)
    converted = crm.ok("lead", "convert", str(lead["id"]), "--amount", "5000", "--json").json()
    assert converted["contact"]["owner"] == "daniel"  # "Big conversions to Daniel"
    assert converted["contact"]["lifecycle_stage"] == "opportunity"

    result = undo(crm)

    assert result["change"]["command"] == "lead convert"
    assert ("contact", lead["id"], "restored", ["owner"]) in [
        (s["entity"], s["id"], s["action"], s["fields"]) for s in result["steps"]
    ]
    person = contact(crm, lead["id"])["contact"]
    assert (person["owner"], person["lifecycle_stage"]) == ("karin", "qualified")
    assert crm.ok("deal", "list", "--status", "all", "--json").json() == []
    assert data(crm) == before

    assert undo(crm)["change"]["command"] == "lead qualify"
    assert undo(crm)["change"]["command"] == "lead add"  # the rule's assignment goes with the lead
    assert contact_ids(crm) == []


# --- one change at a time, per user, and never over someone else's work -------------------


def test_undo_goes_back_one_change_at_a_time(crm):
    assert contact_ids(crm) == []
    states = [data(crm)]
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing"):
        crm.ok("add", name)
        states.append(data(crm))
    crm.ok("contact", "edit", "Grace", "--title", "Rear Admiral")
    undone = []
    for expected in reversed(states):  # the edit first, then the adds, newest first
        undone.append(undo(crm)["change"]["command"])
        assert data(crm) == expected
    assert undone == ["contact edit", "contact add", "contact add", "contact add"]
    assert contact_ids(crm) == []


def test_changes_in_the_same_second_are_told_apart_by_the_rows_they_named(crm, same_second):
    """Timeline rows carry only a second and an author; each change names its own, so undo
    removes exactly those of the change it reverses, never a neighbour's."""
    states = [data(crm)]
    crm.ok("add", "Ada Lovelace", "--stage", "lead")  # writes a stage change row
    states.append(data(crm))
    crm.ok("contact", "edit", "Ada", "--title", "CTO")  # writes none
    states.append(data(crm))
    crm.ok("contact", "edit", "Ada", "--stage", "qualified")  # writes one
    states.append(data(crm))
    crm.ok("contact", "edit", "Ada", "--country", "GB")  # writes none
    assert {r[0] for r in rows(crm, "SELECT at FROM lifecycle_changes")} == {same_second}
    assert len(rows(crm, "SELECT * FROM lifecycle_changes")) == 2
    for expected in reversed(states):
        undo(crm)
        assert data(crm) == expected
    assert contact_ids(crm) == []


def test_undo_is_per_acting_user(crm):
    crm.ok("add", "Ada Lovelace")
    crm.ok("--user", "alice", "add", "Grace Hopper")
    crm.ok("add", "Alan Turing")
    assert crm("add", "Mary Somerville", env={"CRM_USER": "alice"}).exit_code == 0

    result = undo(crm)  # tester's Alan, not alice's later Mary
    assert (result["change"]["actor"], result["steps"][0]["id"]) == ("tester", 3)
    assert sorted(c["name"] for c in crm.ok("contact", "list", "--json").json()) == [
        "Ada Lovelace",
        "Grace Hopper",
        "Mary Somerville",
    ]
    assert crm.ok("--user", "alice", "undo", "--json").json()["change"]["actor"] == "alice"
    assert undo(crm)["steps"][0]["id"] == 1  # tester again: Ada
    assert [c["name"] for c in crm.ok("contact", "list", "--json").json()] == ["Grace Hopper"]
    nothing = refuses(crm)
    assert "nothing to undo" in nothing and "tester" in nothing
    crm.ok("undo", "--user", "alice")
    assert contact_ids(crm) == []


def test_undo_refuses_when_someone_else_changed_the_record_since(crm, ada):
    crm.ok("contact", "edit", str(ada), "--title", "CTO")
    crm.ok("--user", "alice", "contact", "edit", str(ada), "--country", "GB")
    sentence = refuses(crm)
    assert "alice changed the same record since" in sentence and sentence.endswith("nothing was undone.")
    assert refuses(crm, "--dry-run") == sentence
    assert contact(crm, ada)["contact"]["title"] == "CTO"
    # Once alice takes hers back, tester's change can go.
    crm.ok("--user", "alice", "undo")
    undo(crm)
    person = contact(crm, ada)["contact"]
    assert (person["title"], person["country"]) == (None, None)


def test_undo_refuses_when_someone_else_added_to_the_record(crm, ada):
    crm.ok("--user", "alice", "log", str(ada), "call", "hello")
    sentence = refuses(crm)
    assert "contact #" in sentence and sentence.endswith("nothing was undone.")
    assert len(crm.ok("activity", "list", "--json").json()) == 1


def test_nothing_to_undo_says_so_and_exits_1(crm):
    from crmcli.storage.db import open_db

    open_db(crm.db).close()  # the database exists, empty
    sentence = refuses(crm)
    assert sentence == "crm: There is nothing to undo: tester has no change left to reverse."
    assert refuses(crm, "--dry-run").startswith("crm: There is nothing to undo")
    crm.ok("add", "Ada Lovelace")
    undo(crm)
    assert "nothing to undo" in refuses(crm, "--json")


def test_an_erasure_cannot_be_undone(crm, ada):
    crm.ok("gdpr", "forget", str(ada), "--yes")
    sentence = refuses(crm)
    assert "erasure cannot be undone" in sentence


def test_dry_run_changes_nothing_and_says_what_would_be_undone(crm, ada):
    crm.ok("contact", "edit", str(ada), "--title", "CTO", "--tag", "vip")
    before = whole(crm)
    said = crm.ok("undo", "--dry-run")
    assert whole(crm) == before
    assert said.stdout == ""
    assert said.stderr.startswith("Would undo change #2 (contact edit, ")
    assert "restored tags, title of contact #1" in said.stderr
    preview = crm.ok("undo", "-n", "--json").json()
    assert preview["dry_run"] is True and preview["undo_change"] is None
    assert preview["change"]["command"] == "contact edit" and preview["change"]["undone_by"] is None
    assert whole(crm) == before
    # The real thing does what the rehearsal said.
    done = undo(crm)
    assert done["steps"] == preview["steps"] and done["dry_run"] is False
    assert contact(crm, ada)["contact"]["title"] is None


def test_undo_is_one_recorded_change_and_is_not_itself_undone(crm, ada):
    crm.ok("contact", "edit", str(ada), "--title", "CTO")
    said = crm.ok("undo")
    assert said.stdout == ""
    assert said.stderr.startswith("Undid change #2 (contact edit, ") and "title of contact #1" in said.stderr
    assert changes(crm) == [
        (1, "tester", "contact add", None),
        (2, "tester", "contact edit", 3),
        (3, "tester", "undo #2", None),
    ]
    history = rows(
        crm, "SELECT entity, entity_id, action, before, after, note FROM history WHERE change_id = 3"
    )
    assert [(h[0], h[1], h[2], json.loads(h[3]), json.loads(h[4]), h[5]) for h in history] == [
        ("contact", ada, "update", {"title": "CTO"}, {"title": None}, "undo of change #2")
    ]
    # Running it again does not redo the edit: it reverses the change before it.
    result = undo(crm)
    assert result["change"]["id"] == 1 and result["undo_change"] == 4
    assert contact_ids(crm) == []
    assert changes(crm)[0] == (1, "tester", "contact add", 4)
    refuses(crm)


def test_undo_json_shows_the_change_as_it_is_after_the_undo(crm, ada):
    crm.ok("deal", "add", "Engine", "--contact", str(ada))
    rehearsed = undo(crm, "--dry-run")
    assert (rehearsed["undo_change"], rehearsed["change"]["undone_by"]) == (None, None)
    done = undo(crm)
    assert done["undo_change"] is not None
    assert done["change"]["undone_by"] == done["undo_change"]
    assert (done["change"]["id"], done["change"]["undone_by"]) in [(c[0], c[3]) for c in changes(crm)]
