"""The Today screen (t): the few people worth a message today, one key per item.

The review, its rules and its writes come from services.review; this screen shows the list
with the highlighted person's context card beside it and sends each key back as one service
call (one transaction). Items acted on stay in the list, ticked, so `z` can bring them back.
"""

from __future__ import annotations

from ...store.driver import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...config import Config
from ...domain import CHANNELS, INTERACTION_KINDS, CadenceError, DateError, channel_prompt, fold, parse_date
from ...domain.cadence import parse_duration
from ...domain.dates import human, relative
from ...services import review
from ...services.prep import prep_card
from ...services.review import Review, ReviewItem, Undo
from ...services.stats import accept_suggested_cadence, suggestion_for
from ...store import Book, NotFound, records
from ..commands import first_key, key_display, undoes
from ..live import BookChanged
from ..widgets.footer import Footer
from ..widgets.review_card import context_card, item_reason, item_title
from ..widgets.shown import shown, visible
from .dialogs import ConfirmScreen, HelpScreen, today_help
from .forms import Checker, LogForm
from .ledger_dialogs import outcome_screen, settle_screen
from .main import TINY_WIDTH
from .prep import PrepScreen

# A quick note is the common reply to a review item; ← → changes it for the rest of the list.
DEFAULT_INTERACTION = "message"
# Kinds whose `done` logs an interaction (the others note or keep something); a follow-up
# is completed and logged.
LOGS_AN_INTERACTION = ("keep-in-touch", "birthday", "thank", "follow-up")
# Kinds that exist because of a cadence: only these can be let drift (on a suggested
# cadence, r is "no schedule for them": they are not asked again).
CADENCE_KINDS = ("keep-in-touch", "drifting", "cadence")
# Kinds `x` settles: the favour a thank is about, or the introduction's answer.
SETTLE_KINDS = ("thank", "intro-check")
MUTED = "$text-muted"
KEY = "bold $accent"

# (binding id, key, action, footer label, shown in footer, help text)
KEYS = [
    ("today.done", "enter,space", "done", "Done", True, "done: log it, complete it, or keep them"),
    ("today.kind_prev", "left", "kind(-1)", "Kind", False, "the kind of interaction done logs"),
    ("today.kind_next", "right", "kind(1)", "Kind", False, ""),
    ("today.snooze", "s", "snooze", "Tomorrow", False, "snooze until tomorrow"),
    ("today.snooze_until", "S", "snooze_until", "Snooze…", False, "snooze for 3 days, a week, or to a typed date"),
    ("today.skip", "k", "skip", "Skip", False, "skip for today (back tomorrow if still due)"),
    ("today.drift", "r", "let_drift", "Let drift", False, "let them drift: out of every cadence, a circle's too, until brought back (b in stats; asks first)"),
    ("today.accept", "a", "accept_cadence", "Cadence", False, "accept the cadence their history suggests"),
    ("today.settle", "x", "settle", "Settle…", False, "settle the favour (returned, let go) or answer the introduction"),
    ("today.open", "o", "open", "Open", False, "open the contact on the main screen"),
    ("today.prep", "p", "prep", "Prep", False, "prep card: everything to know about them"),
    ("today.undo", "z", "undo", "Undo", True, "undo the last action on this screen"),
    ("today.more", "m", "more", "More", True, "more: the next items past the day's budget"),
    ("today.up", "up", "move(-1)", "Up", False, "move between the items"),
    ("today.down", "down", "move(1)", "Down", False, ""),
    ("today.help", "question_mark", "help", "Keys", True, "these keys"),
    ("today.back", "escape,q,t", "back", "Back", True, "back to the contacts"),
]

# Shown as one row in the help: (first binding id → its partner).
PAIRED = {"today.kind_prev": "today.kind_next", "today.up": "today.down"}


def logged(kind: str) -> str:
    """'logged a call', 'logged an email'; 'logged it' for the kind called other."""
    if kind == "other":
        return "logged it"
    return f"logged {'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def help_rows(app, keymap: dict[str, str]) -> list[tuple[str, str]]:
    """(keys as currently mapped, what they do) for the help overlays; a pair of keys that
    go two ways (← →, ↑ ↓) shares one row."""
    shown = {}
    for binding_id, key, _, _, _, _ in KEYS:
        shown[binding_id] = key_display(app, keymap.get(binding_id, key))
    rows = []
    for binding_id, _, _, _, _, description in KEYS:
        if binding_id in PAIRED.values():
            continue
        keys = shown[binding_id]
        if binding_id in PAIRED:
            keys = f"{keys} {shown[PAIRED[binding_id]]}"
        rows.append((keys, description))
    return rows


def something_due(book: Book, today: date, config: Config) -> bool:
    """True when the review for `today` has at least one item within the day's budget
    (for open_today_first)."""
    if review.day_budget(book, today, config).used_up:
        return False
    return bool(review.build_review(book, today, config, limit=1).items)


