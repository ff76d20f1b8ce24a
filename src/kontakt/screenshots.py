"""Regenerate screenshots/*.svg from the demo book at a fixed date: `python -m kontakt.screenshots`.

The same scenes back the SVG snapshot tests (tests/tui/test_snapshots.py), so what the
README shows is what the tests check.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .config import Config
from .services.demo import create_demo_book
from .store import Book

# The demo book is dated relative to this day, so every screenshot is the same each run.
FIXED_TODAY = date(2026, 11, 23)
# The contact whose detail pane shows a long timeline.
DETAIL_CONTACT = "Agnieszka Nowak"
# An open favour, an introduction waiting for news, a follow-up: a full prep card.
PREP_CONTACT = "Emre Şahin"


@dataclass(frozen=True)
class Scene:
    name: str
    size: tuple[int, int]
    run_before: Callable[..., Awaitable[None]]
    description: str


async def _main(pilot) -> None:
    await pilot.pause()


async def _narrow(pilot) -> None:
    await pilot.pause()


async def _detail(pilot) -> None:
    main = pilot.app.main_screen
    main.jump_to(main.book.find(DETAIL_CONTACT))
    await pilot.pause()


async def _card_tiny(pilot) -> None:
    """A 60-column terminal: Enter opened the card in the list's place."""
    main = pilot.app.main_screen
    main.jump_to(main.book.find(DETAIL_CONTACT))
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def _timeline_pick(pilot) -> None:
    """The detail pane focused (tab) with the third timeline entry picked (↓ ↓)."""
    main = pilot.app.main_screen
    main.jump_to(main.book.find(DETAIL_CONTACT))
    await pilot.pause()
    await pilot.press("tab", "down", "down")
    await pilot.pause()


async def _edit_entry(pilot) -> None:
    """The picked timeline entry open in its pre-filled edit form (e)."""
    await _timeline_pick(pilot)
    await pilot.press("e")
    await pilot.pause()


async def _search(pilot) -> None:
    await pilot.press("slash", *"mül")
    await pilot.pause(0.3)
    await pilot.pause()


async def _add_form_error(pilot) -> None:
    await pilot.press("a")
    await pilot.pause()
    form = pilot.app.screen
    for field, text in (("name", "Jürgen Müller"), ("org", "Müller & Söhne"),
                        ("emails", "jm@example.com"), ("circles", "breakfast"),
                        ("cadence", "every blue moon"), ("birthday", "31.02.1980")):
        form.query_one(f"#field-{field}").widget.value = text
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def _log_form(pilot) -> None:
    main = pilot.app.main_screen
    main.jump_to(main.book.find(DETAIL_CONTACT))
    await pilot.press("l")
    await pilot.pause()
    picker = pilot.app.screen.query_one("#picker-input")
    picker.focus()
    picker.value = "#peer"
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    pilot.app.screen.query_one("#field-note").widget.value = "Peer group: hot seat on pricing"
    await pilot.pause()


async def _settle(pilot) -> None:
    """Wait for background work (the duplicates hint, the stats figures) to land."""
    await pilot.app.workers.wait_for_complete()
    _steady_cursors(pilot.app)
    await pilot.pause()


def _steady_cursors(app) -> None:
    """Stop every text cursor blinking: a picture taken mid-blink on a loaded machine would
    differ from the stored one by a cursor cell (seen under pytest-xdist)."""
    from textual.widgets import Input, TextArea

    for screen in app.screen_stack:
        for field in screen.query(Input) or ():
            field.cursor_blink = False
        for area in screen.query(TextArea) or ():
            area.cursor_blink = False


