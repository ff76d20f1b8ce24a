"""Importing contacts: Google, Outlook, LinkedIn and kontakt CSV, vCard files and folders,
and kontakt JSON — the format read from the content, the whole import one transaction.

`run_import` is the one entry point; it returns an ImportReport and raises ImportRefused
(nothing written) for a file it cannot read at all.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ...store import Book
from ...store.db import is_open_book_file
from ...store.bulk import BulkWriter
from . import kontakt_json, tables, vcard
from .merge import Merger, Outcome
from .rows import Group, Parsed, cap, without_future_birthday, without_rounded_phones
from .textfile import (
    Encoding,
    ImportRefused,
    detect_encoding,
    lookup_encoding,
    sniff_kind,
)

FORMATS = ("auto", "google", "outlook", "linkedin", "thunderbird", "csv", "kontakt", "vcard", "json")

Progress = Callable[[int, int], None]
# How many bytes of a folder's small vCards are kept from reading their encoding to reading
# their cards (20k cards are ~7 MB); the rest are read again.
HELD_BYTES = 64 << 20


@dataclass
class ImportReport:
    """What an import did, or with `dry_run` would do."""

    source: str
    format: str
    encoding: str
    dry_run: bool
    outcome: Outcome
    history: dict[str, int] = field(default_factory=dict)
    circles: int = 0
    # vCard group cards imported as circles: (where, circle name, members who joined it)
    groups: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.outcome.rejected

    @property
    def landed(self) -> int:
        """How many rows or cards were taken (added, merged, or already there)."""
        o = self.outcome
        return len(o.added) + len(o.merged) + len(o.unchanged)

    def summary(self) -> str:
        """'412 added, 17 merged, 3 rejected (lines 88, 301, 302: no name)'."""
        o = self.outcome
        parts = [f"{len(o.added)} added", f"{len(o.merged)} merged"]
        if o.unchanged:
            parts.append(f"{len(o.unchanged)} unchanged")
        if self.groups:
            count = len(self.groups)
            parts.append("1 group as a circle" if count == 1 else f"{count} groups as circles")
        for key, count in self.history.items():
            if count:
                parts.append(f"{count} {key.replace('_', '-')}")
        if o.not_taken:  # each named above the summary (the first few, outside a dry run)
            parts.append(f"{len(o.not_taken)} with values not taken")
        rejected = f"{len(o.rejected)} rejected"
        if o.rejected:
            rejected += f" ({_group_rejections(o.rejected)})"
        parts.append(rejected)
        prefix = "dry run, nothing written: would be " if self.dry_run else ""
        return prefix + ", ".join(parts)

    def dry_run_lines(self) -> list[str]:
        """What a dry run says it would do, a line a row (`kontakt import --dry-run`, and the
        app's import screen)."""
        outcome = self.outcome
        lines = [f"would add     {where}: {name}" for where, name in outcome.added]
        for merge in outcome.merged:
            into = f"#{merge.into_id} " if merge.into_id > 0 else "earlier row "
            lines.append(f"would merge   {merge.where}: {merge.name} into {into}{merge.into_name} "
                         f"({', '.join(merge.fields)})")
        kept_where = {kept.where for kept in outcome.not_taken}  # "would keep" says more
        for where, name, into_id in outcome.unchanged:
            into = f"#{into_id}" if into_id > 0 else "an earlier row"
            if where not in kept_where:
                lines.append(f"already there {where}: {name} (same as {into}, nothing new)")
        lines += [f"would reject  {where}: {reason}" for where, reason in outcome.rejected]
        lines += [f"would make    {where}: circle {circle} ({members} members)"
                  for where, circle, members in self.groups]
        lines += [f"would keep    {kept.where}: {kept.line()}" for kept in outcome.not_taken]
        return lines

    def as_json(self) -> dict[str, Any]:
        o = self.outcome
        return {
            "source": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "dry_run": self.dry_run,
            "added": len(o.added),
            "merged": len(o.merged),
            "unchanged": len(o.unchanged),
            "rejected": [{"where": w, "reason": r} for w, r in o.rejected],
            "warnings": [{"where": w, "message": m} for w, m in o.warnings],
            "not_taken": [{"where": n.where, "name": n.name, "into": n.into_id, "fields": n.fields}
                          for n in o.not_taken],
            "merges": [
                {"where": m.where, "name": m.name, "into": m.into_id, "into_name": m.into_name,
                 "fields": m.fields}
                for m in o.merged
            ],
            "history": self.history,
            "groups": [{"where": w, "circle": n, "members": m} for w, n, m in self.groups],
        }


def _group_rejections(rejected: list[tuple[str, str]], limit: int = 10) -> str:
    by_reason: dict[str, list[str]] = defaultdict(list)
    for where, reason in rejected:
        by_reason[reason].append(where)
    groups = []
    for reason, places in by_reason.items():
        shown = [p.removeprefix("line ") for p in places[:limit]]
        word = "lines" if len(places) > 1 and places[0].startswith("line ") else (
            "line" if places[0].startswith("line ") else "")
        more = f" and {len(places) - limit} more" if len(places) > limit else ""
        groups.append(f"{word} {', '.join(shown)}{more}: {reason}".strip())
    return "; ".join(groups)


def _forced_kind(fmt: str) -> str | None:
    if fmt in ("google", "outlook", "linkedin", "thunderbird", "csv", "kontakt"):
        return "csv"
    if fmt in ("vcard", "json"):
        return fmt
    return None


def run_import(
    book: Book,
    source: Path,
    *,
    today: date,
    fmt: str = "auto",
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
    announce: Callable[[str], None] | None = None,
    encoding: str | None = None,
    strict: bool = False,
    dates: str | None = None,
) -> ImportReport:
    """Import a file or a directory of .vcf files into `book` in one transaction.

    `encoding` names the file's encoding instead of detecting it (ValueError for a name
    Python does not know). Raises ImportRefused (book untouched) when the source cannot
    be read at all, or with `strict` when any row would be rejected; otherwise rows that
    cannot be imported are listed in the report's `rejected`.
    """
    forced = lookup_encoding(encoding) if encoding else None
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    mapping = mapping or {}
    source = Path(source).expanduser()
    if not source.exists():
        raise ImportRefused(f"{source}: no such file or directory")
    if is_open_book_file(source):
        # Reading it with open()/close() here would drop this process's SQLite locks on it.
        raise ImportRefused(f"{source} is the book itself; nothing to import")
    held: dict[Path, bytes] = {}
    if source.is_dir():
        if fmt not in ("auto", "vcard"):
            raise ImportRefused(f"{source} is a directory; only a folder of .vcf files can be imported")
        files = vcard.vcf_files(source)
        if not files:
            raise ImportRefused(f"{source}: no .vcf files in this directory")
        # Each small card is read once, for its encoding and its cards (up to HELD_BYTES
        # in all): opening 20k files twice, and a stat of each twice more, was a tenth of
        # their import.
        room = HELD_BYTES
        encodings = []
        for path in files:
            data = vcard.read_small(path) if room > 0 else None
            if data is not None:
                held[path] = data
                room -= len(data)
            encodings.append((path, _encoding(path, announce, "vcard", forced, data=data)))
        kind, label = "vcard", "vcard"
    else:
        forced_kind = _forced_kind(fmt)
        encoding = _encoding(source, announce, forced_kind, forced)
        kind = forced_kind or sniff_kind(source, encoding)
        encodings = [(source, encoding)]
        label = kind

    transaction = nullcontext() if dry_run else book.write()
    with _collector_paused(kind in ("vcard", "csv")), transaction:
        writer = None if dry_run else BulkWriter(book, today)
        # A vCard import holds its new people until the end: a duplicate card found after a
        # flush was merged through the one-row update (a savepoint and ~8 statements each),
        # 1,084 of the 20k benchmark's cards and a third of its time. Cards are small; a
        # CSV of 100k rows keeps its batches.
        merger = Merger(book, writer, today, uid_only=kind == "json", hold_new=kind == "vcard")
        report = ImportReport(str(source), label, encodings[0][1].label, dry_run, merger.outcome)
        reject = lambda where, reason: merger.outcome.rejected.append((where, reason))  # noqa: E731
        if kind == "json":
            data = kontakt_json.load(source, encodings[0][1])
            warn = lambda where, message: merger.outcome.warnings.append((where, message))  # noqa: E731
            report.circles, report.history = kontakt_json.restore(data, merger, writer, reject, warn)
        elif kind == "vcard":
            total = sum(len(held[p]) if p in held else p.stat().st_size for p, _ in encodings)
            rows = _vcard_rows(encodings, held, single=not source.is_dir(), total=total,
                               progress=progress)
            groups: list[tuple[str, Group]] = []
            found_any = _feed(merger, rows, None, groups=groups)
            if not found_any:
                raise ImportRefused(f"{source}: no vCard (BEGIN:VCARD … END:VCARD) found; nothing imported")
            report.groups = _circles_from_groups(merger, writer, groups, today)
        else:
            path, encoding = encodings[0]
            forced = fmt if fmt not in ("auto",) else None
            table = tables.open_table(path, encoding, forced=forced, mapping=mapping, today=today,
                                      dates=dates)
            report.format = table.format
            if table.dates_note:
                merger.outcome.warnings.append((f"line {table.header_line}", table.dates_note))
            if table.ignored:
                shown = ", ".join(table.ignored[:6]) + (
                    f" and {len(table.ignored) - 6} more" if len(table.ignored) > 6 else "")
                merger.outcome.warnings.append((f"line {table.header_line}", (
                    f"columns not imported: {shown}; to read one, name its field with "
                    f"--map '{table.ignored[0]}=FIELD' (phone, email, notes, ...)")))
            total = path.stat().st_size
            _feed(merger, table.rows, (lambda: table.position(), total, progress) if progress else None)
        if strict and merger.outcome.rejected:
            # Raised inside the transaction: everything this import wrote is rolled back.
            raise ImportRefused(_strict_message(source, merger.outcome.rejected, kind))
        merger.flush()
    return report


@contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """The cyclic garbage collector off while a vCard or CSV import holds its people: its
    full passes walked every card or row read so far (~0.15 s of 20k cards, ~0.45 s of a
    100k-row CSV: the report's and the lookup maps' entries), and they make no cycles."""
    paused = pause and gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


STRICT_SHOWN = 3


def _strict_message(source: Path, rejected: list[tuple[str, str]], kind: str) -> str:
    """'contacts.csv: --strict: nothing imported; 2 rows would be rejected (line 4: …)'."""
    count = len(rejected)
    shown = "; ".join(f"{where}: {reason}" for where, reason in rejected[:STRICT_SHOWN])
    more = f"; and {count - STRICT_SHOWN} more" if count > STRICT_SHOWN else ""
    word = ("card" if kind == "vcard" else "entry" if kind == "json" else "row")
    if count != 1:
        word = "entries" if word == "entry" else word + "s"
    return (f"{source}: --strict: nothing imported; {count} {word} would be rejected "
            f"({shown}{more})")


def _circles_from_groups(merger: Merger, writer: BulkWriter | None,
                         groups: list[tuple[str, Group]], today: date) -> list[tuple[str, str, int]]:
    """Each group card becomes a circle; its members (by uid, from this import or the
    book) join it. Returns (where, circle, members who joined) for each group."""
    done = []
    for where, group in groups:
        if writer is not None:
            writer.upsert_circle(group.name, cadence=None)
        missing, joined = [], 0
        for uid in group.members:
            contact_id = merger.ids_by_uid.get(uid, merger.index.uids.get(uid))
            if contact_id is None or contact_id in merger.index.trashed:
                missing.append(uid)
                continue
            joined += 1
            pending = merger.pending.get(contact_id)
            if pending is not None:
                if group.name.casefold() not in {t.casefold() for t in pending.tags}:
                    pending.tags.append(group.name)
            elif writer is not None:
                tags = merger.book.conn.execute(
                    "SELECT tags FROM contacts WHERE id = ?", (contact_id,)).fetchone()[0]
                if group.name.casefold() not in {t.casefold() for t in json.loads(tags)}:
                    writer.fill_contact(contact_id, today, add_tags=[group.name])
        if missing:
            shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
            merger.outcome.warnings.append((where, (
                f"group {group.name}: {len(missing)} of {len(group.members)} members are "
                f"not in this import or the book ({shown}); the circle is made without them")))
        done.append((where, group.name, joined))
    return done


def _encoding(path: Path, announce: Callable[[str], None] | None, kind: str | None = None,
              forced: Encoding | None = None, data: bytes | None = None) -> Encoding:
    encoding = detect_encoding(path, forced, data=data)
    if encoding.fallback and (kind or sniff_kind(path, encoding)) == "vcard":
        if vcard.utf8_once_unfolded(path, data):
            encoding = Encoding("utf-8")
    if encoding.fallback and announce:
        announce(f"{path}: not UTF-8; read as {encoding.label} — check the accents in the result, "
                 "or name the encoding with --encoding")
    return encoding


def _vcard_rows(encodings, held: dict[Path, bytes], *, single: bool, total: int,
                progress: Progress | None) -> Iterator[Parsed]:
    done = 0
    for path, encoding in encodings:
        label = "line " if single else f"{path.name} line "
        data = held.pop(path, None)
        yield from vcard.iter_cards(path, encoding, label, data)
        done += len(data) if data is not None else path.stat().st_size
        if progress:
            progress(done, total)


def _feed(merger: Merger, rows: Iterator[Parsed], tracking,
          groups: list[tuple[str, Group]] | None = None) -> bool:
    """Send parsed rows to the merger (group cards to `groups`), capped to sane sizes (a
    kontakt JSON restore does not come this way: it gives back what the book held); True
    if there was at least one row or card."""
    any_row = False
    for count, parsed in enumerate(rows, start=1):
        any_row = True
        if parsed.contact is not None:
            parsed.warnings.extend(cap(parsed.contact))
            parsed.warnings.extend(without_future_birthday(parsed.contact, merger.today))
            phones = parsed.contact.phones
            # Only a phone with an 'E' can be one Excel rounded (4,91712E+12): one join per row.
            if phones and ("E" in (every := "".join(phones)) or "e" in every):
                parsed.warnings.extend(without_rounded_phones(parsed.contact))
        for warning in parsed.warnings:
            merger.outcome.warnings.append((parsed.where, warning))
        if parsed.group is not None and groups is not None:
            groups.append((parsed.where, parsed.group))
        elif parsed.contact is None:
            merger.outcome.rejected.append((parsed.where, parsed.error or "cannot be read"))
        else:
            merger.add(parsed.where, parsed.contact)
        if tracking and count % 500 == 0:
            position, total, progress = tracking
            progress(position(), total)
    if tracking:
        _, total, progress = tracking
        progress(total, total)
    return any_row


__all__ = ["FORMATS", "ImportRefused", "ImportReport", "run_import"]
