"""The real app, in a process of its own, driven headless: `python app_in_a_process.py BOOK`.

Opened the way the bare `kontakt --db BOOK` command opens it (the CLI builds the Book and the
app; only `App.run` is swapped for a headless `run_test`), so its live refresh and its
background workers (the duplicate count that opens the book again) run as they do all day.

Talks JSON lines: it prints events on stdout, and reads commands on stdin.
  printed  {"event": "ready", "pid": …, "contacts": N}   the main screen is up
           {"event": "count", "contacts": N, "t": …}     the header's count changed (t: monotonic)
           {"event": "added", "name": …}                 the app's own form saved a contact
           {"event": "list", "header": …, "count": N, "names": […], "opens": N}
                                                        what the list shows; Book.open calls so far
           {"event": "error", "message": …}
  commands {"cmd": "add", "name": …}    add a contact through the app's own form (a, type, Enter)
           {"cmd": "list"}              report the contact list as the app shows it
           {"cmd": "quit"}              press q; the process exits after the app has closed
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import threading
import time

# Textual captures prints while the app runs: talk through a copy of the original stdout.
OUT = os.fdopen(os.dup(1), "w", buffering=1)


def say(**event) -> None:
    OUT.write(json.dumps(event) + "\n")
    OUT.flush()


def header_count(app) -> int | None:
    from textual.widgets import Static

    text = app.main_screen.query_one("#header-left", Static).visual.plain
    found = re.search(r"(\d+) contacts", text)
    return int(found.group(1)) if found else None


async def drive(app) -> None:
    from textual.widgets import Input

    from kontakt.tui.screens.forms import ContactForm
    from kontakt.tui.screens.main import MainScreen
    from kontakt.tui.widgets.contact_list import ContactList
    from kontakt.tui.widgets.fields import FormField

    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line)
        loop.call_soon_threadsafe(commands.put_nowait, '{"cmd": "quit"}')

    async with app.run_test(headless=True, size=(100, 30)) as pilot:
        await pilot.pause()
        seen = header_count(app)
        say(event="ready", pid=os.getpid(), contacts=seen)
        threading.Thread(target=read_stdin, daemon=True).start()

        async def watch() -> None:
            nonlocal seen
            while True:
                await asyncio.sleep(0.05)
                now = header_count(app)
                if now != seen:
                    seen = now
                    say(event="count", contacts=now, t=time.monotonic())

        watcher = asyncio.create_task(watch())
        while True:
            command = json.loads(await commands.get())
            if command["cmd"] == "quit":
                break
            if command["cmd"] == "add":
                await pilot.press("a")
                await pilot.pause()
                if not isinstance(app.screen, ContactForm):
                    say(event="error", message=f"no form after a: {type(app.screen).__name__}")
                    continue
                field = app.screen.query_one("#field-name", FormField).widget
                field.focus()
                field.value = command["name"]
                await pilot.pause()
                await pilot.press("enter")
                for _ in range(100):
                    await pilot.pause(0.05)
                    if isinstance(app.screen, MainScreen):
                        break
                say(event="added", name=command["name"], screen=type(app.screen).__name__)
            elif command["cmd"] == "list":
                contacts = app.main_screen.query_one(ContactList)
                rows = [contacts.row(i) for i in range(contacts.count)]
                search = app.main_screen.query_one("#search", Input).value
                say(event="list", header=header_count(app), count=contacts.count, search=search,
                    names=[row[0].name for row in rows if row], opens=len(OPENS))
        watcher.cancel()
        await pilot.press("q")
        await pilot.pause()
    say(event="quit", return_code=app.return_code)


# Every Book.open in this process: the app's own, then the ones its background workers make
# (the duplicate count, the stats), which must not cost the app its locks on the book.
OPENS: list[str] = []


def count_opens() -> None:
    from kontakt.store import Book

    original = Book.open.__func__

    def counted(cls, *args, **kwargs):
        OPENS.append(threading.current_thread().name)
        return original(cls, *args, **kwargs)

    Book.open = classmethod(counted)


def main() -> None:
    from kontakt.tui.app import KontaktApp

    count_opens()

    def run_headless(self, *args, **kwargs) -> None:
        asyncio.run(drive(self))

    KontaktApp.run = run_headless
    from kontakt.cli import main as cli

    try:
        cli(["--db", sys.argv[1]], prog_name="kontakt", standalone_mode=False)
    except BaseException as error:  # say it on the wire, then fail loudly
        say(event="error", message=f"{type(error).__name__}: {error}")
        raise


if __name__ == "__main__":
    main()
