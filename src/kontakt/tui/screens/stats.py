"""The stats screen (g): rhythm, circles, drift, balance and introductions at a glance.

The figures come from services.stats; this screen only lays them out. The actions here:
accepting a suggested cadence (a / Enter on the drift or suggestions list) and bringing back
someone let drift (b / Enter on the let-drift list).
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from ...charts import columns, sparkline
from ...domain import CadenceError
from ...domain.dates import human, month_label, relative, span
from ...domain.text import counted
from ...services.review import Drifted, bring_back
from ...services.stats import (
    CadenceSuggestion, Drift, NetworkStats, accept_suggested_cadence, balance_sentences,
    network_stats,
)
from ...store import Book, NotFound
from ..background import in_background, stats_at
from ..commands import first_key
from ..live import BookChanged
from ..widgets.contact_list import fit
from ..widgets.footer import Footer
from ..widgets.shown import visible

# The drift list shows the most drifted first; the rest come up as these are accepted.
DRIFT_SHOWN = 30
MUTED = "$text-muted"


def _title(text: str, detail: str = "") -> Content:
    parts: list = [(text, "bold $accent")]
    if detail:
        parts.append((f"  {detail}", MUTED))
    return Content.assemble(*parts)


# ---------------------------------------------------------------------- sections as Content
# Every name, circle and outcome is user data: it goes in as plain text, never as markup,
# with its control characters shown (`visible`).


def rhythm_content(stats: NetworkStats) -> Content:
    rhythm = stats.rhythm
    lines = [_title("Rhythm", f"{counted(rhythm.total, 'interaction')} in 12 months")]
    lines.append(Content.assemble(
        "  ", (sparkline([w.count for w in rhythm.weeks]), "$primary"), ("  per week", MUTED)
    ))
    lines.append(Content(""))
    for row in columns([m.count for m in rhythm.months], height=4):
        lines.append(Content.assemble("  ", (row, "$primary")))
    # Three letters each ("Dec", never "De"); the month still running is the last column,
    # so its * goes after it without pushing any other label out of line.
    labels = " ".join(
        calendar.month_abbr[m.month.month][:3] + ("" if m.complete else "*") for m in rhythm.months
    )
    lines.append(Content.styled("  " + labels, MUTED))
    if rhythm.busiest and rhythm.quietest:
        lines.append(Content.assemble(
            "  busiest ", (month_label(rhythm.busiest.month), "bold"), f" ({rhythm.busiest.count})",
            ("  ·  ", MUTED), "quietest ", (month_label(rhythm.quietest.month), "bold"),
            f" ({rhythm.quietest.count})",
        ))
    if not rhythm.months[-1].complete:
        lines.append(Content.styled("  * so far this month", MUTED))
    return Content("\n").join(lines)


def circle_option(health, total: int) -> Content:
    share = health.in_touch_share
    # "3 of 5": of the members a cadence applies to (the line under the list says so).
    in_touch = f"{health.in_touch} of {health.with_cadence}" if share is not None else "no cadence"
    meeting = human(health.last_group_meeting) if health.last_group_meeting else "—"
    return Content.assemble(
        fit(visible(f"#{health.circle}"), 19), f"{health.members:>7}  ", fit(in_touch, 11, right=True),
        "  ", (fit(meeting, 12, right=True), MUTED), (f"{total:>6}", MUTED),
    )


CIRCLES_HEADER = Content.styled(
    fit("circle", 19) + f"{'members':>7}  {'in touch':>11}  {'last group':>12}{'12 mo':>6}", MUTED
)


def circle_rhythm_content(stats: NetworkStats, circle: str | None) -> Content:
    found = next((c for c in stats.rhythm.circles if c.circle == circle), None)
    if found is None:
        return Content("")
    parts: list = [
        "  ", (visible(f"#{found.circle}"), "bold"), (f" · {found.total} in 12 months, per week", MUTED),
        "\n  ", (sparkline(found.weeks), "$secondary"),
    ]
    health = next((h for h in stats.circles if h.circle == circle), None)
    if health is not None and health.with_cadence:
        # The in-touch column's denominator, named: not every member has a cadence.
        none = health.members - health.with_cadence
        parts.append((f"\n  in touch: {health.in_touch} of the {health.with_cadence} members "
                      f"with a cadence ({health.in_touch_share:.0%})"
                      + (f"; {none} of {health.members} have none" if none else ""), MUTED))
    return Content.assemble(*parts)


def drift_option(d: Drift) -> Content:
    return Content.assemble(
        fit(visible(d.name), 20), " ", (fit(str(d.cadence), 13), MUTED), (" → ", MUTED),
        (fit(d.suggested_label, 14), "bold $accent"), (f"  every {span(d.rhythm_days)}", MUTED),
    )


def drift_detail(d: Drift | None, as_of: date) -> Content:
    if d is None:
        return Content("")
    cadence = str(d.cadence) + ("" if d.own_cadence else " (from a circle)")
    gaps = ", ".join(str(g) for g in d.gaps)
    return Content.assemble(
        (visible(d.name), "bold"), f": {cadence}, but seen about every {span(d.rhythm_days)} ",
        (f"(gaps {gaps} d)", MUTED), f"; last {relative(d.last_contact, as_of)}. ",
        ("a", "bold $accent"), " makes it ", (d.suggested_label, "bold"), ".",
    )


def suggestion_option(s: CadenceSuggestion) -> Content:
    now = str(s.current) if s.current else "no cadence"
    return Content.assemble(
        fit(visible(s.name), 20), " ", (fit(now, 13), MUTED), (" → ", MUTED),
        (fit(s.suggested_label, 14), "bold $accent"), (f"  every {span(s.rhythm_days)}", MUTED),
    )


def suggestion_detail(s: CadenceSuggestion | None, as_of: date) -> Content:
    if s is None:
        return Content("")
    if s.current is None:
        head = f": no cadence yet, seen about every {span(s.rhythm_days)} over {s.days} days"
    else:
        head = f": {s.current}, but seen about every {span(s.rhythm_days)}"
    return Content.assemble(
        (visible(s.name), "bold"), head, f"; last {relative(s.last_contact, as_of)}. ",
        ("a", "bold $accent"), " makes it ", (s.suggested_label, "bold"), ".",
    )


def let_drift_option(d: Drifted, as_of: date) -> Content:
    was = f"was {d.cadence}" + (" (circle)" if d.from_circle else "") if d.cadence else "no cadence"
    since = f"since {human(d.since)}" if d.since else ""
    return Content.assemble(fit(visible(d.name), 20), " ", (fit(was, 24), MUTED), (f" {since}", MUTED))


def balance_content(stats: NetworkStats) -> Content:
    balance = stats.balance
    lines = [_title("Balance", "favours given and received, 12 months, by weight")]
    for label, values, total in (
        ("given   ", [m.given for m in balance.months], balance.given),
        ("received", [m.received for m in balance.months], balance.received),
    ):
        lines.append(Content.assemble(
            f"  {label}  ", (sparkline(values), "$success"), f"  {total}"
        ))
    shown = [c for c in balance.circles if c.given or c.received]
    if shown:
        lines.append(Content(""))
        lines.append(Content.styled(f"  {fit('circle', 20)}  given  received", MUTED))
        for c in shown:
            lines.append(Content.assemble("  ", fit(visible(f"#{c.circle}"), 20), f"  {c.given:>5}  {c.received:>8}"))
    # Said once each way, with names: not a line per person with a number.
    for sentence in balance_sentences(balance):
        lines.append(Content(""))
        lines.append(Content.assemble("  ", visible(sentence)))
    if not (balance.given_most or balance.received_most):
        lines.append(Content.styled("  Nothing open either way.", MUTED))
    return Content("\n").join(lines)


def introductions_content(stats: NetworkStats) -> Content:
    intros = stats.introductions
    lines = [_title("Introductions")]
    lines.append(Content(
        f"  {intros.made} made ({intros.made_last_12_months} in 12 months) · "
        f"{intros.worked} worked · {intros.fizzled} fizzled · {intros.waiting} waiting"
    ))
    for o in intros.recent_outcomes:
        lines.append(Content.assemble(
            (f"  {human(o.date):>11}  ", MUTED), visible(o.name_a), (" ↔ ", MUTED), visible(o.name_b),
            (f"  {o.result}" if o.result in ("worked", "fizzled") else "", MUTED),
        ))
        if o.outcome:
            lines.append(Content.assemble(" " * 15, (visible(o.outcome.splitlines()[0]), "italic")))
    if stats.one_sided:
        lines.append(Content(""))
        lines.append(_title("Who reaches out"))
        for one in stats.one_sided:
            lines.append(Content.assemble("  ", visible(one.wording)))
    return Content("\n").join(lines)


# ---------------------------------------------------------------------- the screen


class StatsScreen(Screen[bool]):
    """How the network is doing; dismissed with True when a cadence was changed here."""

    BINDINGS = [
        Binding("escape,q,g", "close", "Back", id="stats.close"),
        Binding("a", "accept", "Accept cadence", id="stats.accept"),
        Binding("b", "bring_back", "Bring back", id="stats.bring_back"),
        # "app.": a Screen has no focus_next action; a bare "focus_next" made Tab do nothing,
        # so the suggestions and let-drift lists could not be reached to pick someone.
        Binding("tab", "app.focus_next", "Next list", id="stats.next"),
    ]
    # The circles first (the top of the page), not the scroll area around everything: with it
    # focused, the code that focuses the circles once the figures are in never ran.
    AUTO_FOCUS = "#stats-circles"

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (130, "-wide")]

    def __init__(self, book: Book, today: date) -> None:
        super().__init__()
        self.book = book
        self.today = today
        self.stats: NetworkStats | None = None
        self.changed = False
        self._generation = 0  # only the latest computation is shown

    def compose(self) -> ComposeResult:
        with Horizontal(id="app-header"):
            yield Static(_title("Your network"), id="header-left")
            yield Static(Content.styled(f"as of {self.today:%a} {human(self.today)}", MUTED), id="header-right")
        with VerticalScroll(id="stats-body"):
            with Horizontal(id="stats-columns"):
                with Vertical(classes="stats-column"):
                    yield Static(id="stats-rhythm", classes="stats-section")
                    yield Static(_title("Circles", "in touch within their cadence"), classes="stats-section")
                    yield Static(CIRCLES_HEADER, id="stats-circles-header")
                    yield OptionList(id="stats-circles", classes="stats-list", compact=True, markup=False)
                    yield Static(id="stats-circle-rhythm")
                with Vertical(classes="stats-column"):
                    yield Static(_title("Drift", "slower than their cadence"), classes="stats-section")
                    yield OptionList(id="stats-drift", classes="stats-list", compact=True, markup=False)
                    yield Static(id="stats-drift-detail")
                    yield Static(_title("Suggested cadences", "from history: none yet, or faster"),
                                 classes="stats-section")
                    yield OptionList(id="stats-suggest", classes="stats-list", compact=True, markup=False)
                    yield Static(id="stats-suggest-detail")
                    yield Static(_title("Let drift", f"no cadence until brought back "
                                                     f"({first_key(self.app, 'stats.bring_back', 'b')})"),
                                 classes="stats-section")
                    yield OptionList(id="stats-letdrift", classes="stats-list", compact=True, markup=False)
                    yield Static(id="stats-balance", classes="stats-section")
                    # Last: at 80 columns the columns stack, and drift should come before it.
                    yield Static(id="stats-intros", classes="stats-section")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stats-body").loading = True
        self.refresh_stats()

    # ---------------------------------------------------------------- computing

    def refresh_stats(self) -> None:
        self._generation += 1
        if self.book.path.exists():
            self._compute(self._generation)
        else:
            # An in-memory book has no second connection to read through: compute here.
            self.show_stats(network_stats(self.book, self.today), self._generation)

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def _compute(self, generation: int) -> tuple[NetworkStats, int]:
        # On a big book the figures take seconds, so they are computed off the UI thread.
        # The Book's sqlite connection belongs to the main thread: the worker reads through a
        # connection of its own (WAL lets it read while the app writes); a big book is
        # computed in a separate process so the app stays responsive (see background.py).
        # The answer goes back as the worker's result (see _worker_done), never through a
        # blocking call_from_thread that could wait forever on an app shutting down.
        worker = get_current_worker()
        stats = in_background(stats_at, self.book.path, self.today,
                              cancelled=lambda: worker.is_cancelled)
        return stats, generation

    @on(Worker.StateChanged)
    def _worker_done(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "stats":
            return
        if event.state == WorkerState.SUCCESS:
            self.show_stats(*event.worker.result)
        elif event.state == WorkerState.ERROR:
            self._failed(str(event.worker.error))

    def _failed(self, message: str) -> None:
        self.query_one("#stats-body").loading = False
        self.notify(f"Could not compute the figures: {message}", severity="error", markup=False)

    def show_stats(self, stats: NetworkStats, generation: int) -> None:
        if generation != self._generation or not self.is_mounted:
            return
        self.stats = stats
        self.query_one("#stats-body").loading = False
        self.query_one("#stats-rhythm", Static).update(rhythm_content(stats))
        self.query_one("#stats-balance", Static).update(balance_content(stats))
        self.query_one("#stats-intros", Static).update(introductions_content(stats))

        circles = self.query_one("#stats-circles", OptionList)
        keep = circles.highlighted or 0
        totals = {c.circle: c.total for c in stats.rhythm.circles}
        circles.set_options(
            Option(circle_option(c, totals.get(c.circle, 0)), id=c.circle) for c in stats.circles
        )
        if stats.circles:
            circles.highlighted = min(keep, len(stats.circles) - 1)
        else:
            circles.add_option(Option(Content.styled("No circles yet: tag people to see them here.", MUTED), disabled=True))
        self._show_circle_rhythm()

        drift = self.query_one("#stats-drift", OptionList)
        keep = drift.highlighted or 0
        shown = stats.drift[:DRIFT_SHOWN]
        drift.set_options(Option(drift_option(d), id=str(d.contact_id)) for d in shown)
        if shown:
            drift.highlighted = min(keep, len(shown) - 1)
        else:
            drift.add_option(Option(Content.styled("No one is drifting.", MUTED), disabled=True))
        self._show_drift_detail()

        suggest = self.query_one("#stats-suggest", OptionList)
        keep = suggest.highlighted or 0
        others = self._suggestions()[:DRIFT_SHOWN]
        suggest.set_options(Option(suggestion_option(s), id=str(s.contact_id)) for s in others)
        if others:
            suggest.highlighted = min(keep, len(others) - 1)
        else:
            suggest.add_option(Option(Content.styled("No suggestions: 3 days of history make one.", MUTED),
                                      disabled=True))
        self._show_suggestion_detail()

        let_drift = self.query_one("#stats-letdrift", OptionList)
        keep = let_drift.highlighted or 0
        let_drift.set_options(Option(let_drift_option(d, self.today), id=str(d.contact_id))
                              for d in stats.let_drift)
        if stats.let_drift:
            let_drift.highlighted = min(keep, len(stats.let_drift) - 1)
        else:
            let_drift.add_option(Option(Content.styled(f"Nobody: {first_key(self.app, 'today.drift', 'r')} in Today lets someone drift.", MUTED),
                                        disabled=True))
        # a and b show in the footer only now, when there is something they act on.
        self.refresh_bindings()
        if self.focused is None:
            # The top of the page first; Tab (or a) goes on to the drift list.
            circles.focus()

    # ---------------------------------------------------------------- highlights

    def _highlighted_drift(self) -> Drift | None:
        if self.stats is None:
            return None
        drift = self.query_one("#stats-drift", OptionList)
        if drift.highlighted is None:
            return None
        option = drift.get_option_at_index(drift.highlighted)
        if option.id is None:
            return None
        return next((d for d in self.stats.drift if str(d.contact_id) == option.id), None)

    def _suggestions(self) -> list[CadenceSuggestion]:
        """Suggestions of their own list: the slower ones are the drift list's."""
        if self.stats is None:
            return []
        return [s for s in self.stats.suggestions if s.direction != "slower"]

    def _highlighted(self, list_id: str, items) -> object | None:
        found = self.query_one(list_id, OptionList)
        if found.highlighted is None:
            return None
        option = found.get_option_at_index(found.highlighted)
        if option.id is None:
            return None
        return next((i for i in items if str(i.contact_id) == option.id), None)

    def _show_suggestion_detail(self) -> None:
        found = self._highlighted("#stats-suggest", self._suggestions())
        self.query_one("#stats-suggest-detail", Static).update(suggestion_detail(found, self.today))

    def _show_circle_rhythm(self) -> None:
        circles = self.query_one("#stats-circles", OptionList)
        circle = None
        if circles.highlighted is not None:
            circle = circles.get_option_at_index(circles.highlighted).id
        text = circle_rhythm_content(self.stats, circle) if self.stats else Content("")
        self.query_one("#stats-circle-rhythm", Static).update(text)

    def _show_drift_detail(self) -> None:
        detail = drift_detail(self._highlighted_drift(), self.today)
        if self.stats and len(self.stats.drift) > DRIFT_SHOWN:
            more = Content.styled(
                f"The {DRIFT_SHOWN} most drifted of {len(self.stats.drift)}; accepting brings up the next.", MUTED
            )
            detail = Content("\n").join([detail, more]) if detail.plain else more
        self.query_one("#stats-drift-detail", Static).update(detail)

    @on(BookChanged)
    def _book_changed(self) -> None:
        # Another shell logged something (or z undid a step): the figures follow.
        self.refresh_stats()

    @on(OptionList.OptionHighlighted, "#stats-circles")
    def _circle_highlighted(self) -> None:
        self._show_circle_rhythm()

    @on(OptionList.OptionHighlighted, "#stats-drift")
    def _drift_highlighted(self) -> None:
        self._show_drift_detail()

    @on(OptionList.OptionSelected, "#stats-drift")
    def _drift_selected(self) -> None:
        self.action_accept()

    @on(OptionList.OptionHighlighted, "#stats-suggest")
    def _suggestion_highlighted(self) -> None:
        self._show_suggestion_detail()

    @on(OptionList.OptionSelected, "#stats-suggest")
    def _suggestion_selected(self) -> None:
        self.action_accept()

    @on(OptionList.OptionSelected, "#stats-letdrift")
    def _let_drift_selected(self) -> None:
        self.action_bring_back()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The footer offers a and b only once there is something they act on.
        if action == "accept":
            return self.stats is not None and bool(self.stats.drift or self._suggestions())
        if action == "bring_back":
            return self.stats is not None and bool(self.stats.let_drift)
        return True

    # ---------------------------------------------------------------- actions

    def action_accept(self) -> None:
        """Give the highlighted contact their suggested cadence, then refresh: the focused
        list's row (drift or suggestions), else the drift list's, whose line under it says
        what a does; from the first a the footer offers."""
        drift = self.query_one("#stats-drift", OptionList)
        suggest = self.query_one("#stats-suggest", OptionList)
        target: Drift | CadenceSuggestion | None
        if self.focused is suggest:
            target, source = self._highlighted("#stats-suggest", self._suggestions()), suggest
        else:
            target, source = self._highlighted_drift(), drift
            if target is None and self.focused is not drift:
                target, source = self._highlighted("#stats-suggest", self._suggestions()), suggest
        if target is None:
            self.notify("No suggestion is highlighted.", severity="warning", markup=False)
            return
        source.focus()  # the list the change was made in, so the next a goes on down it
        try:
            accept_suggested_cadence(self.book, target.contact_id, target.suggested, today=self.today)
        except (NotFound, CadenceError) as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.changed = True
        push_undo = getattr(self.app, "push_undo", None)
        if push_undo is not None:  # names the step for z's toast
            push_undo(f"keep in touch with {target.name} {target.suggested_label}",
                      contact_id=target.contact_id)
        self.notify(f"{target.name} is now {target.suggested_label} · z undoes", markup=False)
        # Take the row out at once; the recomputed figures follow.
        source.remove_option_at_index(source.get_option_index(str(target.contact_id)))
        self.stats = _without(self.stats, target.contact_id)
        self._show_drift_detail()
        self._show_suggestion_detail()
        self.refresh_bindings()
        self.refresh_stats()

    def action_bring_back(self) -> None:
        """Bring the highlighted person of the let-drift list back to their cadence."""
        let_drift = self.query_one("#stats-letdrift", OptionList)
        person = self._highlighted("#stats-letdrift", self.stats.let_drift if self.stats else ())
        if person is None:
            self.notify("Nobody let drift is highlighted.", severity="warning", markup=False)
            return
        try:
            token = bring_back(self.book, person.contact_id, as_of=self.today)
        except (NotFound, ValueError) as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.changed = True
        push_undo = getattr(self.app, "push_undo", None)
        if push_undo is not None:
            push_undo(token.message, contact_id=person.contact_id)
        self.notify(token.message[:1].upper() + token.message[1:] + " · z undoes", markup=False)
        let_drift.remove_option_at_index(let_drift.get_option_index(str(person.contact_id)))
        if self.stats is not None:
            self.stats = replace(self.stats, let_drift=tuple(
                d for d in self.stats.let_drift if d.contact_id != person.contact_id))
        self.refresh_bindings()
        self.refresh_stats()

    def action_close(self) -> None:
        self.dismiss(self.changed)


def _without(stats: NetworkStats | None, contact_id: int) -> NetworkStats | None:
    if stats is None:
        return None
    return replace(stats, drift=tuple(d for d in stats.drift if d.contact_id != contact_id),
                   suggestions=tuple(s for s in stats.suggestions if s.contact_id != contact_id))
