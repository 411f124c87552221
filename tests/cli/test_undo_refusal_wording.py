"""An undo that someone else's later record blocks says which record, who and why, in one sentence."""

from __future__ import annotations

import re

from helpers import every_row, one_sentence


def _refused(crm) -> str:
    before = every_row(crm.db)
    result = crm.fails("undo")
    assert every_row(crm.db) == before
    # The change's time varies; the rest of the sentence is what this file is about.
    return re.sub(r"\(contact add, [^)]*\)", "(contact add, …)", one_sentence(result.stderr))


def test_a_contact_added_at_the_new_company_is_named_with_who_added_it(crm):
    crm.ok("add", "X", "-c", "NewCo")
    crm.ok("--user", "bob", "add", "Y", "-c", "NewCo")
    assert _refused(crm) == (
        "crm: Cannot undo change #1 (contact add, …): contact #2 Y, added since by bob, is at "
        "company #1 NewCo, which the undo would delete; nothing was undone."
    )


def test_several_contacts_are_counted_after_the_first(crm):
    crm.ok("add", "X", "-c", "NewCo")
    crm.ok("--user", "bob", "add", "Y", "-c", "NewCo")
    crm.ok("--user", "bob", "add", "Z", "-c", "NewCo")
    crm.ok("--user", "bob", "add", "W", "-c", "NewCo")
    assert _refused(crm) == (
        "crm: Cannot undo change #1 (contact add, …): contact #2 Y, added since by bob, and 2 more "
        "contacts are at company #1 NewCo, which the undo would delete; nothing was undone."
    )


def test_a_deal_linked_to_the_new_company_is_named(crm):
    crm.ok("add", "X", "-c", "NewCo")
    crm.ok("--user", "bob", "deal", "add", "Big one", "--company", "NewCo")
    assert _refused(crm) == (
        "crm: Cannot undo change #1 (contact add, …): deal #1 Big one, added since by bob, is "
        "linked to company #1 NewCo, which the undo would delete; nothing was undone."
    )


def test_a_contact_moved_to_the_new_company_says_it_was_edited(crm):
    crm.ok("--user", "bob", "add", "Z")
    crm.ok("add", "X", "-c", "NewCo")
    crm.ok("--user", "bob", "contact", "edit", "Z", "-c", "NewCo")
    assert _refused(crm) == (
        "crm: Cannot undo change #2 (contact add, …): contact #1 Z, edited since by bob, is at "
        "company #1 NewCo, which the undo would delete; nothing was undone."
    )


def test_a_contact_referred_by_the_new_contact_is_named(crm):
    crm.ok("add", "X")
    crm.ok("--user", "bob", "add", "Y", "--referred-by", "X")
    assert _refused(crm) == (
        "crm: Cannot undo change #1 (contact add, …): contact #2 Y, added since by bob, was "
        "referred by contact #1 X, which the undo would delete; nothing was undone."
    )
