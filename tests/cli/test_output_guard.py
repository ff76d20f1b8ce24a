"""Bytes that reach the book by another door (the sqlite3 tool, a restored backup, a JSON
import) never act on the terminal: every CLI command shows them as placeholders."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.domain.text import escape_json, visible

TODAY = "2026-11-23"

# Erase the screen, retitle the terminal, a hyperlink, 8-bit CSI and DCS, BEL, backspace,
# carriage return, a right-to-left override and isolate, and markup for rich and Textual.
HOSTILE = (
    "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\"
    "\x9b31m\x90q\x07\x08\r\u202egpj.exe\u2066[bold]x[@click=app.quit]x"
)
# What must never be printed: C0 but newline and tab, DEL, C1, bidi embeddings and isolates.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The placeholders every screenful of HOSTILE must show: ESC, the 8-bit CSI, the override.
SHOWN = ("␛", "<U+009B>", "<U+202E>")
ADA = "Ada" + HOSTILE + " Lovelace"  # the hostile part in the first name, for `today --brief`


def _sql_text(text: str) -> str:
    """`text` as an SQL expression that holds every byte as is."""
    return "char(" + ",".join(str(ord(c)) for c in text) + ")"


def _poison(path: Path) -> None:
    """Write HOSTILE into every kind of text the book keeps, from outside: the sqlite3 tool."""
    h = _sql_text(HOSTILE)
    sql = f"""
    PRAGMA foreign_keys = ON;
    UPDATE contacts SET name = {_sql_text(ADA)}, nickname = {h}, org = {h}, role = {h},
        location = {h}, met = {h}, notes = 'note ' || {h} || char(10) || 'line two ' || {h},
        emails = json_array('ada@example.com', 'ada' || {h} || '@example.com'),
        phones = json_array({h})
        WHERE id = 1;
    UPDATE contacts SET name = 'Bob ' || {h} WHERE id = 2;
    UPDATE contacts SET name = 'Carl ' || {h} WHERE id = 4;
    UPDATE circles SET name = 'math' || {h} WHERE name = 'math';
    UPDATE contacts SET tags = json_array('math' || {h}) WHERE id IN (1, 2);
    UPDATE interactions SET note = 'met ' || {h};
    UPDATE favours SET description = 'favour ' || {h};
    UPDATE follow_ups SET note = 'ask ' || {h};
    UPDATE introductions SET note = 'intro ' || {h}, outcome = 'outcome ' || {h}, result = 'worked',
        outcome_on = '2026-07-01';
    """
    subprocess.run(["sqlite3", str(path)], input=sql, text=True, check=True, capture_output=True)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A book made by kontakt (Ada due today, a duplicate of her, Carl in the trash), then
    poisoned with the sqlite3 tool."""
    home = tmp_path_factory.mktemp("guard-home")
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home), "XDG_CONFIG_HOME": str(home),
           "XDG_CACHE_HOME": str(home), "KONTAKT_TODAY": TODAY, "KONTAKT_DB": None,
           "KONTAKT_CONFIG": None}
    path = home / "book.db"
    runner = CliRunner(env=env)
    for args in (
        ["add", "Ada Lovelace", "--email", "ada@example.com", "--tag", "math", "--every", "monthly",
         "--birthday", "--11-25"],
        ["add", "Bob Babbage", "--tag", "math"],
        ["add", "Ada Lovelace", "--email", "ada@example.com"],
        ["add", "Carl"],
        ["log", "1", "2", "--on", "2026-10-01", "--note", "x"],
        ["favour", "1", "--gave", "x"],
        ["favour", "2", "--received", "x"],
        ["follow-up", "1", "--on", TODAY, "--note", "x"],  # due today: the CLI refuses past days
        ["intro", "1", "2", "--note", "x", "--on", "2026-06-01"],
        ["rm", "4"],
    ):
        result = runner.invoke(main, ["--db", str(path), *args])
        assert result.exit_code == 0, result.output
    _poison(path)
    return path


