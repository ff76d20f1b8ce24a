"""The one builder of contact searches: typed text to an FTS5 expression and substring runs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..domain.text import nfc
from .migrations import FTS_COLUMNS


# find 王小明 by prefix; runs in these scripts are matched as substrings instead.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u2e80-\u2fdf\u3005-\u3007"
    "\u3021-\u3029\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003ffff]+"
)


def _contains_sql(columns: Sequence[str]) -> str:
    """A condition on `contacts c`: one of `columns` holds the text bound to each `?`.

    Column by column rather than on their concatenation: no string is built per row, and
    a hit in the name skips the notes (three times faster on a big book).
    """
    return "(" + " OR ".join(f"instr(c.{column}, ?) > 0" for column in columns) + ")"


# A REF names a person: its name, nickname or email, never a word of their notes.
REF_COLUMNS = ("name", "nickname", "emails", "search_folded")


@dataclass(frozen=True)
class SearchTerms:
    """What typed search text asks for: every part must match.

    `match` is an FTS5 expression (each word a prefix of an indexed word, folded by the
    index's own tokenizer); `contains` are runs of unspaced scripts, each a substring of
    the searched columns.
    """

    match: str | None
    contains: tuple[str, ...] = ()
    columns: tuple[str, ...] = tuple(FTS_COLUMNS)

    @property
    def stored_columns(self) -> tuple[str, ...]:
        """The columns a substring scan reads: the generated search_folded would be computed
        for every row scanned, and folding leaves unspaced scripts as they are anyway."""
        return tuple(c for c in self.columns if c != "search_folded")

    def sql(self) -> tuple[str, list[object]]:
        """A WHERE condition on `contacts c` and its parameters."""
        parts: list[str] = []
        params: list[object] = []
        if self.match is not None:
            parts.append("c.id IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?)")
            params.append(self.match)
        for run in self.contains:
            parts.append(_contains_sql(self.stored_columns))
            params += [run] * len(self.stored_columns)
        return " AND ".join(parts), params


def search_terms(text: str, columns: Sequence[str] = FTS_COLUMNS) -> SearchTerms | None:
    """The one builder of contact searches (list, `/`, pickers, palette, CLI, REF lookup),
    over `columns` of the index (all by default).

    None when the text holds nothing searchable (only spaces, punctuation or emoji).
    """
    prefixes: list[str] = []
    contains: list[str] = []
    for word in _words(nfc(text)):
        contains += _UNSPACED.findall(word)
        for part in _UNSPACED.sub(" ", word).split():
            if any(ch.isalnum() for ch in part):
                prefixes.append(_prefix_term(part))
    if not prefixes and not contains:
        return None
    # Explicit AND: FTS5 has no implicit AND after a parenthesised group, so
    # `("jessica"* OR "jeßica"*) "smith"*` is a syntax error.
    match = " AND ".join(prefixes) or None
    if match is not None and tuple(columns) != tuple(FTS_COLUMNS):
        match = "{" + " ".join(columns) + "} : (" + match + ")"
    return SearchTerms(match, tuple(dict.fromkeys(contains)), tuple(columns))


def fts_query(text: str) -> str | None:
    """The FTS5 part of `search_terms(text)`: every word must match the start of a token."""
    terms = search_terms(text)
    return terms.match if terms is not None else None


def _words(text: str) -> list[str]:
    """Runs of letters, digits and their combining marks; everything else separates.

    Marks stay inside the word (a decomposed "ü", a Devanagari vowel sign): the index's
    tokenizer folds or splits them exactly as it did when it indexed the same text.
    """
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch.isalnum() or unicodedata.category(ch)[0] == "M":
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _prefix_term(word: str) -> str:
    """One word as an FTS5 prefix term, quoted so the index's tokenizer folds it (case,
    accents, final sigma) the way it folded the indexed text.

    The tokenizer keeps ß and fullwidth letters as they are, so "weiss" and "weiß" are
    both asked for, and so are "taro" and "ｔａｒｏ" (romaji typed in fullwidth mode).
    """
    lower = word.lower()
    variants = [word]
    if "ss" in lower:
        variants.append(lower.replace("ss", "ß"))
    if "ß" in lower:
        variants.append(lower.replace("ß", "ss"))
    if lower.isascii():
        variants.append(lower.translate(_FULLWIDTH))
    elif (compatible := unicodedata.normalize("NFKC", lower)) != lower:
        variants.append(compatible)
    quoted = [f'"{variant}"*' for variant in dict.fromkeys(variants)]  # a word holds no '"'
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


# ASCII letters and digits to their fullwidth forms (U+FF10…).
_FULLWIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F) if chr(code).isalnum()}


def _index_only(query: str) -> str | None:
    """The FTS5 expression of a search the index alone answers (no substring parts), so
    counts and dense pages can be read from the index; None otherwise."""
    terms = search_terms(query)
    return terms.match if terms is not None and not terms.contains else None


def _walk_name_index(where: str) -> tuple[str, str]:
    """The FROM and WHERE that make SQLite scan contacts_by_name and test each entry
    against the search matches (the unary + stops it starting from the matches)."""
    return (
        "contacts c INDEXED BY contacts_by_name",
        where.replace("c.id IN (SELECT rowid", "+c.id IN (SELECT rowid"),
    )


def search_sql(
    terms: SearchTerms, columns: str, *, limit: int | None, archived: bool | None
) -> tuple[str, list[object]]:
    """SELECT `columns` (of `contacts c`) of the people `terms` find, best matches first
    (the index's rank), then by name, then by id: the one query behind `Book.search` and
    `kontakt email`'s quick path (kontakt.quick), and the order `search --all` streams in
    (store/reading.py `stream_search` produces it batch by batch from the index's ranks, and
    runs this query itself for searches with substring parts)."""
    params: list[object] = []
    if terms.match is not None:
        # Best matches first: join the index for its rank.
        sql = f"""SELECT {columns} FROM contacts_fts f JOIN contacts c ON c.id = f.rowid
                  WHERE contacts_fts MATCH ? AND c.deleted_at IS NULL"""
        params.append(terms.match)
        # The id only says out loud what SQLite's stable sort of the index's rowid order gave.
        order = "f.rank, c.sort_key, c.id"
    else:
        sql = f"SELECT {columns} FROM contacts c WHERE c.deleted_at IS NULL"
        order = "c.sort_key, c.id"
    for run in terms.contains:
        sql += f" AND {_contains_sql(terms.stored_columns)}"
        params += [run] * len(terms.stored_columns)
    if archived is not None:
        sql += " AND c.archived = ?"
        params.append(int(archived))
    sql += f" ORDER BY {order}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return sql, params
