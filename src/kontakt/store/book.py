"""The book: every read and write of contacts, circles, interactions, favours, follow-ups.

The only module (with db.py and migrations.py) that speaks SQL. Returns domain objects.
Every public write is one transaction (`self.write()`), and writes nest as savepoints.
"""

from __future__ import annotations

from .. import clock
import json
import re
import unicodedata
from .driver import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
import contextlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from ..domain import (
    Balance,
    Birthday,
    Cadence,
    Circle,
    Contact,
    FollowUp,
    Favour,
    Interaction,
    Introduction,
    check_interaction_kind,
    clean,
    clean_line,
    effective_cadence,
    fold,
    next_due,
)
from ..domain.dates import parse_iso
from ..domain.ledger import (
    DIRECTIONS,
    INTRODUCTION_WEIGHT,
    LedgerError,
    check_favour_kind,
    check_status,
    check_weight,
)
from ..domain.text import nfc
from .db import ReadOnlyBook, book_closed, book_opened, is_writable, open_connection, transaction
from .migrations import CONTACT_COLUMNS, FTS_COLUMNS, contact_columns

CONTACT_FIELDS = (
    "name", "nickname", "emails", "phones", "org", "role", "location", "met",
    "birthday", "tags", "notes", "cadence",
)


# Above this many search hits a page of results is read in name order from the index
# rather than gathered from the hits and sorted (see `list_contacts`).
DENSE_SEARCH_HITS = 2000


class NotFound(LookupError):
    """No such contact, favour, follow-up or introduction (or it is in the trash)."""


class AmbiguousRef(LookupError):
    """A contact REF that matched no one or several people; `candidates` lists them."""

    def __init__(self, ref: str, candidates: Sequence[Contact], suggestions: Sequence[Contact] = ()):
        self.ref = ref
        self.candidates = list(candidates)
        self.suggestions = list(suggestions)
        if not candidates:
            message = f"no contact matches {ref!r}"
            if self.suggestions:
                names = " or ".join(c.name for c in self.suggestions[:3])
                message += f" — did you mean {names}?"
        else:
            shown = ", ".join(f"{c.name} (#{c.id})" for c in self.candidates[:8])
            more = f" and {len(self.candidates) - 8} more" if len(self.candidates) > 8 else ""
            message = f"{ref!r} matches {len(self.candidates)} contacts: {shown}{more}"
        super().__init__(message)


@dataclass(frozen=True)
class BookCounts:
    contacts: int
    archived: int
    circles: int
    interactions: int


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
    return _unique((_line(t).lstrip("#") for t in tags), key=str.casefold)


# Scripts written without spaces between words: Chinese, Japanese and Korean names, Thai,
# Lao, Khmer, Myanmar. FTS5's unicode61 keeps a whole run as one token, so "小明" could never
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


