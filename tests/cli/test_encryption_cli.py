"""Encryption at rest from the command line: every command on an encrypted book with the
passphrase from the environment, the keyring (opt-in), the prompt, and the refusals."""

from __future__ import annotations

import shutil

import click
import keyring
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend

from kontakt.cli import main
from kontakt.cli import secret
from kontakt.store import crypto
from kontakt.store import db as store_db
from kontakt.store.driver import sqlite3

TODAY = "2026-11-23"
PASSPHRASE = "tea at five"

# One working call of every command on the template book below ({dir}: the test's folder).
ARGS = {
    "add": ["Linus Torvalds"], "capture calendar": ["{dir}/cal.ics"], "capture mail": ["{dir}/mbox"], "archive": ["Grace"], "backup": [], "circle": ["work", "--every", "monthly"],
    "circles": [], "completion": ["bash"], "decrypt": [], "doctor": [], "done": ["Ada"], "dupes": [],
    "edit": ["Ada", "--org", "Analytical Engines"], "edit-favour": ["1", "--weight", "2"],
    "edit-follow-up": ["1", "--note", "call back soon"], "edit-intro": ["1", "--note", "went well"],
    "edit-log": ["1", "--note", "long call"], "edit-note": ["1", "--text", "met at a lecture"],
    "email": ["ada"], "encrypt": [],
    "export csv": ["-o", "{dir}/x.csv"], "export ics": ["-o", "{dir}/x.ics"],
    "export json": ["-o", "{dir}/x.json"], "export vcard": ["-o", "{dir}/x.vcf"],
    "sync": ["--vcard-dir", "{dir}/cards"], "drift": ["--list"], "cadence": ["--suggest"],
    "favour": ["Ada", "--gave", "advice"], "follow-up": ["Grace", "--in", "2 weeks"],
    "import": ["{dir}/in.csv"], "intro": ["Grace", "Ada"], "link": ["Ada", "Grace", "--as", "friend"],
    "list": [], "log": ["Grace", "--kind", "call"], "merge": ["Ada", "Grace"],
    "note": ["Grace", "new job"], "passphrase": [], "pause": ["--for", "1 week"], "prep": ["Ada"],
    "rename-circle": ["work", "office"], "restore": ["Tom"], "restore-backup": ["{dir}/saved.db"],
    "resume": [], "rm": ["Grace"], "rm-circle": ["work"], "rm-favour": ["1"],
    "rm-follow-up": ["1"], "rm-intro": ["1"], "rm-log": ["1"], "rm-note": ["1"],
    "search": ["Ada"], "show": ["Ada"], "snooze": ["Ada", "--for", "3 days"], "stats": [],
    "today": [], "trash": [], "undo": [], "unlink": ["Ada", "Grace"], "unmerge": ["Ada King"],
    "settle-favour": ["1", "--returned"], "intro-outcome": ["1", "worked", "--note", "they met"],
}
# Opens the full-screen app: covered by the Pilot test of the passphrase dialog.
NOT_WALKED = {"demo"}
# Commands that never open a book (no --db).
NO_BOOK = {"completion"}
# `encrypt` on an encrypted book with no plain backup: it opened it (env) and says so.
REFUSED = {"encrypt": "already encrypted"}


