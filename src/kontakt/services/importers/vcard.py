"""vCard 2.1, 3.0 and 4.0: one file with many cards, or a directory of .vcf files.

Written by hand rather than on vobject because the hard parts are exactly what a library
does after decoding: lines are unfolded on bytes (real files fold inside a multi-byte
character), 2.1 quoted-printable values are decoded with their own CHARSET, and a card
that never ends is rejected alone instead of failing the file. PHOTO, LOGO, SOUND, KEY
and URL are never fetched or decoded.
"""

from __future__ import annotations

import os
import quopri
import re
from functools import lru_cache
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ...domain import Address, Birthday, Cadence, CadenceError, DateError, Details
from ...domain.cards import types_label
from ...domain.activity import ActivityError, check_channel
from ...store.bulk import NewContact
from .rows import (
    Group,
    Parsed,
    email_address,
    is_exchange_address,
    joined,
    line,
    real_birthday,
    text,
)
from .textfile import Encoding

IGNORED = {"PHOTO", "LOGO", "SOUND", "KEY", "AGENT"}
# A file up to this size is read whole and split into lines in one call.
WHOLE_FILE_BYTES = 1 << 16


@dataclass(slots=True)
class Property:
    name: str
    params: dict[str, list[str]]  # shared by properties with the same head: never changed
    raw: bytes
    line: int
    encoding: Encoding
    # byte_encoding(encoding), when the reader worked it out once for the whole file.
    decode_as: str | None = field(default=None, repr=False, compare=False)
    _value: str | None = field(default=None, init=False, repr=False, compare=False)

    def param(self, key: str) -> list[str]:
        return self.params.get(key, [])

    @property
    def value(self) -> str:
        """The decoded value, escapes left in (structured values split on them first);
        decoded once (a card asks for most values two or three times)."""
        value = self._value
        if value is None:
            value = self._value = self._decoded()
        return value

    def _decoded(self) -> str:
        raw = self.raw
        if not self.params:  # most properties: no CHARSET, no ENCODING (the same as below)
            try:
                return raw.decode(self.decode_as or byte_encoding(self.encoding))
            except (LookupError, UnicodeDecodeError):
                return raw.decode("cp1252", errors="replace")
        charset = (self.param("CHARSET") or [None])[0]
        if any(v.upper() in ("QUOTED-PRINTABLE", "QP") for v in self.param("ENCODING")):
            raw = quopri.decodestring(raw)
        elif not self.encoding.fallback:
            # The file is valid UTF-8 (or the user named its encoding): a CHARSET on an
            # 8-bit value is a leftover.
            charset = None
        name = charset or byte_encoding(self.encoding)
        try:
            return raw.decode(name)
        except (LookupError, UnicodeDecodeError):
            return raw.decode("cp1252", errors="replace")


@dataclass
class Card:
    line: int
    properties: list[Property] = field(default_factory=list)

    def all(self, name: str) -> list[Property]:
        """The properties called `name`, in file order (a new list each time)."""
        return list(self._named(name))

    def first(self, name: str) -> Property | None:
        found = self._named(name)
        return found[0] if found else None

    def _named(self, name: str) -> list[Property] | tuple[()]:
        return self.by_name().get(name, ())

    def by_name(self) -> dict[str, list[Property]]:
        """The properties by name, each list in file order (not to be changed)."""
        by_name = self.__dict__.get("_by_name")
        if by_name is None or by_name[0] != len(self.properties):
            # Indexed once the card is read: a card is asked for ~25 names.
            index: dict[str, list[Property]] = {}
            for prop in self.properties:
                index.setdefault(prop.name, []).append(prop)
            by_name = self.__dict__["_by_name"] = (len(self.properties), index)
        return by_name[1]


@lru_cache(maxsize=64)
def byte_encoding(encoding: Encoding) -> str:
    """What the unfolded bytes are in: the file's encoding, or UTF-8 for one that is
    not ASCII-compatible (UTF-16) and was re-encoded before unfolding."""
    if encoding.name == "utf-8-sig" or not encoding.ascii_compatible:
        return "utf-8"
    return encoding.name


