"""The README's mutt and aerc lines, run the way those clients run them: mutt quotes what was
typed and puts it in place of %s (its mutt_file_expand_fmt and quote_filename rules), aerc
pastes it as typed; both hand the line to `sh -c`. Names with a space and an apostrophe."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent  # where the `kontakt` script is installed
AS_OF = date(2026, 11, 23)


def documented(pattern: str) -> str:
    [line] = re.findall(pattern, README.read_text(encoding="utf-8"))
    return line


MUTT = documented(r'`set query_command = "(.*?)"`')
AERC = documented(r"`address-book-cmd = (.*?)`")


def mutt_expand(command: str, typed: str) -> str:
    """mutt: the query in single quotes, each ' and ` inside as '\\'' (quote_filename with
    add_outer); %s replaced by that, %% by %; no %s → appended after a space."""
    quoted = "'" + re.sub(r"(['`])", r"'\\\1'", typed) + "'"
    out, found, i = [], False, 0
    while i < len(command):
        if command.startswith("%%", i):
            out.append("%")
            i += 2
        elif command.startswith("%s", i):
            out.append(quoted)
            found = True
            i += 2
        else:
            out.append(command[i])
            i += 1
    return "".join(out) + ("" if found else " " + quoted)


def aerc_expand(command: str, typed: str) -> str:
    """aerc (completer.go getAddressCmd): strings.ReplaceAll(cmd, "%s", typed), then sh -c."""
    return command.replace("%s", typed)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    db = tmp_path_factory.mktemp("mail") / "book.db"
    with Book.open(db) as book:
        book.add_contact("Jürgen Müller", today=AS_OF, emails=["jm@example.com"])
        book.add_contact("Siobhán O'Connor", today=AS_OF, emails=["so@example.ie"], org="Tides")
        book.add_contact("Olga Petrova", today=AS_OF, emails=["olga@example.net"])
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "KONTAKT_DB": str(db),
            "KONTAKT_TODAY": AS_OF.isoformat()}


def sh(line: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", "-c", line], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("typed, expected", [
    ("jürgen müller", "jm@example.com\tJürgen Müller\t"),
    ("o'connor", "so@example.ie\tSiobhán O'Connor\tTides"),
])
def test_the_documented_mutt_line_finds_names_with_spaces_and_apostrophes(env, typed, expected):
    assert "'%s'" not in MUTT and '"%s"' not in MUTT  # mutt's manual: do not quote %s
    done = sh(mutt_expand(MUTT, typed), env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "kontakt: 1 matching addresses"  # mutt skips the first line
    assert lines[1:] == [expected]


@pytest.mark.parametrize("typed, expected", [
    ("jürgen müller", "jm@example.com\tJürgen Müller\t"),
    ("o'connor", "so@example.ie\tSiobhán O'Connor\tTides"),
    ("Siobhán O'Con", "so@example.ie\tSiobhán O'Connor\tTides"),
])
def test_the_documented_aerc_line_finds_names_with_spaces_and_apostrophes(env, typed, expected):
    done = sh(aerc_expand(AERC, typed), env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [expected]  # no header line: aerc would read it as an address


def test_the_old_lines_broke_on_exactly_these_names(env):
    # Why the lines changed: mutt's own quotes inside '%s' split "jürgen müller" in two,
    # and aerc's '%s' leaves the quote in "o'connor" open.
    old_mutt = sh(mutt_expand("kontakt email --parsable '%s'", "jürgen müller"), env)
    assert old_mutt.returncode == 2 and "unexpected extra argument" in old_mutt.stderr
    old_aerc = sh(aerc_expand("kontakt email --parsable --remove-first-line '%s'", "o'connor"), env)
    assert old_aerc.returncode != 0 and old_aerc.stdout == ""


def test_the_email_help_shows_the_same_lines_as_the_readme():
    result = CliRunner().invoke(main, ["email", "--help"])
    assert f'set query_command = "{MUTT}"' in result.stdout
    assert f"address-book-cmd = {AERC}" in result.stdout
