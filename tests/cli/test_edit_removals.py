"""`kontakt edit --remove-…/--untag` naming something the contact does not have: said on
stderr and in the exit code, never a silent "updated"; removals compare as the store does."""

from __future__ import annotations

from pathlib import Path

import pytest
from book_cli import kontakt_on

from kontakt.store import Book
from kontakt.store import history

TODAY = "2026-11-23"


@pytest.fixture
def run(tmp_path, monkeypatch):
    db = tmp_path / "book.db"
    run = kontakt_on(db, monkeypatch, TODAY, backups=False)
    result = run("add", "Yara Y", "--email", "y@x.org", "--email", "other@x.org",
                 "--phone", "+49 170 1234567", "--tag", "Work", "--url", "https://y.org",
                 "--address", "home: Hauptstr. 1; Berlin; ; 10115; DE")
    assert result.exit_code == 0, result.output
    run.db = db
    return run


def contact_and_steps(db: Path):
    with Book.open(db) as book:
        return book.find("yara"), len(history.steps(book, limit=None))


@pytest.mark.parametrize(("args", "named"), [
    (["--remove-email", "typo@x.org"], "no e-mail typo@x.org"),
    (["--remove-phone", "123"], "no phone 123"),
    (["--untag", "nosuch"], "no circle nosuch"),
    (["--remove-url", "https://nope.example"], "no web address https://nope.example"),
    (["--remove-address", "Paris"], "no address matching Paris"),
])
def test_a_removal_of_something_absent_changes_nothing_and_exits_1(run, args, named):
    before, steps = contact_and_steps(run.db)
    result = run("edit", "yara", *args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""  # no "updated"
    assert result.stderr == f"Error: Yara Y has {named}; nothing changed\n"
    after, steps_after = contact_and_steps(run.db)
    assert after == before
    assert steps_after == steps  # nothing written: no undo step for a change that did not happen


def test_several_absent_removals_are_all_named(run):
    result = run("edit", "yara", "--remove-email", "typo@x.org", "--untag", "nosuch",
                 "--remove-phone", "999")
    assert result.exit_code == 1, result.output
    assert result.stderr == ("Error: Yara Y has no e-mail typo@x.org, no phone 999, "
                             "no circle nosuch; nothing changed\n")


def test_other_changes_apply_and_the_absent_removal_is_named_with_exit_3(run):
    _, steps = contact_and_steps(run.db)
    result = run("edit", "yara", "--remove-email", "typo@x.org", "--org", "ACME",
                 "--remove-email", "other@x.org")
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("updated #1 Yara Y\n")
    assert result.stderr == "warning: Yara Y has no e-mail typo@x.org; the other changes were made\n"
    after, steps_after = contact_and_steps(run.db)
    assert after.org == "ACME"
    assert after.emails == ("y@x.org",)  # the removal that named something did apply
    assert steps_after == steps + 1


def test_removals_compare_as_the_store_does(run):
    result = run("edit", "yara", "--remove-email", "Y@X.ORG", "--remove-phone", "+49 (170) 123-4567",
                 "--untag", "#WORK")
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    after, _ = contact_and_steps(run.db)
    assert after.emails == ("other@x.org",)
    assert after.phones == ()
    assert after.tags == ()


def test_an_untag_of_a_circle_given_in_the_same_edit_is_not_absent(run):
    result = run("edit", "yara", "--tag", "new", "--untag", "new")
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    assert contact_and_steps(run.db)[0].tags == ("Work",)


def test_an_edit_without_any_option_is_still_a_usage_error(run):
    assert run("edit", "yara").exit_code == 2


def test_replacing_an_email_and_a_phone_in_one_edit_keeps_only_the_new_ones(run):
    """--email NEW --remove-email OLD: the addition was made to the list as it was, so the
    removed address came back and the command said "updated"."""
    result = run("edit", "yara", "--email", "new@x.org", "--remove-email", "Y@X.ORG",
                 "--phone", "+49 30 999", "--remove-phone", "+49 (170) 123-4567")
    assert result.exit_code == 0, result.output
    yara, _ = contact_and_steps(run.db)
    assert yara.emails == ("other@x.org", "new@x.org")
    assert yara.phones == ("+49 30 999",)
