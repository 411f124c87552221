"""crm contact duplicates --threshold: a pair's score is its evidence added up, whatever the
threshold; the threshold only decides which pairs are listed."""

from __future__ import annotations

from crmcli.services.duplicates import PHONE_SCORE, combined


def add(crm, *args: str) -> int:  # noqa: ANN001
    return int(crm.ok("contact", "add", *args, "--json").json()["id"])


def pair_scores(crm, threshold: int) -> dict[tuple[int, ...], int]:  # noqa: ANN001
    found = crm.ok("contact", "duplicates", "--json", "--threshold", str(threshold)).json()
    return {tuple(p["ids"]): p["score"] for group in found for p in group["pairs"]}


def test_a_pairs_score_is_the_same_at_every_threshold_up_to_it(crm) -> None:  # noqa: ANN001
    """Same phone and a name 86% alike at one company: 98 at --threshold 80, and still 98 (not
    dropped) at 90, where the name used to be left out before the evidence was added up."""
    kari = add(crm, "Kari Nordmann", "--phone", "+47 22 33 44 55", "--company", "Fjord AS")
    karianne = add(crm, "Karianne Nordmann", "--phone", "+47 22 33 44 55", "--company", "Fjord AS")
    score = combined([PHONE_SCORE, 86])  # "kari nordmann" / "karianne nordmann": 86.7%
    assert score == 98
    for threshold in range(0, 101):
        expected = {(kari, karianne): score} if threshold <= score else {}
        assert pair_scores(crm, threshold) == expected, f"--threshold {threshold}"
    table = crm.ok("contact", "duplicates", "--threshold", "90").stdout
    assert "same phone +4722334455; name 86% similar at Fjord AS" in table


def test_a_name_only_pair_is_listed_at_every_threshold_up_to_its_similarity(crm) -> None:  # noqa: ANN001
    ada = add(crm, "Ada Lovelace", "--company", "Acme")
    lock = add(crm, "Ada Lovelock", "--company", "Acme")  # 83% alike
    for threshold in range(0, 101):
        expected = {(ada, lock): 83} if threshold <= 83 else {}
        assert pair_scores(crm, threshold) == expected, f"--threshold {threshold}"


def test_names_less_than_half_alike_are_no_evidence_at_any_threshold(crm) -> None:  # noqa: ANN001
    """Colleagues sharing the switchboard number: Kari Nordmann and Ola Hansen are 43% alike,
    as any two names are, so their link is the phone alone (85), which --threshold 90 leaves out."""
    kari = add(crm, "Kari Nordmann", "--phone", "+47 22 33 44 55", "--company", "Fjord AS")
    ola = add(crm, "Ola Hansen", "--phone", "+47 22 33 44 55", "--company", "Fjord AS")
    for threshold in (0, 1, 43, 50, 80, 85):
        assert pair_scores(crm, threshold) == {(kari, ola): PHONE_SCORE}, f"--threshold {threshold}"
    assert pair_scores(crm, 86) == {}
    assert crm.ok("contact", "duplicates", "--json").json()[0]["reasons"] == ["same phone +4722334455"]


def test_a_pairs_shared_phone_counts_however_many_others_share_it(crm) -> None:  # noqa: ANN001
    """Three people on one number are linked through the first holder; Kari and Karl, the
    second and third, still share it, and their score must not depend on Tor being there."""
    tor = add(crm, "Tor Lie", "--company", "Acme", "--phone", "+4722334455")
    kari = add(crm, "Kari Hansen", "--company", "Acme", "--phone", "+4722334455")
    karl = add(crm, "Karl Hansen", "--company", "Acme", "--phone", "+4722334455")
    with_tor = pair_scores(crm, 95)
    assert with_tor == {(kari, karl): combined([PHONE_SCORE, 90])}
    table = crm.ok("contact", "duplicates", "--threshold", "95").stdout
    assert "same phone +4722334455; name 90% similar at Acme" in table
    crm.ok("contact", "delete", str(tor), "--yes")
    assert pair_scores(crm, 95) == with_tor
