"""Charts drawn on the server as inline SVG: no script, no CDN. Each chart is decorative for
assistive technology beyond its title (``role="img"``); the data table beside it carries the
figures."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_HEIGHT = 22
LABEL_WIDTH = 190
CHART_WIDTH = 560
COLORS = ("#00527f", "#b35900")  # both >= 3:1 against white (WCAG 1.4.11)


def _short(label: str, limit: int = 26) -> str:
    """Bar labels fit the left margin; the full names are in the table beside the chart."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:g}"


def bar_chart(title: str, items: Sequence[tuple[str, float | None]]) -> Markup:
    """Horizontal bars, one per (label, value); empty values draw no bar."""
    top = max((value or 0 for _, value in items), default=0) or 1
    width = CHART_WIDTH - LABEL_WIDTH - 60
    height = BAR_HEIGHT * max(len(items), 1) + 8
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    for row, (label, value) in enumerate(items):
        y = row * BAR_HEIGHT + 4
        bar = 0 if value is None else max(1, round(width * value / top)) if value else 0
        shown = "—" if value is None else _number(value)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">'
            f"{escape(_short(str(label)))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{bar}" height="{BAR_HEIGHT - 6}" '
            f'fill="{COLORS[0]}"/>'
            f'<text x="{LABEL_WIDTH + bar + 4}" y="{y + 15}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]
) -> Markup:
    """One or two series over the same labels (weeks), with a legend; gaps where no value."""
    height, left, bottom, right = 220, 44, 30, 12
    plot_w, plot_h = CHART_WIDTH - left - right, height - bottom - 28
    top = max((v or 0 for _, values in series for v in values), default=0) or 1
    step = plot_w / max(len(labels) - 1, 1)

    def point(index: int, value: float) -> str:
        return f"{left + index * step:.1f},{28 + plot_h - plot_h * value / top:.1f}"

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{28 + plot_h}" x2="{CHART_WIDTH - right}" y2="{28 + plot_h}" '
        f'stroke="#4a4a4a"/>',
        f'<text x="{left - 4}" y="34" text-anchor="end">{escape(_number(round(top, 1)))}</text>',
        f'<text x="{left - 4}" y="{28 + plot_h}" text-anchor="end">0</text>',
    ]
    for number, (name, values) in enumerate(series):
        color = COLORS[number % len(COLORS)]
        dash = ' stroke-dasharray="6 3"' if number else ""
        points = " ".join(point(i, v) for i, v in enumerate(values) if v is not None)
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2.5"{dash} points="{points}"/>'
            f'<line x1="{left + number * 200}" y1="12" x2="{left + number * 200 + 24}" y2="12" '
            f'stroke="{color}" stroke-width="2.5"{dash}/>'
            f'<text x="{left + number * 200 + 30}" y="16">{escape(name)}</text>'
        )
    for index in (0, len(labels) - 1) if labels else ():
        anchor = "start" if index == 0 else "end"
        x = left + index * step
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}">'
            f"{escape(labels[index])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
