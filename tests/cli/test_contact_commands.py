"""The foundation CLI: every command's output, exit code and what lands in the book."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book

TODAY = "2026-11-23"
CONTRACT_FIELDS = {
    "id", "name", "nickname", "emails", "phones", "org", "role", "tags", "birthday",
    "cadence", "last_contact", "next_due", "balance", "archived",
}


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "book.db"


@pytest.fixture
def kontakt(db, monkeypatch):
    """Run `kontakt --db <tmp> ARGS…` in-process with a fixed today."""
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, [*args[:1], "--db", str(db), *args[1:]], catch_exceptions=False)

    return run


def contacts_in(db: Path) -> list:
    with Book.open(db) as book:
        return book.list_contacts(archived=None)


def add(kontakt, *args: str) -> int:
    result = kontakt("add", *args)
    assert result.exit_code == 0, result.output
    return int(result.stdout.strip())


# ---------------------------------------------------------------- add


def test_add_prints_the_new_id_and_stores_every_field(kontakt, db):
    contact_id = add(
        kontakt, "Jürgen Müller", "--email", "jm@example.com", "--email", "j@example.org",
        "--phone", "+49 89 1234", "--org", "Müller & Söhne", "--role", "Founder",
        "--location", "München", "--tag", "breakfast", "--every", "monthly",
        "--birthday", "--04-15", "--met", "Round table 2019", "--note", "likes espresso",
        "--nickname", "Jü",
    )
    with Book.open(db) as book:
        contact = book.get_contact(contact_id)
    assert contact.name == "Jürgen Müller"
    assert contact.emails == ("jm@example.com", "j@example.org")
    assert contact.phones == ("+49 89 1234",)
    assert (contact.org, contact.role, contact.location) == ("Müller & Söhne", "Founder", "München")
    assert contact.tags == ("breakfast",)
    assert str(contact.cadence) == "every month"
    assert contact.birthday.iso() == "--04-15"
    assert (contact.met, contact.notes, contact.nickname) == ("Round table 2019", "likes espresso", "Jü")
    # Never contacted: due one cadence after being added, not today.
    assert contact.next_due == date(2026, 12, 23)


@pytest.mark.parametrize(
    "args, problem",
    [
        (["--birthday", "31.02.1980"], "--birthday"),
        (["--birthday", "03/04/1980"], "ambiguous"),
        (["--every", "every blue moon"], "--every"),
    ],
)
def test_add_refuses_bad_input_with_one_line_and_writes_nothing(kontakt, db, args, problem):
    result = kontakt("add", "Ada", *args)
    assert result.exit_code == 1
    assert problem in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert contacts_in(db) == []


def test_add_warns_about_a_contact_with_the_same_name_but_adds_it(kontakt, db):
    add(kontakt, "John Smith", "--email", "john@example.com")
    result = kontakt("add", "John Smith", "--email", "other@example.com")
    assert result.exit_code == 0
    assert "already a contact named John Smith" in result.stderr
    assert len(contacts_in(db)) == 2


def test_add_strips_terminal_control_sequences_before_storing(kontakt, db):
    contact_id = add(kontakt, "\x1b[31mEvil\x1b[0m Eve\x07", "--note", "line one\r\nline\x00 two")
    with Book.open(db) as book:
        contact = book.get_contact(contact_id)
    assert contact.name == "Evil Eve"
    assert contact.notes == "line one\nline two"


# ---------------------------------------------------------------- edit


def test_edit_renames_retags_and_drops_the_cadence(kontakt, db):
    contact_id = add(kontakt, "Ada Lovelace", "--tag", "alumni", "--every", "2 weeks")
    result = kontakt(
        "edit", "ada", "--name", "Ada King", "--tag", "clients", "--untag", "alumni",
        "--no-cadence", "--email", "ada@example.com", "--note", "Countess",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"updated #{contact_id} Ada King"
    with Book.open(db) as book:
        contact = book.get_contact(contact_id)
        assert [c.name for c in book.search("lovelace")] == []
        assert [c.name for c in book.search("king")] == ["Ada King"]
    assert contact.tags == ("clients",)
    assert contact.cadence is None and contact.next_due is None
    assert contact.emails == ("ada@example.com",)
    assert contact.notes == "Countess"


def test_edit_with_nothing_to_change_is_a_usage_error(kontakt):
    add(kontakt, "Ada Lovelace")
    result = kontakt("edit", "ada")
    assert result.exit_code == 2


def test_an_ambiguous_ref_lists_the_candidates_and_changes_nothing(kontakt, db):
    add(kontakt, "Anna Meier")
    add(kontakt, "Anna Berger")
    result = kontakt("edit", "anna", "--org", "ACME")
    assert result.exit_code == 1
    assert "Anna Meier" in result.stderr and "Anna Berger" in result.stderr
    assert all(c.org == "" for c in contacts_in(db))


def test_a_ref_matching_no_one_is_an_error(kontakt):
    kontakt("add", "Ada Lovelace")
    result = kontakt("show", "nobody")
    assert result.exit_code == 1
    assert "no contact matches 'nobody'" in result.stderr


def test_refs_are_accent_and_case_insensitive_and_accept_ids_and_emails(kontakt):
    contact_id = add(kontakt, "Jürgen Müller", "--email", "JM@Example.com")
    for ref in ("jurgen", "MÜLLER", str(contact_id), "jm@example"):
        result = kontakt("show", ref, "--json")
        assert result.exit_code == 0, (ref, result.output)
        assert json.loads(result.stdout)["id"] == contact_id


# ---------------------------------------------------------------- show / list / search


def test_show_json_has_the_contract_fields_and_the_whole_history(kontakt):
    ada = add(kontakt, "Ada Lovelace", "--note", "first programmer")
    add(kontakt, "Grace Hopper")
    kontakt("log", "ada", "grace", "--kind", "meeting", "--on", "2026-11-01", "--note", "lunch")
    kontakt("favour", "ada", "--gave", "reviewed her notes", "--weight", "2")
    kontakt("intro", "ada", "grace", "--note", "compilers")
    kontakt("follow-up", "ada", "--in", "2 weeks", "--note", "send paper")
    data = json.loads(kontakt("show", "ada", "--json").stdout)
    assert CONTRACT_FIELDS <= data.keys()
    assert {"notes", "interactions", "favours", "follow_ups", "introductions"} <= data.keys()
    assert data["id"] == ada and data["notes"] == "first programmer"
    assert [p["name"] for p in data["interactions"][0]["contacts"]] == ["Ada Lovelace", "Grace Hopper"]
    assert data["favours"][0]["description"] == "reviewed her notes"
    assert data["introductions"][0]["other"]["name"] == "Grace Hopper"
    assert data["follow_ups"][0]["due"] == "2026-12-07"
    assert data["balance"] == 3  # favour weight 2 + one introduction


def test_show_prints_a_card_with_balance_and_timeline(kontakt):
    add(kontakt, "Ada Lovelace", "--org", "Analytical Engines")
    kontakt("log", "ada", "--kind", "call", "--on", "yesterday", "--note", "catch-up")
    out = kontakt("show", "ada").stdout
    assert "Ada Lovelace" in out and "Analytical Engines" in out
    assert "gave 0 · received 0" in out
    assert "2026-11-22  call: catch-up" in out
    assert "last contact 2026-11-22 (yesterday)" in out


def test_list_json_follows_the_contract(kontakt):
    add(kontakt, "Ada Lovelace", "--email", "ada@example.com", "--tag", "alumni",
        "--birthday", "10.12.1815", "--every", "quarterly")
    rows = json.loads(kontakt("list", "--json").stdout)
    assert len(rows) == 1
    row = rows[0]
    assert CONTRACT_FIELDS <= row.keys()
    assert row["emails"] == ["ada@example.com"] and row["phones"] == []
    assert row["tags"] == ["alumni"]
    assert row["birthday"] == "1815-12-10"
    assert row["cadence"] == "every 3 months"
    assert row["last_contact"] is None and row["next_due"] == "2027-02-23"
    assert row["balance"] == 0 and row["archived"] is False


def test_list_filters_by_circle_and_archived(kontakt):
    add(kontakt, "Ada", "--tag", "alumni")
    add(kontakt, "Bea", "--tag", "Alumni")
    add(kontakt, "Cem")
    kontakt("archive", "bea")
    names = lambda *args: [r["name"] for r in json.loads(kontakt("list", *args, "--json").stdout)]
    assert names() == ["Ada", "Cem"]
    assert names("--tag", "ALUMNI") == ["Ada"]
    assert names("--archived") == ["Bea"]
    assert names("--all") == ["Ada", "Bea", "Cem"]


def test_list_shows_hostile_names_literally(kontakt):
    add(kontakt, "[bold]x", "--org", "[@click=app.quit]Bob[/]")
    out = kontakt("list").stdout
    assert "[bold]x" in out
    assert "[@click=app.quit]Bob[/]" in out


def test_search_folds_accents_and_matches_prefixes_of_every_field(kontakt):
    add(kontakt, "Jürgen Müller", "--email", "jm@example.com", "--tag", "breakfast",
        "--org", "Bäckerei Huber", "--note", "collects vinyl")
    add(kontakt, "Ada Lovelace")
    for text in ("muller", "MÜL", "jm@ex", "breakf", "backerei", "vinyl", "jür mül"):
        rows = json.loads(kontakt("search", text, "--json").stdout)
        assert [r["name"] for r in rows] == ["Jürgen Müller"], text


def test_search_with_no_match_says_so_on_stderr(kontakt):
    kontakt("add", "Ada Lovelace")
    result = kontakt("search", "zebra")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "nothing matches" in result.stderr


def test_a_read_command_on_a_missing_book_says_so_and_creates_nothing(kontakt, tmp_path):
    # (`today --brief` stays silent instead: it runs in shell profiles before the first add.)
    for command in (["list"], ["search", "ada"], ["show", "ada"], ["today"]):
        result = kontakt(*command)
        assert result.exit_code == 1, command
        assert "no book at " in result.stderr and "Traceback" not in result.output
    assert not any(p.name.startswith("book.db") for p in tmp_path.iterdir())
    assert kontakt("add", "Ada Lovelace").exit_code == 0  # a write creates it


def test_a_first_run_without_a_book_says_how_one_starts(tmp_path, monkeypatch):
    """No --db, no KONTAKT_DB, nothing in the data dir yet: the message says how a book
    starts; a book named by --db is only named (a typo, more likely)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("KONTAKT_DB", raising=False)
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    result = CliRunner().invoke(main, ["today"])
    assert result.exit_code == 1
    assert "no book at " in result.stderr and "yet: `kontakt add NAME` or `kontakt import FILE`" in result.stderr
    named = CliRunner().invoke(main, ["list", "--db", str(tmp_path / "typo.db")])
    assert named.exit_code == 1 and named.stderr.strip() == f"Error: no book at {tmp_path / 'typo.db'}"
    assert not list((tmp_path / "data").rglob("*.db"))


