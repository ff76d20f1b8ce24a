"""How contacts and their history look in the CLI: JSON objects and plain-text cards, and the
doors every line goes out through (`echo`, `console`, `print_json`), which keep stored bytes
from acting on the terminal."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from ..domain import Balance, Contact, FollowUp, Favour, Interaction, Introduction
from ..domain.dates import human, relative
from ..domain.text import escape_json, invisible, visible
from ..jsontext import contact_json, json_array_text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from ..domain.relations import JournalEntry, Relationship


# ---------------------------------------------------------------------- the output doors
# Data can reach the book without kontakt's input cleaning (a restored backup, an import's
# references, the sqlite3 tool, a sync): everything printed goes through one of these.


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """`click.echo` for lines kontakt composes: controls, ESC and bidi overrides in them are
    shown as placeholders (`visible`); newline and tab stay, for multi-line output."""
    click.echo(visible(str(message), multiline=True), err=err, nl=nl)


def export_on_terminal(text: str) -> str:
    """An export's text as a terminal may show it (`kontakt export csv` typed to look):
    stored ESC, C1 and bidi bytes as placeholders, CRLF as a plain newline. Only for a
    terminal: a pipe or a file gets the exact bytes."""
    return visible(text.replace("\r\n", "\n"), multiline=True)


class ExportOnTerminal:
    """The text stream an exporter writes to when stdout is a terminal (`export_on_terminal`
    on each write); it has no `buffer`, so no exporter writes bytes past it."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.encoding = stream.encoding

    def write(self, text: str) -> int:
        self._stream.write(export_on_terminal(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


def stdout_is_terminal() -> bool:
    import sys

    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def terminal_width() -> int:
    """Columns of the terminal (COLUMNS wins, as for rich and click); 80 when piped."""
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def plain_width() -> int | None:
    """The width `console()` lays out at when it will print no colours or styles (stdout is
    not a terminal: `kontakt list | head`), found without importing rich, which costs a
    streamed table's first line 20 ms; None when rich must be asked (a terminal, FORCE_COLOR,
    TTY_COMPATIBLE, Jupyter, Windows). Mirrors rich's own checks (a test holds them equal)."""
    import builtins
    import os
    import sys

    environ = os.environ
    if sys.platform == "win32" or hasattr(builtins, "get_ipython"):
        return None
    if "TTY_COMPATIBLE" in environ or "FORCE_COLOR" in environ:
        return None
    stdout = getattr(sys.stdout, "rich_proxied_file", sys.stdout)
    try:
        if stdout is None or stdout.isatty():
            return None
    except ValueError:  # closed: rich takes it for no terminal
        pass
    except AttributeError:
        return None
    columns = environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns) or None
    # rich asks stdin, stdout and stderr in turn: `| head` in a terminal gets its width.
    for stream, number in ((sys.__stdin__, 0), (sys.__stdout__, 1), (sys.__stderr__, 2)):
        try:
            number = stream.fileno()
        except Exception:
            pass
        try:
            return os.get_terminal_size(number).columns or 80
        except (AttributeError, ValueError, OSError):
            pass
    return 80


def json_text(data: Any) -> str:
    """`data` as indented JSON: values exactly as stored (a script reads what the book holds),
    C1 controls, DEL and bidi overrides written as \\uXXXX so the bytes are safe on a terminal."""
    return escape_json(json.dumps(data, ensure_ascii=False, indent=2))


def print_json_array(items: Iterable[Any]) -> None:
    """Print `items` as `print_json(list(items))` would, byte for byte, but as they come: the
    first element is out before the last is read, and memory stays flat at any length."""
    for text in json_array_text(items):
        click.echo(text, nl=False)


def cell(text: str, **kwargs: Any) -> Text:
    """A rich `Text` of user data: never markup, its control characters shown (`visible`)."""
    from rich.text import Text

    return Text(visible(text), **kwargs)


def console() -> Console:
    """A rich console for stdout: plain when piped, honours NO_COLOR, never reads markup, and
    never lets a control character out (see `_GuardedConsole`)."""
    out = _guarded_console_class()(highlight=False, markup=False, emoji=False, soft_wrap=False)
    if out.width < 1:  # COLUMNS=0: rich takes it as the width and prints every table empty
        out.width = terminal_width()
    return out


@cache  # rich is imported on first use only: `kontakt add` does not pay for it
def _guarded_console_class() -> type[Console]:
    from rich.console import Console
    from rich.segment import Segment

    class _GuardedConsole(Console):
        """Strings become text with placeholders before they are measured (`render_str`);
        whatever still carries a control character when it is drawn (a `Text` someone built
        without `cell`) loses it there: those take no cell, so the layout holds."""

        def render_str(self, text: str, **kwargs: Any):
            return super().render_str(visible(text), **kwargs)

        def render(self, renderable: Any, options: Any = None):
            for segment in super().render(renderable, options):
                if segment.control is None and segment.text:
                    safe = invisible(segment.text)
                    if safe is not segment.text:
                        segment = Segment(safe, segment.style)
                yield segment

    return _GuardedConsole


def interaction_json(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.id,
        "date": interaction.date.isoformat(),
        "kind": interaction.kind,
        "note": interaction.note,
        "contacts": [
            {"id": i, "name": n} for i, n in zip(interaction.contact_ids, interaction.names)
        ],
        "reached_out": interaction.reached_out,
        "thanks": interaction.thanks,
    }


def favour_json(favour: Favour) -> dict[str, Any]:
    return {
        "id": favour.id,
        "direction": favour.direction,
        "description": favour.description,
        "kind": favour.kind,
        "weight": favour.weight,
        "date": favour.date.isoformat(),
        "status": favour.status,
        "thanked_on": favour.thanked_on.isoformat() if favour.thanked_on else None,
    }


def follow_up_json(follow_up: FollowUp) -> dict[str, Any]:
    return {
        "id": follow_up.id,
        "due": follow_up.due.isoformat(),
        "note": follow_up.note,
        "recurrence": str(follow_up.recurrence) if follow_up.recurrence else None,
        "status": follow_up.status,
        "snoozed_until": follow_up.snoozed_until.isoformat() if follow_up.snoozed_until else None,
        "done_on": follow_up.done_on.isoformat() if follow_up.done_on else None,
    }


def introduction_json(intro: Introduction, contact_id: int) -> dict[str, Any]:
    other_id, other_name = intro.other(contact_id)
    return {
        "id": intro.id,
        "date": intro.date.isoformat(),
        "a": {"id": intro.contact_a, "name": intro.name_a},
        "b": {"id": intro.contact_b, "name": intro.name_b},
        "other": {"id": other_id, "name": other_name},
        "note": intro.note,
        "outcome": intro.outcome,
        "result": intro.result,
        "asked_first": intro.asked_first,
    }


def relationship_json(link: Relationship) -> dict[str, Any]:
    """One link as `kontakt show --json` lists it, seen from the shown person."""
    return {"id": link.id, "with_id": link.with_id, "with_name": link.with_name, "kind": link.kind}


def journal_json(entry: JournalEntry) -> dict[str, Any]:
    """One journal note as `kontakt show --json` lists it."""
    return {"id": entry.id, "date": entry.date.isoformat(), "text": entry.text}


def _labelled(contact: Contact, value: str) -> str:
    label = contact.label_of(value)
    return f"{value} ({label})" if label else value


def card_rows(
    contact: Contact,
    balance: Balance,
    interactions: list[Interaction],
    favours: list[Favour],
    follow_ups: list[FollowUp],
    introductions: list[Introduction],
    today: date,
    relationships: Sequence[Relationship] = (),
    journal: Sequence[JournalEntry] = (),
) -> list[tuple[str, str]]:
    """The card of `kontakt show` as (lead, text) pairs: `lead` is the label or date column,
    and a `text` too long for the terminal wraps under itself, not back to column 0."""
    rows: list[tuple[str, str]] = [("", contact.display_name + ("  (archived)" if contact.archived else ""))]
    fields: list[tuple[str, str]] = []
    if contact.org or contact.role:
        fields.append(("org", " · ".join(x for x in (contact.role, contact.org) if x)))
    for email in contact.emails:
        fields.append(("email", _labelled(contact, email)))
    for phone in contact.phones:
        fields.append(("phone", _labelled(contact, phone)))
    for address in contact.addresses:
        fields.append(("address", address.one_line() + (f" ({address.label})" if address.label else "")))
    for url in contact.urls:
        fields.append(("web", url))
    if contact.location:
        fields.append(("location", contact.location))
    if contact.birthday:
        fields.append(("birthday", str(contact.birthday)))
    if contact.tags:
        fields.append(("circles", ", ".join(contact.tags)))
    if contact.met:
        fields.append(("met", contact.met))
    cadence = contact.effective_cadence
    if cadence:
        inherited = "" if contact.cadence else " (from circle)"
        fields.append(("cadence", f"{cadence}{inherited}"))
    elif contact.drift_cadence:
        inherited = "" if contact.cadence else " from circle"
        fields.append(("cadence", f"let drift (was {contact.drift_cadence}{inherited})"))
    if contact.channel:
        fields.append(("channel", contact.channel))
    fields.append(("last contact", _when(contact.last_contact, today)))
    if contact.next_due:
        fields.append(("next due", _when(contact.next_due, today)))
    fields.append(("balance", str(balance)))
    for index, link in enumerate(relationships):
        fields.append(("people" if index == 0 else "", f"{link.kind}: {link.with_name} (#{link.with_id})"))
    rows += [(f"  {label:<13}", value) for label, value in fields]
    if contact.notes:
        rows.append(("", ""))
        rows += [("  ", line) for line in contact.notes.splitlines()]
    from ..domain.timeline import timeline  # only cards need it: not every command's start

    events = timeline(contact.id, interactions, favours, follow_ups, introductions, journal)
    if events:
        rows.append(("", ""))
        rows.append(("  ", "timeline"))
        from ..store.records import REF_PREFIX

        for entry in events:
            # What edit-log, rm-favour, … take: the record's id, as `kontakt trash` names it.
            prefix = REF_PREFIX.get(entry.kind, entry.kind)  # a journal note: note:12
            ref = f"  · {prefix}:{entry.id}" if entry.id is not None else ""
            rows.append((f"  {entry.date.isoformat()}  ", f"{entry.text}{ref}"))
    return rows


def contact_card(*args: Any, **kwargs: Any) -> list[str]:
    """A readable card for `kontakt show`: fields first, then one timeline, newest first
    (`card_rows` joined into plain lines, unwrapped)."""
    return [lead + text for lead, text in card_rows(*args, **kwargs)]


def print_hanging(rows: list[tuple[str, str]]) -> None:
    """Print (lead, text) rows to the guarded console, wrapping each text to the terminal's
    width under its own first character (a hanging indent)."""
    from rich.cells import cell_len

    width = plain_width()
    plain = None if width is None else _plain_hanging(rows, width, cell_len)
    if plain is not None:
        for line in plain:
            echo(line)
        return
    from rich.text import Text

    out = console()
    for lead, text in rows:
        indent = cell_len(lead)
        room = max(out.width - indent, 20)
        body = cell(text)
        lines = body.wrap(out, room, overflow="fold") if text else [Text("")]
        for index, line in enumerate(lines):
            line.rstrip()
            out.print(Text.assemble(lead if index == 0 else " " * indent, line), overflow="fold", crop=False)


def _plain_hanging(rows: list[tuple[str, str]], width: int, cell_len) -> list[str] | None:
    """The lines `print_hanging` prints for piped, colourless output, laid out as rich lays
    them out (its word wrap, `rich._wrap.divide_line`, which needs only its cell widths)
    without importing its console: ~25 ms of `kontakt show`. None where rich would do more
    than wrap words (a tab, a terminal narrower than indent + 20 cells) or its wrapping code
    moved: rich lays those out. tests/cli/test_hanging_plain.py holds the two equal."""
    try:
        from rich._wrap import divide_line
    except ImportError:  # a rich that moved it: its own console does it all
        return None
    lines = []
    for lead, text in rows:
        indent = cell_len(lead)
        room = width - indent
        shown = visible(text)
        if room < 20 or "\t" in shown or "\n" in shown:
            return None
        offsets = divide_line(shown, room, fold=True) if text else []
        starts = [0, *offsets]
        for index, (start, end) in enumerate(zip(starts, [*offsets, len(shown)])):
            line = shown[start:end].rstrip()
            if cell_len(line) > room:
                return None
            lines.append((lead if index == 0 else " " * indent) + line)
    return lines


def _when(day: date | None, today: date) -> str:
    if day is None:
        return "never"
    return f"{day.isoformat()} ({relative(day, today)})"


__all__ = [
    "card_rows", "contact_card", "contact_json", "print_hanging", "favour_json", "follow_up_json", "human",
    "interaction_json", "introduction_json", "journal_json", "relationship_json", "timeline",  # noqa: F822 — from __getattr__
]


def __getattr__(name: str) -> Any:
    if name == "timeline":  # exported, imported on first use (see card_rows)
        from ..domain.timeline import timeline

        return timeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
