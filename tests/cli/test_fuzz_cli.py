"""Hypothesis drives every CLI command with arbitrary text: never a traceback, exit 0, 1 or 2.

Commands are found by walking the click group, so a command added later is fuzzed too.
KONTAKT_DEBUG=1 makes an unexpected exception escape (instead of the friendly one-liner),
so a bug shows up here as a failure rather than as a polite exit 1.
"""

from __future__ import annotations

import itertools
import shutil
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kontakt.cli import main
from kontakt.store import Book

# Commands that open the full-screen app cannot run inside CliRunner.
SKIP = {("demo",)}
OUTPUT_OPTIONS = {"output", "o"}


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, path)
        elif path not in SKIP:
            yield path, command


COMMANDS = dict(_commands(main))

INTERESTING = [
    "", " ", "ada", "Ada", "ADA LOVELACE", "1", "#2", "0", "-1", "9223372036854775807", "²", "١", "grace",
    "ada@example.com", "müller", "MULLER", "[bold]x[/bold]", "[@click=app.quit]", "%s %d {0}",
    "\x1b[31mred", "a\x00b", "\t\n", "=HYPERLINK(\"x\")", "'; DROP TABLE contacts; --",
    "today", "yesterday", "tomorrow", "31.02.2026", "03/04/2026", "--04-15", "04-15",
    "2026-02-29", "0001-01-01", "9999-12-31", "in 2 weeks", "3 days ago", "next friday",
    "every 0 days", "every 10000 years", "monthly", "quarterly", "30d", "-5 days",
    "name=email", "Full Name=name", "x" * 300, "é" * 50, "\u202e\u200b", "🙂",
]
texts = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=40))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A book with a few people in it, a backup of it, a text file and a folder."""
    root = tmp_path_factory.mktemp("fuzz")
    book_path = root / "book.db"
    today = date(2026, 11, 23)
    with Book.open(book_path) as book:
        book.auto_backup = False
        ada = book.add_contact("Ada Lovelace", today=today, emails=["ada@example.com"], tags=["breakfast"])
        grace = book.add_contact("Grace Hopper", today=today, tags=["navy"])
        book.add_contact("Jürgen Müller", today=today)
        book.log_interaction([ada, grace], on=today, kind="meeting", note="both")
        book.add_favour(ada, direction="given", description="intro", on=today)
        book.add_follow_up(grace, due=today, note="call back")
        book.add_introduction(ada, grace, on=today)
        shutil.copyfile(book_path, root / "backup.db")
    (root / "notes.txt").write_text("Ada Lovelace, ada@example.com\n")
    (root / "folder").mkdir()
    return root


def _paths(root: Path):
    existing = [root / "backup.db", root / "notes.txt", root / "folder", root / "missing" / "x"]
    made = st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=12).map(
        lambda name: root / "out" / name
    )
    return st.one_of(st.sampled_from(existing), made).map(str)


def _argv(command: click.Command, root: Path):
    """A strategy for argument lists: each parameter present or not, with arbitrary values."""
    parts = []
    for param in command.params:
        if param.name == "db":
            continue
        is_path = isinstance(param.type, click.Path) or param.name in OUTPUT_OPTIONS
        value = _paths(root) if is_path else texts
        if isinstance(param.type, click.Choice):
            value = st.one_of(st.sampled_from(list(param.type.choices)), texts)
        if isinstance(param, click.Argument):
            if param.nargs == -1:
                parts.append(st.lists(value, min_size=0, max_size=3))
            else:
                parts.append(st.one_of(value.map(lambda v: [v]), st.just([])))
            continue
        flag = param.opts[0]
        if getattr(param, "is_flag", False):
            parts.append(st.sampled_from([[], [flag]]))
        else:
            parts.append(st.one_of(st.just([]), value.map(lambda v, f=flag: [f, v])))
    return st.tuples(*parts).map(lambda groups: list(itertools.chain.from_iterable(groups)))


@pytest.mark.parametrize("path", list(COMMANDS), ids=" ".join)
def test_every_command_survives_arbitrary_text(path, workspace, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", "2026-11-23")
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    monkeypatch.setenv("KONTAKT_DEBUG", "1")
    (workspace / "out").mkdir(exist_ok=True)
    book = workspace / f"{'-'.join(path)}.db"
    if not book.exists():
        shutil.copyfile(workspace / "backup.db", book)
    runner = CliRunner()

    # derandomize: the same examples every run, so a red run is reproducible, not flaky.
    @settings(max_examples=30, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(_argv(COMMANDS[path], workspace))
    def run(args):
        argv = [*path, *args]
        if "db" in {p.name for p in COMMANDS[path].params}:
            argv += ["--db", str(book)]
        result = runner.invoke(main, argv, input="")
        shown = f"kontakt {argv!r}\n{result.output}"
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(shown) from result.exception
        assert result.exit_code in (0, 1, 2), shown
        assert "Traceback" not in result.output, shown

    run()


@pytest.mark.parametrize("command", [["show"], ["rm"], ["archive"], ["log"], ["intro", "ada"]],
                         ids=" ".join)
def test_a_ref_too_big_for_sqlite_is_a_clear_error(command, tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_DEBUG", "1")
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    # Its own book: the fuzzers above may have written anything over the workspace files.
    book = tmp_path / "huge-ref.db"
    with Book.open(book) as opened:
        opened.add_contact("Ada Lovelace", today=date(2026, 11, 23))
    result = CliRunner().invoke(
        main, [command[0], *command[1:], "99999999999999999999", "--db", str(book)]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1
    assert "no contact matches" in result.stderr
