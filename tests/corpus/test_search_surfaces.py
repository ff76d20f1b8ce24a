"""Every place a person is looked up by typed text finds the hard names the same way:
CLI `search`, `email` and REF arguments, the log form's people picker and the palette."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import AmbiguousRef, Book
from kontakt.store.book import REF_COLUMNS, search_terms

TODAY = date(2026, 11, 23)
NAMES = ["王小明", "Dario D’Angelo", "Hans Weiß", "Οδυσσέας Ελύτης", "สมชายใจดี", "Ｔａｒｏ Ｙａｍａｄａ"]
# (typed, whom it must find)
QUERIES = [("小明", "王小明"), ("d'angelo", "Dario D’Angelo"), ("weiss", "Hans Weiß"),
           ("ΟΔΥΣΣΈΑΣ", "Οδυσσέας Ελύτης"), ("ใจดี", "สมชายใจดี"), ("taro", "Ｔａｒｏ Ｙａｍａｄａ")]


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    monkeypatch.setenv("KONTAKT_NOW", "2026-11-23T09:00:00+00:00")
    with Book.open(tmp_path / "book.db") as opened:
        for index, name in enumerate(NAMES):
            opened.add_contact(name, today=TODAY, emails=[f"p{index}@example.com"])
        # A note that mentions someone must not make its author that someone's REF.
        opened.add_contact("Nora Notes", today=TODAY, notes="asked about 小明 and room 999")
        yield opened


def test_the_builder_splits_words_for_the_index_and_runs_for_substrings():
    terms = search_terms("王小明 Weiß")
    assert terms.contains == ("王小明",)
    assert terms.match == '("Weiß"* OR "weiss"*)'
    assert search_terms("🌻 …") is None
    ref = search_terms("d'angelo", REF_COLUMNS)
    assert ref.match.startswith("{name nickname emails search_folded} : (")


@pytest.mark.parametrize("query, name", QUERIES)
def test_cli_search_email_and_ref_find_the_same_person(book, query, name):
    runner = CliRunner()
    db = str(book.path)
    found = runner.invoke(main, ["search", "--db", db, "--json", query], catch_exceptions=False)
    assert found.exit_code == 0, found.output
    assert name in [c["name"] for c in json.loads(found.stdout)]
    mail = runner.invoke(main, ["email", "--db", db, "--parsable", "--remove-first-line", query])
    assert mail.exit_code == 0, mail.output
    assert any(line.split("\t")[1] == name for line in mail.stdout.splitlines())
    shown = runner.invoke(main, ["show", "--db", db, "--json", query], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["name"] == name


def test_a_ref_never_resolves_through_someones_notes(book):
    assert book.find("小明").name == "王小明"  # not Nora, whose note mentions him
    with pytest.raises(AmbiguousRef):
        book.find("999")  # no contact #999; Nora's "room 999" is not a REF
    with pytest.raises(AmbiguousRef):
        book.find("room")


async def test_the_log_pickers_and_the_palette_find_the_hard_names(book):
    from textual.command import CommandPalette
    from textual.widgets import OptionList

    from kontakt.config import Config
    from kontakt.tui.app import KontaktApp

    app = KontaktApp(book, today=TODAY, config=Config())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        picker = app.screen.query_one("#picker-input")
        suggestions = app.screen.query_one("#picker-suggestions", OptionList)
        for query, name in QUERIES:
            picker.value = query
            await pilot.pause()
            prompts = [suggestions.get_option_at_index(i).prompt.plain
                       for i in range(suggestions.option_count)]
            assert any(p.startswith(name) for p in prompts), (query, prompts)
        await pilot.press("escape", "y")
        await pilot.pause()

        for query, name in QUERIES[:3]:
            await pilot.press("ctrl+p", *query)
            await pilot.pause(0.5)
            palette = app.screen
            assert isinstance(palette, CommandPalette)
            options = palette.query_one(OptionList)
            prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            assert any(name in p for p in prompts), (query, prompts)
            await pilot.press("escape")
            await pilot.pause()


def test_any_typed_text_is_a_valid_search(tmp_path):
    """Whatever is typed (FTS5 syntax, quotes, marks alone, every script), the builder's
    query runs: no syntax error reaches the user, and a name finds itself."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    typed = st.text(st.characters(exclude_categories=("Cs",)), max_size=20) | st.sampled_from(
        ['"', '""', "*", "AND", "a OR b", "NOT x", "NEAR(a b)", "{name}:x", "^a", "a:b", "\u0301", "ـ"])
    runs = 0
    with Book.open(tmp_path / "book.db") as book:
        book.add_contact("Anna Berg", today=TODAY)

        @settings(max_examples=150, deadline=None)
        @given(typed)
        def search_runs(text):
            nonlocal runs
            book.search(text)
            book.count_contacts(query=text)
            book.list_contacts(query=text, limit=5)
            runs += 1

        search_runs()
        assert book.search("Anna Berg")[0].name == "Anna Berg"
    assert runs >= 150
