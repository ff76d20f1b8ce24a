"""The store: the only code that touches SQLite."""

from .book import AmbiguousRef, Book, BookCounts, NotFound
from .db import BookError, ReadOnlyBook
from .migrations import LATEST_VERSION

__all__ = ["AmbiguousRef", "Book", "BookCounts", "BookError", "LATEST_VERSION", "NotFound", "ReadOnlyBook"]
