"""Fix what was recorded: edit-log, rm-log, edit-favour, rm-favour, edit-follow-up,
rm-follow-up, edit-intro, rm-intro, rename-circle, rm-circle.

Records are named by the id `kontakt show REF --json` gives each one (or as `kontakt trash`
shows them: `log:12`). A removed record goes to the trash; `kontakt restore log:12` brings
it back.
"""

from __future__ import annotations

from typing import Any

import click

from ..domain import FAVOUR_KINDS, INTERACTION_KINDS, REACHED_OUT
from ..domain.ledger import DIRECTIONS, FAVOUR_STATUSES, INTRO_RESULTS
from ..store import records as r
from ..store.records import KEEP, TrashedRecord
from . import main
from .common import (
    book_option,
    complete_circle,
    complete_contact,
    fail,
    get_book,
    print_json,
    read_cadence,
    read_date,
    read_duration,
    today,
)
from .render import (
    echo,
    favour_json,
    follow_up_json,
    interaction_json,
    introduction_json,
)

# SQLite's rowids are signed 64-bit: a larger "id" names nothing and would overflow.
MAX_ID = 2**63 - 1


class RecordId(click.ParamType):
    """A record id: `12`, `#12`, or as the trash names it (`log:12`)."""

    name = "ID"

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        prefix = r.REF_PREFIX[self.kind] + ":"
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
        text = text.lstrip("#")
        if not (text.isascii() and text.isdigit()):
            article = "an" if self.kind[0] in "aeiou" else "a"
            self.fail(f"{value!r} is not {article} {self.kind} id (a number, as kontakt show REF gives it)",
                      param, ctx)
        number = int(text)
        if not 1 <= number <= MAX_ID:
            self.fail(f"{value!r} is out of range: ids run from 1 to {MAX_ID}", param, ctx)
        return number


def _trashed_json(item: TrashedRecord) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "ref": item.ref,
        "id": int(item.key) if item.kind != "circle" else None,
        "name": item.key if item.kind == "circle" else None,
        "label": item.label,
        "contact_ids": list(item.contact_ids),
        "deleted_at": item.deleted_at.isoformat(),
    }


def _moved(item: TrashedRecord, as_json: bool) -> None:
    if as_json:
        print_json(_trashed_json(item))
        return
    echo(f"moved {item.ref} to the trash: {item.label} (kontakt restore {item.ref} brings it back)")


def _refs(book, refs) -> list[int]:
    return [book.find(ref).id for ref in refs]


json_option = click.option("--json", "as_json", is_flag=True, help="The record as JSON afterwards (rm-…: its trash entry).")


# ---------------------------------------------------------------------- interactions


@main.command("edit-log", epilog='Example: kontakt edit-log 12 --kind call --note "about the move" --with sam --without olga')
@click.argument("record_id", type=RecordId("interaction"), metavar="ID")
@click.option("--on", "on", metavar="DATE", help="When it happened: 3.4.2026, yesterday, …")
@click.option("--kind", type=click.Choice(INTERACTION_KINDS))
@click.option("--note", metavar="TEXT", help="What you talked about (replaces the note).")
@click.option("--with", "with_", multiple=True, metavar="REF", shell_complete=complete_contact,
              help="Someone else who was there (repeatable).")
@click.option("--without", multiple=True, metavar="REF", shell_complete=complete_contact,
              help="Someone who was not there after all (repeatable).")
@click.option("--reached-out", "reached_out", type=click.Choice(REACHED_OUT), metavar="WHO",
              help="Who made the first move: me, them or mutual.")