class Book:
    """An open contact book. Use `Book.open(path)`; close it when done (or use `with`)."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.conn.row_factory = sqlite3.Row
        self.path = path
        self.read_only = False
        self._last_hits: tuple[tuple[str, int, int], int] | None = None
        self._last_counts: tuple[tuple[int, int], BookCounts] | None = None
        self._last_inactive: tuple[tuple[int, int], str] | None = None
        # The undo history (store/history.py): who this book's steps are from, and whether
        # this connection records them (False before the schema has the history tables).
        self.history_source = ""
        self._recording = False
        self.last_step: int | None = None  # the step the last outermost write made, if any

    @classmethod
    def open(cls, path: Path | str, *, create: bool = True, writable: bool = True) -> Book:
        """Open or create the book at `path`; raises BookError with a one-line reason.

        `writable=False` opens a book whose file is read-only (0400) for reading instead of
        refusing it; its `write()` then raises ReadOnlyBook.
        """
        path = Path(path).expanduser()
        book = cls(open_connection(path, create=create, writable=writable), path)
        book.read_only = not is_writable(path)
        if not book.read_only:
            from . import history

            book._recording = history.install(book.conn)
        book_opened(path)
        book._registered = True
        return book

    def close(self) -> None:
        self.conn.close()
        if getattr(self, "_registered", False):
            book_closed(self.path)
            self._registered = False

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def write(self, label: str | None = None, *, record: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction (BEGIN IMMEDIATE); nested uses are savepoints.

        The outermost one is one step of the undo history (`store/history.py`): `label` says
        what the user did ("log a call with Olga"); `record=False` keeps bookkeeping out of
        it. Waits (saying so through `db.on_wait`) while another process writes.
        """
        if self.read_only:
            raise ReadOnlyBook(f"{self.path} is read-only; kontakt needs to write to its book")
        outermost = not self.conn.in_transaction
        if outermost:
            # The day's first write takes a backup first, outside any transaction.
            from .backup import before_first_write

            before_first_write(self)
        with transaction(self.conn):
            if not self._recording:
                yield self.conn
                return
            from . import history

            if outermost:
                history.begin(self.conn, label) if record else history.pause(self.conn)
            elif label:
                history.name(self.conn, label)
            yield self.conn
            if outermost:
                self.last_step = history.end(self.conn, self.history_source)

    def step(self, label: str) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """`with book.step("log a call with Olga"):` several writes as one named undo step."""
        return self.write(label)

    def data_version(self) -> int:
        """Changes when another connection commits: cheap to poll for a live view."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    # ------------------------------------------------------------------ contacts

    def add_contact(
        self,
        name: str,
        *,
        today: date,
        nickname: str = "",
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        org: str = "",
        role: str = "",
        location: str = "",
        met: str = "",
        birthday: Birthday | None = None,
        tags: Iterable[str] = (),
        notes: str = "",
        cadence: Cadence | None = None,
        archived: bool = False,
        uid: str | None = None,
        created_at: str | None = None,
    ) -> int:
        """Add a contact and return its id. Raises ValueError for an empty name."""
        name = _line(name)
        if not name:
            raise ValueError("a contact needs a name")
        now = _now()
        with self.write():
            cursor = self.conn.execute(
                """INSERT INTO contacts (uid, name, sort_key, nickname, emails, phones, org, role,
                       location, met, birthday, notes, cadence, archived, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    uid or _uid(), name, fold(name), _line(nickname),
                    json.dumps(_clean_emails(emails), ensure_ascii=False),
                    json.dumps(_clean_phones(phones), ensure_ascii=False),
                    _line(org), _line(role), _line(location), _text(met),
                    birthday.iso() if birthday else None, _text(notes),
                    str(cadence) if cadence else None, int(archived),
                    created_at or now, now,
                ),
            )
            contact_id = cursor.lastrowid
            self._set_tags(contact_id, _clean_tags(tags))
            self._refresh_due([contact_id], today)
        return contact_id

    def update_contact(
        self,
        contact_id: int,
        *,
        today: date,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        add_emails: Iterable[str] = (),
        add_phones: Iterable[str] = (),
        **changes,
    ) -> Contact:
        """Change fields of a contact (any of CONTACT_FIELDS, or `archived`); returns it.

        `cadence=None` removes the contact's own cadence; `tags=[...]` replaces all tags.
        """
        unknown = set(changes) - set(CONTACT_FIELDS) - {"archived"}
        if unknown:
            raise TypeError(f"unknown contact fields: {', '.join(sorted(unknown))}")
        with self.write():
            current = self.get_contact(contact_id)
            columns: dict[str, object] = {}
            for key, value in changes.items():
                if key == "name":
                    value = _line(value)
                    if not value:
                        raise ValueError("a contact needs a name")
                    columns["name"] = value
                    columns["sort_key"] = fold(value)
                elif key == "emails":
                    columns["emails"] = json.dumps(_clean_emails(value), ensure_ascii=False)
                elif key == "phones":
                    columns["phones"] = json.dumps(_clean_phones(value), ensure_ascii=False)
                elif key == "birthday":
                    columns["birthday"] = value.iso() if value else None
                elif key == "cadence":
                    columns["cadence"] = str(value) if value else None
                elif key == "archived":
                    columns["archived"] = int(bool(value))
                elif key in ("notes", "met"):
                    columns[key] = _text(value)
                elif key != "tags":
                    columns[key] = _line(value)
            if add_emails:
                merged = list(current.emails) + list(add_emails)
                columns["emails"] = json.dumps(_clean_emails(merged), ensure_ascii=False)
            if add_phones:
                merged = list(current.phones) + list(add_phones)
                columns["phones"] = json.dumps(_clean_phones(merged), ensure_ascii=False)
            if columns:
                columns["updated_at"] = _now()
                assignments = ", ".join(f"{column} = ?" for column in columns)
                self.conn.execute(
                    f"UPDATE contacts SET {assignments} WHERE id = ?",
                    (*columns.values(), contact_id),
                )
            if "tags" in changes or add_tags or remove_tags:
                tags = list(changes.get("tags", current.tags)) + list(add_tags)
                removed = {fold(t.lstrip("#")) for t in remove_tags}
                tags = [t for t in _clean_tags(tags) if fold(t) not in removed]
                self._set_tags(contact_id, tags)
                self.conn.execute(
                    "UPDATE contacts SET updated_at = ? WHERE id = ?", (_now(), contact_id)
                )
            self._refresh_due([contact_id], today)
        return self.get_contact(contact_id)

    def archive(self, contact_id: int, archived: bool = True) -> None:
        """Archive (or bring back) a contact: kept, but out of lists and reviews."""
        with self.write():
            self.get_contact(contact_id)
            self.conn.execute(
                "UPDATE contacts SET archived = ?, updated_at = ? WHERE id = ?",
                (int(archived), _now(), contact_id),
            )

    def trash_contact(self, contact_id: int) -> None:
        """Move a contact and everything attached to it to the trash (hidden, restorable)."""
        with self.write():
            self.get_contact(contact_id)
            self.conn.execute(
                "UPDATE contacts SET deleted_at = ? WHERE id = ?", (_now(), contact_id)
            )

    def restore_contact(self, contact_id: int) -> Contact:
        """Bring a contact back from the trash, whole; raises NotFound if it is not there."""
        with self.write():
            cursor = self.conn.execute(
                "UPDATE contacts SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL",
                (contact_id,),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no contact #{contact_id} in the trash")
        return self.get_contact(contact_id)

    def trashed(self) -> list[tuple[Contact, datetime]]:
        """Contacts in the trash with when they were deleted, most recent first."""
        rows = self.conn.execute(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE deleted_at IS NOT NULL ORDER BY deleted_at DESC, id DESC"
        ).fetchall()
        circles = self._circle_cadences()
        return [(self._contact(row, circles), datetime.fromisoformat(row["deleted_at"])) for row in rows]

    def _set_tags(self, contact_id: int, tags: list[str]) -> None:
        now = _now()
        canonical: list[str] = []
        for tag in tags:
            row = self._circle_row(tag)
            if row is None:
                self.conn.execute(
                    "INSERT INTO circles (name, position, created_at) VALUES "
                    "(?, (SELECT coalesce(max(position), 0) + 1 FROM circles), ?)",
                    (tag, now),
                )
                canonical.append(tag)
            else:
                canonical.append(row["name"])
        self.conn.execute("DELETE FROM memberships WHERE contact_id = ?", (contact_id,))
        self.conn.executemany(
            "INSERT OR IGNORE INTO memberships (contact_id, circle) VALUES (?, ?)",
            [(contact_id, tag) for tag in canonical],
        )
        self.conn.execute(
            "UPDATE contacts SET tags = ? WHERE id = ?",
            (json.dumps(canonical, ensure_ascii=False), contact_id),
        )

    def _circle_row(self, name: str) -> sqlite3.Row | None:
        """The circle called `name`, ignoring case and accents beyond ASCII ('Über' = 'über')."""
        row = self.conn.execute("SELECT * FROM circles WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return row
        key = fold(name)
        for row in self.conn.execute("SELECT * FROM circles"):
            if fold(row["name"]) == key:
                return row
        return None

    def _circle_cadences(self) -> dict[str, Cadence]:
        rows = self.conn.execute("SELECT name, cadence FROM circles WHERE cadence IS NOT NULL")
        return {fold(row["name"]): _cadence(row["cadence"]) for row in rows}

    def _refresh_due(self, contact_ids: Iterable[int], today: date) -> None:
        """Recompute the materialised last_contact and next_due of these contacts."""
        circles = self._circle_cadences()
        for contact_id in contact_ids:
            row = self.conn.execute(
                """SELECT c.cadence, c.tags, c.created_at,
                          (SELECT max(i.date) FROM interaction_contacts ic
                             JOIN interactions i ON i.id = ic.interaction_id
                            WHERE ic.contact_id = c.id) AS last_contact
                     FROM contacts c WHERE c.id = ?""",
                (contact_id,),
            ).fetchone()
            if row is None:
                continue
            own = Cadence.parse(row["cadence"]) if row["cadence"] else None
            inherited = [circles[fold(t)] for t in json.loads(row["tags"]) if fold(t) in circles]
            cadence = effective_cadence(own, inherited)
            last = parse_iso(row["last_contact"])
            added_on = date.fromisoformat(row["created_at"][:10])
            due = next_due(cadence, last, min(added_on, today))
            self.conn.execute(
                "UPDATE contacts SET last_contact = ?, next_due = ? WHERE id = ?",
                (last.isoformat() if last else None, due.isoformat() if due else None, contact_id),
            )

    def _contact(self, row: sqlite3.Row, circles: dict[str, Cadence] | None = None) -> Contact:
        own = _cadence(row["cadence"]) if row["cadence"] else None
        tags = _json_list(row["tags"])
        if circles is None:
            circles = self._circle_cadences()
        inherited = [circles[key] for key in map(_fold_tag, tags) if key in circles]
        birthday = None
        if row["birthday"]:
            text = row["birthday"]
            if text.startswith("--"):
                birthday = Birthday(int(text[2:4]), int(text[5:7]))
            else:
                birthday = Birthday.from_date(date.fromisoformat(text))
        return Contact(
            id=row["id"],
            uid=row["uid"],
            name=row["name"],
            nickname=row["nickname"],
            emails=_json_list(row["emails"]),
            phones=_json_list(row["phones"]),
            org=row["org"],
            role=row["role"],
            location=row["location"],
            met=row["met"],
            birthday=birthday,
            tags=tags,
            notes=row["notes"],
            cadence=own,
            archived=bool(row["archived"]),
            created_at=datetime.fromisoformat(row["created_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            last_contact=parse_iso(row["last_contact"]),
            next_due=parse_iso(row["next_due"]),
            effective_cadence=effective_cadence(own, inherited),
        )

    def get_contact(self, contact_id: int) -> Contact:
        """The contact with this id; raises NotFound if there is none (or it is in the trash)."""
        row = self.conn.execute(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ? AND deleted_at IS NULL", (contact_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no contact #{contact_id}")
        return self._contact(row)

    def _require(self, contact_id: int) -> None:
        """Raise NotFound unless the contact exists and is not in the trash (cheap check)."""
        row = self.conn.execute(
            "SELECT 1 FROM contacts WHERE id = ? AND deleted_at IS NULL", (contact_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no contact #{contact_id}")

    def get_contacts(self, ids: Iterable[int]) -> list[Contact]:
        """Contacts in the order of `ids`, skipping ids that do not exist."""
        ids = list(ids)
        if not ids:
            return []
        circles = self._circle_cadences()
        found: dict[int, Contact] = {}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id IN ({marks}) AND deleted_at IS NULL", chunk
            ):
                found[row["id"]] = self._contact(row, circles)
        return [found[i] for i in ids if i in found]

    def _filter_sql(
        self, *, tag: str | None, archived: bool | None, query: str | None
    ) -> tuple[str, list[object]]:
        where = ["c.deleted_at IS NULL"]
        params: list[object] = []
        if archived is not None:
            where.append("c.archived = ?")
            params.append(int(archived))
        if tag:
            row = self._circle_row(tag.lstrip("#"))
            where.append(
                "c.id IN (SELECT contact_id FROM memberships WHERE circle = ?)"
            )
            params.append(row["name"] if row else tag.lstrip("#"))
        if query is not None:
            terms = search_terms(query)
            if terms is None:
                where.append("0")
            else:
                condition, terms_params = terms.sql()
                where.append(condition)
                params += terms_params
        return " AND ".join(where), params

    def list_contacts(
        self,
        *,
        tag: str | None = None,
        archived: bool | None = False,
        query: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Contact]:
        """Contacts in name order, one page at a time (`limit`/`offset`).

        `archived=False` lists active contacts, `True` only archived ones, `None` both;
        `query` is full-text search (prefix, accent-insensitive).
        """
        where, params = self._filter_sql(tag=tag, archived=archived, query=query)
        source = "contacts c"
        if limit is not None and self._dense_search(tag=tag, archived=archived, query=query):
            # Thousands match ("a", "an"): walk the name index in order and stop at the
            # page, instead of reading and sorting every matching row. Few matches keep
            # the plan that starts from them.
            source, where = _walk_name_index(where)
        sql = f"SELECT {contact_columns('c')} FROM {source} WHERE {where} ORDER BY c.sort_key, c.id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        circles = self._circle_cadences()
        return [self._contact(row, circles) for row in self.conn.execute(sql, params)]

    def _fts_hits(self, match: str) -> int:
        """How many index rows match (trash and archive included), FTS only.

        Remembered for the last search until the book changes: the list asks for the
        count and then a page of the same search, one keystroke apart.
        """
        key = (match, *self._version_key())
        if self._last_hits is not None and self._last_hits[0] == key:
            return self._last_hits[1]
        hits = self.conn.execute(
            "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH ?", (match,)
        ).fetchone()[0]
        self._last_hits = (key, hits)
        return hits

    def _dense_search(self, *, tag: str | None, archived: bool | None, query: str | None) -> bool:
        """True when a search matches so many people that walking the name index beats
        starting from the matches (only for the plain active/archived list)."""
        if query is None or tag is not None or archived is None:
            return False
        match = _index_only(query)
        return match is not None and self._fts_hits(match) > DENSE_SEARCH_HITS

    def count_contacts(
        self, *, tag: str | None = None, archived: bool | None = False, query: str | None = None
    ) -> int:
        match = _index_only(query) if query is not None else None
        if match is not None and tag is None and archived is not None:
            return self._count_matches(match, archived=archived)
        where, params = self._filter_sql(tag=tag, archived=archived, query=query)
        return self.conn.execute(f"SELECT count(*) FROM contacts c WHERE {where}", params).fetchone()[0]

    def _count_matches(self, match: str, *, archived: bool) -> int:
        """Active (or archived) contacts matching a search, without reading their rows.

        Looking up every match to check it is neither archived nor trashed cost 50 ms for
        14k matches at 100k people; instead: all matches from the index, less those among
        the few archived or trashed people (a small set, remembered until the book changes).
        """
        # `+r`: test each match against the set; never hand the set to FTS as rowid lookups.
        among = """SELECT count(*) FROM (SELECT rowid AS r FROM contacts_fts WHERE contacts_fts MATCH ?)
                    WHERE +r IN ({})"""
        if archived:
            return self.conn.execute(
                among.format("SELECT id FROM contacts INDEXED BY contacts_by_name "
                             "WHERE deleted_at IS NULL AND archived = 1"), (match,)
            ).fetchone()[0]
        inactive = self.conn.execute(
            among.format("SELECT value FROM json_each(?)"), (match, self._inactive_ids())
        ).fetchone()[0]
        return self._fts_hits(match) - inactive

    def _inactive_ids(self) -> str:
        """Ids of archived and trashed contacts as a JSON array, remembered until a change."""
        key = self._version_key()
        if self._last_inactive is None or self._last_inactive[0] != key:
            ids = [row[0] for row in self.conn.execute(
                """SELECT id FROM contacts WHERE archived = 1 AND deleted_at IS NULL
                   UNION ALL SELECT id FROM contacts WHERE deleted_at IS NOT NULL""")]
            self._last_inactive = (key, json.dumps(ids))
        return self._last_inactive[1]

    def search(self, text: str, *, limit: int | None = 200, archived: bool | None = None) -> list[Contact]:
        """Contacts matching `text` (every word a prefix of name, nickname, org, email, tag or
        note; accents and case ignored; in Chinese, Japanese, Korean or Thai script a
        substring), best matches first."""
        return self._search(search_terms(text), limit=limit, archived=archived)

    def _search(self, terms: SearchTerms | None, *, limit: int | None, archived: bool | None) -> list[Contact]:
        if terms is None:
            return []
        params: list[object] = []
        if terms.match is not None:
            # Best matches first: join the index for its rank.
            sql = f"""SELECT {contact_columns("c")} FROM contacts_fts f JOIN contacts c ON c.id = f.rowid
                      WHERE contacts_fts MATCH ? AND c.deleted_at IS NULL"""
            params.append(terms.match)
            order = "f.rank, c.sort_key"
        else:
            sql = f"SELECT {contact_columns('c')} FROM contacts c WHERE c.deleted_at IS NULL"
            order = "c.sort_key"
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
        circles = self._circle_cadences()
        return [self._contact(row, circles) for row in self.conn.execute(sql, params)]

    def find(self, ref: str) -> Contact:
        """Resolve a contact REF: an id, or a case- and accent-insensitive fragment of the
        name or an email that matches exactly one contact; when no fragment matches, the
        REF is searched for (as `search` does) in names, nicknames and emails only.
        Raises AmbiguousRef otherwise."""
        ref = ref.strip()
        if not ref:
            raise AmbiguousRef(ref, [])
        digits = ref.lstrip("#")
        # isascii: "²".isdigit() is True but int("²") fails; 2**63: SQLite's integer range.
        if digits.isascii() and digits.isdigit() and int(digits) < 2**63:
            try:
                return self.get_contact(int(ref.lstrip("#")))
            except NotFound:
                pass
        key = fold(ref)
        rows = self.conn.execute(
            f"""SELECT {CONTACT_COLUMNS} FROM contacts
                WHERE deleted_at IS NULL
                  AND (instr(sort_key, ?) > 0 OR instr(lower(emails), ?) > 0
                       OR instr(lower(nickname), ?) > 0)
                ORDER BY archived, sort_key, id LIMIT 51""",
            (key, key, key),
        ).fetchall()
        # A plain SQL lower() misses accented nicknames/emails; fold in Python to be sure.
        candidates = [self._contact(row) for row in rows]
        if not candidates and not digits.isdigit():
            # What search finds in a name, REF finds too: "D'Angelo" for "D’Angelo",
            # "Weiss" for "Weiß", "Hans Kößler" for "Hans-Jürgen Kößler".
            candidates = self._search(search_terms(ref, REF_COLUMNS), limit=51, archived=None)
        if len(candidates) == 1:
            return candidates[0]
        exact = [
            c for c in candidates
            if fold(c.name) == key or fold(c.nickname) == key
            or any(fold(e) == key for e in c.emails)
        ]
        if len(exact) == 1:
            return exact[0]
        if not candidates:
            raise AmbiguousRef(ref, [], self.suggest(ref))
        raise AmbiguousRef(ref, exact or candidates)

    def suggest(self, ref: str, limit: int = 3) -> list[Contact]:
        """Contacts whose name is close to a mistyped REF ("Jurgne" → Jürgen Müller).

        Only names sharing a two-letter word prefix with the REF are compared, so this
        stays fast on a big book.
        """
        import difflib

        words = _words(fold(ref))
        if not words:
            return []
        match = " OR ".join(_prefix_term(w[:2]) for w in words)
        rows = self.conn.execute(
            """SELECT c.id, c.sort_key FROM contacts_fts f JOIN contacts c ON c.id = f.rowid
                WHERE contacts_fts MATCH ? AND c.deleted_at IS NULL LIMIT 5000""",
            (f"{{name nickname}} : ({match})",),
        ).fetchall()
        key = fold(ref)
        scored = []
        for row in rows:
            name_words = row["sort_key"].split()
            score = max(
                [difflib.SequenceMatcher(None, key, row["sort_key"]).ratio()]
                + [difflib.SequenceMatcher(None, w, nw).ratio() for w in words for nw in name_words]
            )
            if score >= 0.75:
                scored.append((-score, row["sort_key"], row["id"]))
        scored.sort()
        return self.get_contacts([contact_id for _, _, contact_id in scored[:limit]])

    def counts(self) -> BookCounts:
        """Active, archived, circles, interactions. Remembered until the book changes: the
        app's header and circle list both ask on every refresh, and counting 100k people
        and 1M interactions takes tens of milliseconds."""
        key = self._version_key()
        if self._last_counts is not None and self._last_counts[0] == key:
            return self._last_counts[1]
        counts = self._count_everything()
        self._last_counts = (key, counts)
        return counts

    def _version_key(self) -> tuple[int, int]:
        """Changes with every write through this connection or any other."""
        return self.conn.total_changes, self.data_version()

    def _count_everything(self) -> BookCounts:
        row = self.conn.execute(
            """SELECT
                 (SELECT count(*) FROM contacts WHERE deleted_at IS NULL AND archived = 0),
                 (SELECT count(*) FROM contacts WHERE deleted_at IS NULL AND archived = 1),
                 (SELECT count(*) FROM circles),
                 (SELECT count(*) FROM interactions)
                 -- minus interactions whose people are all in the trash (walks the trash only)
                 - (SELECT count(DISTINCT ic.interaction_id)
                      FROM contacts t JOIN interaction_contacts ic ON ic.contact_id = t.id
                     WHERE t.deleted_at IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM interaction_contacts x
                                         JOIN contacts d ON d.id = x.contact_id
                                        WHERE x.interaction_id = ic.interaction_id
                                          AND d.deleted_at IS NULL))"""
        ).fetchone()
        return BookCounts(*row)

    # ------------------------------------------------------------------ circles

    def circles(self) -> list[Circle]:
        """Every circle with its cadence and the number of active members, closest first."""
        # Members are counted from the membership index alone, less the few archived or
        # trashed ones: looking up every member's row took 170 ms at 100k people.
        rows = self.conn.execute(
            """SELECT ci.name, ci.cadence, ci.description,
                      (SELECT count(*) FROM memberships m WHERE m.circle = ci.name)
                      - coalesce(gone.n, 0) AS members
                 FROM circles ci LEFT JOIN (
                      SELECT m.circle, count(*) AS n FROM memberships m
                       WHERE m.contact_id IN (
                             SELECT id FROM contacts WHERE archived = 1 AND deleted_at IS NULL
                             UNION ALL SELECT id FROM contacts WHERE deleted_at IS NOT NULL)
                       GROUP BY m.circle) gone ON gone.circle = ci.name
                ORDER BY ci.position, ci.name"""
        )
        return [
            Circle(
                name=row["name"],
                cadence=_cadence(row["cadence"]) if row["cadence"] else None,
                members=row["members"],
                description=row["description"],
            )
            for row in rows
        ]

    def circle_members(self, circle: str, *, archived: bool = False) -> list[Contact]:
        return self.list_contacts(tag=circle, archived=archived)

    def set_circle_cadence(self, name: str, cadence: Cadence | None, *, today: date) -> Circle:
        """Give a circle a cadence (or remove it); members without their own inherit it."""
        name = _line(name).lstrip("#")
        if not name:
            raise ValueError("a circle needs a name")
        with self.write():
            row = self._circle_row(name)
            if row is None:
                self.conn.execute(
                    "INSERT INTO circles (name, cadence, position, created_at) VALUES "
                    "(?, ?, (SELECT coalesce(max(position), 0) + 1 FROM circles), ?)",
                    (name, str(cadence) if cadence else None, _now()),
                )
            else:
                name = row["name"]
                self.conn.execute(
                    "UPDATE circles SET cadence = ? WHERE name = ?",
                    (str(cadence) if cadence else None, name),
                )
            members = [
                r[0] for r in self.conn.execute(
                    "SELECT contact_id FROM memberships WHERE circle = ?", (name,)
                )
            ]
            self._refresh_due(members, today)
        return next(c for c in self.circles() if c.name == name)

    # ------------------------------------------------------------------ interactions

    def log_interaction(
        self,
        contact_ids: Sequence[int],
        *,
        on: date,
        kind: str = "other",
        note: str = "",
        today: date | None = None,
    ) -> int:
        """Record one interaction with one or many contacts (a group meeting); returns its id.

        Updates each contact's last contact and next due date in the same transaction.
        """
        kind = check_interaction_kind(kind)
        ids = list(dict.fromkeys(contact_ids))
        if not ids:
            raise ValueError("an interaction needs at least one contact")
        with self.write():
            for contact_id in ids:
                self._require(contact_id)
            cursor = self.conn.execute(
                "INSERT INTO interactions (uid, date, kind, note, created_at) VALUES (?, ?, ?, ?, ?)",
                (_uid(), on.isoformat(), kind, _text(note), _now()),
            )
            interaction_id = cursor.lastrowid
            self.conn.executemany(
                "INSERT INTO interaction_contacts (interaction_id, contact_id) VALUES (?, ?)",
                [(interaction_id, contact_id) for contact_id in ids],
            )
            self._refresh_due(ids, today or on)
        return interaction_id

    def interactions_for(self, contact_id: int, *, limit: int | None = None) -> list[Interaction]:
        """The contact's interactions, newest first, each with everyone who took part."""
        sql = """SELECT i.*, (SELECT json_group_array(json_array(p.id, p.name)) FROM (
                                SELECT c.id, c.name FROM interaction_contacts x
                                  JOIN contacts c ON c.id = x.contact_id
                                 WHERE x.interaction_id = i.id AND c.deleted_at IS NULL
                                 ORDER BY c.sort_key, c.id) AS p) AS people
                   FROM interaction_contacts ic JOIN interactions i ON i.id = ic.interaction_id
                  WHERE ic.contact_id = ? ORDER BY i.date DESC, i.id DESC"""
        params: list[object] = [contact_id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        result = []
        for row in self.conn.execute(sql, params):
            people = json.loads(row["people"])
            result.append(
                Interaction(
                    id=row["id"],
                    date=date.fromisoformat(row["date"]),
                    kind=row["kind"],
                    note=row["note"],
                    contact_ids=tuple(p[0] for p in people),
                    names=tuple(p[1] for p in people),
                )
            )
        return result

    # ------------------------------------------------------------------ favours

    def add_favour(
        self,
        contact_id: int,
        *,
        direction: str,
        description: str,
        on: date,
        kind: str = "help",
        weight: int = 1,
        status: str = "open",
    ) -> int:
        """Record a favour given to or received from a contact; returns its id."""
        if direction not in DIRECTIONS:
            raise LedgerError(f"direction must be given or received, not {direction!r}")
        description = _text(description)
        if not description:
            raise LedgerError("a favour needs a description")
        kind, weight, status = check_favour_kind(kind), check_weight(weight), check_status(status)
        now = _now()
        with self.write():
            self._require(contact_id)
            cursor = self.conn.execute(
                """INSERT INTO favours (uid, contact_id, direction, description, kind, weight,
                       date, status, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (_uid(), contact_id, direction, description, kind, weight, on.isoformat(),
                 status, now, now),
            )
        return cursor.lastrowid

    def set_favour_status(self, favour_id: int, status: str) -> None:
        status = check_status(status)
        with self.write():
            cursor = self.conn.execute(
                "UPDATE favours SET status = ?, updated_at = ? WHERE id = ? "
                "AND contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NULL)",
                (status, _now(), favour_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no favour #{favour_id}")

    def favours_for(self, contact_id: int) -> list[Favour]:
        """The contact's favours both ways, newest first."""
        rows = self.conn.execute(
            "SELECT * FROM favours WHERE contact_id = ? ORDER BY date DESC, id DESC", (contact_id,)
        )
        return [_favour(row) for row in rows]

    def balance(self, contact_id: int) -> Balance:
        return self.balances([contact_id]).get(contact_id, Balance())

    def balances(self, contact_ids: Iterable[int]) -> dict[int, Balance]:
        """Balance per contact: weights given (introductions count as given) and received."""
        ids = list(contact_ids)
        result: dict[int, Balance] = {i: Balance() for i in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"""SELECT id,
                      (SELECT coalesce(sum(weight), 0) FROM favours
                        WHERE contact_id = c.id AND direction = 'given')
                      + {INTRODUCTION_WEIGHT} * (SELECT count(*) FROM introductions i
                        JOIN contacts o ON o.id = CASE WHEN i.contact_a = c.id
                                                       THEN i.contact_b ELSE i.contact_a END
                        WHERE (i.contact_a = c.id OR i.contact_b = c.id)
                          AND o.deleted_at IS NULL) AS gave,
                      (SELECT coalesce(sum(weight), 0) FROM favours
                        WHERE contact_id = c.id AND direction = 'received') AS received
                    FROM contacts c WHERE id IN ({marks})""",
                chunk,
            )
            for row in rows:
                result[row["id"]] = Balance(row["gave"], row["received"])
        return result

    # ------------------------------------------------------------------ introductions

    def add_introduction(self, contact_a: int, contact_b: int, *, on: date, note: str = "") -> int:
        """I introduced A to B: stored once, linked to both; returns its id."""
        if contact_a == contact_b:
            raise LedgerError("cannot introduce someone to themselves")
        with self.write():
            self._require(contact_a)
            self._require(contact_b)
            cursor = self.conn.execute(
                """INSERT INTO introductions (uid, contact_a, contact_b, date, note, created_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (_uid(), contact_a, contact_b, on.isoformat(), _text(note), _now()),
            )
        return cursor.lastrowid

    def set_introduction_outcome(self, introduction_id: int, outcome: str, *, on: date) -> None:
        """Note how an introduction turned out ("they work together now")."""
        with self.write():
            cursor = self.conn.execute(
                "UPDATE introductions SET outcome = ?, outcome_on = ? WHERE id = ? "
                "AND contact_a IN (SELECT id FROM contacts WHERE deleted_at IS NULL) "
                "AND contact_b IN (SELECT id FROM contacts WHERE deleted_at IS NULL)",
                (_text(outcome), on.isoformat(), introduction_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no introduction #{introduction_id}")

    def introductions_for(self, contact_id: int) -> list[Introduction]:
        rows = self.conn.execute(
            """SELECT i.*, a.name AS name_a, b.name AS name_b FROM introductions i
                 JOIN contacts a ON a.id = i.contact_a JOIN contacts b ON b.id = i.contact_b
                WHERE (i.contact_a = ? OR i.contact_b = ?)
                  AND a.deleted_at IS NULL AND b.deleted_at IS NULL
                ORDER BY i.date DESC, i.id DESC""",
            (contact_id, contact_id),
        )
        return [_introduction(row) for row in rows]

    # ------------------------------------------------------------------ follow-ups

    def add_follow_up(
        self,
        contact_id: int,
        *,
        due: date,
        note: str = "",
        recurrence: Cadence | None = None,
        anchor: date | None = None,
    ) -> int:
        """A reminder to get back to someone on `due`, optionally recurring; returns its id.

        `anchor` is the first due date of a recurring series, so a monthly follow-up on the
        31st comes back on the 31st whenever the month has one.
        """
        with self.write():
            self._require(contact_id)
            cursor = self.conn.execute(
                """INSERT INTO follow_ups (uid, contact_id, due, note, recurrence, anchor,
                       created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (_uid(), contact_id, due.isoformat(), _text(note),
                 str(recurrence) if recurrence else None,
                 anchor.isoformat() if anchor and recurrence else None, _now()),
            )
        return cursor.lastrowid

    def get_follow_up(self, follow_up_id: int) -> FollowUp:
        row = self.conn.execute(
            "SELECT * FROM follow_ups WHERE id = ? "
            "AND contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NULL)",
            (follow_up_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"no follow-up #{follow_up_id}")
        return _follow_up(row)

    def follow_ups_for(self, contact_id: int, *, include_done: bool = True) -> list[FollowUp]:
        sql = "SELECT * FROM follow_ups WHERE contact_id = ?"
        if not include_done:
            sql += " AND status = 'open'"
        sql += " ORDER BY status = 'done', due, id"
        return [_follow_up(row) for row in self.conn.execute(sql, (contact_id,))]

    def complete_follow_up(self, follow_up_id: int, *, on: date) -> int | None:
        """Mark a follow-up done; a recurring one gets its next occurrence, whose id is returned."""
        with self.write():
            follow_up = self.get_follow_up(follow_up_id)
            if follow_up.status != "open":
                raise NotFound(f"follow-up #{follow_up_id} is already done")
            self.conn.execute(
                "UPDATE follow_ups SET status = 'done', done_on = ? WHERE id = ?",
                (on.isoformat(), follow_up_id),
            )
            following = follow_up.next_occurrence(on)
            if following is None:
                return None
            return self.add_follow_up(
                follow_up.contact_id, due=following, note=follow_up.note,
                recurrence=follow_up.recurrence, anchor=follow_up.anchor or follow_up.due,
            )

    def snooze_follow_up(self, follow_up_id: int, *, until: date) -> None:
        with self.write():
            cursor = self.conn.execute(
                "UPDATE follow_ups SET snoozed_until = ? WHERE id = ? AND status = 'open' "
                "AND contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NULL)",
                (until.isoformat(), follow_up_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no open follow-up #{follow_up_id}")

    # ------------------------------------------------------------------ settings

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.write():
            self.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


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


def _favour(row: sqlite3.Row) -> Favour:
    return Favour(
        id=row["id"],
        contact_id=row["contact_id"],
        direction=row["direction"],
        description=row["description"],
        kind=row["kind"],
        weight=row["weight"],
        date=date.fromisoformat(row["date"]),
        status=row["status"],
    )


def _introduction(row: sqlite3.Row) -> Introduction:
    return Introduction(
        id=row["id"],
        contact_a=row["contact_a"],
        contact_b=row["contact_b"],
        date=date.fromisoformat(row["date"]),
        note=row["note"],
        outcome=row["outcome"],
        name_a=row["name_a"],
        name_b=row["name_b"],
    )


def _follow_up(row: sqlite3.Row) -> FollowUp:
    return FollowUp(
        id=row["id"],
        contact_id=row["contact_id"],
        due=date.fromisoformat(row["due"]),
        note=row["note"],
        recurrence=Cadence.parse(row["recurrence"]) if row["recurrence"] else None,
        status=row["status"],
        snoozed_until=parse_iso(row["snoozed_until"]),
        done_on=parse_iso(row["done_on"]),
        anchor=parse_iso(row["anchor"]),
    )