@pytest.fixture
def book(template, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the poisoned book for one test (copied by SQLite, not as a file)."""
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    path = tmp_path / "book.db"
    subprocess.run(["sqlite3", str(template), f".backup '{path}'"], check=True)
    return path


def run(book: Path, *args: str):
    # color=True: click would otherwise strip CSI sequences itself and hide a missing guard.
    return CliRunner().invoke(main, ["--db", str(book), *args], color=True)


def assert_guarded(result) -> str:
    """Nothing raw in stdout or stderr, and the placeholders really printed."""
    out = result.stdout + result.stderr
    raw = sorted({f"U+{ord(c):04X}" for c in RAW.findall(out)})
    assert raw == [], f"raw control characters reach the terminal: {raw}"
    assert "␛" in out, f"the hostile text was not printed at all:\n{out}"
    return out


def test_the_book_really_holds_the_raw_bytes(book):
    """The oracle for everything below: the sqlite3 tool stored the bytes unchanged."""
    found = subprocess.run(["sqlite3", str(book), "SELECT hex(name) FROM contacts WHERE id = 1"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert bytes.fromhex(found).decode() == ADA


# Tables cut long names (with …) and `today` breaks long words, so there only the first
# placeholder is sure to be on screen whole.
SHOWING = [
    (["list"], False), (["list", "--all"], False), (["search", "ada"], False), (["show", "1"], True),
    (["prep", "1"], True), (["email", "ada"], True), (["email", "--parsable", "ada"], True),
    (["today"], False), (["today", "--all"], False), (["stats"], True), (["circles"], True),
    (["dupes"], True), (["trash"], False),
]


@pytest.mark.parametrize(("args", "whole"), SHOWING, ids=[" ".join(a) for a, _ in SHOWING])
def test_every_command_that_shows_data_shows_controls_as_placeholders(book, monkeypatch, args, whole):
    monkeypatch.setenv("COLUMNS", "400")  # room for whole names where the layout allows
    result = run(book, *args)
    assert result.exit_code == 0, result.output
    out = assert_guarded(result)
    if whole:
        for placeholder in SHOWN:
            assert placeholder in out
        assert "[bold]x[@click=app.quit]x" in out  # markup is text, printed as it is


def test_today_brief_for_shell_profiles_is_safe(book):
    result = run(book, "today", "--brief")
    assert result.exit_code == 0
    out = assert_guarded(result)
    assert out.startswith("1 person today: Ada␛[2J␛]0;pwned␇")
    assert len(out.rstrip("\n")) <= 60


def test_show_keeps_the_notes_line_breaks_and_shows_the_rest(book, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    out = assert_guarded(run(book, "show", "1"))
    lines = out.splitlines()
    # The two note lines stay two lines; the carriage return inside is a visible ␍.
    assert any(line.startswith("  note ␛[2J") for line in lines)
    assert any(line.startswith("  line two ␛[2J") for line in lines)
    assert "␈␍<U+202E>gpj.exe<U+2066>" in out


def test_list_columns_stay_aligned_with_placeholders(book):
    """Placeholders are measured before the table is laid out: every row ends at one column."""
    lines = assert_guarded(run(book, "list", "--all")).splitlines()
    assert len(lines) == 4  # header and Ada, her duplicate, Bob
    ends = {line.rindex(mark) for line in lines[1:] for mark in ("+", "−", "=") if mark in line}
    assert len(ends) == 1, lines


def test_email_parsable_keeps_one_record_per_line(book):
    """A stored tab or newline would make mutt read fields or records that are not there."""
    out = assert_guarded(run(book, "email", "--parsable", "ada"))
    records = out.splitlines()[1:]
    assert len(records) == 3
    assert all(record.count("\t") == 2 for record in records)


WRITING = [
    ["edit", "1", "--location", "Berlin"], ["archive", "1"], ["log", "1", "2", "--note", "n"],
    ["favour", "1", "--gave", "g"], ["intro", "1", "3"], ["follow-up", "1", "--in", "2 weeks"],
    ["rm", "1"], ["restore", "4"], ["snooze", "1"], ["done", "1"],
    ["merge", "3", "1", "--dry-run"], ["dupes", "--dismiss", "1", "3"],
]


@pytest.mark.parametrize("args", WRITING, ids=" ".join)
def test_every_command_that_confirms_with_a_name_is_safe(book, args):
    result = run(book, *args)
    assert result.exit_code == 0, result.output
    assert_guarded(result)


def test_merge_and_unmerge_print_safely(book):
    merged = run(book, "merge", "3", "1")
    assert merged.exit_code == 0, merged.output
    assert "<U+202E>" in assert_guarded(merged)
    undone = run(book, "unmerge", "1")
    assert undone.exit_code == 0, undone.output
    assert_guarded(undone)


def test_a_json_import_of_the_book_reports_its_names_safely(book, tmp_path):
    """A kontakt JSON export carries the bytes to another book. Input cleaning drops the
    escapes but keeps a right-to-left override: the report shows it, not obeys it."""
    exported = tmp_path / "book.json"
    assert run(book, "export", "json", "-o", str(exported)).exit_code == 0
    result = run(tmp_path / "other.db", "import", str(exported), "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.stdout + result.stderr
    assert RAW.findall(out) == []
    assert "contact 1: Adalinkq <U+202E>gpj.exe<U+2066>" in out


JSON = [
    ["list", "--json"], ["search", "ada", "--json"], ["show", "1", "--json"],
    ["prep", "1", "--json"], ["today", "--json"], ["stats", "--json"], ["circles", "--json"],
    ["dupes", "--json"], ["trash", "--json"],
]


def _strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return []


@pytest.mark.parametrize("args", JSON, ids=" ".join)
def test_json_is_faithful_to_the_book_and_its_bytes_are_safe(book, args):
    """Scripts get exactly what is stored; C1 and bidi are \\u escapes, not raw bytes."""
    result = run(book, *args)
    assert result.exit_code == 0, result.output
    raw = RAW.findall(result.stdout)
    assert raw == []
    assert "\\u001b[2J" in result.stdout and "\\u009b" in result.stdout
    values = _strings(json.loads(result.stdout))
    assert any(HOSTILE in value for value in values)


def test_show_json_gives_back_the_stored_name_exactly(book):
    data = json.loads(run(book, "show", "1", "--json").stdout)
    assert data["name"] == ADA
    assert data["notes"] == f"note {HOSTILE}\nline two {HOSTILE}"


def test_colour_on_a_terminal_brings_only_colour_codes(book, monkeypatch):
    """With colour forced, rich writes its own SGR codes; the data's ESC still never passes."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    for args in (["list"], ["stats"], ["trash"], ["circles"]):
        out = run(book, *args).stdout
        own = re.findall(r"\x1b\[[0-9;]*m", out)
        assert own, f"{args}: colour was not on, the test proves nothing"
        rest = re.sub(r"\x1b\[[0-9;]*m", "", out)
        assert RAW.findall(rest) == [], args
        assert "␛" in rest


# ---------------------------------------------------------------------- error messages


def test_a_csv_header_cell_with_escapes_is_quoted_safely(book, tmp_path):
    source = tmp_path / "people.csv"
    source.write_text("Na\x1b]0;pwned\x07me,E\u009bmail\u202e\nAda,a@example.com\n", encoding="utf-8")
    result = run(book, "import", str(source), "--dry-run")
    assert result.exit_code == 1
    out = assert_guarded(result)
    assert "no name column" in out and "Na␛]0;pwned␇me" in out and "E<U+009B>mail<U+202E>" in out


def test_a_file_name_with_escapes_is_quoted_safely(book, tmp_path):
    result = run(book, "import", str(tmp_path / "x\x1b]0;pwned\x07.csv"))
    assert result.exit_code == 1
    assert "x␛]0;pwned␇.csv" in assert_guarded(result)


def test_an_ambiguous_reference_lists_names_safely(book):
    result = run(book, "show", "ada")  # Ada and her duplicate: the message names both
    assert result.exit_code == 1
    assert "<U+202E>" in assert_guarded(result)


def test_a_user_error_message_naming_data_is_safe(book):
    result = run(book, "done", "2")  # nothing due for Bob: the message names him
    assert result.exit_code == 1
    assert "for Bob ␛[2J" in assert_guarded(result)


# ---------------------------------------------------------------------- the guard itself


def test_every_cli_line_leaves_through_a_guarded_door():
    """Only JSON (escaped), exports and the completion script use click.echo directly."""
    root = Path(__file__).parents[2] / "src" / "kontakt" / "cli"
    direct = {
        f"{path.name}:{number}"
        for path in root.glob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"click\.echo\(|(?<![.\w])print\(|sys\.std(out|err)\.write|Console\(", line)
    }
    # echo itself, the JSON door, `export ics` and the other exports' BOM to stdout, the
    # completion script, the guarded console, and the import's progress bar (no data in it);
    # plus the streamed JSON array's door (escaped, like the JSON door).
    assert {entry.split(":")[0] for entry in direct} == {
        "render.py", "common.py", "review.py", "transfer.py", "citizen.py"}, sorted(direct)
    assert len(direct) == 8, sorted(direct)


