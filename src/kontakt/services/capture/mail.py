"""Proposals from mail: headers only, never a body.

A Maildir (a folder with cur/ and new/, Maildir++ subfolders like .Sent included) or an mbox
file. Of each message only the header block is read — the lines up to the first empty line —
and of that only the headers in HEADERS are kept (`parse_headers`); the body is never read from a Maildir file and
never decoded or parsed from an mbox (whose lines are scanned for the `From ` separators, as any
mbox reader must). These headers are used, and no others: From, To, Cc, Bcc, Date, Message-ID,
In-Reply-To, References, Subject (only for --ignore-title rules, stored only with
--keep-subjects), List-Id, List-Unsubscribe, Precedence, Auto-Submitted, X-Autoreply,
X-Autorespond, Return-Path, Content-Type.

Mail I sent (From is one of my addresses, or it sits in a folder called Sent) proposes a
`message` with each contact it went to, "I reached out"; mail a contact sent me proposes one
"they reached out". A thread counts once per day per person (both ways that day: "mutual").
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from ...domain.text import clean_line
from ...store.capture import NewProposal
from .matching import ContactIndex, matches_rule

# The header block of a sane message fits in this; a longer one is cut (never the body).
HEADER_LIMIT = 256 * 1024
_AUTOMATED = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]daemon|postmaster|bounces?|"
    r"notifications?|automated|auto[-_.]?confirm)([-+._].*)?$", re.IGNORECASE)
_SENT_FOLDER = re.compile(r"sent|gesendet|envoy|enviad|inviat|verzonden", re.IGNORECASE)
_MSGID = re.compile(r"<[^<>\s]+>")
SUBJECT_LIMIT = 200


class MailError(ValueError):
    """A mail source that cannot be read; the message names it."""


@dataclass
class MailScan:
    """What one mail scan saw, for the report line and the tests."""

    files: int = 0            # message files parsed (an mbox counts its messages)
    skipped_files: int = 0    # unchanged since the last scan: not opened
    messages: int = 0
    duplicates: int = 0       # the same Message-ID again (a copy in another folder)
    lists: int = 0            # mailing lists, bulk and automated mail, bounces
    undated: int = 0          # no usable date
    out_of_range: int = 0     # before --since, or in the future
    unmatched: int = 0
    ruled_out: int = 0
    notmuch_databases: int = 0  # notmuch databases read through notmuch2 (capture/notmuch.py)
    unreadable: int = 0         # notmuch messages whose file was gone (read next time)
    proposals: list[NewProposal] = field(default_factory=list)
    seen_files: list[tuple[str, int, int]] = field(default_factory=list)
    gone_files: list[str] = field(default_factory=list)


def read_header_block(handle) -> bytes:
    """The bytes of a message's header block: lines up to the first empty one (not included)."""
    lines = []
    size = 0
    for line in handle:
        if line in (b"\n", b"\r\n"):
            break
        lines.append(line)
        size += len(line)
        if size > HEADER_LIMIT:
            break
    return b"".join(lines)


# The only headers kept from a header block; every other line is dropped unread.
HEADERS = (
    "from", "to", "cc", "bcc", "date", "message-id", "in-reply-to", "references", "subject",
    "list-id", "list-unsubscribe", "precedence", "auto-submitted", "x-autoreply",
    "x-autorespond", "return-path", "content-type",
)
_WANTED = frozenset(HEADERS)
Headers = dict[str, list[str]]


def parse_headers(block: bytes) -> Headers:
    """The wanted headers of a header block: lowercase name → values, folded lines joined.

    The block is parsed as `email.parser.BytesHeaderParser` does (RFC 5322 unfolding, the
    first colon ends the name), but by hand: on 50,000 messages the email package's parser
    and address parser took most of the time. 8-bit bytes are read as UTF-8, else Latin-1.
    """
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        text = block.decode("latin-1")
    found: Headers = {}
    name = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t"):
            if name is not None:
                found[name][-1] += " " + line.strip()
            continue
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        if not colon or key not in _WANTED:
            name = None
            continue
        name = key
        found.setdefault(key, []).append(value.strip())
    return found


def _text(headers: Headers, name: str) -> str:
    """The first value of a header, '' when there is none."""
    values = headers.get(name)
    return values[0] if values else ""


