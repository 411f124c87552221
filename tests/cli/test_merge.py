"""crm contact merge: everything moves to the kept contact, in one transaction, and undo
takes it apart again."""

from __future__ import annotations

import sqlite3

import pytest

from crmcli.storage.db import open_db
from crmcli.storage.records import links_to
from helpers import rows


def contact_id(crm, *args: str) -> int:
    return int(crm.ok("contact", "add", *args, "--json").json()["id"])


def snapshot(crm) -> dict[str, list[tuple]]:
    """Every row of every table, to prove that nothing changed."""
    tables = [r[0] for r in rows(crm, "SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: rows(crm, f'SELECT * FROM "{t}" ORDER BY rowid') for t in tables if "_fts_" not in t}


def pointing_at(crm, contact: int) -> dict[str, int]:
    """How many rows of each table still point at the contact (foreign keys and labels)."""
    db = open_db(crm.db)
    try:
        found = {}
        for link in links_to(db, "contacts"):
            n = db.scalar(f"SELECT count(*) FROM {link.table} WHERE {link.column} = ?", [contact])
            if n:
                found[f"{link.table}.{link.column}"] = n
        for table in ("tags", "custom_fields"):
            n = db.scalar(
                f"SELECT count(*) FROM {table} WHERE entity = 'contact' AND entity_id = ?", [contact]
            )
            if n:
                found[table] = n
        return found
    finally:
        db.close()


@pytest.fixture
def pair(crm):
    """Ada (kept, sparse) and her duplicate with one of every related record."""
    crm.write_config('default_country = "NO"\n')
    keep = contact_id(crm, "Ada Lovelace", "--email", "ada@acme.com", "--tag", "vip", "--field", "tier=gold")
    details = (
        "--email ADA@acme.com --email ada@home.org --phone +4722334455 --company Acme --title CTO "
        "--country SE --tag trial --tag vip --field tier=silver --field users=5 --birthday 1985-12-10"
    )
    other = contact_id(crm, "Ada Lovelase", *details.split())
    referred = contact_id(crm, "Byron", "--referred-by", str(other))
    ids = {"keep": keep, "other": other, "referred": referred}
    ids["activity"] = crm.ok("log", str(other), "call", "talked about Babbage", "--json").json()["id"]
    ids["deal"] = crm.ok(
        "deal", "add", "Engine", "--contact", str(other), "--amount", "1000", "--json"
    ).json()["id"]
    ids["case"] = crm.ok("case", "open", str(other), "Broken gear", "--json").json()["id"]
    ids["feedback"] = crm.ok("feedback", "add", str(other), "--nps", "9", "--json").json()["id"]
    crm.ok("gdpr", "consent", str(other), "--purpose", "newsletter", "--given")
    return ids


def test_merge_moves_every_related_record(crm, pair):
    keep, other = pair["keep"], pair["other"]
    assert pointing_at(crm, other)  # the fixture did link things to the duplicate
    done = crm.ok("contact", "merge", str(keep), str(other), "--yes")
    assert f"Merged #{other} Ada Lovelase into #{keep} Ada Lovelace" in done.stderr
    assert "1 activity" in done.stderr and "1 deal" in done.stderr and "1 case" in done.stderr

    assert pointing_at(crm, other) == {}
    assert rows(crm, "SELECT count(*) FROM contacts WHERE id = ?", [other]) == [(0,)]
    assert rows(crm, "SELECT contact_id FROM activities WHERE id = ?", [pair["activity"]]) == [(keep,)]
    assert rows(crm, "SELECT contact_id FROM deals WHERE id = ?", [pair["deal"]]) == [(keep,)]
    assert rows(crm, "SELECT contact_id FROM cases WHERE id = ?", [pair["case"]]) == [(keep,)]
    assert rows(crm, "SELECT contact_id FROM feedback WHERE id = ?", [pair["feedback"]]) == [(keep,)]
    assert rows(crm, "SELECT contact_id, purpose FROM consents") == [(keep, "newsletter")]
    assert rows(crm, "SELECT referred_by FROM contacts WHERE id = ?", [pair["referred"]]) == [(keep,)]
    assert sorted(rows(crm, "SELECT DISTINCT contact_id FROM lifecycle_changes")) == [
        (keep,),
        (pair["referred"],),
    ]

    kept = crm.ok("contact", "show", str(keep), "--json").json()["contact"]
    # E-mails de-duplicated in any letter case, the kept one's own first; numbers joined.
    assert kept["emails"] == ["ada@acme.com", "ada@home.org"]
    assert kept["phones"] == ["+4722334455"]
    assert kept["email"] == "ada@acme.com" and kept["phone"] == "+4722334455"
    assert kept["tags"] == ["trial", "vip"]
    # Custom fields it lacked are added; its own value wins.
    assert kept["fields"] == {"tier": "gold", "users": "5"}
    # History moved too: the duplicate's creation now belongs to the kept contact.
    created = "SELECT count(*) FROM history WHERE entity = 'contact' AND entity_id = ? AND action = 'create'"
    assert rows(crm, created, [keep]) == [(2,)]
    # The merge is in the kept contact's history; none is left about the merged one.
    merge = "SELECT after, note FROM history WHERE entity = 'contact' AND entity_id = ? AND action = 'merge'"
    note = f"merged #{other} Ada Lovelase into this contact"
    assert rows(crm, merge, [keep]) == [(f'{{"merged": [{other}]}}', note)]
    assert rows(crm, "SELECT count(*) FROM history WHERE entity = 'contact' AND entity_id = ?", [other]) == [
        (0,)
    ]
    # The search index knows the kept contact by the merged addresses, and not the other one.
    found = crm.ok("contact", "list", "--search", "home.org", "--json").json()
    assert [c["id"] for c in found] == [keep]
    crm.ok("db", "doctor")


def test_merge_fills_only_empty_fields(crm, pair):
    keep, other = pair["keep"], pair["other"]
    crm.ok("contact", "edit", str(keep), "--country", "NO")
    crm.ok("contact", "merge", str(keep), str(other), "--yes")
    kept = crm.ok("contact", "show", str(keep), "--json").json()["contact"]
    assert kept["name"] == "Ada Lovelace"
    assert kept["country"] == "NO"  # had one: not overwritten by SE
    assert kept["title"] == "CTO"  # was empty: filled
    assert kept["company"] == "Acme"
    assert kept["birthday"] == "1985-12-10"


def test_merge_several_and_referrals_between_them(crm):
    keep = contact_id(crm, "Grace Hopper", "--email", "grace@navy.mil")
    first = contact_id(crm, "Grace H", "--referred-by", str(keep))
    second = contact_id(crm, "G. Hopper", "--referred-by", str(first), "--title", "Admiral")
    crm.ok("contact", "edit", str(keep), "--referred-by", str(second))
    done = crm.ok("contact", "merge", str(keep), str(first), f"#{second}", "--yes", "--json").json()
    assert [m["id"] for m in done["merged"]] == [first, second]
    kept = done["kept"]
    assert kept["referred_by"] is None  # referred by someone merged into her: no referrer left
    assert kept["title"] == "Admiral"
    assert rows(crm, "SELECT id FROM contacts") == [(keep,)]
    crm.ok("db", "doctor")
    # Undo brings both back with their referrals as they were.
    crm.ok("undo")
    assert rows(crm, "SELECT id, referred_by FROM contacts ORDER BY id") == [
        (keep, second),
        (first, keep),
        (second, first),
    ]
    crm.ok("db", "doctor")


def test_merge_says_it_cleared_a_referrer_that_was_merged_in(crm):
    """Anna Berg2 was referred by Anna Berg; merged into one, the kept contact would refer
    to itself, so the referrer is cleared, and the summary says so rather than "filled"."""
    crm.ok("add", "Anna Berg", "--email", "anna@x.no")
    crm.ok("add", "Anna Berg2", "--email", "anna@y.no", "--referred-by", "anna@x.no")
    said = crm.ok("contact", "merge", "anna@y.no", "anna@x.no", "--yes").stderr
    assert said == (
        "Merged #1 Anna Berg into #2 Anna Berg2: moved 1 stage change, 1 history entry; added 1 e-mail; "
        "cleared referred by (it was the contact merged in).\n"
    )
    crm.ok("undo")
    done = crm.ok("contact", "merge", "anna@y.no", "anna@x.no", "--yes", "--json").json()
    assert (done["filled"], done["cleared"]) == ([], ["referred_by"])
    assert done["kept"]["referred_by"] is None


def test_merge_that_fills_a_referrer_says_filled(crm):
    keep = contact_id(crm, "Grace Hopper", "--email", "grace@navy.mil")
    other = contact_id(crm, "Grace H", "--referred-by", str(contact_id(crm, "Ada")))
    done = crm.ok("contact", "merge", str(keep), str(other), "--yes", "--json").json()
    assert (done["filled"], done["cleared"]) == (["referred_by"], [])


def test_undo_takes_a_merge_apart(crm, pair):
    keep, other = pair["keep"], pair["other"]
    before = snapshot(crm)
    crm.ok("contact", "merge", str(keep), str(other), "--yes")
    undone = crm.ok("undo")
    assert f"brought back #{other}, merged into contact #{keep}" in undone.stderr
    after = snapshot(crm)
    for table in (
        "activities",
        "deals",
        "cases",
        "feedback",
        "consents",
        "lifecycle_changes",
        "tags",
        "custom_fields",
        "contacts_fts",
    ):
        assert after[table] == before[table], table
    # Addresses come back as they were (new row ids, same contents).
    points = (
        "SELECT contact_id, kind, value, position FROM contact_points ORDER BY contact_id, kind, position"
    )
    conn_rows = rows(crm, points)
    crm_before = sorted((r[1], r[2], r[3], r[5]) for r in before["contact_points"])
    assert sorted(conn_rows) == crm_before
    # Every history row that was moved points at its own contact again.
    assert [r for r in after["history"] if r[0] <= before["history"][-1][0]] == before["history"]
    strip = [c for c in after["contacts"] if c[0] != keep]
    assert strip == [c for c in before["contacts"] if c[0] != keep]
    kept = crm.ok("contact", "show", str(keep), "--json").json()["contact"]
    assert (
        kept["emails"] == ["ada@acme.com"] and kept["tags"] == ["vip"] and kept["fields"] == {"tier": "gold"}
    )
    assert kept["title"] is None and kept["company"] is None
    # The two share an e-mail again (that is why they were merged); nothing else is amiss.
    findings = crm.fails("db", "doctor", "--json", code=3).json()["findings"]
    assert [f["check"] for f in findings] == ["duplicate e-mails"]


def test_undo_of_a_merge_refuses_when_the_id_was_taken(crm):
    keep = contact_id(crm, "Ada")
    other = contact_id(crm, "Ada L")
    crm.ok("contact", "merge", str(keep), str(other), "--yes")
    # Someone else adds a contact, which takes the freed id.
    taken = crm("--user", "bob", "contact", "add", "Newcomer", "--json")
    assert taken.exit_code == 0 and taken.json()["id"] == other
    before = snapshot(crm)
    failed = crm.fails("undo")
    assert (
        f"Cannot bring back contact #{other}: its id #{other} is taken by a contact added since"
        in failed.stderr
    )
    assert snapshot(crm) == before


def test_a_failing_merge_changes_nothing(crm, pair):
    conn = sqlite3.connect(crm.db)
    conn.execute(
        "CREATE TRIGGER no_deletes BEFORE DELETE ON contacts BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    conn.commit()
    conn.close()
    before = snapshot(crm)
    failed = crm.fails("contact", "merge", str(pair["keep"]), str(pair["other"]), "--yes")
    assert "disk on fire" in failed.stderr
    assert snapshot(crm) == before


def test_merge_refuses_without_yes_off_a_terminal(crm, pair):
    before = snapshot(crm)
    failed = crm.fails("contact", "merge", str(pair["keep"]), str(pair["other"]))
    assert "refusing without --yes" in failed.stderr
    assert snapshot(crm) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1", "1"], "Cannot merge contact #1 with itself"),
        (["1", "ada@acme.com"], "Cannot merge contact #1 with itself"),
        (["1", "99"], "There is no contact #99."),
        (["77", "1"], "There is no contact #77."),
        (["1", "nobody@nowhere.org"], "No contact has the e-mail nobody@nowhere.org."),
    ],
)
def test_bad_references(crm, args, message):
    contact_id(crm, "Ada Lovelace", "--email", "ada@acme.com")
    contact_id(crm, "Bob")
    before = snapshot(crm)
    failed = crm.fails("contact", "merge", *args, "--yes")
    assert message in failed.stderr
    assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("crm: ")
    assert snapshot(crm) == before


def test_merge_needs_another_contact(crm):
    contact_id(crm, "Ada")
    failed = crm.fails("contact", "merge", "1", "--yes", code=2)
    assert "Missing argument" in failed.stderr


def test_merge_off_a_terminal_in_a_real_process(crm, crm_process):
    keep = contact_id(crm, "Ada", "--email", "ada@acme.com")
    other = contact_id(crm, "Ada L", "--email", "ada@home.org")
    refused = crm_process("contact", "merge", str(keep), str(other))
    assert refused.returncode == 1 and "refusing without --yes" in refused.stderr
    done = crm_process("contact", "merge", str(keep), str(other), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert '"merged"' in done.stdout
    doctor = crm_process("db", "doctor")
    assert doctor.returncode == 0, doctor.stdout


@pytest.mark.parametrize("answer", [False, True])
def test_merge_asks_a_person_at_a_terminal(crm, pair, monkeypatch, answer):
    from crmcli.cli import prompts
    from crmcli.context import AppContext

    asked = []
    monkeypatch.setattr(AppContext, "interactive", property(lambda self: True))
    monkeypatch.setattr(prompts, "confirm", lambda question: asked.append(question) or answer)
    before = snapshot(crm)
    result = crm("contact", "merge", str(pair["keep"]), str(pair["other"]))
    assert asked == [
        f"Merge #{pair['other']} Ada Lovelase into #{pair['keep']} Ada Lovelace and delete the merged ones?"
    ]
    if answer:
        assert result.exit_code == 0
        assert pointing_at(crm, pair["other"]) == {}
    else:
        assert result.exit_code == 1 and "Aborted; nothing was changed." in result.stderr
        assert snapshot(crm) == before


def test_erasing_the_kept_contact_erases_what_was_merged_into_it(crm):
    """The merge's history is about the kept contact, so an erasure finds it, restore data
    (the merged contact's name, addresses and search text) included."""
    keep = contact_id(crm, "Ada Lovelace", "--email", "ada@acme.com")
    other = contact_id(crm, "Countess Lovelase", "--email", "ada@home.org", "--phone", "+4722334455")
    crm.ok("contact", "merge", str(keep), str(other), "--yes")
    crm.ok("gdpr", "forget", str(keep), "--yes")
    conn = sqlite3.connect(crm.db)
    dump = "\n".join(conn.iterdump()).casefold()
    conn.close()
    for trace in ("countess", "lovelase", "ada@home.org", "4722334455"):
        assert trace not in dump
