"""`kontakt stats`: rhythm, balance, drift, circles and introductions as tables or JSON."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from ..charts import sparkline
from ..domain.dates import human, month_label, span
from ..domain.text import visible
from ..services.stats import NetworkStats, balance_sentences
from . import main
from .common import book_option, complete_circle, get_book, print_json, read_date
from .render import cell, console

DRIFT_ROWS = 12
NAME_WIDTH = 18


def _fit(text: str, width: int) -> str:
    """`text` cut to `width` terminal cells (with …) and padded to it."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) > width:
        text = set_cell_size(text, width - 1).rstrip() + "…"
    return set_cell_size(text, width)


def _day(day: date | None) -> str:
    return human(day) if day else "—"




# ====================================================================== JSON


def stats_json(stats: NetworkStats) -> dict[str, Any]:
    """The public JSON shape of `kontakt stats --json` (a contract: extend, never rename)."""
    rhythm, balance, intros = stats.rhythm, stats.balance, stats.introductions

    def month(m) -> dict[str, Any] | None:
        if m is None:
            return None
        return {"month": m.month.isoformat()[:7], "interactions": m.count}

    return {
        "as_of": stats.as_of.isoformat(),
        "circle": stats.circle,
        "rhythm": {
            "weeks": [
                {"start": w.start.isoformat(), "end": w.end.isoformat(), "interactions": w.count}
                for w in rhythm.weeks
            ],
            "months": [
                {"month": m.month.isoformat()[:7], "interactions": m.count, "complete": m.complete}
                for m in rhythm.months
            ],
            "total": rhythm.total,
            "busiest_month": month(rhythm.busiest),
            "quietest_month": month(rhythm.quietest),
            "circles": [
                {"circle": c.circle, "weeks": list(c.weeks), "months": list(c.months), "total": c.total}
                for c in rhythm.circles
            ],
        },
        "balance": {
            "months": [
                {"month": m.month.isoformat()[:7], "given": m.given, "received": m.received}
                for m in balance.months
            ],
            "given": balance.given,
            "received": balance.received,
            "circles": [
                {"circle": c.circle, "given": c.given, "received": c.received}
                for c in balance.circles
            ],
            "given_most": [_person_json(p) for p in balance.given_most],
            "received_most": [_person_json(p) for p in balance.received_most],
        },
        "drift": [
            {
                "id": d.contact_id,
                "name": d.name,
                "cadence": str(d.cadence),
                "own_cadence": d.own_cadence,
                "rhythm_days": d.rhythm_days,
                "gap_days": d.gap_days,
                "gaps": list(d.gaps),
                "last_contact": d.last_contact.isoformat(),
                "days_since": d.days_since,
                "suggested_cadence": str(d.suggested),
                "suggested_label": d.suggested_label,
            }
            for d in stats.drift
        ],
        "circles": [
            {
                "circle": c.circle,
                "cadence": str(c.cadence) if c.cadence else None,
                "members": c.members,
                "with_cadence": c.with_cadence,
                "in_touch": c.in_touch,
                "in_touch_share": c.in_touch_share,
                "last_group_meeting": c.last_group_meeting.isoformat() if c.last_group_meeting else None,
                "last_group_size": c.last_group_size,
            }
            for c in stats.circles
        ],
        "cadence_suggestions": [s.as_json() for s in stats.suggestions],
        "let_drift": [d.as_json() for d in stats.let_drift],
        "one_sided": [
            {"id": o.contact_id, "name": o.name, "me": o.me, "them": o.them, "wording": o.wording}
            for o in stats.one_sided
        ],
        "introductions": {
            "made": intros.made,
            "with_outcome": intros.with_outcome,
            "worked": intros.worked,
            "fizzled": intros.fizzled,
            "waiting": intros.waiting,
            "made_last_12_months": intros.made_last_12_months,
            "recent_outcomes": [
                {
                    "id": o.introduction_id,
                    "date": o.date.isoformat(),
                    "a": {"id": o.contact_a, "name": o.name_a},
                    "b": {"id": o.contact_b, "name": o.name_b},
                    "outcome": o.outcome,
                    "result": o.result,
                }
                for o in intros.recent_outcomes
            ],
        },
    }


