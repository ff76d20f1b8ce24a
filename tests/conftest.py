"""Every test runs with its own data, config and cache dirs: never the user's real book."""

from __future__ import annotations

import os
from datetime import datetime

import pytest
from hypothesis import settings

# On CI the property tests use fixed examples, so a red run is reproducible, not flaky;
# locally they explore new examples each run (and remember failures). HYPOTHESIS_PROFILE=long
# explores far more (minutes), for a local hunt before a release.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("long", max_examples=1000, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif os.environ.get("CI"):
    settings.load_profile("ci")

# KONTAKT_TEST_SHIFT=2028-02-29 runs the session with the wall clock moved to that day (time
# running on), so a test that reads the real clock behind kontakt.clock's back shows up.
# tests/test_any_date.py runs the `dated` tests this way on every run of the suite.
SHIFT_ENV = "KONTAKT_TEST_SHIFT"
if os.environ.get(SHIFT_ENV):
    import time_machine

    _shift = time_machine.travel(
        datetime.fromisoformat(os.environ[SHIFT_ENV] + "T10:30").astimezone(), tick=True
    )
    _shift.start()


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker more than there are cores. A fifth of the suite's time is spent
    waiting (the Pilot's idle waits, real processes, the app's refresh ticks), and a third
    worker on a 2-core CI machine fills it: 7 min 19 s there became 5 min 45 s."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):  # xdist's own override still wins
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    for variable, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                          ("XDG_CACHE_HOME", "cache")):
        (home / sub).mkdir()
        monkeypatch.setenv(variable, str(home / sub))
    monkeypatch.setenv("HOME", str(home))
    for variable in ("KONTAKT_DB", "KONTAKT_TODAY", "KONTAKT_NOW", "KONTAKT_CONFIG", "NO_COLOR",
                     "KONTAKT_DEBUG", "KONTAKT_PASSPHRASE", "KONTAKT_NEW_PASSPHRASE"):
        monkeypatch.delenv(variable, raising=False)
    # The same date order on every machine: an Outlook CSV's 4/3/1980 reads by the locale's
    # territory (domain.dates.locale_day_first) when the file does not say; C names none.
    monkeypatch.setenv("LC_TIME", "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    # Never the user's real OS keyring (kontakt encrypt --remember): keyring finds no backend.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return home