# ---------------------------------------------------------------- log / favour / intro / follow-up


def test_logging_several_refs_makes_one_group_interaction(kontakt, db):
    ids = [add(kontakt, name, "--tag", "breakfast") for name in ("Ada", "Bea", "Cem")]
    result = kontakt("log", "ada", "bea", "cem", "--kind", "meeting", "--on", "20.11.2026")
    assert result.exit_code == 0, result.output
    assert "logged meeting with Ada, Bea, Cem on 2026-11-20" in result.stdout
    with Book.open(db) as book:
        count = book.conn.execute("SELECT count(*) FROM interactions").fetchone()[0]
        contacts = book.get_contacts(ids)
    assert count == 1
    assert all(c.last_contact == date(2026, 11, 20) for c in contacts)


def test_log_refuses_a_future_date_and_an_unknown_kind(kontakt, db):
    add(kontakt, "Ada")
    assert kontakt("log", "ada", "--on", "tomorrow").exit_code == 1
    assert kontakt("log", "ada", "--kind", "telepathy").exit_code == 2
    with Book.open(db) as book:
        assert book.conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0


def test_a_group_log_with_one_unknown_ref_writes_nothing(kontakt, db):
    add(kontakt, "Ada")
    result = kontakt("log", "ada", "nobody")
    assert result.exit_code == 1
    assert contacts_in(db)[0].last_contact is None


