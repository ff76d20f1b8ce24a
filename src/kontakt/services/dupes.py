"""Duplicates: find people who are in the book twice, merge them, and undo a merge.

Detection never compares every pair. Each person gets blocking keys — normalised email
addresses, phone numbers reduced to their national digits, and name keys (surname plus
initial, first name plus surname initial, nicknames resolved to their full name) — and
only people sharing a key are scored. A score is 0–100 with the reasons behind it.

Scores, roughly: a shared email or phone with a similar name is 85+; the same name and
nothing else known is 60; a shared org, circle or birthday adds to it; the same common
name with *different* email addresses stays below LOW_SCORE — two John Smiths are two
people until something says otherwise.

A merge keeps one record and moves everything of the other onto it (see `merge`):
- fields: empty ones are filled from the other; where both differ the kept value wins
  (`prefer_other`, or `choices` per field, turn that round); a birthday that knows the
  year beats the same day without one;
- emails, phones (national and international forms are one number) and circles are united;
  notes are concatenated under a "── merged from … ──" line; the shorter cadence wins;
  archived only if both were; "in the book since" is the earlier of the two;
- interactions, favours, follow-ups and introductions move; a group interaction that had
  both keeps one participant row;
- an introduction *between* the two would introduce the person to themselves, so it is
  removed — its note and outcome are added to the notes, and the row is kept whole in the
  merge record so that an undo puts it back;
- whoever the other was marked "not the same person" as, the kept contact is not either;
- the other goes to the trash (`deleted_at`), whole, with a merge record pointing at it.
"""

from __future__ import annotations

from .. import clock
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import combinations
from typing import TYPE_CHECKING, Any

from ..domain import Birthday, Cadence, Contact, fold
from ..store import merge as store
from ..store.merge import MergeError, MergeRecord, Undone

if TYPE_CHECKING:
    from ..store import Book

DEFAULT_MIN_SCORE = 40
# Pairs below this are not worth a look; look-alikes with different emails stay under it.
LOW_SCORE = 30
# A name key shared by more people than this says little (every "Thomas M." in a big
# book) and would cost quadratic time; email and phone blocks get a smaller cap (a shared
# office switchboard or info@ address is not evidence of one person).
MAX_NAME_BLOCK = 200
MAX_CONTACT_BLOCK = 50

# --------------------------------------------------------------------------- nicknames

# Each line: the full name first, then names that are short for it. German, Austrian,
# Swiss and English forms; a nickname may belong to several (Chris, Alex, Toni).
_NICKNAME_GROUPS = """
robert bob bobby rob robbie bert
william bill billy will willy liam
richard rick ricky dick rich richie
james jim jimmy jamie
john jack johnny jon
jonathan jon jonny
michael mike mikey micha michi
thomas tom tommy
christopher chris kit
christian chris
christina chris tina
christine chris tina
elizabeth liz lizzy beth betty eliza elisa
elisabeth lisa liesl lisl sissi sisi elli ilse
katharina katrin kathrin kathi kati katja kate
catherine kate katie kathy cathy cat
katherine kate katie kathy
margarete grete gretel greta
margaret maggie meg peggy greta
johannes hans hannes johann
josef sepp seppi joe jo
joseph joe jo joey
friedrich fritz fred
alexander alex sascha xander sandro
alexandra alex sandra sascha
andreas andi andy
andrew andy drew
anthony tony
anton toni
antonia toni
benjamin ben benny
daniel dan danny dani
david dave davy
edward ed eddie ted ned
matthias matthi matze
matthew matt matty
nicholas nick nicky
nikolaus klaus niklas nico claus
patrick pat paddy
patricia pat patty tricia
peter pete
samuel sam sammy
samantha sam sammy
stefan steffen steff
stephen steve stevie
steven steve stevie
susanne susi suse sanne
susanna susi sanne
susan sue susie
wolfgang wolf
maximilian max maxi
gabriele gabi gaby
barbara babs barbel
dorothea dora doris thea
ferdinand ferdi
florian flo
joachim achim
heinrich heinz
henry hank harry
harold harry
wilhelm willi willy wim
leopold poldi leo
ursula uschi ulla
ulrich uli ulli
rudolf rudi
magdalena lena leni
helena lena
helene lena
walter walti
jakob kobi jake
jacob jake
theodor theo
theodora theo
theresa resi tessa
therese resi
veronika vroni
rosemarie rosi
mathilde tilda tilly
sebastian basti
tobias tobi
dominik dom
dominic dom
jennifer jenny jen
rebecca becky becca
victoria vicky tori
deborah debbie deb
jessica jess jessie
kimberly kim
abigail abby
zachary zach zack
joshua josh
timothy tim timmy
gregory greg
kenneth ken kenny
ronald ron ronny
donald don donny
lawrence larry
charles charlie chuck
albert al bert
alfred alf fred
frederick fred freddie
gerhard gerd
bernhard bernd
manfred manni
norbert nobbi
angelika angie geli
franziska franzi
franz franzl
cornelia conny
konstantin konny
benedikt bene
valentina vali
valentin vali
isabella bella isa
isabel bella isa
"""


