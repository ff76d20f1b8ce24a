"""Counts said in words: "1 contact", never "1 contacts"."""

import pytest

from kontakt.domain.text import counted, counted_people


@pytest.mark.parametrize(("count", "said"), [(0, "0 cards"), (1, "1 card"), (2, "2 cards")])
def test_counted_takes_the_plural_except_for_one(count, said):
    assert counted(count, "card") == said


@pytest.mark.parametrize(("count", "said"), [(0, "0 people"), (1, "1 person"), (11, "11 people")])
def test_people_are_one_person_or_people(count, said):
    assert counted_people(count) == said