def read_small(path: Path) -> bytes | None:
    """The whole file when it is small (a card of a folder), else None; None too when it
    cannot be read (the caller's own open says why)."""
    try:
        # os.read without a buffered file object: a third of the cost of open() for 20k files.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            chunks, size = [], 0
            while size <= WHOLE_FILE_BYTES and (chunk := os.read(fd, WHOLE_FILE_BYTES + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
    except OSError:
        return None
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return data if len(data) <= WHOLE_FILE_BYTES else None


def _small_lines(data: bytes) -> list[bytes]:
    """A small file's physical lines, split in one call (what iterating the file gives, but
    for the newlines, which the caller strips anyway)."""
    lines = data.split(b"\n")
    if not lines[-1]:
        lines.pop()
    if lines and lines[0].startswith(b"\xef\xbb\xbf"):
        lines[0] = lines[0][3:]
    return lines


def _physical_lines(path: Path, encoding: Encoding, data: bytes | None = None) -> Iterator[bytes]:
    if not encoding.ascii_compatible:
        # Unfolding works on bytes; UTF-16 has NULs in every character, so go via UTF-8.
        with path.open("r", encoding=encoding.name, newline="") as handle:
            for text_line in handle:
                yield text_line.encode("utf-8")
        return
    if data is not None:
        yield from _small_lines(data)
        return
    with path.open("rb") as handle:
        data = handle.read(WHOLE_FILE_BYTES + 1)
        if len(data) <= WHOLE_FILE_BYTES:
            yield from _small_lines(data)
            return
        handle.seek(0)
        first = True
        for raw in handle:
            if first and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            first = False
            yield raw


# A line that continues the one before (folded), or a stripped line ending in '=' (maybe a
# quoted-printable soft break): without either, each physical line is a logical line.
_FOLD_OR_SOFT_BREAK = re.compile(rb"\n[ \t]|=\r*(?:\n|\Z)")


def _logical_lines(path: Path, encoding: Encoding, data: bytes | None = None) -> Iterator[tuple[int, bytes]]:
    """Unfolded lines with the number of the physical line each starts on; `data` is the
    whole file when the caller has read it already."""
    if data is not None and encoding.ascii_compatible and not _FOLD_OR_SOFT_BREAK.search(data):
        # Most cards of a folder: nothing to unfold (tests/unit/test_vcard_parse_fast.py
        # holds this to the loop below).
        for number, raw in enumerate(_small_lines(data), start=1):
            yield number, raw.rstrip(b"\r\n")
        return
    current: bytearray | None = None
    start = 0
    qp_soft_break = False
    for number, raw in enumerate(_physical_lines(path, encoding, data), start=1):
        raw = raw.rstrip(b"\r\n")
        if current is not None and (qp_soft_break or raw[:1] in (b" ", b"\t")):
            current += raw if qp_soft_break else raw[1:]
        else:
            if current is not None:
                yield start, bytes(current)
            current, start = bytearray(raw), number
        qp_soft_break = current.endswith(b"=") and _is_quoted_printable(current)
        if qp_soft_break:
            del current[-1]
    if current is not None:
        yield start, bytes(current)


def _is_quoted_printable(logical: bytes | bytearray) -> bool:
    head = logical.split(b":", 1)[0].upper()
    return b"QUOTED-PRINTABLE" in head or b"ENCODING=QP" in head


_PARAM_SPLIT = re.compile(rb';(?=(?:[^"]*"[^"]*")*[^"]*$)')


def _parse_property(number: int, logical: bytes, encoding: Encoding,
                    decode_as: str | None = None) -> Property | None:
    # The value starts at the first colon that is not inside a quoted parameter value.
    index = logical.find(b":")
    if index < 0:
        return None
    quoted = b'"' in logical[:index]
    if quoted:  # rare: walk the bytes (a colon may sit inside quotes)
        in_quotes = False
        for index, byte in enumerate(logical):
            if byte == 0x22:
                in_quotes = not in_quotes
            elif byte == 0x3A and not in_quotes:
                break
        else:
            return None
    head, raw = logical[:index], logical[index + 1 :]
    if not quoted:
        # A folder's cards repeat a few dozen heads (FN, EMAIL;TYPE=INTERNET, TEL;TYPE=CELL):
        # each is read once; properties with the same head share its parameters.
        known = _HEADS.get(head)
        if known is None:
            if len(_HEADS) >= _HEADS_KEPT:
                _HEADS.clear()
            known = _HEADS[head] = _parse_head(head.split(b";"))
        return Property(known[0], known[1], raw, number, encoding, decode_as)
    name, params = _parse_head(_PARAM_SPLIT.split(head))
    return Property(name, params, raw, number, encoding, decode_as)


_HEADS: dict[bytes, tuple[str, dict[str, list[str]]]] = {}
_HEADS_KEPT = 4096


def _parse_head(parts: list[bytes]) -> tuple[str, dict[str, list[str]]]:
    """The name (group dropped) and parameters of a property's head, split on ';'."""
    name = parts[0].decode("ascii", errors="replace").strip().upper()
    name = name.rsplit(".", 1)[-1]  # drop a group: item1.EMAIL
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        piece = part.decode("utf-8", errors="replace").strip()
        if "=" in piece:
            key, _, values = piece.partition("=")
            params.setdefault(key.strip().upper(), []).extend(
                v.strip().strip('"') for v in values.split(",")
            )
        elif piece:
            # vCard 2.1 writes bare types (TEL;CELL) and bare encodings (;QUOTED-PRINTABLE).
            upper = piece.upper()
            key = "ENCODING" if upper in ("QUOTED-PRINTABLE", "BASE64", "B", "8BIT") else "TYPE"
            params.setdefault(key, []).append(piece)
    return name, params


def unescape(value: str) -> str:
    """Undo vCard text escapes: \\n newline, \\, \\; \\: and \\\\."""
    if "\\" not in value:  # most values
        return value
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] in "nN" else m[1], value)


