"""JSON export: the whole book — contacts (the trash too), circles, interactions, favours,
introductions, follow-ups, review state, dismissed duplicate pairs, merge records, trashed
records and the user's settings — such that importing it into an empty book gives the same book back, ids
included (format 2; see importers/kontakt_json.py for what each version holds)."""

from __future__ import annotations

from ... import clock
import codecs
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from itertools import islice
from datetime import datetime
from typing import Any, BinaryIO, TextIO

from ...domain.cards import Details
from ...domain.text import escape_json, escape_json_bytes
from ...jsontext import loads_stored
from ...store import Book
from ...store import relations, snapshot
from ...store.bulk import (
    InteractionsAhead, circle_rows, contact_records, favour_lines, favour_tuples, first_fetched,
    follow_up_lines, follow_up_tuples, interaction_records, introduction_lines,
    introduction_tuples, iter_contacts, participant_entries, sorting_on_disk,
)
from ..importers.kontakt_json import FORMAT_VERSION

SECTIONS = (
    "contacts", "circles", "interactions", "favours", "introductions", "follow_ups",
    "review_state", "dismissed_pairs", "merges", "trashed_records", "relationships", "journal",
    "settings",
)
WHAT = {
    "all": SECTIONS,
    "contacts": ("contacts", "circles"),
    "interactions": ("interactions",),
    "favours": ("favours",),
}
# What an export of chosen contacts leaves out: merge records point at rows of the whole
# book, and settings are the book's, not a person's. (Their journal is theirs, and so are
# the links between two of them.)
WHOLE_BOOK_ONLY = ("merges", "trashed_records", "settings")
# Contact columns written: all but sort_key, which is derived from the name.
CONTACT_KEYS = (
    "id", "uid", "name", "nickname", "emails", "phones", "org", "role", "location", "met",
    "birthday", "tags", "notes", "cadence", "archived", "created_at", "updated_at", "deleted_at",
    "last_contact", "next_due", "channel",
)


# One encoder for every record: json.dumps would build a new one per call (683k at 100k).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
# The same encoder with NUL between a list's items: JSON escapes every control character
# inside a string, so splitting on NUL gives each value exactly as _ENCODE writes it — the
# records are assembled from those pieces, no dict per row (the export of 100k people
# spent seconds building and encoding dicts).
_PIECES = json.JSONEncoder(ensure_ascii=False, separators=("\x00", ": ")).encode
# The C encoder behind it, made once: JSONEncoder.encode makes a new one per call (a third
# of the time of a short row). Same arguments as JSONEncoder.iterencode gives it.
_C_PIECES = None
if json.encoder.c_make_encoder is not None:  # pragma: no branch — CPython has it
    _C_PIECES = json.encoder.c_make_encoder(
        None, json.JSONEncoder().default, json.encoder.encode_basestring, None, ": ", "\x00",
        False, False, True,
    )
# A stored list of strings already written the way _ENCODE writes it: '[]' or '["a", "b"]'
# with nothing escaped inside (store writes lists with json.dumps(ensure_ascii=False)).
# Such text is copied; anything else is decoded and encoded again.
_PLAIN_LIST = re.compile(r'\[\]|\["[^"\\\x00-\x1f]*"(?:, "[^"\\\x00-\x1f]*")*\]')
_EMPTY_DETAILS = ', "addresses": [], "urls": [], "labels": {}}'


def _pieces(row: Sequence[Any]) -> list[str]:
    """Each value of `row` as _ENCODE would write it."""
    if _C_PIECES is None:
        return _PIECES(row)[1:-1].split("\x00")
    return "".join(_C_PIECES(row, 0))[1:-1].split("\x00")


def _template(keys: Sequence[str]) -> str:
    """'{"a": %s, "b": %s}' for the keys, in the layout _ENCODE gives a dict."""
    return "{" + ", ".join(_ENCODE(key).replace("%", "%%") + ": %s" for key in keys) + "}"


def _list_json(text: str) -> str:
    if text.__class__ is str and _PLAIN_LIST.fullmatch(text):
        return text
    return _ENCODE(loads_stored(text))


def _records(names: Sequence[str], rows: Iterable[tuple], bools: Sequence[str] = ()) -> Iterator[str]:
    """Rows as JSON objects keyed by column name; `bools` written as true/false."""
    template = _template(names)
    flags = [names.index(name) for name in bools]
    for row in rows:
        parts = _pieces(row)
        for i in flags:
            parts[i] = "true" if row[i] else "false"
        yield template % tuple(parts)


