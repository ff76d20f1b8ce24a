"""Undo in the app: the last destructive actions (trash, archive, merge), one `z` away.

How a screen makes its action undoable (the duplicates screen after a merge, say)::

    result = dupes.merge(book, keep_id, other_id, today=today)
    self.app.push_undo(
        f"merge {result.other_name} into {result.kept_name}",
        lambda: dupes.undo_merge(book, result.merge_id, today=today),
        contact_id=result.other_id,
    )

- `label` says what was done, as a phrase that reads after "Undid: " ("move Ada to the
  trash"); it is shown as plain text, so a name like `[bold]x` is safe in it.
- `undo` does the reverse write in one transaction (every Book and services call already
  is one). Raising LookupError (NotFound) or MergeError means "cannot be undone any more"
  (another shell restored or changed it meanwhile): the step is dropped with a calm note.
  A database error (the book busy for longer than the busy timeout) keeps the step so `z`
  can try again.
- `contact_id`, if given, is highlighted in the contact list afterwards when it is shown.
- A screen with its own undo key can take a step back itself: keep `app.undo_stack.peek()`
  right after pushing, and `app.undo_stack.discard(step)` once undone there, so `z` later
  does not try it again.

After an undo the app re-reads the main screen itself and posts `live.BookChanged` to the
other screens in the stack: handle it (`on_book_changed`) to re-read what you show.

The stack lives in the app for the session only: after quitting, `kontakt trash` /
`kontakt restore` (and `kontakt unmerge`) still bring everything back.
"""

from __future__ import annotations

from ..store.driver import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ..services.dupes import MergeError

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
