"""The daily review from the command line: today, done, snooze; and `export ics`."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import click

from ..domain import INTERACTION_KINDS, INTRO_RESULTS
from ..domain.dates import relative
from ..domain.text import counted_people, visible
from ..services.review import KINDS
from . import main
from .common import (
    LIMIT, book_option, complete_contact, display_path, fail, get_book, print_json, read_date,
    read_duration,
    refuse_the_book, today,
)
from .render import echo, terminal_width

WIDTH = 80
KIND_WIDTH = 13  # "keep-in-touch"
NAME_WIDTH = 16
DUE_WIDTH = 9  # "12 mo ago"
REASON_WIDTH = WIDTH - KIND_WIDTH - NAME_WIDTH - DUE_WIDTH - 6


def _fit(text: str, width: int) -> str:
    """`text` cut to `width` terminal cells (with … when cut) and padded to it."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) > width:
        text = set_cell_size(text, width - 1).rstrip() + "…"
    return set_cell_size(text, width)


def _wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` terminal cells (wide characters count double);
    a word longer than a line is broken."""
    from rich.cells import cell_len, chop_cells

    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if cell_len(candidate) <= width:
            line = candidate
            continue
        if cell_len(word) <= width:
            lines.append(line)
            line = word
            continue
        room = width - cell_len(line) - (1 if line else 0)
        if room >= 2:  # fill what is left of this line first
            head = chop_cells(word, room)[0]
            line = f"{line} {head}" if line else head
            word = word[len(head):]
        if line:
            lines.append(line)
        while cell_len(word) > width:
            head = chop_cells(word, width)[0]
            lines.append(head)
            word = word[len(head):]
        line = word
    if line:
        lines.append(line)
    return lines or [""]


def review_table(items, more: int, as_of: date, width: int = WIDTH) -> list[str]:
    """The review as lines of at most `width` columns (80 at least, 120 at most: longer lines
    read badly): kind, name, reason (wrapped), due."""
    if not items:
        return ["Nothing due — enjoy your day."]
    width = max(WIDTH, min(width, 120))
    # Past 100 columns the name gets 8 more cells; every other extra cell goes to the reason.
    name_width = NAME_WIDTH + 8 if width > 100 else NAME_WIDTH
    reason_width = width - KIND_WIDTH - name_width - DUE_WIDTH - 6
    lines = [f"{'kind':<{KIND_WIDTH}}  {'name':<{name_width}}  {'reason':<{reason_width}}  due"]
    for item in items:
        # Placeholders before measuring, so a control character in a name keeps its column.
        reason = _wrap(visible(item.reason), reason_width)
        due = relative(item.due, as_of)
        first = (f"{item.kind:<{KIND_WIDTH}}  {_fit(visible(item.name), name_width)}  "
                 f"{_fit(reason[0], reason_width)}  {due}")
        lines.append(first.rstrip())
        indent = " " * (KIND_WIDTH + name_width + 4)
        lines += [(indent + _fit(rest, reason_width)).rstrip() for rest in reason[1:]]
    if more:
        lines.append("")
        lines.append(f"and {more} more — later")
    return lines


def _config():
    from ..config import load_config

    return load_config()


MORE_HINT = "`kontakt today --more`"


@main.command("today", epilog="""\b
Examples: kontakt today   ·   kontakt today --more   ·   kontakt today --all --json
          kontakt today --brief
The day's budget (review.daily_cap, 5) counts everyone handled today with done, snooze,
skip or let drift, here or in the app; once it is used, today says so and --more shows the
rest. kontakt pause --until DATE rests the review; kontakt resume starts it again.""")
@click.option("--as-of", "as_of", metavar="DATE", help="Review another day (default today).")
@click.option("--limit", type=LIMIT, metavar="N",
              help="Show at most N items, past the day's budget (default: daily_cap, 5).")
@click.option("--all", "show_all", is_flag=True, help="Show everything due, no cap.")
@click.option("--more", is_flag=True,
              help="The next items past the day's budget (or during a pause).")
@click.option("--json", "as_json", is_flag=True,
              help="An array of {kind, contact_id, name, due, reason}.")
@click.option("--with-budget", is_flag=True,
              help="With --json: an object {items: [...], budget: {cap, done, left, paused_until}}.")
@click.option("--brief", is_flag=True,
              help="One short line for a shell profile or status bar; nothing when nothing is due.")
@book_option
@click.pass_context
def today_command(ctx, as_of, limit, show_all, more, as_json, with_budget, brief):
    """The few people worth a message today, within the day's budget."""
    from ..services.review import budget_line, build_review, day_budget, record_offers

    if show_all and limit:
        raise click.UsageError("give --limit N or --all, not both")
    if brief and (as_json or show_all):
        raise click.UsageError("--brief is one line; it does not combine with --json or --all")
    if with_budget and not as_json:
        raise click.UsageError("--with-budget shapes the --json output; give --json too")
    config = _config()
    day = read_date(as_of, what="--as-of")
    if brief and not _book_exists(ctx):
        return  # a shell profile must not create a book, nor nag about a missing one
    if brief:
        from .secret import use_quiet_passphrases

        use_quiet_passphrases()  # nor stop the shell to ask for an encrypted book's passphrase
    book = get_book()
    budget = day_budget(book, day, config)
    # --more, --all and --limit ask for more than the day's budget; plain `today` keeps to it.
    asked = more or show_all or limit is not None
    if show_all:
        cap = None
    elif asked:
        cap = limit or config.daily_cap
    else:
        cap = budget.left
    if cap == 0:
        review = None
    else:
        # Counts of what is held back are only printed by the table ("and 12 more").
        review = build_review(book, day, config, limit=cap, totals=not (brief or as_json),
                              offers=not brief)
    if brief:
        # Read-only on purpose: opening a shell must not use up the weekly drifting offer.
        if review is None:
            if budget.cap and not budget.paused_until:
                echo(budget_line(budget, None))  # quietly: the day's budget is used
            return
        line = brief_line(review.items)
        if line:
            echo(line)
        return
    if review is not None and day == today():
        # A preview of another day does not use up the weekly drifting offer.
        record_offers(book, review, day)
    items = review.items if review is not None else []
    if as_json:
        listed = [item.as_json() for item in items]
        print_json({"items": listed, "budget": budget.as_json()} if with_budget else listed)
        return
    if review is None:
        rest = build_review(book, day, config, limit=1, totals=False).items
        echo(budget_line(budget, MORE_HINT if rest else None))
        return
    for line in review_table(review.items, review.more, day, terminal_width()):
        echo(line)
    if not asked and budget.done:
        echo(f"{budget.done} of {budget.cap} done today")


def _book_exists(ctx: click.Context) -> bool:
    from ..paths import book_path
    from .common import _session

    path, _ = book_path(_session(ctx).db)
    return path.exists()


def brief_line(items, width: int = 60) -> str:
    """'3 people today: Olga, Sam, Berta', '1 person and the #breakfast circle today: Olga',
    '2 circles today: #breakfast, #peer' — distinct people by first name and circles by name,
    at most `width` wide; empty when nothing is due, so a shell prompt stays quiet."""
    names: list[str] = []
    circles: list[str] = []
    seen: set = set()
    for item in items:
        circle = getattr(item, "circle", None)
        # A circle item's contact_id is its first member: a circle is not that person.
        key = ("circle", circle) if circle else ("person", item.contact_id)
        if key in seen:
            continue
        seen.add(key)
        if circle:
            circles.append("#" + visible(circle).lstrip("#"))
        else:
            name = visible(item.name)  # for shell profiles: the one line must be safe as well
            names.append(name.split()[0] if name.split() else name)
    if not names and not circles:
        return ""
    parts = []
    if names:
        parts.append(counted_people(len(names)))
    if len(circles) == 1:
        parts.append(f"the {circles[0]} circle")
    elif circles:
        parts.append(f"{len(circles)} circles")
    listed = names + (circles if len(circles) > 1 else [])
    head = " and ".join(parts) + " today" + (": " if listed else "")
    if not listed:
        return head if len(head) <= width else head[: width - 1] + "…"
    shown = ", ".join(listed)
    if len(head) + len(shown) > width:
        kept: list[str] = []
        for name in listed:
            if len(head) + len(", ".join(kept + [name])) + 3 > width:
                break
            kept.append(name)
        # A first name too long for the line on its own is cut rather than left out.
        shown = ", ".join(kept) + ", …" if kept else listed[0][: max(width - len(head) - 1, 0)] + "…"
    return head + shown


def _top_item(ref: str, kind: str | None):
    from ..services.review import items_for_contact

    book = get_book()
    if ref.startswith("#"):
        return book, _circle_item(book, ref, kind)
    contact = book.find(ref)
    items = items_for_contact(book, contact.id, today(), _config())
    if kind:
        items = [item for item in items if item.kind == kind]
    if not items:
        what = f"no {kind} item" if kind else "nothing"
        fail(f"{what} due for {contact.name} today")
    return book, items[0]


def _circle_item(book, ref: str, kind: str | None):
    """The Today item of the circle `ref` ('#breakfast'); a clear error if there is none."""
    from ..services.review import CIRCLE_MIN_OVERDUE, circle_item

    name = ref.lstrip("#").strip()
    if kind not in (None, "circle"):
        fail(f"{ref} is a circle: its only item is the circle's own (--item circle)")
    if not any(c.name.casefold() == name.casefold() for c in book.circles()):
        fail(f"no circle called {name!r} (kontakt circles lists them)")
    item = circle_item(book, name, today(), _config())
    if item is None:
        fail(f"no prompt for #{name} today: fewer than {CIRCLE_MIN_OVERDUE} of its members "
             f"(or under half) are overdue together; log a meeting with kontakt log NAME NAME …")
    return item


_item_option = click.option(
    "--item", "item_kind", type=click.Choice(KINDS), metavar="KIND",
    help="Act on this kind of item (default: the contact's most pressing one).",
)


@main.command(epilog="""\b
Examples:
  kontakt done olga --kind call
  kontakt done ada --item intro-check --result worked --note "they work together now"
  kontakt done jürgen --item thank     logs the thank-you (their favours count as thanked)
  kontakt done '#breakfast'          # the circle's prompt: one meeting with its overdue members
""")
@click.argument("ref")
@click.option("--kind", type=click.Choice(INTERACTION_KINDS), default=None,
              help="The interaction to log (default: the kind of their preferred channel, "
                   "else other; meeting for a #circle).")
@click.option("--note", default="", metavar="TEXT",
              help="A note for the interaction, or how an introduction turned out.")
@click.option("--result", type=click.Choice(INTRO_RESULTS), default=None,
              help="For an introduction: did it work? (default unknown)")
@click.option("--no-log", "no_log", is_flag=True,
              help="Complete a follow-up without logging an interaction.")
@_item_option
@book_option
def done(ref, kind, note, result, no_log, item_kind):
    """Act on a contact's top review item: log it, complete it (a follow-up is logged as an
    interaction too, unless --no-log), or note the outcome. Counts against today's budget.
    REF '#circle' acts on the circle's prompt: one group interaction with its overdue members."""
    from ..services.review import mark_done

    book, item = _top_item(ref, item_kind)
    if result and item.kind != "intro-check":
        fail(f"--result answers an introduction; {item.name}'s top item is {item.kind}"
             " (--item intro-check picks it)")
    if kind is None and item.kind == "circle":
        kind = "meeting"
    token = mark_done(book, item, today(), kind, note=note, log=not no_log, result=result)
    echo(token.message)


@main.command(epilog="""\b
Examples:
  kontakt snooze olga
  kontakt snooze olga --for "3 days"
  kontakt snooze olga --until friday
""")
@click.argument("ref")
@click.option("--until", "until", metavar="DATE",
              help="Show it again on this day; a bare weekday (friday) is the next one.")
@click.option("--for", "for_", metavar="DURATION", help='For a while: "3 days", "1 week".')
@_item_option
@book_option
def snooze(ref, until, for_, item_kind):
    """Put a contact's top review item away until a later day (default tomorrow); counts
    against today's budget."""
    from ..services.review import snooze as snooze_item

    if until and for_:
        raise click.UsageError("give --until DATE or --for DURATION, not both")
    now = today()
    if until:
        day = read_date(until, what="--until")
    elif for_:
        day = read_duration(for_, what="--for").after(now)
    else:
        day = now + timedelta(days=1)
    if day <= now:
        fail(f"--until: {day.isoformat()} is not after today ({now.isoformat()})")
    book, item = _top_item(ref, item_kind)
    echo(snooze_item(book, item, day, as_of=now).message)


@main.command(epilog="""\b
Examples:
  kontakt pause --until 2027-01-02
  kontakt pause --for "2 weeks"
While paused, today shows nothing and no budget is counted; on return what fell due
during the pause counts as due that day and comes a day's budget at a time.""")
@click.option("--until", "until", metavar="DATE", help="The day the review starts again.")
@click.option("--for", "for_", metavar="DURATION", help='For a while: "2 weeks", "10 days".')
@book_option
def pause(until, for_):
    """Rest the daily review for a while (a holiday)."""
    from ..services.review import pause as pause_review

    if bool(until) == bool(for_):
        raise click.UsageError("give --until DATE or --for DURATION")
    now = today()
    day = read_date(until, what="--until") if until else read_duration(for_, what="--for").after(now)
    if day <= now:
        fail(f"--until: {day.isoformat()} is not after today ({now.isoformat()})")
    echo(pause_review(get_book(), now, day))


@main.command(epilog="Example: kontakt resume")
@book_option
def resume():
    """End a pause of the daily review today."""
    from ..services.review import resume as resume_review

    message = resume_review(get_book(), today())
    echo(message or "the review is not paused")


# `export ics` joins the export group in cli/transfer.py: `today` (in every new shell, with
# --brief) does not import the exporters to define it.
@click.command("ics", epilog="""\b
Examples:
kontakt export ics -o ~/kontakt.ics
kontakt export ics --vdir ~/.calendars/kontakt --dry-run   (a folder vdirsyncer/khal use)""")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (default: standard output).")
@click.option("--vdir", metavar="DIR",
              help="Keep the calendar folder DIR in step instead (one file per object, two-way: "
                   "to-dos ticked off there are marked done).")
@click.option("--dry-run", is_flag=True, help="With --vdir: show what would change, change nothing.")
@click.option("--keep-in-touch/--no-keep-in-touch", default=None,
              help="With --vdir: also keep-in-touch dates (default: [calendar] keep_in_touch).")
@book_option
def export_ics_command(output, vdir, dry_run, keep_in_touch):
    """Follow-ups, keep-in-touch dates and birthdays as an iCalendar file, or a calendar folder."""
    from ..services.calendar import export_ics

    from .secret import note_plain_export

    if vdir is not None:
        if output:
            raise click.UsageError("give -o FILE or --vdir DIR, not both")
        if not dry_run:
            note_plain_export(Path(vdir))
        _sync_vdir(vdir, dry_run=dry_run, keep_in_touch=keep_in_touch)
        return
    if dry_run or keep_in_touch is not None:
        raise click.UsageError("--dry-run and --keep-in-touch go with --vdir DIR")
    if not output and sys.stdout is None:  # `kontakt export ics >&-`, as the other exports say
        fail("standard output is closed: nowhere to export to (give -o FILE)")
    data = export_ics(get_book(), today=today())
    note_plain_export(Path(output) if output else None)
    if not output:
        from .render import export_on_terminal, stdout_is_terminal

        if stdout_is_terminal():  # typed to look: stored control bytes are shown, never run
            data = export_on_terminal(data.decode("utf-8", "replace"))
        click.echo(data, nl=False)  # an export, not display: bytes go to the binary stdout unchanged (CRLF lines)
        return
    path = Path(output).expanduser()
    refuse_the_book(path)
    if path.is_dir():
        fail(f"{output} is a directory; give a file name like {output.rstrip('/')}/kontakt.ics")
    if not path.parent.is_dir():
        fail(f"cannot write {output}: the directory {path.parent} does not exist")
    # Written next to the target and renamed, so a failed export never leaves half a file;
    # private (0600) because it lists people and their birthdays.
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    echo(f"wrote {display_path(path)}")


def _sync_vdir(vdir: str, *, dry_run: bool, keep_in_touch: bool | None) -> None:
    """`export ics --vdir DIR`: the calendar folder sync, reported one line per change."""
    from ..config import ConfigError
    from ..services.calendar_sync import CalendarSyncError, sync_calendar_dir

    path = Path(vdir).expanduser()
    try:
        report = sync_calendar_dir(get_book(), path, dry_run=dry_run, keep_in_touch=keep_in_touch,
                                   today=today())
    except (CalendarSyncError, ConfigError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write into {vdir}: {error.strerror or error}")
    for line in report.lines():
        echo(line)


@main.command(epilog="""\b
Examples:
  kontakt drift sam                  # let Sam drift: no cadence, own or a circle's
  kontakt drift --list               # everyone let drift (--json: an array)
  kontakt drift --undo sam           # bring Sam back: the cadence applies again
Letting someone drift (here, or r in the app's Today) sticks: they leave their circle's
cadence for good, and show, list and today agree. kontakt undo takes it back too.""")
@click.argument("ref", required=False, shell_complete=complete_contact)
@click.option("--undo", "bring", is_flag=True, help="Bring REF back: their cadence applies again.")
@click.option("--list", "listing", is_flag=True, help="List everyone let drift (default without REF).")
@click.option("--json", "as_json", is_flag=True,
              help="With --list: an array of {id, name, since, cadence, from_circle, last_contact}.")
@book_option
def drift(ref, bring, listing, as_json):
    """Let someone drift (out of every cadence), list them, or bring them back."""
    from ..services.review import bring_back, drifted, let_drift

    if ref and listing:
        raise click.UsageError("give REF to let drift (or --undo REF), or --list; not both")
    if as_json and ref:
        raise click.UsageError("--json goes with --list")
    if bring and not ref:
        raise click.UsageError("--undo needs the REF of someone to bring back")
    book = get_book()
    if not ref:
        people = drifted(book)
        if as_json:
            print_json([d.as_json() for d in people])
            return
        if not people:
            echo("Nobody is let drift.")
            return
        now = today()
        for d in people:
            since = f"since {d.since.isoformat()}" if d.since else "since before"
            was = f"was {d.cadence}{' (circle)' if d.from_circle else ''}" if d.cadence else "no cadence"
            echo(f"{d.contact_id:>5}  {_fit(visible(d.name), NAME_WIDTH + 8)}  {since:<16}  "
                 f"{was:<28}  last {relative(d.last_contact, now)}".rstrip())
        echo("bring someone back with: kontakt drift --undo NAME")
        return
    contact = book.find(ref)
    now = today()
    if bring:
        try:
            echo(bring_back(book, contact.id, as_of=now).message)
        except ValueError as error:
            fail(str(error))
        return
    echo(let_drift(book, contact.id, as_of=now).message)
