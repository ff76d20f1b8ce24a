"""Moving data in and out: `kontakt import` and `kontakt export …` (formats are subcommands;
other modules add theirs with `from .transfer import export`)."""

from __future__ import annotations

import contextlib
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from . import main
from .common import book_option, fail, get_book, print_json, refuse_the_book, today
from ..domain.text import counted
from .render import ExportOnTerminal, echo, stdout_is_terminal

IMPORT_FORMATS = ("auto", "google", "outlook", "linkedin", "thunderbird", "csv", "kontakt", "vcard", "json")
# `kontakt import` exits with this when some rows landed and others were rejected, so a
# script can tell it from 1 (nothing landed: the file was refused, or every row rejected).
EXIT_REJECTED_ROWS = 3
# Rows with values an import left out, named one by one before the count of the rest.
NOT_TAKEN_SHOWN = 10
# Below this size an import is over before a progress bar would be worth drawing.
PROGRESS_MIN_BYTES = 256 * 1024


@contextmanager
def _progress_bar(source: Path):
    """A rich progress bar on stderr, only for a terminal and a big enough input."""
    if not sys.stderr.isatty():
        # Asked first: sizing a folder is a stat of each file (20k of them for nothing).
        yield None
        return
    try:
        size = (sum(p.stat().st_size for p in source.iterdir() if p.is_file())
                if source.is_dir() else source.stat().st_size)
    except OSError:
        size = 0
    if size < PROGRESS_MIN_BYTES:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True, highlight=False, markup=False)
    with Progress(
        TextColumn("importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    ) as progress:
        task = progress.add_task("import", total=size)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def _book_exists() -> bool:
    from ..paths import book_path
    from .common import _session

    path, _ = book_path(_session(click.get_current_context()).db)
    return path.exists()


def _dry_run_book(stack: contextlib.ExitStack):
    """A throwaway empty book: a dry run into a book that does not exist yet must not
    create one."""
    import tempfile

    from ..store import Book

    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="kontakt-dry-run-"))
    book = Book.open(Path(directory) / "dry-run.db")
    stack.callback(book.close)
    return book



@main.command(
    "import",
    epilog="""\b
Examples:
  kontakt import contacts.csv --dry-run     (Google, Outlook, LinkedIn: detected)
  kontakt import ~/.contacts/               (a folder of .vcf files, as khard keeps them)
  kontakt import people.csv --map "Full Name=name" --map "Mail=email"
  kontakt import backup.json                (a kontakt export json, with all history)
  khard export | kontakt import -           (- reads standard input)
  kontakt import kontakty.csv --encoding cp1250   (a Polish/Czech Outlook file)

\b
Exit status:
  0  everything landed (warnings, e.g. a cut note, are printed but do not count)
  3  it landed, but some rows or cards were rejected (listed on stderr)
  1  nothing landed: the file was refused, every row was rejected, or --strict
     found a row it would reject (nothing written)
  2  usage error (unknown option, --map or --encoding)
""",
)
@click.argument("source", type=click.Path(path_type=Path), metavar="FILE|DIR|-")
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), default="auto",
              show_default=True, help="The file's format; auto reads it from the content.")
@click.option("--dry-run", is_flag=True, help="Show what would be added, merged and rejected; write nothing.")
@click.option("--map", "mappings", multiple=True, metavar="COLUMN=FIELD",
              help="Read a CSV column as a field (name, first_name, last_name, email, phone, "
                   "org, role, location, met, birthday, tags, notes, cadence). Repeatable.")
@click.option("--encoding", "encoding", metavar="NAME",
              help="The file's encoding (cp1250, iso-8859-2, cp1252, utf-16...) instead of "
                   "detecting it.")
@click.option("--strict", is_flag=True,
              help="Refuse the whole file if any row would be rejected: nothing is written.")