INTERACTION_KEYS = ("id", "uid", "date", "kind", "note", "created_at", "reached_out", "thanks")
# Records are written this many at a time: one write per record was 0.6 s at 100k people;
# 2048 at a time held ~9 MB more (the RSS budget of a streaming export is 80 MiB).
_CHUNK = 256


def _interactions(rows: Iterable[tuple[str, str | None]], contacts: Iterable[tuple]) -> Iterator[str]:
    """Interaction records from `interaction_records` rows (the head SQLite encoded, the
    participants' ids); `contacts` is `participant_entries`: each contact's participant entry
    is encoded once, with its rank (about 25 MB at 100k people; a sorted subquery per
    interaction took seconds). Keyed by the id as text, as the rows name them."""
    entries = {contact_id: (rank, entry) for rank, (contact_id, entry) in enumerate(contacts)}
    get = entries.get
    for head, people in rows:
        if people is None:
            yield head + "]}"
        elif "," not in people:  # one person: nothing to sort
            # A link to a contact that is gone (written by another tool) names nobody.
            found = get(people)
            yield head + found[1] + "]}" if found else head + "]}"
        else:
            found = sorted(entry for i in people.split(",") if (entry := get(i)) is not None)
            yield head + ", ".join([piece for _, piece in found]) + "]}"


def _section(out: TextIO, key: str, lines: Iterable[str], first: bool) -> None:
    """A section of records already encoded, one a line, written in chunks."""
    out.write(("" if first else ",\n") + f'  "{key}": [')
    lines = iter(lines)
    separator = "\n    "
    while chunk := list(islice(lines, _CHUNK)):
        out.write(escape_json(separator + ",\n    ".join(chunk)))
        separator = ",\n    "
    out.write("]" if separator == "\n    " else "\n  ]")


def _byte_stream(out: TextIO) -> BinaryIO | None:
    """The byte stream under `out` when text written to `out` reaches it as UTF-8 as is
    (a file or stdout in UTF-8 on POSIX, where "\n" is written unchanged); else None."""
    stream = getattr(out, "buffer", None)
    try:
        utf8 = codecs.lookup(out.encoding).name == "utf-8"
    except (AttributeError, LookupError, TypeError):
        return None
    return stream if utf8 and stream is not None and os.linesep == "\n" else None


def _byte_section(out: TextIO, key: str, batches: Iterable[list[bytes]], first: bool) -> None:
    """`_section` of records SQLite wrote as UTF-8 bytes: written as bytes when `out` has a
    UTF-8 byte stream under it (decoding 200 MB to text only to encode it again cost
    ~0.3 s at 100k people). Bytes that are not UTF-8 come out as U+FFFD, as the book's
    lenient decoder (db.lenient_text) shows them; each record ends in ASCII, so decoding
    a chunk of them at once replaces exactly what decoding each one would."""
    out.write(("" if first else ",\n") + f'  "{key}": [')
    stream = _byte_stream(out)
    if stream is not None:
        out.flush()
    separator = b"\n    "
    for batch in batches:
        if not batch:
            continue
        data = separator + b",\n    ".join(batch)
        separator = b",\n    "
        if stream is None:
            out.write(escape_json(data.decode("utf-8", "replace")))
            continue
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                data = data.decode("utf-8", "replace").encode("utf-8")
            data = escape_json_bytes(data)
        elif b"\x7f" in data:  # DEL: the one ASCII control SQLite's json_quote leaves raw
            data = escape_json_bytes(data)
        stream.write(data)
    out.write("]" if separator == b"\n    " else "\n  ]")


def _settings(out: TextIO, values: dict[str, str], first: bool) -> None:
    out.write(("" if first else ",\n") + '  "settings": ')
    out.write(escape_json(json.dumps(values, ensure_ascii=False, sort_keys=True)))