# The kinds of item that, once gone from their person's items, were dealt with (logged,
# done, snoozed, settled) rather than outranked: an offer (drifting, cadence) or a circle's
# prompt is not looked up one person at a time.
SETTLED_ELSEWHERE = frozenset({"follow-up", "keep-in-touch", "birthday", "thank", "intro-check"})


@dataclass
class Entry:
    """One item of the list and what was done with it (None: still to do)."""

    item: ReviewItem
    outcome: str | None = None
    kind: str | None = None  # the interaction kind chosen with ← → for this item


@dataclass
class Step:
    """One action on this screen: the engine's token and the rows it ticked off."""

    token: Undo
    rows: list[int] = field(default_factory=list)  # the acted-on row first
    app_step: object | None = None  # the same step on the app's undo stack, if any


class ItemRow(Vertical):
    """One review item: mark, name and kind; the reason below, indented."""

    def __init__(self, index: int) -> None:
        super().__init__(classes="today-item")
        self.index = index

    def compose(self) -> ComposeResult:
        yield Static(classes="today-item-title")
        yield Static(classes="today-item-reason")

    def show(self, entry: Entry, today: date) -> None:
        self.query_one(".today-item-title", Static).update(item_title(entry.item, today, entry.outcome))
        reason = self.query_one(".today-item-reason", Static)
        reason.update(item_reason(entry.item))
        reason.display = entry.outcome is None
        self.set_class(entry.outcome is not None, "-handled")

    def on_click(self, event: events.Click) -> None:
        self.screen.highlight(self.index)  # type: ignore[attr-defined]


class ItemList(VerticalScroll, can_focus=False):
    """The rows; the screen moves the highlight (arrows here would scroll sideways)."""


class CardPane(VerticalScroll, can_focus=False):
    """The highlighted person's context card, wrapped to the pane's width."""

    def on_resize(self) -> None:
        self.screen.refresh_card()  # type: ignore[attr-defined]


