"""The domain: contacts, circles, interactions, favours, follow-ups and their rules.

Pure Python: no SQLite, no Textual, no clock (functions take `today`).
"""

from .activity import (
    FOLLOW_UP_STATUSES,
    INTERACTION_KINDS,
    CHANNELS,
    REACHED_OUT,
    ActivityError,
    FollowUp,
    Interaction,
    channel_prompt,
    check_channel,
    check_interaction_kind,
    check_reached_out,
)
from .cadence import Cadence, CadenceError, parse_duration
from .cards import Address, Details
from .contacts import Circle, Contact, effective_cadence, next_due
from .dates import Birthday, DateError, parse_date, relative
from .ledger import (
    DIRECTIONS,
    FAVOUR_KINDS,
    FAVOUR_STATUSES,
    INTRO_RESULTS,
    Balance,
    Favour,
    Introduction,
    LedgerError,
    balance,
)
from .text import clean, clean_line, fold

__all__ = [
    "ActivityError", "Address", "Details", "Balance", "CHANNELS", "INTRO_RESULTS", "REACHED_OUT",
    "channel_prompt", "check_channel", "check_reached_out", "Birthday", "Cadence", "CadenceError",
    "Circle", "Contact",
    "DIRECTIONS", "DateError", "FAVOUR_KINDS", "FAVOUR_STATUSES", "FOLLOW_UP_STATUSES",
    "Favour", "FollowUp", "INTERACTION_KINDS", "Interaction", "Introduction", "LedgerError",
    "balance", "check_interaction_kind", "clean", "clean_line", "effective_cadence", "fold",
    "next_due", "parse_date", "parse_duration", "relative",
]