def test_a_log_ref_that_reads_as_a_kind_or_a_day_names_the_option(kontakt, db):
    """`kontakt log ada call` or `… yesterday`: nobody is called that, and the error says
    which option takes the word; nothing is logged."""
    add(kontakt, "Ada")
    for words, hint in ((["call"], "To log a call, say --kind call."),
                        (["Meeting"], "To log a meeting, say --kind meeting."),
                        (["email"], "To log an email, say --kind email."),
                        (["yesterday"], "To log a day before today, say --on yesterday."),
                        (["3 days ago"], 'To log a day before today, say --on "3 days ago".'),
                        (["--kind", "call", "20.11.2026"], "To log a day before today, say --on 20.11.2026.")):
        result = kontakt("log", "ada", *words)
        assert result.exit_code == 1
        assert f"no contact matches {words[-1]!r}. {hint}" in result.stderr
    # No hint for what would change nothing or be refused: the default kind, today, a later day.
    for word in ("nobody", "other", "today", "tomorrow"):
        assert "To log" not in kontakt("log", "ada", word).stderr, word
    # After a suggestion, the hint is a sentence of its own.
    add(kontakt, "Otto Meetin")
    assert "did you mean Otto Meetin? To log a meeting" in kontakt("log", "ada", "meeting").stderr
    assert contacts_in(db)[0].last_contact is None
    # A person the word does name is logged with, as any REF.
    add(kontakt, "Callum Call")
    assert kontakt("log", "ada", "call").exit_code == 0


