"""The store: the only code that touches SQLite.

Names are loaded on first use (PEP 562): `from kontakt.store.driver import sqlite3` must
not import the whole store (the mail client's lookup path counts milliseconds).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_MODULE_OF = {
    "AmbiguousRef": "book", "Book": "book", "BookCounts": "book", "NotFound": "book",
    "BookError": "db", "ReadOnlyBook": "db", "LATEST_VERSION": "migrations",
}

# Literal, so tools see what is exported (tests/unit/test_lazy_packages.py keeps it whole).
__all__ = [
    "AmbiguousRef", "Book", "BookCounts", "BookError", "LATEST_VERSION", "NotFound",
    "ReadOnlyBook",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from .book import AmbiguousRef, Book, BookCounts, NotFound
    from .db import BookError, ReadOnlyBook
    from .migrations import LATEST_VERSION
