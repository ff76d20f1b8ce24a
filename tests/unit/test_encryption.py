"""Encryption at rest, in the store: what is on disk after `encrypt`, opening, rekey, decrypt.

Raw bytes are read only by a child process while this process has the book open, or after
every connection is closed (closing any descriptor of a file drops this process's SQLite locks
on it). "Opens with the passphrase" is checked with SQLCipher's own key derivation
(`PRAGMA key = '…'`), not with kontakt's: an independent oracle.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kontakt.store import Book, BookError
from kontakt.store import backup as backups
from kontakt.store import crypto
from kontakt.store import db as store_db
from kontakt.store.driver import sqlite3

TODAY = date(2026, 11, 23)
PASSPHRASE = "correct horse battery"
# What must never be readable from a file of an encrypted book.
SECRETS = ["Ada Lovelace", "ada@lovelace.example", "worried about her health", "Grace Hopper",
           "grace@navy.example"]


def _seen_by_a_child(*paths: Path) -> dict[str, list[str]]:
    """Which SECRETS appear in each file's raw bytes, read by a separate process."""
    code = (
        "import json, sys\n"
        "needles = json.loads(sys.argv[1])\n"
        "out = {}\n"
        "for p in sys.argv[2:]:\n"
        "    data = open(p, 'rb').read()\n"
        "    out[p] = [n for n in needles if n.encode() in data or n.encode('utf-16-le') in data]\n"
        "print(json.dumps(out))\n"
    )
    import json

    done = subprocess.run([sys.executable, "-c", code, json.dumps(SECRETS), *map(str, paths)],
                          capture_output=True, text=True, check=True, timeout=30)
    return {Path(k).name: v for k, v in json.loads(done.stdout).items()}