def _command_names(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        names += _command_names(command, f"{full} ") if isinstance(command, click.Group) else [full]
    return names


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in this test only (never the user's real one)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.saved.get((service, username))

    def set_password(self, service, username, password):
        self.saved[(service, username)] = password

    def delete_password(self, service, username):
        self.saved.pop((service, username), None)


@pytest.fixture(autouse=True)
def clean_state(monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY)
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    monkeypatch.delenv(store_db.PASSPHRASE_ENV, raising=False)
    monkeypatch.delenv(secret.NEW_PASSPHRASE_ENV, raising=False)
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    store_db._passphrases.clear()
    yield
    store_db._passphrases.clear()
    store_db.passphrase_sources = store_db._env_passphrase


def _run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """An encrypted book with one of everything the commands above name, and a backup."""
    root = tmp_path_factory.mktemp("encrypted-cli")
    path = root / "book.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("KONTAKT_TODAY", TODAY)
    mp.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    try:
        runner = CliRunner()
        for args in (["add", "Ada Lovelace", "--email", "ada@example.com", "--tag", "work"],
                     ["add", "Grace Hopper"], ["add", "Tom Trash"],
                     ["log", "Ada", "--kind", "call"], ["favour", "Ada", "--received", "intro"],
                     ["follow-up", "Ada", "--on", "today", "--note", "call back"],
                     ["intro", "Ada", "Grace"], ["note", "Ada", "met at a lecture"],
                     ["link", "Ada Lovelace", "Grace", "--as", "colleague"], ["rm", "Tom"],
                     ["add", "Ada King"], ["merge", "Ada Lovelace", "Ada King"]):
            result = runner.invoke(main, ["--db", str(path), *args])
            assert result.exit_code == 0, (args, result.output)
        crypto.encrypt(path, PASSPHRASE)
        store_db._passphrases.clear()
        mp.setenv(store_db.PASSPHRASE_ENV, PASSPHRASE)
        result = runner.invoke(main, ["backup", "--db", str(path), "-o", str(root / "saved.db")])
        assert result.exit_code == 0, result.output
    finally:
        mp.undo()
        store_db._passphrases.clear()
    return root


def test_the_walk_covers_every_command():
    assert set(_command_names(main)) == set(ARGS) | NOT_WALKED


@pytest.mark.parametrize("command", sorted(ARGS))
def test_every_command_works_on_an_encrypted_book_with_the_passphrase_in_the_environment(
        command, template, tmp_path, monkeypatch):
    book = tmp_path / "book.db"
    shutil.copy(template / "book.db", book)  # no connection is open to the template
    shutil.copy(template / "saved.db", tmp_path / "saved.db")
    (tmp_path / "in.csv").write_text("Name,E-mail Address\nNew Person,new@example.com\n")
    (tmp_path / "cal.ics").write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
                                      "END:VCALENDAR\r\n")
    (tmp_path / "mbox").write_text("")
    (tmp_path / "cards").mkdir()
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv(secret.NEW_PASSPHRASE_ENV, "a new one")
    args = [a.replace("{dir}", str(tmp_path)) for a in ARGS[command]]
    db = [] if command in NO_BOOK else ["--db", str(book)]
    result = _run(*command.split(), *db, *args)
    if command in REFUSED:
        assert result.exit_code == 1 and REFUSED[command] in result.stderr
        return
    assert result.exit_code == 0, result.output
    assert "not a database" not in result.output
    if command.startswith("export"):
        assert result.stderr.count("exports are not") == 1
    # The book is still there and still encrypted (decrypt: plain; passphrase: the new one).
    store_db._passphrases.clear()
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, "a new one" if command == "passphrase" else PASSPHRASE)
    encrypted = crypto.book_is_encrypted(book)
    assert encrypted is (command != "decrypt")


def test_without_a_passphrase_or_a_terminal_it_exits_1_at_once(template, tmp_path):
    book = tmp_path / "book.db"
    shutil.copy(template / "book.db", book)
    result = _run("list", "--db", str(book))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {book} is encrypted and no passphrase was given: set KONTAKT_PASSPHRASE, "
        "or run kontakt on a terminal to type it"
    ]


def test_a_wrong_passphrase_says_wrong_passphrase(template, tmp_path, monkeypatch):
    book = tmp_path / "book.db"
    shutil.copy(template / "book.db", book)
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, "tea at six")
    result = _run("show", "Ada", "--db", str(book))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: wrong passphrase for {book}")
    assert "not a database" not in result.stderr and "Traceback" not in result.output


def test_on_a_terminal_it_asks_three_times_and_says_wrong_passphrase_between(template, tmp_path,
                                                                            monkeypatch):
    book = tmp_path / "book.db"
    shutil.copy(template / "book.db", book)
    monkeypatch.setattr(secret, "_on_terminal", lambda: True)
    result = _run("list", "--db", str(book), input=f"tea at six\n{PASSPHRASE}\n")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("wrong passphrase, try again") == 1
    assert "Ada Lovelace" in result.stdout and PASSPHRASE not in result.output  # never echoed
    store_db._passphrases.clear()
    result = _run("list", "--db", str(book), input="a\nb\nc\nd\n")
    assert result.exit_code == 1
    assert result.stderr.count("wrong passphrase, try again") == 2
    assert "Error: wrong passphrase for" in result.stderr