@json_option
@book_option
def edit_log(record_id, on, kind, note, with_, without, reached_out, as_json):
    """Change a logged interaction: when, what kind, the note, who took part.

    ID as kontakt show REF names the entry (log:12, or just 12).
    """
    if not any((on, kind, note is not None, with_, without, reached_out)):
        raise click.UsageError(
            "nothing to change: give --on, --kind, --note, --with, --without or --reached-out")
    book = get_book()
    when = read_date(on, what="--on") if on else None
    if when is not None and when > today():
        fail(f"--on: {when.isoformat()} is in the future; log what happened, plan with follow-up")
    r.get_interaction(book, record_id)  # a missing id is named before any REF is looked up
    edited = r.edit_interaction(
        book, record_id, today=today(), on=when, kind=kind, note=note,
        add=_refs(book, with_), remove=_refs(book, without), reached_out=reached_out or KEEP,
    )
    if as_json:
        print_json(interaction_json(edited))
        return
    echo(f"updated log:{edited.id}: {edited.kind} with {', '.join(edited.names)} on {edited.date.isoformat()}")


@main.command("rm-log", epilog="Example: kontakt rm-log 12   ·   kontakt restore log:12 undoes it")
@click.argument("record_id", type=RecordId("interaction"), metavar="ID")
@json_option
@book_option
def rm_log(record_id, as_json):
    """Move a logged interaction to the trash.

    ID as kontakt show REF names the entry (log:12, or just 12).
    """
    _moved(r.trash_interaction(get_book(), record_id, today=today()), as_json)


# ---------------------------------------------------------------------- favours


@main.command("edit-favour", epilog='Example: kontakt edit-favour 7 --weight 2 --status returned')
@click.argument("record_id", type=RecordId("favour"), metavar="ID")
@click.option("--description", metavar="TEXT", help="What the favour was.")
@click.option("--direction", type=click.Choice(DIRECTIONS), help="Who did it for whom.")
@click.option("--kind", type=click.Choice(FAVOUR_KINDS))
@click.option("--weight", type=click.IntRange(1, 3), help="1 small, 2 medium, 3 large.")
@click.option("--on", "on", metavar="DATE", help="When.")
@click.option("--status", type=click.Choice(FAVOUR_STATUSES), help="Open, returned, or let go.")
@json_option
@book_option
def edit_favour(record_id, description, direction, kind, weight, on, status, as_json):
    """Change a favour: what, which way, kind, weight, when, status.

    ID as kontakt show REF names the entry (favour:12, or just 12).
    """
    if not any((description is not None, direction, kind, weight, on, status)):
        raise click.UsageError(
            "nothing to change: give --description, --direction, --kind, --weight, --on or --status")
    book = get_book()
    edited = r.edit_favour(
        book, record_id, description=description, direction=direction, kind=kind, weight=weight,
        on=read_date(on, what="--on") if on else None, status=status,
    )
    if as_json:
        print_json(favour_json(edited))
        return
    name = book.get_contact(edited.contact_id).name
    echo(f"updated favour:{edited.id} {edited.direction} — {name}: {book.balance(edited.contact_id)}")


@main.command("settle-favour", epilog="""\b
Examples:
  kontakt settle-favour 7 --returned    you did something back: a balanced exchange
  kontakt settle-favour 7 --let-go      it drops out of the balance
  kontakt settle-favour 7 --open        still open after all""")
@click.argument("record_id", type=RecordId("favour"), metavar="ID")
@click.option("--returned", "status", flag_value="returned", help="Returned: it counts on both sides.")
@click.option("--let-go", "status", flag_value="let go", help="Let go: it leaves the balance.")
@click.option("--open", "status", flag_value="open", help="Still open: it counts on its side.")
@json_option
@book_option
def settle_favour(record_id, status, as_json):
    """Settle a favour: returned, let go, or still open (the ledger's rule in the README).

    ID as kontakt show REF names the entry (favour:12, or just 12).
    """
    if status is None:
        raise click.UsageError("say how it ended: --returned, --let-go or --open")
    book = get_book()
    edited = r.edit_favour(book, record_id, status=status)
    if as_json:
        print_json(favour_json(edited))
        return
    name = book.get_contact(edited.contact_id).name
    echo(f"favour:{edited.id} {edited.status} — {name}: {book.balance(edited.contact_id)}")


