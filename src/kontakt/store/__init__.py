"""The store: the only code that touches SQLite.

Names are loaded on first use (PEP 562): `from kontakt.store.driver import sqlite3` must
not import the whole store (the mail client's lookup path counts milliseconds).
"""

from __future__ import annotations

# typing costs ~1.5 ms at start-up; the quick paths (kontakt.quick) import this module.
TYPE_CHECKING = False

from ..lazy import lazy_exports

_MODULE_OF = {
    "AmbiguousRef": "book", "Book": "book", "BookCounts": "book", "NotFound": "book",
    "BookError": "db", "ReadOnlyBook": "db", "LATEST_VERSION": "migrations",
}

# Literal, so tools see what is exported (tests/unit/test_lazy_packages.py keeps it whole).
__all__ = [
    "AmbiguousRef", "Book", "BookCounts", "BookError", "LATEST_VERSION", "NotFound",
    "ReadOnlyBook",
]


__getattr__, __dir__ = lazy_exports(__name__, _MODULE_OF, globals())


if TYPE_CHECKING:
    from .book import AmbiguousRef, Book, BookCounts, NotFound
    from .db import BookError, ReadOnlyBook
    from .migrations import LATEST_VERSION
