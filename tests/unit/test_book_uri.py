"""The file: URI a book is opened by (store/db.py `_uri`, built without pathlib so the quick
paths need not import it) is the one `Path(path).resolve().as_uri()` writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kontakt.store.db import _uri

NAMES = ["book.db", "a b.db", "x%41y.db", "q?mode=rw#frag.db", "Jürgen ü王.db", "a//b/../c.db",
         "~tilde.db", "semi;colon&amp.db", os.fsdecode(b"not-utf8-\xff.db"), "link.db"]


@pytest.mark.parametrize("name", NAMES)
def test_the_uri_is_pathlibs(tmp_path, name, monkeypatch):
    (tmp_path / "real.db").write_bytes(b"")
    (tmp_path / "link.db").symlink_to(tmp_path / "real.db")
    monkeypatch.chdir(tmp_path)
    for path in (str(tmp_path / name), name, Path(name)):
        expected = Path(path).resolve().as_uri() + "?mode=ro"
        assert _uri(path, "ro") == expected
    assert _uri("link.db", "rw").endswith("/real.db?mode=rw")  # resolved, as pathlib does
