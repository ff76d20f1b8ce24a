"""`kontakt dupes`, `kontakt merge` and `kontakt unmerge`: output, exit codes and the book."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book, NotFound

TODAY = "2026-11-23"


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "book.db"


@pytest.fixture
def kontakt(db, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, [*args[:1], "--db", str(db), *args[1:]], catch_exceptions=False)

    return run


@pytest.fixture
def twins(kontakt) -> tuple[int, int]:
    """Jürgen twice (a phone in two forms), plus two John Smiths who are two people."""
    ids = []
    for args in (
        ("Jürgen Müller", "--email", "jm@example.com", "--phone", "+49 89 1234567", "--org", "ACME"),
        ("Juergen Mueller", "--phone", "089 1234567", "--role", "CEO", "--note", "likes tea"),
        ("John Smith", "--email", "john@example.com"),
        ("John Smith", "--email", "smith@example.org"),
    ):
        result = kontakt("add", *args)
        assert result.exit_code == 0, result.output
        ids.append(int(result.stdout.strip()))
    assert kontakt("log", str(ids[1]), "--note", "call about the fair", "--on", "2026-11-01").exit_code == 0
    return ids[0], ids[1]


def test_dupes_lists_the_pair_with_score_and_reasons(kontakt, twins):
    a, b = twins
    result = kontakt("dupes")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines == [f" 85  #{a} Jürgen Müller  ⇄  #{b} Juergen Mueller  — same phone, same name"]
    assert f"kontakt merge {a} {b}" in result.stderr


def test_dupes_json_is_a_list_of_pairs(kontakt, twins):
    a, b = twins
    result = kontakt("dupes", "--json", "--min-score", "1")
    data = json.loads(result.stdout)
    assert data[0] == {
        "score": 85, "reasons": ["same phone", "same name"],
        "a": {"id": a, "name": "Jürgen Müller"}, "b": {"id": b, "name": "Juergen Mueller"},
    }
    smiths = [p for p in data if p["a"]["name"] == "John Smith"]
    assert smiths and all(p["score"] < 30 for p in smiths)


def test_min_score_filters_and_is_checked(kontakt, twins):
    assert json.loads(kontakt("dupes", "--json", "--min-score", "90").stdout) == []
    assert "no likely duplicates (score ≥ 90)" in kontakt("dupes", "--min-score", "90").stdout
    result = kontakt("dupes", "--min-score", "101")
    assert result.exit_code == 2


def test_a_dismissed_pair_is_not_listed_again(kontakt, twins):
    a, b = twins
    result = kontakt("dupes", "--dismiss", "Jürgen", "Juergen")
    assert result.exit_code == 0
    assert result.stdout == f"noted: #{a} Jürgen Müller and #{b} Juergen Mueller are not the same person\n"
    listed = json.loads(kontakt("dupes", "--json", "--min-score", "0").stdout)
    assert listed and all({p["a"]["id"], p["b"]["id"]} != {a, b} for p in listed)
    assert "already noted" in kontakt("dupes", "--dismiss", str(b), str(a)).stdout


def test_dismissing_a_contact_against_itself_is_an_error(kontakt, twins):
    a, _ = twins
    result = kontakt("dupes", "--dismiss", str(a), "Jürgen")
    assert result.exit_code == 1
    assert "are the same contact" in result.stderr


def test_a_dry_run_shows_the_merge_and_writes_nothing(kontakt, twins, db):
    a, b = twins
    result = kontakt("merge", str(a), str(b), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"would merge #{b} Juergen Mueller into #{a} Jürgen Müller"
    assert "  role:      CEO  (from #%d)" % b in result.stdout
    assert "1 interaction" in result.stdout
    assert result.stdout.endswith("dry run: nothing was written\n")
    with Book.open(db) as book:
        assert book.get_contact(b).role == "CEO"
        assert book.get_contact(a).role == ""
        assert book.conn.execute("SELECT count(*) FROM merges").fetchone()[0] == 0


def test_merge_then_unmerge_round_trip(kontakt, twins, db):
    a, b = twins
    result = kontakt("merge", "Jürgen", "Juergen")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"merged #{b} Juergen Mueller into #{a} Jürgen Müller (merge #1)"
    assert result.stdout.splitlines()[-1] == f"undo: kontakt unmerge {b}"
    with Book.open(db) as book:
        kept = book.get_contact(a)
        assert (kept.role, kept.phones) == ("CEO", ("+49 89 1234567",))
        assert "likes tea" in kept.notes
        assert [i.note for i in book.interactions_for(a)] == ["call about the fair"]
        with pytest.raises(NotFound):
            book.get_contact(b)
    assert "Juergen" not in kontakt("dupes").stdout

    result = kontakt("unmerge", "juergen")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"restored #{b} Juergen Mueller (merged into #{a} Jürgen Müller)")
    with Book.open(db) as book:
        assert book.get_contact(b).role == "CEO"
        assert book.get_contact(a).role == ""
        assert [i.note for i in book.interactions_for(b)] == ["call about the fair"]
        assert book.interactions_for(a) == []


def test_merge_json_describes_fields_and_moves(kontakt, twins):
    a, b = twins
    data = json.loads(kontakt("merge", str(a), str(b), "--prefer", "other", "--json").stdout)
    assert data["kept"] == {"id": a, "name": "Jürgen Müller"} and data["merge_id"] == 1
    name = next(f for f in data["fields"] if f["field"] == "name")
    assert name == {"field": "name", "kept": "Jürgen Müller", "other": "Juergen Mueller",
                    "result": "Juergen Mueller", "source": "other"}
    assert data["moved"]["interactions"] == 1


def test_merge_refuses_the_same_contact_twice_and_unknown_refs(kontakt, twins):
    a, _ = twins
    result = kontakt("merge", str(a), "Jürgen Müller")
    assert result.exit_code == 1
    assert "same contact" in result.stderr and "Traceback" not in result.output
    result = kontakt("merge", str(a), "Nobody Here")
    assert result.exit_code == 1
    assert "no contact matches 'Nobody Here'" in result.stderr


def test_unmerge_without_a_merge_says_so(kontakt, twins):
    result = kontakt("unmerge", "Jürgen")
    assert result.exit_code == 1
    assert result.stderr == "Error: no merged-away contact matches 'Jürgen'\n"


def test_each_command_help_carries_an_example(kontakt):
    for name in ("dupes", "merge", "unmerge"):
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.stdout