class TodayScreen(Screen[bool]):
    """The daily review; dismissed with True when something was written."""

    BINDINGS = [
        Binding(key, action, label, show=show, id=binding_id)
        for binding_id, key, action, label, show, _ in KEYS
    ]

    # Where the main screen has no room for a card beside the list, the two share the width.
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (TINY_WIDTH, "-narrow"), (110, "-wide")]

    def __init__(self, book: Book, today: date, config: Config) -> None:
        super().__init__()
        self._card_waited = False
        self.book = book
        self.today = today
        self.config = config
        self.interaction_kind = DEFAULT_INTERACTION
        self.changed = False
        self._load()

    def _load(self) -> None:
        """Read the day's budget and the review within it (the budget is kept in the book,
        so what was handled in another shell or an earlier visit counts)."""
        self.budget = review.day_budget(self.book, self.today, self.config)
        # Handled before this screen showed its list: they count as done in "N of M".
        self.handled_before = self.budget.done
        self.showing_more = False
        left = self.budget.left
        if left:
            self.review: Review = review.build_review(self.book, self.today, self.config, limit=left)
        else:
            self.review = Review(items=[])
        self.entries = [Entry(item) for item in self.review.items]
        self.current: int | None = 0 if self.entries else None
        self.history: list[Step] = []
        self.rest_due = bool(self.entries) or self._more_items(1) != []

    def _more_items(self, limit: int) -> list[ReviewItem]:
        """Items due beyond those listed (past the budget), at most `limit`."""
        listed = {(entry.item.kind, entry.item.ref_id) for entry in getattr(self, "entries", [])}
        found = review.build_review(self.book, self.today, self.config, limit=limit + len(listed)).items
        return [item for item in found if (item.kind, item.ref_id) not in listed][:limit]

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="app-header"):
            yield Static(Content.styled(f"Today · {self.today:%A} {human(self.today)}", "bold $accent"),
                         id="header-left")
            yield Static(id="today-progress")
        if not self.entries:
            with Center(id="today-empty"):
                with Vertical(classes="today-empty-card"):
                    yield from self._empty_lines()
            yield Footer()
            return
        with Horizontal(id="today-body"):
            with Vertical(id="today-list-column"):
                with ItemList(id="today-items"):
                    for index in range(len(self.entries)):
                        yield ItemRow(index)
                yield Static(id="today-more")
            with CardPane(id="today-card"):
                yield Static(id="today-card-body")
        yield Static(id="today-keys")
        yield Footer()

    def _empty_lines(self) -> ComposeResult:
        """The empty list: nothing due, a day off, a pause, or the day's budget used."""
        budget = self.budget
        more = Content.assemble((self._key("today.more"), KEY), " shows the rest   ") if self.rest_due else ""
        back = Content.assemble(more, ("Esc", KEY), " back to the contacts")
        if budget.paused_until or budget.cap == 0 or (budget.used_up and self.rest_due):
            text = review.budget_line(budget, None)
            yield Static(Content.styled(text[:1].upper() + text[1:] + ".", "bold"), id="today-nothing")
            if budget.paused_until:
                line = "Nothing piles up meanwhile; resume from the palette (ctrl+p) to start again."
            elif budget.cap == 0:
                line = "No review on this weekday (review.daily_cap_weekdays)."
            else:
                line = "Enjoy the rest of your day."
            yield Static(line, classes="today-message")
            yield Static(back, classes="today-message")
            return
        yield Static(Content.styled("Nothing due — enjoy your day.", "bold"), id="today-nothing")
        yield Static("Nobody is waiting for a message from you today.", classes="today-message")
        yield Static(back, classes="today-message")

    def on_mount(self) -> None:
        if self.review.items:
            try:
                # Drifting items come back in a week, not tomorrow: they were shown now.
                review.record_offers(self.book, self.review, self.today)
            except sqlite3.Error:  # a busy or read-only book: the offer is asked again, no harm
                pass
        self.refresh_all()

    def _more_line(self) -> str:
        if self.showing_more:
            return ""
        more = self.review.more
        return f"and {more} more — later" if more else ""

    def refresh_all(self) -> None:
        self._show_progress()
        if not self.entries:
            return
        for row in self.query(ItemRow):
            row.show(self.entries[row.index], self.today)
            row.set_class(row.index == self.current, "-current")
        self.query_one("#today-more", Static).update(Content.styled(self._more_line(), MUTED))
        self._show_keys()
        self._show_card()
        if self.current is not None:
            self.query_one("#today-items").scroll_to_widget(self._row(self.current), animate=False)

    def _row(self, index: int) -> ItemRow:
        return next(row for row in self.query(ItemRow) if row.index == index)

    def _done_today(self) -> int:
        """Items handled today, from the book (this screen, the CLI, other windows)."""
        try:
            return review.day_budget(self.book, self.today, self.config).done
        except sqlite3.Error:  # briefly unreadable: count what this screen knows
            return self.handled_before + sum(e.outcome is not None for e in self.entries)

    def _show_progress(self) -> None:
        done = self._done_today()
        total = max(done, self.handled_before + len(self.entries))
        pending = any(entry.outcome is None for entry in self.entries)
        if self.budget.paused_until and not self.showing_more:
            text = f"paused until {self.budget.paused_until:%a} {human(self.budget.paused_until)}"
        elif total:
            text = f"{done} of {total} done"
            if not pending:
                text += " — that's it for today"
        else:
            text = ""
        self.query_one("#today-progress", Static).update(Content.styled(text, MUTED))
        self.refresh_bindings()

    def _show_keys(self) -> None:
        """What each key does to the highlighted item: `enter` depends on its kind."""
        entry = self.current_entry
        if entry is None:
            line = Content.assemble(
                ("All done.", "bold"), " Enjoy your day.   ", ("z", KEY), " undo   ",
                *([(self._key("today.more"), KEY), " more   "] if self.rest_due else []),
                ("Esc", KEY), " back"
            )
            self.query_one("#today-keys", Static).update(line)
            return
        item = entry.item
        key = self._key
        if item.kind in LOGS_AN_INTERACTION:
            kinds = f"{key('today.kind_prev')} {key('today.kind_next')}"
            what = {"follow-up": "mark the follow-up done, log as ",
                    "thank": "log the thank-you as "}.get(item.kind, "log as ")
            if item.kind == "keep-in-touch" and item.channel:
                what = f"{channel_prompt(item.channel, visible(item.name).split()[0])}: log as "
            done: list = [what, (f"‹{self.kind_for(entry)}›", "bold"), "  ", (kinds, KEY), " other kind"]
        elif item.kind == "intro-check":
            done = ["did it work? worked, fizzled or don't know"]
        elif item.kind == "circle":
            done = ["log the meeting: its members ticked, one group interaction"]
        elif item.kind == "cadence":
            done = [f"keep in touch {item.cadence}"]
        elif item.kind == "give-back":
            done = ["noted — I'll do something for them (quiet for a month)"]
        else:  # drifting
            done = [f"keep them at {item.cadence}" if item.cadence else "keep them"]
        pairs = [("today.snooze", "tomorrow"), ("today.snooze_until", "later…"), ("today.skip", "skip")]
        if item.kind in CADENCE_KINDS:
            pairs.append(("today.drift", "let drift"))
        suggestion = self._suggestion(item)
        if suggestion is not None:
            pairs.append(("today.accept", suggestion.suggested_label))
        if item.kind == "thank":
            pairs.append(("today.settle", "settle…"))
        pairs += [("today.open", "open"), ("today.prep", "prep"), ("today.undo", "undo")]
        second: list = []
        for binding_id, label in pairs:
            second += [(key(binding_id), KEY), f" {label}   "]
        line = Content.assemble((key("today.done"), KEY), " ", *done, "\n", *second)
        self.query_one("#today-keys", Static).update(line.rstrip())

    def _key(self, binding_id: str) -> str:
        """The first key of a binding as the config maps it, as the footer writes it."""
        return first_key(self.app, binding_id, next(key for bid, key, *_ in KEYS if bid == binding_id))

    def _show_card(self) -> None:
        body = self.query_one("#today-card-body", Static)
        entry = self.current_entry
        if entry is None:
            body.update(Content.styled("That's everything for today.", MUTED))
            return
        region = self.query_one("#today-card", CardPane).scrollable_content_region
        if not region.width and not self._card_waited:
            # Not laid out yet: a card wrapped to a guessed width is wrapped again by the
            # pane, and continuation lines lose their indent. Wrap after the next refresh —
            # once: a screen under another one (the palette) has no width to wait for.
            self._card_waited = True
            self.call_after_refresh(self._show_card)
            return
        self._card_waited = False
        # One cell short of the pane: a scrollbar may take it when the card is long.
        width = (region.width or 41) - 1
        if entry.item.kind == "circle":
            body.update(circle_card(self.book, entry.item, self.today))
            return
        try:
            card = prep_card(self.book, entry.item.contact_id, self.today)
        except NotFound:
            body.update(Content.styled("No longer in the book.", MUTED))
            return
        body.update(context_card(card, self.today, width))

    def refresh_card(self) -> None:
        if self.entries:
            self._show_card()

    @on(BookChanged)
    def _book_changed(self) -> None:
        # Another shell wrote (or the app undid something): the card may be out of date, and
        # an item still to do here may have been dealt with there (`kontakt done`, a log, a
        # snooze). The rows stay where they are, so nothing moves under the user's finger.
        if not self._tick_off_handled_elsewhere():
            self.refresh_card()

    def _tick_off_handled_elsewhere(self) -> bool:
        """Tick off, in place, the items still to do here that are no longer due for their
        person (Enter on one logged a second interaction); True if any was."""
        due: dict[int, set[tuple[str, int]]] = {}
        ticked = False
        for entry in self.entries:
            item = entry.item
            if entry.outcome is not None or item.kind not in SETTLED_ELSEWHERE or not item.contact_id:
                continue
            if item.contact_id not in due:
                try:
                    found = review.items_for_contact(self.book, item.contact_id, self.today, self.config)
                except sqlite3.Error:  # briefly unreadable: the next change tells again
                    return False
                due[item.contact_id] = {(other.kind, other.ref_id) for other in found}
            if (item.kind, item.ref_id) not in due[item.contact_id]:
                entry.outcome = "handled elsewhere"
                ticked = True
        if ticked:
            if self.current is not None and self.entries[self.current].outcome is not None:
                self._advance(self.current)
            self.refresh_all()
        return ticked

    # ---------------------------------------------------------------- moving

    @property
    def current_entry(self) -> Entry | None:
        return None if self.current is None else self.entries[self.current]

    def highlight(self, index: int) -> None:
        if self.entries[index].outcome is None:
            self.current = index
            self.refresh_all()

    def action_move(self, delta: int) -> None:
        pending = [i for i, entry in enumerate(self.entries) if entry.outcome is None]
        if not pending or self.current is None:
            return
        later = [i for i in pending if (i - self.current) * delta > 0]
        if later:
            self.current = min(later, key=lambda i: abs(i - self.current))
            self.refresh_all()

    def _advance(self, after: int) -> None:
        """Highlight the next item still to do after `after`, wrapping round; None when all are done."""
        pending = [i for i, entry in enumerate(self.entries) if entry.outcome is None]
        following = [i for i in pending if i > after]
        self.current = (following or pending or [None])[0]

    def kind_for(self, entry: Entry) -> str:
        """What done logs for this item: the kind picked with ← → on it, else the kind of the
        person's preferred channel, else the list's kind (← → on an item without a channel)."""
        if entry.kind:
            return entry.kind
        if entry.item.channel:
            return CHANNELS[entry.item.channel]
        return self.interaction_kind

    def action_kind(self, delta: int) -> None:
        entry = self.current_entry
        current = self.kind_for(entry) if entry is not None else self.interaction_kind
        index = INTERACTION_KINDS.index(current)
        chosen = INTERACTION_KINDS[(index + delta) % len(INTERACTION_KINDS)]
        if entry is not None and entry.item.channel:
            entry.kind = chosen  # a channel is per person: the choice stays with this item
        else:
            self.interaction_kind = chosen
        self._show_keys()

    # ---------------------------------------------------------------- actions

    def _act(self, perform, outcome: str) -> None:
        """Run one service action on the highlighted item, tick it off, move on."""
        index = self.current
        if index is None:
            self.notify("Nothing left to do here. Esc goes back.", markup=False)
            return
        item = self.entries[index].item
        try:
            # One transaction, so one undo step: the action, and the same person's other rows
            # it settled counted against the day's budget with it.
            with self.book.write():
                token: Undo = perform(item)
                settled = self._settled_by(index)
                if settled:
                    token = review.also_handled(self.book, token, [self.entries[i].item for i in settled])
        except NotFound:  # another shell deleted them, or the follow-up, meanwhile
            self.entries[index].outcome = "no longer in the book"
            self._advance(index)
            self.refresh_all()
            return
        except sqlite3.Error as error:  # busy for longer than the timeout: nothing was written
            self.notify(f"Could not save: {error}. Try again.", severity="error", markup=False)
            return
        self.changed = True
        self.entries[index].outcome = outcome
        for i in settled:
            self.entries[i].outcome = "settled too"
        step = Step(token, [index] + settled)
        step.app_step = self._push_app_undo(token)
        self.history.append(step)  # quietly: the ticked row says what happened
        self._advance(index)
        self.refresh_all()

    def _settled_by(self, index: int) -> list[int]:
        """The same person's other rows that the action on `index` settled (logging a
        keep-in-touch also answers their drifting, letting drift ends both)."""
        contact_id = self.entries[index].item.contact_id
        others = [i for i, entry in enumerate(self.entries)
                  if i != index and entry.outcome is None and entry.item.contact_id == contact_id]
        if not others:
            return []
        still = {(it.kind, it.ref_id) for it in review.items_for_contact(self.book, contact_id, self.today, self.config)}
        return [i for i in others if (self.entries[i].item.kind, self.entries[i].item.ref_id) not in still]

    def _push_app_undo(self, token: Undo) -> object | None:
        """Put the step on the app's undo stack too, so `z` on the main screen can still
        take it back after leaving this screen."""
        push = getattr(self.app, "push_undo", None)
        if push is None:
            return None
        book = self.book
        # The app's undo history step's id (or, without a history, its UndoStep).
        return push(token.message, lambda: review.undo(book, token), contact_id=token.contact_id)

    def action_done(self) -> None:
        entry = self.current_entry
        if entry is None:
            self.notify("Nothing left to do here. Esc goes back.", markup=False)
            return
        kind = entry.item.kind
        if kind == "circle":
            self._log_circle(entry)
            return
        if kind == "intro-check":
            self._answer_introduction(entry)
            return
        interaction = self.kind_for(entry)
        if kind == "follow-up":
            outcome = f"done, {logged(interaction)}"
        elif kind == "thank":
            outcome = f"thanked, {logged(interaction)}"
        elif kind in LOGS_AN_INTERACTION:
            outcome = logged(interaction)
        elif kind == "give-back":
            outcome = "noted"
        else:
            outcome = f"keeping {entry.item.cadence}" if entry.item.cadence else "keeping them"
        self._act(lambda item: review.mark_done(self.book, item, self.today, interaction), outcome)
        if kind == "follow-up" and self.history and self.history[-1].token.next_follow_up_id:
            # A recurring follow-up: say when it comes back.
            step = self.history[-1]
            try:
                again = self.book.get_follow_up(step.token.next_follow_up_id).due
            except NotFound:
                return
            self.entries[step.rows[0]].outcome = f"done; next {human(again)}"
            self.refresh_all()

    def _log_circle(self, entry: Entry) -> None:
        """A circle's item: the group log with its overdue members ticked; saving logs one
        group interaction and ticks the item off (one transaction, one undo step)."""
        try:
            form = CircleLogForm(self.book, self.today, entry.item)
        except NotFound:
            self.notify("That circle's members are no longer in the book.", markup=False)
            return

        def saved(interaction_id: int | None) -> None:
            token = form.token
            if interaction_id is None or token is None or self.current_entry is not entry:
                return
            people = len(form.logged_people)
            self._act(lambda item: token, f"{logged(form.logged_kind)} with {people} people")

        self.app.push_screen(form, saved)

    def _suggestion(self, item: ReviewItem):
        """The cadence the highlighted person's history suggests (None for a circle item,
        or when their rhythm fits): what `a` accepts. Cached per person for this visit."""
        if item.kind in ("circle", "cadence"):  # a cadence item's Enter accepts it already
            return None
        cache = self.__dict__.setdefault("_suggestions", {})
        if item.contact_id not in cache:
            try:
                cache[item.contact_id] = suggestion_for(self.book, item.contact_id, self.today)
            except sqlite3.Error:
                return None
        return cache[item.contact_id]

    def action_accept_cadence(self) -> None:
        """Give the highlighted person the cadence their history suggests (z undoes); the
        item stays, so done, snooze or skip still apply to it."""
        entry = self.current_entry
        if entry is None:
            return
        suggestion = self._suggestion(entry.item)
        if suggestion is None:
            self.notify("No cadence to suggest: their rhythm fits, or there is too little history.",
                        markup=False)
            return
        try:
            accept_suggested_cadence(self.book, suggestion.contact_id, suggestion.suggested,
                                     today=self.today)
        except (NotFound, CadenceError, sqlite3.Error) as error:
            self.notify(f"Could not change the cadence: {error}", severity="error", markup=False)
            return
        self.changed = True
        self.__dict__.get("_suggestions", {}).pop(suggestion.contact_id, None)
        label = f"keep in touch with {suggestion.name} {suggestion.suggested_label}"
        # A step of this screen's own, so z here takes it back (through the book's history).
        step = Step(Undo("cadence", label, suggestion.contact_id, self.today), [self.current or 0])
        push_undo = getattr(self.app, "push_undo", None)
        if push_undo is not None:
            step.app_step = push_undo(label, contact_id=suggestion.contact_id)
        if isinstance(step.app_step, int):
            self.history.append(step)
        self.notify(f"{suggestion.name} is now {suggestion.suggested_label} · {undoes(self.app, 'today.undo')}", markup=False)
        self.refresh_all()

    def _answer_introduction(self, entry: Entry) -> None:
        """Ask whether the introduction worked (and a note), then answer it."""
        item = entry.item
        try:
            intro = records.get_introduction(self.book, item.introduction_id)
        except NotFound:
            intro = None
        name_a, name_b = (intro.name_a, intro.name_b) if intro else (item.name, "")

        def answered(choice: tuple[str, str] | None) -> None:
            if choice is None or self.current_entry is not entry:
                return
            result, note = choice
            word = "don't know" if result == "unknown" else result
            self._act(lambda it: review.mark_done(self.book, it, self.today, None, note=note,
                                                  result=result), word)

        self.app.push_screen(outcome_screen(name_a, name_b, intro.outcome if intro else ""), answered)

    def action_settle(self) -> None:
        """x: settle the favour a thank item is about, or answer an introduction."""
        entry = self.current_entry
        if entry is None:
            return
        item = entry.item
        if item.kind == "intro-check":
            self._answer_introduction(entry)
            return
        if item.kind not in SETTLE_KINDS or item.favour_id is None:
            self.notify("x settles a favour or answers an introduction; this item is neither.",
                        markup=False)
            return
        try:
            favour = records.get_favour(self.book, item.favour_id)
        except NotFound:
            self.notify("That favour is no longer in the book.", markup=False)
            return

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is None or self.current_entry is not entry:
                return
            status = choice[0]
            self._act(lambda it: review.settle_favour(self.book, it, status, self.today),
                      "still open" if status == "open" else status)

        self.app.push_screen(settle_screen(favour.description, favour.status), chosen)

    def action_snooze(self) -> None:
        self._snooze(self.today + timedelta(days=1))

    def _snooze(self, until: date) -> None:
        when = "tomorrow" if until == self.today + timedelta(days=1) else f"until {until:%a} {human(until)}"
        self._act(lambda item: review.snooze(self.book, item, until, as_of=self.today), f"snoozed {when}")

    def action_snooze_until(self) -> None:
        entry = self.current_entry
        if entry is None:
            return

        def chosen(until: date | None) -> None:
            if until is not None:
                self._snooze(until)

        self.app.push_screen(SnoozeScreen(entry.item.name, self.today), chosen)

    def action_skip(self) -> None:
        self._act(lambda item: review.skip_for_today(self.book, item, self.today), "skipped for today")

    def action_let_drift(self) -> None:
        entry = self.current_entry
        if entry is None:
            return
        item = entry.item
        if item.kind not in CADENCE_KINDS:
            what = "a whole circle" if item.kind == "circle" else "this item"
            self.notify(f"r lets one person drift out of their cadences, not {what}; s snoozes and k skips.",
                        markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes and self.current_entry is entry:
                self._act(lambda it: review.let_drift(self.book, it.contact_id, as_of=self.today, item=it),
                          "letting drift")

        cadence = f" ({item.cadence})" if item.cadence else ""
        question = Content.assemble("Let ", (visible(item.name), "bold"), " drift?")
        detail = (f"Takes them out of their cadence{cadence}, a circle's too, until you bring them "
                  f"back ({first_key(self.app, 'stats.bring_back', 'b')} in stats). {self._key('today.undo')} undoes.")
        self.app.push_screen(ConfirmScreen(question, detail, yes="let drift"), answered)

    def action_undo(self) -> None:
        """Take back the last action on this screen and highlight its item again."""
        if not self.history:
            self.notify("Nothing to undo on this screen.", markup=False)
            return
        step = self.history.pop()
        stack = getattr(self.app, "undo_stack", None)
        try:
            self._undo(step)
        except LookupError as error:  # gone meanwhile, or a newer change came first (another shell)
            self._drop_app_step(stack, step)
            self.notify(f"Cannot undo that any more: {error}", severity="warning", markup=False)
            return
        except sqlite3.Error as error:  # busy: keep the step so z can try again
            self.history.append(step)
            self.notify(f"Could not undo: {error}", severity="error", markup=False)
            return
        self._drop_app_step(stack, step)
        for index in step.rows:
            self.entries[index].outcome = None
        self.current = step.rows[0]
        self.notify(f"Undid: {step.token.message}", markup=False)
        self.refresh_all()

    def _undo(self, step: Step) -> None:
        """Through the book's undo history when the step is in it (exact, and z elsewhere
        will not find it again); else the review's own reversal."""
        undo_history_step = getattr(self.app, "undo_history_step", None)
        if isinstance(step.app_step, int) and undo_history_step is not None:
            undo_history_step(step.app_step)
        else:
            review.undo(self.book, step.token)

    @staticmethod
    def _drop_app_step(stack, step: Step) -> None:
        # The app's stack holds the same step: once undone here, z elsewhere must not redo it.
        if stack is not None and step.app_step is not None and stack.peek() is step.app_step:
            stack.pop()

    def action_open(self) -> None:
        entry = self.current_entry
        if entry is None:
            return
        try:
            contact = self.book.get_contact(entry.item.contact_id)
        except NotFound:
            self.notify(f"{entry.item.name} is no longer in the book.", markup=False)
            return
        main = self._leave()
        if main is not None:
            self._down_to(main)
            main.open_contact(contact)

    def _down_to(self, main) -> None:
        """The palette opens Today over other screens too (the stats): a contact opens on the
        main screen, so the screens between close as well, and the main screen re-reads
        what they may have changed."""
        closed = False
        while len(self.app.screen_stack) > 1 and self.app.screen is not main:
            self.app.pop_screen()
            closed = True
        if closed:
            main.after_change()

    def action_prep(self) -> None:
        entry = self.current_entry
        if entry is not None:
            self.app.push_screen(PrepScreen(self.book, entry.item.contact_id, self.today))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen([("On the Today screen", today_help(self.app, self.config.keymap))]))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "more":
            # Only once the listed items are all handled (or none were listed) and more is due.
            return self.rest_due and not any(e.outcome is None for e in self.entries)
        # With nothing listed only Esc and ? mean anything: hide the rest from the footer.
        if action not in ("back", "help") and not self.entries:
            return False
        return True

    async def action_more(self) -> None:
        """The next items past the day's budget (a daily_cap's worth), added to the list."""
        found = self._more_items(self.config.daily_cap)
        if not found:
            self.rest_due = False
            self.notify("Nothing more is due today.", markup=False)
            self.refresh_all()
            return
        self.showing_more = True
        start = len(self.entries)
        self.entries += [Entry(item) for item in found]
        self.current = start
        self.rest_due = bool(self._more_items(1))
        if start == 0:
            await self.recompose()
            self.refresh_all()
            return
        await self.query_one("#today-items", ItemList).mount_all(
            ItemRow(index) for index in range(start, len(self.entries))
        )
        self.refresh_all()

    def new_day(self) -> None:
        """The app stayed open past midnight (or the review was paused or resumed): the
        review, its budget and the header are read again (undo steps stay on the app's stack)."""
        self._load()
        self.call_later(self._recompose_for_new_day)

    async def _recompose_for_new_day(self) -> None:
        await self.recompose()
        self.refresh_all()

    def action_back(self) -> None:
        self._leave()

    def _leave(self):
        """Back to the main screen, which re-reads the book if anything was written here."""
        changed = self.changed
        self.dismiss(changed)
        main = getattr(self.app, "main_screen", None)
        if main is not None and changed:
            main.after_change()
        return main


