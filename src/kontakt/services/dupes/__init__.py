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

The parts, one idea each: rules.py (normalising names, emails and phones; nicknames; the
blocking keys that decide who is compared), scoring.py (how alike two people are, and the
pairs of a book worth a look), merging.py (the merge plan, the merge and its undo).
"""

from __future__ import annotations

from ...store.merge import MergeError, MergeRecord, Undone
from .merging import (
    CHOOSABLE,
    FieldChoice,
    MergeResult,
    find_merges,
    merge,
    merge_of,
    merges,
    plan_fields,
    restore_merged,
    undo_merge,
)
from .rules import (
    Person,
    blocking_keys,
    candidate_pairs,
    name_tokens,
    normal_email,
    phone_key,
)
from .scoring import (
    DEFAULT_MIN_SCORE,
    LOW_SCORE,
    Candidate,
    compare,
    dismiss,
    find_duplicates,
    name_similarity,
    score_pair,
    undismiss,
)

# Importable from here as before the split, though not part of the public list below.
from .merging import (  # noqa: F401
    NOTES_SEPARATOR,
    _birthday_choice,
    _earlier,
    _phone_identity,
    _plan,
    _text,
    _union,
)
from .rules import (  # noqa: F401
    _MIN_PHONE_DIGITS,
    _NICKNAME_GROUPS,
    _TITLES,
    _TWO_DIGIT_CODES,
    _UMLAUT_SPELLED,
    _WORD,
    MAX_CONTACT_BLOCK,
    MAX_NAME_BLOCK,
    _first_forms,
    _fold,
    _given_forms,
    _key,
    _nicknames,
    _same_phone,
)
from .scoring import (  # noqa: F401
    _birthdays,
    _display_first,
    _person,
    _persons,
    _ratio,
    _token_sort_ratio,
)

__all__ = [
    "CHOOSABLE", "Candidate", "DEFAULT_MIN_SCORE", "FieldChoice", "LOW_SCORE", "MergeError",
    "MergeRecord", "MergeResult", "Person", "Undone", "blocking_keys", "candidate_pairs",
    "compare", "dismiss", "find_duplicates", "find_merges", "merge", "merge_of", "merges",
    "name_similarity", "name_tokens", "normal_email", "phone_key", "plan_fields",
    "restore_merged", "score_pair", "undismiss", "undo_merge",
]
