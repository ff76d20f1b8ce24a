"""`kontakt doctor`: is the book healthy, and repair what can be repaired safely.

Each check gives ok, warn (worth knowing, not broken), fail (needs attention) or fixed.
Nothing here deletes user text: repairs are rebuilding the search index, recreating its
triggers, dropping dangling link rows, tightening file modes, migrating, taking a backup.
"""

from __future__ import annotations

import os
import re
from .driver import sqlite3
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .backup import (
    DISABLE_ENV,
    LAST_DAY_SETTING,
    backup_dir,
    daily_path,
    rotate,
    snapshot,
    snapshots,
)
from .backup import today as backup_today
from .db import BookError, is_encrypted, is_writable, migrate, open_checked, transaction
from .migrations import FTS_COLUMNS, FTS_COLUMNS_V1, LATEST_VERSION, REF_INDEX, REF_INDEX_TABLE, REF_INDEX_TRIGGERS, REF_INDEX_VIEW

# SQLite 3.7.0–3.51.2 can corrupt a WAL database when two connections write and checkpoint
# at the same moment ("WAL-reset bug"); fixed in 3.51.3.
SAFE_SQLITE = (3, 51, 3)
# Normally the newest backup is at most a day older than the last change (it is taken
# before the day's first write); a wider gap means automatic backups are not happening.
STALE_BACKUP_DAYS = 2
# Rows in these tables only link two things; one whose other end is gone carries no text.
LINK_TABLES = ("memberships", "interaction_contacts")
FTS_TRIGGERS = ("contacts_ai", "contacts_ad", "contacts_au")


@dataclass
class Check:
    name: str
    status: str  # ok, warn, fail, fixed
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "message": self.message}


@dataclass
class Report:
    path: Path
    checks: list[Check] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not any(c.status == "fail" for c in self.checks)

    def add(self, name: str, status: str, message: str) -> None:
        self.checks.append(Check(name, status, message))

    def as_dict(self) -> dict[str, object]:
        return {
            "book": str(self.path),
            "healthy": self.healthy,
            "checks": [c.as_dict() for c in self.checks],
        }


def sqlite_version_check(report: Report, version: tuple[int, int, int] | None = None) -> None:
    version = version or sqlite3.sqlite_version_info
    shown = ".".join(map(str, version))
    if tuple(version) >= SAFE_SQLITE:
        report.add("sqlite", "ok", f"SQLite {shown} (bundled with sqlcipher3)")
        return
    report.add(
        "sqlite", "warn",
        f"SQLite {shown} has the WAL-reset bug (fixed in 3.51.3): two programs writing the "
        "book at the same moment can, rarely, damage it; daily backups cover you — update "
        "Python (or its SQLite) when you can",
    )


def diagnose(path: Path, *, fix: bool = False, quick: bool = False) -> Report:
    """Check the book at `path`; with `fix`, repair what is safe. Never raises for a bad file."""
    path = Path(path).expanduser()
    report = Report(path)
    sqlite_version_check(report)
    try:
        # Read-only books are checked too (nothing is fixed in them).
        conn, version = open_checked(path, create=False, writable=False, allow_newer=True)
    except BookError as error:
        report.add("book", "fail", str(error))
        return report
    if version > LATEST_VERSION:
        conn.close()
        report.add(
            "schema", "fail",
            f"written by a newer kontakt (schema {version}; this one knows {LATEST_VERSION}); "
            "upgrade kontakt — the file was not touched",
        )
        return report
    if not is_writable(path):
        # The mode bits say "do not change this": check it, fix nothing, leave the bits.
        report.add("book", "warn", f"{path} is read-only: kontakt can read and export it, not change it")
        fix = False
    try:
        _encryption(report, conn, path)
        _run_checks(report, conn, path, version, fix=fix, quick=quick)
    except sqlite3.OperationalError as error:  # locked, I/O error, …: the file may be fine
        report.add("book", "fail", f"a check could not run: {error}")
    except sqlite3.DatabaseError as error:
        report.add("integrity", "fail", f"the book cannot be read: {error}{_restore_hint(path)}")
    finally:
        conn.close()
    if is_writable(path):
        _permissions(report, path, fix=fix)
    _leftovers(report, path, fix=fix)
    return report