def _open_with_sqlcipher(path: Path, passphrase: str) -> list[str]:
    """Contact names, read with SQLCipher's own passphrase derivation."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA key = '{passphrase}'")
        return [row[0] for row in conn.execute("SELECT name FROM contacts ORDER BY name")]
    finally:
        conn.close()


def _forget_keys() -> None:
    store_db._passphrases.clear()


@pytest.fixture(autouse=True)
def no_passphrase_env(monkeypatch):
    monkeypatch.delenv(store_db.PASSPHRASE_ENV, raising=False)
    monkeypatch.setattr(store_db, "passphrase_sources", store_db._env_passphrase)
    yield
    _forget_keys()


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory):
    """A book with secrets, a manual, a daily and a migration backup, then encrypted."""
    root = tmp_path_factory.mktemp("encrypted")
    path = root / "book.db"
    with Book.open(path) as book:
        book.auto_backup = False
        ada = book.add_contact("Ada Lovelace", today=TODAY, emails=["ada@lovelace.example"],
                               notes="worried about her health")
        book.log_interaction([ada], on=TODAY, kind="call", note="worried about her health", today=TODAY)
        manual = backups.backup_now(book)
        daily = backups.snapshot(book.conn, backups.backup_dir(path) / backups.daily_path(path, TODAY).name)
        migration = store_db.backup_into(book.conn, root / "book.db.v3-20261101-000000.bak")
    plain_view = _seen_by_a_child(path, manual, daily, migration)
    result = crypto.encrypt(path, PASSPHRASE)
    _forget_keys()
    return {"root": root, "path": path, "plain_view": plain_view, "result": result,
            "backups": [manual, daily, migration]}


def test_the_secrets_are_readable_in_a_plain_book_so_the_check_can_see_them(encrypted):
    # The oracle of the next test: the same child finds every secret in the plain files.
    for name, seen in encrypted["plain_view"].items():
        assert seen[:3] == SECRETS[:3], name


def test_after_encrypt_no_secret_is_in_the_book_its_wal_or_any_backup(encrypted, monkeypatch):
    path = encrypted["path"]
    assert encrypted["result"].backups == 3 and encrypted["result"].backups_left == ()
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, PASSPHRASE)
    with Book.open(path) as book:
        book.auto_backup = False
        book.add_contact("Grace Hopper", today=TODAY, emails=["grace@navy.example"])
        wal = Path(f"{path}-wal")
        assert wal.stat().st_size > 0  # Grace is in the WAL right now
        out = encrypted["root"] / "copy.db"
        backups.backup_now(book, out)
        seen = _seen_by_a_child(path, wal, out, *encrypted["backups"])
    assert seen == {name: [] for name in seen}
    assert len(seen) == 6
    # …and each of them opens with the passphrase through SQLCipher itself.
    assert _open_with_sqlcipher(out, PASSPHRASE) == ["Ada Lovelace", "Grace Hopper"]
    for backup in encrypted["backups"]:
        assert _open_with_sqlcipher(backup, PASSPHRASE) == ["Ada Lovelace"]
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        _open_with_sqlcipher(path, "wrong")


def test_an_encrypted_book_says_wrong_passphrase_or_asks_for_one(encrypted, monkeypatch):
    path = encrypted["path"]
    with pytest.raises(store_db.PassphraseNeeded, match="is encrypted and no passphrase was given"):
        Book.open(path, create=False)
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, "not it")
    with pytest.raises(store_db.WrongPassphrase) as raised:
        Book.open(path, create=False)
    assert str(raised.value).startswith("wrong passphrase for ")
    assert "not a database" not in str(raised.value)
    # The sources are tried in order until one opens it.
    monkeypatch.setattr(store_db, "passphrase_sources", lambda _p: iter(["nope", PASSPHRASE]))
    with Book.open(path, create=False) as book:
        assert store_db.is_encrypted(book.conn)
        assert book.counts().contacts >= 1


def test_a_text_file_is_still_no_book_and_not_a_passphrase_question(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("x" * 4096)  # whole "pages", yet its salt opens nothing
    with pytest.raises(BookError, match="not a kontakt book|wrong passphrase|no passphrase"):
        Book.open(text, create=False)
    small = tmp_path / "small.db"
    small.write_text("hello\n")
    with pytest.raises(BookError, match="not a kontakt book"):
        Book.open(small, create=False)


def test_rekey_and_decrypt_keep_every_row_and_change_what_opens_it(tmp_path, monkeypatch):
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        book.auto_backup = False
        book.add_contact("Ada Lovelace", today=TODAY)
        book.add_contact("Grace Hopper", today=TODAY)
        saved = backups.backup_now(book)
    encrypted = crypto.encrypt(path, "first")
    with pytest.raises(BookError, match="already encrypted"):
        crypto.encrypt(path, "again")
    changed = crypto.change_passphrase(path, "second")
    assert changed.rows == encrypted.rows and changed.backups == 1
    assert _open_with_sqlcipher(path, "second") == ["Ada Lovelace", "Grace Hopper"]
    assert _open_with_sqlcipher(saved, "second") == ["Ada Lovelace", "Grace Hopper"]
    with pytest.raises(sqlite3.DatabaseError):
        _open_with_sqlcipher(path, "first")
    _forget_keys()
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, "second")
    plain = crypto.decrypt(path)
    assert plain.rows == encrypted.rows and plain.encrypted is False
    assert plain.backups_left == (saved,)  # still under "second"; restore-backup asks for it
    with pytest.raises(BookError, match="not encrypted"):
        crypto.decrypt(path)
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"  # no connection is open
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "book.db"]


def test_encrypt_refuses_while_another_connection_has_the_book_open(tmp_path, monkeypatch):
    monkeypatch.setattr(crypto, "EXCLUSIVE_WAIT_MS", 50)
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        book.add_contact("Ada Lovelace", today=TODAY)
        with pytest.raises(BookError, match="open in another kontakt"):
            crypto.encrypt(path, PASSPHRASE)
        assert not store_db.is_encrypted(book.conn)
        book.add_contact("Grace Hopper", today=TODAY)  # still a working book
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.db"]


def test_restore_backup_keeps_the_book_encrypted_whatever_the_backup_was(tmp_path, monkeypatch):
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        book.auto_backup = False
        book.add_contact("Ada Lovelace", today=TODAY)
        plain_backup = backups.backup_now(book, tmp_path / "plain-backup.db")
    crypto.encrypt(path, PASSPHRASE)
    with Book.open(path) as book:
        book.auto_backup = False
        book.add_contact("Grace Hopper", today=TODAY)
        encrypted_backup = backups.backup_now(book, tmp_path / "encrypted-backup.db")
    restored = backups.restore(path, plain_backup)  # a plain file into an encrypted book
    assert restored.contacts == 1
    seen = _seen_by_a_child(path, restored.saved_as)
    assert seen == {path.name: [], restored.saved_as.name: []}
    assert _open_with_sqlcipher(path, PASSPHRASE) == ["Ada Lovelace"]
    restored = backups.restore(path, encrypted_backup)  # same passphrase, another file
    assert restored.contacts == 2
    assert _open_with_sqlcipher(path, PASSPHRASE) == ["Ada Lovelace", "Grace Hopper"]
    # An encrypted backup into a plain book: the book stays plain.
    _forget_keys()
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, PASSPHRASE)
    crypto.decrypt(path)
    monkeypatch.delenv(store_db.PASSPHRASE_ENV)
    _forget_keys()
    with pytest.raises(backups.BackupError, match="encrypted"):
        backups.restore(path, encrypted_backup)  # no passphrase for the backup: nothing changes
    monkeypatch.setenv(store_db.PASSPHRASE_ENV, PASSPHRASE)
    assert backups.restore(path, encrypted_backup).contacts == 2
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"


def test_the_copy_made_before_a_schema_upgrade_of_an_encrypted_book_is_encrypted(tmp_path, monkeypatch):
    from kontakt.store import migrations

    path = tmp_path / "book.db"
    with Book.open(path) as book:
        book.add_contact("Ada Lovelace", today=TODAY, notes="worried about her health")
    crypto.encrypt(path, PASSPHRASE)

    def m_pronouns(db):
        db.execute("ALTER TABLE contacts ADD COLUMN pronouns TEXT")

    monkeypatch.setattr(store_db, "MIGRATIONS", [*migrations.MIGRATIONS, m_pronouns])
    monkeypatch.setattr(store_db, "LATEST_VERSION", migrations.LATEST_VERSION + 1)
    with Book.open(path) as book:
        assert book.conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST_VERSION + 1
        [copy] = tmp_path.glob(f"book.db.v{migrations.LATEST_VERSION}-*.bak")
        assert _seen_by_a_child(copy) == {copy.name: []}
    assert _open_with_sqlcipher(copy, PASSPHRASE) == ["Ada Lovelace"]


@pytest.mark.parametrize("step", ["locked", "exported", "verified"])
def test_ctrl_c_before_the_rename_leaves_the_book_as_it_was_and_no_copy_behind(step, tmp_path,
                                                                              monkeypatch):
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        book.add_contact("Ada Lovelace", today=TODAY)
    reached = []

    def interrupt(at: str) -> None:
        reached.append(at)
        if at == step:
            raise KeyboardInterrupt

    monkeypatch.setattr(crypto, "_pause", interrupt)
    with pytest.raises(KeyboardInterrupt):
        crypto.encrypt(path, PASSPHRASE)
    assert reached[-1] == step  # interrupted exactly there
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.db"]
    with Book.open(path, create=False) as book:  # plain, whole, and writable
        assert not store_db.is_encrypted(book.conn)
        book.add_contact("Grace Hopper", today=TODAY)
        assert book.counts().contacts == 2
