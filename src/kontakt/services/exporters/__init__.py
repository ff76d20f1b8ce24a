"""Exporting the book: CSV (safe to open in a spreadsheet), vCard 4.0/3.0, and JSON.

Every exporter streams from the store, so a 100k-contact book exports in flat memory.
`atomic_output` writes a file privately (0600) and moves it into place only when complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ...store.db import BookError, is_open_book_file, unique_path


@contextmanager
def atomic_output(path: Path, *, bom: bool = False) -> Iterator[TextIO]:
    """A text file at `path` that appears whole or not at all (never half-written).

    Raises BookError for the path of a book open in this process (or its -wal/-shm):
    renaming a file over a live book would lose it. A leftover temporary file of a killed
    export is named `.NAME.PID[-N].part`; `kontakt doctor --fix` removes those beside the book.
    """
    path = Path(path).expanduser()
    if is_open_book_file(path):
        raise BookError(f"{path} is the book itself; choose another file to export to")
    temporary = unique_path(path.parent, f".{path.name}.{os.getpid()}", ".part")
    try:
        with open(temporary, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
