"""Progress bars and milestone timelines drawn on the server as SVG (no script), the dashboard's
habit: the SVG has a title; the table beside it carries every figure and date in words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from app.models import Milestone

WIDTH = 560
ACCENT = "#00527f"
LATE = "#b3261e"
TRACK = "#767676"  # >= 3:1 against white (WCAG 1.4.11)


def progress_bar(title: str, percent: int | None) -> Markup:
    value = max(0, min(100, percent or 0))
    inner = round((WIDTH - 2) * value / 100)
    shown = "—" if percent is None else f"{value} %"
    return Markup(  # noqa: S704 - the only texts are escaped
        f'<svg class="progress" role="img" viewBox="0 0 {WIDTH} 28" width="100%" '
        f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>'
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="20" fill="#fff" stroke="{TRACK}"/>'
        f'<rect x="1" y="1" width="{inner}" height="20" fill="{ACCENT}"/>'
        f'<text x="{WIDTH - 6}" y="16" text-anchor="end">{escape(shown)}</text></svg>'
    )


def timeline(
    title: str,
    milestones: Sequence[Milestone],
    states: Sequence[str],
    start: date,
    end: date,
    today: date,
    late_word: str,
) -> Markup:
    """Milestones on a line from the initiative's start to its planned end (or the last date):
    a filled circle done, an empty one pending, a cross late (with the word beside it)."""
    dates = [start, end, today, *(m.planned_date for m in milestones)]
    dates += [m.done_date for m in milestones if m.done_date]
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)
    left, right, row = 16, WIDTH - 16, 24
    height = 30 + row * max(len(milestones), 1)

    def x(day: date) -> float:
        return left + (right - left) * (day - first).days / span

    parts = [
        f'<svg class="timeline-chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="12" x2="{right}" y2="12" stroke="{TRACK}" stroke-width="2"/>',
        f'<line x1="{x(today):.1f}" y1="4" x2="{x(today):.1f}" y2="{height - 4}" '
        f'stroke="{TRACK}" stroke-dasharray="4 3"/>',
    ]
    for index, (milestone, state) in enumerate(zip(milestones, states, strict=True)):
        y = 30 + index * row
        cx = x(milestone.planned_date)
        if state == "late":
            mark = (
                f'<path d="M{cx - 6:.1f},{y - 6} l12,12 m0,-12 l-12,12" stroke="{LATE}" '
                f'stroke-width="3"/>'
            )
        elif state in ("done", "done_late"):
            mark = f'<circle cx="{cx:.1f}" cy="{y}" r="7" fill="{ACCENT}"/>'
        else:
            mark = (
                f'<circle cx="{cx:.1f}" cy="{y}" r="6" fill="#fff" stroke="{ACCENT}" '
                f'stroke-width="2.5"/>'
            )
        label = milestone.title if len(milestone.title) <= 40 else milestone.title[:39] + "…"
        if state == "late":
            label = f"{label} ({late_word})"
        anchor, tx = ("end", cx - 12) if cx > WIDTH / 2 else ("start", cx + 12)
        parts.append(
            mark + f'<text x="{tx:.1f}" y="{y + 5}" text-anchor="{anchor}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
