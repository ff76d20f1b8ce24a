"""Capture: interactions proposed from the user's own calendar files and mail, on this machine.

Nothing is sent anywhere and nothing is logged without the user's say: a scan stores
*proposals* (store/capture.py) that wait in an inbox until accepted (then they are ordinary,
undoable interactions) or ignored (then they never come back).

    scan_calendar(book, [path], ...)  past events whose people are contacts
    scan_mail(book, [path], ...)      mail to and from contacts, headers only
    sources()                          [capture] calendar/mail/me from the config file
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from ...config import ConfigError, config_table
from ...store import capture as store
from .calendar import CalendarError, CalendarScan, scan_calendars
from . import notmuch
from .mail import MailError, MailReader, MailScan, is_maildir, read_source
from .matching import ContactIndex, matches_rule, sender_rule_matches

__all__ = [
    "CalendarError", "CalendarScan", "CaptureSources", "MailError", "MailScan", "ScanResult",
    "apply_rules", "default_since", "scan_calendar", "scan_mail", "sources",
]

# How far back a scan looks unless told (--since): a year of meetings and mail.
DEFAULT_DAYS = 365


def default_since(today: date) -> date:
    return today - timedelta(days=DEFAULT_DAYS)


@dataclass(frozen=True)
class CaptureSources:
    """[capture] in config.toml: calendar = [...], mail = [...], me = [...], keep_subjects."""

    calendar: tuple[Path, ...] = ()
    mail: tuple[Path, ...] = ()
    me: tuple[str, ...] = ()
    keep_subjects: bool = False


def sources(path: Path | None = None) -> CaptureSources:
    """The [capture] table of the config file (empty when there is none); ConfigError names
    the file and key for a value of the wrong kind."""
    table, path = config_table("capture", path)

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f'{path}: capture.{key} must be a list of strings, like ["~/x"]')
        return tuple(value)

    keep = table.get("keep_subjects", False)
    if not isinstance(keep, bool):
        raise ConfigError(f"{path}: capture.keep_subjects must be true or false, not {keep!r}")
    return CaptureSources(
        calendar=tuple(Path(os.path.expandvars(p)).expanduser() for p in strings("calendar")),
        mail=tuple(Path(os.path.expandvars(p)).expanduser() for p in strings("mail")),
        me=strings("me"),
        keep_subjects=keep,
    )


@dataclass
class ScanResult:
    """A scan's outcome: what it saw (`scan`) and what it stored."""

    scan: CalendarScan | MailScan
    new: int = 0
    updated: int = 0
    new_ids: list[int] = field(default_factory=list)


def _store(book, proposals, *, files=(), gone=()) -> tuple[int, int, list[int]]:
    """Proposals and the files read, in one transaction (a crash re-reads, never loses)."""
    before = book.conn.execute("SELECT coalesce(max(id), 0) FROM capture_proposals").fetchone()[0]
    with book.write(record=False):
        new, updated = store.add_proposals(book, proposals)
        if files or gone:
            store.remember_files(book, files, forget=gone)
    ids = [r[0] for r in book.conn.execute(
        "SELECT id FROM capture_proposals WHERE id > ? AND status = 'pending' ORDER BY id", (before,))]
    return new, updated, ids


def scan_calendar(book, paths: list[Path], *, now: datetime, since: date,
                  me: tuple[str, ...] = ()) -> ScanResult:
    """Propose the past events in these .ics files/folders that name contacts.

    Raises CalendarError for a path that does not exist; a file that cannot be parsed is
    listed in `scan.unreadable` and the rest is still read; so is an event without a start,
    listed in `scan.skipped_events`."""
    rules = store.rules(book)
    index = ContactIndex(book, me=me, ignored_senders=rules["sender"])
    scan = scan_calendars(paths, index, since=since, now=now, ignore_titles=rules["title"])
    before = book.conn.execute("SELECT coalesce(max(id), 0) FROM capture_proposals").fetchone()[0]
    with book.write(record=False):
        gone, remembered, forgotten = _follow_calendar_files(book, paths, scan)
        new, updated, scan.moved, scan.withdrawn = store.add_calendar_proposals(
            book, scan.proposals, seen_uids=scan.seen_uids, single_uids=scan.single_uids,
            gone_uids=gone, past_keys=scan.past_keys, dropped_keys=scan.dropped_keys,
            declined_ids=scan.declined_ids, since=since)
        store.remember_files(book, remembered, forget=forgotten)
    ids = [r[0] for r in book.conn.execute(
        "SELECT id FROM capture_proposals WHERE id > ? AND status = 'pending' ORDER BY id", (before,))]
    return ScanResult(scan, new, updated, ids)


