"""What the book's modules share: NotFound, cleaning values on the way in, decoding them on the way out."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from .. import clock
from ..domain import clean, clean_line
from ..domain.text import nfc
# Decoding stored values lives with the one row-to-Contact decoding; re-exported here.
from .reading import _cadence, _fold_tag, _json_list  # noqa: F401


class NotFound(LookupError):
    """No such contact, favour, follow-up or introduction (or it is in the trash)."""


class MergeError(ValueError):
    """A merge or undo that cannot be done; the message is one line for the user. (Here,
    with NotFound, rather than in merge.py: the app's undo catches it from its start, and
    merge.py is loaded only when two people are merged.)"""


def _now() -> str:
    return clock.now().isoformat(timespec="seconds")


def _uid() -> str:
    return str(uuid.uuid4())


def _text(value: str | None) -> str:
    return clean(value or "").strip()


def _line(value: str | None) -> str:
    return nfc(clean_line(value or ""))


def _unique(values: Iterable[str], key=lambda v: v) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        k = key(value)
        if value and k not in seen:
            seen.add(k)
            out.append(value)
    return out


def email_key(email: str) -> str:
    """What makes two e-mail addresses the same one for the book: case does not count."""
    return _line(email).casefold()


def phone_key(phone: str) -> str:
    """What makes two phone numbers the same one for the book: their digits (the text
    itself when it has none)."""
    return same_phone(_line(phone))


_NON_DIGITS = re.compile(r"\D")


def same_phone(phone: str) -> str:
    """`phone_key` of a number already cleaned (the lists' uniqueness, one-row and bulk)."""
    return _NON_DIGITS.sub("", phone) or phone


def url_key(url: str) -> str:
    """What makes two web addresses the same one for the book: the same text."""
    return _line(url)


def tag_key(tag: str) -> str:
    """What makes two circle names the same circle: the folded name, without the '#' mark."""
    return _fold_tag(_line(tag).lstrip("#").strip())


def _clean_emails(emails: Iterable[str]) -> list[str]:
    return _unique((_line(e) for e in emails), key=str.casefold)


def _clean_phones(phones: Iterable[str]) -> list[str]:
    return _unique((_line(p) for p in phones), key=same_phone)


def _clean_tags(tags: Iterable[str]) -> list[str]:
    # "# work" is the circle "work": the space after the mark is not part of the name.
    return _unique((_line(t).lstrip("#").strip() for t in tags), key=str.casefold)