def split_unescaped(value: str, sep: str) -> list[str]:
    """Split on `sep` where it is not escaped, then unescape each part."""
    if "\\" not in value:  # nothing escaped (most values): the same parts
        return value.split(sep)
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == sep:
            parts.append(unescape("".join(current)))
            current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    parts.append(unescape("".join(current)))
    return parts


def iter_cards(path: Path, encoding: Encoding, label: str, data: bytes | None = None) -> Iterator[Parsed]:
    """Every card in a file, parsed; broken cards come out as errors with their line.
    `data` is the whole file when the caller has read it already (`read_small`)."""
    card: Card | None = None
    skipping = False  # inside a card already rejected
    decode_as = byte_encoding(encoding)
    for number, logical in _logical_lines(path, encoding, data):
        stripped = logical.strip()
        if not stripped:
            continue
        # Only a line of 11 or 9 bytes can be BEGIN:VCARD or END:VCARD.
        upper = stripped.upper() if len(stripped) in (11, 9) else b""
        if upper == b"BEGIN:VCARD":
            if card is not None and not skipping:
                yield Parsed(f"{label}{card.line}", error="broken card: BEGIN:VCARD without END:VCARD")
            card, skipping = Card(number), False
            continue
        if upper == b"END:VCARD":
            if card is None:
                yield Parsed(f"{label}{number}", error="broken card: END:VCARD without BEGIN:VCARD")
                continue
            if not skipping:
                yield card_to_contact(card, f"{label}{card.line}")
            card, skipping = None, False
            continue
        if card is None:
            continue
        if skipping:
            continue
        if b"\x00" in logical:
            prop_name = re.split(rb"[:;]", logical, maxsplit=1)[0].decode("ascii", "replace").strip()
            yield Parsed(f"{label}{card.line}", error=f"broken card: a NUL byte in {prop_name!r} "
                                                      f"on line {number} (damaged file?)")
            skipping = True  # the rest of this card is skipped up to its END
            continue
        prop = _parse_property(number, logical, encoding, decode_as)
        if prop is None and card.properties and _BASE64_LINE.fullmatch(stripped) and any(
                v.upper() in ("BASE64", "B") for v in card.properties[-1].param("ENCODING")):
            # vCard 2.1 from older phones and PC suites: a PHOTO's base64 goes on over
            # lines that do not start with a space. kontakt keeps no photos: skipped.
            continue
        if prop is None:
            yield Parsed(f"{label}{card.line}", error=f"broken card: line {number} is not a property")
            skipping = True  # the rest of this card is skipped up to its END
            continue
        card.properties.append(prop)
    if card is not None and not skipping:
        yield Parsed(f"{label}{card.line}", error="broken card: the file ends before END:VCARD")


