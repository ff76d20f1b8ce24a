"""`kontakt today --brief` words circles as circles, not as people."""

from __future__ import annotations

from types import SimpleNamespace

from kontakt.cli.review import brief_line


def person(i: int, name: str):
    return SimpleNamespace(contact_id=i, name=name, circle=None)


def circle(name: str, first_member: int):
    return SimpleNamespace(contact_id=first_member, name=f"#{name}", circle=name)


def test_a_circle_is_named_as_a_circle_next_to_the_people():
    assert brief_line([circle("breakfast", 7), person(1, "Olga Petrova")]) == \
        "1 person and the #breakfast circle today: Olga"


def test_a_circle_does_not_hide_its_first_member_who_is_due_too():
    line = brief_line([circle("breakfast", 1), person(1, "Olga Petrova"), person(2, "Sam Lee")])
    assert line == "2 people and the #breakfast circle today: Olga, Sam"


def test_only_circles_and_several_circles():
    assert brief_line([circle("breakfast", 1)]) == "the #breakfast circle today"
    assert brief_line([circle("breakfast", 1), circle("peer", 2), person(3, "Ada X")]) == \
        "1 person and 2 circles today: Ada, #breakfast, #peer"


def test_people_only_keeps_its_wording_and_a_long_circle_name_stays_in_width():
    assert brief_line([person(1, "Olga P"), person(2, "Sam L")]) == "2 people today: Olga, Sam"
    line = brief_line([circle("x" * 80, 1)], width=60)
    assert len(line) == 60 and line.endswith("…") and line.startswith("the #xxx")
