"""The domain: contacts, circles, interactions, favours, follow-ups and their rules.

Pure Python: no SQLite, no Textual, no clock (functions take `today`).

Names are loaded from their module on first use (PEP 562): `kontakt email` needs only
`domain.text`, and importing the package must not cost it every other module.
"""

from __future__ import annotations

# typing costs ~1.5 ms at start-up; the quick paths (kontakt.quick) import this module.
TYPE_CHECKING = False

from ..lazy import lazy_exports

# Each exported name, and the module of this package that defines it.
_WHERE = {
    "activity": (
        "FOLLOW_UP_STATUSES", "INTERACTION_KINDS", "CHANNELS", "REACHED_OUT", "ActivityError",
        "FollowUp", "Interaction", "channel_prompt", "check_channel", "check_interaction_kind",
        "check_reached_out",
    ),
    "cadence": ("Cadence", "CadenceError", "parse_duration"),
    "cards": ("Address", "Details"),
    "contacts": ("Circle", "Contact", "effective_cadence", "next_due"),
    "dates": ("Birthday", "DateError", "parse_date", "relative"),
    "ledger": (
        "DIRECTIONS", "FAVOUR_KINDS", "FAVOUR_STATUSES", "INTRO_RESULTS", "Balance", "Favour",
        "Introduction", "LedgerError", "balance",
    ),
    "text": ("clean", "clean_line", "fold"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

# Literal, so tools see what is exported (tests/unit/test_lazy_packages.py keeps it whole).
__all__ = [
    "ActivityError", "Address", "Balance", "Birthday", "CHANNELS", "Cadence", "CadenceError",
    "Circle", "Contact", "DIRECTIONS", "DateError", "Details", "FAVOUR_KINDS",
    "FAVOUR_STATUSES", "FOLLOW_UP_STATUSES", "Favour", "FollowUp", "INTERACTION_KINDS",
    "INTRO_RESULTS", "Interaction", "Introduction", "LedgerError", "REACHED_OUT", "balance",
    "channel_prompt", "check_channel", "check_interaction_kind", "check_reached_out", "clean",
    "clean_line", "effective_cadence", "fold", "next_due", "parse_date", "parse_duration",
    "relative",
]


__getattr__, __dir__ = lazy_exports(__name__, _MODULE_OF, globals())


if TYPE_CHECKING:  # what type checkers and editors see
    from .activity import (
        CHANNELS, FOLLOW_UP_STATUSES, INTERACTION_KINDS, REACHED_OUT, ActivityError, FollowUp,
        Interaction, channel_prompt, check_channel, check_interaction_kind, check_reached_out,
    )
    from .cadence import Cadence, CadenceError, parse_duration
    from .cards import Address, Details
    from .contacts import Circle, Contact, effective_cadence, next_due
    from .dates import Birthday, DateError, parse_date, relative
    from .ledger import (
        DIRECTIONS, FAVOUR_KINDS, FAVOUR_STATUSES, INTRO_RESULTS, Balance, Favour, Introduction,
        LedgerError, balance,
    )
    from .text import clean, clean_line, fold