_BASE64_LINE = re.compile(rb"[A-Za-z0-9+/]+=*")
_TEL_SCHEME = re.compile(r"^tel:", re.IGNORECASE)
_URN_UUID = re.compile(r"^urn:uuid:", re.IGNORECASE)
_DATE_TIME = re.compile(r"^\d{4}-?\d{2}-?\d{2}T")
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})")
_FULL_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def _birthday(prop: Property) -> Birthday | None:
    """BDAY in any of its forms; raises DateError for text or impossible dates."""
    raw = prop.value.strip()
    if any(v.lower() == "text" for v in prop.param("VALUE")):
        raise DateError(f"text birthday {raw!r}")
    omit_year = bool(prop.param("X-APPLE-OMIT-YEAR"))
    value = raw.split("T", 1)[0] if _DATE_TIME.match(raw) else raw
    if m := _NO_YEAR.fullmatch(value):
        return real_birthday(raw, int(m[1]), int(m[2]), None)
    if m := _FULL_DATE.fullmatch(value):
        year = int(m[1])
        if omit_year and str(year) == prop.param("X-APPLE-OMIT-YEAR")[0]:
            return real_birthday(raw, int(m[2]), int(m[3]), None)
        return real_birthday(raw, int(m[2]), int(m[3]), year)
    raise DateError(f"text birthday {raw!r}")


def _uid(value: str) -> str | None:
    return _URN_UUID.sub("", line(unescape(value))) or None


def card_to_group(card: Card, where: str, name: str) -> Parsed:
    """A group card (RFC 6350 KIND:group with MEMBER, or Apple's X-ADDRESSBOOKSERVER-KIND
    with X-ADDRESSBOOKSERVER-MEMBER): a circle, its members named by uid."""
    if not name:
        return Parsed(where, error="a group without a name (no FN or N)")
    members = [
        uid for p in card.all("MEMBER") + card.all("X-ADDRESSBOOKSERVER-MEMBER")
        if (uid := _uid(p.value))
    ]
    return Parsed(where, group=Group(name, list(dict.fromkeys(members))))


_TYPE_LABELS: dict[tuple[str, ...], str] = {}


def _type_label(prop: Property) -> str:
    """types_label of the property's TYPE values, worked out once per set of values."""
    types = prop.params.get("TYPE")
    if not types:
        return ""
    key = tuple(types)
    label = _TYPE_LABELS.get(key)
    if label is None:
        if len(_TYPE_LABELS) >= 1024:
            _TYPE_LABELS.clear()
        label = _TYPE_LABELS[key] = types_label(types)
    return label


def _address(prop: Property) -> Address:
    parts = [line(p) for p in split_unescaped(prop.value, ";")]
    parts = (parts + [""] * 7)[:6] + [", ".join(p for p in parts[6:] if p)]
    return Address(_type_label(prop), *parts)


def _email_values(props) -> list[tuple[Property, str, str]]:
    """(property, unescaped value, bare address or '') of each EMAIL property."""
    return [(p, v, email_address(v) or "") for p in props for v in (unescape(p.value),)]


def _tel_values(props) -> list[tuple[Property, str]]:
    """(property, the number as stored) of each TEL property."""
    return [(p, line(_TEL_SCHEME.sub("", unescape(p.value)))) for p in props]


def card_details(card: Card, emails: list[tuple[Property, str, str]] | None = None,
                 tels: list[tuple[Property, str]] | None = None) -> Details:
    """ADR, URL and the TYPE labels of TEL and EMAIL of a card (`emails` and `tels` as
    `_email_values` and `_tel_values` give them, when the caller has them already)."""
    labels = []
    index = card.by_name()
    if emails is None:
        emails = _email_values(index.get("EMAIL", ()))
    pairs = [(p, address) for p, _, address in emails]
    pairs += _tel_values(index.get("TEL", ())) if tels is None else tels
    for prop, value in pairs:
        if value and (label := _type_label(prop)):
            labels.append((value, label))
    return Details(
        addresses=tuple(a for p in index.get("ADR", ()) if not (a := _address(p)).empty),
        urls=tuple(u for p in index.get("URL", ()) if (u := line(p.value))),
        labels=tuple(labels),
    )