def decoded(text: str) -> str:
    """RFC 2047 encoded words ("=?utf-8?q?Gr=C3=BC=C3=9Fe?=") as the text they stand for."""
    if "=?" not in text:
        return text
    from email.policy import default

    try:  # the modern policy's decoder copes with encoded words next to raw UTF-8
        return str(default.header_factory("subject", text))
    except (LookupError, ValueError, UnicodeError, IndexError):
        return text


_ANGLE = re.compile(r"<([^<>\s]+@[^<>\s]+)>")


def _addresses(headers: Headers, *names: str) -> list[str]:
    """The addresses in these headers. A plain list ("A <a@x>, b@y") is split by hand;
    anything with quotes or comments goes to `email.utils.getaddresses`."""
    found: list[str] = []
    for name in names:
        for value in headers.get(name, ()):
            if '"' in value or "(" in value:
                found += [a.strip() for _, a in getaddresses([value]) if "@" in a]
                continue
            for part in value.split(","):
                if "<" in part:
                    found += _ANGLE.findall(part)
                elif "@" in part:
                    found.append(part.strip())
    return found


def is_automated(headers: Headers) -> bool:
    """Mailing lists, bulk mail, auto-replies, bounces and no-reply senders."""
    if "list-id" in headers or "list-unsubscribe" in headers:
        return True
    if _text(headers, "precedence").lower() in ("bulk", "list", "junk", "auto_reply"):
        return True
    auto = _text(headers, "auto-submitted").lower()
    if auto and auto != "no":
        return True
    if "x-autoreply" in headers or "x-autorespond" in headers:
        return True
    if _text(headers, "return-path") == "<>":
        return True  # a bounce or another message from a mail system
    if "multipart/report" in _text(headers, "content-type").lower():
        return True  # a delivery status notification
    senders = _addresses(headers, "from")
    return any(_AUTOMATED.match(a.split("@", 1)[0]) for a in senders)


def message_day(message: Headers, fallback: float | None) -> datetime | None:
    """When it was sent (Date, else the delivery time), as an aware moment; None if unknown."""
    raw = _text(message, "date")
    if raw:
        try:
            moment = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            moment = None
        if moment is not None and 1000 <= moment.year <= 2999:
            return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if fallback is not None:
        return datetime.fromtimestamp(fallback, tz=timezone.utc)
    return None


def thread_of(message: Headers) -> str:
    """The thread's root: the first Message-ID in References, else In-Reply-To, else its own."""
    for name in ("references", "in-reply-to", "message-id"):
        ids = _MSGID.findall(_text(message, name))
        if ids:
            return ids[0]
    return ""


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


class MailReader:
    """Turns header blocks into proposals, deduplicating across folders and files."""

    def __init__(self, index: ContactIndex, *, since: date, now: datetime, ignore_titles: list[str],
                 keep_subjects: bool = False):
        self.index = index
        self.since = since
        self.now = now
        self.ignore_titles = ignore_titles
        self.keep_subjects = keep_subjects
        self.scan = MailScan()
        self._ids: set[str] = set()
        self._found: dict[str, NewProposal] = {}

    def read(self, block: bytes, *, sent_folder: bool, delivered: float | None) -> None:
        """One message's header block (never its body)."""
        self.read_headers(parse_headers(block), sent_folder=sent_folder, delivered=delivered)

    def read_headers(self, message: Headers, *, sent_folder: bool, delivered: float | None) -> None:
        """One message's wanted headers (lowercase name → values), however they were read."""
        scan = self.scan
        scan.messages += 1
        message_id = next(iter(_MSGID.findall(_text(message, "message-id"))), "")
        if message_id:
            if message_id in self._ids:
                scan.duplicates += 1
                return
            self._ids.add(message_id)
        if is_automated(message):
            scan.lists += 1
            return
        moment = message_day(message, delivered)
        if moment is None:
            scan.undated += 1
            return
        day = moment.astimezone().date()
        if day < self.since or moment > self.now:
            scan.out_of_range += 1
            return
        subject = clean_line(decoded(_text(message, "subject")))[:SUBJECT_LIMIT]
        if matches_rule(subject, self.ignore_titles):
            scan.ruled_out += 1
            return
        senders = _addresses(message, "from")
        index = self.index
        if sent_folder or any(index.is_me(a) for a in senders):
            direction = "me"
            others = _addresses(message, "to", "cc", "bcc")
        else:
            direction = "them"
            others = senders[:1]
        thread = thread_of(message) or f"{senders[:1]}{moment.isoformat()}{subject}"
        matched = False
        for address in others:
            contact_id = index.by_email(address)
            if contact_id is None:
                continue
            matched = True
            key = f"mail:{_digest(thread)}:{day.isoformat()}:{contact_id}"
            previous = self._found.get(key)
            if previous is not None:
                if previous.direction != direction:
                    self._found[key] = NewProposal(**{**previous.__dict__, "direction": "mutual"})
                continue
            self._found[key] = NewProposal(
                key=key, source="mail", date=day, kind="message", contact_ids=(contact_id,),
                direction=direction, title=subject if self.keep_subjects else "",
                sender=address.casefold(),
            )
        if not matched:
            scan.unmatched += 1

    def finish(self) -> MailScan:
        self.scan.proposals = list(self._found.values())
        return self.scan