def test_visible_and_escape_json_agree_on_what_is_unsafe():
    everything = "".join(map(chr, range(0x3000))) + "\u2028\u2029"
    shown = visible(everything)
    assert RAW.findall(shown) == []
    assert visible(shown) == shown
    assert json.loads(escape_json(json.dumps(everything, ensure_ascii=False))) == everything
    assert RAW.findall(escape_json(json.dumps(everything, ensure_ascii=False))) == []


def test_the_console_drops_what_slipped_past_without_moving_a_column(monkeypatch):
    """The last net: a rich Text made without `cell` still reaches the terminal clean."""
    import io

    from rich.table import Table
    from rich.text import Text

    from kontakt.cli.render import console

    monkeypatch.setenv("COLUMNS", "80")
    out = console()
    out.file = io.StringIO()
    table = Table(box=None, show_header=False)
    table.add_column()
    table.add_column()
    table.add_row(Text("a\x1b]0;pwned\x07b\u202ec"), "end")
    table.add_row(Text("abc"), "end")
    out.print(table)
    printed = out.file.getvalue()
    assert RAW.findall(printed) == []
    first, second = printed.splitlines()
    assert first.index("end") == second.index("end")
    assert "a]0;pwnedbc" in first


@pytest.mark.parametrize(
    ("raw", "one_line", "lines"),
    [
        ("\x1b]0;pwned\x07", "␛]0;pwned␇", "␛]0;pwned␇"),  # OSC: defanged, still readable
        ("a\r\nb", "a␍␊b", "a␍\nb"),  # CR always shows: it would overwrite the line
        ("a\tb", "a␉b", "a\tb"),
        ("\x00\x7f\x9b\x85", "␀␡<U+009B><U+0085>", "␀␡<U+009B><U+0085>"),
        ("\u202a\u202e\u2066\u2069\u2028", "<U+202A><U+202E><U+2066><U+2069><U+2028>",
         "<U+202A><U+202E><U+2066><U+2069><U+2028>"),
        ("\u05e9\u200f\u200e\u061c", "\u05e9\u200f\u200e\u061c", "\u05e9\u200f\u200e\u061c"),
        ("Zoë [bold]x", "Zoë [bold]x", "Zoë [bold]x"),
    ],
)
def test_visible_shows_each_control_as_its_placeholder(raw, one_line, lines):
    """Direction marks (RLM, LRM, ALM) stay: Hebrew and Arabic names use them, and they only
    settle their neighbours' direction; overrides and isolates reorder what follows."""
    assert visible(raw) == one_line
    assert visible(raw, multiline=True) == lines