def settled(scene: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """`scene`, with background work finished before and after it: the same picture every run."""

    async def run(pilot) -> None:
        await _settle(pilot)
        await scene(pilot)
        await _settle(pilot)

    return run


async def _stats(pilot) -> None:
    await pilot.press("g")


async def _dupes(pilot) -> None:
    await pilot.press("D")
    await _settle(pilot)
    # Take the phone import's org and town over the hand-kept ones: two ● on the right.
    await pilot.press("down", "right", "down", "down", "right")


async def _prep(pilot) -> None:
    main = pilot.app.main_screen
    main.jump_to(main.book.find(PREP_CONTACT))
    await pilot.press("p")


async def _help(pilot) -> None:
    await pilot.press("question_mark")
    await pilot.pause()


async def _today(pilot) -> None:
    await pilot.press("t")
    await pilot.pause()
    await pilot.press("enter")  # the first one done: a tick, "1 of 5 done", the next person's card
    await pilot.pause()


async def _today_empty(pilot) -> None:
    from .services.review import build_review, skip_for_today

    app = pilot.app
    # Everything due today put off until tomorrow: the calm empty state.
    for item in build_review(app.book, app.today, app.config, limit=None).items:
        skip_for_today(app.book, item, app.today)
    await pilot.press("t")
    await pilot.pause()


SCENES = [
    Scene("main", (160, 45), settled(_main), "the main screen: circles, contacts, the highlighted person"),
    Scene("main-80x24", (80, 24), settled(_narrow), "the main screen in an 80×24 terminal"),
    Scene("main-60x20", (60, 20), settled(_narrow), "the main screen in a 60×20 terminal: the list alone"),
    Scene("card-60x20", (60, 20), settled(_card_tiny), "…where Enter opens the card in the list's place"),
    Scene("detail", (120, 40), settled(_detail), "a detail pane with a long timeline"),
    Scene("timeline-pick", (120, 40), settled(_timeline_pick), "the timeline focused, one entry picked: e edits it, d deletes it"),
    Scene("edit-entry", (100, 36), settled(_edit_entry), "a logged interaction open again in its form, to fix"),
    Scene("search", (120, 30), settled(_search), "search as you type: 'mül' finds Müller and Mülheim"),
    Scene("add-form", (100, 36), settled(_add_form_error), "the add form refusing a cadence and a date"),
    Scene("log-form", (100, 36), settled(_log_form), "logging a group meeting with a whole circle"),
    Scene("help", (100, 45), settled(_help), "the help overlay with every key"),
    Scene("today", (120, 36), settled(_today), "the Today review: one key per person, their card beside"),
    Scene("today-80x24", (80, 24), settled(_today), "the Today review in an 80×24 terminal"),
    Scene("today-empty", (80, 24), settled(_today_empty), "the Today review with nothing due"),
    Scene("stats", (160, 45), settled(_stats), "how the network is doing: rhythm, circles, drift, balance"),
    Scene("stats-80x24", (80, 24), settled(_stats), "the stats screen in an 80×24 terminal"),
    Scene("dupes", (100, 30), settled(_dupes), "Jürgen twice: choosing field by field before a merge"),
    Scene("prep", (100, 36), settled(_prep), "the prep card in the minute before meeting Emre"),
]


def demo_app(directory: Path, today: date = FIXED_TODAY):
    """A KontaktApp on a fresh demo book in `directory`, with the default config."""
    from .tui.app import KontaktApp

    book: Book = create_demo_book(directory / "demo.db", today)
    return KontaktApp(book, today=today, config=Config())


async def render_scene(scene: Scene, directory: Path, out: Path) -> Path:
    with tempfile.TemporaryDirectory() as scratch:
        app = demo_app(Path(scratch))
        async with app.run_test(size=scene.size) as pilot:
            await scene.run_before(pilot)
            await pilot.pause()
            filename = f"{scene.name}.svg"
            app.save_screenshot(filename, str(out))
        app.book.close()
    return out / filename


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"), help="where the SVGs go")
    parser.add_argument("scenes", nargs="*", help="only these scenes (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for scene in SCENES:
        if args.scenes and scene.name not in args.scenes:
            continue
        path = asyncio.run(render_scene(scene, args.out, args.out))
        print(f"{path}  ({scene.description})")


if __name__ == "__main__":
    main()
