"""JSON export: the whole book — contacts (the trash too), circles, interactions, favours,
introductions, follow-ups, review state, dismissed duplicate pairs, merge records, trashed
records and the user's settings — such that importing it into an empty book gives the same book back, ids
included (format 2; see importers/kontakt_json.py for what each version holds)."""

from __future__ import annotations

from ... import clock
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

from ...domain.cards import Details
from ...store import Book
from ...store import relations, snapshot
from ...store.bulk import (
    circle_rows, iter_contacts, iter_favours, iter_follow_ups, iter_interactions,
    iter_introductions,
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
# book, and settings are the book's, not a person's.
WHOLE_BOOK_ONLY = ("merges", "trashed_records", "relationships", "journal", "settings")
# Contact columns written: all but sort_key, which is derived from the name.
CONTACT_KEYS = (
    "id", "uid", "name", "nickname", "emails", "phones", "org", "role", "location", "met",
    "birthday", "tags", "notes", "cadence", "archived", "created_at", "updated_at", "deleted_at",
    "last_contact", "next_due", "channel",
)


def _interaction(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"], "uid": item["uid"], "date": item["date"], "kind": item["kind"],
        "note": item["note"], "created_at": item["created_at"],
        "reached_out": item["reached_out"], "thanks": bool(item["thanks"]),
        "participants": [{"uid": uid, "name": name} for uid, name, _ in item["people"]],
    }


# One encoder for every record: json.dumps would build a new one per call (683k at 100k).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _section(out: TextIO, key: str, items: Iterable[dict[str, Any]], first: bool) -> None:
    out.write(("" if first else ",\n") + f'  "{key}": [')
    empty = True
    for item in items:
        out.write(("\n    " if empty else ",\n    ") + _ENCODE(item))
        empty = False
    out.write("]" if empty else "\n  ]")


def _settings(out: TextIO, values: dict[str, str], first: bool) -> None:
    out.write(("" if first else ",\n") + '  "settings": ')
    out.write(json.dumps(values, ensure_ascii=False, sort_keys=True))


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
        for row in snapshot.contact_rows(book, include_deleted=whole_book, ids=contact_ids):
            count += 1
            item = {key: row[key] for key in CONTACT_KEYS}
            details = Details.loads(row["details"])
            item["addresses"] = [a.to_json() for a in details.addresses]
            item["urls"] = list(details.urls)
            item["labels"] = dict(details.labels)
            yield item

    def circles():
        rows = circle_rows(book)
        if contact_ids is not None:
            names = {t.casefold() for c, _ in iter_contacts(book, ids=contact_ids) for t in c.tags}
            rows = [r for r in rows if r["name"].casefold() in names]
        return rows

    producers = {
        "contacts": contacts,
        "circles": circles,
        "interactions": lambda: (_interaction(i) for i in iter_interactions(book, ids=contact_ids)),
        "favours": lambda: iter_favours(book, ids=contact_ids),
        "introductions": lambda: iter_introductions(book, ids=contact_ids),
        "follow_ups": lambda: iter_follow_ups(book, ids=contact_ids),
        "review_state": lambda: snapshot.review_state_rows(book, ids=contact_ids),
        "dismissed_pairs": lambda: snapshot.dismissed_pair_rows(book, ids=contact_ids),
        "merges": lambda: snapshot.merge_rows(book),
        "trashed_records": lambda: snapshot.trashed_record_rows(book),
        "relationships": lambda: relations.relationship_rows(book),
        "journal": lambda: relations.journal_rows(book),
    }
    stamp = (now or clock.now()).isoformat(timespec="seconds")
    out.write("{\n" + f'  "kontakt": {FORMAT_VERSION},\n  "exported_at": {json.dumps(stamp)},\n')
    out.write(f'  "whole_book": {json.dumps(whole_book)},\n')
    for index, key in enumerate(sections):
        if key == "settings":
            _settings(out, snapshot.user_settings(book), first=index == 0)
        else:
            _section(out, key, producers[key](), first=index == 0)
    out.write("\n}\n")
    return count