@click.option("--dates", type=click.Choice(["dmy", "mdy"]), default=None,
              help="How an Outlook CSV's slashed birthdays read (4/3/1980): dmy is 4 March, mdy "
                   "3 April. By default the file says, else your locale (LANG), else mdy.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@book_option
def import_command(source: Path, fmt: str, dry_run: bool, mappings: tuple[str, ...],
                   encoding: str | None, strict: bool, dates: str | None, as_json: bool) -> None:
    """Import contacts from CSV (Google, Outlook, LinkedIn, Thunderbird, any), vCard, or kontakt JSON.

    The whole import is one transaction: it lands completely or not at all. Someone who is
    already in the book (same email, phone, or name and organisation) is merged: empty
    fields are filled, nothing is overwritten. Rows that cannot be imported are rejected
    one by one (file, line and field named) and the rest lands; --strict refuses the whole
    file instead. A vCard group becomes a circle. Exits 3 when rows were rejected, 1 when
    nothing landed (see below).
    """
    from ..services.importers import ImportRefused, run_import
    from ..services.importers.tables import parse_mapping
    from ..services.importers.textfile import lookup_encoding

    if encoding is not None:
        try:
            lookup_encoding(encoding)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--encoding") from None

    stack = click.get_current_context().with_resource(contextlib.ExitStack())
    try:
        mapping = parse_mapping(mappings)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    from_stdin = str(source) == "-"
    if from_stdin:
        source = _stdin_file(stack)
    book = _dry_run_book(stack) if dry_run and not _book_exists() else get_book()
    announce = lambda message: echo(message, err=True)  # noqa: E731
    try:
        with _progress_bar(source) as progress:
            report = run_import(
                book, source, today=today(), fmt=fmt, dry_run=dry_run, mapping=mapping,
                progress=progress, announce=announce, encoding=encoding, strict=strict,
                dates=dates,
            )
    except ImportRefused as error:
        message = f"{error}"
        if from_stdin:  # the temporary file is an implementation detail: name what the user gave
            message = message.replace(str(source), "stdin")
        fail(message)
        return
    outcome = report.outcome
    if as_json:
        data = report.as_json()
        if from_stdin:  # not the temporary file, gone once this command ends
            data["source"] = "-"
        print_json(data)
    else:
        if dry_run:
            for line in report.dry_run_lines():
                echo(line)
        else:
            for where, reason in outcome.rejected:
                echo(f"{source.name}: {where}: rejected: {reason}", err=True)
            # A folder of duplicates gives a thousand of these: the first few, then a count.
            for kept in outcome.not_taken[:NOT_TAKEN_SHOWN]:
                echo(f"{source.name}: {kept.where}: {kept.line()}", err=True)
            if len(outcome.not_taken) > NOT_TAKEN_SHOWN:
                echo(f"{source.name}: … and {len(outcome.not_taken) - NOT_TAKEN_SHOWN} more rows "
                     "with values not taken (--dry-run lists every one)", err=True)
            if outcome.not_taken:
                echo("(an import fills empty fields and never overwrites one)", err=True)
        for where, message in outcome.warnings:
            echo(f"{source.name}: {where}: {message}", err=True)
        echo(report.summary())
    if outcome.rejected:
        sys.exit(EXIT_REJECTED_ROWS if report.landed or report.groups else 1)


def _stdin_file(stack: contextlib.ExitStack) -> Path:
    """`import -`: standard input kept in a private temporary file named `stdin`, so the
    importer detects its format and encoding from the bytes as for any file, and every
    message names it ("stdin: line 3: …"). Removed when the command ends."""
    import tempfile

    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kontakt-import-")))
    path = folder / "stdin"
    path.write_bytes(sys.stdin.buffer.read())  # click 8.2 deprecates get_binary_stream
    if not path.stat().st_size:
        fail("standard input is empty: pipe a CSV, vCard or JSON file into `kontakt import -`")
    return path


@main.group()
def export() -> None:
    """Export the book (or parts of it) to other formats."""


@contextmanager
def _output(path: Path | None, *, bom: bool = False):
    """The export's destination: a file written whole (0600), or stdout."""
    from .secret import note_plain_export

    note_plain_export(path)
    if path is None or str(path) == "-":
        if sys.stdout is None:  # `kontakt export csv >&-`
            fail("standard output is closed: nowhere to export to (give -o FILE)")
        if (sys.stdout.encoding or "").lower().replace("-", "") != "utf8":
            # As a file gets it: LC_ALL=C or a Latin-1 locale made `export csv` fail on the BOM.
            sys.stdout.reconfigure(encoding="utf-8")
        if stdout_is_terminal():
            # Typed at a terminal to look: stored control bytes are shown, never run.
            yield ExportOnTerminal(sys.stdout)
            sys.stdout.flush()
            return
        if bom:
            sys.stdout.write("\ufeff")
        yield sys.stdout
        sys.stdout.flush()
        return
    from ..services.exporters import atomic_output

    refuse_the_book(path)
    if path.is_dir():
        fail(f"{path} is a directory; give a file name (-o {path / 'contacts'}…)")
    if not path.parent.expanduser().is_dir():
        fail(f"cannot write {path}: the directory {path.parent} does not exist")
    with atomic_output(path, bom=bom) as handle:
        yield handle


def _done(count: int, what: str, path: Path | None) -> None:
    """'exported 3 contacts to FILE' (`what` in the plural, as the --what choices are)."""
    if path is not None and str(path) != "-":
        echo(f"exported {counted(count, what.removesuffix('s'))} to {path}", err=True)


output_option = click.option(
    "-o", "--output", "output", type=click.Path(path_type=Path), metavar="FILE",
    help="Write here instead of to stdout.",
)


@export.command(
    "csv",
    epilog="""\b
Examples:
  kontakt export csv -o kontakte.csv           (for Excel or LibreOffice)
  kontakt export csv --excel -o kontakte.csv   (';' between cells, for German Excel)
  kontakt export csv --raw | python3 my_script.py
  kontakt export csv --google -o google.csv    (for contacts.google.com → Import)
""",
)
@output_option
@click.option("--what", type=click.Choice(["contacts", "interactions", "favours"]),
              default="contacts", show_default=True, help="Which records, one row each.")
@click.option("--excel", is_flag=True, help="';' between cells, as German Excel expects.")
@click.option("--raw", is_flag=True,
              help="A plain CSV for scripts: UTF-8 without a BOM, every cell exactly as stored "
                   "(no ' before =, +, -, @…). Unsafe to open in a spreadsheet.")
@click.option("--google", is_flag=True,
              help="Google Contacts' CSV (contacts.google.com → Import): circles become labels.")
@book_option
def export_csv(output: Path | None, what: str, excel: bool, raw: bool, google: bool) -> None:
    """CSV with a header row, safe to open in a spreadsheet.

    UTF-8 with a BOM (without it Excel reads the file in the Windows code page and mangles
    umlauts); a cell a spreadsheet would run as a formula (starting with = + - @ | ' tab, CR, LF or a full-width ＝ ＋ － ＠)
    gets a ' in front, which `kontakt import` takes off again. --raw writes neither.
    """
    from ..services.exporters import csv as csv_export

    if raw and excel:
        raise click.UsageError("--raw and --excel do not go together: --raw is for scripts, "
                               "--excel for a spreadsheet")
    if google and excel:
        raise click.UsageError("--google and --excel do not go together: Google reads ','")
    if google and what != "contacts":
        raise click.UsageError(f"--google writes contacts; leave out --what {what}")
    book = get_book()
    if google:
        with _output(output, bom=not raw) as out:
            count = csv_export.write_google(book, out, raw=raw)
        _done(count, "contacts", output)
        return
    write = {
        "contacts": csv_export.write_contacts,
        "interactions": csv_export.write_interactions,
        "favours": csv_export.write_favours,
    }[what]
    with _output(output, bom=not raw) as out:
        count = write(book, out, excel=excel, raw=raw)
    _done(count, what, output)


@export.command("vcard", epilog="Example: kontakt export vcard -o ~/.contacts/kontakt/  (one .vcf per contact)")
@click.option("-o", "--output", "output", type=click.Path(), metavar="FILE|DIR",
              help="A .vcf file, or a directory (existing, or ending in /) for one file per contact.")
@click.option("--vcard-version", type=click.Choice(["4.0", "3.0"]), default="4.0", show_default=True)
@click.option("--contact", "ref", metavar="REF", help="Only this contact.")
@book_option
def export_vcard(output: str | None, vcard_version: str, ref: str | None) -> None:
    """Contacts as vCards: one file, or a folder of <uid>.vcf that khard and vdirsyncer read."""
    from ..services.exporters import vcard as vcard_export

    book = get_book()
    ids = [book.find(ref).id] if ref else None
    # The raw text decides: Path() would drop the trailing slash that asks for a folder.
    target = Path(output).expanduser() if output is not None else None
    if target is not None and (target.is_dir() or output.endswith(("/", os.sep))):
        if not target.parent.is_dir():
            fail(f"cannot write {target}: the directory {target.parent} does not exist")
        from .secret import note_plain_export

        note_plain_export(target)
        count = vcard_export.write_directory(book, target, version=vcard_version, ids=ids)
        _done(count, "contacts", target)
        return
    output = target
    with _output(output) as out:
        count = vcard_export.write_cards(book, out, version=vcard_version, ids=ids)
    _done(count, "contacts", output)


@export.command("json", epilog="Example: kontakt export json -o backup.json   |   kontakt export json --contact jürgen")
@output_option
@click.option("--what", type=click.Choice(["all", "contacts", "interactions", "favours"]),
              default="all", show_default=True, help="Everything, or one part.")
@click.option("--contact", "refs", metavar="REF", multiple=True,
              help="Only what the book keeps about this person: their journal too, and the "
                   "links between the people named (repeat for several).")
@book_option
def export_json(output: Path | None, what: str, refs: tuple[str, ...]) -> None:
    """JSON of the whole book: `kontakt import` of it into an empty book restores it exactly.

    Everything the book holds comes back with its ids: contacts (archived and in the trash),
    circles, interactions, favours, introductions, follow-ups, snoozes and let-drift choices,
    pairs marked "not the same person", merges (still undoable) and your settings. Imported
    into a book that has data, contacts are matched by uid and nothing is overwritten.
    """
    from ..services.exporters import json as json_export

    book = get_book()
    ids = list(dict.fromkeys(book.find(ref).id for ref in refs)) if refs else None
    with _output(output) as out:
        count = json_export.write_book(book, out, what=what, contact_ids=ids)
    _done(count, "contacts", output)


# The calendar export is defined with the review (cli/review.py); it is registered here so
# that `kontakt export ics` finds it in a process that imported only this module.
from .review import export_ics_command  # noqa: E402

export.add_command(export_ics_command)
