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
    """The table as `list` printed it before streaming: one rich Table of every row."""
    from rich.cells import cell_len
    from rich.table import Table

    from kontakt.cli.contacts import _list_cells, _share
    from kontakt.cli.render import cell, console

    balances = book.balances(c.id for c in contacts)
    rows = [_list_cells(c, balances[c.id].mark, TODAY) for c in contacts]
    headers = ("id", "name", "org", "circles", "last", "due", "±")
    natural = [max([cell_len(h)] + [cell_len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    fixed = natural[0] + natural[4] + natural[5] + natural[6] + 2 * (len(headers) - 1)
    flexible = _share(max(width - fixed, 18), [natural[1], natural[2], natural[3]])
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


@pytest.mark.parametrize("width", [100, 200, 52])  # 52: too narrow, rich shrinks (its own path)
def test_the_streamed_table_prints_the_lines_of_one_table(db, width, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    with Book.open(db) as book:
        contacts = book.list_contacts(archived=None)
        expected = _one_table(book, contacts, width)
    from kontakt.cli import contacts as list_module

    plain_rows: list[str] = []
    real = list_module._plain_row
    monkeypatch.setattr(list_module, "_plain_row", lambda *a: plain_rows.append(real(*a)) or plain_rows[-1])
    out = run(db, "list", "--all", env={"COLUMNS": str(width)}).stdout
    # Past the first batch rows are laid out without rich, unless rich must shrink columns.
    assert len(plain_rows) == (0 if width == 52 else PEOPLE - 20)
    lines = out.splitlines()
    # Line by line: a failure names the first line that differs (a diff of 1,000 is slow).
    assert next(((n, a, b) for n, (a, b) in enumerate(zip(lines, expected.splitlines())) if a != b),
                None) is None
    assert out == expected
    assert len(lines) == PEOPLE + 1 and lines[0].split()[:2] == ["id", "name"]
    assert sum(line.split()[:2] == ["id", "name"] for line in lines) == 1  # one header
    assert any("…" in line for line in lines) == (width != 200)  # the long name cut to fit