@lru_cache(maxsize=1)
def _nicknames() -> dict[str, frozenset[str]]:
    """Folded name → the full names it may stand for (a full name stands for itself)."""
    table: dict[str, set[str]] = defaultdict(set)
    for line in _NICKNAME_GROUPS.strip().splitlines():
        full, *short = [_key(word) for word in line.split()]
        table[full].add(full)
        for nick in short:
            table[nick].add(full)
    return {name: frozenset(fulls) for name, fulls in table.items()}


def _given_forms(token: str) -> frozenset[str]:
    """The full given names `token` may be short for, itself included."""
    return _nicknames().get(token, frozenset()) | {token}


# --------------------------------------------------------------------------- normalising

# Titles and salutations say nothing about who someone is ("Dr. Jürgen Müller").
_TITLES = frozenset(
    "dr prof mag dipl ing msc bsc mba phd herr frau mr mrs ms miss sir jr sr von der".split()
)
_UMLAUT_SPELLED = re.compile(r"([aou])e")


def _key(word: str) -> str:
    """A name word as a comparison key: folded ("Müller" → "muller") and with the spelled-out
    umlaut folded too ("Mueller" → "muller"), so both spellings meet."""
    return _UMLAUT_SPELLED.sub(r"\1", fold(word))


def _fold(text: str) -> str:
    # ASCII needs no decomposition: the fast path matters for 10k names.
    return text.casefold() if text.isascii() else fold(text)


_WORD = re.compile(r"\w+")


def name_tokens(name: str) -> list[str]:
    """The words of a name as keys, without titles: "Dr. Jürgen Müller" → ["jurgen", "muller"]."""
    tokens = _WORD.findall(_UMLAUT_SPELLED.sub(r"\1", _fold(name)))
    kept = [t for t in tokens if t not in _TITLES]
    return kept or tokens


def normal_email(email: str) -> str:
    """An address as compared: no spaces, no mailto:, case-folded."""
    text = re.sub(r"\s+", "", email).casefold()
    return text.removeprefix("mailto:")


# Country calling codes are prefix-free: 1 and 7 stand alone, these two-digit codes are
# complete, and every other code has three digits.
_TWO_DIGIT_CODES = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split()
)
_MIN_PHONE_DIGITS = 6


def phone_key(phone: str) -> tuple[str | None, str] | None:
    """(country code or None, national digits) of a phone number, or None if too short.

    "+49 89 1234567", "0049 89 1234567" and "089 1234567" all give national digits
    "891234567" (the first two with country code "49"), so the forms meet. The trunk
    zero is dropped; Italy keeps its zero internationally, which dropping it here evens out.
    """
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    code: str | None = None
    if text.startswith("+") or digits.startswith("00"):
        digits = digits[2:] if not text.startswith("+") else digits
        if digits[:1] in ("1", "7"):
            size = 1
        elif digits[:2] in _TWO_DIGIT_CODES:
            size = 2
        else:
            size = 3
        code, digits = digits[:size], digits[size:]
    national = digits.lstrip("0")
    if len(national) < _MIN_PHONE_DIGITS:
        return None
    return code, national


def _same_phone(a: tuple[str | None, str], b: tuple[str | None, str]) -> bool:
    # A national form carries no country: it matches the same digits from any country.
    return a[1] == b[1] and (a[0] is None or b[0] is None or a[0] == b[0])


# --------------------------------------------------------------------------- people


@dataclass(slots=True)
class Person:
    """A contact as detection sees it: normalised once, compared many times (not frozen:
    building 10k frozen dataclasses costs noticeably more)."""

    id: int
    name: str
    tokens: tuple[str, ...]
    nickname: str
    emails: frozenset[str]
    phones: tuple[tuple[str | None, str], ...]
    org: str
    tags: frozenset[str]
    birthday: str | None
    forms: frozenset[str] = frozenset()  # what the first name may stand for, see _first_forms

    @classmethod
    def of(
        cls, id: int, name: str, *, nickname: str = "", emails: Iterable[str] = (),
        phones: Iterable[str] = (), org: str = "", tags: Iterable[str] = (),
        birthday: str | None = None,
    ) -> Person:
        keys = [phone_key(p) for p in phones]
        person = cls(
            id=id,
            name=name,
            tokens=tuple(name_tokens(name)),
            nickname=" ".join(name_tokens(nickname)) if nickname.strip() else "",
            emails=frozenset(e for e in (normal_email(x) for x in emails) if e),
            phones=tuple(k for k in keys if k is not None),
            org=" ".join(name_tokens(org)) if org.strip() else "",
            tags=frozenset(_fold(t) for t in tags),
            birthday=birthday,
        )
        person.forms = frozenset(_first_forms(person))
        return person

    @property
    def key(self) -> str:
        return " ".join(self.tokens)


