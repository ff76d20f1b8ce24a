"""The streamed JSON array (kontakt.jsontext) is `json.dumps(list, ensure_ascii=False,
indent=2)` plus a newline, made terminal-safe, byte for byte — whatever the values, built by
its own indenting or by the json module for what it leaves to it."""

from __future__ import annotations

import json
from collections import OrderedDict

from hypothesis import given, settings
from hypothesis import strategies as st

from kontakt.domain.text import escape_json
from kontakt.jsontext import _indented, json_array_text

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(
               "\x1b\x9b\u202e\n\t\"\\é王")))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.lists(inner, max_size=3).map(tuple)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=25)


def dumped(items) -> str:
    return escape_json(json.dumps(list(items), ensure_ascii=False, indent=2) + "\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUES, max_size=5))
def test_the_array_is_json_dumps_byte_for_byte(items):
    assert "".join(json_array_text(items)) == dumped(items)


def test_what_it_leaves_to_the_json_module_comes_out_the_same():
    class Tally(int):
        pass

    deep: list = []
    for _ in range(150):  # deeper than its own indenting goes
        deep = [deep]
    items = [{1: "int key", None: "none key"}, [Tally(3)], OrderedDict(a=1), deep, {"x": 1.5}]
    assert "".join(json_array_text(items)) == dumped(items)
    # a blocking large array: each block is whole JSON text once joined
    many = [{"n": n, "name": "Anna\u202e"} for n in range(3000)]
    blocks = list(json_array_text(many))
    assert len(blocks) > 3 and "".join(blocks) == dumped(many) and "\u202e" not in "".join(blocks)


def test_its_own_indenting_handles_the_contact_shape_without_the_json_module():
    shape = {"id": 1, "name": "Zoë", "emails": ["a@b"], "tags": [], "birthday": None,
             "archived": False, "balance": -2, "addresses": [{"label": "home", "city": "Köln"}],
             "phone_labels": {}, "email_labels": {"a@b": "work"}}
    assert _indented(shape, "\n") == json.dumps(shape, ensure_ascii=False, indent=2)
