"""CLI layout: one line per command in --help, `show` wraps under its own column, `today`
uses the terminal's width, and the ± column agrees with the app."""

from __future__ import annotations

from datetime import date

import click
import pytest
from click.testing import CliRunner

from kontakt.cli import SHORT_HELP, main
from kontakt.store import Book

TODAY = date(2026, 11, 23)
LONG_NOTE = ("a very long note about the difference engine and the analytical engine and how "
             "Babbage never finished either of them, which we discussed for hours over tea")


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        ada = book.add_contact("Ada Lovelace", today=TODAY, org="Analytical Engines")
        bob = book.add_contact("Bob Babbage", today=TODAY)
        book.add_contact("Cleo Even", today=TODAY)
        book.add_contact("Dora Nofavours", today=TODAY)
        cleo = book.find("Cleo Even").id
        book.log_interaction([ada], on=date(2026, 11, 20), kind="call", note=LONG_NOTE, today=TODAY)
        book.add_introduction(ada, bob, on=date(2026, 11, 21), note="both love engines")
        book.add_follow_up(bob, due=date(2026, 11, 1), note="ask whether the second engine ever got its "
                           "funding from the ministry and what became of the punched cards")
        book.add_favour(cleo, direction="given", description="lent a book", weight=1, on=TODAY)
        book.add_favour(cleo, direction="received", description="returned it", weight=1, on=TODAY)
    return path


def run(db, *args: str, columns: int = 80):
    result = CliRunner().invoke(main, [args[0], "--db", str(db), *args[1:]], env={"COLUMNS": str(columns)},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix}{name} ")


def test_every_command_says_what_it_does_in_one_uncut_line_at_80_columns():
    for args in ([], ["export"]):
        output = CliRunner().invoke(main, [*args, "--help"], env={"COLUMNS": "80"}).output
        listing = output.split("Commands:")[1].split("Examples:")[0]
        rows = [line for line in listing.splitlines() if line.strip()]
        assert len(rows) == len((main.commands["export"] if args else main).commands)
        assert not [row for row in rows if "..." in row or "…" in row or len(row) > 80]
    everything = dict(commands(main))
    assert set(everything) == set(SHORT_HELP)  # a new command needs its line too
    assert all(command.short_help == SHORT_HELP[name] for name, command in everything.items())


def test_show_wraps_a_long_timeline_entry_under_its_own_column(db):
    output = run(db, "show", "ada", columns=60)
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "call: a very long note" in line)
    entry = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith(" " * 14):
            break
        entry.append(line)
    assert len(entry) >= 3  # the note really wrapped
    assert all(len(line) <= 60 for line in lines)
    assert " ".join(part.strip() for part in entry).endswith(LONG_NOTE + "  · log:1")
    assert lines[start].startswith("  2026-11-20  call: ")


def test_show_names_the_note_of_an_introduction(db):
    assert "introduced to Bob Babbage: both love engines" in run(db, "show", "ada", columns=100)


def test_today_uses_the_width_of_a_100_column_terminal(db):
    wide = run(db, "today", columns=100).splitlines()
    narrow = run(db, "today", columns=80).splitlines()
    assert max(len(line) for line in wide) > 80  # the room was used …
    assert all(len(line) <= 100 for line in wide)  # … and not more
    assert all(len(line) <= 80 for line in narrow)
    assert len(wide) < len(narrow)  # the long follow-up wraps onto fewer lines
    follow_up = next(i for i, line in enumerate(wide) if line.startswith("follow-up"))
    reason_column = wide[0].index("reason")
    assert len(wide[follow_up]) - reason_column > 50  # not the 37 cells of an 80-column table


def test_the_balance_column_is_empty_with_no_favours_and_even_with_favours_both_ways(db):
    rows = {line.split()[1]: line for line in run(db, "list", columns=120).splitlines()[1:]}
    header = run(db, "list", columns=120).splitlines()[0]
    column = header.index("±")
    assert rows["Cleo"][column] == "="
    assert rows["Ada"][column:].strip() == "+"  # an introduction made counts as given
    assert rows["Bob"][column:].strip() == "+"
    assert rows["Dora"][column:].strip() == ""  # no favours: nothing, as in the app