@main.command("rm-favour", epilog="Example: kontakt rm-favour 7   ·   kontakt restore favour:7 undoes it")
@click.argument("record_id", type=RecordId("favour"), metavar="ID")
@json_option
@book_option
def rm_favour(record_id, as_json):
    """Move a favour to the trash.

    ID as kontakt show REF names the entry (favour:12, or just 12).
    """
    _moved(r.trash_favour(get_book(), record_id), as_json)


# ---------------------------------------------------------------------- follow-ups


@main.command("edit-follow-up", epilog='Example: kontakt edit-follow-up 3 --in "1 week" --note "ask about the move" --once')
@click.argument("record_id", type=RecordId("follow-up"), metavar="ID")
@click.option("--on", "on", metavar="DATE", help="The new day: 3.4.2026, next friday, …")
@click.option("--in", "in_", metavar="DURATION", help='The new day, from today: "2 weeks".')
@click.option("--note", metavar="TEXT", help="What to follow up on (replaces the note).")
@click.option("--every", "every", metavar="CADENCE", help="Repeat after each time it is done.")
@click.option("--once", is_flag=True, help="Stop repeating.")
@json_option
@book_option
def edit_follow_up(record_id, on, in_, note, every, once, as_json):
    """Change a follow-up: its day, note, or how it repeats.

    ID as kontakt show REF names the entry (follow-up:12, or just 12).
    """
    if on and in_:
        raise click.UsageError("give one of --on DATE or --in DURATION, not both")
    if every and once:
        raise click.UsageError("give one of --every CADENCE or --once, not both")
    if not any((on, in_, note is not None, every, once)):
        raise click.UsageError("nothing to change: give --on, --in, --note, --every or --once")
    book = get_book()
    due = read_date(on, what="--on") if on else read_duration(in_, what="--in").after(today()) if in_ else None
    recurrence = read_cadence(every, what="--every") if every else None if once else KEEP
    edited = r.edit_follow_up(book, record_id, due=due, note=note, recurrence=recurrence)
    if as_json:
        print_json(follow_up_json(edited))
        return
    name = book.get_contact(edited.contact_id).name
    repeat = f", then {edited.recurrence}" if edited.recurrence else ""
    echo(f"updated follow-up:{edited.id} with {name} on {edited.due.isoformat()}{repeat}")


@main.command("rm-follow-up", epilog="Example: kontakt rm-follow-up 3   ·   kontakt restore follow-up:3 undoes it")
@click.argument("record_id", type=RecordId("follow-up"), metavar="ID")
@json_option
@book_option
def rm_follow_up(record_id, as_json):
    """Move a follow-up to the trash (the review stops asking about it).

    ID as kontakt show REF names the entry (follow-up:12, or just 12).
    """
    _moved(r.trash_follow_up(get_book(), record_id), as_json)


# ---------------------------------------------------------------------- introductions


@main.command("edit-intro", epilog='Example: kontakt edit-intro 5 --b grace --outcome "they work together now"')
@click.argument("record_id", type=RecordId("introduction"), metavar="ID")
@click.option("--a", "ref_a", metavar="REF", shell_complete=complete_contact, help="The first person.")
@click.option("--b", "ref_b", metavar="REF", shell_complete=complete_contact, help="The second person.")
@click.option("--on", "on", metavar="DATE", help="When.")
@click.option("--note", metavar="TEXT", help="Why you put them in touch.")
@click.option("--outcome", metavar="TEXT", help='How it turned out ("" clears it).')
@click.option("--result", type=click.Choice(INTRO_RESULTS), help="Did it work: worked, fizzled, unknown.")
@json_option
@book_option
def edit_intro(record_id, ref_a, ref_b, on, note, outcome, result, as_json):
    """Change an introduction: who, when, why, how it went.

    ID as kontakt show REF names the entry (intro:12, or just 12).
    """
    if not any((ref_a, ref_b, on, note is not None, outcome is not None, result)):
        raise click.UsageError("nothing to change: give --a, --b, --on, --note, --outcome or --result")
    book = get_book()
    r.get_introduction(book, record_id)
    edited = r.edit_introduction(
        book, record_id, today=today(),
        contact_a=book.find(ref_a).id if ref_a else None, contact_b=book.find(ref_b).id if ref_b else None,
        on=read_date(on, what="--on") if on else None, note=note, outcome=outcome,
        result=result or KEEP,
    )
    if as_json:
        print_json(introduction_json(edited, edited.contact_a))
        return
    echo(f"updated intro:{edited.id}: {edited.name_a} to {edited.name_b} on {edited.date.isoformat()}")