def test_favour_records_given_and_received_and_reports_the_balance(kontakt, db):
    contact_id = add(kontakt, "Olga")
    given = kontakt("favour", "olga", "--gave", "intro to investor", "--kind", "referral", "--weight", "3")
    assert given.exit_code == 0 and "gave 3 · received 0" in given.stdout
    got = kontakt("favour", "olga", "--received", "reviewed deck", "--kind", "advice", "--on", "2.10.2026")
    assert "gave 3 · received 1" in got.stdout
    with Book.open(db) as book:
        favours = book.favours_for(contact_id)
        assert book.balance(contact_id).net == 2
    assert [(f.direction, f.kind, f.weight, f.date.isoformat()) for f in favours] == [
        ("given", "referral", 3, TODAY), ("received", "advice", 1, "2026-10-02"),
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["--gave", "a", "--received", "b"],
        [],
        ["--gave", "x", "--weight", "4"],
        ["--gave", "x", "--kind", "bribe"],
    ],
)
def test_favour_usage_errors_exit_2(kontakt, args):
    add(kontakt, "Olga")
    assert kontakt("favour", "olga", *args).exit_code == 2


def test_intro_links_both_people_and_counts_as_given_to_each(kontakt, db):
    a, b = add(kontakt, "Ada"), add(kontakt, "Grace")
    result = kontakt("intro", "ada", "grace", "--note", "both love compilers", "--on", "1.11.2026")
    assert result.exit_code == 0
    assert result.stdout.startswith("introduced Ada to Grace")
    with Book.open(db) as book:
        assert book.balances([a, b]) == {a: book.balance(a), b: book.balance(b)}
        assert book.balance(a).gave == 1 and book.balance(b).gave == 1
        assert book.introductions_for(b)[0].note == "both love compilers"


def test_intro_of_someone_to_themselves_is_refused(kontakt):
    add(kontakt, "Ada")
    result = kontakt("intro", "ada", "Ada")
    assert result.exit_code == 1
    assert "same person" in result.stderr


def test_follow_up_in_a_duration_or_on_a_date_with_recurrence(kontakt, db):
    contact_id = add(kontakt, "Olga")
    first = kontakt("follow-up", "olga", "--in", "2 weeks", "--note", "ask about the move")
    assert first.exit_code == 0 and "on 2026-12-07" in first.stdout
    second = kontakt("follow-up", "olga", "--on", "31.1.2027", "--every", "monthly")
    assert "then every month" in second.stdout
    with Book.open(db) as book:
        follow_ups = book.follow_ups_for(contact_id)
    assert [(f.due.isoformat(), str(f.recurrence) if f.recurrence else None) for f in follow_ups] == [
        ("2026-12-07", None), ("2027-01-31", "every month"),
    ]


@pytest.mark.parametrize(
    "args, code",
    [([], 2), (["--on", "tomorrow", "--in", "2 days"], 2), (["--on", "03/04/2027"], 1),
     (["--in", "a fortnight or so"], 1), (["--on", "tomorrow", "--every", "sometimes"], 1)],
)
def test_follow_up_bad_input(kontakt, db, args, code):
    add(kontakt, "Olga")
    result = kontakt("follow-up", "olga", *args)
    assert result.exit_code == code
    with Book.open(db) as book:
        assert book.conn.execute("SELECT count(*) FROM follow_ups").fetchone()[0] == 0


# ---------------------------------------------------------------- circles and archive


def test_a_circle_cadence_is_inherited_by_members_without_their_own(kontakt, db):
    ada = add(kontakt, "Ada", "--tag", "breakfast")
    bea = add(kontakt, "Bea", "--tag", "breakfast", "--every", "monthly")
    kontakt("log", "ada", "bea", "--kind", "meeting", "--on", "2026-11-20")
    result = kontakt("circle", "breakfast", "--every", "week")
    assert result.stdout.strip() == "circle breakfast: every week, 2 members"
    with Book.open(db) as book:
        assert book.get_contact(ada).next_due == date(2026, 11, 27)
        assert book.get_contact(bea).next_due == date(2026, 12, 20)
    circles = json.loads(kontakt("circles", "--json").stdout)
    assert circles == [{"name": "breakfast", "cadence": "every week", "members": 2}]


def test_circle_needs_a_cadence_or_no_cadence(kontakt):
    assert kontakt("circle", "breakfast").exit_code == 2
    assert kontakt("circle", "breakfast", "--every", "often").exit_code == 1