def test_encrypt_asks_twice_on_a_terminal_and_decrypt_brings_the_plain_file_back(tmp_path, monkeypatch):
    book = tmp_path / "book.db"
    assert _run("add", "Ada Lovelace", "--db", str(book)).exit_code == 0
    monkeypatch.setattr(secret, "_on_terminal", lambda: True)
    result = _run("encrypt", "--db", str(book), input="pass one\npass one\n")
    assert result.exit_code == 0, result.output
    assert "encrypted" in result.stdout and "no way" not in result.stdout
    assert "pass one" not in result.output
    store_db._passphrases.clear()
    monkeypatch.setattr(secret, "_on_terminal", lambda: False)
    assert _run("list", "--db", str(book)).exit_code == 1  # encrypted: needs it now
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, "pass one")
    doctor = _run("doctor", "--db", str(book))
    assert "encrypted (SQLCipher, AES-256)" in doctor.stdout
    result = _run("decrypt", "--db", str(book))
    assert result.exit_code == 0, result.output
    monkeypatch.delenv(store_db.PASSPHRASE_ENV)
    assert "Ada Lovelace" in _run("list", "--db", str(book)).stdout
    assert "not encrypted" in _run("doctor", "--db", str(book)).stdout
    result = _run("encrypt", "--db", str(book))  # no terminal, no KONTAKT_NEW_PASSPHRASE
    assert result.exit_code == 1 and "no new passphrase" in result.stderr


def test_remember_stores_the_passphrase_in_the_keyring_and_decrypt_removes_it(tmp_path, monkeypatch):
    book = tmp_path / "book.db"
    assert _run("add", "Ada Lovelace", "--db", str(book)).exit_code == 0
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    monkeypatch.setenv(secret.NEW_PASSPHRASE_ENV, "kept in the keyring")
    result = _run("encrypt", "--remember", "--db", str(book))
    assert result.exit_code == 0, result.output
    assert list(memory.saved.values()) == ["kept in the keyring"]
    store_db._passphrases.clear()
    # No KONTAKT_PASSPHRASE, no terminal: the keyring opens it.
    assert "Ada Lovelace" in _run("list", "--db", str(book)).stdout
    store_db._passphrases.clear()
    monkeypatch.setenv(secret.NEW_PASSPHRASE_ENV, "changed")
    assert _run("passphrase", "--db", str(book)).exit_code == 0
    assert list(memory.saved.values()) == ["changed"]  # kept in step with the book
    store_db._passphrases.clear()
    result = _run("decrypt", "--db", str(book))
    assert result.exit_code == 0, result.output
    assert memory.saved == {} and "removed from the OS keyring" in result.stdout


def test_remember_without_a_keyring_backend_says_so_and_changes_nothing(tmp_path, monkeypatch):
    book = tmp_path / "book.db"
    assert _run("add", "Ada Lovelace", "--db", str(book)).exit_code == 0
    monkeypatch.setenv(secret.NEW_PASSPHRASE_ENV, "whatever")
    result = _run("encrypt", "--remember", "--db", str(book))  # the fail backend (fixture)
    assert result.exit_code == 1
    assert "no OS keyring is available here" in result.stderr and "nothing changed" in result.stderr
    conn = sqlite3.connect(book)  # still plain: opens with no key
    try:
        assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1
    finally:
        conn.close()


def test_encrypt_later_encrypts_a_plain_backup_doctor_warned_about(tmp_path, monkeypatch):
    book = tmp_path / "book.db"
    assert _run("add", "Ada Lovelace", "--db", str(book)).exit_code == 0
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, PASSPHRASE)
    assert _run("encrypt", "--db", str(book)).exit_code == 0
    plain = tmp_path / "backups" / "book.manual-2026-11-20T100000.db"
    plain.parent.mkdir(exist_ok=True)
    conn = sqlite3.connect(plain)  # a plain copy that turned up among the backups
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.execute("INSERT INTO contacts VALUES ('Ada Lovelace')")
    conn.commit()
    conn.close()
    doctor = _run("doctor", "--db", str(book))
    assert "1 backup(s) are plain files" in doctor.stdout
    result = _run("encrypt", "--db", str(book))
    assert result.exit_code == 0 and "1 plain backup(s) of it now are too" in result.stdout
    assert b"Ada Lovelace" not in plain.read_bytes()
    assert "its backups are too" in _run("doctor", "--db", str(book)).stdout
