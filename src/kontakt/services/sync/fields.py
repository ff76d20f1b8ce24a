"""The fields a vCard sync owns, as plain JSON-able values read from a book contact or
from a card, compared per field, and the card properties each field is written to."""

from __future__ import annotations

from typing import Any

from ...domain import Birthday, Cadence, Contact, fold
from ...domain.cards import Address, clean_addresses, clean_urls
from ...store.bulk import NewContact
from ...store.values import _clean_emails, _clean_phones, _clean_tags, _line, _text

Fields = dict[str, Any]

# Order matters only for reports: what a person reads first.
SYNCED = (
    "name", "nickname", "emails", "phones", "org", "role", "addresses", "location", "urls",
    "birthday", "tags", "notes", "met", "cadence", "archived", "channel",
)
# The card properties each field is written to (a rewrite replaces exactly these lines).
PROPERTIES = {
    "name": ("FN", "N"),
    "nickname": ("NICKNAME",),
    "emails": ("EMAIL",),
    "phones": ("TEL",),
    "org": ("ORG",),
    "role": ("TITLE",),
    "addresses": ("ADR", "X-KONTAKT-LOCATION"),
    "location": ("ADR", "X-KONTAKT-LOCATION"),
    "urls": ("URL",),
    "birthday": ("BDAY",),
    "tags": ("CATEGORIES",),
    "notes": ("NOTE",),
    "met": ("X-KONTAKT-MET",),
    "cadence": ("X-KONTAKT-CADENCE",),
    "archived": ("X-KONTAKT-ARCHIVED",),
    "channel": ("X-KONTAKT-CHANNEL",),
}


def _pairs(values: list[str], labels: dict[str, str]) -> list[list[str]]:
    return [[v, labels.get(v, "")] for v in values]


def of_contact(contact: Contact) -> Fields:
    """The synced fields of a contact in the book."""
    labels = dict(contact.labels)
    return {
        "name": contact.name,
        "nickname": contact.nickname,
        "emails": _pairs(list(contact.emails), labels),
        "phones": _pairs(list(contact.phones), labels),
        "org": contact.org,
        "role": contact.role,
        "addresses": [a.to_json() for a in contact.addresses],
        "location": contact.location,
        "urls": list(contact.urls),
        "birthday": contact.birthday.iso() if contact.birthday else None,
        "tags": list(contact.tags),
        "notes": contact.notes,
        "met": contact.met,
        "cadence": str(contact.cadence) if contact.cadence else None,
        "archived": contact.archived,
        "channel": contact.channel,
    }


def of_card(card: NewContact) -> Fields:
    """The synced fields of a parsed card, cleaned as the book would store them."""
    labels = dict(card.details.labels)
    return {
        "name": _line(card.name),
        "nickname": _line(card.nickname),
        "emails": _pairs(_clean_emails(card.emails), labels),
        "phones": _pairs(_clean_phones(card.phones), labels),
        "org": _line(card.org),
        "role": _line(card.role),
        "addresses": [a.to_json() for a in clean_addresses(card.details.addresses)],
        "location": _line(card.location),
        "urls": list(clean_urls(card.details.urls)),
        "birthday": card.birthday.iso() if card.birthday else None,
        "tags": _clean_tags(card.tags),
        "notes": _text(card.notes),
        "met": _text(card.met),
        "cadence": str(card.cadence) if card.cadence else None,
        "archived": bool(card.archived),
        "channel": card.channel,
    }


def key(field: str, value: Any) -> Any:
    """What two values of a field are compared by: circles and e-mails ignore case."""
    if field == "tags":
        return [fold(t) for t in value or []]
    if field == "emails":
        return [[v.casefold(), label] for v, label in value or []]
    return value


def same(field: str, a: Any, b: Any) -> bool:
    return key(field, a) == key(field, b)


def empty(value: Any) -> bool:
    return value in (None, "", [], False)


def _birthday(iso: str) -> Birthday:
    if iso.startswith("--"):
        return Birthday(int(iso[2:4]), int(iso[5:7]))
    return Birthday(int(iso[5:7]), int(iso[8:10]), int(iso[:4]), kept=True)


def to_changes(fields: Fields, names: list[str] | set[str]) -> dict[str, Any]:
    """`update_contact` keywords that set these fields (labels always whole)."""
    changes: dict[str, Any] = {}
    for name in names:
        value = fields[name]
        if name in ("emails", "phones"):
            changes[name] = [v for v, _ in value]
        elif name == "addresses":
            changes[name] = [Address.from_json(a) for a in value]
        elif name == "birthday":
            changes[name] = _birthday(value) if value else None
        elif name == "cadence":
            changes[name] = Cadence.parse(value) if value else None
        else:
            changes[name] = value
    if {"emails", "phones"} & set(names):
        changes["labels"] = {v: label for v, label in fields["emails"] + fields["phones"] if label}
    return changes


def as_contact(fields: Fields, uid: str, base: Contact | None = None) -> Contact:
    """A Contact carrying these fields (for writing a card)."""
    labels = tuple((v, label) for v, label in fields["emails"] + fields["phones"] if label)
    changes = to_changes(fields, [f for f in SYNCED if f not in ("emails", "phones")])
    changes.pop("labels", None)
    return Contact(
        id=base.id if base else 0, uid=uid,
        emails=tuple(v for v, _ in fields["emails"]), phones=tuple(v for v, _ in fields["phones"]),
        labels=labels,
        **{k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()},
        created_at=base.created_at if base else None, updated_at=base.updated_at if base else None,
    )


def shown(field: str, value: Any) -> str:
    """A field's value as one line for a conflict list."""
    if field in ("emails", "phones"):
        return ", ".join(f"{v} ({label})" if label else v for v, label in value) or "—"
    if field == "addresses":
        return " | ".join(Address.from_json(a).one_line() for a in value) or "—"
    if isinstance(value, list):
        return ", ".join(value) or "—"
    if value in (None, ""):
        return "—"
    return str(value)
