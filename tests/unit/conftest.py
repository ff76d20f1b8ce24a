"""The fresh, empty book most unit tests start from (a module may define its own `book`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontakt.store import Book


@pytest.fixture
def book(tmp_path: Path):
    with Book.open(tmp_path / "kontakt.db") as opened:
        yield opened
