"""Dates and numbers at the edges: refused with one line naming the problem, or working everywhere."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.domain import Birthday
from kontakt.store import Book

TODAY = "2026-11-23"


@pytest.fixture
def book(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    monkeypatch.setenv("KONTAKT_DEBUG", "1")  # an unexpected error escapes instead of a polite exit 1
    path = tmp_path / "book.db"
    assert run(path, "add", "Ada Lovelace", "--birthday", "1815-12-10").exit_code == 0
    return path


def run(db: Path, *args: str):
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def refused(result, *needles: str) -> str:
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    for needle in needles:
        assert needle in result.stderr, result.stderr
    return result.stderr


def book_content(db: Path) -> dict:
    content = json.loads(run(db, "export", "json").stdout)
    del content["exported_at"]
    return content


def everything_works(db: Path) -> None:
    """Review, stats, every export and show all succeed on the book."""
    for args in (["today", "--all"], ["today", "--json"], ["stats"], ["stats", "--json"],
                 ["export", "ics"], ["export", "vcard"], ["export", "json"], ["export", "csv"],
                 ["list", "--json"], ["show", "Ada"], ["prep", "Ada"]):
        result = run(db, *args)
        assert result.exit_code == 0, (args, result.output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "Max", "--birthday", "9999-12-31"], "--birthday: year 9999 is out of range (1000–2999)"),
        (["add", "Max", "--birthday", "0001-01-01"], "--birthday: year 1 is out of range (1000–2999)"),
        (["add", "Max", "--birthday", "31.12.3000"], "--birthday: year 3000 is out of range"),
        (["edit", "Ada", "--birthday", "9999-12-31"], "year 9999 is out of range"),
        (["log", "Ada", "--on", "0999-12-31"], "--on: year 999 is out of range"),
        (["favour", "Ada", "--gave", "x", "--on", "0001-01-01"], "--on: year 1 is out of range"),
        (["follow-up", "Ada", "--on", "9999-12-31"], "--on: year 9999 is out of range"),
        (["snooze", "Ada", "--until", "9999-12-31"], "--until: year 9999 is out of range"),
        (["today", "--as-of", "0001-01-01"], "--as-of: year 1 is out of range (1000–2999)"),
        (["today", "--as-of", "9999-12-31"], "--as-of: year 9999 is out of range (1000–2999)"),
        (["stats", "--as-of", "0001-01-01"], "--as-of: year 1 is out of range"),
        (["stats", "--as-of", "9999-12-31"], "--as-of: year 9999 is out of range"),
        (["follow-up", "Ada", "--in", "99999999 years"], "--in: a cadence needs a count between 1 and 10000"),
        (["follow-up", "Ada", "--in", "999999999999999999999999 days"], "--in:"),
        (["snooze", "Ada", "--for", "99999999 years"], "--for:"),
        (["trash", "--empty", "--older-than", "99999999 years", "--yes"], "--older-than:"),
        (["add", "Max", "--every", "every 99999999999999999999 days"], "--every:"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_date_or_amount_out_of_range_is_refused_with_one_line(book, args, message):
    before = book_content(book)
    refused(run(book, *args), message)
    assert book_content(book) == before  # nothing was half-written
    everything_works(book)


@pytest.mark.parametrize(
    "args",
    [
        ["search", "Ada", "--limit", "99999999999999999999999"],
        ["search", "Ada", "--limit", "0"],
        ["search", "Ada", "--limit", "-1"],
        ["today", "--limit", "9223372036854775808"],
        ["dupes", "--min-score", "99999999999999999999"],
        ["favour", "Ada", "--gave", "x", "--weight", "99999999999999999999"],
    ],
    ids=" ".join,
)
def test_a_number_out_of_range_is_a_usage_error_naming_the_option(book, args):
    assert "Invalid value for '--" in refused(run(book, *args))


@pytest.mark.parametrize("ref", ["999999999999999999999999", "9223372036854775808", "-1", "#-5", "²", "0"])
@pytest.mark.parametrize("command", ["unmerge", "show", "rm", "restore", "archive", "prep"])
def test_an_id_beyond_sqlite_or_negative_is_a_clear_not_found(book, command, ref):
    refused(run(book, command, "--", ref) if ref.startswith("-") else run(book, command, ref), "matches")


@pytest.mark.dated
def test_the_first_and_last_days_kontakt_keeps_work_everywhere(book):
    assert run(book, "add", "Max Early", "--birthday", "1000-01-01").exit_code == 0
    # A birthday in 2999 is refused where it is typed (it is in the future) but a book may
    # hold one written by another program: put it there through the store, which takes it.
    assert "'2999-12-31' is in the future" in refused(run(book, "add", "Max Late", "--birthday", "2999-12-31"))
    with Book.open(book) as opened:
        opened.add_contact("Max Late", today=date.fromisoformat(TODAY), birthday=Birthday(12, 31, 2999))
    assert run(book, "log", "Ada", "--on", "1000-01-01").exit_code == 0
    assert run(book, "follow-up", "Ada", "--on", "2999-12-31").exit_code == 0
    everything_works(book)
    for day in ("1000-01-01", "2999-12-31"):
        assert run(book, "today", "--as-of", day, "--all").exit_code == 0
        assert run(book, "stats", "--as-of", day, "--json").exit_code == 0
    shown = json.loads(run(book, "show", "Max Late", "--json").stdout)
    assert shown["birthday"] == "2999-12-31"
    assert "DTSTART;VALUE=DATE:29991231" in run(book, "export", "ics").stdout


def test_a_vcard_birthday_in_year_9999_is_left_out_with_the_reason(book, tmp_path):
    card = tmp_path / "far.vcf"
    card.write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Max Far\r\nBDAY:99991231\r\nEND:VCARD\r\n")
    result = run(book, "import", str(card))
    assert result.exit_code == 0, result.output
    assert "'99991231': year 9999 is out of range (1000–2999)" in result.stderr
    assert json.loads(run(book, "show", "Max Far", "--json").stdout)["birthday"] is None
    everything_works(book)


def test_a_kontakt_json_entry_dated_9999_is_rejected_or_left_out_with_the_reason(book, tmp_path):
    source = tmp_path / "far.json"
    source.write_text(json.dumps({
        "kontakt": 1,
        "contacts": [{"uid": "u1", "name": "Max Far", "birthday": "9999-12-31"},
                     {"uid": "u2", "name": "Jo Near"}],
        "interactions": [{"uid": "i1", "date": "9999-12-31", "kind": "call", "participants": ["u2"]}],
    }))
    result = run(book, "import", str(source))
    assert result.exit_code == 3, result.output  # some rows landed, others were rejected
    # Max Far comes in without the birthday, as from a vCard or a CSV.
    assert "2 added" in result.stdout
    assert ("contact 1 (Max Far): birthday: '9999-12-31': year 9999 is out of range (1000–2999); "
            "imported without it") in result.stderr
    assert json.loads(run(book, "show", "Max Far", "--json").stdout)["birthday"] is None
    assert "interaction 1: rejected: year 9999 is out of range" in result.stderr
    assert run(book, "show", "Jo Near", "--json").exit_code == 0
    everything_works(book)


@pytest.mark.dated
def test_a_book_holding_a_year_9999_birthday_from_before_still_works(book):
    # Written "from outside", as a book saved before kontakt refused such years holds it.
    subprocess.run(["sqlite3", str(book), "UPDATE contacts SET birthday = '9999-12-31'"], check=True)
    everything_works(book)
    assert "DTSTART;VALUE=DATE:99991231" in run(book, "export", "ics").stdout
    assert json.loads(run(book, "show", "Ada", "--json").stdout)["birthday"] == "9999-12-31"
    assert run(book, "edit", "Ada", "--birthday", "1815-12-10").exit_code == 0


def test_a_today_out_of_range_is_refused(book, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", "9999-12-31")
    refused(run(book, "today"), "year 9999 is out of range")


@pytest.mark.parametrize("suffix", ["", "-wal"])
@pytest.mark.parametrize("export", [["csv"], ["json"], ["vcard"], ["ics"]], ids=" ".join)
def test_an_export_onto_the_book_itself_is_refused_and_the_book_survives(book, export, suffix):
    # Found by the CLI fuzz: `export csv -o book.db` renamed the CSV over the open book.
    target = f"{book}{suffix}"
    refused(run(book, "export", *export, "-o", target), "is the book itself")
    everything_works(book)
    assert json.loads(run(book, "show", "Ada", "--json").stdout)["name"] == "Ada Lovelace"
