"""The one place kontakt reads the wall clock, so scripts and tests can set it.

`KONTAKT_NOW` (an ISO date-time) fixes the moment. `KONTAKT_TODAY` (an ISO date) fixes the
day and keeps the time of day running, so everything stamped "now" (a trash entry, a
creation time, a backup) falls on the day the review believes is today.
"""

from __future__ import annotations

import os
from datetime import date, datetime


class ClockError(ValueError):
    """KONTAKT_NOW or KONTAKT_TODAY holds something that is not a date; one line for the user."""


def now() -> datetime:
    """The current moment, time-zone aware, in local time (or as the environment fixes it)."""
    fixed = os.environ.get("KONTAKT_NOW")
    if fixed:
        try:
            moment = datetime.fromisoformat(fixed)
        except ValueError:
            raise ClockError(
                f"KONTAKT_NOW must be an ISO date-time like 2026-11-23T09:30, not {fixed!r}"
            ) from None
        return moment if moment.tzinfo else moment.astimezone()
    wall = datetime.now().astimezone()
    day = _fixed_day()
    if day is None:
        return wall
    return datetime.combine(day, wall.timetz())


def today() -> date:
    """Today's date (or as the environment fixes it)."""
    if os.environ.get("KONTAKT_NOW"):
        return now().date()
    day = _fixed_day()
    return day if day is not None else date.today()


def _fixed_day() -> date | None:
    fixed = os.environ.get("KONTAKT_TODAY")
    if not fixed:
        return None
    try:
        return date.fromisoformat(fixed)
    except ValueError:
        raise ClockError(f"KONTAKT_TODAY must be an ISO date like 2026-11-23, not {fixed!r}") from None
