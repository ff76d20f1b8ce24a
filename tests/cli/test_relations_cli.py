"""kontakt link / unlink / note / edit-note / rm-note, and what show and show --json say."""

from __future__ import annotations

import json
from pathlib import Path

import book_cli
import pytest
from book_cli import kontakt_on, ok

TODAY = "2026-11-23"


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "book.db"


@pytest.fixture
def kontakt(db, monkeypatch):
    return kontakt_on(db, monkeypatch, TODAY, backups=False)


def refused(result, code: int = 1) -> str:
    """The shared check, and nothing else on stderr but that one line."""
    error = book_cli.refused(result, code)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if code == 2:  # click's usage error: usage, a hint, then the one Error line
        lines = [line for line in lines if line.startswith("Error:")]
    assert lines == [error], result.stderr
    return error


@pytest.fixture
def people(kontakt):
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing"):
        ok(kontakt("add", name))


def shown(kontakt, ref):
    return json.loads(ok(kontakt("show", ref, "--json")))


def test_link_shows_on_both_people_in_show_and_json(kontakt, people):
    assert ok(kontakt("link", "ada", "grace", "--as", "introduced me to")).strip() == \
        "linked: Ada Lovelace — introduced me to — Grace Hopper"
    assert "already linked" in ok(kontakt("link", "grace", "ada", "--as", "introduced me to"))
    made = json.loads(ok(kontakt("link", "ada", "alan", "--as", "partner", "--json")))
    assert made["kind"] == "partner" and made["with_name"] == "Alan Turing" and made["created"] is True
    ada, grace = shown(kontakt, "ada"), shown(kontakt, "grace")
    assert [(r["with_name"], r["kind"]) for r in ada["relationships"]] == [
        ("Alan Turing", "partner"), ("Grace Hopper", "introduced me to")]
    assert grace["relationships"] == [
        {"id": ada["relationships"][1]["id"], "with_id": ada["id"], "with_name": "Ada Lovelace",
         "kind": "met through"}]
    card = ok(kontakt("show", "grace"))
    assert "people       met through: Ada Lovelace (#1)" in card


def test_unlink_and_bad_refs_are_one_line_errors(kontakt, people):
    ok(kontakt("link", "ada", "grace", "--as", "colleague"))
    assert refused(kontakt("unlink", "ada", "grace", "--as", "partner")) == \
        "Error: no link between #1 and #2 as 'partner'"
    assert "unlinked: Grace Hopper — colleague — Ada Lovelace" in ok(kontakt("unlink", "grace", "ada"))
    assert shown(kontakt, "ada")["relationships"] == []
    assert refused(kontakt("unlink", "ada", "grace")).startswith("Error: no link between")
    assert refused(kontakt("link", "ada", "nobody")) == "Error: no contact matches 'nobody'"
    assert refused(kontakt("link", "ada", "#1")) == "Error: someone cannot be linked to themselves"
    assert "needs a kind" in refused(kontakt("link", "ada", "grace", "--as", " "))
    ok(kontakt("undo"))  # the unlink comes back
    assert [r["kind"] for r in shown(kontakt, "grace")["relationships"]] == ["colleague"]


def test_trash_hides_links_and_restore_brings_them_back(kontakt, people):
    ok(kontakt("link", "ada", "grace", "--as", "friend"))
    ok(kontakt("note", "grace", "moved to Berlin"))
    ok(kontakt("rm", "grace"))
    assert shown(kontakt, "ada")["relationships"] == []
    ok(kontakt("restore", "grace"))
    assert [r["with_name"] for r in shown(kontakt, "ada")["relationships"]] == ["Grace Hopper"]
    assert [j["text"] for j in shown(kontakt, "grace")["journal"]] == ["moved to Berlin"]


def test_journal_notes_are_dated_in_the_timeline_and_json(kontakt, people):
    ok(kontakt("edit", "ada", "--note", "the notes field"))
    added = json.loads(ok(kontakt("note", "ada", "new job\nstarts in May", "--on", "2026-11-02", "--json")))
    assert added["date"] == "2026-11-02" and added["text"] == "new job\nstarts in May"
    assert ok(kontakt("note", "ada", "met for coffee")).strip() == "noted note:2 for Ada Lovelace on 2026-11-23"
    data = shown(kontakt, "ada")
    assert data["notes"] == "the notes field"  # the contract field stays as it was
    assert data["journal"] == [{"id": 2, "date": "2026-11-23", "text": "met for coffee"},
                               {"id": added["id"], "date": "2026-11-02", "text": "new job\nstarts in May"}]
    card = ok(kontakt("show", "ada"))
    assert "2026-11-23  note: met for coffee  · note:2" in card
    assert "2026-11-02  note: new job …  · note:1" in card
    assert "updated note:1 on 2026-11-03" in ok(kontakt("edit-note", "note:1", "--on", "2026-11-03",
                                                        "--text", "new job"))
    assert shown(kontakt, "ada")["journal"][1] == {"id": 1, "date": "2026-11-03", "text": "new job"}
    assert "deleted note:2" in ok(kontakt("rm-note", "2"))
    assert [j["id"] for j in shown(kontakt, "ada")["journal"]] == [1]
    ok(kontakt("undo"))
    assert [j["id"] for j in shown(kontakt, "ada")["journal"]] == [2, 1]


def test_note_errors_are_one_line(kontakt, people):
    assert refused(kontakt("rm-note", "99")) == "Error: no journal note #99"
    assert refused(kontakt("edit-note", "99", "--text", "x")) == "Error: no journal note #99"
    assert "not a note id" in refused(kontakt("rm-note", "log:1"), 2)
    assert "nothing to change" in refused(kontakt("edit-note", "1"), 2)
    assert refused(kontakt("note", "ada", "   ")) == "Error: a journal note needs some text"
    assert refused(kontakt("note", "nobody", "x")) == "Error: no contact matches 'nobody'"
    assert "--on" in refused(kontakt("note", "ada", "x", "--on", "someday"))
    assert shown(kontakt, "ada")["journal"] == []
