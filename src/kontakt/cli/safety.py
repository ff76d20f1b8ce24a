"""Never lose a contact: rm, trash, restore, backup, restore-backup, doctor."""

from __future__ import annotations

from .. import clock
import sys
from datetime import date, timedelta
from pathlib import Path

import click

from ..domain import CadenceError, Contact, fold, parse_duration
from ..domain.dates import relative
from ..domain.text import counted, visible
from ..store import AmbiguousRef, Book
from ..store.backup import BackupError, backup_dir, backup_now, restore, snapshots
from ..store.health import diagnose
from ..store.trash import empty_trash, trash_candidates
from . import main
from .common import _session, book_option, display_path, fail, get_book, print_json, today
from .render import cell, console, contact_json, echo


def _book_path(ctx: click.Context) -> Path:
    """The book this invocation means, without opening (or creating) it."""
    from ..paths import book_path

    return book_path(_session(ctx).db)[0]


def _open_existing(ctx: click.Context) -> Book:
    """The book, which must exist already: backing up or checking never creates one."""
    return Book.open(_book_path(ctx), create=False)


def _size(path: Path) -> str:
    size = path.stat().st_size
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


@main.command(epilog="Example: kontakt rm 'old client'   ·   kontakt restore 'old client' undoes it")
@click.argument("ref")
@book_option
def rm(ref):
    """Move a contact and everything attached to them to the trash."""
    book = get_book()
    contact = book.find(ref)
    book.trash_contact(contact.id)
    echo(f"moved #{contact.id} {contact.name} to the trash (kontakt restore {contact.id} brings them back)")


def _older_than(text: str) -> timedelta:
    try:
        duration = parse_duration(text)
    except CadenceError as error:
        raise click.BadParameter(str(error), param_hint="--older-than") from None
    now = today()
    try:
        return now - duration.before(now)
    except (OverflowError, ValueError):
        raise click.BadParameter(f"{text!r} is too long ago", param_hint="--older-than") from None


@main.command(epilog="Examples: kontakt trash   ·   kontakt trash --empty --older-than 30d")
@click.option("--json", "as_json", is_flag=True,
              help="The trashed contacts as a JSON array (with --records: the trashed records).")
@click.option("--records", "only_records", is_flag=True,
              help="With --json: the trashed logs, favours, follow-ups, intros and circles.")
@click.option("--empty", "empty", is_flag=True, help="Delete what is in the trash for good.")
@click.option("--older-than", "older_than", metavar="DURATION",
              help='With --empty: only contacts trashed at least this long ago ("30d", "2 weeks").')