def _person_json(person) -> dict[str, Any]:
    return {
        "id": person.contact_id,
        "name": person.name,
        "given": person.given,
        "received": person.received,
        "net": person.net,
        "wording": person.wording,
    }


# ====================================================================== tables


def render(stats: NetworkStats):
    """The figures as rich renderables, each fitting 80 columns; user data only as Text with
    its control characters shown (`cell`, `visible`)."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    def heading(title: str, detail: str = "") -> Text:
        text = Text("\n" + title, style="bold")
        if detail:
            text.append(f" · {detail}", style="dim")
        return text

    def table(*columns: tuple[str, str]) -> Table:
        grid = Table(box=None, pad_edge=False, padding=(0, 1), show_header=True, header_style="dim")
        for name, justify in columns:
            grid.add_column(name, justify=justify, no_wrap=True)
        return grid

    parts: list[Any] = []
    title = Text(f"Your network as of {_day(stats.as_of)}", style="bold")
    if stats.circle:
        title.append(" · circle ")
        title.append(visible(stats.circle))
    parts.append(title)

    # ------------------------------------------------------------ rhythm
    rhythm = stats.rhythm
    parts.append(heading("Rhythm", "interactions per week, last 52 weeks"))
    line = Text("  ")
    line.append(sparkline([w.count for w in rhythm.weeks]), style="cyan")
    line.append(f"  {rhythm.total} in 12 months")
    parts.append(line)
    if rhythm.busiest and rhythm.quietest:
        parts.append(Text(
            f"  busiest month {month_label(rhythm.busiest.month)} ({rhythm.busiest.count}) · "
            f"quietest {month_label(rhythm.quietest.month)} ({rhythm.quietest.count})"
        ))
    months = table(("Month", "left"), ("", "left"), ("Count", "right"))
    top = max((m.count for m in rhythm.months), default=0) or 1
    for m in rhythm.months:
        label = month_label(m.month) + ("*" if not m.complete else " ")
        months.add_row(label, Text("█" * round(40 * m.count / top), style="cyan"), str(m.count))
    parts.append(months)
    if not rhythm.months[-1].complete:
        parts.append(Text("  * so far this month", style="dim"))
    if rhythm.circles:
        circles = table(("Circle", "left"), ("Last 52 weeks", "left"), ("12 mo", "right"))
        circles.columns[0].max_width = NAME_WIDTH
        circles.columns[0].overflow = "ellipsis"
        for c in rhythm.circles:
            circles.add_row(cell(c.circle), Text(sparkline(c.weeks), style="cyan"), str(c.total))
        parts.append(Text(""))
        parts.append(circles)

    # ------------------------------------------------------------ balance
    balance = stats.balance
    parts.append(heading("Balance", "favours given and received, last 12 months, by weight"))
    for label, values, total in (
        ("given   ", [m.given for m in balance.months], balance.given),
        ("received", [m.received for m in balance.months], balance.received),
    ):
        line = Text(f"  {label}  ")
        line.append(sparkline(values), style="cyan")
        line.append(f"  {total}")
        parts.append(line)
    shown = [c for c in balance.circles if c.given or c.received]
    if shown:
        circles = table(("Circle", "left"), ("Given", "right"), ("Received", "right"))
        circles.columns[0].max_width = 40
        circles.columns[0].overflow = "ellipsis"
        for c in shown:
            circles.add_row(cell(c.circle), str(c.given), str(c.received))
        parts.append(Text(""))
        parts.append(circles)
    # Said once each way, with names (not a line per person with a number).
    for sentence in balance_sentences(balance):
        parts.append(Padding(Text(visible(sentence)), (1, 0, 0, 2), expand=False))
    if not (balance.given_most or balance.received_most):
        parts.append(Text("  Nothing open either way.", style="dim"))

    # ------------------------------------------------------------ drift
    parts.append(heading("Drift", "slower than their cadence; median of the last gaps"))
    if stats.drift:
        drift = table(("Name", "left"), ("Cadence", "left"), ("Actual", "right"),
                      ("Last", "right"), ("Suggested", "left"))
        drift.columns[0].max_width = 24
        drift.columns[0].overflow = "ellipsis"
        for d in stats.drift[:DRIFT_ROWS]:
            cadence = str(d.cadence) + ("" if d.own_cadence else " (circle)")
            drift.add_row(
                cell(d.name), cadence, f"every {span(d.rhythm_days)}",
                f"{span(d.days_since)} ago" if d.days_since else "today", d.suggested_label,
            )
        parts.append(drift)
        if len(stats.drift) > DRIFT_ROWS:
            parts.append(Text(f"  … and {len(stats.drift) - DRIFT_ROWS} more (--json lists all)", style="dim"))
        parts.append(Text("  Accept a suggestion with: kontakt cadence --accept NAME", style="dim"))
    else:
        parts.append(Text("  No one is drifting.", style="dim"))

    # ------------------------------------------------------------ suggestions and let drift
    others = [s for s in stats.suggestions if s.direction != "slower"]  # slower: under Drift
    if others:
        parts.append(heading("Suggested cadences", "from history: no cadence yet, or faster"))
        rows = table(("Name", "left"), ("Cadence", "left"), ("Seen", "right"), ("Suggested", "left"))
        rows.columns[0].max_width = 24
        rows.columns[0].overflow = "ellipsis"
        for s in others[:DRIFT_ROWS]:
            now = "—" if s.current is None else str(s.current) + ("" if s.own_cadence else " (circle)")
            rows.add_row(cell(s.name), now, f"every {span(s.rhythm_days)}", s.suggested_label)
        parts.append(rows)
        if len(others) > DRIFT_ROWS:
            parts.append(Text(f"  … and {len(others) - DRIFT_ROWS} more (kontakt cadence lists all)", style="dim"))
        parts.append(Text("  Accept one with: kontakt cadence --accept NAME", style="dim"))
    if stats.let_drift:
        parts.append(heading("Let drift", "no cadence until you bring them back"))
        line = Text("  ")
        line.append(visible(", ".join(d.name for d in stats.let_drift)))
        parts.append(line)
        parts.append(Text("  Bring someone back with: kontakt drift --undo NAME", style="dim"))

    # ------------------------------------------------------------ circles
    parts.append(heading("Circles", "in touch within their cadence"))
    if stats.circles:
        circles = table(("Circle", "left"), ("Members", "right"), ("In touch", "right"),
                        ("Last group meeting", "left"))
        circles.columns[0].max_width = 28
        circles.columns[0].overflow = "ellipsis"
        for c in stats.circles:
            share = c.in_touch_share
            # Named denominator: of the members a cadence applies to, not of all members.
            in_touch = (f"{c.in_touch} of {c.with_cadence} ({share:.0%})"
                        if share is not None else "no cadence")
            meeting = _day(c.last_group_meeting)
            if c.last_group_meeting:
                meeting += f" ({c.last_group_size})"
            circles.add_row(cell(c.circle), str(c.members), in_touch, meeting)
        parts.append(circles)
        parts.append(Text("  In touch: of the members a cadence applies to, not of all.",
                          style="dim"))
    else:
        parts.append(Text("  No circles yet: tag people with --tag.", style="dim"))

    # ------------------------------------------------------------ introductions
    intros = stats.introductions
    parts.append(heading("Introductions"))
    parts.append(Text(
        f"  {intros.made} made ({intros.made_last_12_months} in the last 12 months) · "
        f"{intros.worked} worked · {intros.fizzled} fizzled · {intros.waiting} waiting",
        no_wrap=True, overflow="ellipsis",
    ))
    for o in intros.recent_outcomes:
        line = Text(f"  · {_day(o.date)}  ", no_wrap=True, overflow="ellipsis")
        line.append(visible(o.name_a))
        line.append(" ↔ ")
        line.append(visible(o.name_b))
        line.append(": ")
        verdict = o.result if o.result in ("worked", "fizzled") else ""  # unknown: no verdict
        said = [part for part in (verdict, o.outcome.splitlines()[0] if o.outcome else "") if part]
        line.append(visible(" — ".join(said)))
        parts.append(line)
    if stats.one_sided:
        parts.append(heading("Who reaches out"))
        for one in stats.one_sided:
            parts.append(Text(f"  · {visible(one.wording)}", no_wrap=True, overflow="ellipsis"))
    return Group(*parts)


@main.command(epilog="Example: kontakt stats --circle breakfast   ·   kontakt stats --json --as-of 2026-06-30")
@click.option("--json", "as_json", is_flag=True, help="All figures as JSON.")
@click.option("--as-of", "as_of", metavar="DATE", help="Look back from this day (default: today).")
@click.option("--circle", metavar="NAME", shell_complete=complete_circle, help="Limit balance, drift, circles and introductions to one circle.")
@book_option
def stats(as_json, as_of, circle):
    """How your network is doing: rhythm, balance, drift, circles and introductions."""
    from ..services.stats import network_stats

    day = read_date(as_of, what="--as-of")
    figures = network_stats(get_book(), day, circle=circle)
    if as_json:
        print_json(stats_json(figures))
        return
    console().print(render(figures))


@main.command(epilog="""\b
Examples:
  kontakt cadence --suggest               # from everyone's history: new, faster or slower
  kontakt cadence --suggest --json
  kontakt cadence --accept olga           # give Olga the cadence suggested for her
  kontakt cadence --accept olga --every "2 weeks"