@main.command("intro-outcome", epilog="""\b
Examples:
  kontakt intro-outcome 5 worked --note "they work together now"
  kontakt intro-outcome 5 fizzled
  kontakt intro-outcome 5 --clear       not answered after all: the review asks again""")
@click.argument("record_id", type=RecordId("introduction"), metavar="ID")
@click.argument("result", type=click.Choice(INTRO_RESULTS), required=False, metavar="RESULT")
@click.option("--note", metavar="TEXT", help="How it went (replaces the outcome note).")
@click.option("--clear", is_flag=True, help="Take the answer back.")
@json_option
@book_option
def intro_outcome(record_id, result, note, clear, as_json):
    """Answer "did it work?" for an introduction: worked, fizzled or unknown.

    ID as kontakt show REF names the entry (intro:12, or just 12). Only "worked" counts as
    a success in kontakt stats.
    """
    if bool(result) == clear:
        raise click.UsageError("give RESULT (worked, fizzled or unknown) or --clear")
    book = get_book()
    edited = r.edit_introduction(book, record_id, today=today(), note=None, outcome=note,
                                 result=None if clear else result)
    if as_json:
        print_json(introduction_json(edited, edited.contact_a))
        return
    said = f": {edited.outcome}" if edited.outcome else ""
    answer = edited.result or "not answered"
    echo(f"intro:{edited.id} {edited.name_a} and {edited.name_b}: {answer}{said}")


@main.command("rm-intro", epilog="Example: kontakt rm-intro 5   ·   kontakt restore intro:5 undoes it")
@click.argument("record_id", type=RecordId("introduction"), metavar="ID")
@json_option
@book_option
def rm_intro(record_id, as_json):
    """Move an introduction to the trash.

    ID as kontakt show REF names the entry (intro:12, or just 12).
    """
    _moved(r.trash_introduction(get_book(), record_id), as_json)


# ---------------------------------------------------------------------- circles


def _circle_json(circle) -> dict[str, Any]:
    return {"name": circle.name, "cadence": str(circle.cadence) if circle.cadence else None,
            "members": circle.members}


@main.command("rename-circle", epilog="Example: kontakt rename-circle breakfast brunch")
@click.argument("old", shell_complete=complete_circle)
@click.argument("new")
@json_option
@book_option
def rename_circle(old, new, as_json):
    """Rename a circle; its members stay in it."""
    circle = r.rename_circle(get_book(), old, new)
    if as_json:
        print_json(_circle_json(circle))
        return
    members = f"{circle.members} member" + ("" if circle.members == 1 else "s")
    echo(f"renamed circle to {circle.name} ({members})")


@main.command("rm-circle", epilog="Example: kontakt rm-circle breakfast   ·   kontakt restore circle:breakfast undoes it")
@click.argument("name", shell_complete=complete_circle)
@json_option
@book_option
def rm_circle(name, as_json):
    """Move a circle to the trash: its members leave it, the people stay."""
    _moved(r.trash_circle(get_book(), name, today=today()), as_json)


# ---------------------------------------------------------------------- used by trash / restore


def trash_json(book) -> list[dict[str, Any]]:
    """Trashed records for `kontakt trash --json`."""
    return [_trashed_json(item) for item in r.trashed_records(book)]


def restore_record(book, ref: str) -> bool:
    """`kontakt restore log:12`: True when `ref` named a record (and it came back)."""
    parsed = r.parse_record_ref(ref)
    if parsed is None:
        return False
    restored = r.restore_record(book, *parsed, today=today())
    where = " (under a new id: its old one was taken meanwhile)" if restored.moved else ""
    echo(f"restored {restored.ref}{where}: {restored.label}")
    return True
