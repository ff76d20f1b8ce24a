"""The balance of favours between you and one person (the ledger's rule is in ledger.py)."""

from __future__ import annotations

from dataclasses import dataclass

# An introduction weighs like a small favour given.
INTRODUCTION_WEIGHT = 1


@dataclass(frozen=True)
class Balance:
    """Weights given and received; `net` > 0 means you have given more."""

    gave: int = 0
    received: int = 0

    @property
    def net(self) -> int:
        return self.gave - self.received

    @property
    def sign(self) -> str:
        """A quiet one-character mark: '+' given more, '−' received more, '=' even."""
        if self.net > 0:
            return "+"
        if self.net < 0:
            return "−"
        return "="

    @property
    def mark(self) -> str:
        """The `±` column of the app's and the CLI's lists: `sign`, or nothing at all when no
        favour went either way (an empty cell, not '=', which means "even")."""
        return self.sign if self.gave or self.received else ""

    def __str__(self) -> str:
        return f"gave {self.gave} · received {self.received}"