def _first_forms(person: Person) -> set[str]:
    """What the person's first name may stand for: nicknames resolved, their own nickname."""
    forms: set[str] = set()
    if person.tokens:
        forms |= _given_forms(person.tokens[0])
    if person.nickname and " " not in person.nickname:
        forms |= _given_forms(person.nickname)
    return forms


def blocking_keys(person: Person) -> set[tuple[str, str]]:
    """The keys under which this person meets possible duplicates of themselves."""
    keys: set[tuple[str, str]] = {("email", e) for e in person.emails}
    keys |= {("phone", national) for _, national in person.phones}
    tokens = person.tokens
    if len(tokens) >= 2:
        first, last = tokens[0], tokens[-1]
        # Surname with each possible first initial: "Bob Smith" meets "Robert Smith",
        # "J. Müller" meets "Jürgen Müller".
        for form in person.forms or _first_forms(person):
            keys.add(("name", f"{last}|{form[0]}"))
        keys.add(("name", f"{last}|{first[0]}"))
        # First name with the surname minus one letter: two spellings one typo apart
        # (Meier / Maier, Bachinger / Bchinger) share one of these (SymSpell's trick).
        if len(first) > 1 and len(last) > 3:
            keys.update(("typo", f"{first}|{last[:i]}{last[i + 1:]}") for i in range(len(last)))
            keys.add(("typo", f"{first}|{last}"))
        # Surname first ("Müller Jürgen") meets the usual order.
        keys.add(("sorted", " ".join(sorted(tokens))))
    elif tokens:
        # A single word ("Olga", from a phone) meets the people whose first name it is.
        keys.add(("solo", tokens[0]))
    return keys


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


def candidate_pairs(persons: list[Person]) -> set[tuple[int, int]]:
    """Index pairs (i < j into `persons`) that share a blocking key; never all pairs."""
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    solos: dict[str, list[int]] = defaultdict(list)
    first_forms: dict[str, list[int]] = defaultdict(list)
    for index, person in enumerate(persons):
        for key in blocking_keys(person):
            if key[0] == "solo":
                solos[key[1]].append(index)
            else:
                blocks[key].append(index)
        if len(person.tokens) >= 2:
            for form in person.forms:
                first_forms[form].append(index)
    pairs: set[tuple[int, int]] = set()
    for (kind, _), members in blocks.items():
        cap = MAX_CONTACT_BLOCK if kind in ("email", "phone") else MAX_NAME_BLOCK
        if 1 < len(members) <= cap:
            pairs.update(combinations(members, 2))
    for word, singles in solos.items():
        fulls = first_forms.get(word, [])
        if len(singles) + len(fulls) > MAX_NAME_BLOCK:
            continue
        pairs.update(combinations(singles, 2))
        pairs.update((min(s, f), max(s, f)) for s in singles for f in fulls)
    return pairs


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


# --------------------------------------------------------------------------- merge

# Single-value fields the user can choose per field; the rest are combined.
CHOOSABLE = ("name", "nickname", "org", "role", "location", "met", "birthday")
NOTES_SEPARATOR = "── merged from {name} (#{id}) on {day} ──"


@dataclass(frozen=True)
class FieldChoice:
    """One field of a merge: both values, the result, and where it came from.

    `source` is "kept", "other", "both" (combined) or "same" (no difference).
    """

    field: str
    kept: str
    other: str
    result: str
    source: str

    @property
    def differs(self) -> bool:
        return bool(self.kept) and bool(self.other) and self.kept != self.other


@dataclass(frozen=True)
class MergeResult:
    """What a merge did (or, for a dry run, would do)."""

    merge_id: int | None
    kept_id: int
    other_id: int
    kept_name: str
    other_name: str
    fields: tuple[FieldChoice, ...]
    moved: dict[str, int]
    shared_interactions: int
    dropped_introductions: int
    dry_run: bool

    @property
    def changed(self) -> tuple[FieldChoice, ...]:
        return tuple(f for f in self.fields if f.result != f.kept)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Birthday):
        return value.iso()
    return str(value)