def write_book(
    book: Book, out: TextIO, *, what: str = "all", contact_ids: list[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Write the chosen sections (streamed, one record a line); returns the contact count.

    With `contact_ids`, only those contacts and what the book holds about them. Only an
    export of everything (`what="all"`, no `contact_ids`) says `"whole_book": true`, which
    lets an import into an empty book keep every id.
    """
    whole_book = what == "all" and contact_ids is None
    sections = [s for s in WHAT[what] if whole_book or s not in WHOLE_BOOK_ONLY]
    count = 0

    def contacts():
        nonlocal count
        # SQLite writes the scalar values (json_quote); the stored lists go in verbatim
        # when already canonical, and the details are read here.
        rows = contact_records(
            book, CONTACT_KEYS, raw=("emails", "phones", "tags"), bools=("archived",),
            include_deleted=whole_book, ids=contact_ids,
        )
        for start, emails, phones_key, phones, tags_key, tags, rest, text in rows:
            count += 1
            if not text or text == "{}":
                tail = _EMPTY_DETAILS
            else:
                details = Details.loads(text)
                tail = (', "addresses": ' + _ENCODE([a.to_json() for a in details.addresses])
                        + ', "urls": ' + _ENCODE(list(details.urls))
                        + ', "labels": ' + _ENCODE(dict(details.labels)) + "}")
            yield (start + _list_json(emails) + phones_key + _list_json(phones) + tags_key
                   + _list_json(tags) + rest + tail)

    def circles():
        rows = circle_rows(book)
        if contact_ids is not None:
            names = {t.casefold() for c, _ in iter_contacts(book, ids=contact_ids) for t in c.tags}
            rows = [r for r in rows if r["name"].casefold() in names]
        return rows

    producers = {
        "contacts": contacts,
        "circles": lambda: map(_ENCODE, circles()),
        "interactions": lambda: _interactions(
            interaction_records(book, INTERACTION_KEYS, bools=("thanks",), ids=contact_ids),
            participant_entries(book, ids=contact_ids)),
        "favours": lambda: _records(*favour_tuples(book, ids=contact_ids)),
        "introductions": lambda: _records(*introduction_tuples(book, ids=contact_ids),
                                          bools=("asked_first",)),
        "follow_ups": lambda: _records(*follow_up_tuples(book, ids=contact_ids)),
        "review_state": lambda: map(_ENCODE, snapshot.review_state_rows(book, ids=contact_ids)),
        "dismissed_pairs": lambda: map(_ENCODE, snapshot.dismissed_pair_rows(book, ids=contact_ids)),
        "merges": lambda: map(_ENCODE, snapshot.merge_rows(book)),
        "trashed_records": lambda: map(_ENCODE, snapshot.trashed_record_rows(book)),
        "relationships": lambda: map(_ENCODE, relations.relationship_rows(book, contact_ids)),
        "journal": lambda: map(_ENCODE, relations.journal_rows(book, contact_ids)),
    }
    stamp = (now or clock.now()).isoformat(timespec="seconds")
    out.write("{\n" + f'  "kontakt": {FORMAT_VERSION},\n  "exported_at": {json.dumps(stamp)},\n')
    out.write(f'  "whole_book": {json.dumps(whole_book)},\n')
    with sorting_on_disk(book) as on_disk, ExitStack() as cleanup:
        # The interactions of a whole book are read ahead, on a second connection, while
        # the contacts are written: on two cores that hid ~0.8 s of the 100k export.
        ahead = None
        if on_disk and contact_ids is None and "interactions" in sections:
            ahead = InteractionsAhead(book, INTERACTION_KEYS, bools=("thanks",))
            cleanup.callback(ahead.close)
        # Records SQLite writes whole (None: this book needs the general path, `producers`,
        # which also takes over when the sort cannot start: see first_fetched).
        written = {
            "interactions": lambda: ahead.lines() if ahead is not None else None,
            "favours": lambda: first_fetched(favour_lines(book, ids=contact_ids)),
            "introductions": lambda: first_fetched(introduction_lines(book, ids=contact_ids)),
            "follow_ups": lambda: first_fetched(follow_up_lines(book, ids=contact_ids)),
        }
        for index, key in enumerate(sections):
            lines = written[key]() if key in written else None
            if key == "settings":
                _settings(out, snapshot.user_settings(book), first=index == 0)
            elif lines is not None:
                try:
                    _byte_section(out, key, lines, first=index == 0)
                finally:
                    lines.close()  # its statement ends before temp_store is set back
            else:
                _section(out, key, producers[key](), first=index == 0)
    out.write("\n}\n")
    return count
