"""Contacts and their circles in the book: add, change, archive, trash, read, list, search, find."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from ..domain import Birthday, Cadence, Circle, Contact, effective_cadence, fold, next_due
from ..domain.activity import check_channel
from ..domain.cards import Address, Details, clean_addresses, clean_labels, clean_urls
from ..domain.dates import parse_iso
from ..jsontext import loads_stored
from .driver import sqlite3
from .migrations import CONTACT_COLUMNS, REF_INDEX, contact_columns
from .reading import (
    LET_DRIFT_SQL, circle_cadences, contact_from_row, get_contacts, stream_search,
)
from .search import (
    REF_COLUMNS, SearchTerms, _prefix_term, _walk_name_index, _words, search_sql, search_terms,
)
from .values import NotFound, tag_key, _cadence, _clean_emails, _clean_phones, _clean_tags, _json_list, _line, _now, _text, _uid

# What a REF is looked for in (the folded REF as ?, three times): Book.find's one test.
_REF_TEST = "instr(sort_key, ?) > 0 OR instr(lower(emails), ?) > 0 OR instr(lower(nickname), ?) > 0"
# More candidates than this from the REF index: the REF is common, and the name-order walk
# finds its first 51 matches sooner than sorting every candidate would.
REF_INDEX_CANDIDATES = 2000
# Trigrams asked of the REF index at most: a long email's common ones ("exa", "com") each
# list nearly every person and cost a millisecond apiece; six leave a handful of candidates.
REF_INDEX_TRIGRAMS = 6


def ref_trigram_match(key: str) -> str | None:
    """The FTS5 query asking the REF index for rows holding every trigram of a cover of the
    folded REF `key` (non-overlapping ones from the start, and the last), or None for a REF
    of fewer than three letters (or one SQLite cannot take as query text)."""
    if len(key) < 3 or "\x00" in key:
        return None
    starts = list(range(0, len(key) - 2, 3))
    if starts[-1] != len(key) - 3:
        starts.append(len(key) - 3)
    grams = list(dict.fromkeys(key[i : i + 3] for i in starts))[:REF_INDEX_TRIGRAMS]
    return _any_of(grams, " AND ")


def _any_of(terms: Iterable[str], joiner: str = " OR ") -> str:
    return joiner.join('"' + term.replace('"', '""') + '"' for term in terms)


def _two_letter_ref(key: str) -> bool:
    """A REF the index answers through the trigrams it starts: two letters that are ASCII and
    not upper case, or have no case at all (王小): the index folds those as fold() does; other
    letters it may fold apart, and those REFs walk."""
    return len(key) == 2 and "\x00" not in key and all(
        (c.isascii() and not c.isupper()) or c == c.lower() == c.upper() == c.casefold() for c in key
    )


def _may_reach(a: str, b: str, letters: dict[str, dict[str, int]], score: float = 0.75) -> bool:
    """False when difflib's ratio() of `a` and `b` is surely below `score`: its upper bounds
    real_quick_ratio() (the lengths) and quick_ratio() (the letters both share, counted with
    repeats), computed as difflib does but without building a SequenceMatcher (5-10x less)."""
    total = len(a) + len(b)
    if not total:
        return True  # two empty strings: ratio() is 1.0
    if 2.0 * min(len(a), len(b)) / total < score:
        return False
    counts = letters.get(a)
    if counts is None:
        counts = letters[a] = {}
        for letter in a:
            counts[letter] = counts.get(letter, 0) + 1
    available, shared = dict(counts), 0
    for letter in b:
        left = available.get(letter, 0)
        if left > 0:
            available[letter] = left - 1
            shared += 1
    return 2.0 * shared / total >= score


CONTACT_FIELDS = (
    "name", "nickname", "emails", "phones", "org", "role", "location", "met",
    "birthday", "tags", "notes", "cadence", "addresses", "urls", "labels", "channel",
)
# Fields kept together in the `details` JSON column (domain/cards.py).
DETAIL_FIELDS = ("addresses", "urls", "labels")


def _details(emails: Sequence[str], phones: Sequence[str], addresses: Iterable[Address],
             urls: Iterable[str], labels) -> str:
    """The details column for these values; labels of phones/e-mails not kept are dropped."""
    return Details(
        addresses=clean_addresses(addresses), urls=clean_urls(urls),
        labels=clean_labels(labels, [*emails, *phones]),
    ).dumps()


class ListRow(NamedTuple):
    """The fields of a contact a list row shows (named as on Contact)."""

    id: int
    name: str
    org: str
    tags: tuple[str, ...]
    archived: bool
    last_contact: date | None
    next_due: date | None


def _in_name_order(where: str, params: list[object]) -> tuple[str, list[object]]:
    """`where` made to walk a name index (contacts_by_name or contacts_by_ref) in order and
    test each contact against its circle, for a list streamed whole: sorting a circle of
    14k people first kept `list --tag friends` 30 ms from its first line; the walk is 6 ms
    even for a circle of no one (the unary + keeps SQLite from starting at the members)."""
    return where.replace("c.id IN (SELECT contact_id FROM memberships",
                         "+c.id IN (SELECT contact_id FROM memberships"), params


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



class ContactsMixin:
    """The contact and circle methods of `Book`."""

    # Provided by Book (store/book.py), as is `_dense_search` (next to its cached counts).
    conn: sqlite3.Connection
    if TYPE_CHECKING:
        def write(self, label: str | None = None, *, record: bool = True
                  ) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...

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
        addresses: Iterable[Address] = (),
        urls: Iterable[str] = (),
        labels=(),
        channel: str | None = None,
    ) -> int:
        """Add a contact and return its id. Raises ValueError for an empty name.
        `labels` maps phones and e-mails to a label ("work", "home", "mobile")."""
        name = _line(name)
        if not name:
            raise ValueError("a contact needs a name")
        now = _now()
        emails, phones = _clean_emails(emails), _clean_phones(phones)
        with self.write():
            # Circles first, so the row goes in with its tags: an UPDATE of them afterwards
            # would index the new person for search a second time.
            circles = self._canonical_tags(_clean_tags(tags))
            cursor = self.conn.execute(
                """INSERT INTO contacts (uid, name, sort_key, nickname, emails, phones, org, role,
                       location, met, birthday, notes, cadence, archived, created_at, updated_at,
                       details, channel, tags)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    uid or _uid(), name, fold(name), _line(nickname),
                    json.dumps(emails, ensure_ascii=False),
                    json.dumps(phones, ensure_ascii=False),
                    _line(org), _line(role), _line(location), _text(met),
                    birthday.iso() if birthday else None, _text(notes),
                    str(cadence) if cadence else None, int(archived),
                    created_at or now, now,
                    _details(emails, phones, addresses, urls, labels),
                    check_channel(channel) if channel else None,
                    json.dumps(circles, ensure_ascii=False),
                ),
            )
            contact_id = cursor.lastrowid
            self._join_circles(contact_id, circles)
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
                elif key == "channel":
                    columns["channel"] = check_channel(value) if value else None
                elif key in ("notes", "met"):
                    columns[key] = _text(value)
                elif key in DETAIL_FIELDS:
                    pass  # below, with the final phones and e-mails
                elif key != "tags":
                    columns[key] = _line(value)
            # Added to the list as this update leaves it: `emails` given too (a removal in the
            # same command) comes first, or the addition brought the removed one back.
            if add_emails:
                base = changes["emails"] if changes.get("emails") is not None else current.emails
                merged = list(base) + list(add_emails)
                columns["emails"] = json.dumps(_clean_emails(merged), ensure_ascii=False)
            if add_phones:
                base = changes["phones"] if changes.get("phones") is not None else current.phones
                merged = list(base) + list(add_phones)
                columns["phones"] = json.dumps(_clean_phones(merged), ensure_ascii=False)
            if columns.keys() & {"emails", "phones"} or changes.keys() & set(DETAIL_FIELDS):
                emails = loads_stored(columns["emails"]) if "emails" in columns else current.emails
                phones = loads_stored(columns["phones"]) if "phones" in columns else current.phones
                labels = dict(changes["labels"]) if "labels" in changes else dict(current.labels)
                details = _details(
                    emails, phones, changes.get("addresses", current.addresses),
                    changes.get("urls", current.urls), labels,
                )
                if details != Details(current.addresses, current.urls, current.labels).dumps():
                    columns["details"] = details
            if columns:
                columns["updated_at"] = _now()
                assignments = ", ".join(f"{column} = ?" for column in columns)
                self.conn.execute(
                    f"UPDATE contacts SET {assignments} WHERE id = ?",
                    (*columns.values(), contact_id),
                )
            if "tags" in changes or add_tags or remove_tags:
                tags = list(changes.get("tags", current.tags)) + list(add_tags)
                removed = {tag_key(t) for t in remove_tags}
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
        canonical = self._canonical_tags(tags)
        self.conn.execute("DELETE FROM memberships WHERE contact_id = ?", (contact_id,))
        self._join_circles(contact_id, canonical)
        stored = json.dumps(canonical, ensure_ascii=False)
        # Unchanged tags are not written: the search index would re-index the person.
        self.conn.execute(
            "UPDATE contacts SET tags = ? WHERE id = ? AND tags IS NOT ?", (stored, contact_id, stored)
        )

    def _join_circles(self, contact_id: int, circles: list[str]) -> None:
        """Memberships of the contact in these circles (as `_canonical_tags` spells them)."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO memberships (contact_id, circle) VALUES (?, ?)",
            [(contact_id, circle) for circle in circles],
        )

    def _canonical_tags(self, tags: list[str]) -> list[str]:
        """Each tag as its circle is spelled; a circle that does not exist yet is created."""
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
        # "cafe" and "café" are one circle: once in the list.
        return list(dict.fromkeys(canonical))

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
        return circle_cadences(self.conn)

    def _refresh_due(self, contact_ids: Iterable[int], today: date) -> None:
        """Recompute the materialised last_contact and next_due of these contacts, and
        the circle whose cadence applies to each (store/cadence_circles.py)."""
        from . import cadence_circles

        contact_ids = list(contact_ids)
        if self._due_later is not None:  # Book.filling: once, at the end
            self._due_later.update(contact_ids)
            return
        cadence_circles.refresh(self.conn, contact_ids)
        circles = self._circle_cadences()
        for contact_id in contact_ids:
            row = self.conn.execute(
                f"""SELECT c.cadence, c.tags, c.created_at, c.last_contact AS stored_last,
                          c.next_due AS stored_due, {LET_DRIFT_SQL} AS drifted,
                          (SELECT max(i.date) FROM interaction_contacts ic
                             JOIN interactions i ON i.id = ic.interaction_id
                            WHERE ic.contact_id = c.id) AS last_contact
                     FROM contacts c WHERE c.id = ?""",
                (contact_id,),
            ).fetchone()
            if row is None:
                continue
            own = Cadence.parse(row["cadence"]) if row["cadence"] else None
            inherited = [circles[fold(t)] for t in loads_stored(row["tags"]) if fold(t) in circles]
            # Let drift: no cadence applies, their own or a circle's, until brought back.
            cadence = None if row["drifted"] else effective_cadence(own, inherited)
            last = parse_iso(row["last_contact"])
            added_on = date.fromisoformat(row["created_at"][:10])
            due = next_due(cadence, last, min(added_on, today))
            values = (last.isoformat() if last else None, due.isoformat() if due else None)
            if values == (row["stored_last"], row["stored_due"]):
                continue  # already right: no write, no undo trigger, no index change
            self.conn.execute(
                "UPDATE contacts SET last_contact = ?, next_due = ? WHERE id = ?", (*values, contact_id)
            )

    def _contact(self, row: sqlite3.Row, circles: dict[str, Cadence] | None = None) -> Contact:
        return contact_from_row(self.conn, row, circles)

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
        return get_contacts(self.conn, ids)

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
        return list(self._stream(sql, params))

    def stream_contacts(
        self, *, tag: str | None = None, archived: bool | None = False
    ) -> Iterator[Contact]:
        """`list_contacts` without a page, one contact at a time from the cursor: the first
        arrives at once and a 100k book never sits in memory (`kontakt list | head`)."""
        where, params = _in_name_order(*self._filter_sql(tag=tag, archived=archived, query=None))
        yield from self._stream(
            f"SELECT {contact_columns('c')} FROM contacts c WHERE {where} ORDER BY c.sort_key, c.id",
            params,
        )

    def stream_list_rows(
        self, *, tag: str | None = None, archived: bool | None = False
    ) -> Iterator[ListRow]:
        """What a list row shows of each contact `stream_contacts` yields, in the same order,
        without building a Contact (measuring a 100k table's columns)."""
        where, params = _in_name_order(*self._filter_sql(tag=tag, archived=archived, query=None))
        cursor = self.conn.execute(
            f"""SELECT c.id, c.name, c.org, c.tags, c.archived, c.last_contact, c.next_due
                  FROM contacts c WHERE {where} ORDER BY c.sort_key, c.id""",
            params,
        )
        for row in cursor:
            yield ListRow(row[0], row[1], row[2], _json_list(row[3]), bool(row[4]),
                          parse_iso(row[5]), parse_iso(row[6]))

    def largest_contact_id(self) -> int:
        """The largest id a contact row has (archived and trashed ones too; 0 in an empty
        book): a column of ids this wide fits every id a list can show."""
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM contacts").fetchone()[0]

    def _stream(self, sql: str, params: Sequence[object]) -> Iterator[Contact]:
        """Contacts of `sql`'s rows, fetched in batches (a cursor of its own)."""
        circles = self._circle_cadences()
        cursor = self.conn.execute(sql, params)
        try:
            size = 20  # a first few at once: `list --json | head` is not kept waiting for 500
            while rows := cursor.fetchmany(size):
                size = 500
                for row in rows:
                    yield self._contact(row, circles)
        finally:
            cursor.close()

    def search(self, text: str, *, limit: int | None = 200, archived: bool | None = None) -> list[Contact]:
        """Contacts matching `text` (every word a prefix of name, nickname, org, email, tag or
        note; accents and case ignored; in Chinese, Japanese, Korean or Thai script a
        substring), best matches first."""
        return self._search(search_terms(text), limit=limit, archived=archived)

    def stream_search(self, text: str, *, limit: int | None = None,
                      archived: bool | None = None) -> Iterator[Contact]:
        """`search` one contact at a time (for `search --all`): the matches are read in
        batches in rank order (store/reading.py), so the first arrives early and memory
        stays flat."""
        return stream_search(self.conn, text, limit=limit, archived=archived)

    def _search(self, terms: SearchTerms | None, *, limit: int | None, archived: bool | None,
                stream: bool = False):
        if terms is None:
            return iter(()) if stream else []
        sql, params = search_sql(terms, contact_columns("c"), limit=limit, archived=archived)
        contacts = self._stream(sql, params)
        return contacts if stream else list(contacts)

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
        rows = self._ref_rows(key)
        # A plain SQL lower() misses accented nicknames/emails; fold in Python to be sure.
        circles = self._circle_cadences()
        candidates = [self._contact(row, circles) for row in rows]
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

    def _ref_rows(self, key: str) -> list[sqlite3.Row]:
        """Up to 51 contacts (archived last, in name order) whose folded name, lower-cased
        emails or nickname hold the folded REF `key`.

        A REF of three letters or more (or two, mostly) asks the trigram index (m017) for
        the few people who could hold it and tests only those; a shorter REF, or one that too
        many people could hold, walks the name index instead (a common fragment stops at the
        51st match). Both give the same rows in the same order.
        """
        ids = self._ref_ids_indexed(key)
        if ids is None:
            ids = self._ref_ids_walked(key)
        if not ids:
            return []
        return self.conn.execute(
            f"""SELECT {CONTACT_COLUMNS} FROM contacts WHERE id IN ({",".join("?" * len(ids))})
                ORDER BY archived, sort_key, id""",
            ids,
        ).fetchall()

    def _ref_ids_indexed(self, key: str) -> list[int] | None:
        """The REF's matches through the trigram index, or None when the index cannot say
        (one letter, two with a case the index may fold otherwise, more than
        REF_INDEX_CANDIDATES candidates, a book without the index)."""
        try:
            match = ref_trigram_match(key) if not _two_letter_ref(key) else self._starting(key)
            if match is None:
                return None
            candidates = [row[0] for row in self.conn.execute(
                f"SELECT rowid FROM {REF_INDEX} WHERE {REF_INDEX} MATCH ? LIMIT ?",
                (match, REF_INDEX_CANDIDATES + 1),
            )] if match else []
        except sqlite3.OperationalError as error:
            # A book opened read-only before m017 ran ("no such fts5 table" from fts5vocab).
            if "no such table" in str(error) or "no such fts5 table" in str(error):
                return None
            raise
        if len(candidates) > REF_INDEX_CANDIDATES:
            return None
        if not candidates:
            return []
        # The index holds every row with the REF's trigrams (it folds case, and more letters
        # than lower() does): the walk's own test picks the rows that really hold the REF.
        # CROSS JOIN: each candidate's row by its id (SQLite would rather scan an index on
        # archived with the candidates in a Bloom filter, i.e. every contact).
        return [row[0] for row in self.conn.execute(
            f"""SELECT contacts.id FROM json_each(?) AS candidate
                       CROSS JOIN contacts ON contacts.id = candidate.value
                 WHERE archived IN (0, 1) AND deleted_at IS NULL AND ({_REF_TEST})
                 ORDER BY archived, sort_key, contacts.id LIMIT 51""",
            (json.dumps(candidates), key, key, key),
        )]

    def _starting(self, key: str) -> str | None:
        """The FTS5 query for rows with a trigram starting with the two-letter `key` ("zz" in
        "Jazz\\n": the index's text ends each value with a newline), "" when there is none, or None
        when they are many (the walk finds a common pair's first 51 matches sooner)."""
        self.conn.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{REF_INDEX}_terms "
            f"USING fts5vocab(main, {REF_INDEX}, 'row')"
        )
        terms, rows = [], 0
        # Terms are compared as UTF-8 bytes: U+10FFFF's are the greatest a third letter has.
        for term, count in self.conn.execute(
            f"SELECT term, doc FROM temp.{REF_INDEX}_terms WHERE term >= ? AND term <= ?",
            (key, key + "\U0010ffff"),
        ):
            terms.append(term)
            rows += count
            if rows > REF_INDEX_CANDIDATES:
                return None
        return _any_of(terms)

    def _ref_ids_walked(self, key: str) -> list[int]:
        """The REF's matches by walking the contacts_by_ref index (m014) in name order.

        The walk reads nothing but the index (every column it names is in it) and a common
        REF stops at the 51st match. Active people first, then archived ones (archived is 0
        or 1), as ORDER BY archived, sort_key, id would give them.
        """
        ids: list[int] = []
        for archived in (0, 1):
            ids += [row[0] for row in self.conn.execute(
                f"""SELECT id FROM contacts INDEXED BY contacts_by_ref
                    WHERE archived = ? AND deleted_at IS NULL AND ({_REF_TEST})
                    ORDER BY sort_key, id LIMIT ?""",
                (archived, key, key, key, 51 - len(ids)),
            )]
            if len(ids) >= 51:
                break
        return ids

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
        # Only a score of 0.75 or more counts, so a ratio whose cheap upper bounds fall short
        # is not computed; word pairs repeat (many Annas), so each is compared once. The
        # scores that count are those of comparing everything; a miss at 100k people
        # ("someone@example.org", "Jurgne Mueler") took 0.5-0.7 s, now 0.06-0.09 s.
        ratios: dict[tuple[str, str], float] = {}
        letters: dict[str, dict[str, int]] = {}

        def ratio(a: str, b: str) -> float:
            found = ratios.get((a, b))
            if found is None:
                found = ratios[(a, b)] = (
                    difflib.SequenceMatcher(None, a, b).ratio() if _may_reach(a, b, letters) else 0.0
                )
            return found

        scored = []
        for row in rows:
            name_words = row["sort_key"].split()
            score = max(
                [ratio(key, row["sort_key"])] + [ratio(w, nw) for w in words for nw in name_words]
            )
            if score >= 0.75:
                scored.append((-score, row["sort_key"], row["id"]))
        scored.sort()
        return self.get_contacts([contact_id for _, _, contact_id in scored[:limit]])

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