def _union(first: Iterable[str], second: Iterable[str], key) -> list[str]:
    seen: set = set()
    out: list[str] = []
    for value in [*first, *second]:
        k = key(value)
        if value and k not in seen:
            seen.add(k)
            out.append(value)
    return out


def _phone_identity(phone: str):
    key = phone_key(phone)
    return key[1] if key else re.sub(r"\D", "", phone) or phone


def _birthday_choice(kept: Birthday | None, other: Birthday | None, prefer_other: bool):
    if kept is None or other is None:
        return (other, "other") if kept is None and other is not None else (kept, "kept")
    if (kept.month, kept.day) == (other.month, other.day):
        # The same day: the one that knows the year knows more.
        if kept.year is None and other.year is not None:
            return other, "other"
        return kept, "kept"
    return (other, "other") if prefer_other else (kept, "kept")


def plan_fields(
    kept: Contact,
    other: Contact,
    *,
    prefer_other: bool = False,
    choices: Mapping[str, str] | None = None,
    day: date,
    between_intros: Iterable[Mapping[str, Any]] = (),
) -> tuple[dict[str, Any], tuple[FieldChoice, ...]]:
    """The merged values: `update_contact` changes for the kept contact, and every field's
    choice for display. Pure: no book needed, so a screen can preview each toggle.

    Empty fields are filled from the other; where both have a value the kept one wins
    (the other with `prefer_other`, or per field via `choices` = {"org": "other", …}).
    Lists are united, notes concatenated under a separator line, the shorter cadence wins.
    """
    choices = dict(choices or {})
    unknown = set(choices) - set(CHOOSABLE)
    if unknown:
        raise MergeError(f"cannot choose {', '.join(sorted(unknown))}; choose one of {', '.join(CHOOSABLE)}")
    changes: dict[str, Any] = {}
    shown: list[FieldChoice] = []

    for name in CHOOSABLE:
        mine, theirs = getattr(kept, name), getattr(other, name)
        wish = choices.get(name)
        if wish not in (None, "kept", "other"):
            raise MergeError(f"choose 'kept' or 'other' for {name}, not {wish!r}")
        if wish == "other" or (wish is None and name == "name" and prefer_other):
            value, source = theirs, "other"
        elif wish == "kept":
            value, source = mine, "kept"
        elif name == "birthday":
            value, source = _birthday_choice(mine, theirs, prefer_other)
        elif not mine:
            value, source = theirs, "other"
        elif theirs and prefer_other:
            value, source = theirs, "other"
        else:
            value, source = mine, "kept"
        if name == "name" and not value:
            value, source = mine, "kept"
        if _text(mine) == _text(theirs):
            source = "same"
        if value != mine:
            changes[name] = value
        shown.append(FieldChoice(name, _text(mine), _text(theirs), _text(value), source))

    def lists(name: str, key) -> None:
        mine, theirs = list(getattr(kept, name)), list(getattr(other, name))
        first, second = (theirs, mine) if prefer_other else (mine, theirs)
        united = _union(first, second, key)
        if united != mine:
            changes[name] = united
        source = "same" if _union(mine, [], key) == _union(theirs, [], key) else "both"
        shown.append(FieldChoice(name, _text(mine), _text(theirs), _text(united), source))

    lists("emails", normal_email)
    lists("phones", _phone_identity)
    lists("tags", fold)

    notes = kept.notes
    extra = [other.notes.strip()] if other.notes.strip() else []
    for row in between_intros:
        # The introduction between the two disappears (it would introduce someone to
        # themselves); what it said is kept in the notes.
        said = " — ".join(part for part in (row.get("note"), row.get("outcome")) if part)
        extra.append(f"Introduction between the two records on {row.get('date')}"
                     + (f": {said}" if said else ""))
    if extra:
        body = "\n".join(extra)
        if notes.strip():
            separator = NOTES_SEPARATOR.format(name=other.name, id=other.id, day=day.isoformat())
            notes = f"{notes.rstrip()}\n\n{separator}\n{body}"
        else:
            notes = body
        changes["notes"] = notes
    shown.append(FieldChoice(
        "notes", kept.notes, other.notes, notes,
        "same" if kept.notes == other.notes else ("both" if kept.notes and other.notes else
                                                  ("other" if other.notes else "kept")),
    ))

    cadences = [c for c in (kept.cadence, other.cadence) if c is not None]
    cadence: Cadence | None = min(cadences, key=lambda c: c.approx_days) if cadences else None
    if cadence != kept.cadence:
        changes["cadence"] = cadence
    shown.append(FieldChoice(
        "cadence", _text(kept.cadence), _text(other.cadence), _text(cadence),
        "same" if kept.cadence == other.cadence else ("kept" if cadence == kept.cadence else "other"),
    ))

    # Archived only if both were: an active duplicate must not vanish into the archive.
    archived = kept.archived and other.archived
    if archived != kept.archived:
        changes["archived"] = archived
    return changes, tuple(shown)


