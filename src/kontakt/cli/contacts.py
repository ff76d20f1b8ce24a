"""Contact commands: add, edit, show, list, search, archive, circle, circles."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from itertools import chain, islice

import click
from typing import TypeVar

from ..domain import CHANNELS, Address, Balance, Birthday, Contact, DateError
from ..domain.cards import labelled
from ..domain.dates import relative
from ..domain.text import visible
from ..store import Book
from ..store import relations
from ..store.contacts import ListRow
from ..store.reading import with_balances
from ..store.values import email_key, phone_key, tag_key, url_key
from . import main
from .common import (
    LIMIT, book_option, complete_circle, complete_contact, fail, get_book, print_json, read_cadence,
    today,
)
from .render import (
    journal_json, relationship_json,
    card_rows, cell, console, echo, contact_json, plain_width, print_hanging, print_json_array, favour_json, follow_up_json, interaction_json, introduction_json,
)


def _birthday(text: str) -> Birthday:
    try:
        return Birthday.parse(text, today())
    except DateError as error:
        fail(f"--birthday: {error}")
        raise


def _addresses(texts) -> list[Address]:
    found = []
    for text in texts:
        try:
            found.append(Address.parse(text))
        except ValueError as error:
            fail(f"--address: {error}")
    return found


def contact_options(command):
    """The field options shared by `add` and `edit`."""
    options = [
        click.option("--email", "emails", multiple=True, metavar="E",
                     help='An email address (repeatable); "work: a@b.org" labels it.'),
        click.option("--phone", "phones", multiple=True, metavar="P",
                     help='A phone number (repeatable); "mobile: +49 170 1234567" labels it.'),
        click.option("--address", "addresses", multiple=True, metavar="ADR",
                     help='A postal address (repeatable): "[home:] street; city; region; postcode; country".'),
        click.option("--url", "urls", multiple=True, metavar="URL", help="A web address (repeatable)."),
        click.option("--nickname", metavar="TEXT", help="What you call them."),
        click.option("--org", metavar="O", help="Organisation."),
        click.option("--role", metavar="R", help="Role or job title."),
        click.option("--location", metavar="TEXT", help="Where they live or work."),
        click.option("--tag", "tags", multiple=True, metavar="T", shell_complete=complete_circle, help="A circle they belong to (repeatable)."),
        click.option("--every", "cadence", metavar="CADENCE", help='Keep-in-touch cadence: "2 weeks", "monthly", "quarterly".'),
        click.option("--birthday", metavar="DATE", help="3.4.1980, 1980-04-03, or year-less --04-03."),
        click.option("--met", metavar="TEXT", help="How you met."),
        click.option("--note", metavar="TEXT", help="Notes (free text)."),
        click.option("--channel", type=click.Choice(list(CHANNELS)), metavar="CHANNEL",
                     help=f"How you like to reach them: {', '.join(CHANNELS)}."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.command(epilog='Example: kontakt add "Jürgen Müller" --email jm@example.com --tag breakfast --every monthly')
@click.argument("name")
@contact_options
@book_option
def add(name, emails, phones, addresses, urls, nickname, org, role, location, tags, cadence, birthday,
        met, note, channel):
    """Add a contact and print its id."""
    book = get_book()
    emails, email_labels = labelled(emails)
    phones, phone_labels = labelled(phones)
    fields = dict(
        emails=emails, phones=phones, addresses=_addresses(addresses), urls=urls,
        labels={**email_labels, **phone_labels}, nickname=nickname or "", org=org or "", role=role or "",
        location=location or "", tags=tags, met=met or "", notes=note or "",
        cadence=read_cadence(cadence, what="--every") if cadence else None,
        birthday=_birthday(birthday) if birthday else None, channel=channel,
    )
    same_name = [c for c in book.search(name, limit=20) if c.name.casefold() == name.strip().casefold()]
    contact_id = book.add_contact(name, today=today(), **fields)
    echo(contact_id)
    if same_name:
        others = ", ".join(f"#{c.id}" for c in same_name)
        echo(f"note: there is already a contact named {name.strip()} ({others})", err=True)


@main.command(epilog="Example: kontakt edit jürgen --org \"Müller & Söhne\" --tag clients --untag alumni")
@click.argument("ref", shell_complete=complete_contact)
@click.option("--name", metavar="NAME", help="Rename the contact.")
@contact_options
@click.option("--untag", "untags", multiple=True, metavar="T", shell_complete=complete_circle, help="Leave a circle (repeatable).")
@click.option("--remove-email", "remove_emails", multiple=True, metavar="E", help="Drop an email address.")
@click.option("--remove-phone", "remove_phones", multiple=True, metavar="P", help="Drop a phone number.")
@click.option("--no-cadence", is_flag=True, help="Remove the contact's own cadence.")
@click.option("--no-birthday", is_flag=True, help="Forget the birthday.")
@click.option("--no-channel", is_flag=True, help="Forget the preferred channel.")
@book_option
@click.option("--remove-address", "remove_addresses", multiple=True, metavar="TEXT",
              help="Drop the addresses whose label or text contains TEXT.")
@click.option("--remove-url", "remove_urls", multiple=True, metavar="URL", help="Drop a web address.")
def edit(ref, name, emails, phones, addresses, urls, nickname, org, role, location, tags, cadence,
         birthday, met, note, channel, untags, remove_emails, remove_phones, remove_addresses,
         remove_urls, no_cadence, no_birthday, no_channel):
    """Change a contact. --email, --phone and --tag add; --note replaces the notes.

    A --remove-… or --untag naming something the contact does not have is said on stderr:
    exit 1 when nothing else was asked (nothing changes), 3 when the rest was changed.
    """
    if cadence and no_cadence:
        raise click.UsageError("--every and --no-cadence contradict each other")
    if birthday and no_birthday:
        raise click.UsageError("--birthday and --no-birthday contradict each other")
    if channel and no_channel:
        raise click.UsageError("--channel and --no-channel contradict each other")
    book = get_book()
    contact = book.find(ref)
    emails, email_labels = labelled(emails)
    phones, phone_labels = labelled(phones)
    changes: dict = {}
    absent: list[str] = []  # "no e-mail typo@x.org": a removal that named nothing the contact has
    if email_labels or phone_labels:
        changes["labels"] = {**dict(contact.labels), **email_labels, **phone_labels}
    if addresses or remove_addresses:
        drop = []
        for text in remove_addresses:
            wanted = text.strip().casefold()
            if any(_names_address(wanted, a) for a in contact.addresses):
                drop.append(wanted)
            else:
                absent.append(f"no address matching {text.strip()}")
        if addresses or drop:
            kept = [a for a in contact.addresses if not any(_names_address(d, a) for d in drop)]
            changes["addresses"] = kept + _addresses(addresses)
    if urls or remove_urls:
        kept_urls = _without(contact.urls, remove_urls, url_key, "web address", absent)
        if urls or kept_urls is not None:
            changes["urls"] = list(contact.urls if kept_urls is None else kept_urls) + list(urls)
    for key, value in (("name", name), ("nickname", nickname), ("org", org), ("role", role),
                       ("location", location), ("met", met), ("notes", note)):
        if value is not None:
            changes[key] = value
    if cadence:
        changes["cadence"] = read_cadence(cadence, what="--every")
    if no_cadence:
        changes["cadence"] = None
    if birthday:
        changes["birthday"] = _birthday(birthday)
    if no_birthday:
        changes["birthday"] = None
    if channel or no_channel:
        changes["channel"] = channel
    if remove_emails:
        kept_emails = _without(contact.emails, remove_emails, email_key, "e-mail", absent)
        if kept_emails is not None:
            changes["emails"] = kept_emails
    if remove_phones:
        kept_phones = _without(contact.phones, remove_phones, phone_key, "phone", absent)
        if kept_phones is not None:
            changes["phones"] = kept_phones
    circles = {tag_key(t) for t in (*contact.tags, *tags)}
    for untag in untags:
        if tag_key(untag) not in circles:
            absent.append(f"no circle {untag.strip()}")
    untags = [t for t in untags if tag_key(t) in circles]
    if not (changes or emails or phones or tags or untags or absent):
        raise click.UsageError("nothing to change; see kontakt edit --help")
    if not (changes or emails or phones or tags or untags):
        # Every removal named something the contact does not have: nothing is written (no
        # undo step), and the exit code says so, as `unlink` of a link that is not there.
        fail(f"{contact.name} has {', '.join(absent)}; nothing changed")
    updated = book.update_contact(
        contact.id, today=today(), add_tags=tags, remove_tags=untags,
        add_emails=emails, add_phones=phones, **changes,
    )
    echo(f"updated #{updated.id} {updated.name}")
    if cadence and updated.drift_cadence is not None:  # let drift: the cadence waits for them
        echo(f"{updated.name} is let drift; `kontakt drift --undo {updated.id}` brings them back to it")
    if absent:
        echo(f"warning: {updated.name} has {', '.join(absent)}; the other changes were made", err=True)
        raise SystemExit(EXIT_PARTLY)


# `kontakt edit` exits with this when it changed the contact but a removal named something
# the contact does not have: the code `kontakt import` uses when some rows landed and others
# did not, so a script notices the typo without mistaking the edit for one that failed.
EXIT_PARTLY = 3


def _names_address(wanted: str, address) -> bool:
    """A --remove-address (folded) names this address: its label, or a piece of it ("berlin")."""
    return wanted in address.one_line().casefold() or wanted == address.label


def _without(values: Iterable[str], removals: Iterable[str], key: Callable[[str], str],
             what: str, absent: list[str]) -> list[str] | None:
    """`values` without those a removal names (compared by the store's `key`), or None when
    no removal named one; each removal that named nothing goes to `absent` ("no phone 123")."""
    values = list(values)
    have = {key(v) for v in values}
    drop = set()
    for removal in removals:
        if key(removal) in have:
            drop.add(key(removal))
        else:
            absent.append(f"no {what} {removal.strip()}")
    return [v for v in values if key(v) not in drop] if drop else None


@main.command(epilog="Example: kontakt show jürgen --json")
@click.argument("ref", shell_complete=complete_contact)
@click.option("--json", "as_json", is_flag=True, help="Everything about the contact as JSON.")
@book_option
def show(ref, as_json):
    """Show a contact with their whole history, newest first."""
    book = get_book()
    contact = book.find(ref)
    balance = book.balance(contact.id)
    interactions = book.interactions_for(contact.id)
    favours = book.favours_for(contact.id)
    follow_ups = book.follow_ups_for(contact.id)
    introductions = book.introductions_for(contact.id)
    links = relations.relationships_for(book, contact.id)
    journal = relations.journal_for(book, contact.id)
    if as_json:
        data = contact_json(contact, balance)
        data["notes"] = contact.notes
        data["interactions"] = [interaction_json(i) for i in interactions]
        data["favours"] = [favour_json(f) for f in favours]
        data["follow_ups"] = [follow_up_json(f) for f in follow_ups]
        data["introductions"] = [introduction_json(i, contact.id) for i in introductions]
        data["relationships"] = [relationship_json(link) for link in links]
        data["journal"] = [journal_json(entry) for entry in journal]
        print_json(data)
        return
    print_hanging(card_rows(contact, balance, interactions, favours, follow_ups, introductions, today(),
                            relationships=links, journal=journal))


T = TypeVar("T")


def _with_balances(book: Book, contacts: Iterable[Contact]) -> Iterator[tuple[Contact, Balance]]:
    """Each contact with its balance, the balances asked for 500 contacts at a time."""
    return with_balances(book.conn, contacts)


def _chunks(items: Iterable[T], size: int, *, first: int | None = None) -> Iterator[list[T]]:
    """`items` in lists of `size` (the first of `first`, when given)."""
    chunk: list[T] = []
    limit = first or size
    for item in items:
        chunk.append(item)
        if len(chunk) == limit:
            yield chunk
            chunk, limit = [], size
    if chunk:
        yield chunk


# The table's column widths come from at most this many rows (all of them in a shorter
# list): measuring every row of a 100k book took a second before the first line.
LAYOUT_ROWS = 500
# The longest "last" and "due" cells up to a century away: "yesterday", "11 mo ago"; "in 11 mo".
_DATE_WIDTHS = (9, 8)


def _print_contacts(book: Book, contacts: Callable[[], Iterable[Contact]], as_json: bool, empty: str,
                    measure: Callable[[], Generator] | None = None) -> None:
    """Print the contacts `contacts()` yields as JSON or as a table, streamed from the store.

    The table's column widths are those of its first `LAYOUT_ROWS` rows (`measure()`, the
    same rows with only what a row shows, when given; otherwise the first rows of
    `contacts()`, kept to be printed): the first line is out at once and memory stays flat at
    any size. A later cell wider than its column is cut with …, as cells already are when the
    terminal is narrow.
    """
    if as_json:
        print_json_array(contact_json(c, b) for c, b in _with_balances(book, contacts()))
        return
    from rich.cells import cell_len

    now = today()
    headers = ("id", "name", "org", "circles", "last", "due", "±")
    natural = [cell_len(h) for h in headers]
    rows: Iterable[tuple[Contact, Balance]] = _with_balances(book, contacts())
    if measure is None:
        # One query (a search sorts every match before its first row): keep the rows measured.
        head = list(islice(rows, LAYOUT_ROWS + 1))
        rows = chain(head, rows)
        sample: Generator = (contact for contact, _ in head)
    else:
        sample = measure()
    seen = 0
    with closing(sample):  # its cursor: the rows past the measured ones are never read
        for contact in sample:
            if seen == LAYOUT_ROWS:  # one more row: the list goes on past the measured ones
                seen += 1
                break
            # The ± column is one cell whatever the balance: no need to read favours to measure.
            for i, text in enumerate(_list_cells(contact, "", now)[:6]):
                natural[i] = max(natural[i], cell_len(text))
            seen += 1
    if not seen:
        echo(empty, err=True)
        return
    if seen > LAYOUT_ROWS:
        # Rows past the measured ones may hold any id or date: never cut one with ….
        natural[0] = max(natural[0], len(str(book.largest_contact_id())))
        natural[4] = max(natural[4], _DATE_WIDTHS[0])
        natural[5] = max(natural[5], _DATE_WIDTHS[1])
    # Piped, the lines are plain: rich (20 ms to import) is needed only if they do not fit.
    width = plain_width()
    plain = width is not None
    if width is None:
        out = console()
        width, plain = out.width, out.color_system is None
    # Dates and marks keep their width; name, org and circles shrink (with …) to fit.
    fixed = natural[0] + natural[4] + natural[5] + natural[6] + 2 * (len(headers) - 1)
    flexible = _share(max(width - fixed, 18), [natural[1], natural[2], natural[3]])
    if seen > LAYOUT_ROWS:
        # Later names may be longer than the first ones: room the terminal has to spare goes
        # to them, and to org and circles (each up to half its width again).
        flexible = _grow(width - fixed, flexible)
    widths = [natural[0], *flexible, natural[4], natural[5], natural[6]]
    if plain and sum(widths) + 2 * (len(widths) - 1) <= width:
        # No colours, and the widths fit: the lines rich would print, without building tables.
        echo(_plain_row(headers, widths))
        for chunk in _chunks(rows, 500, first=20):
            echo("".join(_plain_row(_list_cells(c, b.mark, now), widths) + "\n" for c, b in chunk),
                 nl=False)
        return
    from rich.table import Table

    out = console()
    for number, chunk in enumerate(_chunks(rows, 500, first=20)):
        # One table per 500 rows with the same fixed widths prints the very lines one table
        # of every row would (each row is laid out on its own), header once.
        table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold",
                      show_header=number == 0)
        for header, width in zip(headers, widths):
            table.add_column(
                header, width=width, no_wrap=True, overflow="ellipsis",
                justify="right" if header == "id" else "left",
                style="dim" if header == "id" else None,
            )
        for contact, balance in chunk:
            table.add_row(*(cell(text) for text in _list_cells(contact, balance.mark, now)))
        out.print(table)


def _plain_row(cells: tuple[str, ...], widths: list[int]) -> str:
    """One row as rich lays it out without colours: each cell cut with … or padded to its
    column's width (the id to the right), two spaces between columns."""
    from rich.cells import cell_len, set_cell_size

    parts = []
    for index, (text, width) in enumerate(zip(cells, widths)):
        length = cell_len(text)
        if length > width:
            text, length = set_cell_size(text, width - 1) + "…", width
        parts.append(" " * (width - length) + text if index == 0 else text + " " * (width - length))
    return "  ".join(parts)


