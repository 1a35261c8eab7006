"""Charts drawn on the server as SVG: testable, printable, no script and no CDN.  Every
mark has a ``<title>`` (shown on hover, read by screen readers) and every chart a title
and a description; the pages put a table of the same numbers beside each chart.

Texts arrive translated; numbers are formatted by the caller's ``text`` function.  Every
text is escaped here, so pages insert a chart with ``|safe``.
"""

from __future__ import annotations

import math
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


def bar_chart(points: Sequence[tuple[str, float]], title: str, text: Callable[[float], str],
              chart_id: str) -> str:
    """Horizontal bars, one per (label, value), on one scale from zero."""
    top = max((v for _, v in points), default=0) or 1
    height = TOP + ROW * len(points) + AXIS
    scale = (WIDTH - LEFT - RIGHT) / top
    parts = [_open(chart_id, title, height)]
    for index, (label, value) in enumerate(points):
        y = TOP + index * ROW
        parts.append(
            f'<g class="ff-bar"><title>{escape(label)}: {escape(text(value))}</title>'
            f'<text x="{LEFT - 8}" y="{y + ROW / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="13">{escape(_short(label))}</text>'
            f'<rect x="{LEFT}" y="{y + 8:.1f}" width="{max(value, 0) * scale:.1f}" '
            f'height="{ROW - 16}" fill="{COLOURS[0]}"/></g>')
    parts.append(_axis(height - AXIS, top, scale, text))
    parts.append("</svg>")
    return "".join(parts)


def line_chart(points: Sequence[tuple[str, float]], title: str, text: Callable[[float], str],
               chart_id: str) -> str:
    """Values over ordered buckets (days, weeks, months), joined by a line."""
    height = 240
    bottom, left = height - AXIS - 14, 56
    top = max((v for _, v in points), default=0) or 1
    step = (WIDTH - left - RIGHT) / max(len(points) - 1, 1)
    where = [(left + i * step, bottom - max(v, 0) / top * (bottom - TOP)) for i, (_, v)
             in enumerate(points)]
    parts = [_open(chart_id, title, height),
             f'<line x1="{left}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}" '
             f'stroke="#6c757d" aria-hidden="true"/>',
             f'<text x="{left - 6}" y="{TOP + 10}" text-anchor="end" font-size="11" '
             f'fill="#495057" aria-hidden="true">{escape(text(top))}</text>']
    if len(where) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in where)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{COLOURS[0]}" '
                     f'stroke-width="2" aria-hidden="true"/>')
    every = max(len(points) // 8, 1)
    for index, ((label, value), (x, y)) in enumerate(zip(points, where, strict=True)):
        parts.append(f'<g class="ff-point"><title>{escape(label)}: {escape(text(value))}'
                     f'</title><circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COLOURS[0]}"/>')
        if index % every == 0:
            parts.append(f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle" '
                         f'font-size="11" fill="#495057">{escape(label)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def pie_chart(points: Sequence[tuple[str, float]], title: str, text: Callable[[float], str],
              chart_id: str) -> str:
    """Slices of a whole, the largest first, with a legend."""
    total = sum(max(v, 0) for _, v in points) or 1
    height = max(220, 24 * len(points) + 20)
    cx, cy, radius = 110, 110, 100
    parts = [_open(chart_id, title, height)]
    angle = -math.pi / 2
    for index, (label, value) in enumerate(points):
        share = max(value, 0) / total
        colour = COLOURS[index % len(COLOURS)]
        hover = f"{escape(label)}: {escape(text(value))} ({share:.0%})"
        if share >= 0.9999:
            shape = f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="{colour}"/>'
        else:
            end = angle + share * 2 * math.pi
            large = 1 if share > 0.5 else 0
            x1, y1 = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
            x2, y2 = cx + radius * math.cos(end), cy + radius * math.sin(end)
            shape = (f'<path d="M{cx},{cy} L{x1:.2f},{y1:.2f} A{radius},{radius} 0 {large} 1 '
                     f'{x2:.2f},{y2:.2f} Z" fill="{colour}"/>')
            angle = end
        parts.append(
            f'<g class="ff-slice"><title>{hover}</title>{shape}'
            f'<rect x="240" y="{14 + index * 24}" width="14" height="14" fill="{colour}"/>'
            f'<text x="262" y="{26 + index * 24}" font-size="13">{escape(_short(label))} · '
            f'{share:.0%}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"
