"""The capture tests run in Europe/Berlin with today fixed (mail dates and event times turn
into local days), and restore the zone afterwards."""

from __future__ import annotations

import time

import pytest


@pytest.fixture(autouse=True)
def berlin_and_fixed_day(monkeypatch):
    from capture_helpers import set_clock

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    set_clock(monkeypatch)
    yield
    monkeypatch.undo()
    time.tzset()