@click.option("--yes", "-y", is_flag=True, help="Do not ask before emptying (asked only in a terminal).")
@book_option
def trash(as_json, only_records, empty, older_than, yes):
    """List the contacts and records in the trash, or empty it for good (--empty)."""
    if older_than and not empty:
        raise click.UsageError("--older-than goes with --empty")
    age = _older_than(older_than) if older_than else None
    book = get_book()
    if empty:
        _empty(book, age, older_than, as_json=as_json, yes=yes)
        return
    trashed = book.trashed()
    balances = book.balances(c.id for c, _ in trashed)
    from .records import trash_json

    records = trash_json(book)
    if as_json:
        # Two arrays, not one mixed: scripts written for `trash --json` read contacts.
        print_json(records if only_records else [
            {**contact_json(c, balances[c.id]), "kind": "contact", "deleted_at": when.isoformat()}
            for c, when in trashed
        ])
        return
    if not trashed and not records:
        echo("the trash is empty", err=True)
        return
    if records:
        _print_records(records)
    if not trashed:
        echo(f"{len(records)} in the trash; kontakt restore REF (e.g. {records[0]['ref']}) brings one back",
             err=True)
        return
    from rich.cells import cell_len
    from rich.table import Table

    now = today()
    rows = [(str(contact.id), visible(contact.name), visible(contact.org),
             f"{when.date().isoformat()} ({relative(when.date(), now)})") for contact, when in trashed]
    out = console()
    # Fixed widths: left to rich, a long name squeezed the id and the date to nothing.
    id_width = max([2] + [len(r[0]) for r in rows])
    date_width = max(len(r[3]) for r in rows)
    name_width = max([4] + [cell_len(r[1]) for r in rows])
    org_width = max([3] + [cell_len(r[2]) for r in rows])
    room = max(out.width - id_width - date_width - 6, 20)
    if name_width + org_width > room:
        org_width = min(org_width, max(room * 2 // 5, room - name_width))
        name_width = room - org_width
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("id", justify="right", style="dim", no_wrap=True, width=id_width)
    table.add_column("name", no_wrap=True, overflow="ellipsis", width=name_width)
    table.add_column("org", no_wrap=True, overflow="ellipsis", width=org_width)
    table.add_column("trashed", no_wrap=True, width=date_width)
    for row in rows:
        table.add_row(*(cell(text) for text in row))
    out.print(table)
    echo(f"{len(trashed) + len(records)} in the trash; kontakt restore REF brings one back", err=True)


def _print_records(records: list[dict]) -> None:
    """Trashed records, one a line: how to name it, what it was, when it went."""
    from rich.cells import cell_len
    from rich.table import Table

    now = today()
    rows = []
    for item in records:
        day = date.fromisoformat(item["deleted_at"][:10])
        rows.append((visible(item["ref"]), visible(item["label"]), f"{day.isoformat()} ({relative(day, now)})"))
    out = console()
    # The name to restore it by and the date keep their width; the description gives way.
    ref_width = max([6] + [cell_len(row[0]) for row in rows])
    date_width = max(len(row[2]) for row in rows)
    what_width = max(out.width - ref_width - date_width - 4, 12)
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("record", no_wrap=True, style="dim", width=ref_width)
    table.add_column("what", no_wrap=True, overflow="ellipsis", width=what_width)
    table.add_column("trashed", no_wrap=True, width=date_width)
    for row in rows:
        table.add_row(*(cell(text) for text in row))
    out.print(table)


def _empty(book: Book, age: timedelta | None, older_than: str | None, *, as_json: bool, yes: bool) -> None:
    from ..store.records import record_candidates

    now = clock.now()
    candidates = trash_candidates(book, age, now=now)
    record_ids = record_candidates(book, age, now=now)
    if not candidates and not record_ids:
        if as_json:
            print_json({"deleted": 0, "interactions": 0, "records": 0})
        else:
            what = f"nothing was trashed more than {older_than} ago" if older_than else "the trash is empty"
            echo(what, err=True)
        return
    if not yes and sys.stdin.isatty():
        what = " and ".join(
            part for part in (
                f"{counted(len(candidates), 'contact')} and their history" if candidates else "",
                counted(len(record_ids), "trashed record") if record_ids else "",
            ) if part
        )
        click.confirm(f"Delete {what} for good? This cannot be undone", abort=True)
    result = empty_trash(book, age, now=now)
    if as_json:
        print_json({"deleted": result.contacts, "interactions": result.interactions,
                    "records": result.records})
        return
    extra = (f" and {counted(result.interactions, 'interaction')} with no one else"
             if result.interactions else "")
    records = f", {counted(result.records, 'trashed record')}" if result.records else ""
    echo(f"deleted {counted(result.contacts, 'contact')}{extra}{records} for good")
    if not result.wal_truncated:
        echo("note: another kontakt has the book open; the deleted text leaves the file "
                   "once it closes", err=True)
    if snapshots(book.path):
        echo(f"note: backups in {display_path(backup_dir(book.path))} still hold them "
                   "until they rotate out (at most five weeks)", err=True)


def _find_trashed(book: Book, ref: str) -> Contact:
    """A contact in the trash by id or a fragment of name, nickname or email."""
    trashed = [contact for contact, _ in book.trashed()]
    key = ref.strip().lstrip("#")
    if key.isascii() and key.isdigit():  # "²".isdigit() is true, but it is no id
        for contact in trashed:
            if contact.id == int(key):
                return contact
    folded = fold(ref.strip())
    if not folded:
        raise AmbiguousRef(ref, [])

    def fields(c: Contact) -> list[str]:
        return [fold(c.name), fold(c.nickname), *(fold(e) for e in c.emails)]

    candidates = [c for c in trashed if any(folded in f for f in fields(c))]
    if len(candidates) == 1:
        return candidates[0]
    exact = [c for c in candidates if folded in fields(c)]
    if len(exact) == 1:
        return exact[0]
    if not candidates:
        fail(f"nothing in the trash matches {ref!r} (kontakt trash lists it)")
    raise AmbiguousRef(ref, exact or candidates)


@main.command("restore", epilog="Examples: kontakt restore 'old client'   ·   kontakt restore 17   ·   kontakt restore log:12")
@click.argument("ref")
@book_option
def restore_(ref):
    """Bring a contact back from the trash, with all their history; or a record (log:12,
    favour:7, follow-up:3, intro:5, circle:NAME, as kontakt trash names them)."""
    book = get_book()
    from .records import restore_record

    if restore_record(book, ref):
        return
    contact = _find_trashed(book, ref)
    from ..services.dupes import restore_merged

    # A contact that went to the trash by a merge comes back with its history moved back.
    undone = restore_merged(book, contact.id, today=today())
    if undone is not None:
        echo(f"restored #{contact.id} {contact.name} (undid its merge into #{undone.kept_id})")
        return
    restored = book.restore_contact(contact.id)
    echo(f"restored #{restored.id} {restored.name}")


@main.command(epilog="Examples: kontakt backup   ·   kontakt backup -o ~/usb/kontakt.db")
@click.option("-o", "--output", "output", metavar="FILE", type=click.Path(dir_okay=False),
              help="Where to write it (default: a dated file in backups/ next to the book).")
@book_option
@click.pass_context
def backup(ctx, output):
    """Back the book up now (a consistent, checked copy, readable by you only)."""
    with _open_existing(ctx) as book:
        try:
            target = backup_now(book, Path(output) if output else None)
        except BackupError as error:
            fail(str(error))
        count = book.counts()
    echo(f"backed up {counted(count.contacts + count.archived, 'contact')} to {display_path(target)} "
               f"({_size(target)})")


@main.command("restore-backup", epilog="Example: kontakt restore-backup ~/.local/share/kontakt/backups/kontakt.2026-11-20.db")
@click.argument("file", type=click.Path(dir_okay=True))
@book_option
@click.pass_context
def restore_backup(ctx, file):
    """Replace the book with a backup (checked first; the current book is saved)."""
    try:
        result = restore(_book_path(ctx), Path(file))
    except BackupError as error:
        fail(str(error))
    echo(f"restored {display_path(result.source)}: {counted(result.contacts, 'contact')} in "
               f"{display_path(result.book)}")
    if result.saved_as is not None:
        echo(f"the book as it was is saved at {display_path(result.saved_as)} "
                   f"(kontakt restore-backup that file undoes this)")


_STATUS_WIDTH = 6


@main.command(epilog="Examples: kontakt doctor   ·   kontakt doctor --fix   ·   kontakt doctor --json")
@click.option("--fix", is_flag=True, help="Repair what can be repaired safely.")
@click.option("--quick", is_flag=True, help="quick_check instead of the full integrity_check.")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
@book_option
@click.pass_context
def doctor(ctx, fix, quick, as_json):
    """Check the book: integrity, links, search index, schema, permissions, backups, SQLite.

    Exits 0 when healthy (warnings included), 1 when something needs attention.
    """
    report = diagnose(_book_path(ctx), fix=fix, quick=quick)
    if as_json:
        print_json(report.as_dict())
    else:
        echo(f"kontakt doctor: {display_path(report.path)}")
        width = max(len(c.name) for c in report.checks) + 2
        for check in report.checks:
            echo(f"  {check.status:<{_STATUS_WIDTH}}{check.name:<{width}}{check.message}")
        warnings = sum(c.status == "warn" for c in report.checks)
        fixed = sum(c.status == "fixed" for c in report.checks)
        failed = sum(c.status == "fail" for c in report.checks)
        parts = [f"{fixed} fixed"] if fixed else []
        if warnings:
            parts.append(counted(warnings, "warning"))
        if report.healthy:
            echo("healthy" + (f" ({', '.join(parts)})" if parts else ""))
        else:
            hint = "" if fix else "; kontakt doctor --fix repairs what it safely can"
            echo(f"needs attention: {counted(failed, 'problem')}{hint}")
    if not report.healthy:
        ctx.exit(1)