def circle_card(book: Book, item: ReviewItem, today: date) -> Content:
    """A circle item's card: who the prompt stands for, with when each was last seen."""
    lines: list[Content] = [
        Content.styled(visible(item.name), "bold $accent"),
        Content.styled(f"{len(item.members)} members overdue · {item.cadence or ''}", MUTED),
        Content(""),
    ]
    for contact in sorted(book.get_contacts(item.members), key=lambda c: (fold(c.name), c.id)):
        lines.append(Content.assemble(
            "  ", visible(contact.name),
            (f"  {relative(contact.last_contact, today)}" if contact.last_contact else "  never", MUTED),
        ))
    lines += [Content(""), Content.styled(
        "Enter opens the group log with them ticked: untick who was not there.", MUTED)]
    return Content("\n").join(lines)


class CircleLogForm(LogForm):
    """The group log a circle's Today item opens: its overdue members ticked, kind meeting.
    Saving logs one group interaction and counts the item as done, in one transaction."""

    def __init__(self, book: Book, today: date, item: ReviewItem) -> None:
        people = book.get_contacts(item.members)
        if not people:
            raise NotFound(f"no members of {item.name} left")
        super().__init__(book, today, people)
        self.item = item
        self.title_text = f"Log the last meeting of {item.name}"
        self.token: Undo | None = None
        self.logged_people: list[int] = []
        self.logged_kind = "meeting"

    def save_to_book(self) -> int:
        checker = Checker()
        people = checker.check(self._read_people)
        on = checker.check(self._read_date)
        checker.done()
        self.logged_people, self.logged_kind = list(people), self.value("kind")
        self.token = review.circle_done(
            self.book, self.item, self.today, self.logged_kind, note=self.value("note"),
            members=tuple(people), on=on,
        )
        assert self.token.interaction_id is not None
        return self.token.interaction_id


