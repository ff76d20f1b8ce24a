"""The one builder of contact searches: typed text to an FTS5 expression and substring runs."""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from ..domain.text import nfc
from .migrations import FTS_COLUMNS


# find 王小明 by prefix; runs in these scripts are matched as substrings instead. As code
# point ranges (first, last), in order, tested with bisect: the same character class as a
# regular expression took ~9 ms to compile at every start (re compiles in Python), a fifth
# of `kontakt search --json`'s quick path (tests/unit/test_search_terms_unspaced.py holds
# them equal).
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1100, 0x11FF), (0x1780, 0x17FF), (0x2E80, 0x2FDF),
    (0x3005, 0x3007), (0x3021, 0x3029), (0x3040, 0x30FF), (0x3100, 0x312F), (0x3130, 0x318F),
    (0x31A0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF), (0xFF66, 0xFF9F), (0x20000, 0x3FFFF),
)
_UNSPACED_FIRSTS = [first for first, _ in _UNSPACED_RANGES]


def _is_unspaced(ch: str) -> bool:
    """True for a character of a script written without spaces between words."""
    code = ord(ch)
    at = bisect_right(_UNSPACED_FIRSTS, code) - 1
    return at >= 0 and code <= _UNSPACED_RANGES[at][1]


def _split_unspaced(word: str) -> tuple[list[str], str]:
    """The runs of unspaced-script characters in `word`, longest first-to-last, and `word`
    with each run replaced by one space."""
    if word.isascii():
        return [], word
    runs: list[str] = []
    rest: list[str] = []
    run: list[str] = []
    for ch in word:
        if _is_unspaced(ch):
            run.append(ch)
            continue
        if run:
            runs.append("".join(run))
            rest.append(" ")
            run = []
        rest.append(ch)
    if run:
        runs.append("".join(run))
        rest.append(" ")
    return runs, "".join(rest)


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
        runs, rest = _split_unspaced(word)
        contains += runs
        for part in rest.split():
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