# Temporary files kontakt writes next to their target and renames when complete; a killed
# export, backup or restore leaves one behind: `.NAME.PID[-N].part|.tmp`, `.restore-PID-HEX.db`.
_PARTIAL = re.compile(
    r"^\.(?:.+\.(?P<pid>\d+)(?:-\d+)?\.(?:part|tmp)|restore-(?P<rpid>\d+)-[0-9a-f]+\.db)"
    r"(?:-wal|-shm|-journal)?$"
)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def leftover_partials(path: Path) -> list[Path]:
    """Partial files of interrupted exports, backups and restores beside the book and in its
    backups/ folder, whose process is gone (a running one is still writing them)."""
    found = []
    for directory in (path.parent, backup_dir(path)):
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            match = _PARTIAL.match(entry.name)
            if match and entry.is_file():
                pid = int(match.group("pid") or match.group("rpid"))
                if pid != os.getpid() and not _pid_alive(pid):
                    found.append(entry)
    return sorted(found)


def _leftovers(report: Report, path: Path, *, fix: bool) -> None:
    partials = leftover_partials(path)
    if not partials:
        report.add("leftovers", "ok", "no partial files of interrupted exports or backups")
        return
    names = ", ".join(p.name for p in partials[:3]) + (" …" if len(partials) > 3 else "")
    if fix:
        for partial in partials:
            partial.unlink(missing_ok=True)
        report.add("leftovers", "fixed", f"removed {len(partials)} partial file(s): {names}")
        return
    report.add(
        "leftovers", "warn",
        f"{len(partials)} partial file(s) of interrupted exports or backups: {names} "
        "(--fix removes them)",
    )


def _run_checks(
    report: Report, conn: sqlite3.Connection, path: Path, version: int, *, fix: bool, quick: bool
) -> None:
    if version < LATEST_VERSION:
        if fix:
            saved = migrate(conn, path)
            where = f" (the old one is saved as {saved.name})" if saved else ""
            report.add("schema", "fixed", f"upgraded from schema {version} to {LATEST_VERSION}{where}")
        else:
            report.add(
                "schema", "warn",
                f"schema {version}, this kontakt uses {LATEST_VERSION}: upgraded (with a backup) "
                "the next time the book is used",
            )
            _integrity(report, conn, path, quick=quick)
            return
    else:
        report.add("schema", "ok", f"schema {version}")
    if not _integrity(report, conn, path, quick=quick):
        return
    _foreign_keys(report, conn, fix=fix)
    _search_index(report, conn, fix=fix)
    _ref_index(report, conn, fix=fix)
    _cadence_circles(report, conn, fix=fix)
    _backups(report, conn, path, fix=fix)


def _encryption(report: Report, conn: sqlite3.Connection, path: Path) -> None:
    """Whether the book is encrypted, and (if it is) whether a backup of it is not."""
    from .crypto import derived_files

    if not is_encrypted(conn):
        report.add("encryption", "ok", "not encrypted (kontakt encrypt protects it with a passphrase)")
        return
    plain = []
    for file in derived_files(path):
        with file.open("rb") as handle:  # a backup, never open in this process
            if handle.read(16) == b"SQLite format 3\x00":
                plain.append(file.name)
    if plain:
        report.add(
            "encryption", "warn",
            f"encrypted, but {len(plain)} backup(s) are plain files anyone can read: "
            f"{', '.join(plain[:3])} (kontakt encrypt encrypts them)",
        )
        return
    report.add("encryption", "ok", "encrypted (SQLCipher, AES-256); its backups are too")


def _restore_hint(path: Path) -> str:
    good = [s for s in snapshots(path)]
    if not good:
        return ""
    return f"; newest backup: kontakt restore-backup {good[0].path}"


def _integrity(report: Report, conn: sqlite3.Connection, path: Path, *, quick: bool) -> bool:
    pragma = "quick_check" if quick else "integrity_check"
    rows = [str(row[0]) for row in conn.execute(f"PRAGMA {pragma}").fetchall()]
    if rows == ["ok"]:
        report.add("integrity", "ok", f"{pragma}: ok")
        return True
    problems = "; ".join(rows[:3]) + (f" (and {len(rows) - 3} more)" if len(rows) > 3 else "")
    report.add("integrity", "fail", f"{pragma}: {problems}{_restore_hint(path)}")
    return False


