"""Two files of a vdir (vCards or calendar objects) with one UID — a backup copy left in the
folder, a file duplicated by hand: which one is the object, which one is skipped.

The file kontakt synced last is the object, whatever the names: a stale copy that sorts first
must never overwrite it, nor be written over in its place. Without one (a new object, or
kontakt's file gone), the first by name. Shared by the vCard sync (services/sync/identity.py)
and the calendar folder sync (services/calendar_sync.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Copy", "one_per_uid"]

T = TypeVar("T")


@dataclass(frozen=True)
class Copy(Generic[T]):
    """A file skipped for `kept`, which has the same UID; `kept_is_synced` when `kept` is
    the file kontakt synced last (the warning says so)."""

    skipped: T
    kept: T
    kept_is_synced: bool

    def why(self, file: Callable[[T], str]) -> str:
        """'the same UID as FILE[, which kontakt syncs] (what to do)', for a warning."""
        synced = ", which kontakt syncs" if self.kept_is_synced else ""
        return (f"the same UID as {file(self.kept)}{synced} "
                "(delete the copy, or give it a UID of its own)")


def one_per_uid(items: Iterable[T], *, uid: Callable[[T], str], file: Callable[[T], str],
                synced_file: Callable[[str], str | None]) -> tuple[dict[str, T], list[Copy[T]]]:
    """The items by UID, one each, and the copies left out (in file name order).

    Of items sharing a UID, the one in `synced_file(uid)` (the file kontakt last synced that
    UID with, or None) is kept; otherwise the first by file name."""
    def not_synced(item: T) -> bool:
        return synced_file(uid(item)) != file(item)

    kept: dict[str, T] = {}
    copies: list[Copy[T]] = []
    for item in sorted(items, key=lambda i: (not_synced(i), file(i))):
        first = kept.get(uid(item))
        if first is None:
            kept[uid(item)] = item
        else:
            copies.append(Copy(item, first, not not_synced(first)))
    copies.sort(key=lambda c: file(c.skipped))
    return kept, copies
