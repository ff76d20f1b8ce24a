"""What `kontakt sync` last agreed with a folder about each card (the merge base)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .values import _now

if TYPE_CHECKING:
    from .book import Book


@dataclass(frozen=True)
class SyncedCard:
    uid: str
    file: str
    hash: str
    # {"book": fields, "folder": fields}: each side as it was after the last sync (the
    # two differ only where the card format cannot say exactly what the book holds).
    fields: dict[str, Any]


def synced_cards(book: Book, folder: str) -> dict[str, SyncedCard]:
    """Every card synced with `folder`, by uid."""
    rows = book.conn.execute(
        "SELECT uid, file, hash, fields FROM sync_cards WHERE folder = ?", (folder,)
    )
    return {r["uid"]: SyncedCard(r["uid"], r["file"], r["hash"], json.loads(r["fields"])) for r in rows}


def remember(book: Book, folder: str, card: SyncedCard) -> None:
    """Record a card as synced; inside the caller's `book.write()`."""
    book.conn.execute(
        "INSERT OR REPLACE INTO sync_cards (folder, uid, file, hash, fields, synced_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (folder, card.uid, card.file, card.hash, _fields_json(card.fields), _now()),
    )


def _fields_json(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


def forget(book: Book, folder: str, uid: str) -> None:
    book.conn.execute("DELETE FROM sync_cards WHERE folder = ? AND uid = ?", (folder, uid))


def merged_people(book: Book) -> dict[str, str]:
    """{uid: uid} of each person merged away (and still in the trash) → the person they were
    merged into, followed through later merges (a → b, then b → c: a → c)."""
    into = dict(book.conn.execute(
        "SELECT o.uid, k.uid FROM merges m JOIN contacts o ON o.id = m.other_id "
        "JOIN contacts k ON k.id = m.kept_id WHERE o.deleted_at IS NOT NULL ORDER BY m.id"
    ).fetchall())
    found = {}
    for uid, target in into.items():
        seen = {uid}
        while target in into and target not in seen:
            seen.add(target)
            target = into[target]
        found[uid] = target
    return found


def keep_merged_owners(book: Book, purged: str) -> None:
    """Before the people in the temp table `purged` (ids) are deleted for good: the synced
    cards of those merged into someone remember whom they went to, since the merge record
    goes with them (services/sync then still merges the card into the kept person's);
    inside the caller's transaction."""
    into = merged_people(book)
    rows = book.conn.execute(
        f"SELECT s.folder, s.fields, c.uid FROM sync_cards s JOIN contacts c ON c.uid = s.uid "
        f"WHERE c.id IN (SELECT id FROM {purged})").fetchall()
    for folder, text, uid in rows:
        fields = json.loads(text)
        if uid in into and "person" not in fields:
            fields["person"] = into[uid]
            book.conn.execute("UPDATE sync_cards SET fields = ? WHERE folder = ? AND uid = ?",
                              (_fields_json(fields), folder, uid))