# ---------------------------------------------------------------------- sources


def is_sent_folder(root: Path, folder: str) -> bool:
    """Is this Maildir folder (the one holding cur/ and new/) below `root` a Sent folder?"""
    parent = os.path.relpath(folder, root)
    if parent == ".":
        return bool(_SENT_FOLDER.search(root.name))
    if parent.startswith(".." + os.sep) or parent == "..":
        parent = os.path.basename(folder)  # outside the root: its own name is all we know
    return bool(_SENT_FOLDER.search(parent))


def maildir_files(root: Path) -> Iterator[tuple[os.DirEntry, bool]]:
    """Every message file of a Maildir tree: (entry, is it in a Sent folder)."""
    for folder, dirs, _ in os.walk(root):
        dirs.sort()
        name = os.path.basename(folder)
        if name not in ("cur", "new"):
            continue
        dirs[:] = []
        sent = is_sent_folder(root, os.path.dirname(folder))
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False):
                    yield entry, sent


def _delivered(name: str) -> float | None:
    """The delivery time a Maildir file name starts with ("1733390000.M12P3.host:2,S")."""
    head = name.split(".", 1)[0]
    return float(head) if head.isdigit() and len(head) <= 12 else None


def read_maildir(root: Path, reader: MailReader, known: dict[str, tuple[int, int]]) -> None:
    """Read the header blocks of the files in a Maildir that changed since `known`."""
    scan = reader.scan
    present = set()
    for entry, sent in maildir_files(root):
        path = entry.path
        present.add(path)
        info = entry.stat(follow_symlinks=False)
        stamp = (info.st_mtime_ns, info.st_size)
        if known.get(path) == stamp:
            scan.skipped_files += 1
            continue
        try:
            with open(path, "rb") as handle:
                block = read_header_block(handle)
        except OSError:
            continue  # moved by the mail client while we looked (new/ → cur/): next scan
        scan.files += 1
        reader.read(block, sent_folder=sent, delivered=_delivered(entry.name))
        scan.seen_files.append((path, *stamp))
    scan.gone_files += [p for p in known if p not in present]


def read_mbox(path: Path, reader: MailReader, known: dict[str, tuple[int, int]]) -> None:
    """Read the header block of every message of an mbox file (unless it is unchanged)."""
    import mailbox

    scan = reader.scan
    info = path.stat()
    stamp = (info.st_mtime_ns, info.st_size)
    if known.get(str(path)) == stamp:
        scan.skipped_files += 1
        return
    box = mailbox.mbox(str(path), create=False)
    sent = bool(_SENT_FOLDER.search(path.name))
    try:
        for key in box.iterkeys():
            handle = box.get_file(key)
            try:  # get_file starts after the "From " separator line
                block = read_header_block(handle)
            finally:
                handle.close()
            scan.files += 1
            reader.read(block, sent_folder=sent, delivered=None)
    finally:
        box.close()
    scan.seen_files.append((str(path), *stamp))


def is_maildir(path: Path) -> bool:
    if (path / "cur").is_dir() or (path / "new").is_dir():
        return True
    return any(p.name in ("cur", "new") for p in path.glob("*/cur")) or any(path.glob(".*/cur"))


def read_source(path: Path, reader: MailReader, known: dict[str, tuple[int, int]]) -> None:
    """A Maildir folder or an mbox file; MailError for anything else."""
    if path.is_dir():
        if not is_maildir(path):
            raise MailError(f"{path}: not a Maildir (no cur/ or new/ folder inside)")
        read_maildir(path, reader, known)
    elif path.is_file():
        with path.open("rb") as handle:
            first = handle.read(5)
        if first and first != b"From ":
            raise MailError(f"{path}: not an mbox file (it does not start with 'From ')")
        read_mbox(path, reader, known)
    else:
        raise MailError(f"{path}: no such file or folder")
