"""How alike two people are (0–100, with the reasons), and the pairs of a book worth a look."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ...domain import Contact, fold
from ...store import merge as store
from .rules import Person, _same_phone, candidate_pairs

if TYPE_CHECKING:
    from ...store import Book

DEFAULT_MIN_SCORE = 40
# Pairs below this are not worth a look; look-alikes with different emails stay under it.
LOW_SCORE = 30


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Candidate:
    """Two contacts that may be the same person: `a` has the lower id."""

    a: int
    b: int
    name_a: str
    name_b: str
    score: int
    reasons: tuple[str, ...]

    @property
    def pair(self) -> tuple[int, int]:
        return self.a, self.b

    def reason_text(self) -> str:
        return ", ".join(self.reasons)


@lru_cache(maxsize=1)
def _token_sort_ratio():
    from rapidfuzz import fuzz  # lazy: only detection pays for the import

    return fuzz.token_sort_ratio


def _ratio(a: str, b: str) -> float:
    return _token_sort_ratio()(a, b)


def _display_first(name: str) -> str:
    words = name.split()
    return words[0].rstrip(".,") if words else name


def name_similarity(x: Person, y: Person) -> tuple[int, str]:
    """How alike two names are (0–100) and why, in words."""
    if not x.tokens or not y.tokens:
        return 0, ""
    if x.tokens == y.tokens:
        return 100, "same name"
    if sorted(x.tokens) == sorted(y.tokens):
        return 98, "same name"
    best = int(round(_ratio(x.key, y.key)))
    reason = f"names {best}% alike"
    xs, ys = x.tokens, y.tokens
    if len(xs) >= 2 and len(ys) >= 2 and xs[-1] == ys[-1]:
        fx, fy = x.forms, y.forms
        if xs[0] != ys[0] and fx & fy and best < 92:
            short, long = (x, y) if len(xs[0]) < len(ys[0]) else (y, x)
            best = 92
            reason = (f"{_display_first(short.name)} is a nickname of "
                      f"{_display_first(long.name)}")
        elif (len(xs[0]) == 1 or len(ys[0]) == 1) and xs[0][0] == ys[0][0] and best < 85:
            short, long = (x, y) if len(xs[0]) == 1 else (y, x)
            best = 85
            reason = (f"{_display_first(short.name).rstrip('.')}. could be "
                      f"{_display_first(long.name)}")
    if best < 80 and (len(xs) == 1) != (len(ys) == 1):
        solo, full = (x, y) if len(xs) == 1 else (y, x)
        if solo.tokens[0] in full.forms:
            best = 75
            reason = f"{solo.name} may be {full.name}"
    return best, reason


def _birthdays(x: str | None, y: str | None) -> int:
    """+1 same birthday, -1 different, 0 unknown. A year-less birthday matches any year."""
    if not x or not y:
        return 0
    if x[-5:] != y[-5:]:
        return -1
    if not x.startswith("--") and not y.startswith("--") and x[:4] != y[:4]:
        return -1
    return 1


def score_pair(x: Person, y: Person) -> tuple[int, tuple[str, ...]]:
    """Score how likely two people are one (0–100) and the reasons, strongest first."""
    reasons: list[str] = []
    sim, name_reason = name_similarity(x, y)
    shared_email = bool(x.emails & y.emails)
    shared_phone = any(_same_phone(p, q) for p in x.phones for q in y.phones)
    if shared_email or shared_phone:
        score = 75 if shared_email else 65
        if shared_email:
            reasons.append("same email")
        if shared_phone:
            reasons.append("same phone")
        if shared_email and shared_phone:
            score += 10
        if sim >= 85:
            score += 20
            reasons.append(name_reason)
        elif sim >= 70:
            score += 5
            reasons.append(name_reason)
        else:
            # One address for two names: a couple, a family, an office line.
            score -= 30
            reasons.append("different names")
    else:
        if sim < 70:
            return 0, ()
        score = int((sim - 70) * 2)
        reasons.append(name_reason)
        if x.emails and y.emails:
            score -= 40
            reasons.append("different emails")
        if x.phones and y.phones:
            score -= 10
            reasons.append("different phones")
    if x.org and y.org:
        if x.org == y.org or _ratio(x.org, y.org) >= 90:
            score += 15
            reasons.append("same org")
        else:
            score -= 5
            reasons.append("different orgs")
    shared = sorted(x.tags & y.tags)
    if shared:
        score += 10
        reasons.append(f"both in {shared[0]}" if len(shared) == 1 else f"both in {len(shared)} circles")
    birthday = _birthdays(x.birthday, y.birthday)
    if birthday > 0:
        score += 15
        reasons.append("same birthday")
    elif birthday < 0:
        score -= 40
        reasons.append("different birthdays")
    if x.emails and y.emails and not (shared_email or shared_phone):
        # Each has an address and none is shared: two people until proven otherwise,
        # however alike the names, the org and the circles.
        score = min(score, LOW_SCORE - 1)
    return max(0, min(100, score)), tuple(r for r in reasons if r)


def _persons(book: Book) -> list[Person]:
    return [
        Person.of(r.id, r.name, nickname=r.nickname, emails=r.emails, phones=r.phones,
                  org=r.org, tags=r.tags, birthday=r.birthday)
        for r in store.people(book)
    ]


def find_duplicates(
    book: Book, *, min_score: int = DEFAULT_MIN_SCORE, include_dismissed: bool = False
) -> list[Candidate]:
    """Pairs of contacts that may be one person, best first, scoring at least `min_score`.

    Dismissed pairs never come back unless `include_dismissed`. Trashed contacts are left
    out; archived ones are in (an archived duplicate is still a duplicate).
    """
    persons = _persons(book)
    dismissed = set() if include_dismissed else store.dismissed_pairs(book)
    found: list[Candidate] = []
    for i, j in candidate_pairs(persons):
        x, y = persons[i], persons[j]
        if x.id > y.id:
            x, y = y, x
        if (x.id, y.id) in dismissed:
            continue
        score, reasons = score_pair(x, y)
        if score >= min_score and score > 0:
            found.append(Candidate(x.id, y.id, x.name, y.name, score, reasons))
    found.sort(key=lambda c: (-c.score, fold(c.name_a), c.a, c.b))
    return found


def compare(book: Book, a: int, b: int) -> Candidate:
    """Score one given pair (for a merge preview); raises NotFound for a missing contact."""
    x, y = (a, b) if a < b else (b, a)
    px, py = (_person(book.get_contact(i)) for i in (x, y))
    score, reasons = score_pair(px, py)
    return Candidate(x, y, px.name, py.name, score, reasons)


def _person(contact: Contact) -> Person:
    return Person.of(
        contact.id, contact.name, nickname=contact.nickname, emails=contact.emails,
        phones=contact.phones, org=contact.org, tags=contact.tags,
        birthday=contact.birthday.iso() if contact.birthday else None,
    )


def dismiss(book: Book, a: int, b: int) -> bool:
    """Remember that `a` and `b` are not the same person; False if that was known already."""
    return store.dismiss_pair(book, a, b)


def undismiss(book: Book, a: int, b: int) -> bool:
    """Forget a "not the same person" (undo of a dismissal); False if there was none."""
    return store.undismiss_pair(book, a, b)
