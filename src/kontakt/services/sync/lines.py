"""A card's content lines as they sit in the file, and the rewrite of the lines kontakt owns
that keeps what it does not: each line's group (`item1.`), its parameters (`type=pref`), the
labels phones hang on a group (`item1.X-ABLabel`), the parts of N and ORG kontakt does not
model, and every other line byte for byte, folds and line ends included.

A value kontakt still has keeps its line; a changed label changes only the TYPE value that
said the label; a value kontakt removed takes its group's other lines with it; a new value
gets a new line after the others of its property.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...domain.cards import label_types, types_label
from ...store.values import _clean_emails, _clean_phones, _line, same_phone
from ..importers.textfile import Encoding
from ..importers.vcard import (
    _address, _email_values, _parse_property, _tel_values, _type_label, unescape,
)

_UTF8 = Encoding("utf-8")
# Properties with one value per line, matched value by value.
LISTS = ("EMAIL", "TEL", "URL", "ADR")
# Properties kontakt reads from every line at once (the notes joined, every circle).
ALL_LINES = ("NOTE", "CATEGORIES")
# Parameters that say how the old value was written, wrong for a new one.
_VALUE_PARAMS = {"ENCODING", "CHARSET", "VALUE", "X-APPLE-OMIT-YEAR"}


@dataclass
class RawLine:
    """One logical line of a card file: `raw` the text as in the file (folds, line end),
    `text` unfolded."""

    raw: str
    text: str

    @property
    def name(self) -> str:
        return split(self.text)[1]

    @property
    def group(self) -> str:
        return split(self.text)[0]


def raw_lines(text: str) -> list[RawLine]:
    """The file's logical lines, each with its own bytes (as the importer unfolds them:
    a line starting with a space or tab continues the one before, and so does the line
    after a quoted-printable soft break)."""
    out: list[RawLine] = []
    soft = False
    for physical in text.splitlines(keepends=True):
        body = physical.rstrip("\r\n")
        if out and (soft or body[:1] in (" ", "\t")):
            out[-1].raw += physical
            out[-1].text += body if soft else body[1:]
        else:
            out.append(RawLine(physical, body))
        current = out[-1].text
        soft = current.endswith("=") and _quoted_printable(current)
        if soft:
            out[-1].text = current[:-1]
    for line in out:
        if not _whole(line.text):  # folded inside a character (text read with surrogateescape)
            line.text = line.text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return out


def _whole(text: str) -> bool:
    """True when the text holds no byte of a character cut in two (a fold inside it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def card_text(data: bytes) -> str:
    """A card file's text for `raw_lines`: a character folded in two stays as its bytes."""
    return data.decode("utf-8", "surrogateescape")


def _quoted_printable(text: str) -> bool:
    head = text.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head or "ENCODING=QP" in head


_PARAM_SPLIT = re.compile(r';(?=(?:[^"]*"[^"]*")*[^"]*$)')
_LIST_SPLIT = re.compile(r',(?=(?:[^"]*"[^"]*")*[^"]*$)')  # a parameter's values: commas outside quotes


def _colon(text: str) -> int:
    """Where the value starts: the first colon outside quotes (-1 for none)."""
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    return -1


def split(text: str) -> tuple[str, str, list[str], str]:
    """(group, NAME, parameter pieces as written, value as written) of an unfolded line."""
    index = _colon(text)
    head, value = (text, "") if index < 0 else (text[:index], text[index + 1:])
    pieces = _PARAM_SPLIT.split(head)
    # A byte order mark before BEGIN:VCARD is no part of the name (the line is BEGIN).
    group, _, name = pieces[0].strip().lstrip("\ufeff").rpartition(".")
    return group, name.upper(), pieces[1:], value


def join(group: str, name: str, params: list[str], value: str) -> str:
    return (f"{group}." if group else "") + ";".join([name, *params]) + ":" + value


def _key(piece: str) -> str:
    return piece.split("=", 1)[0].strip().upper() if "=" in piece else ""


def _is_type(piece: str) -> bool:
    # vCard 2.1 writes types bare (TEL;CELL); bare encodings are not types.
    key = _key(piece)
    if key:
        return key == "TYPE"
    return piece.strip().upper() not in ("", "QUOTED-PRINTABLE", "BASE64", "B", "8BIT")


def _says_label(value: str) -> bool:
    return bool(types_label([value]))


def relabel(params: list[str], label: str, kind: str) -> list[str]:
    """The parameters with the label changed to `label`: the TYPE value that said the old
    label replaced (or all removed for no label), every other value and parameter kept."""
    new = label_types(label, kind)
    out: list[str] = []
    placed = False
    for piece in params:
        if not _is_type(piece):
            out.append(piece)
            continue
        key, sep, values = piece.partition("=") if "=" in piece else ("", "", piece)
        # TYPE="cell,voice" is one quoted list: its values are inside the quotes, and so
        # are the kept ones after (a quote left behind breaks the line for every reader).
        quoted = len(values) > 1 and values[0] == values[-1] == '"' and '"' not in values[1:-1]
        kept = []
        for value in _LIST_SPLIT.split(values[1:-1] if quoted else values):
            if _says_label(value) and not (placed and new):
                # The first value that says a label says the label (types_label): replaced;
                # with no label, none may say one.
                kept += new
                placed = True
                continue
            kept.append(value)
        if kept:
            joined = ",".join(kept)
            out.append(f'{key}{sep}"{joined}"' if quoted else f"{key}{sep}{joined}")
    if new and not placed:
        out.append("TYPE=" + ",".join(new))
    return out


def _read(text: str):
    """The importer's property for one unfolded line (None when it is not one)."""
    return _parse_property(0, text.encode("utf-8"), _UTF8, "utf-8")


def _value_and_label(name: str, text: str) -> tuple[str, str, str] | None:
    """(the value as the book stores it, a looser key for the same value, the label) of
    one TEL, EMAIL, URL or ADR line; None when the book would not take it."""
    prop = _read(text)
    if prop is None:
        return None
    if name == "EMAIL":
        (_, _, address), = _email_values([prop])
        value = (_clean_emails([address]) or [""])[0]
        return (value, value.casefold(), _type_label(prop)) if value else None
    if name == "TEL":
        (_, number), = _tel_values([prop])
        value = (_clean_phones([number]) or [""])[0]
        return (value, same_phone(value), _type_label(prop)) if prop.value.strip() and value else None
    if name == "URL":
        value = _line(prop.value)
        return (value, value, "") if value else None
    address = _address(prop)
    if address.empty:
        return None
    parts = "\x00".join(_line(p) for p in address.parts)
    return parts, parts.casefold(), address.label


def rewrite(lines: list[RawLine], fresh: list[str], owned: set[str], newline: str, fold,
            dropped: set[str] = frozenset()) -> str:
    """The card text: `lines` (the file's, BEGIN and END included) with the properties in
    `owned` made to say what the `fresh` card's lines (unfolded) say, and REV from `fresh`;
    `fold(text, newline)` writes a new or changed line. Lines kontakt does not own whose
    text is in `dropped` go (carried here from another card before, and handed back)."""
    by_name: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        by_name.setdefault(line.name, []).append(index)
    fresh_by_name: dict[str, list[str]] = {}
    for text in fresh:
        fresh_by_name.setdefault(split(text)[1], []).append(text)
    replaced: dict[int, str | None] = {}   # line index → new unfolded text (None: removed)
    after: dict[int, list[str]] = {}       # new lines to put after a line index
    appended: list[str] = []               # new lines with no line of their name to follow
    dead: set[str] = set()                 # groups of removed values
    relabelled: set[str] = set()           # groups whose value got a new TYPE label

    for name in sorted(owned):
        old = by_name.get(name, [])
        new = fresh_by_name.get(name, [])
        if name in LISTS:
            added = _match_list(name, lines, old, new, replaced, dead, relabelled)
        else:
            if name == "N" and old and new:
                old_fn = next((unescape(split(lines[i].text)[3]) for i in by_name.get("FN", [])), "")
                new_fn = next((unescape(split(t)[3]) for t in fresh_by_name.get("FN", [])), "")
                new = [join("", "N", [], name_parts(split(lines[old[0]].text)[3], old_fn, new_fn))]
            added = _match_single(name, lines, old, new, replaced, dead)
        if added:
            if old:
                last = old[-1]
                while last + 1 < len(lines) and lines[last].group and lines[last + 1].group == lines[last].group:
                    last += 1  # after the last line's group: item1.TEL stays by its item1.X-ABLabel
                after.setdefault(last, []).extend(added)
            else:
                appended.extend(added)

    # A group lives on while a line kontakt owns is still in it (item1.EMAIL + item1.URL).
    dead -= {line.group for i, line in enumerate(lines)
             if line.group and line.name in owned and replaced.get(i, "") is not None}
    rev = fresh_by_name.get("REV", [])
    if rev:
        old_rev = by_name.get("REV", [])
        for i in old_rev:
            replaced[i] = None
        if old_rev:
            replaced[old_rev[0]] = rev[0]
        else:
            appended.append(rev[0])
    end = next((i for i in range(len(lines) - 1, -1, -1)
                if lines[i].text.strip().upper() == "END:VCARD"), len(lines))
    out: list[str] = []
    for index, line in enumerate(lines):
        if index == end:
            out += [fold(t, newline) for t in appended]
            appended = []
        if index in replaced:
            text = replaced[index]
            if text is not None:
                out.append(line.raw if text == line.text and _whole(line.raw) else fold(text, newline))
        elif line.group in dead or (line.group in relabelled and line.name == "X-ABLABEL"):
            pass  # a removed value's group, or the label a new TYPE replaced
        elif line.text in dropped and line.name not in owned:
            pass
        elif _whole(line.raw):
            out.append(line.raw)
        else:  # a fold inside a character: the same line, folded between characters
            out.append(fold(line.text, newline))
        out += [fold(t, newline) for t in after.get(index, [])]
    out += [fold(t, newline) for t in appended]
    return "".join(out)


def _ends(raw: str, newline: str) -> str:
    """A line's text with its line ends (the folds' too) made `newline`."""
    body = raw.replace("\r\n", "\n").replace("\r", "\n")
    return body.replace("\n", newline) if body.endswith("\n") else body.replace("\n", newline) + newline


# Lines every card has of its own: never carried from one card to another.
_OWN = {"BEGIN", "END", "VERSION", "UID", "REV", "PRODID", "X-KONTAKT-CREATED"}


def carry(source: list[RawLine], into: list[RawLine], owned: set[str]) -> list[RawLine]:
    """The lines of `source` (a card merged away) to put on `into` (the card kept): what
    kontakt does not model (PHOTO, X-SOCIALPROFILE, X-ABRELATEDNAMES with its label…) and the
    phones, e-mails, web and postal addresses with their groups and labels (the merge
    brought their values into the book; the rewrite keeps these lines for them, or drops
    the ones the kept card says already), but for lines `into` says already. Other lines
    kontakt owns (FN, N, ORG, NOTE…) stay behind with their groups: the book says those. A
    group whose name `into` uses is renamed to the next free itemN."""
    owned = owned - set(LISTS)
    owned_groups = {line.group for line in source if line.group and line.name in owned}
    have = {_ungrouped(line.text) for line in into}
    used = {line.group.upper() for line in into if line.group}
    numbers = [int(g[4:]) for g in used if g.startswith("ITEM") and g[4:].isdigit()]
    next_item = max(numbers, default=0) + 1
    renamed: dict[str, str] = {}
    out: list[RawLine] = []
    for line in source:
        name, group = line.name, line.group
        if name in _OWN or name in owned or not line.text.strip() or group in owned_groups:
            continue
        if _ungrouped(line.text) in have:
            continue
        if group and group.upper() in used:
            if group not in renamed:
                while f"ITEM{next_item}" in used:
                    next_item += 1
                renamed[group] = f"item{next_item}"
                used.add(f"ITEM{next_item}")
            new = renamed[group]
            out.append(RawLine(new + line.raw[len(group):], new + line.text[len(group):]))
            continue
        out.append(line)
    return out


def _ungrouped(text: str) -> str:
    group = split(text)[0]
    return text[len(group) + 1:] if group else text


def _match_list(name: str, lines: list[RawLine], old: list[int], new: list[str],
                replaced: dict[int, str | None], dead: set[str], relabelled: set[str]) -> list[str]:
    """Keep each old line whose value the book still has (relabelled when its label
    changed, its value respelled when only the spelling did); remove the others; return
    the lines of values the card did not have."""
    olds = [(i, _value_and_label(name, lines[i].text)) for i in old]
    used: set[int] = set()
    added: list[str] = []
    for text in new:
        value = _value_and_label(name, text)
        if value is None:
            continue
        match = next((i for i, v in olds if v and i not in used and v[0] == value[0]), None)
        if match is None:
            match = next((i for i, v in olds if v and i not in used and v[1] == value[1]), None)
        if match is None:
            added.append(text)
            continue
        used.add(match)
        group, line_name, params, written = split(lines[match].text)
        _, _, _, fresh_value = split(text)
        old_value = dict(olds)[match]
        if old_value[2] != value[2]:
            params = relabel(params, value[2], name)
            if group:
                relabelled.add(group)
        if old_value[0] != value[0]:
            written = fresh_value
        if old_value[0] != value[0] or old_value[2] != value[2]:
            params = [p for p in params if _key(p) not in _VALUE_PARAMS]
        replaced[match] = join(group, line_name, params, written)
    for i, v in olds:
        if i not in used:
            # Removed in kontakt (or never read by it: an empty TEL): an unreadable one stays.
            if v is None:
                continue
            replaced[i] = None
            if lines[i].group:
                dead.add(lines[i].group)
    return added


def _match_single(name: str, lines: list[RawLine], old: list[int], new: list[str],
                  replaced: dict[int, str | None], dead: set[str]) -> list[str]:
    """The first line of the property (the one kontakt reads) says the new value, its group
    and parameters kept; the other lines stay, but for NOTE and CATEGORIES, which kontakt
    reads whole. An emptied field removes its lines."""
    if not old:
        return new[:1]
    first, rest = old[0], old[1:]
    group, line_name, params, written = split(lines[first].text)
    if not new:
        tail = _tail(written, 1) if name == "ORG" else ""
        if tail:  # the department stays, the organisation's name goes
            replaced[first] = join(group, line_name, params, ";" + tail)
        else:
            for i in old:
                replaced[i] = None
                if lines[i].group:
                    dead.add(lines[i].group)
        return []
    _, _, _, value = split(new[0])
    if name == "ORG" and (tail := _tail(written, 1)):
        value = value + ";" + tail
    if name == "BDAY":
        params = []
    elif value != written:
        params = [p for p in params if _key(p) not in _VALUE_PARAMS]
    replaced[first] = join(group, line_name, params, value)
    if name in ALL_LINES:
        for i in rest:
            replaced[i] = None
    return []


def _components(value: str) -> list[str]:
    """A structured value split on the semicolons that are not escaped, escapes kept."""
    parts, current, escaped = [], "", False
    for char in value:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == ";":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _tail(value: str, start: int) -> str:
    """The components of a structured value from `start` on, as written; '' when all empty."""
    parts = _components(value)[start:]
    return ";".join(parts) if any(parts) else ""


def _strip(words: list[str], part: str, front: bool) -> tuple[list[str], bool]:
    """`words` without `part`'s words at the front (or back), and whether they were there;
    never all of them (a name is never only its title)."""
    piece = part.split()
    n = len(piece)
    if not n or len(words) <= n or (words[:n] if front else words[-n:]) != piece:
        return words, False
    return (words[n:] if front else words[:-n]), True


def name_parts(old_n: str, old_name: str, name: str) -> str:
    """N for the full name `name`, keeping what the old N says that the name still says: its
    prefix (Dr.) and suffix (PhD) while the name starts and ends with them, the given name
    while it comes first, the family name while it comes last, and the additional names
    (Salomea) while what stands between given and family name is what stood there in the old
    full name (S.). Otherwise the name is split as a new card splits it: the last word is the
    family name."""
    family, given, additional, prefix, suffix = [
        " ".join(unescape(p).split()) for p in (_components(old_n) + [""] * 5)[:5]]

    def core(full: str) -> tuple[list[str], bool, bool, bool]:
        words, has_prefix = _strip(full.split(), prefix, True)
        words, has_suffix = _strip(words, suffix, False)
        words, has_given = _strip(words, given, True)
        return words, has_prefix, has_suffix, has_given

    words, has_prefix, has_suffix, has_given = core(name)
    if not words:
        return ";".join(_escape(p) for p in (name, "", "", "", ""))
    if has_given:
        middle, has_family = _strip(words, family, False)
        new_family = family if has_family else words[-1]
        if not has_family:
            middle = words[:-1]
        old_middle, _, _, old_given = core(old_name)
        if old_given:
            old_middle = _strip(old_middle, family, False)[0]
        kept = additional if old_given and old_middle == middle else " ".join(middle)
        out = [new_family, given, kept]
    else:
        out = [words[-1], " ".join(words[:-1]), ""]
    out += [prefix if has_prefix else "", suffix if has_suffix else ""]
    return ";".join(_escape(p) for p in out)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
