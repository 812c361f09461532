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


TITLE_HEIGHT = 24


def number(value: float, unit: str = "") -> str:
    """As the tables beside the charts write it (es-CL): ``1.234``, ``83,3 %``."""
    if float(value).is_integer() and unit != "%":
        text = f"{int(value):,}".replace(",", ".")
    else:
        text = f"{value:,.1f}".replace(",", "§").replace(".", ",").replace("§", ".")
    return f"{text} {unit}" if unit else text


def _heading(title: str) -> str:
    """The chart's title, visible (and read as the image's name)."""
    return (
        f'<title>{escape(title)}</title><text x="0" y="16" font-weight="700">{escape(title)}</text>'
    )


def bar_chart(title: str, items: Sequence[tuple[str, float | None]], unit: str = "") -> Markup:
    """Horizontal bars, one per (label, value), each labelled with its value and unit; empty
    values draw no bar."""
    top = max((value or 0 for _, value in items), default=0) or 1
    width = CHART_WIDTH - LABEL_WIDTH - 70
    height = BAR_HEIGHT * max(len(items), 1) + 8 + TITLE_HEIGHT
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet">',
        _heading(title),
    ]
    for row, (label, value) in enumerate(items):
        y = row * BAR_HEIGHT + 4 + TITLE_HEIGHT
        bar = 0 if value is None else max(1, round(width * value / top)) if value else 0
        shown = "—" if value is None else number(value, unit)
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
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    unit: str = "",
) -> Markup:
    """One or two series over the same labels (weeks), with a legend; gaps where no value.
    The vertical axis's top is labelled in the tables' number format, with its unit."""
    height, left, bottom, right = 220 + TITLE_HEIGHT, 64, 30, 12
    plot_w, plot_h = CHART_WIDTH - left - right, height - bottom - 28 - TITLE_HEIGHT
    top = max((v or 0 for _, values in series for v in values), default=0) or 1
    step = plot_w / max(len(labels) - 1, 1)

    def point(index: int, value: float) -> str:
        return f"{left + index * step:.1f},{base - plot_h * value / top:.1f}"

    base = 28 + TITLE_HEIGHT + plot_h  # the horizontal axis
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet">',
        _heading(title),
        f'<line x1="{left}" y1="{base}" x2="{CHART_WIDTH - right}" y2="{base}" stroke="#4a4a4a"/>',
        f'<text x="{left - 4}" y="{34 + TITLE_HEIGHT}" text-anchor="end">'
        f"{escape(number(round(top, 1), unit))}</text>",
        f'<text x="{left - 4}" y="{base}" text-anchor="end">{escape(number(0, unit))}</text>',
    ]
    for index, (name, values) in enumerate(series):
        color = COLORS[index % len(COLORS)]
        dash = ' stroke-dasharray="6 3"' if index else ""
        points = " ".join(point(i, v) for i, v in enumerate(values) if v is not None)
        parts.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2.5"{dash} points="{points}"/>'
            f'<line x1="{left + index * 200}" y1="{12 + TITLE_HEIGHT}" '
            f'x2="{left + index * 200 + 24}" y2="{12 + TITLE_HEIGHT}" '
            f'stroke="{color}" stroke-width="2.5"{dash}/>'
            f'<text x="{left + index * 200 + 30}" y="{16 + TITLE_HEIGHT}">{escape(name)}</text>'
        )
    for position in (0, len(labels) - 1) if labels else ():
        anchor = "start" if position == 0 else "end"
        x = left + position * step
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}">'
            f"{escape(labels[position])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
