"""JSON export: the whole book — contacts, circles, interactions, favours, introductions,
follow-ups — such that importing it into an empty book gives the same data back."""

from __future__ import annotations

from ... import clock
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

from ...domain import Contact
from ...store import Book
from ...store.bulk import (
    circle_rows, iter_contacts, iter_favours, iter_follow_ups, iter_interactions,
    iter_introductions,
)
from ..importers.kontakt_json import FORMAT_VERSION

SECTIONS = ("contacts", "circles", "interactions", "favours", "introductions", "follow_ups")
WHAT = {
    "all": SECTIONS,
    "contacts": ("contacts", "circles"),
    "interactions": ("interactions",),
    "favours": ("favours",),
}


def contact_entry(contact: Contact, deleted_at: str | None = None) -> dict[str, Any]:
    return {
        "uid": contact.uid,
        "name": contact.name,
        "nickname": contact.nickname,
        "emails": list(contact.emails),
        "phones": list(contact.phones),
        "org": contact.org,
        "role": contact.role,
        "location": contact.location,
        "met": contact.met,
        "birthday": contact.birthday.iso() if contact.birthday else None,
        "tags": list(contact.tags),
        "notes": contact.notes,
        "cadence": str(contact.cadence) if contact.cadence else None,
        "archived": contact.archived,
        "created_at": contact.created_at.isoformat() if contact.created_at else None,
        "updated_at": contact.updated_at.isoformat() if contact.updated_at else None,
        "deleted_at": deleted_at,
    }


def _interaction(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "uid": item["uid"], "date": item["date"], "kind": item["kind"], "note": item["note"],
        "created_at": item["created_at"],
        "participants": [{"uid": uid, "name": name} for uid, name, _ in item["people"]],
    }


def _section(out: TextIO, key: str, items: Iterable[dict[str, Any]], first: bool) -> None:
    out.write(("" if first else ",\n") + f'  "{key}": [')
    empty = True
    for item in items:
        out.write(("\n    " if empty else ",\n    ") + json.dumps(item, ensure_ascii=False))
        empty = False
    out.write("]" if empty else "\n  ]")


def write_book(
    book: Book, out: TextIO, *, what: str = "all", contact_ids: list[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Write the chosen sections (streamed, one record a line); returns the contact count.

    With `contact_ids`, only those contacts and what the book holds about them.
    """
    sections = WHAT[what]
    count = 0

    def contacts():
        nonlocal count
        whole_book = contact_ids is None
        for contact, deleted_at in iter_contacts(book, include_deleted=whole_book, ids=contact_ids):
            count += 1
            yield contact_entry(contact, deleted_at)

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
    }
    stamp = (now or clock.now()).isoformat(timespec="seconds")
    out.write("{\n" + f'  "kontakt": {FORMAT_VERSION},\n  "exported_at": {json.dumps(stamp)},\n')
    for index, key in enumerate(sections):
        _section(out, key, producers[key](), first=index == 0)
    out.write("\n}\n")
    return count
