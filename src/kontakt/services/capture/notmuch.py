"""Proposals from a notmuch database, through the `notmuch2` bindings (optional), headers only.

A notmuch database is a mail folder with `.notmuch/xapian` inside (or the folder holding
`xapian` itself, like `~/.local/share/notmuch/default`). It is opened read-only, and of each
message only the headers in `mail.HEADERS` are asked for (`Message.header`); the body is never
asked for. The headers go through the same `MailReader` rules as a Maildir's.

Incremental: the database's revision (notmuch's lastmod) is remembered in capture's file cache
under `notmuch:<path>#<uuid>`, in the transaction that stores the proposals; the next scan asks
notmuch only for `lastmod:<rev+1>..<now>`. A rebuilt database (another uuid) is read whole.

Without `notmuch2` a notmuch database that is also a Maildir (the usual `~/Mail/.notmuch`) is
read as a Maildir — same proposals, the mtime/size cache instead of lastmod; one that is not
(a separate `xapian` folder) is a MailError saying how to install the bindings.
"""

from __future__ import annotations

import os
from pathlib import Path

from .mail import HEADERS, Headers, MailError, MailReader, _delivered, is_sent_folder

NOT_INSTALLED = ("notmuch2 is not installed: pip install notmuch2, or point capture at the "
                 "Maildir notmuch indexes")
CACHE_PREFIX = "notmuch:"
SENT_TAG = "sent"


def is_notmuch(path: Path) -> bool:
    """Does this folder hold a notmuch database (`.notmuch/xapian`, or `xapian` itself)?"""
    return (path / ".notmuch" / "xapian").is_dir() or (path / "xapian").is_dir()


def bindings():
    """The `notmuch2` module, or None when it (or libnotmuch under it) cannot be imported."""
    try:
        import notmuch2
    except (ImportError, OSError):
        return None
    return notmuch2


def cache_prefix(path: Path) -> str:
    """The file-cache key of a database, up to its uuid."""
    return f"{CACHE_PREFIX}{path}#"


def message_headers(message) -> Headers:
    """The wanted headers of one notmuch message, as `parse_headers` gives them."""
    found: Headers = {}
    for name in HEADERS:
        try:
            value = message.header(name)
        except LookupError:
            continue
        value = value.replace("\r", " ").replace("\n", " ").strip()
        if name == "message-id" and value and not value.startswith("<"):
            value = f"<{value}>"  # notmuch gives the id without its angle brackets
        found[name] = [value]
    return found


def read_notmuch(path: Path, reader: MailReader, known: dict[str, tuple[int, int]]) -> None:
    """Read the messages of a notmuch database changed since the revision in `known`."""
    notmuch2 = bindings()
    if notmuch2 is None:
        raise MailError(f"{path}: {NOT_INSTALLED}")
    scan = reader.scan
    # A database inside the mail folder needs no config (the folder is the mail root); a
    # database folder of its own (the XDG layout) learns where the mail is from the user's
    # notmuch config (NOTMUCH_CONFIG, ~/.notmuch-config, or the XDG profile).
    inside = (path / ".notmuch").is_dir()
    config = notmuch2.Database.CONFIG.EMPTY if inside else notmuch2.Database.CONFIG.SEARCH
    try:
        db = notmuch2.Database(str(path), mode=notmuch2.Database.MODE.READ_ONLY, config=config)
    except notmuch2.NotmuchError as error:
        raise MailError(f"{path}: cannot open the notmuch database ({error})") from None
    try:
        # The revision first: what changes while we read has a later lastmod, read next time.
        revision = db.revision()
        uuid = revision.uuid.decode("ascii", "replace")
        key = cache_prefix(path) + uuid
        last = known.get(key)
        scan.gone_files += [k for k in known if k != key]  # an older uuid: a rebuilt database
        if last is not None and last[0] >= revision.rev:
            query = None
        elif last is not None:
            query = f"lastmod:{last[0] + 1}..{revision.rev}"
        else:
            query = f"lastmod:0..{revision.rev}"
        try:
            root = Path(db.config.get("database.mail_root") or path)
        except (notmuch2.NotmuchError, KeyError, LookupError):
            root = path.parent if path.name == ".notmuch" else path
        total = db.count_messages("*", exclude_tags=())
        read = 0
        if query is not None:
            for message in db.messages(query, exclude_tags=()):
                read += 1
                try:
                    _read_message(message, reader, root)
                except notmuch2.NotmuchError:
                    # Its file is gone (moved since `notmuch new`): notmuch sees the move on
                    # its next run, which gives the message a new lastmod: read then.
                    scan.unreadable += 1
        scan.notmuch_databases += 1
        scan.skipped_files += max(total - read, 0)
        scan.seen_files.append((key, revision.rev, 0))
    except notmuch2.NotmuchError as error:
        raise MailError(f"{path}: cannot read the notmuch database ({error})") from None
    finally:
        db.close()


def _read_message(message, reader: MailReader, root: Path) -> None:
    """Hand one message's headers to the reader: Sent by notmuch's `sent` tag or its folder."""
    names = [os.fsdecode(p) for p in message.filenamesb()]
    sent = SENT_TAG in message.tags or any(is_sent_folder(root, _folder(n)) for n in names)
    delivered = next((d for d in (_delivered(os.path.basename(n)) for n in names) if d is not None),
                     None)
    headers = message_headers(message)  # all of them first: a missing file raises here
    reader.read_headers(headers, sent_folder=sent, delivered=delivered)


def _folder(name: str) -> str:
    """The mail folder of a message file: the one holding cur/ and new/, or the file's own."""
    folder = os.path.dirname(name)
    return os.path.dirname(folder) if os.path.basename(folder) in ("cur", "new", "tmp") else folder
