"""The unspaced-script runs of a search (store/search.py `_split_unspaced`) are exactly what
the regular expression they replaced found: `findall` of the character class, and `sub` of
each run by one space — checked on every boundary of every range and on random text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kontakt.store.search import _UNSPACED_RANGES, _split_unspaced, search_terms

# The expression as it stood before (compiled here only: ~9 ms at every start).
UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u2e80-\u2fdf\u3005-\u3007"
    "\u3021-\u3029\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003ffff]+"
)
EDGES = sorted({c for first, last in _UNSPACED_RANGES
                for c in (first - 1, first, first + 1, last - 1, last, last + 1)})


def old(word: str) -> tuple[list[str], str]:
    return UNSPACED.findall(word), UNSPACED.sub(" ", word)


def test_every_range_edge_is_read_as_the_expression_read_it():
    assert len(EDGES) > 80
    for code in EDGES:
        for word in (chr(code), f"a{chr(code)}b", chr(code) * 3 + "x" + chr(code)):
            assert _split_unspaced(word) == old(word), hex(code)
    # both sides of the bisect: inside, between two ranges, before the first, after the last
    assert _split_unspaced("王小明x") == (["王小明"], " x")
    assert _split_unspaced("ａｂ") == ([], "ａｂ") and _split_unspaced("\U00040000") == ([], "\U00040000")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from([chr(c) for c in EDGES]),
                                  st.characters(), st.sampled_from("ab 1-王ｶ한"))))
def test_random_text_is_split_as_the_expression_split_it(word):
    assert _split_unspaced(word) == old(word)


def test_a_search_still_finds_unspaced_runs_as_substrings():
    terms = search_terms("王小明 Müller タロウ")
    assert terms.contains == ("王小明", "タロウ") and terms.match == '"Müller"*'