class SnoozeScreen(ModalScreen[date | None]):
    """Snooze until when: in 3 days, next week, or a typed date or duration.

    The box has the focus from the start, so a date is typed straight away; ↑ ↓ pick one of
    the choices above it and Enter on an empty box takes the highlighted one.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("down", "move(1)", "Next", show=False),
    ]

    # (label, days from today) of the two choices above the box
    CHOICES = {"days": ("in 3 days", 3), "week": ("next week", 7)}
    VERB = "Snooze"

    def __init__(self, name: str, today: date) -> None:
        super().__init__()
        self.contact_name = name
        self.today = today
        self.choices = {key: today + timedelta(days=days) for key, (_, days) in self.CHOICES.items()}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog snooze"):
            yield Static(Content.assemble(f"{self.VERB} ", (visible(self.contact_name), "bold"), " until…"),
                         classes="dialog-question")
            yield OptionList(
                *(Option(Content.assemble(label, (f"  {self._day(key)}", MUTED)), id=key)
                  for key, (label, _) in self.CHOICES.items()),
                id="snooze-choices", compact=True, markup=False,
            )
            yield Input(placeholder="or a date: friday, 1.12.2026, in 2 weeks", id="snooze-date", compact=True)
            yield Static(id="snooze-error", classes="form-error")
            yield Static(
                Content.assemble(("Enter", KEY), " snooze   ", ("↑ ↓", KEY), " choose   ", ("Esc", KEY), " cancel"),
                classes="dialog-keys",
            )

    def _day(self, choice: str) -> str:
        day = self.choices[choice]
        return f"{day:%a} {human(day)}"

    def on_mount(self) -> None:
        self.query_one("#snooze-choices", OptionList).highlighted = 0
        self.query_one("#snooze-date", Input).focus()

    def action_move(self, delta: int) -> None:
        choices = self.query_one("#snooze-choices", OptionList)
        choices.highlighted = ((choices.highlighted or 0) + delta) % choices.option_count

    @on(OptionList.OptionSelected, "#snooze-choices")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option.id or "days"])

    @on(Input.Submitted, "#snooze-date")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            choices = self.query_one("#snooze-choices", OptionList)
            option = choices.get_option_at_index(choices.highlighted or 0)
            self.dismiss(self.choices[option.id or "days"])
            return
        error = self.query_one("#snooze-error", Static)
        try:
            day = parse_date(text, self.today)
        except DateError as problem:
            try:  # "3 days", "2 weeks": the same words as `kontakt snooze --for`
                day = parse_duration(text).after(self.today)
            except CadenceError:
                error.update(shown(str(problem)))  # quotes what was typed
                return
        if day <= self.today:
            error.update(Content(f"{human(day)} is not after today; pick a later day"))
            return
        self.dismiss(day)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PauseScreen(SnoozeScreen):
    """Pause the review until when: in a week, in two weeks, or a typed date."""

    CHOICES = {"days": ("in a week", 7), "week": ("in two weeks", 14)}
    VERB = "Pause"


def pause_review(app) -> None:
    """Ask until when, then pause the review (the palette's "Pause the daily review")."""
    def chosen(until: date | None) -> None:
        if until is None:
            return
        try:
            review.pause(app.book, app.today, until)
        except (ValueError, sqlite3.Error) as error:
            app.notify(f"Could not pause: {error}", severity="error", markup=False)
            return
        app.notify(f"Review paused until {until:%a} {human(until)}; resume it from the palette.",
                   markup=False)
        _reload_today(app)

    app.push_screen(PauseScreen("the review", app.today), chosen)


def resume_review(app) -> None:
    """End a pause today (the palette's "Resume the daily review")."""
    try:
        message = review.resume(app.book, app.today)
    except sqlite3.Error as error:
        app.notify(f"Could not resume: {error}", severity="error", markup=False)
        return
    app.notify((message or "the review is not paused").capitalize() + ".", markup=False)
    _reload_today(app)


def _reload_today(app) -> None:
    for screen in app.screen_stack:
        if isinstance(screen, TodayScreen):
            screen.new_day()


__all__ = ["PauseScreen", "SnoozeScreen", "TodayScreen", "help_rows", "pause_review",
           "resume_review", "something_due"]
