"""crm gdpr forget leaves nothing derived from the person, and nothing undo could put back
onto them: sort keys are folded again from the erased text, and changes that moved a
record away from (or onto) them can no longer be undone."""

from __future__ import annotations

import sqlite3

from test_gdpr_history import in_bytes, in_tables

TEAM = 'user = "ada"\n[[team]]\nhandle = "ada"\nname = "Ada"\n[[team]]\nhandle = "bo"\nname = "Bo"\n'


def test_forget_folds_company_sort_key_again(crm) -> None:  # noqa: ANN001
    crm.ok("add", "Mette Østergaard", "--email", "m@o.dk", "--company", "Mette Østergaard ApS")
    crm.ok("add", "Jens Hansen", "--company", "Hansen & Mette Østergaard Holding")
    crm.ok("gdpr", "forget", "mette", "--yes")
    conn = sqlite3.connect(crm.db)
    try:
        rows = conn.execute("SELECT name, sort_key FROM companies ORDER BY id").fetchall()
    finally:
        conn.close()
    assert rows == [
        ("[erased] ApS", "[erased] aps"),
        ("Hansen & [erased] Holding", "hansen & [erased] holding"),
    ]
    needles = ["mette østergaard", "mette ostergaard", "Mette Østergaard", "m@o.dk"]
    assert in_tables(crm.db, needles) == []
    assert in_bytes(crm.db, needles) == []
    assert crm("company", "show", "mette").exit_code != 0
    assert "Hansen" in crm.ok("company", "show", "hansen").stdout


def test_forget_blocks_undo_of_a_move_away_from_the_person(crm) -> None:  # noqa: ANN001
    crm.write_config(TEAM)
    crm.ok("add", "Kari Nordmann")
    crm.ok("add", "Ola Hansen")
    crm.ok("log", "kari", "note", "Secret: she has a heart condition")
    crm.ok("log", "kari", "note", "Kari Nordmann called about the invoice")
    crm.ok("--user", "bo", "activity", "edit", "1", "--contact", "ola")
    crm.ok("--user", "bo", "activity", "edit", "2", "--contact", "ola")
    crm.ok("gdpr", "forget", "kari", "--yes")
    crm("--user", "bo", "undo")
    crm("--user", "bo", "undo")
    first = crm.ok("activity", "show", "1", "--json").json()
    second = crm.ok("activity", "show", "2", "--json").json()
    assert first["contact_id"] == 2 and second["contact_id"] == 2
    # Ola's now: the note stays, unless it names her.
    assert first["note"] == "Secret: she has a heart condition"
    assert second["note"] == "[erased] called about the invoice"
    assert in_bytes(crm.db, ["Kari Nordmann", "kari nordmann"]) == []
