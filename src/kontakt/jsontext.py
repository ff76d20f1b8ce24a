"""The JSON `list` and `search` print: a contact's public shape and the streamed array.

Without click or rich, so `kontakt search --json`'s quick path (kontakt.quick) prints from
the same code as the command line does (cli/render.py re-exports these).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from .domain.text import escape_json

# A stored JSON list as the book holds it. Not strict: the sqlite3 tool or another program
# may store a raw tab or newline inside a value, which SQLite's JSON accepts and a strict
# decoder refused (every read of that person failed). One shared decoder: json.loads with
# an argument builds a new one per call, 2.5x slower.
loads_stored = json.JSONDecoder(strict=False).decode

# typing costs ~1.5 ms at start-up; the quick paths (kontakt.quick) import this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .domain import Balance, Contact


def contact_json(contact: Contact, balance: Balance) -> dict[str, Any]:
    """The public JSON shape of a contact in `list`/`search` (a contract: extend, never rename)."""
    return {
        "id": contact.id,
        "uid": contact.uid,
        "name": contact.name,
        "nickname": contact.nickname,
        "emails": list(contact.emails),
        "phones": list(contact.phones),
        "org": contact.org,
        "role": contact.role,
        "location": contact.location,
        "met": contact.met,
        "tags": list(contact.tags),
        "birthday": contact.birthday.iso() if contact.birthday else None,
        "cadence": str(contact.cadence) if contact.cadence else None,
        "effective_cadence": str(contact.effective_cadence) if contact.effective_cadence else None,
        "let_drift": contact.drift_cadence is not None,
        "last_contact": contact.last_contact.isoformat() if contact.last_contact else None,
        "next_due": contact.next_due.isoformat() if contact.next_due else None,
        "balance": balance.net,
        "gave": balance.gave,
        "received": balance.received,
        "archived": contact.archived,
        "created_at": contact.created_at.isoformat() if contact.created_at else None,
        "updated_at": contact.updated_at.isoformat() if contact.updated_at else None,
        "channel": contact.channel,
        # Structured fields (since sync): labels of phones and e-mails by value.
        "addresses": [a.to_json() for a in contact.addresses],
        "urls": list(contact.urls),
        "phone_labels": {p: contact.label_of(p) for p in contact.phones if contact.label_of(p)},
        "email_labels": {e: contact.label_of(e) for e in contact.emails if contact.label_of(e)},
    }


def json_array_text(items: Iterable[Any]) -> Iterator[str]:
    """The text of `json.dumps(list(items), ensure_ascii=False, indent=2)` plus a newline,
    made safe for a terminal (`escape_json`), in blocks of about 32k characters (the first
    element's block at once, so a reader sees output start): memory stays flat at any
    length."""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
    parts: list[str] = []
    buffered = 0
    first = True
    for item in items:
        try:
            text = _indented(item, "\n  ")
        except _Unusual:
            # An element of an indented array is the element indented once more; a raw
            # newline in JSON text lies between tokens, never inside a string.
            text = encoder.encode(item).replace("\n", "\n  ")
        text = ("[\n  " if first else ",\n  ") + text
        parts.append(text)
        buffered += len(text)
        if first or buffered >= 32768:
            yield escape_json("".join(parts))
            parts, buffered = [], 0
        first = False
    parts.append("[]\n" if first else "\n]\n")
    yield escape_json("".join(parts))


class _Unusual(Exception):
    """A value `_indented` leaves to the json module (a subclass, a key that is not a
    string, nesting deep enough to be a cycle)."""


_string = json.encoder.encode_basestring  # the json module's own (C) string encoder
_INFINITY = float("inf")


def _indented(value: Any, newline: str) -> str:
    """`value` as `json.dumps(value, ensure_ascii=False, indent=2)` writes it, at the depth
    whose line breaks are `newline` ("\\n" and the indent): the same text, built without
    the json module's pure-Python indenting encoder, which took most of a search's output
    time (2.4 of 3 ms for 124 people). Raises _Unusual for what it does not handle."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if value != value:
            return "NaN"
        if value == _INFINITY:
            return "Infinity"
        if value == -_INFINITY:
            return "-Infinity"
        return float.__repr__(value)
    if len(newline) > 200:
        raise _Unusual  # 100 levels deep: most likely a cycle, which json reports
    inner = newline + "  "
    if kind is dict:
        if not value:
            return "{}"
        parts = []
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            parts.append(_string(key) + ": " + _indented(item, inner))
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join([_indented(item, inner) for item in value]) + newline + "]"
    raise _Unusual