def card_to_contact(card: Card, where: str) -> Parsed:
    """The contact a card describes: FN (or N, or ORG), emails, phones, org, birthday...;
    a group card comes back as a Parsed with `group` set instead."""
    warnings: list[str] = []
    index = card.by_name()

    def first(name: str) -> Property | None:  # card.first without a method call
        found = index.get(name)
        return found[0] if found else None

    fn = first("FN")
    name = line(unescape(fn.value)) if fn else ""
    kind = first("KIND") or first("X-ADDRESSBOOKSERVER-KIND")
    if kind and line(kind.value).lower() == "group":
        if not name and (n := first("N")):
            name = line(split_unescaped(n.value, ";")[0])  # Apple puts the group's name in N too
        return card_to_group(card, where, name)
    n = first("N")
    if not name and n:
        parts = split_unescaped(n.value, ";") + [""] * 5
        family, given, additional, prefix, suffix = parts[:5]
        name = line(joined(prefix, given, additional, family, suffix).replace(",", " "))
    org = first("ORG")
    if not name and org:
        name = line(split_unescaped(org.value, ";")[0])  # a company's card
    if not name:
        return Parsed(where, error="no name (neither FN nor N)")
    contact = NewContact(name=name)
    emails = _email_values(index.get("EMAIL", ()))
    contact.emails = [address for _, _, address in emails if address]
    if any(is_exchange_address(value) for _, value, _ in emails):
        warnings.append("e-mail: an Exchange address (/o=…), not an e-mail address; not imported")
    tels = _tel_values(index.get("TEL", ()))
    contact.phones = [number for p, number in tels if p.value.strip()]
    if nick := first("NICKNAME"):
        contact.nickname = line(", ".join(split_unescaped(nick.value, ",")))
    if org:
        contact.org = line(split_unescaped(org.value, ";")[0])
    if title := first("TITLE") or first("ROLE"):
        contact.role = line(unescape(title.value))
    if adr := first("ADR"):
        parts = [line(p) for p in split_unescaped(adr.value, ";")] + [""] * 7
        place = [p for p in (parts[3], parts[4], parts[6]) if p]
        contact.location = ", ".join(place) or ", ".join(p for p in parts[:7] if p)
    if location := first("X-KONTAKT-LOCATION"):
        contact.location = line(unescape(location.value))
    contact.details = card_details(card, emails, tels)
    contact.tags = [
        tag for p in index.get("CATEGORIES", ()) for t in split_unescaped(p.value, ",")
        if (tag := line(t))
    ]
    notes = [text(unescape(p.value)) for p in index.get("NOTE", ()) if p.value.strip()]
    if bday := first("BDAY"):
        try:
            contact.birthday = _birthday(bday)
        except DateError as error:
            raw = text(unescape(bday.value))
            if str(error).startswith("text birthday"):
                notes.append(f"Birthday: {raw}")  # kept as text, never guessed
            else:
                warnings.append(f"birthday: {error}; imported without it")
    contact.notes = "\n\n".join(n for n in notes if n)
    if uid := first("UID"):
        contact.uid = _uid(uid.value)
    if met := first("X-KONTAKT-MET"):
        contact.met = text(unescape(met.value))
    if cadence := first("X-KONTAKT-CADENCE"):
        try:
            contact.cadence = Cadence.parse(unescape(cadence.value))
        except CadenceError as error:
            warnings.append(f"cadence: {error}; imported without it")
    if channel := first("X-KONTAKT-CHANNEL"):
        try:
            contact.channel = check_channel(unescape(channel.value))
        except ActivityError as error:
            warnings.append(f"channel: {error}; imported without it")
    if archived := first("X-KONTAKT-ARCHIVED"):
        contact.archived = archived.value.strip().lower() in ("true", "yes", "1")
    if created := first("X-KONTAKT-CREATED"):
        try:
            contact.created_at = datetime.fromisoformat(created.value.strip()).isoformat()
        except ValueError:
            pass
    return Parsed(where, contact=contact, warnings=warnings)


def utf8_once_unfolded(path: Path, data: bytes | None = None) -> bool:
    """True when every unfolded line is UTF-8: a fold inside a multi-byte character makes
    the raw bytes look like Windows-1252 to a byte-level check."""
    try:
        for _, logical in _logical_lines(path, Encoding("utf-8"), data):
            logical.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def vcf_files(directory: Path) -> list[Path]:
    """The .vcf files in a directory (khard, vdirsyncer), in name order (as sorting the
    paths orders them: they share the directory). scandir knows a file from its entry; a
    stat of each of 20k files and comparing Path objects took a tenth of their import."""
    with os.scandir(directory) as entries:
        names = [e.name for e in entries
                 if len(e.name) > 4 and e.name[-4:].lower() == ".vcf" and e.is_file()]
    return [directory / name for name in sorted(names)]