# capture_files rows kept for calendars, one per (file, event UID) that gave a proposal: so
# the next scan of the same folder knows which events went with a file deleted since (a
# calendar file's own time and size decide nothing: every calendar file is read each time).
_CALENDAR_MARK = "\x00calendar\x00"


def _follow_calendar_files(book, paths: list[Path], scan: CalendarScan
                           ) -> tuple[set[str], list[tuple[str, int, int]], list[str]]:
    """The UIDs of events gone from the scanned files since the last scan (their file
    deleted, or they were taken out of it; a file that could not be read this time loses
    nothing), the marks to remember now, and the ones to forget."""
    gone: set[str] = set()
    forget: list[str] = []
    kept: set[str] = set()
    for path in paths:
        root = path.expanduser().resolve()
        prefix = _CALENDAR_MARK + str(root) + (os.sep if root.is_dir() else "")
        for mark in store.known_files(book, prefix):
            file, _, uid = mark[len(_CALENDAR_MARK):].partition("\x00")
            if file not in scan.listed_files or (file in scan.read_files
                                                 and uid not in scan.read_files[file]):
                gone.add(uid)
                forget.append(mark)
            else:
                kept.add(mark)
    remember = [(mark, 0, 0) for file, uid in sorted(scan.proposing)
                if (mark := f"{_CALENDAR_MARK}{file}\x00{uid}") not in kept]
    return gone, remember, forget


def scan_mail(book, paths: list[Path], *, now: datetime, since: date, me: tuple[str, ...] = (),
              keep_subjects: bool = False) -> ScanResult:
    """Propose messages to and from contacts in these Maildirs / mbox files / notmuch
    databases (headers only).

    Files unchanged since the last scan (same mtime and size) are not opened again; of a
    notmuch database (with notmuch2 installed) only messages past the last revision are read.
    Raises MailError for a path that is none of these."""
    rules = store.rules(book)
    index = ContactIndex(book, me=me, ignored_senders=rules["sender"])
    reader = MailReader(index, since=since, now=now, ignore_titles=rules["title"],
                        keep_subjects=keep_subjects)
    matching = _matching_key(index, rules)
    marks = []
    for path in paths:
        resolved = path.expanduser().resolve()
        # A folder's files are below "root/"; "root2/" is another source.
        prefix = str(resolved) + os.sep if resolved.is_dir() else str(resolved)
        if notmuch.is_notmuch(resolved) and (notmuch.bindings() or not is_maildir(resolved)):
            notmuch.read_notmuch(resolved, reader,
                                 store.known_files(book, notmuch.cache_prefix(resolved)))
            continue
        known = store.known_files(book, prefix)
        # Whom a message names changes with the people (one added, an address given), --me
        # and the rules, and an earlier --since reaches messages left out before: then a file
        # read before may hold a proposal now, and every file is read again (proposals are
        # keyed by message: nothing is proposed twice). A later --since, as the default of a
        # year ago moves every day, needs nothing read again.
        mark = prefix + _MATCHING_MARK
        last = known.pop(mark, None)
        if last is None or last[0] != matching or since.toordinal() < last[1]:
            known = {}
        marks.append((mark, matching, since.toordinal()))
        read_source(resolved, reader, known)
    scan = reader.finish()
    new, updated, ids = _store(book, scan.proposals, files=scan.seen_files + marks,
                               gone=scan.gone_files)
    return ScanResult(scan, new, updated, ids)


# The pseudo-file kept beside a mail source's files: what matching depended on at its last
# scan (as its mtime) and the --since it read with (as its size, a day's ordinal).
_MATCHING_MARK = "\x00matching"


def _matching_key(index: ContactIndex, rules: dict) -> int:
    """A fingerprint of what decides whom a message names: the addresses of the people (and
    whose they are), me and the rules; 56 bits, to fit the files table's integer."""
    import hashlib

    parts = [*sorted(index.me), *(f"{k}={v}" for k, v in sorted(rules.items()))]
    parts += (f"{address} {sorted(ids)}" for address, ids in sorted(index.by_address.items()))
    digest = hashlib.blake2b("\n".join(parts).encode("utf-8", "surrogatepass"), digest_size=7)
    return int.from_bytes(digest.digest(), "big")


def apply_rules(book) -> int:
    """Ignore the pending proposals that the current rules rule out; how many."""
    rules = store.rules(book)

    def ruled_out(p: store.Proposal) -> bool:
        if p.sender and sender_rule_matches(p.sender, rules["sender"]):
            return True
        return matches_rule(p.title, rules["title"])

    return store.ignore_where(book, ruled_out, label="ignore proposals by a capture rule")
