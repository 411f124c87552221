"""Probable duplicate contacts: found in pairs, joined into groups, scored 0–100.

Three kinds of evidence link two contacts:
- the same e-mail address, any of theirs, in any letter case (worth EMAIL_SCORE);
- the same phone number in E.164 form, any of theirs (worth PHONE_SCORE);
- similar names at the same company: the ratio of their folded, accent-free names with
  the words sorted (so "Lovelace, Ada" is "Ada Lovelace"), by rapidfuzz, worth itself.
A pair's score joins its pieces of evidence as independent ones: 100 − Π(100 − s) / 100ⁿ⁻¹
(an e-mail and a 90% name make 99.5). Names less than NAME_FLOOR alike are no evidence.
A pair's score never depends on the threshold: pairs that score at least the threshold link
their contacts; a group's score is its weakest link (groups are joined strongest pair first,
so every member is tied to the group by a link at least that strong).

Fast on large files: addresses and numbers are grouped by value in one pass (contacts
that share one are linked to its first holder, never all pairs), and names are compared
only within a company, and within a large company only within the same initial of a word.
The search for names alike goes only as low as a name-only pair could be listed (the
threshold); the pairs an e-mail or a phone links have their names compared one by one.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations, groupby
from typing import TYPE_CHECKING, Any

from crmcli import validate
from crmcli.errors import Invalid
from crmcli.storage import duplicates as store

if TYPE_CHECKING:
    from crmcli.storage.db import Database

EMAIL_SCORE = 95
PHONE_SCORE = 85
DEFAULT_THRESHOLD = 80
# Names less alike than this are no evidence. Any two names are somewhat alike (Kari
# Nordmann and Ola Hansen, colleagues on one switchboard number, are 43%), and the weakest
# name still adds up with other evidence: a shared phone (85) and a name of 30% already
# make 90, past the threshold that leaves phone-only links out. From half alike up, names
# have more in common than apart, and a name counts.
NAME_FLOOR = 50
# A company with more people than this is split further by the initials of their names'
# words, so that a company of 5,000 is not 12.5 million comparisons.
BIG_COMPANY = 200

_E164 = re.compile(r"\+[1-9]\d{6,14}")
_WORD = re.compile(r"\w+")
# Combining marks, which NFKD splits off accented letters.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@dataclass
class Evidence:
    email: str | None = None
    phone: str | None = None
    name: int | None = None  # similarity 0-100, of people at one company
    company_id: int | None = None
    company: str | None = None  # its name, filled in for the pairs that are shown

    def scores(self) -> list[int]:
        found = []
        if self.email:
            found.append(EMAIL_SCORE)
        if self.phone:
            found.append(PHONE_SCORE)
        if self.name is not None:
            found.append(self.name)
        return found

    def score(self) -> int:
        return combined(self.scores())

    def reasons(self) -> list[str]:
        found = []
        if self.email:
            found.append(f"same e-mail {self.email}")
        if self.phone:
            found.append(f"same phone {self.phone}")
        if self.name is not None:
            where = f" at {self.company}" if self.company else ""
            found.append(f"same name{where}" if self.name >= 100 else f"name {self.name}% similar{where}")
        return found


@dataclass
class Group:
    number: int
    score: int
    ids: list[int]
    contacts: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    pairs: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.number,
            "score": self.score,
            "ids": self.ids,
            "reasons": self.reasons,
            "contacts": self.contacts,
            "pairs": self.pairs,
            "merge": "crm contact merge " + " ".join(str(i) for i in self.ids),
        }


def combined(scores: Iterable[int]) -> int:
    """Independent pieces of evidence joined: each one removes its share of the doubt."""
    doubt = 1.0
    for score in scores:
        doubt *= (100 - score) / 100
    return int(round(100 * (1 - doubt)))


def check_threshold(threshold: int) -> int:
    if not 0 <= threshold <= 100:
        raise Invalid(f"The threshold must be a score from 0 to 100, not {threshold}.")
    return threshold


def find_duplicates(
    db: Database, *, threshold: int = DEFAULT_THRESHOLD, default_country: str | None = None
) -> list[Group]:
    """Groups of contacts that are probably the same person, best first."""
    check_threshold(threshold)
    evidence: dict[tuple[int, int], Evidence] = defaultdict(Evidence)
    # Each contact's e-mails and numbers that others hold too: a value many share links them
    # through its first holder (_star), and a pair of them found by name is credited below.
    emails_of: dict[int, set[str]] = defaultdict(set)
    phones_of: dict[int, set[str]] = defaultdict(set)
    for value, ids in _shared(store.contact_points(db, "email"), str.casefold):
        for pair in _star(ids):
            evidence[pair].email = evidence[pair].email or value
        for contact_id in ids:
            emails_of[contact_id].add(value)
    for value, ids in _shared(store.contact_points(db, "phone"), lambda v: _phone_key(v, default_country)):
        for pair in _star(ids):
            evidence[pair].phone = evidence[pair].phone or value
        for contact_id in ids:
            phones_of[contact_id].add(value)
    # A name-only pair scores its similarity, so the search stops at the threshold; a pair
    # that an e-mail or a phone links has its name counted down to NAME_FLOOR whatever the
    # threshold, or its score would depend on it.
    linked = list(evidence)
    for pair, similarity, company_id in _similar_names(db, max(threshold, NAME_FLOOR)):
        evidence[pair].name = similarity
        evidence[pair].company_id = company_id
    unnamed = [pair for pair in linked if evidence[pair].name is None]
    for pair, similarity, company_id in _names_of_linked(db, unnamed):
        evidence[pair].name = similarity
        evidence[pair].company_id = company_id
    for (a, b), found in evidence.items():  # a pair found by name that also shares a value
        if found.email is None and emails_of[a] & emails_of[b]:
            found.email = min(emails_of[a] & emails_of[b])
        if found.phone is None and phones_of[a] & phones_of[b]:
            found.phone = min(phones_of[a] & phones_of[b])
    scored = [(pair, found, found.score()) for pair, found in evidence.items()]
    groups = _join([p for p in scored if p[2] >= threshold])
    ids = sorted({i for group in groups for i in group.ids})
    rows = store.summaries(db, ids)
    for group in groups:
        group.contacts = [_contact(rows[i]) for i in group.ids if i in rows]
        reasons: list[str] = []
        for link in group.pairs:
            found = link.pop("_evidence")
            if found.company_id is not None:
                row = rows.get(link["ids"][0]) or {}
                found.company = row.get("company") or f"company #{found.company_id}"
            link["reasons"] = found.reasons()
            reasons += link["reasons"]
        group.reasons = list(dict.fromkeys(reasons))
    return groups


def _contact(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in ("id", "name", "email", "phone", "company_id", "company")}


# --- e-mails and phones ------------------------------------------------------------------------


def _phone_key(value: str, default_country: str | None) -> str:
    """The number in E.164 form; stored numbers already are, older or imported ones may not be."""
    if _E164.fullmatch(value):
        return value
    try:
        return validate.phone_number(value, default_country)
    except Invalid:
        return re.sub(r"[^\d+]", "", value) or value


def _shared(points: Iterable[tuple[int, str]], key: Callable[[str], str]) -> Iterator[tuple[str, list[int]]]:
    """(normalised value, contact ids) of each value held by more than one contact."""
    holders: dict[str, list[int]] = {}
    for contact_id, value in points:
        normal = key(value)
        ids = holders.get(normal)
        if ids is None:
            holders[normal] = [contact_id]
        else:
            ids.append(contact_id)
    for normal, ids in holders.items():
        if len(ids) > 1:
            unique = sorted(set(ids))
            if len(unique) > 1:
                yield normal, unique


# Up to this many holders of one value, every pair of them is a pair with that evidence (and
# has its names compared); a value held by more (an office's switchboard, a shared inbox)
# links each to its first holder, which joins them without n² pairs.
EVERY_PAIR_UP_TO = 20


def _star(ids: list[int]) -> Iterator[tuple[int, int]]:
    """The pairs a shared value makes: every pair of a few holders, else a star."""
    if len(ids) <= EVERY_PAIR_UP_TO:
        yield from combinations(ids, 2)
        return
    first = ids[0]
    for other in ids[1:]:
        yield (first, other)


# --- names -----------------------------------------------------------------------------------


def name_words(name: str) -> list[str]:
    """A name's words as compared: folded, without accents or punctuation ("Åsa" is "asa",
    "Østergaard" is "ostergaard")."""
    text = unicodedata.normalize("NFKD", name).casefold()
    if not text.isascii():
        text = _MARKS.sub("", text).translate(validate.PLAIN_LATIN)
    return _WORD.findall(text)


def name_key(name: str) -> str:
    """A name with its words sorted, so that "Lovelace, Ada" is "Ada Lovelace"."""
    return " ".join(sorted(name_words(name)))


Member = tuple[int, str, str]  # contact id, the name's words as written, the same sorted


def name_similarity(one: str, other: str) -> int:
    """How alike two names are, 0-100: the better of the names compared as written and with
    their words sorted. Sorting finds "Lovelace, Ada", but a typo in a first letter
    ("Katherine" and "Catherine Johnson") can sort the words apart, which the names as
    written do not."""
    from rapidfuzz import fuzz

    words, others = name_words(one), name_words(other)
    written = fuzz.ratio(" ".join(words), " ".join(others))
    ordered = fuzz.ratio(" ".join(sorted(words)), " ".join(sorted(others)))
    return int(max(written, ordered))


def _similar_names(db: Database, cutoff: int) -> Iterator[tuple[tuple[int, int], int, int]]:
    """((id, id), similarity, company id) of people at one company whose names are at least
    `cutoff` alike, by name_similarity (done here for a whole company at once)."""
    from rapidfuzz import fuzz, process

    for company_id, people in groupby(store.people_at_companies(db), key=lambda row: row[2]):
        members: list[Member] = []
        for contact_id, name, _ in people:
            words = name_words(name)
            members.append((contact_id, " ".join(words), " ".join(sorted(words))))
        if len(members) < 2:
            continue
        seen: set[tuple[int, int]] = set()
        for block in _blocks(members):
            written = [m[1] for m in block]
            ordered = [m[2] for m in block]
            for i in range(len(block) - 1):
                best: dict[int, float] = {}
                for keys in (ordered, written):
                    for _, similarity, j in process.extract(
                        keys[i], keys[i + 1 :], scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
                    ):
                        best[j] = max(best.get(j, 0.0), similarity)
                for j, similarity in best.items():
                    a, b = block[i][0], block[i + 1 + j][0]
                    pair = (a, b) if a < b else (b, a)
                    if pair not in seen:
                        seen.add(pair)
                        yield pair, int(similarity), company_id


def _names_of_linked(
    db: Database, pairs: list[tuple[int, int]]
) -> Iterator[tuple[tuple[int, int], int, int]]:
    """((id, id), similarity, company id) of the pairs, among `pairs`, of people at one
    company whose names are at least NAME_FLOOR alike."""
    rows = store.summaries(db, sorted({i for pair in pairs for i in pair}))
    for a, b in pairs:
        one, other = rows.get(a), rows.get(b)
        if one is None or other is None or one["company_id"] is None:
            continue
        if one["company_id"] == other["company_id"]:
            similarity = name_similarity(one["name"], other["name"])
            if similarity >= NAME_FLOOR:
                yield (a, b), similarity, one["company_id"]


def _blocks(members: list[Member]) -> Iterator[list[Member]]:
    """The company itself, or for a large one, its people by the initial of each word of
    their names (a typo in one word still leaves the other word's initial in common)."""
    if len(members) <= BIG_COMPANY:
        yield members
        return
    by_initial: dict[str, list[Member]] = defaultdict(list)
    for member in members:
        for initial in {word[0] for word in member[1].split()} or {""}:
            by_initial[initial].append(member)
    for initial in sorted(by_initial):
        if len(by_initial[initial]) > 1:
            yield by_initial[initial]


# --- groups ----------------------------------------------------------------------------------


def _join(pairs: list[tuple[tuple[int, int], Evidence, int]]) -> list[Group]:
    """Union the pairs, strongest first; a group's score is the weakest link that joined it."""
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        parent.setdefault(i, i)
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    weakest: dict[int, int] = {}
    pairs.sort(key=lambda p: (-p[2], p[0]))
    for (a, b), _, score in pairs:
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        link = min(score, weakest.get(ra, 100), weakest.get(rb, 100))
        parent[rb] = ra
        weakest[ra] = link
    members: dict[int, list[int]] = defaultdict(list)
    for i in list(parent):
        members[root(i)].append(i)
    links: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (a, b), found, score in pairs:
        links[root(a)].append({"ids": [a, b], "score": score, "_evidence": found})
    groups = [
        Group(
            0, weakest.get(r, 100), sorted(ids), pairs=sorted(links[r], key=lambda p: (-p["score"], p["ids"]))
        )
        for r, ids in members.items()
    ]
    groups.sort(key=lambda g: (-g.score, g.ids[0]))
    for number, group in enumerate(groups, 1):
        group.number = number
    return groups
