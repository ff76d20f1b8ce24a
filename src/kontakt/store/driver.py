"""The SQLite kontakt runs on: the one bundled with sqlcipher3, never Python's own.

Python's sqlite3 links the system SQLite (3.40 on Debian 12), which has the WAL-reset bug
fixed in 3.51.3. sqlcipher3 is a DB-API 2 twin of the sqlite3 module that bundles a current
SQLite (3.53 in SQLCipher 4.19) with FTS5, JSON and the backup API, and opens the way to
encryption at rest. Every module that touches a book imports `sqlite3` from here, so one
process never links two SQLite libraries whose file locks would not know about each other.
"""

from __future__ import annotations

try:
    from sqlcipher3 import dbapi2 as sqlite3
except ImportError:  # pragma: no cover - the package is a hard dependency
    raise SystemExit(
        "kontakt: the sqlcipher3 package is missing (kontakt needs its bundled SQLite; "
        "Python's own has a WAL bug that can corrupt a shared book). "
        "Reinstall kontakt: pip install --force-reinstall kontakt"
    ) from None

__all__ = ["sqlite3"]
