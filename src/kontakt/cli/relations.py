"""kontakt link / unlink (people linked to each other) and note / edit-note / rm-note
(a dated journal per person)."""

from __future__ import annotations

from typing import Any

import click

from ..domain.relations import RELATION_KINDS
from ..store import relations as rel
from . import main
from .common import book_option, complete_contact, get_book, print_json, read_date, today
from .records import MAX_ID
from .render import echo, journal_json, relationship_json


class NoteId(click.ParamType):
    """A journal note's id: `12`, `#12`, or as `kontakt show` names it (`note:12`)."""

    name = "ID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.lower().startswith("note:"):
            text = text[5:]
        text = text.lstrip("#")
        if not (text.isascii() and text.isdigit()):
            self.fail(f"{value!r} is not a note id (a number, as kontakt show REF gives it: note:12)", param, ctx)
        number = int(text)
        if not 1 <= number <= MAX_ID:
            self.fail(f"{value!r} is out of range: ids run from 1 to {MAX_ID}", param, ctx)
        return number


json_option = click.option("--json", "as_json", is_flag=True, help="The result as JSON.")
KINDS = ", ".join(RELATION_KINDS)


# ---------------------------------------------------------------------- links


@main.command("link", epilog='Example: kontakt link ada grace --as colleague   ·   kontakt unlink ada grace')
@click.argument("ref_a", metavar="A", shell_complete=complete_contact)
@click.argument("ref_b", metavar="B", shell_complete=complete_contact)
@click.option("--as", "kind", metavar="KIND", default="friend", show_default=True,
              help=f"How A is linked to B: {KINDS}, or your own words.")
@json_option
@book_option
def link(ref_a, ref_b, kind, as_json):
    """Link two people: partner, family, friend, colleague, "introduced me to", …

    Both people's cards show the link (kontakt show). Linking them the same way again
    changes nothing.
    """
    book = get_book()
    a, b = book.find(ref_a), book.find(ref_b)
    made, new = rel.link(book, a.id, b.id, kind)
    if as_json:
        print_json(relationship_json(made) | {"id_a": a.id, "created": new})
        return
    state = "linked" if new else "already linked"
    echo(f"{state}: {a.name} — {made.kind} — {made.with_name}")


@main.command("unlink", epilog="Example: kontakt unlink ada grace   ·   kontakt undo brings the link back")
@click.argument("ref_a", metavar="A", shell_complete=complete_contact)
@click.argument("ref_b", metavar="B", shell_complete=complete_contact)
@click.option("--as", "kind", metavar="KIND", help="Only this kind of link (default: every link between them).")
@json_option
@book_option
def unlink(ref_a, ref_b, kind, as_json):
    """Remove the link between two people (kontakt undo takes it back)."""
    book = get_book()
    a, b = book.find(ref_a), book.find(ref_b)
    gone = rel.unlink(book, a.id, b.id, kind)
    if as_json:
        print_json([relationship_json(g) for g in gone])
        return
    echo(f"unlinked: {a.name} — {', '.join(g.kind for g in gone)} — {b.name}")


# ---------------------------------------------------------------------- journal


@main.command("note", epilog='Example: kontakt note ada "new job at the observatory" --on yesterday')
@click.argument("ref", shell_complete=complete_contact)
@click.argument("text")
@click.option("--on", "on", metavar="DATE", help="The day it is about (default: today).")
@json_option
@book_option
def note(ref, text, on, as_json):
    """Add a dated note to someone's journal (their timeline shows it).

    The contact's notes field (kontakt edit --note) stays as it is.
    """
    book = get_book()
    contact = book.find(ref)
    day = read_date(on, what="--on") if on else today()
    entry = rel.add_note(book, contact.id, text, on=day)
    if as_json:
        print_json(journal_json(entry) | {"contact_id": contact.id})
        return
    echo(f"noted note:{entry.id} for {contact.name} on {entry.date.isoformat()}")


@main.command("edit-note", epilog='Example: kontakt edit-note 12 --text "new job, starts in May" --on 3.4.2026')
@click.argument("note_id", type=NoteId(), metavar="ID")
@click.option("--text", "text", metavar="TEXT", help="The note's new text.")
@click.option("--on", "on", metavar="DATE", help="The day it is about.")
@json_option
@book_option
def edit_note(note_id, text, on, as_json):
    """Change a journal note: its text or its day.

    ID as kontakt show REF names the entry (note:12, or just 12).
    """
    if text is None and not on:
        raise click.UsageError("nothing to change: give --text or --on")
    book = get_book()
    rel.get_note(book, note_id)
    entry = rel.edit_note(book, note_id, text=text, on=read_date(on, what="--on") if on else None)
    if as_json:
        print_json(journal_json(entry) | {"contact_id": entry.contact_id})
        return
    echo(f"updated note:{entry.id} on {entry.date.isoformat()}")


@main.command("rm-note", epilog="Example: kontakt rm-note 12   ·   kontakt undo brings it back")
@click.argument("note_id", type=NoteId(), metavar="ID")
@json_option
@book_option
def rm_note(note_id, as_json):
    """Delete a journal note (kontakt undo brings it back).

    ID as kontakt show REF names the entry (note:12, or just 12).
    """
    entry = rel.delete_note(get_book(), note_id)
    if as_json:
        print_json(journal_json(entry) | {"contact_id": entry.contact_id})
        return
    echo(f"deleted note:{entry.id} of {entry.date.isoformat()} (kontakt undo brings it back)")
