"""`list`, `list --json` and `search --all` stream from the store: the same bytes as the whole
list printed at once, across the 500-row batches, with hostile and wide names."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.cli.render import contact_json, json_text, print_json_array
from kontakt.domain import Cadence
from kontakt.store import Book

TODAY = date(2026, 11, 23)
# Names that measure differently from their length, carry controls, or need JSON escapes.
ODD = ["Ada \u202eLovelace", "王小明", "Bob \x1b[2J", 'Zoë "Q" Backslash\\', "Ｔａｒｏ", "Åsa Öberg",
       "A very long name that certainly does not fit in any column at all"]
PEOPLE = 1_060  # three batches of 500 (and a partial one)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("stream") / "book.db"
    with pytest.MonkeyPatch.context() as patch, Book.open(path) as book, book.write():
        patch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")  # created_at, updated_at
        for n in range(PEOPLE):
            name = ODD[n % len(ODD)] + f" {n}" if n % 50 == 0 else f"Person {n:04d} Anders"
            contact_id = book.add_contact(
                name, today=TODAY, emails=[f"p{n}@example.com"], org="Org\u2028X" if n % 7 == 0 else "Acme",
                tags=["zwei", "eins"] if n % 3 == 0 else [], notes="line one\nline two",
                cadence=Cadence.parse("monthly") if n % 4 == 0 else None, archived=n % 97 == 0,
            )
            if n % 11 == 0:
                book.add_favour(contact_id, direction="given" if n % 2 else "received",
                                description="help", on=TODAY, weight=2)
    return path


def run(db, *args: str, env: dict | None = None):
    result = CliRunner().invoke(main, [*args[:1], "--db", str(db), *args[1:]],
                                env={"KONTAKT_TODAY": TODAY.isoformat(), "COLUMNS": "100", **(env or {})})
    assert result.exit_code == 0, result.output
    return result


def whole_json(book: Book, contacts) -> str:
    """What `print_json` printed before streaming: the whole list in one document."""
    balances = book.balances(c.id for c in contacts)
    return json_text([contact_json(c, balances[c.id]) for c in contacts]) + "\n"


def test_list_json_streams_the_same_bytes_as_the_whole_list(db):
    with Book.open(db) as book:
        for args, contacts in (
            ((), book.list_contacts()),
            (("--all",), book.list_contacts(archived=None)),
            (("--archived",), book.list_contacts(archived=True)),
            (("--tag", "zwei"), book.list_contacts(tag="zwei")),
        ):
            out = run(db, "list", *args, "--json").stdout
            assert out == whole_json(book, contacts), args
            assert len(json.loads(out)) == len(contacts)
    assert len(contacts) == 350  # every third person is in "zwei", less 4 archived


def test_search_all_streams_every_match_past_the_default_limit(db):
    with Book.open(db) as book:
        expected = book.search("anders", limit=None)
        out = run(db, "search", "anders", "--all", "--json").stdout
        assert out == whole_json(book, expected)
    assert len(json.loads(out)) == len(expected) > 1000
    limited = json.loads(run(db, "search", "anders", "--json").stdout)
    assert len(limited) == 200


def test_an_empty_result_is_an_empty_array():
    import io
    from contextlib import redirect_stdout

    for items in ([], [{}], [[]], [{"a": "x\ny", "b": [1, {"c": None}]}, "\u202e", 3]):
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            print_json_array(iter(items))
        assert buffer.getvalue() == json_text(items) + "\n"


def _one_table(book: Book, contacts, width: int) -> str:
    """The table as `list` prints it, as one rich Table of every row: widths from the first
    LAYOUT_ROWS rows; past them ids and dates never cut, spare room grown into (see
    _print_contacts); a list no longer than LAYOUT_ROWS measured whole, as before streaming."""
    from rich.cells import cell_len
    from rich.table import Table

    from kontakt.cli.contacts import LAYOUT_ROWS, _grow, _list_cells, _share
    from kontakt.cli.render import cell, console

    balances = book.balances(c.id for c in contacts)
    rows = [_list_cells(c, balances[c.id].mark, TODAY) for c in contacts]
    headers = ("id", "name", "org", "circles", "last", "due", "±")
    measured = rows[:LAYOUT_ROWS]
    natural = [max([cell_len(h)] + [cell_len(r[i]) for r in measured]) for i, h in enumerate(headers)]
    longer = len(rows) > LAYOUT_ROWS
    if longer:
        natural[0] = max(natural[0], len(str(max(c.id for c in contacts))))
        natural[4], natural[5] = max(natural[4], 9), max(natural[5], 8)
    fixed = natural[0] + natural[4] + natural[5] + natural[6] + 2 * (len(headers) - 1)
    flexible = _share(max(width - fixed, 18), [natural[1], natural[2], natural[3]])
    if longer:
        flexible = _grow(width - fixed, flexible)
    widths = [natural[0], *flexible, natural[4], natural[5], natural[6]]
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for header, w in zip(headers, widths):
        table.add_column(header, width=w, no_wrap=True, overflow="ellipsis",
                         justify="right" if header == "id" else "left",
                         style="dim" if header == "id" else None)
    for row in rows:
        table.add_row(*(cell(text) for text in row))
    out = console()
    with out.capture() as captured:
        out.print(table)
    return captured.get()


def _lines_differ(out: str, expected: str):
    """The first line that differs (a diff of 1,000 lines is slow), or None."""
    return next(((n, a, b) for n, (a, b) in enumerate(zip(out.splitlines(), expected.splitlines()))
                 if a != b), None)


@pytest.mark.parametrize("width", [100, 200, 52])  # 52: too narrow, rich shrinks (its own path)
def test_the_streamed_table_prints_the_lines_of_one_table(db, width, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    with Book.open(db) as book:
        contacts = book.list_contacts(archived=None)
        expected = _one_table(book, contacts, width)
    from kontakt.cli import contacts as list_module

    assert len(contacts) > list_module.LAYOUT_ROWS  # the widths come from the first rows
    plain_rows: list[str] = []
    real = list_module._plain_row
    monkeypatch.setattr(list_module, "_plain_row", lambda *a: plain_rows.append(real(*a)) or plain_rows[-1])
    out = run(db, "list", "--all", env={"COLUMNS": str(width)}).stdout
    # Piped, every line (header too) is laid out without rich, unless rich must shrink columns.
    assert len(plain_rows) == (0 if width == 52 else PEOPLE + 1)
    lines = out.splitlines()
    assert _lines_differ(out, expected) is None
    assert out == expected
    assert len(lines) == PEOPLE + 1 and lines[0].split()[:2] == ["id", "name"]
    assert sum(line.split()[:2] == ["id", "name"] for line in lines) == 1  # one header
    assert any("…" in line for line in lines) == (width != 200)  # the long name cut to fit


@pytest.mark.parametrize("width", [80, 120])
def test_a_list_shorter_than_the_measured_rows_is_laid_out_as_one_table_of_all(db, width, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    monkeypatch.setenv("COLUMNS", str(width))
    from kontakt.cli.contacts import LAYOUT_ROWS

    with Book.open(db) as book:
        contacts = book.list_contacts(tag="zwei")
        expected = _one_table(book, contacts, width)
    assert 0 < len(contacts) <= LAYOUT_ROWS
    out = run(db, "list", "--tag", "zwei", env={"COLUMNS": str(width)}).stdout
    assert _lines_differ(out, expected) is None
    assert out == expected and len(out.splitlines()) == len(contacts) + 1


@pytest.fixture(scope="module")
def late_rows(tmp_path_factory):
    """A book whose first three rows in name order are short and whose later rows are not:
    two-digit ids, "yesterday", a long name, an accented one and a wide one."""
    path = tmp_path_factory.mktemp("late") / "book.db"
    with pytest.MonkeyPatch.context() as patch, Book.open(path) as book, book.write():
        patch.setenv("KONTAKT_NOW", "2026-11-23T09:30:00+00:00")
        for name in ("Al", "Bo", "Cy"):  # ids 1-3, listed first
            book.add_contact(name, today=TODAY)
        for n in range(4, 10):
            book.add_contact(f"Trashed {n}", today=TODAY)
        late = [book.add_contact(name, today=TODAY) for name in (
            "Zoë D'Angelo", "Zz 王小明", "Zzz Maximiliane Theodora Longname-Beyond-Any-Column")]
        book.log_interaction([late[0]], on=date(2026, 11, 22), today=TODAY)  # "yesterday"
    with Book.open(path) as book, book.write():
        for n in range(4, 10):
            book.trash_contact(n)
    return path


def test_rows_past_the_measured_ones_never_cut_an_id_or_a_date(late_rows, monkeypatch):
    from kontakt.cli import contacts as list_module

    monkeypatch.setattr(list_module, "LAYOUT_ROWS", 3)
    out = run(late_rows, "list", env={"COLUMNS": "80"}).stdout
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["id", "1", "2", "3", "10", "11", "12"]
    header = lines[0]
    assert header.index("name") == 4  # two cells for ids: "10" fits with no …
    row = {line.split()[0]: line for line in lines[1:]}
    assert "yesterday" in row["10"] and row["10"].startswith("10  Zoë D…  ")
    # Measured on "Al", "Bo", "Cy": the name column is its header's width, grown by half.
    assert header[header.index("name"):header.index("org")] == "name" + " " * 4
    assert row["11"].startswith("11  Zz 王…  ")  # a wide character counts two cells
    assert row["12"].startswith("12  Zzz M…  ")
    assert all(len(line) <= 80 for line in lines)
    # Measured whole (the default here), the same list keeps every name where it fits.
    monkeypatch.setattr(list_module, "LAYOUT_ROWS", 1000)
    whole = run(late_rows, "list", env={"COLUMNS": "120"}).stdout
    assert "Zzz Maximiliane Theodora Longname-Beyond-Any-Column" in whole
    assert "…" not in whole


@pytest.mark.parametrize("environ", [
    {}, {"COLUMNS": "132"}, {"COLUMNS": "0"}, {"COLUMNS": "wide"}, {"FORCE_COLOR": "1"},
    {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "1"}, {"TTY_COMPATIBLE": "0"}, {"NO_COLOR": "1"},
])
def test_the_plain_width_is_what_rich_would_lay_out_at_without_colours(environ, monkeypatch):
    """`plain_width` spares the table rich's import by mirroring rich's checks: whenever it
    answers, rich's console agrees (no colours, the same width)."""
    import io

    from kontakt.cli.render import console, plain_width

    for name in ("COLUMNS", "FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdout", io.StringIO())  # piped
    width = plain_width()
    out = console()
    answered = {} == environ or "COLUMNS" in environ and environ["COLUMNS"] != "0" or "NO_COLOR" in environ
    assert (width is not None) == answered, width
    if width is not None:
        assert (out.color_system, out.width) == (None, width)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdout", Terminal())
    assert plain_width() is None  # a terminal: rich decides about colours


@pytest.mark.parametrize("args", [("list",), ("list", "--json"), ("search", "anders", "--all", "--json")])
def test_a_reader_that_leaves_after_one_line_ends_the_command_quietly(db, args):
    """`kontakt list | head -1`: the first line arrives, the command ends at its next write,
    exit 0, nothing on stderr (no BrokenPipe traceback)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "KONTAKT_TODAY": TODAY.isoformat(), "KONTAKT_NO_AUTO_BACKUP": "1",
           "COLUMNS": "200"}
    # More than a pipe and the reader's buffer hold: the command cannot have finished writing
    # when the reader leaves, so its next write really meets the closed pipe.
    assert len(run(db, *args, env={"COLUMNS": "200"}).stdout.encode()) > 2 * 65536
    command = subprocess.Popen([sys.executable, "-m", "kontakt", args[0], "--db", str(db), *args[1:]],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        first = command.stdout.readline()
        command.stdout.close()
        assert command.wait(timeout=60) == 0
        assert command.stderr.read() == b""
    finally:
        if command.poll() is None:
            command.kill()
        command.stderr.close()
    assert first.strip()[:1] in (b"[", b"i")  # "[" of the JSON array, or the header's "id"
