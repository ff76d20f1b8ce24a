"""vCard export: 4.0 (default) or 3.0, one file or a folder of <uid>.vcf files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from ...domain import Contact
from ...domain.cards import label_types
from ...store import Book
from ...store.bulk import CardContact, iter_card_contacts
from . import atomic_output

VERSIONS = ("4.0", "3.0")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


_SPECIAL = re.compile(r"[\\\n,;]").search


def escape(value: str) -> str:
    """vCard text escaping: backslash, newline, comma and semicolon."""
    if not _SPECIAL(value):  # most values: one search instead of four replaces
        return value
    return (
        value.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;")
    )


def fold(content_line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 6350 3.2)."""
    data = content_line.encode("utf-8")
    if len(data) <= 75:
        return content_line + "\r\n"
    pieces, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # back off to the start of a character
        pieces.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines start with a space
    return "\r\n ".join(pieces) + "\r\n"


# Properties written on one line however long: abook reads a card line by line without
# unfolding, so a folded NOTE was cut at its first fold (and a folded FN, EMAIL or TEL too).
# RFC 6350 3.2 says lines SHOULD NOT pass 75 octets; vobject, khard and phones read longer.
WHOLE_LINES = ("FN:", "N:", "NICKNAME:", "EMAIL", "TEL", "NOTE:")


def _type_param(types: list[str]) -> str:
    return ";TYPE=" + ",".join(escape(t) for t in types) if types else ""


def address_lines(contact: Contact | CardContact) -> list[str]:
    """ADR and URL lines: the structured addresses, else the location as the locality;
    a location other than the one read from the first address goes in X-KONTAKT-LOCATION."""
    lines = []
    for address in contact.addresses:
        parts = ";".join(escape(p) for p in address.parts)
        lines.append(f"ADR{_type_param(label_types(address.label, 'ADR'))}:{parts}")
    if contact.location and not contact.addresses:
        lines.append(f"ADR:;;;{escape(contact.location)};;;")
    elif contact.addresses and contact.location != derived_location(contact.addresses[0].parts):
        # Said even when empty: a reader would otherwise make a location of the first address.
        lines.append(f"X-KONTAKT-LOCATION:{escape(contact.location)}")
    for url in contact.urls:
        lines.append(f"URL:{url}")
    return lines


def derived_location(parts: tuple[str, ...] | list[str]) -> str:
    """What an import makes the location from an ADR: locality, region, country."""
    parts = list(parts) + [""] * 7
    place = [p for p in (parts[3], parts[4], parts[6]) if p]
    return ", ".join(place) or ", ".join(p for p in parts[:7] if p)


def _name_parts(name: str) -> tuple[str, str]:
    given, _, family = name.rpartition(" ")
    return (family, given) if given else (name, "")