def _foreign_keys(report: Report, conn: sqlite3.Connection, *, fix: bool) -> None:
    rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    if not rows:
        report.add("foreign keys", "ok", "every link points at something")
        return
    dangling: dict[str, int] = {}
    for table, _rowid, _parent, _fkid in rows:
        dangling[table] = dangling.get(table, 0) + 1
    if fix and set(dangling) & set(LINK_TABLES):
        # The link tables are WITHOUT ROWID (foreign_key_check gives no rowid): match by parent.
        with transaction(conn):
            removed = conn.execute(
                "DELETE FROM memberships WHERE contact_id NOT IN (SELECT id FROM contacts) "
                "OR circle NOT IN (SELECT name FROM circles)"
            ).rowcount
            removed += conn.execute(
                "DELETE FROM interaction_contacts WHERE contact_id NOT IN (SELECT id FROM contacts) "
                "OR interaction_id NOT IN (SELECT id FROM interactions)"
            ).rowcount
        rest = {t: n for t, n in dangling.items() if t not in LINK_TABLES}
        if not rest:
            report.add("foreign keys", "fixed", f"removed {removed} dangling link rows")
            return
        dangling = rest
    summary = ", ".join(f"{n} in {table}" for table, n in sorted(dangling.items()))
    advice = "" if fix else " (--fix removes dangling links between tables)"
    if fix:
        advice = "; rows holding text are left for you: restore a backup or ask for help"
    report.add("foreign keys", "fail", f"rows point at missing records: {summary}{advice}")


def _create_triggers(conn: sqlite3.Connection) -> None:
    columns = ", ".join(FTS_COLUMNS)
    old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    delete = f"INSERT INTO contacts_fts (contacts_fts, rowid, {columns}) VALUES ('delete', old.rowid, {old});"
    insert = f"INSERT INTO contacts_fts (rowid, {columns}) VALUES (new.rowid, {new});"
    # The same triggers as migration m001 makes (table.transform() is known to drop them).
    conn.execute(f"CREATE TRIGGER IF NOT EXISTS contacts_ai AFTER INSERT ON contacts BEGIN {insert} END")
    conn.execute(f"CREATE TRIGGER IF NOT EXISTS contacts_ad AFTER DELETE ON contacts BEGIN {delete} END")
    watched = ", ".join(c for c in FTS_COLUMNS if c in FTS_COLUMNS_V1)  # stored columns only
    conn.execute(
        f"CREATE TRIGGER IF NOT EXISTS contacts_au AFTER UPDATE OF {watched} ON contacts "
        f"BEGIN {delete} {insert} END"
    )


def _fts_consistent(conn: sqlite3.Connection) -> str | None:
    """None when the search index matches the contacts, else SQLite's complaint."""
    try:
        # rank = 1 also compares the index with the contacts table (external content).
        conn.execute("INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as error:
        return str(error)
    return None


def _search_index(report: Report, conn: sqlite3.Connection, *, fix: bool) -> None:
    present = {
        row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'contacts'"
        )
    }
    missing = [t for t in FTS_TRIGGERS if t not in present]
    problem = _fts_consistent(conn)
    if not missing and problem is None:
        report.add("search index", "ok", "matches the contacts")
        return
    what = []
    if missing:
        what.append(f"triggers missing ({', '.join(missing)}): new edits are not searchable")
    if problem is not None:
        what.append(f"index out of step with the contacts ({problem})")
    if not fix:
        report.add("search index", "fail", "; ".join(what) + " (--fix rebuilds it)")
        return
    with transaction(conn):
        _create_triggers(conn)
        conn.execute("INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild')")
    if _fts_consistent(conn) is None:
        report.add("search index", "fixed", "rebuilt: " + "; ".join(what))
    else:
        report.add("search index", "fail", "rebuilt, but still inconsistent: " + "; ".join(what))


