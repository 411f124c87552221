"""crm contact duplicates: same e-mail, same phone, similar name at the same company;
grouped, scored, and cut by --threshold."""

from __future__ import annotations

import sqlite3
from hashlib import sha1

import pytest

from crmcli.services.duplicates import EMAIL_SCORE, PHONE_SCORE, combined, name_key


def add(crm, *args: str) -> int:
    return int(crm.ok("contact", "add", *args, "--json").json()["id"])


def groups(crm, *args: str) -> list[dict]:
    return crm.ok("contact", "duplicates", "--json", *args).json()


def test_same_email_in_any_case_and_any_position(crm):
    ada = add(crm, "Ada Lovelace", "--email", "ada@acme.com")
    other = add(crm, "A. King", "--email", "countess@home.org", "--email", "ADA@Acme.com")
    add(crm, "Somebody Else", "--email", "else@acme.com")
    found = groups(crm)
    assert len(found) == 1
    assert found[0]["ids"] == [ada, other]
    assert found[0]["score"] == EMAIL_SCORE
    assert found[0]["reasons"] == ["same e-mail ada@acme.com"]
    assert found[0]["merge"] == f"crm contact merge {ada} {other}"


def test_same_phone_whatever_way_it_was_written(crm):
    crm.write_config('default_country = "NO"\n')
    one = add(crm, "Kari Nordmann", "--phone", "22 33 44 55")
    two = add(crm, "Ola Hansen", "--phone", "+47 22-33-44-55")
    found = groups(crm)
    assert [(g["ids"], g["score"], g["reasons"]) for g in found] == [
        ([one, two], PHONE_SCORE, ["same phone +4722334455"])
    ]


def test_a_legacy_number_not_in_e164_is_normalised(crm):
    crm.write_config('default_country = "NO"\n')
    one = add(crm, "Kari Nordmann", "--phone", "+4722334455")
    two = add(crm, "Ola Hansen")
    conn = sqlite3.connect(crm.db)  # as an old import left it
    conn.execute(
        "INSERT INTO contact_points (contact_id, kind, value, position) VALUES (?, 'phone', ?, 0)",
        [two, "22 33 44 55"],
    )
    conn.commit()
    conn.close()
    assert [g["ids"] for g in groups(crm)] == [[one, two]]


def test_similar_name_at_the_same_company_only(crm):
    ada = add(crm, "Ada Lovelace", "--company", "Acme")
    typo = add(crm, "Ada Lovelase", "--company", "Acme")
    turned = add(crm, "Lovelace, Ada", "--company", "Acme")
    add(crm, "Ada Lovelace", "--company", "Other Corp")  # a namesake elsewhere
    add(crm, "Ada Lovelace")  # and one with no company
    add(crm, "Charles Babbage", "--company", "Acme")
    found = groups(crm)
    assert len(found) == 1
    assert found[0]["ids"] == [ada, typo, turned]
    assert "same name at Acme" in found[0]["reasons"]  # word order does not matter
    assert "name 91% similar at Acme" in found[0]["reasons"]
    assert found[0]["score"] == 91  # the weakest link that holds the group together


def test_a_name_typed_without_its_special_letters_is_the_same_name(crm):
    mette = add(crm, "Mette Østergaard", "--company", "Acme")
    typed = add(crm, "Mette Ostergaard", "--company", "Acme")
    found = groups(crm)
    assert [g["ids"] for g in found] == [[mette, typed]]
    assert "same name at Acme" in found[0]["reasons"]


def test_threshold_cuts_pairs(crm):
    crm.write_config('default_country = "NO"\n')
    ada = add(crm, "Ada Lovelace", "--company", "Acme")
    typo = add(crm, "Ada Lovelase", "--company", "Acme")
    one = add(crm, "Kari Nordmann", "--phone", "22334455")
    two = add(crm, "Ola Hansen", "--phone", "+4722334455")
    assert [g["ids"] for g in groups(crm)] == [[ada, typo], [one, two]]  # 91, then 85
    assert [g["ids"] for g in groups(crm, "--threshold", "90")] == [[ada, typo]]
    assert groups(crm, "--threshold", "92") == []
    # A weaker name match joins the group, and makes it weaker.
    lock = add(crm, "Ada Lovelock", "--company", "Acme")  # 83% like Ada Lovelace
    assert [(g["ids"], g["score"]) for g in groups(crm)] == [([one, two], 85), ([ada, typo, lock], 83)]
    assert [g["ids"] for g in groups(crm, "--threshold", "85")] == [[ada, typo], [one, two]]


