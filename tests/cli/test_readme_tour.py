"""The README works as written: its CLI tour runs verbatim on a fresh book.

Which blocks are the tour: a fenced code block whose opening fence comes right after a line
starting with the HTML comment `<!-- tour` (blank lines between are allowed). Those blocks
are run in README order on one fresh book; every other block (install lines, other helpers'
examples that need a seeded book) is left alone. Inside a tour block each line is one shell
command line: `#` starts a comment (outside quotes, as in sh), `&&` chains commands, and
every command must start with `kontakt`. Each runs in-process through click's CliRunner with
a temp KONTAKT_DB, a fixed KONTAKT_TODAY and HOME in a temp dir (the tour writes
`~/kontakt.ics`), and must exit 0.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book

README = Path(__file__).parents[2] / "README.md"
TODAY = "2026-11-23"
MARKER = "<!-- tour"
_FENCE = re.compile(r"^```")


def tour_blocks(text: str) -> list[list[str]]:
    """The marked blocks of `text`: each a list of its non-empty lines."""
    blocks: list[list[str]] = []
    lines = text.splitlines()
    armed = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(MARKER):
            armed = True
        elif _FENCE.match(line):
            end = next(j for j in range(i + 1, len(lines)) if _FENCE.match(lines[j]))
            if armed:
                blocks.append([body for body in lines[i + 1:end] if body.strip()])
            armed = False
            i = end
        elif line.strip():
            armed = False  # the marker belongs to the very next block only
        i += 1
    return blocks


def commands(block: list[str]) -> list[list[str]]:
    """The commands of a block: shell words per command, comments dropped, `&&` split."""
    found: list[list[str]] = []
    for line in block:
        words = shlex.split(line, comments=True)
        current: list[str] = []
        for word in [*words, "&&"]:
            if word == "&&":
                if current:
                    found.append(current)
                current = []
            else:
                current.append(word)
    return found


def test_the_marker_picks_only_marked_blocks():
    text = ("<!-- tour -->\n```sh\nkontakt add A   # a comment\nkontakt log a && kontakt undo\n```\n"
            "```sh\nkontakt rm a\n```\n<!-- tour -->\nsome words\n```sh\nkontakt doctor\n```\n"
            "<!-- tour -->\n\n```sh\nkontakt done '#breakfast'\n```\n")
    blocks = tour_blocks(text)
    assert [commands(b) for b in blocks] == [
        [["kontakt", "add", "A"], ["kontakt", "log", "a"], ["kontakt", "undo"]],
        [["kontakt", "done", "#breakfast"]],
    ]


def test_the_readme_tour_runs_verbatim_on_a_fresh_book(tmp_path, monkeypatch):
    blocks = tour_blocks(README.read_text(encoding="utf-8"))
    tour = [command for block in blocks for command in commands(block)]
    # The first tour block is the short tour of the CLI; it must be found and be whole.
    assert len(blocks) >= 1 and len(tour) >= 15
    assert tour[0][:3] == ["kontakt", "add", "Jürgen Müller"]
    db = tmp_path / "book.db"
    monkeypatch.setenv("KONTAKT_DB", str(db))
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    monkeypatch.setenv("KONTAKT_CONFIG", str(tmp_path / "config.toml"))
    runner = CliRunner()
    ran = []
    for command in tour:
        assert command[0] == "kontakt", command
        result = runner.invoke(main, command[1:], catch_exceptions=False)
        assert result.exit_code == 0, (command, result.output)
        ran.append(command[1])
    assert ran.count("add") >= 5
    # The tour did what it says to the book: the group breakfast has three people in it.
    with Book.open(db) as book:
        jurgen = book.find("jürgen")
        logged = book.interactions_for(jurgen.id)
        assert any(i.kind == "meeting" and len(i.contact_ids) == 3 for i in logged)
        olga = book.find("olga")
        assert "clients" in olga.tags and "alumni" not in olga.tags
        # The drift and cadence block: Sam let drift and brought back, Ada every 2 weeks.
        assert "drift" in ran and "cadence" in ran
        sam = book.find("sam")
        assert sam.drift_cadence is None and sam.effective_cadence is not None
        assert str(book.find("ada").cadence) == "every 2 weeks"
