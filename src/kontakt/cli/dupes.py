"""Duplicates: `kontakt dupes` lists likely pairs, `merge` joins two records, `unmerge` undoes it."""

from __future__ import annotations

import click

from . import main
from .common import book_option, complete_contact, fail, get_book, print_json, today
from ..domain.text import counted
from .render import echo


def _pair_json(candidate) -> dict:
    return {
        "score": candidate.score,
        "reasons": list(candidate.reasons),
        "a": {"id": candidate.a, "name": candidate.name_a},
        "b": {"id": candidate.b, "name": candidate.name_b},
    }


@main.command(
    epilog="""\b
Example: kontakt dupes --min-score 60
         kontakt dupes --dismiss "Anna Schmidt" 42   (they are two people)
"""
)
@click.option("--min-score", type=click.IntRange(0, 100), default=None, metavar="N",
              help="Only pairs scoring at least N of 100 (default 40).")
@click.option("--json", "as_json", is_flag=True, help="The pairs as JSON.")
@click.option("--dismiss", nargs=2, metavar="A B", default=None,
              help="Remember that A and B are not the same person; the pair never comes back.")
@book_option
def dupes(min_score, as_json, dismiss):
    """List contacts that may be the same person, with a score and the reasons."""
    from ..services.dupes import DEFAULT_MIN_SCORE, dismiss as dismiss_pair, find_duplicates

    book = get_book()
    if dismiss:
        a, b = (book.find(ref) for ref in dismiss)
        if a.id == b.id:
            fail(f"{dismiss[0]!r} and {dismiss[1]!r} are the same contact (#{a.id})")
        new = dismiss_pair(book, a.id, b.id)
        what = "noted" if new else "already noted"
        echo(f"{what}: #{a.id} {a.name} and #{b.id} {b.name} are not the same person")
        return
    threshold = DEFAULT_MIN_SCORE if min_score is None else min_score
    found = find_duplicates(book, min_score=threshold)
    if as_json:
        print_json([_pair_json(c) for c in found])
        return
    if not found:
        echo(f"no likely duplicates (score ≥ {threshold})")
        return
    for c in found:
        echo(f"{c.score:>3}  #{c.a} {c.name_a}  ⇄  #{c.b} {c.name_b}  — {c.reason_text()}")
    first = found[0]
    echo(
        f"merge: kontakt merge {first.a} {first.b} --dry-run · "
        f"not the same: kontakt dupes --dismiss {first.a} {first.b}",
        err=True,
    )


def _merge_json(result) -> dict:
    return {
        "merge_id": result.merge_id,
        "dry_run": result.dry_run,
        "kept": {"id": result.kept_id, "name": result.kept_name},
        "other": {"id": result.other_id, "name": result.other_name},
        "fields": [
            {"field": f.field, "kept": f.kept, "other": f.other, "result": f.result,
             "source": f.source}
            for f in result.fields
        ],
        "moved": dict(result.moved),
        "shared_interactions": result.shared_interactions,
        "dropped_introductions": result.dropped_introductions,
    }


def _moved_counts(moved: dict) -> str:
    """'3 interactions, 1 favour, 0 introductions, 0 follow-ups': what a merge moved."""
    return ", ".join(counted(moved.get(key, 0), word) for key, word in (
        ("interactions", "interaction"), ("favours", "favour"), ("introductions", "introduction"),
        ("follow_ups", "follow-up")))


def _moved_text(result) -> str:
    moved = result.moved
    text = _moved_counts(moved)
    if result.shared_interactions:
        text += f" ({counted(result.shared_interactions, 'group interaction')} had both: now one)"
    if result.dropped_introductions:
        text += (f"; {counted(result.dropped_introductions, 'introduction')} between the two "
                 "removed (kept in the notes)")
    return text


@main.command(
    epilog="""\b
Example: kontakt merge "Jürgen Müller" "Juergen Mueller" --dry-run
         kontakt merge 12 40 --prefer other
"""
)
@click.argument("keep", shell_complete=complete_contact)
@click.argument("other", shell_complete=complete_contact)
@click.option("--prefer", type=click.Choice(["keep", "other"]), default="keep",
              help="Whose value wins where both have one (default: the kept contact's).")
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="What was (or would be) merged, as JSON.")
@book_option
def merge(keep, other, prefer, dry_run, as_json):
    """Merge OTHER into KEEP: fields filled, lists united, all history moved; OTHER goes to the trash."""
    from ..services.dupes import merge as merge_contacts

    book = get_book()
    kept, gone = book.find(keep), book.find(other)
    if kept.id == gone.id:
        fail(f"{keep!r} and {other!r} are the same contact (#{kept.id}); nothing to merge")
    result = merge_contacts(
        book, kept.id, gone.id, prefer_other=prefer == "other", dry_run=dry_run, today=today()
    )
    if as_json:
        print_json(_merge_json(result))
        return
    head = (f"would merge #{gone.id} {gone.name} into #{kept.id} {kept.name}"
            if dry_run else
            f"merged #{gone.id} {gone.name} into #{kept.id} {kept.name} (merge #{result.merge_id})")
    echo(head)
    for choice in result.changed:
        if choice.field == "notes":
            value = "combined" if choice.source == "both" else "taken from the other"
        else:
            value = choice.result or "(empty)"
        where = "" if choice.field == "notes" else {
            "other": f"from #{gone.id}", "both": "united"}.get(choice.source, "")
        echo(f"  {choice.field + ':':<10} {value}" + (f"  ({where})" if where else ""))
    echo(f"  {'moves:' if dry_run else 'moved:':<10} {_moved_text(result)}")
    if dry_run:
        echo("dry run: nothing was written")
    else:
        echo(f"undo: kontakt unmerge {gone.id}")


@main.command(epilog="Example: kontakt unmerge 40   (the id or name of the contact merged away)")
@click.argument("other")
@book_option
def unmerge(other):
    """Undo a merge: bring the merged-away contact back with everything that moved."""
    from ..services.dupes import find_merges, undo_merge

    book = get_book()
    found = find_merges(book, other)
    if not found:
        fail(f"no merged-away contact matches {other!r}")
    if len(found) > 1:
        shown = ", ".join(f"{m.other_name} (#{m.other_id})" for m in found[:8])
        fail(f"{other!r} matches {len(found)} merged contacts: {shown}")
    record = found[0]
    undone = undo_merge(book, record.id, today=today())
    moved = undone.moved_back
    echo(
        f"restored #{record.other_id} {record.other_name} (merged into #{record.kept_id} "
        f"{record.kept_name}): moved back "
        + _moved_counts(moved)
    )
    if undone.kept_changes:
        echo(
            f"note: #{record.kept_id} was edited after the merge; it keeps its newer "
            + ", ".join(undone.kept_changes),
            err=True,
        )
