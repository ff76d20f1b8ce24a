"""Fixtures for driving the app: a small book with hostile names, a fixed today."""

from __future__ import annotations

from datetime import date

import pytest

from kontakt.config import Config
from kontakt.domain import Cadence
from kontakt.store import Book
from tui_helpers import HOSTILE, TODAY


@pytest.fixture
def book(tmp_path):
    book = Book.open(tmp_path / "book.db")
    ids = {}
    ids["anna"] = book.add_contact(
        "Anna Müller", today=TODAY, org="Müller & Söhne", tags=["breakfast"],
        emails=["anna@example.com"], cadence=Cadence.parse("monthly"), notes="Likes [b]jazz[/b]",
    )
    ids["jan"] = book.add_contact("Jan Novák", today=TODAY, tags=["breakfast"], org="Novák s.r.o.")
    ids["eva"] = book.add_contact("Eva Weber", today=TODAY, tags=["breakfast", "alumni"])
    ids["zoe"] = book.add_contact("Zoë Zürcher", today=TODAY, org="ETH", tags=["alumni"])
    for index, name in enumerate(HOSTILE):
        ids[f"hostile{index}"] = book.add_contact(
            name, today=TODAY, org="[red]Org[/red]", tags=["[x]"], nickname="[i]nick"
        )
    book.log_interaction([ids["anna"], ids["jan"]], on=date(2026, 10, 1), kind="meeting",
                         note="[b]breakfast[/b] at the café", today=TODAY)
    book.add_favour(ids["hostile2"], direction="given", description="[@click=app.quit]help", on=date(2026, 9, 1))
    intro = book.add_introduction(ids["hostile0"], ids["hostile1"], on=date(2026, 8, 1), note="[/]")
    # Answered: an unanswered introduction stays in the Today review until it is.
    book.set_introduction_result(intro, "unknown", on=date(2026, 9, 15))
    book.add_follow_up(ids["hostile3"], due=date(2026, 12, 1), note="[link=x]call[/link]")
    book.ids = ids
    yield book
    book.close()


@pytest.fixture
def config(tmp_path):
    return Config(path=tmp_path / "config.toml")


