"""kontakt sync: the book two-way with a vCard folder (and a calendar folder) that
vdirsyncer keeps in step with a CardDAV/CalDAV server."""

from __future__ import annotations

from pathlib import Path

import click

from .. import paths
from . import main
from .common import book_option, fail, get_book, print_json, today
from .render import echo

EXAMPLE = """\b
Examples:
  kontakt sync --vcard-dir ~/.contacts/kontakt --dry-run
  kontakt sync                                  (folders from [sync] in config.toml)
  kontakt sync --resolve jürgen --take folder   (settle a conflict)
"""


def sync_settings() -> dict[str, Path]:
    """The folders under [sync] in config.toml; a broken config is one line."""
    from ..services.sync.settings import SettingsError, sync_folders

    try:
        return sync_folders()
    except SettingsError as error:
        fail(str(error))
        raise


def _calendar(book, folder: Path, dry_run: bool):
    """The calendar folder: what `export ics --vdir DIR` does (services/calendar_sync)."""
    from ..config import ConfigError
    from ..services.calendar_sync import CalendarSyncError, sync_calendar_dir

    try:
        return sync_calendar_dir(book, folder, dry_run=dry_run, today=today())
    except (CalendarSyncError, ConfigError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write into {folder}: {error.strerror or error}")


@main.command(epilog=EXAMPLE)
@click.option("--vcard-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="A folder of .vcf files, one card each (vdirsyncer, khard).")
@click.option("--calendar-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="A folder of .ics files: follow-ups and birthdays (as export ics --vdir).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--resolve", "resolve", multiple=True, metavar="REF",
              help="Settle this contact's conflicts (a uid or a REF; repeatable); with --take.")
@click.option("--take", type=click.Choice(["book", "folder"]),
              help="Which side wins a conflict: all of them, or those of --resolve.")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
@book_option
def sync(vcard_dir, calendar_dir, dry_run, resolve, take, as_json):
    """Sync the book both ways with a vCard folder (and a calendar folder).

    A field changed only in the folder is taken into the book, one changed only in the
    book is written to the card; one changed on both sides is a conflict, listed with both
    values until you settle it with --take. A card deleted in the folder moves the person
    to the trash; a person deleted in kontakt deletes the card. Exits 1 while conflicts
    are left.
    """
    from ..services.sync import SyncError, sync_vdir

    if resolve and not take:
        raise click.UsageError("--resolve needs --take book or --take folder")
    settings = sync_settings() if not (vcard_dir or calendar_dir) else {}
    vcard_dir = vcard_dir or settings.get("vcard_dir")
    calendar_dir = calendar_dir or settings.get("calendar_dir")
    if not (vcard_dir or calendar_dir):
        fail("nothing to sync: give --vcard-dir DIR, or set vcard_dir under [sync] in "
             f"{paths.config_path()}")
    book = get_book()
    report = None
    if vcard_dir:
        takes: dict[str, str] | None = None
        if take:
            takes = _takes(book, vcard_dir, resolve, take)
        try:
            report = sync_vdir(book, vcard_dir, today=today(), dry_run=dry_run, take=takes)
        except SyncError as error:
            fail(str(error))
        except OSError as error:  # a card that cannot be written: the book is left unchanged
            where = error.filename or vcard_dir
            fail(f"{where}: {error.strerror or error}; the book is unchanged")
    calendar = _calendar(book, calendar_dir, dry_run) if calendar_dir else None
    if as_json:
        print_json(_json(report, calendar))
    else:
        if report:
            _print(report)
        if calendar is not None:
            for line in calendar.lines():
                echo(line)
    if report and report.conflicts and not dry_run:
        raise SystemExit(1)


def _takes(book, folder: Path, refs: tuple[str, ...], take: str) -> dict[str, str]:
    """{uid: side} for every conflicting card, or those of the REFs given."""
    from ..services.sync import sync_vdir

    if not refs:
        pending = sync_vdir(book, folder, today=today(), dry_run=True).conflicts
        return {c.uid: take for c in pending}
    uids = {}
    for ref in refs:
        row = book.conn.execute("SELECT uid FROM contacts WHERE uid = ?", (ref,)).fetchone()
        uids[row[0] if row else book.find(ref).uid] = take
    return uids


def _print(report) -> None:
    would = "would " if report.dry_run else ""
    echo(f"{report.folder}:")
    for name in report.added:
        echo(f"  {would}add {name} (new card)")
    for name, fields in report.updated:
        echo(f"  {would}update {name}: {', '.join(fields)} (from the card)")
    for name in report.restored:
        echo(f"  {would}bring {name} back from the trash (card edited after the delete)")
    for name in report.trashed:
        echo(f"  {would}move {name} to the trash (card deleted)")
    for file, fields in report.written:
        echo(f"  {would}write {file}: {', '.join(fields)}")
    for file in report.deleted:
        echo(f"  {would}delete {file} (deleted in kontakt)")
    for file, into in report.merged:
        echo(f"  {would}merge {file} into {into} (merged in kontakt)")
    for warning in report.warnings:
        echo(f"  warning: {warning}", err=True)
    for conflict in report.conflicts:
        echo(f"  conflict {conflict.name} ({conflict.uid}) {conflict.field}:")
        echo(f"      book:   {conflict.book_text}")
        echo(f"      folder: {conflict.folder_text}")
    if report.conflicts:
        echo(f"{len(report.conflicts)} conflicts left as they are on both sides; settle them with "
             "kontakt sync --resolve UID --take book|folder", err=True)
    count = f"{report.changes} change{'' if report.changes == 1 else 's'}"
    if not report.changes:
        echo("nothing to change")
    elif report.dry_run:
        echo(f"would make {count} (dry run: nothing written)")
    else:
        echo(count)


def _json(report, calendar) -> dict:
    data: dict = {}
    if report is not None:
        data["vcard"] = {
            "folder": str(report.folder), "dry_run": report.dry_run,
            "added": report.added,
            "updated": [{"name": n, "fields": f} for n, f in report.updated],
            "restored": report.restored, "trashed": report.trashed,
            "written": [{"file": n, "fields": f} for n, f in report.written],
            "deleted": report.deleted, "warnings": report.warnings,
            "merged": [{"file": f, "into": i} for f, i in report.merged],
            "conflicts": [{"uid": c.uid, "name": c.name, "field": c.field,
                           "book": c.book, "folder": c.folder} for c in report.conflicts],
        }
    if calendar is not None:
        data["calendar"] = {
            "folder": calendar.folder, "dry_run": calendar.dry_run, "written": calendar.written,
            "updated": calendar.updated, "completed": calendar.completed,
            "snoozed": calendar.snoozed, "trashed": calendar.trashed, "removed": calendar.removed,
            "problems": calendar.problems,
            # Added later: due dates moved earlier, to-dos cancelled in the folder, and
            # changes on both sides where kontakt's follow-up was kept.
            "moved": calendar.moved, "cancelled": calendar.cancelled, "kept": calendar.kept,
        }
    return data
