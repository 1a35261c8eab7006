"""Charts drawn on the server as SVG: testable, printable, no script and no CDN.  Every
mark has a ``<title>`` (shown on hover, read by screen readers) and every chart a title
and a description; the pages put a table of the same numbers beside each chart.

Texts arrive translated; numbers are formatted by the caller's ``text`` function.  Every
text is escaped here, so pages insert a chart with ``|safe``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import escape

WIDTH = 640
ROW = 44
LEFT = 150
RIGHT = 20
TOP = 10
AXIS = 26
COLOURS = ("#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#d63384", "#20c997", "#ffc107",
           "#0dcaf0", "#6c757d", "#dc3545")


@dataclass(frozen=True)
class Box:
    """One box of a box plot: the whiskers at p10 and p90, the box p25-p75, the median."""

    label: str
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float


def box_plot(boxes: Sequence[Box], title: str, text: Callable[[float], str],
             names: Mapping[str, str], chart_id: str) -> str:
    """Horizontal box plots on one scale; ``names`` words the five numbers
    (keys p10..p90) for the hover titles."""
    top = max((b.p90 for b in boxes), default=0) or 1
    height = TOP + ROW * len(boxes) + AXIS
    scale = (WIDTH - LEFT - RIGHT) / top
    parts = [_open(chart_id, title, height)]
    for index, box in enumerate(boxes):
        y = TOP + index * ROW + ROW / 2
        x = {k: LEFT + getattr(box, k) * scale for k in ("p10", "p25", "p50", "p75", "p90")}
        hover = "; ".join(f"{names[k]} {text(getattr(box, k))}" for k in x)
        colour = COLOURS[index % len(COLOURS)]
        parts.append(
            f'<g class="ff-box" data-label="{escape(box.label)}"><title>{escape(box.label)}: '
            f'{escape(hover)}</title>'
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="13">'
            f'{escape(box.label)}</text>'
            f'<line x1="{x["p10"]:.1f}" x2="{x["p90"]:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#495057"/>'
            f'<rect x="{x["p25"]:.1f}" y="{y - 12:.1f}" width="{max(x["p75"] - x["p25"], 1):.1f}" '
            f'height="24" fill="{colour}" fill-opacity="0.35" stroke="{colour}"/>'
            f'<line x1="{x["p50"]:.1f}" x2="{x["p50"]:.1f}" y1="{y - 12:.1f}" y2="{y + 12:.1f}" '
            f'stroke="#212529" stroke-width="2"/></g>')
    parts.append(_axis(height - AXIS, top, scale, text))
    parts.append("</svg>")
    return "".join(parts)


def _open(chart_id: str, title: str, height: float) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" role="img" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" class="ff-chart" '
            f'aria-labelledby="{escape(chart_id)}-title">'
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>')


def _axis(y: float, top: float, scale: float, text: Callable[[float], str]) -> str:
    ticks = [top * i / 4 for i in range(5)]
    marks = "".join(
        f'<line x1="{LEFT + t * scale:.1f}" x2="{LEFT + t * scale:.1f}" y1="{y:.1f}" '
        f'y2="{y + 4:.1f}" stroke="#6c757d"/>'
        f'<text x="{LEFT + t * scale:.1f}" y="{y + 18:.1f}" text-anchor="middle" '
        f'font-size="11" fill="#495057">{escape(text(t))}</text>' for t in ticks)
    return (f'<g class="ff-axis" aria-hidden="true"><line x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y:.1f}" y2="{y:.1f}" stroke="#6c757d"/>{marks}</g>')
