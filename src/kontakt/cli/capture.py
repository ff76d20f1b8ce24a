"""kontakt capture: interactions proposed from calendar files and mail, reviewed in an inbox."""

from __future__ import annotations

from pathlib import Path

import click

from .. import clock
from . import main
from .common import book_option, fail, get_book, print_json, read_date, today
from .render import echo

DIRECTION_WORDS = {"me": "I reached out", "them": "they reached out", "mutual": "both wrote"}


def _ids(values: tuple[str, ...], what: str) -> list[int]:
    """IDs from repeated options, each one id or a comma-separated list ("3,4 5")."""
    found = []
    for value in values:
        for part in value.replace(",", " ").split():
            digits = part.lstrip("#")
            if not digits.isascii() or not digits.isdigit() or int(digits) >= 2**63:
                fail(f"{what}: {part!r} is not a proposal id (see kontakt capture --list)")
            found.append(int(digits))
    return found


def _now():
    try:
        return clock.now()
    except clock.ClockError as error:
        fail(str(error))


def _since(text: str | None):
    from ..services.capture import default_since

    if text is None:
        return default_since(today())
    return read_date(text, what="--since")


def _line(p) -> str:
    people = ", ".join(p.names)
    extra = [DIRECTION_WORDS[p.direction]] if p.direction and p.source == "mail" else []
    if p.title:
        extra.append(f"“{p.title}”")
    tail = f"  {'  '.join(extra)}" if extra else ""
    return f"  #{p.id:<5} {p.kind:<8} {people}{tail}  [{p.source}]"


def _print_list(book, as_json: bool) -> None:
    from ..store import capture as store

    proposals = store.pending(book)
    if as_json:
        print_json([p.to_json() for p in proposals])
        return
    if not proposals:
        echo("No proposals waiting. kontakt capture calendar PATH / mail PATH looks for some.")
        return
    day = None
    for p in proposals:
        if p.date != day:
            day = p.date
            echo(f"{day.isoformat()} ({day.strftime('%a')})")
        echo(_line(p))
    echo(f"{len(proposals)} waiting: --accept ID, --ignore ID, --accept-all")


def _accept_all(book) -> int:
    from ..store import capture as store

    ids = [p.id for p in store.pending(book)]
    if ids:
        store.accept(book, ids, today=today())
    return len(ids)


def _scan_json(what: str, result, accepted: int | None) -> dict:
    data = {key: value for key, value in vars(result.scan).items()
            if key not in ("proposals", "seen_files", "gone_files", *getattr(result.scan, "INTERNAL", ()))}
    data.update(source=what, new=result.new, updated=result.updated, new_ids=result.new_ids)
    if accepted is not None:
        data["accepted"] = accepted
    return data


def _report(what: str, result, as_json: bool, accepted: int | None) -> dict | None:
    """Print what a scan saw; with `as_json`, return it as a dict for the caller to print."""
    scan = result.scan
    if as_json:
        return _scan_json(what, result, accepted)
    if what == "calendar":
        echo(f"calendar: {scan.files} file(s), {scan.events} past event(s): {result.new} new "
             f"proposal(s) ({scan.cancelled} cancelled, {scan.declined} declined, "
             f"{scan.unmatched} with no contact, {scan.ruled_out} ruled out)")
        if scan.withdrawn or scan.moved:
            echo(f"calendar: {scan.withdrawn} waiting proposal(s) withdrawn (event cancelled, "
                 f"declined or deleted), {scan.moved} moved with their event")
        for problem in scan.unreadable + scan.skipped_events:
            echo(f"skipped {problem}", err=True)
    else:
        echo(f"mail: {scan.messages} message(s) read, {scan.skipped_files} file(s) unchanged: "
             f"{result.new} new proposal(s) ({scan.lists} lists or automated, "
             f"{scan.duplicates} duplicate(s), {scan.unmatched} with no contact, "
             f"{scan.undated + scan.out_of_range} undated or out of range)")
    if accepted is not None:
        echo(f"accepted {accepted} proposal(s) as interactions")
    return None


def _run_scan(what: str, paths: list[Path], *, since, me, keep_subjects: bool, as_json: bool,
              yes: bool) -> dict | None:
    from ..services import capture

    book = get_book()
    if what == "calendar":
        result = capture.scan_calendar(book, paths, now=_now(), since=since, me=me)
    else:
        result = capture.scan_mail(book, paths, now=_now(), since=since, me=me,
                                   keep_subjects=keep_subjects)
    return _report(what, result, as_json, _accept_all(book) if yes else None)


