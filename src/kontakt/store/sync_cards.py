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
        (folder, card.uid, card.file, card.hash,
         json.dumps(card.fields, ensure_ascii=False, sort_keys=True), _now()),
    )


def forget(book: Book, folder: str, uid: str) -> None:
    book.conn.execute("DELETE FROM sync_cards WHERE folder = ? AND uid = ?", (folder, uid))
