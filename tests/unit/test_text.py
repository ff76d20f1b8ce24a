"""Cleaning user text of terminal control, and folding it for comparison."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontakt.domain import clean, clean_line, fold

# What clean() must never let through: C0 except tab and newline, DEL, C1.
REMOVED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;38;5;196mbold red\x1b[m", "bold red"),
        ("\x1b]0;title\x07x", "x"),
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1bPq#0;2;0;0;0\x1b\\after", "after"),
        ("a\x1bcb", "ab"),  # two-byte escape (RIS: reset the terminal)
        ("\x1b7saved\x1b8", "saved"),  # save and restore the cursor
        ("\x1b(Bascii", "ascii"),  # pick a character set
        ("\x9b31mred", "red"),  # 8-bit CSI
        ("tail\x1b", "tail"),  # a lone ESC at the end
    ],
)
def test_escape_sequences_are_removed_with_their_parameters(raw, expected):
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\x00b", "ab"),
        ("bell\x07", "bell"),
        ("back\x08space", "backspace"),
        ("del\x7f", "del"),
        ("c1\x85\x9f", "c1"),
        ("vt\x0bff\x0c", "vtff"),
    ],
)
def test_control_characters_are_removed(raw, expected):
    assert clean(raw) == expected


def test_tab_and_newline_are_kept():
    assert clean("a\tb\nc") == "a\tb\nc"


def test_crlf_and_lone_cr_become_newlines():
    assert clean("one\r\ntwo\rthree") == "one\ntwo\nthree"


@pytest.mark.parametrize(
    "text", ["Jürgen Müller", "Søren Ærø", "🎂 party 👍🏽", "[bold]x[/bold]", "日本語"]
)
def test_ordinary_text_is_kept_literally(text):
    assert clean(text) == text


def test_clean_line_turns_line_breaks_and_tabs_into_spaces_and_strips():
    assert clean_line("  Anna\r\n\tSchmidt \x1b[0m ") == "Anna Schmidt"


# Controls, escape sequences and line breaks among ordinary and odd letters.
_LINE_ALPHABET = st.one_of(st.characters(codec="utf-8"),
                           st.sampled_from(["\t", "\n", "\r", "\x1b", "\x1b[31m", "\x9b", "\x7f", " ",
                                            "\x85", "\u2028", "\xa0", "ß", "Ł"]))


@given(st.lists(_LINE_ALPHABET, max_size=30).map("".join))
def test_clean_line_is_clean_with_line_breaks_as_spaces_for_any_text(text):
    """Text without controls skips the cleaning: the answer is the one of the full cleaning."""
    assert clean_line(text) == re.sub(r"[\t\n]+", " ", clean(text)).strip()


def test_fold_ignores_case_and_accents():
    assert fold("Müller") == fold("MULLER") == "muller"
    assert fold("Jürgen") == "jurgen"
    assert fold("ÉLODIE") == "elodie"


def test_fold_treats_composed_and_decomposed_umlauts_alike():
    assert fold("Mu\u0308ller") == fold("M\u00fcller")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_clean_never_lets_a_control_character_through(text):
    assert not REMOVED.search(clean(text))


ESCAPE_SOUP = st.sampled_from("\x1b[]P\\;0123456789m\x07\x9bab \n\r\t\x00\x7fü")


@given(st.text(alphabet=ESCAPE_SOUP, max_size=40))
def test_clean_never_lets_a_control_character_through_escape_soup(text):
    assert not REMOVED.search(clean(text))
