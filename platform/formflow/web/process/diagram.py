"""Process diagrams drawn as SVG: the layout (:mod:`formflow.web.process.diagram_layout`) with
the current state highlighted and the path a record took marked.

Pure: a :class:`~formflow.metadata.model.Process` and the record's moves in, SVG text
out; no database, no request.  Every text (labels come from metadata and may hold
anything) is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape

from formflow.metadata.model import Process
from formflow.web.process.diagram_layout import (
    BOX_HEIGHT,
    BOX_PADDING,
    COLUMN_GAP_MAX,
    FONT_SIZE,
    LABEL_SIZE,
    START_MARK,
    Box,
    Layout,
    fit,
    layout,
    text_width,
)

FONTS = (
    "system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
)

#: Colours (Bootstrap 5's palette, so the drawing sits well on the pages).
INK, MUTED, LINE = "#212529", "#6c757d", "#adb5bd"
BLUE, BLUE_DARK, BLUE_LIGHT = "#0d6efd", "#0a58ca", "#e7f1ff"


def svg(
    drawing: Layout,
    *,
    current: str | Iterable[str] | None = None,
    visited: Iterable[str] = (),
    travelled: Iterable[tuple[str, str]] = (),
    title: str = "",
    id_prefix: str = "pd",
    heat: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """The layout as an SVG element: ``current`` highlighted (a state, or every active
    one of a record in a parallel state), ``visited`` states and
    ``travelled`` (from, to) arrows marked; ``title`` names it for screen readers;
    ``heat`` gives states a fill colour and a note (state -> (colour, note))."""
    visited = set(visited)
    travelled = set(travelled)
    currents = {current} if isinstance(current, str) else set(current or ())
    a = _attr
    marker, marker_on = f"{id_prefix}-arrow", f"{id_prefix}-arrow-on"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ff-diagram-svg" role="img" '
        f'viewBox="0 0 {drawing.width:g} {drawing.height:g}" width="{drawing.width:g}" '
        f'height="{drawing.height:g}" aria-labelledby="{a(id_prefix)}-title" '
        f'font-family="{a(FONTS)}">',
        f'<title id="{a(id_prefix)}-title">{_text(title)}</title>',
        "<defs>",
        _marker(marker, LINE),
        _marker(marker_on, BLUE),
        "</defs>",
    ]
    for arrow in drawing.arrows:
        on = (arrow.source, arrow.target) in travelled
        classes = ["ff-arrow", f"ff-arrow-{arrow.kind}"]
        if on:
            classes.append("ff-arrow-visited")
        if arrow.extra:
            classes.append("ff-arrow-extra")
        dash = ' stroke-dasharray="5 4"' if arrow.extra or arrow.kind == "back" else ""
        out.append(
            f'<g class="{" ".join(classes)}" data-from="{a(arrow.source)}" '
            f'data-to="{a(arrow.target)}">'
            f'<path d="{arrow.path}" fill="none" stroke="{BLUE if on else LINE}" '
            f'stroke-width="{2 if on else 1.4}"{dash} '
            f'marker-end="url(#{a(marker_on if on else marker)})"/>'
            + _label(arrow.label, arrow.label_x, arrow.label_y, on)
            + "</g>"
        )
    first = drawing.boxes.get(next((n for n, b in drawing.boxes.items() if b.start), ""), None)
    if first is not None:
        cx, cy = first.x - START_MARK + 4, first.middle
        out.append(
            f'<g class="ff-start-mark"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" '
            f'fill="{INK}"/><path d="M{cx + 5:.1f},{cy:.1f} H{first.x - 1:.1f}" '
            f'stroke="{INK}" stroke-width="1.4" marker-end="url(#{a(marker)})"/></g>'
        )
    for box in drawing.boxes.values():
        out.append(_box(box, box.name in currents, box.name in visited, (heat or {}).get(box.name)))
    out.append("</svg>")
    return "".join(out)


def _box(box: Box, current: bool, visited: bool, heat: tuple[str, str] | None = None) -> str:
    a = _attr
    classes = ["ff-node"]
    if box.final:
        classes.append("ff-node-final")
    if box.start:
        classes.append("ff-node-start")
    if visited:
        classes.append("ff-node-visited")
    if current:
        classes.append("ff-node-current")
        fill, stroke, ink, width = BLUE, BLUE_DARK, "#ffffff", 2.5
    elif visited:
        fill, stroke, ink, width = BLUE_LIGHT, BLUE, "#084298", 1.5
    else:
        fill, stroke, ink, width = "#ffffff", LINE, INK, 1.2
    note = ""
    if heat is not None:
        fill, note = heat[0], f" · {heat[1]}"
        classes.append("ff-node-heat")
    radius = BOX_HEIGHT / 2 if box.final else 7
    shown = fit(box.label, FONT_SIZE, box.width - BOX_PADDING + 8)
    aria = ' aria-current="step"' if current else ""
    weight = ' font-weight="600"' if current else ""
    parts = [
        f'<g class="{" ".join(classes)}" data-state="{a(box.name)}"{aria}>',
        f"<title>{_text(box.label + note)}</title>",
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
        f'height="{box.height:.1f}" rx="{radius:g}" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="{width:g}"/>',
    ]
    if box.final:  # a final state: a second border inside the first
        parts.append(
            f'<rect x="{box.x + 3.5:.1f}" y="{box.y + 3.5:.1f}" width="{box.width - 7:.1f}" '
            f'height="{box.height - 7:.1f}" rx="{radius - 3.5:g}" fill="none" '
            f'stroke="{"#ffffff" if current else stroke}" stroke-width="1"/>'
        )
    parts.append(
        f'<text x="{box.x + box.width / 2:.1f}" y="{box.middle:.1f}" text-anchor="middle" '
        f'dominant-baseline="central" font-size="{FONT_SIZE}" fill="{ink}"'
        f"{weight}>{_text(shown)}</text>"
    )
    parts.append("</g>")
    return "".join(parts)


def _label(text: str, x: float, y: float, on: bool) -> str:
    if not text:
        return ""
    shown = fit(text, LABEL_SIZE, COLUMN_GAP_MAX - 20)
    width = text_width(shown, LABEL_SIZE) + 8
    return (
        f'<rect x="{x - width / 2:.1f}" y="{y - LABEL_SIZE / 2 - 3:.1f}" width="{width:.1f}" '
        f'height="{LABEL_SIZE + 6}" rx="3" fill="#ffffff" fill-opacity="0.9"/>'
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" dominant-baseline="central" '
        f'font-size="{LABEL_SIZE}" fill="{BLUE_DARK if on else MUTED}">{_text(shown)}</text>'
    )


def _marker(marker_id: str, colour: str) -> str:
    return (
        f'<marker id="{_attr(marker_id)}" viewBox="0 0 10 10" refX="9" refY="5" '
        f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
    )


def _text(value: str) -> str:
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)


def diagram(
    process: Process,
    *,
    lang: str = "en",
    current: str | Iterable[str] | None = None,
    moves: Sequence[tuple[str, str | None, str]] = (),
    names: Mapping[str, str] | None = None,
    title: str = "",
    id_prefix: str = "pd",
) -> str:
    """The SVG of ``process`` for a record in state ``current`` that made ``moves``
    ((action, from, to), oldest first): the states it went through and the arrows it
    took are marked."""
    names = names or {}
    drawing = layout(process, lang=lang, names=names, moves=moves)
    visited = {process.start} | {s for _a, f, t in moves for s in (f, t) if s}
    travelled = {(f, t) for _a, f, t in moves if f and t}
    return svg(
        drawing,
        current=current,
        visited=visited,
        travelled=travelled,
        title=title,
        id_prefix=id_prefix,
    )
