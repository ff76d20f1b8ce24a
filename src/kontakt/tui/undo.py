"""Undo in the app: `z` takes back the newest change to the book, whatever made it.

Every write is recorded in the book's undo history (`kontakt.store.history`): an edit, a
log, a favour, a review action, an accepted cadence, a delete, an archive, a merge. `z`
undoes the newest step made since the app opened (steps of another kontakt writing to the
same book meanwhile included: undo goes strictly newest first, so it never reverses a
change a later one built on). Older steps: `kontakt undo`.

A screen names the step it just made, for the toast, and says whom to highlight after::

    result = dupes.merge(book, keep_id, other_id, today=today)
    self.app.push_undo(f"merge {result.other_name} into {result.kept_name}",
                       lambda: dupes.undo_merge(book, result.merge_id, today=today),
                       contact_id=result.other_id)

- `label` says what was done, as a phrase that reads after "Undid: " ("move Ada to the
  trash"); it is shown as plain text. Unnamed steps are described from what they changed
  ("edit Ada Lovelace").
- The `undo` callable is only used when the action left no step in the history (it wrote
  nothing the history records): then it goes on the `UndoStack` below, ordered in time
  with the history. Raising LookupError (NotFound) or MergeError there means "cannot be
  undone any more"; a database error keeps the step so `z` can try again.
- `contact_id`, if given, is highlighted in the contact list afterwards when it is shown.
- `push_undo` returns the history step's id (or the UndoStep): a screen with its own undo
  key (Today) undoes exactly that step with `app.undo_history_step(id)`.

After an undo the app re-reads the main screen itself and posts `live.BookChanged` to the
other screens in the stack: handle it (`on_book_changed`) to re-read what you show.
"""

from __future__ import annotations

from ..store.driver import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ..store.values import MergeError

# Enough for a burst of mistakes; older steps fall off the bottom.
UNDO_LIMIT = 50

# Errors meaning the step can no longer be undone: drop it, say why.
GONE = (LookupError, MergeError)
# Errors worth another try (the book was busy): keep the step.
RETRY = (sqlite3.Error, OSError)


@dataclass(frozen=True)
class UndoStep:
    """One action that `z` can take back."""

    label: str
    undo: Callable[[], object]
    contact_id: int | None = None
    # The newest history step when it was pushed: `z` takes history steps newer than this first.
    after: int = 0


class UndoStack:
    """The last `limit` undoable steps, newest on top."""

    def __init__(self, limit: int = UNDO_LIMIT) -> None:
        self.limit = limit
        self._steps: list[UndoStep] = []

    def push(self, step: UndoStep) -> None:
        self._steps.append(step)
        del self._steps[: -self.limit]

    def pop(self) -> UndoStep | None:
        """The newest step, removed from the stack; None when there is nothing to undo."""
        return self._steps.pop() if self._steps else None

    def peek(self) -> UndoStep | None:
        return self._steps[-1] if self._steps else None

    def discard(self, step: UndoStep) -> bool:
        """Forget `step` wherever it sits (a screen undid it with its own key); True if it was there."""
        for index in range(len(self._steps) - 1, -1, -1):
            if self._steps[index] is step:
                del self._steps[index]
                return True
        return False

    def __len__(self) -> int:
        return len(self._steps)

    def labels(self) -> list[str]:
        """What can be undone, newest first (for tests and the palette)."""
        return [step.label for step in reversed(self._steps)]


__all__ = ["GONE", "RETRY", "UNDO_LIMIT", "UndoStack", "UndoStep"]
