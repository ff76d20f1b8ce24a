"""Keep a calendar folder (a vdir: one .ics file per object, as vdirsyncer and khal use it)
in step with the book.

kontakt writes follow-ups as to-dos (VTODO with DUE, STATUS and an alarm), birthdays as
yearly all-day events and, if asked, keep-in-touch dates as all-day events. It remembers what
it wrote (m011's table: a hash of what it rendered and of the bytes on disk), so at the next
sync it can tell a change in the book (rewrite the file) from an edit in the folder:

- a to-do ticked off in the folder (STATUS:COMPLETED, say on the phone) marks the follow-up
  done; a recurring one gets its next occurrence, written as a new to-do;
- a to-do's DUE moved later in the folder snoozes the follow-up until then; moved earlier,
  the follow-up is due then (its snooze ends, or its due date moves);
- a to-do cancelled (STATUS:CANCELLED) or deleted in the folder moves an open follow-up to
  kontakt's trash (restorable);
- a due date moved or a to-do cancelled in the folder while the follow-up also changed in
  kontakt since the last sync: kontakt's follow-up wins and is written back, and the report
  says so (a to-do ticked off in the folder wins either way);
- a follow-up done in kontakt stays in the folder as COMPLETED for COMPLETED_KEPT_DAYS days
  (so the phone shows it ticked off), then its file is removed; a follow-up deleted in
  kontakt, or a contact archived or deleted, removes its files;
- birthdays and keep-in-touch dates come from kontakt: edits to them in the folder are
  overwritten and deleted ones are written again.

Files that are not kontakt's (other UIDs) are never read past their first bytes nor touched.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .. import clock
from ..store import Book
from ..store import calendar_state as state
from ..store import review_queries as q
from . import calendar as ical

# Placeholder DTSTAMP for the content hash: a change in the book, not the clock, rewrites a file.
_HASH_STAMP = datetime(2000, 1, 1, tzinfo=timezone.utc)
_OURS = re.compile(rf"^(follow-up|birthday|keep-in-touch)-(.+)@{re.escape(ical.UID_DOMAIN)}$", re.DOTALL)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9@_-][A-Za-z0-9@._-]{0,199}")
_MARK = f"@{ical.UID_DOMAIN}".encode()


class CalendarSyncError(ValueError):
    """The folder cannot be used (missing parent, a file, not writable); one-line message."""


@dataclass
class CalendarSyncReport:
    """What one sync did (or, with dry_run, would do), each entry a short label."""

    folder: str
    dry_run: bool = False
    written: list[str] = field(default_factory=list)    # new files
    updated: list[str] = field(default_factory=list)    # files rewritten from the book
    completed: list[str] = field(default_factory=list)  # follow-ups marked done from the folder
    snoozed: list[str] = field(default_factory=list)    # follow-ups snoozed from the folder
    moved: list[str] = field(default_factory=list)      # follow-ups due earlier, from the folder
    cancelled: list[str] = field(default_factory=list)  # follow-ups cancelled in the folder (trashed)
    trashed: list[str] = field(default_factory=list)    # follow-ups deleted in the folder
    kept: list[str] = field(default_factory=list)       # changed on both sides: kontakt's kept
    removed: list[str] = field(default_factory=list)    # files removed
    problems: list[str] = field(default_factory=list)   # files left alone, and why

    @property
    def changed(self) -> bool:
        return any((self.written, self.updated, self.completed, self.snoozed, self.moved,
                    self.cancelled, self.trashed, self.removed))

    def lines(self, *, limit: int = 20) -> list[str]:
        """A summary line, then one line per change (new and rewritten files beyond `limit`
        are counted, not listed)."""
        would = "would be " if self.dry_run else ""
        counts = [
            (len(self.written), "written"), (len(self.updated), "updated"),
            (len(self.completed), "done from the folder"), (len(self.snoozed), "snoozed from the folder"),
            (len(self.moved), "moved earlier from the folder"),
            (len(self.cancelled) + len(self.trashed), "moved to the trash"), (len(self.removed), "removed"),
        ]
        said = ", ".join(f"{n} {what}" for n, what in counts if n)
        head = f"calendar {self.folder}: " + (f"{said}" if said else "nothing to change")
        if said and self.dry_run:
            head += " (dry run: nothing was changed)"
        out = [head]
        for labels, verb, capped in (
            (self.completed, "done (ticked off in the folder)", False),
            (self.snoozed, "snoozed (moved in the folder)", False),
            (self.moved, "due earlier (moved in the folder)", False),
            (self.cancelled, ("moved to kontakt's trash (cancelled in the folder; kontakt "
                              "restore brings it back)"), False),
            (self.trashed, "moved to kontakt's trash (deleted in the folder)", False),
            (self.kept, "kept as in kontakt (changed in kontakt and in the folder)", False),
            (self.removed, f"{would}removed from the folder", False),
            (self.written, f"{would}written", True),
            (self.updated, f"{would}rewritten", True),
        ):
            shown = labels[:limit] if capped else labels
            out += [f"  {verb}: {label}" for label in shown]
            if len(labels) > len(shown):
                out.append(f"  … and {len(labels) - len(shown)} more {verb}")
        out += [f"  left alone: {problem}" for problem in self.problems]
        return out


@dataclass
class _Found:
    file: str
    data: bytes
    component: Any


@dataclass
class _Wanted:
    uid: str
    kind: str
    ref: str
    label: str
    build: Callable[[datetime], Any]


class _DryRun(Exception):
    """Raised inside the write to roll a dry run back."""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_name(uid: str) -> str:
    """<uid>.ics; a UID that is no safe file name (an imported contact's may hold anything)
    gets a name from its hash, so two such UIDs never share a file."""
    if _PLAIN_NAME.fullmatch(uid):
        return uid + ".ics"
    return f"kontakt-{hashlib.sha256(uid.encode()).hexdigest()[:40]}.ics"


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    day = getattr(value, "dt", value)
    if isinstance(day, datetime):
        return day.astimezone().date() if day.tzinfo else day.date()
    return day if isinstance(day, date) else None


def _is_completed(component: Any) -> bool:
    status = str(component.get("STATUS", "")).upper()
    try:
        percent = int(component.get("PERCENT-COMPLETE", 0))
    except (TypeError, ValueError):
        percent = 0
    return status == "COMPLETED" or component.get("COMPLETED") is not None or percent >= 100


def _is_cancelled(component: Any) -> bool:
    return str(component.get("STATUS", "")).upper() == "CANCELLED"


def _scan(folder: Path, report: CalendarSyncReport, known: Mapping[str, state.SyncedItem]) -> dict[str, _Found]:
    """kontakt's objects in the folder by UID; other files are skipped unparsed. Of two files
    with one UID (a backup copy), the one kontakt synced last (`known`) is the object, the
    other is left alone and named in the report."""
    from icalendar import Calendar

    from .vdir_copies import one_per_uid

    candidates: list[_Found] = []
    if not folder.is_dir():
        return {}
    for path in sorted(folder.glob("*.ics")):
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError as error:
            report.problems.append(f"{path.name}: cannot be read ({error.strerror})")
            continue
        if _MARK not in data:
            continue  # someone else's event: not parsed, never touched
        try:
            parsed = Calendar.from_ical(data)
        except Exception as error:  # icalendar raises ValueError and friends on bad input
            report.problems.append(f"{path.name}: not readable as iCalendar ({str(error)[:80]})")
            continue
        in_file: set[str] = set()
        for component in parsed.walk():
            if component.name not in ("VTODO", "VEVENT"):
                continue
            uid = str(component.get("UID", ""))
            if not _OURS.match(uid) or uid in in_file:
                continue  # kontakt writes one object per file; a second one is not its own
            in_file.add(uid)
            candidates.append(_Found(path.name, data, component))
    found, copies = one_per_uid(
        candidates, uid=lambda f: str(f.component.get("UID")), file=lambda f: f.file,
        synced_file=lambda uid: known[uid].file if uid in known else None)
    report.problems += [f"{c.skipped.file}: {c.why(lambda f: f.file)}" for c in copies]
    return found


def _label_follow_up(row: Mapping[str, Any]) -> str:
    return f"follow-up with {row['name']} due {ical.shown_due(row).isoformat()}"


def _write_file(folder: Path, name: str, data: bytes) -> None:
    """Write atomically: a temp file beside it (a dot name vdirsyncer ignores), then rename."""
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, folder / name)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _render(component: Any) -> bytes:
    calendar = ical.new_calendar()
    calendar.add_component(component)
    return calendar.to_ical()


def sync_calendar_dir(
    book: Book,
    path: Path | str,
    *,
    dry_run: bool = False,
    keep_in_touch: bool | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> CalendarSyncReport:
    """Bring the calendar folder at `path` and the book in step; returns what changed.

    `keep_in_touch` adds keep-in-touch dates (default: `[calendar] keep_in_touch` in
    config.toml, else off). With `dry_run` nothing is written to the book or the folder.
    Raises CalendarSyncError when the folder cannot be used, ConfigError for a bad config.
    """
    folder = Path(path).expanduser().resolve()  # one memory per folder, however it is reached
    if folder.exists() and not folder.is_dir():
        raise CalendarSyncError(f"{path} is not a folder; give the calendar's folder (a vdir)")
    if not folder.exists() and not folder.parent.is_dir():
        raise CalendarSyncError(f"cannot use {path}: the folder {folder.parent} does not exist")
    if keep_in_touch is None:
        from ..config import load_config

        keep_in_touch = load_config().calendar_keep_in_touch
    today = today or clock.today()
    stamp = (now or clock.now()).astimezone(timezone.utc)
    key = str(folder)
    report = CalendarSyncReport(folder=str(path), dry_run=dry_run)
    known = state.synced_items(book, key)
    found = _scan(folder, report, known)
    wiped = bool(known) and not found
    if wiped:
        # Not one of kontakt's files left: a wiped or replaced folder, not every to-do deleted
        # on the phone. Start afresh rather than move every open follow-up to the trash.
        report.problems.append(
            f"none of the {len(known)} files kontakt wrote are there any more: written anew, "
            "nothing taken as deleted"
        )
        known = {}

    # 1. What the folder says about open follow-ups: ticked off, moved, deleted.
    open_rows = {r["uid"]: r for r in state.follow_up_rows(book, done_since=today) if r["status"] == "open"}
    actions: list[tuple[str, str, int, Any, str]] = []
    for uid in sorted(set(found) | set(known)):
        match = _OURS.match(uid)
        row = open_rows.get(match.group(2)) if match and match.group(1) == "follow-up" else None
        if row is None:
            continue
        label = _label_follow_up(row)
        item, was = found.get(uid), known.get(uid)
        if item is None:
            if was is not None:  # kontakt wrote it, and it was deleted in the folder
                actions.append(("trash", uid, row["id"], None, label))
            continue
        if was is not None and _sha(item.data) == was.file_hash:
            continue  # unchanged in the folder since kontakt wrote it
        # Changed in the book too since kontakt wrote the file? Then the folder's due date and
        # status are not known to be the only change: kontakt's follow-up wins (a tick wins
        # anyway: whatever changed in kontakt, the phone says it is done).
        book_changed = was is None or was.content_hash != _sha(_render(ical.follow_up_todo(row, _HASH_STAMP)))
        if _is_cancelled(item.component):
            if book_changed:
                report.kept.append(f"{label} (cancelled in the folder)")
            else:
                actions.append(("cancel", uid, row["id"], None, label))
            continue
        if _is_completed(item.component):
            day = _as_date(item.component.get("COMPLETED")) or today
            actions.append(("done", uid, row["id"], min(day, today), label))
            continue
        moved = _as_date(item.component.get("DUE"))
        if moved is None or moved == ical.shown_due(row):
            continue
        if book_changed:
            report.kept.append(f"{label} (moved to {moved.isoformat()} in the folder)")
        elif moved > ical.shown_due(row):
            actions.append(("snooze", uid, row["id"], moved, f"{label}, now {moved.isoformat()}"))
        else:
            actions.append(("move", uid, row["id"], moved, f"{label}, now {moved.isoformat()}"))

    wanted_changes = bool(actions)
    label = None
    if wanted_changes:
        done = sum(1 for a in actions if a[0] == "done")
        label = f"calendar sync: {done} follow-up(s) done from the folder" if done else "calendar sync"
    try:
        with book.write(label=label, record=wanted_changes):
            _apply(book, actions, today, report)
            if wiped:
                state.forget_folder(book, key)
            handled = {a[1] for a in actions}
            _write_folder(book, folder, key, found, known, keep_in_touch, today, stamp, report,
                          dry_run, handled)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _apply(book: Book, actions: list[tuple[str, str, int, Any, str]], today: date,
           report: CalendarSyncReport) -> None:
    from ..store.records import edit_follow_up, trash_follow_up
    from ..store.review_queries import set_follow_up_snooze

    for what, _uid, follow_up_id, value, label in actions:
        if what == "done":
            book.complete_follow_up(follow_up_id, on=value)
            report.completed.append(label)
        elif what == "snooze":
            book.snooze_follow_up(follow_up_id, until=value)
            report.snoozed.append(label)
        elif what == "move":
            current = book.get_follow_up(follow_up_id)
            if value > current.due:
                set_follow_up_snooze(book, follow_up_id, value)  # a shorter snooze
            else:
                edit_follow_up(book, follow_up_id, due=value)  # due earlier; the snooze ends
            report.moved.append(label)
        elif what == "cancel":
            trash_follow_up(book, follow_up_id)
            report.cancelled.append(label)
        else:
            trash_follow_up(book, follow_up_id)
            report.trashed.append(label)


def _wanted(book: Book, found: dict[str, _Found], known: dict[str, state.SyncedItem],
            keep_in_touch: bool, today: date) -> dict[str, _Wanted]:
    """Every object the folder should hold now, by UID."""
    in_folder = {m.group(2) for uid in set(found) | set(known)
                 if (m := _OURS.match(uid)) and m.group(1) == "follow-up"}
    since = today - timedelta(days=ical.COMPLETED_KEPT_DAYS)
    wanted: dict[str, _Wanted] = {}

    def add(uid: str, kind: str, ref: str, label: str, build: Callable[[datetime], Any]) -> None:
        wanted[uid] = _Wanted(uid, kind, ref, label, build)

    # A follow-up done in kontakt stays (COMPLETED) only where a to-do for it already is.
    for row in state.follow_up_rows(book, done_since=since, done_uids=in_folder):
        add(ical.follow_up_uid(row["uid"]), "follow-up", row["uid"], _label_follow_up(row),
            lambda stamp, row=row: ical.follow_up_todo(row, stamp))
    _, due, birthdays = q.calendar_rows(book)
    for row in birthdays:
        add(ical.birthday_uid(row["uid"]), "birthday", row["uid"], f"birthday of {row['name']}",
            lambda stamp, row=row: ical.birthday_event(row, stamp))
    if keep_in_touch:
        for row in due:
            add(ical.keep_in_touch_uid(row["uid"]), "keep-in-touch", row["uid"],
                f"get in touch with {row['name']} ({row['next_due']})",
                lambda stamp, row=row: ical.keep_in_touch_event(row, stamp))
    return wanted


def _write_folder(book: Book, folder: Path, key: str, found: dict[str, _Found],
                  known: dict[str, state.SyncedItem], keep_in_touch: bool, today: date,
                  stamp: datetime, report: CalendarSyncReport, dry_run: bool,
                  handled: set[str]) -> None:
    """Write what changed in the book, remove what is no longer there, and remember both;
    `handled` are to-dos already reported as ticked off or moved."""
    wanted = _wanted(book, found, known, keep_in_touch, today)
    deleted_here = {uid for uid in known if uid not in found}
    at = stamp.isoformat(timespec="seconds")
    if not dry_run:
        folder.mkdir(mode=0o700, exist_ok=True)
    for uid, item in wanted.items():
        content_hash = _sha(_render(item.build(_HASH_STAMP)))
        present, was = found.get(uid), known.get(uid)
        if (present is not None and was is not None and _sha(present.data) == was.file_hash
                and was.content_hash == content_hash):
            continue  # nobody changed it
        if present is None and was is not None and item.kind == "follow-up":
            # Deleted in the folder: an open one went to the trash above; a done one stays gone.
            state.forget(book, key, uid)
            continue
        data = _render(item.build(stamp))
        name = present.file if present is not None else _file_name(uid)
        if not dry_run:
            _write_file(folder, name, data)
        state.remember(book, key, state.SyncedItem(uid, name, item.kind, item.ref, content_hash, _sha(data)), at=at)
        label = item.label + (" (deleted in the folder; it comes from kontakt)" if uid in deleted_here else "")
        if present is None:
            report.written.append(label)
        elif uid not in handled:
            report.updated.append(label)
    for uid in sorted(set(found) | set(known)):
        if uid in wanted:
            continue
        present = found.get(uid)
        if present is not None:
            if not dry_run:
                (folder / present.file).unlink(missing_ok=True)
            report.removed.append(_describe(uid, present))
        state.forget(book, key, uid)


def _describe(uid: str, found: _Found) -> str:
    summary = str(found.component.get("SUMMARY", "")).strip()
    return f"{summary or uid} ({found.file})"
