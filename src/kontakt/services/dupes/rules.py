"""Who may be whom: names, emails and phones normalised, nicknames, and the blocking keys that decide who is compared."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from ...domain import fold

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
