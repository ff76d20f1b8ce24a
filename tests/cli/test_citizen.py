"""Prep card, mail-client lookup, completion and did-you-mean help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main

TODAY = "2026-11-23"


@pytest.fixture
def kontakt(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    db = tmp_path / "book.db"
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, [*args[:1], "--db", str(db), *args[1:]], catch_exceptions=False)

    run.db = db
    return run


@pytest.fixture
def network(kontakt):
    kontakt("add", "Jürgen Müller", "--email", "jm@example.com", "--email", "juergen@example.org",
            "--org", "Müller & Söhne", "--tag", "breakfast", "--birthday", "1.12.1970",
            "--met", "Breakfast circle 2019, via Olga")
    kontakt("add", "Olga Petrova", "--email", "olga@example.net", "--tag", "breakfast")
    kontakt("add", "Sam Archived", "--email", "sam@example.com")
    kontakt("archive", "sam")
    kontakt("log", "jürgen", "olga", "--kind", "meeting", "--on", "2026-11-01", "--note", "breakfast")
    kontakt("log", "jürgen", "--kind", "call", "--on", "2026-10-01", "--note", "hiring")
    kontakt("favour", "jürgen", "--received", "reviewed my deck", "--on", "2026-10-02")
    kontakt("favour", "jürgen", "--gave", "intro to a lawyer", "--weight", "2")
    kontakt("intro", "jürgen", "olga", "--note", "both in Zürich", "--on", "2026-10-10")
    kontakt("follow-up", "jürgen", "--in", "3 days", "--note", "send the article")
    return kontakt


def test_prep_shows_what_to_know_before_meeting(network):
    result = network("prep", "jürgen")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == "Jürgen Müller — Müller & Söhne"
    assert "met: Breakfast circle 2019, via Olga" in out
    assert "birthday 1 Dec 2026, turns 56" in out
    assert "1 Nov 2026  meeting (with Olga Petrova): breakfast" in out
    assert "1 Oct 2026  call: hiring" in out
    assert "gave 3 · received 1" in out
    assert "they helped you: reviewed my deck" in out
    assert "with Olga Petrova — no outcome noted" in out
    assert "26 Nov 2026  send the article" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_prep_json(network):
    data = json.loads(network("prep", "jürgen", "--json").stdout)
    assert data["name"] == "Jürgen Müller"
    assert [i["kind"] for i in data["last_interactions"]] == ["meeting", "call"]
    assert data["open_favours_received"][0]["description"] == "reviewed my deck"
    assert data["balance"] == 2
    assert data["next_birthday"] == "2026-12-01"


def test_email_parsable_prints_the_mutt_format(network):
    result = network("email", "--parsable", "mül")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("kontakt:")
    assert lines[1:] == [
        "jm@example.com\tJürgen Müller\tMüller & Söhne",
        "juergen@example.org\tJürgen Müller\tMüller & Söhne",
    ]


def test_email_for_aerc_leaves_out_the_first_line_and_skips_archived(network):
    result = network("email", "--parsable", "--remove-first-line", "breakfast")
    assert sorted(result.stdout.splitlines()) == [
        "jm@example.com\tJürgen Müller\tMüller & Söhne",
        "juergen@example.org\tJürgen Müller\tMüller & Söhne",
        "olga@example.net\tOlga Petrova\tbreakfast",
    ]
    assert network("email", "--parsable", "sam").stdout.splitlines() == ["kontakt: no match"]


def test_email_without_a_match_exits_1(network):
    assert network("email", "--parsable", "zebra").exit_code == 1


def test_completion_prints_a_snippet_for_each_shell():
    for shell, marker in (("bash", "complete -o"), ("zsh", "compdef"), ("fish", "complete")):
        result = CliRunner().invoke(main, ["completion", shell])
        assert result.exit_code == 0
        assert marker in result.stdout and "_KONTAKT_COMPLETE" in result.stdout


def test_shell_completion_offers_contact_names_for_a_partial_ref(network):
    env = {**os.environ, "_KONTAKT_COMPLETE": "bash_complete",
           "COMP_WORDS": f"kontakt show --db {network.db} jü", "COMP_CWORD": "4"}
    script = Path(sys.executable).with_name("kontakt")
    result = subprocess.run([str(script)], env=env, capture_output=True, text=True, check=False)
    assert "plain,Jürgen\\ Müller" in result.stdout.splitlines()  # one bash word (completion.py)
    assert "Olga Petrova" not in result.stdout


def test_a_mistyped_command_suggests_the_nearest(kontakt):
    result = kontakt("lsit")
    assert result.exit_code == 2
    assert "did you mean 'list'?" in result.stderr


def test_a_mistyped_contact_suggests_the_nearest(network):
    result = network("show", "Jurgne")
    assert result.exit_code == 1
    assert "no contact matches 'Jurgne' — did you mean Jürgen Müller?" in result.stderr


def test_every_command_help_carries_an_example():
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        if not hasattr(command, "commands"):  # groups list their subcommands instead
            assert "Example" in result.stdout, name


def test_today_brief_is_one_short_line_naming_the_people_due(kontakt):
    for name in ("Olga Petrova", "Sam Berger", "Berta Huber"):
        kontakt("add", name, "--every", "weekly")
        kontakt("log", name.split()[0], "--on", "2026-10-01")
    result = kontakt("today", "--brief")
    assert result.exit_code == 0
    [line] = result.stdout.splitlines()
    assert line.startswith("3 people today: ")
    assert sorted(result.stdout.split(": ")[1].strip().split(", ")) == ["Berta", "Olga", "Sam"]


def test_today_brief_prints_nothing_when_nothing_is_due(kontakt):
    kontakt("add", "Olga Petrova", "--every", "monthly")
    kontakt("log", "olga", "--on", "today")
    result = kontakt("today", "--brief")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""


def test_today_brief_never_creates_a_book(tmp_path):
    missing = tmp_path / "nowhere.db"
    result = CliRunner().invoke(main, ["today", "--brief", "--db", str(missing)])
    assert result.exit_code == 0 and result.stdout == ""
    assert not missing.exists()


def test_today_brief_shortens_a_long_list():
    from types import SimpleNamespace

    from kontakt.cli.review import brief_line

    items = [SimpleNamespace(contact_id=i, name=f"Person{i:02d} X") for i in range(20)]
    line = brief_line(items, width=60)
    assert line.startswith("20 people today: Person00, Person01")
    assert line.endswith(", …") and len(line) <= 60
    assert brief_line([]) == ""