def _common(command):
    options = [
        click.option("--since", metavar="DATE", help="Look back to this day (default: a year ago)."),
        click.option("--me", "me", multiple=True, metavar="ADDRESS",
                     help="One of your own addresses (repeatable; adds to capture.me)."),
        click.option("--yes", is_flag=True, help="Accept every waiting proposal (for scripts)."),
        click.option("--json", "as_json", is_flag=True, help="Print what the scan saw as JSON."),
        book_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.group(invoke_without_command=True, epilog="""\b
Examples:
  kontakt capture calendar ~/.calendars/work --me me@example.com
  kontakt capture mail ~/Mail --me me@example.com
  kontakt capture --list
  kontakt capture --accept 3,4 --ignore 5
  kontakt capture --ignore-sender '*@newsletter.example.com'
  kontakt capture --yes          # scan [capture] sources, accept all (cron)
""")
@click.option("--list", "show", is_flag=True, help="List the proposals waiting in the inbox.")
@click.option("--json", "as_json", is_flag=True, help="JSON: the list with --list, else what the scans saw.")
@click.option("--accept", "accept", multiple=True, metavar="ID[,ID]",
              help="Log these proposals as interactions (repeatable).")
@click.option("--accept-all", is_flag=True, help="Log every waiting proposal.")
@click.option("--ignore", "ignore", multiple=True, metavar="ID[,ID]",
              help="Ignore these proposals: never proposed again (repeatable).")
@click.option("--ignore-sender", multiple=True, metavar="ADDRESS",
              help="Never propose mail or events with this address (a glob: *@x.com).")
@click.option("--ignore-title", multiple=True, metavar="PATTERN",
              help="Never propose events (or mail subjects) matching this (glob or words).")
@click.option("--yes", is_flag=True, help="Scan the configured sources and accept everything.")
@click.option("--keep-subjects", is_flag=True, help="Store mail subjects as notes (off by default).")
@book_option
@click.pass_context
def capture(ctx, show, as_json, accept, accept_all, ignore, ignore_sender, ignore_title, yes,
            keep_subjects):
    """Proposals from your calendar and mail, reviewed before they are logged.

    Without options, scans the sources in the config's [capture] table (calendar = [...],
    mail = [...], me = [...]). Nothing leaves this machine; mail is read headers only.
    """
    inbox_options = show or accept or accept_all or ignore or ignore_sender or ignore_title
    if ctx.invoked_subcommand is not None:
        if inbox_options or yes or keep_subjects:
            raise click.UsageError("give inbox options without a subcommand, or after it only "
                                   "--since/--me/--yes/--json")
        return
    from ..store import capture as store

    if inbox_options and yes:
        raise click.UsageError("--yes scans the configured sources; with inbox options use --accept-all")
    accept_ids, ignore_ids = _ids(accept, "--accept"), _ids(ignore, "--ignore")
    overlap = set(accept_ids) & set(ignore_ids)
    if overlap:
        fail(f"proposal #{min(overlap)} is both accepted and ignored; pick one")
    if any(not a.strip() for a in ignore_sender):
        fail("--ignore-sender: give an address or a pattern like *@example.com")
    if any(not p.strip() for p in ignore_title):
        fail("--ignore-title: give a word or a pattern")
    if inbox_options:
        book = get_book()
        for proposal_id in accept_ids + ignore_ids:  # all checked before anything is written
            _check_pending(book, proposal_id)
        for address in ignore_sender:
            store.add_rule(book, "sender", address.strip())
        for pattern in ignore_title:
            store.add_rule(book, "title", pattern.strip())
        if ignore_sender or ignore_title:
            from ..services.capture import apply_rules

            ruled = apply_rules(book)
            echo(f"rule saved; {ruled} waiting proposal(s) now ignored")
        if ignore_ids:
            ignore_ids = [i for i in ignore_ids if store.get(book, i).status == "pending"]
            echo(f"ignored {store.ignore(book, ignore_ids)} proposal(s)")
        if accept_ids:
            accept_ids = [i for i in accept_ids if store.get(book, i).status == "pending"]
            made = store.accept(book, accept_ids, today=today())
            echo(f"accepted {len(made)} proposal(s) as interactions")
        if accept_all:
            echo(f"accepted {_accept_all(book)} proposal(s) as interactions")
        if show:
            _print_list(book, as_json)
        return
    from ..services.capture import sources

    configured = sources()
    if not configured.calendar and not configured.mail:
        fail("no sources to scan: add [capture] calendar = [...] and/or mail = [...] to the "
             "config file, or run kontakt capture calendar PATH / mail PATH")
    since = _since(None)
    reports = []
    for what, paths in (("calendar", list(configured.calendar)), ("mail", list(configured.mail))):
        missing = [p for p in paths if not p.exists()]
        if missing:
            fail(f"{configured_in()}: capture.{what}: {missing[0]} does not exist")
        if paths:
            reports.append(_run_scan(what, paths, since=since, me=configured.me,
                                     keep_subjects=keep_subjects or configured.keep_subjects,
                                     as_json=as_json, yes=False))
    accepted = _accept_all(get_book()) if yes else None
    if as_json:
        print_json({"scans": reports, **({"accepted": accepted} if yes else {})})
    elif yes:
        echo(f"accepted {accepted} proposal(s) as interactions")


def configured_in() -> str:
    from ..paths import config_path

    return str(config_path())


def _check_pending(book, proposal_id: int) -> None:
    from ..store import capture as store

    proposal = store.get(book, proposal_id)
    if proposal.status != "pending":
        fail(f"proposal #{proposal_id} is already {proposal.status}")
    if not proposal.contact_ids:
        fail(f"proposal #{proposal_id}: everyone in it is in the trash")


@capture.command("calendar", epilog="Example: kontakt capture calendar ~/.calendars/ --me me@example.com")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...",
                type=click.Path(exists=True, path_type=Path))
@_common
def capture_calendar(paths, since, me, yes, as_json):
    """Propose past events from .ics files or folders (a vdir) whose people are contacts."""
    from ..services.capture import sources

    configured = sources()
    data = _run_scan("calendar", list(paths), since=_since(since), me=tuple(me) + configured.me,
                     keep_subjects=False, as_json=as_json, yes=yes)
    if data is not None:
        print_json(data)


@capture.command("mail", epilog="Example: kontakt capture mail ~/Mail --me me@example.com")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...",
                type=click.Path(exists=True, path_type=Path))
@click.option("--keep-subjects", is_flag=True, help="Store subjects as the notes (off: no subjects).")
@_common
def capture_mail(paths, keep_subjects, since, me, yes, as_json):
    """Propose messages to and from contacts in a Maildir or mbox (headers only)."""
    from ..services.capture import sources

    configured = sources()
    data = _run_scan("mail", list(paths), since=_since(since), me=tuple(me) + configured.me,
                     keep_subjects=keep_subjects or configured.keep_subjects, as_json=as_json, yes=yes)
    if data is not None:
        print_json(data)
