"""Structured card fields people sync with their phones: postal addresses, URLs, and the
labels (work, home, mobile…) on phones and e-mail addresses.

Kept in one JSON column (`contacts.details`) so the contacts table grows by one column;
this module reads and writes that JSON and the short text forms the CLI accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .text import clean_line

# ADR's seven components in vCard order (RFC 6350 6.3.1).
ADR_PARTS = ("pobox", "extended", "street", "locality", "region", "postcode", "country")
# What `--address` takes after an optional label, separated by ';'.
ADDRESS_INPUT = ("street", "locality", "region", "postcode", "country")

# "work: +49 30 1234" → ("work", "+49 30 1234"). A colon followed by a space, so that
# "https://…", "tel:+49…" and "mailto:…" stay values.
_LABELLED = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_-]{0,19}):\s+(\S.*)$", re.S)


# One JSON string as json.dumps(..., ensure_ascii=False) writes it (the C encoder's own).
_json = json.encoder.encode_basestring


def _line(value: object) -> str:
    return clean_line(str(value or "")).strip()


def split_label(text: str) -> tuple[str, str]:
    """("work", "+49 30 1234") for "work: +49 30 1234"; ("", text) when there is no label."""
    if m := _LABELLED.match(text or ""):
        return m[1].lower(), m[2].strip()
    return "", (text or "").strip()


@dataclass(frozen=True)
class Address:
    """One postal address; every part may be empty."""

    label: str = ""
    pobox: str = ""
    extended: str = ""
    street: str = ""
    locality: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""

    @classmethod
    def parse(cls, text: str) -> Address:
        """'[label:] street; city; region; postcode; country' (trailing parts optional).
        Raises ValueError for an address with nothing in it."""
        label, rest = split_label(text)
        parts = [_line(p) for p in rest.split(";")]
        if len(parts) > len(ADDRESS_INPUT):
            raise ValueError(
                f"an address has at most {len(ADDRESS_INPUT)} parts "
                f"({'; '.join(ADDRESS_INPUT)}), not {len(parts)}: {text!r}"
            )
        address = cls(label=label, **dict(zip(ADDRESS_INPUT, parts)))
        if address.empty:
            raise ValueError(f"an empty address: {text!r}")
        return address

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Address:
        return cls(label=_line(data.get("label")).lower(),
                   **{part: _line(data.get(part)) for part in ADR_PARTS})

    def to_json(self) -> dict[str, str]:
        # Spelled out (ADR_PARTS' order): an import of 100k addresses calls this twice each.
        return {"label": self.label, "pobox": self.pobox, "extended": self.extended,
                "street": self.street, "locality": self.locality, "region": self.region,
                "postcode": self.postcode, "country": self.country}

    @property
    def parts(self) -> tuple[str, ...]:
        """The seven ADR components in vCard order."""
        return (self.pobox, self.extended, self.street, self.locality, self.region,
                self.postcode, self.country)

    @property
    def empty(self) -> bool:
        return not any(self.parts)

    def one_line(self) -> str:
        """'Hauptstr. 1, 10115 Berlin, Germany' — for cards and lists."""
        town = " ".join(p for p in (self.postcode, self.locality) if p)
        pieces = (self.pobox, self.extended, self.street, town, self.region, self.country)
        return ", ".join(p for p in pieces if p)


@dataclass(frozen=True)
class Details:
    """Addresses, URLs and labels of one contact, as stored in `contacts.details`."""

    addresses: tuple[Address, ...] = ()
    urls: tuple[str, ...] = ()
    # value → label for phones and e-mails ("+49 30 1234" → "work"), in the order given.
    labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def loads(cls, text: str | None) -> Details:
        """The stored JSON ('{}' or NULL when nothing is set)."""
        if not text or text == "{}":
            return EMPTY
        data = json.loads(text)
        return cls(
            addresses=tuple(Address.from_json(a) for a in data.get("addresses", ())),
            urls=tuple(data.get("urls", ())),
            labels=tuple((str(k), str(v)) for k, v in data.get("labels", {}).items()),
        )

    def dumps(self) -> str:
        """The stored JSON: what `json.dumps(self.as_json(), ensure_ascii=False,
        sort_keys=True)` writes, put together from its strings (a quarter of the time; an
        import writes one for each of 100k people)."""
        try:
            return self._dumps()
        except TypeError:  # a value that is not text (a URL read from a hand-edited book)
            return json.dumps(self.as_json(), ensure_ascii=False, sort_keys=True)

    def _dumps(self) -> str:
        pieces = []
        if self.addresses:
            pieces.append('"addresses": [' + ", ".join([
                f'{{"country": {_json(a.country)}, "extended": {_json(a.extended)}, '
                f'"label": {_json(a.label)}, "locality": {_json(a.locality)}, '
                f'"pobox": {_json(a.pobox)}, "postcode": {_json(a.postcode)}, '
                f'"region": {_json(a.region)}, "street": {_json(a.street)}}}'
                for a in self.addresses]) + "]")
        if self.labels:
            labels = dict(self.labels)
            pieces.append('"labels": {' + ", ".join(
                [f"{_json(value)}: {_json(labels[value])}" for value in sorted(labels)]) + "}")
        if self.urls:
            pieces.append('"urls": [' + ", ".join(map(_json, self.urls)) + "]")
        return "{" + ", ".join(pieces) + "}"

    def as_json(self) -> dict[str, object]:
        """The JSON object `dumps` writes, keys left out when empty."""
        data: dict[str, object] = {}
        if self.addresses:
            data["addresses"] = [a.to_json() for a in self.addresses]
        if self.urls:
            data["urls"] = list(self.urls)
        if self.labels:
            data["labels"] = dict(self.labels)
        return data


EMPTY = Details()


# What `_line` would change in one of the parts joined by U+E000: a control character, or
# whitespace at either end of a part.
_NOT_STORED_FORM = re.compile(r"[\x00-\x1f\x7f-\x9f]|(?:^|\ue000)\s|\s(?:\ue000|$)")


def _in_stored_form(address: Address) -> bool:
    """True when `Address.from_json(address.to_json())` would give `address` back: most
    addresses an import made, checked with one search instead of eight cleanings."""
    label = address.label
    try:
        whole = "\ue000".join((label, address.pobox, address.extended, address.street,
                                address.locality, address.region, address.postcode,
                                address.country))
    except TypeError:  # a part that is not text yet
        return False
    return label == label.lower() and _NOT_STORED_FORM.search(whole) is None


def clean_addresses(addresses: Iterable[Address]) -> tuple[Address, ...]:
    """Non-empty addresses, each once, in order."""
    seen, out = set(), []
    for address in addresses:
        if not _in_stored_form(address):
            address = Address.from_json(address.to_json())
        if not address.empty and address not in seen:
            seen.add(address)
            out.append(address)
    return tuple(out)


def clean_urls(urls: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(u for u in (_line(u) for u in urls) if u))


def clean_labels(labels: Mapping[str, str] | Iterable[tuple[str, str]],
                 values: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """Labels of the values that exist (a label of a removed phone goes with it)."""
    pairs = labels.items() if isinstance(labels, Mapping) else labels
    wanted = {v: cleaned.lower() for v, label in pairs if (cleaned := _line(label))}
    return tuple((v, wanted[v]) for v in values if v in wanted)


def labelled(texts: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """CLI values with optional 'label: ' prefixes → (values, {value: label})."""
    values, labels = [], {}
    for text in texts:
        label, value = split_label(text)
        values.append(value)
        if label:
            labels[value] = label
    return values, labels


# vCard TYPE values that say how, not which (pref, voice, internet…): never a label.
_NOT_LABELS = {"pref", "voice", "internet", "x400", "text", "msg", "uri"}
# The label people say → the TYPE vCard clients know (RFC 6350 6.4.1).
_TEL_TYPES = {"mobile": "cell", "handy": "cell"}
_LABEL_OF_TYPE = {"cell": "mobile"}


def label_types(label: str, kind: str) -> list[str]:
    """The TYPE values for a label on a TEL ('mobile' → ['cell']), EMAIL or ADR."""
    if not label:
        return []
    if kind == "TEL":
        return [_TEL_TYPES.get(label, label)]
    return [label]


def types_label(types: Iterable[str]) -> str:
    """The label a card's TYPE values give ('CELL,VOICE' → 'mobile'); '' when none says which.
    A fax is labelled 'fax' whatever else it says ('WORK,FAX' was 'work': someone would
    call it)."""
    pieces = [piece.strip().strip('"').lower() for value in types for piece in value.split(",")]
    if "fax" in pieces:
        return "fax"
    for piece in pieces:
        if piece and piece not in _NOT_LABELS and re.fullmatch(r"[a-z0-9_-]{1,20}", piece):
            return _LABEL_OF_TYPE.get(piece, piece)
    return ""


# CSV cells (kontakt's own CSV): addresses one per line in the `--address` form, URLs and
# labels joined like the other lists, a label written as 'label: value' as on the CLI.
def to_cells(details_json: str | None, separator: str = "; ") -> tuple[str, str, str]:
    """(addresses, urls, labels) cells of a stored details column."""
    if not details_json or details_json == "{}":
        return "", "", ""
    details = Details.loads(details_json)
    addresses = "\n".join(
        (f"{a.label}: " if a.label else "")
        + "; ".join((a.street, a.locality, a.region, a.postcode, a.country)).rstrip("; ")
        for a in details.addresses
    )
    labels = separator.join(f"{label}: {value}" for value, label in details.labels)
    return addresses, separator.join(details.urls), labels


def from_cells(addresses: str, urls: str, labels: str, separator: str = "; ") -> Details:
    """The details of kontakt CSV cells; raises ValueError for an unreadable address."""
    found = [Address.parse(text) for text in addresses.splitlines() if text.strip()]
    pairs = []
    for text in labels.split(separator) if labels.strip() else ():
        label, value = split_label(text)
        if label and value:
            pairs.append((value, label))
    return Details(
        addresses=tuple(found),
        urls=tuple(u.strip() for u in urls.split(separator) if u.strip()),
        labels=tuple(pairs),
    )