def _list_cells(contact: Contact | ListRow, mark: str, now) -> tuple[str, ...]:
    """The printed cells of one row of `list`/`search` (placeholders already in: the widths
    are measured on what will be printed)."""
    due = ""
    if contact.next_due and not contact.archived:
        due = "due" if contact.next_due <= now else relative(contact.next_due, now)
    name = visible(contact.name) + (" (archived)" if contact.archived else "")
    return (
        str(contact.id), name, visible(contact.org), visible(", ".join(contact.tags)),
        relative(contact.last_contact, now), due, mark,
    )


def _grow(available: int, widths: list[int]) -> list[int]:
    """`widths` grown in turn, each by up to half of itself, while their sum stays within
    `available`."""
    grown = list(widths)
    for i, width in enumerate(widths):
        grown[i] += max(0, min(width // 2, available - sum(grown)))
    return grown


def _share(available: int, wanted: list[int]) -> list[int]:
    """Split `available` columns among flexible columns: each gets what it needs if it can,
    otherwise the widest give way first (the name column keeps at least 14)."""
    widths = list(wanted)
    floors = [min(14, wanted[0]), min(6, wanted[1]), min(6, wanted[2])]
    while sum(widths) > available:
        slack = [w - f for w, f in zip(widths, floors)]
        if max(slack) <= 0:
            break
        # Shrink the column with the most room above its floor, org and circles first.
        order = sorted(range(len(widths)), key=lambda i: (-slack[i], i == 0))
        widths[order[0]] -= 1
    return widths


@main.command("list", epilog="Example: kontakt list --tag breakfast --json")
@click.option("--tag", metavar="T", shell_complete=complete_circle, help="Only members of this circle.")
@click.option("--archived", is_flag=True, help="Only archived contacts.")
@click.option("--all", "everyone", is_flag=True, help="Active and archived contacts.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of contacts.")
@book_option
def list_(tag, archived, everyone, as_json):
    """List contacts in name order."""
    book = get_book()
    archived = None if everyone else archived
    _print_contacts(book, lambda: book.stream_contacts(tag=tag, archived=archived),
                    as_json, "no contacts" + (f" in circle {tag}" if tag else ""),
                    measure=lambda: book.stream_list_rows(tag=tag, archived=archived))


@main.command(epilog="Example: kontakt search mül   (finds Müller, Mülheim, …)")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of contacts.")
@click.option("--limit", type=LIMIT, default=200, show_default=True)
@click.option("--all", "everyone", is_flag=True, help="Every match, however many (overrides --limit).")
@book_option
def search(text, as_json, limit, everyone):
    """Search names, nicknames, organisations, emails, circles and notes (prefixes, any accents)."""
    book = get_book()
    _print_contacts(book, lambda: book.stream_search(text, limit=None if everyone else limit),
                    as_json, f"nothing matches {text!r}")


@main.command(epilog="Example: kontakt archive 'old client'   ·   kontakt archive 17 --undo")
@click.argument("ref", shell_complete=complete_contact)
@click.option("--undo", is_flag=True, help="Bring an archived contact back.")
@book_option
def archive(ref, undo):
    """Archive a contact: kept with all history, but out of lists and the daily review."""
    book = get_book()
    contact = book.find(ref)
    book.archive(contact.id, archived=not undo)
    echo(f"{'unarchived' if undo else 'archived'} #{contact.id} {contact.name}")


@main.command(epilog='Example: kontakt circle breakfast --every week')
@click.argument("name", shell_complete=complete_circle)
@click.option("--every", "cadence", metavar="CADENCE", help="The circle's cadence, inherited by members without their own.")
@click.option("--no-cadence", is_flag=True, help="Remove the circle's cadence.")
@book_option
def circle(name, cadence, no_cadence):
    """Set the cadence of a circle (a tag), e.g. a weekly breakfast circle."""
    if bool(cadence) == no_cadence:
        raise click.UsageError("give either --every CADENCE or --no-cadence")
    book = get_book()
    result = book.set_circle_cadence(
        name, None if no_cadence else read_cadence(cadence, what="--every"), today=today()
    )
    every = str(result.cadence) if result.cadence else "no cadence"
    echo(f"circle {result.name}: {every}, {result.members} members")


@main.command(epilog="Example: kontakt circles --json")
@click.option("--json", "as_json", is_flag=True)
@book_option
def circles(as_json):
    """List circles with their cadence and number of members."""
    book = get_book()
    found = book.circles()
    if as_json:
        print_json([
            {"name": c.name, "cadence": str(c.cadence) if c.cadence else None, "members": c.members}
            for c in found
        ])
        return
    if not found:
        echo("no circles yet; add one with kontakt edit REF --tag NAME", err=True)
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("circle")
    table.add_column("cadence")
    table.add_column("members", justify="right")
    for c in found:
        table.add_row(cell(c.name), cell(str(c.cadence) if c.cadence else "—"), cell(str(c.members)))
    console().print(table)