def card(contact: Contact | CardContact, version: str = "4.0") -> str:
    """One contact as a vCard; kontakt-only fields go in X-KONTAKT-* properties."""
    if version not in VERSIONS:
        raise ValueError(f"vCard version must be 4.0 or 3.0, not {version!r}")
    v4 = version == "4.0"
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    uid = contact.uid
    lines.append(f"UID:urn:uuid:{uid}" if v4 and _UUID.match(uid) else _fit(f"UID:{escape(uid)}"))
    lines.append(f"FN:{escape(contact.name)}")
    family, given = _name_parts(contact.name)
    lines.append(f"N:{escape(family)};{escape(given)};;;")
    if contact.nickname:
        lines.append(f"NICKNAME:{escape(contact.nickname)}")
    for email in contact.emails:
        types = ([] if v4 else ["INTERNET"]) + label_types(contact.label_of(email), "EMAIL")
        lines.append(f"EMAIL{_type_param(types)}:{escape(email)}")
    for phone in contact.phones:
        # Plain TEL but for the label: abook (and other line-based readers) drop a TEL whose
        # parameters name no home/work/cell/fax, so `TEL;VALUE=text:` lost every phone there.
        types = label_types(contact.label_of(phone), "TEL")
        lines.append(f"TEL{_type_param(types)}:{escape(phone)}")
    if contact.org:
        lines.append(_fit(f"ORG:{escape(contact.org)}"))
    if contact.role:
        lines.append(_fit(f"TITLE:{escape(contact.role)}"))
    lines += map(_fit, address_lines(contact))
    if contact.birthday:
        b = contact.birthday
        if b.year is None:
            lines.append(f"BDAY:--{b.month:02d}{b.day:02d}" if v4 else f"BDAY:--{b.month:02d}-{b.day:02d}")
        else:
            lines.append(f"BDAY:{b.iso().replace('-', '')}" if v4 else f"BDAY:{b.iso()}")
    if contact.tags:
        lines.append(_fit("CATEGORIES:" + ",".join(escape(t) for t in contact.tags)))
    if contact.notes:
        lines.append(f"NOTE:{escape(contact.notes)}")
    if contact.met:
        lines.append(_fit(f"X-KONTAKT-MET:{escape(contact.met)}"))
    if contact.cadence:
        lines.append(_fit(f"X-KONTAKT-CADENCE:{contact.cadence}"))
    if contact.archived:
        lines.append("X-KONTAKT-ARCHIVED:true")
    if contact.channel:
        lines.append(f"X-KONTAKT-CHANNEL:{escape(contact.channel)}")
    if contact.created_at:
        lines.append(f"X-KONTAKT-CREATED:{contact.created_at.isoformat()}")
    if contact.updated_at:
        stamp = _rev(contact.updated_at)
        lines.append(f"REV:{stamp}")
    lines.append("END:VCARD")
    # Lines that may be folded went through _fit as they were made; the others (WHOLE_LINES,
    # and the short ASCII ones: BEGIN, VERSION, BDAY, ARCHIVED, CREATED, REV, END) are
    # whole. Checking every line here cost a fifth of exporting 100k cards.
    return "\r\n".join(lines) + "\r\n"


def _rev(moment: datetime) -> str:
    """The REV stamp: the moment in UTC as 20261123T100000Z. strftime took 2.6 µs a card,
    this 1.2; it keeps strftime for years before 1000, which glibc writes unpadded."""
    u = moment.astimezone(timezone.utc)
    if u.year < 1000:
        return u.strftime("%Y%m%dT%H%M%SZ")
    return "%04d%02d%02dT%02d%02d%02dZ" % (u.year, u.month, u.day, u.hour, u.minute, u.second)


def _fit(content: str) -> str:
    """A content line not in WHOLE_LINES, folded when it passes 75 octets (most are short)."""
    if len(content) <= 75 and (content.isascii() or len(content.encode()) <= 75):
        return content
    return fold(content)[:-2]


def _contacts(book: Book, ids: list[int] | None) -> Iterator[CardContact]:
    return iter_card_contacts(book, ids=ids)


def write_cards(book: Book, out: TextIO, *, version: str = "4.0", ids: list[int] | None = None) -> int:
    """All contacts (archived too) as one .vcf stream; returns how many."""
    count = 0
    for contact in _contacts(book, ids):
        out.write(card(contact, version))
        count += 1
    return count


def file_name(uid: str) -> str:
    """A safe, stable file name for a card: the uid, or its hash when the uid is exotic."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,120}", uid):
        return f"{uid}.vcf"
    return hashlib.sha1(uid.encode("utf-8")).hexdigest() + ".vcf"


def write_directory(book: Book, directory: Path, *, version: str = "4.0", ids: list[int] | None = None) -> int:
    """One <uid>.vcf per contact in `directory` (as vdirsyncer and khard keep them)."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for contact in _contacts(book, ids):
        with atomic_output(directory / file_name(contact.uid)) as handle:
            handle.write(card(contact, version))
        count += 1
    return count