def test_archive_hides_and_undo_brings_back(kontakt, db):
    add(kontakt, "Ada")
    assert kontakt("archive", "ada").stdout.startswith("archived #")
    assert contacts_in(db)[0].archived is True
    assert kontakt("archive", "ada", "--undo").stdout.startswith("unarchived #")
    assert contacts_in(db)[0].archived is False


# ---------------------------------------------------------------- where the book is


def test_db_works_before_the_command_and_env_var_is_honoured(tmp_path, monkeypatch):
    runner = CliRunner()
    book = tmp_path / "env.db"
    monkeypatch.setenv("KONTAKT_DB", str(book))
    assert runner.invoke(main, ["add", "Ada"]).exit_code == 0
    other = tmp_path / "other.db"
    assert runner.invoke(main, ["--db", str(other), "add", "Bea"]).exit_code == 0
    assert [c.name for c in contacts_in(book)] == ["Ada"]
    assert [c.name for c in contacts_in(other)] == ["Bea"]


def test_default_book_lives_in_the_platform_data_dir(isolated_environment):
    result = CliRunner().invoke(main, ["add", "Ada"])
    assert result.exit_code == 0
    book = isolated_environment / "data" / "kontakt" / "kontakt.db"
    assert book.exists()
    assert oct(book.stat().st_mode & 0o777) == "0o600"
    assert oct(book.parent.stat().st_mode & 0o777) == "0o700"


def test_a_file_that_is_not_a_book_is_refused_and_left_untouched(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"my secret notes\n")
    result = CliRunner().invoke(main, ["list", "--db", str(notes)])
    assert result.exit_code == 1
    assert "not a kontakt book" in result.stderr
    assert notes.read_bytes() == b"my secret notes\n"


def test_the_installed_console_script_runs(tmp_path):
    env = {**os.environ, "KONTAKT_TODAY": TODAY}
    script = Path(sys.executable).with_name("kontakt")
    result = subprocess.run(
        [str(script), "add", "Ada", "--db", str(tmp_path / "b.db")],
        capture_output=True, text=True, env=env, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    help_text = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("add", "edit", "show", "list", "search", "log", "favour", "intro",
                    "follow-up", "circle", "archive", "demo"):
        assert f"  {command} " in help_text or f"  {command}\n" in help_text, command


# ---------------------------------------------------------------- demo


def test_demo_creates_a_fresh_book_and_never_overwrites_a_real_one(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    runner = CliRunner()
    target = tmp_path / "demo.db"
    result = runner.invoke(main, ["demo", "--no-open", "--db", str(target)])
    assert result.exit_code == 0, result.output
    assert len(contacts_in(target)) >= 100
    again = runner.invoke(main, ["demo", "--no-open", "--db", str(target)])
    assert again.exit_code == 0  # a demo book may be replaced by a fresh demo
    real = tmp_path / "mine.db"
    runner.invoke(main, ["add", "Ada", "--db", str(real)])
    refused = runner.invoke(main, ["demo", "--no-open", "--db", str(real)])
    assert refused.exit_code == 1
    assert "never overwrites" in refused.stderr
    assert [c.name for c in contacts_in(real)] == ["Ada"]


def test_restore_of_a_merged_contact_undoes_the_merge(kontakt, db):
    keep = add(kontakt, "Jürgen Müller", "--email", "jm@example.com")
    other = add(kontakt, "Juergen Mueller", "--email", "juergen@example.org")
    kontakt("log", "juergen mueller", "--kind", "call", "--on", "2026-11-01", "--note", "moved")
    assert kontakt("merge", str(keep), str(other)).exit_code == 0
    result = kontakt("restore", str(other))
    assert result.exit_code == 0, result.output
    assert f"undid its merge into #{keep}" in result.stdout
    with Book.open(db) as book:
        assert [i.note for i in book.interactions_for(other)] == ["moved"]
        assert book.interactions_for(keep) == []
        assert book.get_contact(keep).emails == ("jm@example.com",)


def test_a_dry_run_import_into_a_book_that_does_not_exist_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    source = tmp_path / "people.csv"
    source.write_text("Name,E-mail 1 - Value\nAda Lovelace,ada@example.com\n", encoding="utf-8")
    missing = tmp_path / "not-yet.db"
    result = CliRunner().invoke(main, ["import", str(source), "--dry-run", "--db", str(missing)])
    assert result.exit_code == 0, result.output
    assert "would add" in result.stdout and "Ada Lovelace" in result.stdout
    assert list(tmp_path.iterdir()) == [source]
