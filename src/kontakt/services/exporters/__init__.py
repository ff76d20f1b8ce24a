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


@contextmanager
def atomic_output(path: Path, *, bom: bool = False) -> Iterator[TextIO]:
    """A text file at `path` that appears whole or not at all (never half-written)."""
    path = Path(path).expanduser()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