def _ref_index_problem(conn: sqlite3.Connection) -> str | None:
    """None when the REF index (m017) is there and matches the contacts, else what is wrong."""
    present = {
        row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'contacts'"
        )
    }
    missing = [name for name in REF_INDEX_TRIGGERS if name not in present]
    what = []
    if missing:
        what.append(f"triggers missing ({', '.join(missing)}): new names are not found by REF")
    try:
        conn.execute(f"INSERT INTO {REF_INDEX} ({REF_INDEX}, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as error:
        what.append(f"index out of step with the contacts ({error})")
    return "; ".join(what) or None


def _ref_index(report: Report, conn: sqlite3.Connection, *, fix: bool) -> None:
    """The trigram index behind REF lookups: triggers there, index in step with the contacts."""
    problem = _ref_index_problem(conn)
    if problem is None:
        report.add("ref index", "ok", "matches the contacts")
        return
    if not fix:
        report.add("ref index", "fail", problem + " (--fix rebuilds it)")
        return
    with transaction(conn):
        conn.execute(REF_INDEX_VIEW)
        conn.execute(REF_INDEX_TABLE)
        for trigger in REF_INDEX_TRIGGERS.values():
            conn.execute(trigger)
        conn.execute(f"INSERT INTO {REF_INDEX} ({REF_INDEX}) VALUES ('rebuild')")
    if _ref_index_problem(conn) is None:
        report.add("ref index", "fixed", "rebuilt: " + problem)
    else:
        report.add("ref index", "fail", "rebuilt, but still inconsistent: " + problem)


def _cadence_circles(report: Report, conn: sqlite3.Connection, *, fix: bool) -> None:
    """Each person's stored applying circle (m019, what today's circle prompts count) is the
    one the memberships and the circles' cadences give (store/cadence_circles.py)."""
    from . import cadence_circles

    wrong = cadence_circles.stale(conn)
    if not wrong:
        report.add("cadence circles", "ok", "every person's applying circle matches their circles")
        return
    people = f"{len(wrong)} {'person' if len(wrong) == 1 else 'people'}"
    contact_id, stored, computed = wrong[0]
    example = (f"#{contact_id} has {'#' + stored if stored else 'none'}, "
               f"should have {'#' + computed if computed else 'none'}")
    if not fix:
        report.add("cadence circles", "fail",
                   f"{people} counted for the wrong circle in today's prompts ({example}; "
                   "--fix recomputes it)")
        return
    with transaction(conn):
        cadence_circles.refresh(conn)
    if cadence_circles.stale(conn):
        report.add("cadence circles", "fail", f"recomputed, but still out of step: {people}")
    else:
        report.add("cadence circles", "fixed", f"recomputed the applying circle of {people} ({example})")


def _backups(report: Report, conn: sqlite3.Connection, path: Path, *, fix: bool) -> None:
    found = snapshots(path)
    empty = conn.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM contacts) AND NOT EXISTS (SELECT 1 FROM interactions)"
    ).fetchone()[0]
    disabled = os.environ.get(DISABLE_ENV, "").strip().lower() in ("1", "true", "yes", "on")
    note = f" ({DISABLE_ENV} is set: automatic backups are off)" if disabled else ""
    last_change = max(
        (p.stat().st_mtime for p in (path, Path(f"{path}-wal")) if p.exists()), default=0.0
    )
    newest = found[0] if found else None
    if empty and newest is None:
        report.add("backups", "ok", "none yet: the book is empty")
        return
    if newest is not None:
        gap_days = (last_change - newest.taken.timestamp()) / 86400
        age = _age(newest.taken)
        if gap_days <= STALE_BACKUP_DAYS:
            report.add("backups", "ok", f"newest {age} old: {newest.path.name} ({len(found)} kept)")
            return
        problem = f"the newest backup is {age} old and the book changed since{note}"
    else:
        problem = f"no backup of this book in {backup_dir(path)}{note}"
    if not fix:
        report.add("backups", "warn", problem + " (--fix takes one now)")
        return
    day = backup_today()
    target = daily_path(path, day)
    target.parent.mkdir(mode=0o700, exist_ok=True)
    snapshot(conn, target)
    rotate(path)
    with transaction(conn):
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (LAST_DAY_SETTING, day.isoformat()),
        )
    report.add("backups", "fixed", f"{problem}; took {target.name}")


def _age(when: datetime) -> str:
    seconds = max(0.0, (datetime.now() - when).total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def _permissions(report: Report, path: Path, *, fix: bool) -> None:
    wanted: list[tuple[Path, int]] = [
        (p, 0o600) for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    ]
    directory = backup_dir(path)
    if directory.is_dir():
        wanted.append((directory, 0o700))
        wanted += [(s.path, 0o600) for s in snapshots(path)]
    loose = []
    for item, mode in wanted:
        try:
            current = stat.S_IMODE(item.stat().st_mode)
        except FileNotFoundError:  # -shm comes and goes with connections
            continue
        if current & 0o077:
            loose.append((item, mode, current))
    if not loose:
        report.add("permissions", "ok", "book and backups readable by you only")
        return
    shown = ", ".join(f"{item.name} is {current:o}" for item, _, current in loose[:4])
    if not fix:
        report.add("permissions", "fail", f"others can read your book: {shown} (--fix makes them private)")
        return
    for item, mode, _ in loose:
        os.chmod(item, mode)
    report.add("permissions", "fixed", f"made private: {shown}")


__all__ = ["Check", "Report", "diagnose", "sqlite_version_check"]
