"""Activity commands: log, favour, intro, follow-up."""

from __future__ import annotations

import click

from ..domain import FAVOUR_KINDS, INTERACTION_KINDS, REACHED_OUT
from . import main
from .common import (
    book_option, complete_contact, fail, get_book, read_cadence, read_date, read_duration, today,
)
from .render import echo


@main.command(epilog='Example: kontakt log jürgen sam olga --kind meeting --note "breakfast circle"')
@click.argument("refs", nargs=-1, required=True, metavar="REF...", shell_complete=complete_contact)
@click.option("--kind", type=click.Choice(INTERACTION_KINDS), default="other", show_default=True)
@click.option("--on", "on", metavar="DATE", help="When (default today): 3.4.2026, yesterday, 3 days ago.")
@click.option("--note", default="", metavar="TEXT", help="What you talked about.")
@click.option("--reached-out", "reached_out", type=click.Choice(REACHED_OUT), metavar="WHO",
              help="Who made the first move: me, them or mutual.")
@click.option("--thanks", is_flag=True,
              help="This was the thank-you: their favours received so far count as thanked.")
@book_option
def log(refs, kind, on, note, reached_out, thanks):
    """Log an interaction; several REFs make one group interaction."""
    book = get_book()
    when = read_date(on, what="--on")
    if when > today():
        fail(f"--on: {when.isoformat()} is in the future; log what happened, plan with follow-up")
    contacts = [_find_logged(book, ref) for ref in refs]
    interaction_id = book.log_interaction(
        [c.id for c in contacts], on=when, kind=kind, note=note, today=today(),
        reached_out=reached_out, thanks=thanks,
    )
    names = ", ".join(dict.fromkeys(c.name for c in contacts))
    what = f"thank-you ({kind})" if thanks else kind
    echo(f"logged {what} with {names} on {when.isoformat()} (#{interaction_id})")


def _find_logged(book, ref: str):
    """The person `ref` names; a REF that names no one but reads as the kind or a past day
    (`kontakt log olga call`, `… yesterday`) says which option takes it."""
    from ..domain import DateError, parse_date
    from ..store import AmbiguousRef

    try:
        return book.find(ref)
    except AmbiguousRef as error:
        if error.candidates:  # several people: the word names someone after all
            raise
        word, hint = ref.strip().lower(), None
        if word in INTERACTION_KINDS and word != "other":  # "other" is what --kind is already
            article = "an" if word[0] in "aeiou" else "a"
            hint = f"To log {article} {word}, say --kind {word}."
        else:
            try:
                day = parse_date(ref, today())
            except DateError:
                day = None
            if day is not None and day < today():  # today is the default; later is refused
                shown = ref.strip()
                hint = "To log a day before today, say --on " + (f'"{shown}"' if " " in shown else shown) + "."
        if hint is None:
            raise
        message = str(error)
        fail(f"{message}{'' if message.endswith('?') else '.'} {hint}")


@main.command(epilog='Example: kontakt favour jürgen --received "reviewed my pitch deck" --kind advice --weight 2')
@click.argument("ref", shell_complete=complete_contact)
@click.option("--gave", metavar="TEXT", help="What you did for them.")
@click.option("--received", metavar="TEXT", help="What they did for you.")
@click.option("--kind", type=click.Choice(FAVOUR_KINDS), default="help", show_default=True)
@click.option("--weight", type=click.IntRange(1, 3), default=1, show_default=True,
              help="1 small, 2 medium, 3 large.")
@click.option("--on", "on", metavar="DATE", help="When (default today).")
@book_option
def favour(ref, gave, received, kind, weight, on):
    """Record a favour given or received."""
    if bool(gave) == bool(received):
        raise click.UsageError("give exactly one of --gave TEXT or --received TEXT")
    book = get_book()
    contact = book.find(ref)
    direction = "given" if gave else "received"
    favour_id = book.add_favour(
        contact.id, direction=direction, description=gave or received, kind=kind,
        weight=weight, on=read_date(on, what="--on"),
    )
    balance = book.balance(contact.id)
    echo(f"recorded favour #{favour_id} {direction} — {contact.name}: {balance}")


@main.command(epilog='Example: kontakt intro ada grace --note "both work on compilers"')
@click.argument("ref_a", shell_complete=complete_contact)
@click.argument("ref_b", shell_complete=complete_contact)
@click.option("--note", default="", metavar="TEXT", help="Why you put them in touch.")
@click.option("--on", "on", metavar="DATE", help="When (default today).")
@click.option("--asked-both", "asked_both", is_flag=True,
              help="You asked both whether they wanted the introduction first.")
@book_option
def intro(ref_a, ref_b, note, on, asked_both):
    """Record that you introduced A to B (counts as a favour given to each)."""
    book = get_book()
    a, b = book.find(ref_a), book.find(ref_b)
    if a.id == b.id:
        fail(f"{ref_a!r} and {ref_b!r} are the same person ({a.name})")
    intro_id = book.add_introduction(a.id, b.id, on=read_date(on, what="--on"), note=note,
                                     asked_first=asked_both)
    asked = " (both asked first)" if asked_both else ""
    echo(f"introduced {a.name} to {b.name}{asked} (#{intro_id})")


@main.command("follow-up", epilog='Example: kontakt follow-up olga --in "2 weeks" --note "ask about the move"')
@click.argument("ref", shell_complete=complete_contact)
@click.option("--on", "on", metavar="DATE", help="The day: 3.4.2026, next friday, …")
@click.option("--in", "in_", metavar="DURATION", help='After a while: "2 weeks", "10 days".')
@click.option("--every", "every", metavar="CADENCE", help="Repeat after each time it is done.")
@click.option("--note", default="", metavar="TEXT", help="What to follow up on.")
@book_option
def follow_up(ref, on, in_, every, note):
    """Remind yourself to get back to someone."""
    if bool(on) == bool(in_):
        raise click.UsageError("give exactly one of --on DATE or --in DURATION")
    book = get_book()
    contact = book.find(ref)
    due = read_date(on, what="--on") if on else read_duration(in_, what="--in").after(today())
    if due < today():  # as the app's form: a follow-up is for later
        fail(f"--on: {due.isoformat()} is in the past; a follow-up is for today or later")
    recurrence = read_cadence(every, what="--every") if every else None
    follow_up_id = book.add_follow_up(contact.id, due=due, note=note, recurrence=recurrence)
    repeat = f", then {recurrence}" if recurrence else ""
    echo(f"follow-up #{follow_up_id} with {contact.name} on {due.isoformat()}{repeat}")