def merge(
    book: Book,
    keep_id: int,
    other_id: int,
    *,
    prefer_other: bool = False,
    dry_run: bool = False,
    choices: Mapping[str, str] | None = None,
    today: date | None = None,
) -> MergeResult:
    """Merge contact `other_id` into `keep_id`, or with `dry_run` only say what would happen.

    Every interaction, favour, introduction and follow-up of the other moves to the kept
    contact (a group interaction that had both keeps one participant). The other goes to
    the trash with a merge record pointing at it; `undo_merge` puts everything back. One
    transaction. Raises NotFound for a missing or trashed contact, MergeError for a
    contact merged with itself or an unknown field choice. A dry run writes nothing.
    """
    if keep_id == other_id:
        raise MergeError("cannot merge a contact with itself")
    today = today or clock.today()
    if dry_run:
        return _plan(book, keep_id, other_id, prefer_other, choices, today, dry_run=True)
    with book.write():
        result = _plan(book, keep_id, other_id, prefer_other, choices, today, dry_run=False)
    return result


def _plan(book, keep_id, other_id, prefer_other, choices, today, *, dry_run: bool) -> MergeResult:
    kept, other = book.get_contact(keep_id), book.get_contact(other_id)
    moving = store.attached(book, keep_id, other_id)
    changes, shown = plan_fields(
        kept, other, prefer_other=prefer_other, choices=choices, day=today,
        between_intros=moving.introductions_between,
    )
    merge_id = None
    if not dry_run:
        merge_id = store.apply_merge(
            book, keep_id, other_id, changes, today=today, created_at=_earlier(kept, other)
        )
    return MergeResult(
        merge_id=merge_id,
        kept_id=keep_id,
        other_id=other_id,
        kept_name=kept.name,
        other_name=other.name,
        fields=shown,
        moved=moving.counts(),
        shared_interactions=len(moving.shared_interactions),
        dropped_introductions=len(moving.introductions_between),
        dry_run=dry_run,
    )


def _earlier(kept: Contact, other: Contact) -> str | None:
    """The other's "in the book since" when it is earlier: the merged person was known then."""
    if kept.created_at is None or other.created_at is None:
        return None
    try:
        earlier = other.created_at < kept.created_at
    except TypeError:  # one written with a time zone, one without: leave it be
        return None
    return other.created_at.isoformat() if earlier else None


def undo_merge(book: Book, merge_id: int, *, today: date | None = None) -> Undone:
    """Undo a merge completely: the other contact back from the trash with every row that
    moved, the kept contact's fields as before (fields edited since the merge keep their
    newer value and are named in `kept_changes`). Raises NotFound, or MergeError when a
    later merge must be undone first."""
    return store.undo_merge(book, merge_id, today=today or clock.today())


def merge_of(book: Book, contact_id: int) -> MergeRecord | None:
    """The merge that put `contact_id` in the trash, or None if it was not merged away."""
    return store.merge_of(book, contact_id)


def restore_merged(book: Book, contact_id: int, *, today: date | None = None) -> Undone | None:
    """For `kontakt restore`: if `contact_id` was merged away, undo that merge and return
    what was undone; None if it is an ordinary trashed contact (restore it as usual)."""
    record = store.merge_of(book, contact_id)
    if record is None:
        return None
    return undo_merge(book, record.id, today=today)


def find_merges(book: Book, ref: str) -> list[MergeRecord]:
    """Merges whose merged-away contact matches `ref` (its id, or a name/email fragment)."""
    return store.find_merges(book, ref)


def merges(book: Book) -> list[MergeRecord]:
    """Every merge that can still be undone, newest first."""
    return store.merges(book)


__all__ = [
    "CHOOSABLE", "Candidate", "DEFAULT_MIN_SCORE", "FieldChoice", "LOW_SCORE", "MergeError",
    "MergeRecord", "MergeResult", "Person", "Undone", "blocking_keys", "candidate_pairs",
    "compare", "dismiss", "find_duplicates", "find_merges", "merge", "merge_of", "merges",
    "name_similarity", "name_tokens", "normal_email", "phone_key", "plan_fields",
    "restore_merged", "score_pair", "undismiss", "undo_merge",
]
