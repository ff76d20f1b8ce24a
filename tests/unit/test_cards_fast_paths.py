"""The shortcuts `Details.dumps` and `clean_addresses` take give exactly what the general
path gives: the JSON json.dumps writes, and the address `Address.from_json` makes, on awkward
text (controls, every kind of space at the ends, NBSP, U+2028, the U+E000 the check joins
with, quotes, backslashes, surrogates, non-ASCII and upper-case labels)."""

from __future__ import annotations

import json
import random

from kontakt.domain.cards import ADR_PARTS, Address, Details, _in_stored_form, clean_addresses

PIECES = ["", "a", "Hauptstr. 1; Hinterhaus", "[bold]x", " ", "  pad ", "\u00a0nb", "nb\u00a0",
          "\u2028", "x\u2028", "\u3000", "tab\t", "\nnl", "C1 \x85", "esc\x1b[31m", "\x7f",
          "\ue000", "a\ue000 b", "a \ue000b", '"quoted"', "back\\slash", "\ud800", "München",
          "家", "Église", "HOME", "Büro", "privé", "e\u0301"]


# What most imported addresses hold: nothing cleaning changes (but an upper-case label).
PLAIN = [p for p in PIECES if p == p.strip() and p.isprintable() and p != "\ue000"]


def _addresses(count: int, seed: int) -> list[Address]:
    rnd = random.Random(seed)
    return [Address(**{part: "".join(rnd.choice(PLAIN if n % 2 else PIECES)
                                     for _ in range(rnd.randint(0, 2)))
                       for part in ("label", *ADR_PARTS)}) for n in range(count)]


def test_the_stored_form_check_never_passes_an_address_cleaning_would_change():
    addresses = _addresses(4000, seed=7)
    passed = 0
    for address in addresses:
        cleaned = Address.from_json(address.to_json())
        if _in_stored_form(address):
            passed += 1
            assert cleaned == address, address
        else:
            # only what cleaning changes is sent the long way (U+E000 inside a part aside)
            assert cleaned != address or "\ue000" in address.label + "".join(address.parts), address
    assert 100 < passed < 3500  # both branches really ran
    assert clean_addresses(addresses) == tuple(dict.fromkeys(
        a for a in (Address.from_json(a.to_json()) for a in addresses) if not a.empty))


def test_dumps_writes_what_json_dumps_writes():
    rnd = random.Random(11)
    addresses = _addresses(1500, seed=3)
    checked = 0
    for n in range(1500):
        picked = tuple(rnd.sample(addresses, rnd.randint(0, 3)))
        values = [rnd.choice(PIECES) + str(rnd.randint(0, 3)) for _ in range(rnd.randint(0, 4))]
        details = Details(
            addresses=picked,
            urls=tuple(rnd.choice(PIECES) for _ in range(rnd.randint(0, 3))),
            # a value labelled twice: the last label wins, as dict() makes it
            labels=tuple((v, rnd.choice(PIECES)) for v in values + values[:1]),
        )
        expected = json.dumps(details.as_json(), ensure_ascii=False, sort_keys=True)
        assert details.dumps() == expected
        checked += bool(picked and details.labels and details.urls)
    assert checked > 100
    assert Details().dumps() == "{}"
    # not text (a hand-edited book): what json.dumps writes, not an error
    assert Details(urls=(5,)).dumps() == '{"urls": [5]}'
