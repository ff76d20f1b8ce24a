"""`kontakt show` prints a card without rich's console when the output is piped and no row
needs wrapping; what it prints must be rich's output byte for byte, for any text in any
script at any width — and rich still lays out every row that wraps."""

from __future__ import annotations

import pytest
from faker import Faker

from kontakt.cli import render

LEADS = ["", "  org          ", "  email        ", "Nguyễn Fuchshuber", "  名前  ", "  ±  "]


def texts() -> list[str]:
    fixed = [
        "", " ", "plain", "trailing spaces   ", "  leading", "tab\there", "line\nbreak", "\n",
        "王小明 · 北京", "Zoë Zürcher", "e\u0301 combining", "emoji 👩‍👩‍👧 family", "ＦＵＬＬ",
        "\x1b[31mred\x1b[0m", "evil\u202egpj.exe", "[bold]x[/]", "a" * 19, "a" * 20, "a" * 21,
        "x" * 60, "x" * 79, "x" * 80, "x" * 81, "word " * 30, "ß" * 25, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    ]
    fake = Faker(["de_DE", "vi_VN", "ja_JP", "ar_AA", "hi_IN", "ru_RU", "zh_CN", "en_US"])
    Faker.seed(19)
    generated = [fake.name() for _ in range(60)] + [fake.address() for _ in range(20)] \
        + [fake.company() + " · " + fake.job() for _ in range(40)]
    return fixed + generated


def rich_output(rows, monkeypatch, capsys) -> str:
    monkeypatch.setattr(render, "plain_width", lambda: None)  # the console lays out every row
    capsys.readouterr()
    render.print_hanging(rows)
    out = capsys.readouterr().out
    monkeypatch.undo()
    return out


@pytest.mark.parametrize("width", [20, 32, 80, 120])
def test_the_plain_card_is_riches_own(width, monkeypatch, capsys):
    plain_rows = 0
    all_texts = texts()
    for lead in LEADS:
        for text in all_texts:
            monkeypatch.setenv("COLUMNS", str(width))
            monkeypatch.delenv("FORCE_COLOR", raising=False)
            monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
            monkeypatch.setenv("NO_COLOR", "1")
            assert render.plain_width() == width  # piped: capsys is no terminal
            from rich.cells import cell_len

            plain = render._plain_hanging([(lead, text)], width, cell_len)
            expected = rich_output([(lead, text)], monkeypatch, capsys)
            if plain is None:
                continue  # rich's to lay out, and it did
            plain_rows += 1
            assert "".join(line + "\n" for line in plain) == expected, (lead, text, width)
    # The plain path really ran: on most rows once the terminal is as wide as usual.
    assert plain_rows > (len(LEADS) * len(all_texts) // 2 if width >= 80 else 0)


def test_a_whole_card_prints_the_same_either_way(monkeypatch, capsys):
    rows = [("Nguyễn Fuchshuber", ""), ("  org          ", "Founder · Weißwerk & Co. KG"),
            ("  email        ", "nguyen@example.com"), ("  notes        ", "x" * 200)]
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    capsys.readouterr()
    render.print_hanging(rows[1:3])  # fits: plain
    fast = capsys.readouterr().out
    assert fast == rich_output(rows[1:3], monkeypatch, capsys)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    render.print_hanging(rows)  # an empty row and a long one: rich for all of it
    whole = capsys.readouterr().out
    assert whole == rich_output(rows, monkeypatch, capsys)
    assert whole.count("\n") > 4  # the notes wrapped


@pytest.mark.parametrize("columns", ["60", "80", "132"])
def test_show_prints_every_demo_card_as_rich_would(columns, tmp_path, monkeypatch):
    """The people of the shipped demo book, shown piped: the same bytes with the plain
    layout as with rich's console laying out every row."""
    from datetime import date

    from click.testing import CliRunner

    from kontakt.cli import main
    from kontakt.services.demo import create_demo_book

    today = date(2026, 11, 23)
    book = create_demo_book(tmp_path / "demo.db", today)
    ids = [row[0] for row in book.conn.execute("SELECT id FROM contacts WHERE deleted_at IS NULL")]
    book.close()
    if columns != "80":  # every card at the usual width; every third one at the others
        ids = ids[::3]
    monkeypatch.setenv("KONTAKT_TODAY", today.isoformat())
    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.setenv("NO_COLOR", "1")
    runner = CliRunner()

    def show(person: int) -> str:
        result = runner.invoke(main, ["show", "--db", str(tmp_path / "demo.db"), str(person)])
        assert result.exit_code == 0, result.output
        return result.stdout

    answered = []
    original = render._plain_hanging
    monkeypatch.setattr(render, "_plain_hanging",
                        lambda *args: answered.append(original(*args)) or answered[-1])
    plain = {person: show(person) for person in ids}
    assert sum(lines is not None for lines in answered) >= len(ids) // 2  # the plain path ran
    with monkeypatch.context() as patched:
        patched.setattr(render, "plain_width", lambda: None)
        laid_out_by_rich = {person: show(person) for person in ids}
    assert len(ids) >= 10 and plain == laid_out_by_rich
    assert sum(text.count("\n") for text in plain.values()) > 10 * len(ids)  # real cards