Suggestions go to everyone with 3 or more days of interaction and no cadence (unless let
drift), and to those seen slower or faster than their cadence.""")
@click.option("--suggest", is_flag=True, help="List cadences suggested from history (the default).")
@click.option("--accept", "accept", metavar="REF", help="Give REF their suggested cadence.")
@click.option("--every", "every", metavar="CADENCE", help="With --accept: this cadence instead.")
@click.option("--circle", metavar="NAME", help="With --suggest: only this circle's members.")
@click.option("--json", "as_json", is_flag=True,
              help="With --suggest: an array of {id, name, cadence, suggested_cadence, direction, …}.")
@book_option
def cadence(suggest, accept, every, circle, as_json):
    """Cadences suggested from history (--suggest), and accepting one (--accept REF)."""
    from ..services.stats import accept_suggested_cadence, cadence_suggestions
    from .common import fail, read_cadence, today
    from .render import echo

    if suggest and accept:
        raise click.UsageError("give --suggest, or --accept REF; not both")
    suggest = not accept  # bare `kontakt cadence` lists the suggestions
    if accept and (as_json or circle):
        raise click.UsageError("--json and --circle go with --suggest")
    if suggest and every:
        raise click.UsageError("--every goes with --accept")
    book = get_book()
    day = today()
    if suggest:
        found = cadence_suggestions(book, day, circle=circle)
        if as_json:
            print_json([s.as_json() for s in found])
            return
        if not found:
            echo("No suggestions: nobody with 3 or more days of history lacks a cadence that fits.")
            return
        for s in found:
            now = str(s.current) + ("" if s.own_cadence else " (circle)") if s.current else "no cadence"
            echo(f"{_fit(visible(s.name), 20)}  {now:<23} → {s.suggested_label:<14}  "
                 f"seen every {span(s.rhythm_days)}".rstrip())
        echo("accept one with: kontakt cadence --accept NAME")
        return
    contact = book.find(accept)
    if every:
        chosen = read_cadence(every, what="--every")
        label = str(chosen)
    else:
        mine = next((s for s in cadence_suggestions(book, day) if s.contact_id == contact.id), None)
        if mine is None:
            fail(f"no cadence is suggested for {contact.name}; give one with --every")
        chosen, label = mine.suggested, mine.suggested_label
    updated = accept_suggested_cadence(book, contact.id, chosen, today=day)
    due = f"; next due {updated.next_due.isoformat()}" if updated.next_due else ""
    echo(f"keeping in touch with {contact.name} {label}{due}")