def test_evidence_adds_up_and_groups_join(crm):
    crm.write_config('default_country = "NO"\n')
    a = add(crm, "Grace Hopper", "--email", "grace@navy.mil", "--company", "Navy")
    b = add(crm, "Grace Hoper", "--email", "GRACE@navy.mil", "--phone", "+4722334455", "--company", "Navy")
    c = add(crm, "G. M. Hopper", "--phone", "+47 22 33 44 55")
    found = groups(crm)
    assert len(found) == 1
    group = found[0]
    assert group["ids"] == [a, b, c]
    pairs = {tuple(p["ids"]): p for p in group["pairs"]}
    similarity = 95  # "grace hopper" / "grace hoper": one letter of 23
    assert pairs[(a, b)]["score"] == combined([EMAIL_SCORE, similarity]) == 100
    assert pairs[(a, b)]["reasons"] == ["same e-mail grace@navy.mil", f"name {similarity}% similar at Navy"]
    assert pairs[(b, c)]["reasons"] == ["same phone +4722334455"]
    assert group["score"] == PHONE_SCORE  # c hangs on by the phone alone
    assert [c_["id"] for c_ in group["contacts"]] == [a, b, c]


def test_table_output_and_hint(crm):
    ada = add(crm, "Ada Lovelace", "--email", "ada@acme.com", "--company", "Acme")
    other = add(crm, "Ada King", "--email", "ada@acme.com")
    done = crm.ok("contact", "duplicates")
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["GROUP", "SCORE", "CONTACTS", "REASONS"]
    assert lines[1].split()[:2] == ["1", str(EMAIL_SCORE)]
    assert f"#{ada} Ada Lovelace (Acme); #{other} Ada King" in lines[1]
    assert f"crm contact merge {ada} {other}" in done.stderr


def test_no_duplicates_is_success(crm):
    add(crm, "Ada Lovelace", "--email", "ada@acme.com")
    add(crm, "Charles Babbage", "--email", "charles@acme.com")
    assert groups(crm) == []
    done = crm.ok("contact", "duplicates")
    assert done.stdout.split() == ["GROUP", "SCORE", "CONTACTS", "REASONS"]


@pytest.mark.parametrize("value", ["101", "-1"])
def test_bad_threshold(crm, value):
    failed = crm.fails("contact", "duplicates", "--threshold", value)
    assert f"The threshold must be a score from 0 to 100, not {value}." in failed.stderr


def test_threshold_must_be_a_number(crm):
    failed = crm.fails("contact", "duplicates", "--threshold", "high", code=2)
    assert "high" in failed.stderr


def test_a_large_company_is_compared_by_initials(crm):
    """Past BIG_COMPANY people, names are compared within the initials of their words: a typo
    in the first letter of one word is still found through the other word."""
    crm.ok("company", "add", "Big Corp")
    # 260 names that are nothing alike (hex words), and two that are one person.
    names = [f"{sha1(b'f%d' % i).hexdigest()[:10]} {sha1(b'l%d' % i).hexdigest()[:10]}" for i in range(260)]
    names += ["Katherine Johnson", "Catherine Johnson"]
    conn = sqlite3.connect(crm.db)
    conn.executemany(
        "INSERT INTO contacts (uid, name, company_id, lifecycle_stage, sort_key, created_at, updated_at) "
        "VALUES (lower(hex(randomblob(16))), ?, 1, 'other', ?, '2026-01-01', '2026-01-01')",
        [(name, name.lower()) for name in names],
    )
    conn.commit()
    conn.close()
    found = groups(crm)
    assert len(found) == 1
    assert [c["name"] for c in found[0]["contacts"]] == ["Katherine Johnson", "Catherine Johnson"]


def test_name_key_folds_accents_case_punctuation_and_order():
    assert name_key("Lövelace, ADA") == name_key("ada  lovelace") == "ada lovelace"
    assert name_key("王 伟") == name_key("伟 王")
