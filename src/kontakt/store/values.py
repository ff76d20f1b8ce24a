"""What the book's modules share: NotFound, cleaning values on the way in, decoding them on the way out."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from functools import lru_cache

from .. import clock
from ..domain import Cadence, clean, clean_line, fold
from ..domain.text import nfc


class NotFound(LookupError):
    """No such contact, favour, follow-up or introduction (or it is in the trash)."""


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


def _clean_emails(emails: Iterable[str]) -> list[str]:
    return _unique((_line(e) for e in emails), key=str.casefold)


def _clean_phones(phones: Iterable[str]) -> list[str]:
    return _unique((_line(p) for p in phones), key=lambda p: re.sub(r"\D", "", p) or p)


def _clean_tags(tags: Iterable[str]) -> list[str]:
    # "# work" is the circle "work": the space after the mark is not part of the name.
    return _unique((_line(t).lstrip("#").strip() for t in tags), key=str.casefold)


# Scripts written without spaces between words: Chinese, Japanese and Korean names, Thai,
# Lao, Khmer, Myanmar. FTS5's unicode61 keeps a whole run as one token, so "小明" could never
@lru_cache(maxsize=256)
def _cadence(text: str) -> Cadence:
    """Cadence.parse, remembered: a book holds a handful of distinct cadence texts, and
    lists and exports parse one per row (Cadence is frozen, so sharing is safe)."""
    return Cadence.parse(text)


def _json_list(text: str) -> tuple[str, ...]:
    """A stored JSON list as a tuple; most people have no phone or circle, so the empty
    list skips the decoder (three decodes per contact were a fifth of an export's time)."""
    return () if text == "[]" else tuple(json.loads(text))


@lru_cache(maxsize=1024)
def _fold_tag(tag: str) -> str:
    """fold() of a circle name, remembered: a book has few circles and many members."""
    return fold(tag)
