"""Process diagrams: a process's states and transitions laid out in layers and drawn as
SVG, with the current state highlighted and the path a record took marked.

Pure: a :class:`~formflow.metadata.model.Process` and the record's moves in, a layout or
SVG text out; no database, no request.  The layout is the classic layered one
(Sugiyama): transitions that lead back (send back, ``@previous``) are set aside so the
rest is acyclic; each state's layer is its longest distance from ``start``; an arrow
spanning several layers gets a waypoint in each layer it crosses, so it is routed around
the boxes rather than through them; the states of a layer are ordered by the mean
position of their neighbours, sweeping down and up a few times.  Layers run from left to
right; arrows leading back run below (or above) the boxes.

Every text (labels come from metadata and may hold anything) is escaped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html import escape

from formflow.metadata.model import CANCELLED, PREVIOUS, Process, humanize, text_of

BOX_HEIGHT = 40
BOX_MIN_WIDTH = 92
BOX_MAX_WIDTH = 210
BOX_PADDING = 26
ROW_GAP = 30
COLUMN_GAP_MIN = 64
COLUMN_GAP_MAX = 170
MARGIN = 16
START_MARK = 22  # room left of the start state for its entry mark
FONT_SIZE = 13
LABEL_SIZE = 11
LANE_STEP = 16
SWEEPS = 4
FONTS = (
    "system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
)

#: Colours (Bootstrap 5's palette, so the drawing sits well on the pages).
INK, MUTED, LINE = "#212529", "#6c757d", "#adb5bd"
BLUE, BLUE_DARK, BLUE_LIGHT = "#0d6efd", "#0a58ca", "#e7f1ff"


@dataclass(frozen=True)
class Box:
    """A state (or, with ``dummy``, a waypoint of a long arrow) placed on the drawing;
    ``x`` and ``y`` are its top-left corner."""

    name: str
    label: str
    layer: int
    order: int
    x: float
    y: float
    width: float
    height: float
    final: bool = False
    start: bool = False
    dummy: bool = False

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class Arrow:
    """Transitions from ``source`` to ``target`` (several names share one arrow).
    ``kind``: ``forward`` (to a later layer), ``back`` (to the same or an earlier layer)
    or ``loop`` (to itself); ``extra`` marks a move the definition does not draw (a
    withdraw or cancel, a move of an older version)."""

    source: str
    target: str
    label: str
    kind: str
    path: str
    label_x: float
    label_y: float
    extra: bool = False


@dataclass(frozen=True)
class Layout:
    boxes: Mapping[str, Box]  # states only (waypoints are folded into the arrows)
    arrows: tuple[Arrow, ...]
    layers: tuple[tuple[str, ...], ...]  # state names per layer, top to bottom
    width: float
    height: float


@dataclass
class _Edge:
    source: str
    target: str
    names: list[str] = field(default_factory=list)
    back: bool = False
    extra: bool = False


# -- text ---------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    """About how wide ``text`` draws at font ``size`` (wide CJK characters take a whole
    em, capitals a bit more than other letters)."""
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            width += size
        elif char.isupper():
            width += size * 0.68
        elif char in " .,:;'|il":
            width += size * 0.32
        else:
            width += size * 0.57
    return width


def fit(text: str, size: float, room: float) -> str:
    """``text`` cut with an ellipsis to fit in ``room``."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


# -- the graph ----------------------------------------------------------------------


def _graph(
    process: Process,
    moves: Sequence[tuple[str, str | None, str]],
    names: Mapping[str, str],
    lang: str,
) -> tuple[list[str], dict[str, str], list[_Edge]]:
    states = [s.name for s in process.states]
    labels = {s.name: text_of(s.label, s.name, lang, names) for s in process.states}
    for _action, source, target in moves:  # states of a move the definition lacks
        for name in (source, target):
            if name and name not in labels:
                states.append(name)
                labels[name] = names.get(name) or humanize(name)
    edges: dict[tuple[str, str], _Edge] = {}

    def add(source: str, target: str, name: str, extra: bool = False) -> None:
        edge = edges.setdefault((source, target), _Edge(source, target, extra=extra))
        if name not in edge.names:
            edge.names.append(name)

    incoming: dict[str, list[str]] = {}
    for transition in process.transitions:
        if transition.to != PREVIOUS:
            for source in transition.sources:
                incoming.setdefault(transition.to, []).append(source)
    for transition in process.transitions:
        name = text_of(transition.label, transition.name, lang, names)
        for source in transition.sources:
            if source not in labels:
                continue
            if transition.to == PREVIOUS:
                for target in dict.fromkeys(incoming.get(source) or [process.start]):
                    if target != source:
                        add(source, target, name)
                        edges[(source, target)].back = True  # back where it came from
            elif transition.to in labels:
                add(source, transition.to, name)
    for action, source, target in moves:
        if source and target and (source, target) not in edges:
            add(source, target, names.get(action) or humanize(action), extra=True)
    return states, labels, list(edges.values())


def _mark_back_edges(states: list[str], start: str, edges: list[_Edge]) -> None:
    """Depth first from ``start`` (then from any state not reached): an edge to a state
    on the current path leads back.  Edges towards states far from the start are followed
    first, so a way forward is taken as the way forward."""
    depth = _depths(states, start, edges)
    out: dict[str, list[_Edge]] = {s: [] for s in states}
    for edge in edges:
        if not edge.back:
            out[edge.source].append(edge)
    for source in out:
        out[source].sort(key=lambda e: -depth[e.target])
    seen: set[str] = set()
    for root in [start, *states]:
        if root in seen:
            continue
        seen.add(root)
        path = {root}
        stack = [(root, iter(out[root]))]
        while stack:
            node, todo = stack[-1]
            edge = next(todo, None)
            if edge is None:
                stack.pop()
                path.discard(node)
                continue
            if edge.target == edge.source or edge.target in path:
                edge.back = True
            elif edge.target not in seen:
                seen.add(edge.target)
                path.add(edge.target)
                stack.append((edge.target, iter(out[edge.target])))


def _depths(states: list[str], start: str, edges: list[_Edge]) -> dict[str, int]:
    """Shortest distance from ``start`` (breadth first); states not reached come last."""
    depth = {start: 0}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for edge in edges:
            if edge.source == node and edge.target not in depth:
                depth[edge.target] = depth[node] + 1
                queue.append(edge.target)
    far = max(depth.values(), default=0) + 1
    return {s: depth.get(s, far) for s in states}


def _layers(states: list[str], start: str, edges: list[_Edge]) -> dict[str, int]:
    """Longest distance from the roots along the forward edges (Kahn's order)."""
    forward = [e for e in edges if not e.back]
    indegree = {s: 0 for s in states}
    for edge in forward:
        indegree[edge.target] += 1
    layer = {s: 0 for s in states}
    ready = [s for s in states if indegree[s] == 0]
    ready.sort(key=lambda s: s != start)  # the start first
    while ready:
        node = ready.pop(0)
        for edge in forward:
            if edge.source == node:
                layer[edge.target] = max(layer[edge.target], layer[node] + 1)
                indegree[edge.target] -= 1
                if indegree[edge.target] == 0:
                    ready.append(edge.target)
    return layer


# -- the layout -----------------------------------------------------------------------


def layout(
    process: Process,
    *,
    lang: str = "en",
    names: Mapping[str, str] | None = None,
    moves: Sequence[tuple[str, str | None, str]] = (),
) -> Layout:
    """Place the states of ``process`` in layers and route its transitions.  ``moves``
    are (action, from, to) of the record's moves: one the definition does not draw (a
    withdraw, a cancel) is drawn as an extra arrow."""
    names = names or {}
    states, labels, edges = _graph(process, moves, names, lang)
    _mark_back_edges(states, process.start, edges)
    layer_of = _layers(states, process.start, edges)
    finals = {s.name for s in process.states if s.final} | (
        {CANCELLED} if CANCELLED in labels and process.state(CANCELLED) is None else set()
    )

    # Waypoints: a forward edge spanning layers passes a dummy node in each between.
    chains: dict[int, list[str]] = {}
    count = max(layer_of.values(), default=0) + 1
    layers: list[list[str]] = [[] for _ in range(count)]
    for name in states:
        layers[layer_of[name]].append(name)
    dummy_layer: dict[str, int] = {}
    for index, edge in enumerate(edges):
        if edge.back:
            continue
        chain = [edge.source]
        for step in range(layer_of[edge.source] + 1, layer_of[edge.target]):
            # Arrows to the same state share their waypoints: they run together.
            dummy = f"\x00{edge.target}:{step}"
            if dummy not in dummy_layer:
                dummy_layer[dummy] = step
                layers[step].append(dummy)
            chain.append(dummy)
        chain.append(edge.target)
        chains[index] = chain

    _order(layers, chains)

    widths = {name: _box_width(labels[name]) for name in states}
    column_width = [max((widths.get(n, 0) for n in layer), default=0) for layer in layers]
    gaps = _column_gaps(layers, edges, chains, layer_of, dummy_layer)
    pitch = BOX_HEIGHT + ROW_GAP
    rows = max((len(layer) for layer in layers), default=1)
    top = MARGIN + LABEL_SIZE + 6  # room for the labels of arrows above the top row
    x = MARGIN + START_MARK
    boxes: dict[str, Box] = {}
    waypoints: dict[str, tuple[float, float]] = {}
    entries: dict[str, float] = {}  # where a waypoint's column begins
    for index, layer in enumerate(layers):
        offset = (rows - len(layer)) * pitch / 2
        for order, name in enumerate(layer):
            y = top + offset + order * pitch
            if name in dummy_layer:
                waypoints[name] = (x + column_width[index] / 2, y + BOX_HEIGHT / 2)
                entries[name] = x
                continue
            width = widths[name]
            boxes[name] = Box(
                name=name,
                label=labels[name],
                layer=index,
                order=order,
                x=x + (column_width[index] - width) / 2,
                y=y,
                width=width,
                height=BOX_HEIGHT,
                final=name in finals,
                start=name == process.start,
            )
        x += column_width[index] + (gaps[index] if index < len(gaps) else 0)
    body_bottom = top + rows * pitch - ROW_GAP
    arrows, below, above = _route(edges, chains, boxes, waypoints, entries, body_bottom, top)
    width = x + MARGIN
    height = body_bottom + below + MARGIN
    if above:  # arrows leading back over the top: shift everything down
        shift = above
        boxes = {n: _moved(b, shift) for n, b in boxes.items()}
        arrows, below, above = _route(
            edges,
            chains,
            boxes,
            {n: (px, py + shift) for n, (px, py) in waypoints.items()},
            entries,
            body_bottom + shift,
            top + shift,
        )
        height += shift
    return Layout(
        boxes=boxes,
        arrows=tuple(arrows),
        layers=tuple(tuple(n for n in layer if n not in dummy_layer) for layer in layers),
        width=round(width, 1),
        height=round(height, 1),
    )


def _moved(box: Box, dy: float) -> Box:
    return Box(
        box.name,
        box.label,
        box.layer,
        box.order,
        box.x,
        box.y + dy,
        box.width,
        box.height,
        box.final,
        box.start,
        box.dummy,
    )


def _box_width(label: str) -> float:
    # A little room beyond the estimate: the current state is drawn in bold.
    return max(BOX_MIN_WIDTH, min(BOX_MAX_WIDTH, text_width(label, FONT_SIZE) * 1.08 + BOX_PADDING))


def _order(layers: list[list[str]], chains: dict[int, list[str]]) -> None:
    """Order each layer by the mean position of its neighbours in the layer before
    (sweeping down) or after (sweeping up); ties keep the current order."""
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:], strict=False):
            down.setdefault(a, []).append(b)
            up.setdefault(b, []).append(a)
    for sweep in range(SWEEPS):
        indexes = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        neighbours = up if sweep % 2 == 0 else down
        for i in indexes:
            other = layers[i - 1] if sweep % 2 == 0 else layers[i + 1]
            position = {name: p for p, name in enumerate(other)}
            current = {name: p for p, name in enumerate(layers[i])}

            def key(name: str, position=position, current=current, neighbours=neighbours) -> float:
                linked = [position[n] for n in neighbours.get(name, []) if n in position]
                return sum(linked) / len(linked) if linked else current[name]

            layers[i].sort(key=lambda name: (key(name), current[name]))


def _column_gaps(layers, edges, chains, layer_of, dummy_layer) -> list[float]:
    """The gap after each layer: room for the widest label of an arrow leaving it."""
    widest = [0.0] * len(layers)
    for index, edge in enumerate(edges):
        if not edge.back and index in chains:
            widest[layer_of[edge.source]] = max(
                widest[layer_of[edge.source]], text_width(_edge_label(edge), LABEL_SIZE)
            )
    return [max(COLUMN_GAP_MIN, min(COLUMN_GAP_MAX, w + 24)) for w in widest[:-1]]


def _edge_label(edge: _Edge) -> str:
    return " / ".join(edge.names)


def _route(edges, chains, boxes, waypoints, entries, bottom: float, top: float):
    """The SVG path of each arrow, and how far the arrows leading back reach below the
    boxes and above them."""
    arrows = []
    backs = []
    for index, edge in enumerate(edges):
        label = _edge_label(edge)
        source, target = boxes[edge.source], boxes[edge.target]
        if edge.source == edge.target:
            x0 = source.x + source.width * 0.35
            x1 = source.x + source.width * 0.65
            y = source.y
            path = (
                f"M{x0:.1f},{y:.1f} C{x0:.1f},{y - 28:.1f} {x1:.1f},{y - 28:.1f} {x1:.1f},{y:.1f}"
            )
            arrows.append(
                Arrow(
                    edge.source, edge.target, label, "loop", path, (x0 + x1) / 2, y - 25, edge.extra
                )
            )
        elif edge.back:
            backs.append((abs(source.x - target.x), index, edge, _side(boxes, source, target)))
        else:
            chain = chains[index]
            points = [(source.x + source.width, source.middle)]
            points += [waypoints[name] for name in chain[1:-1]]
            points.append((target.x, target.middle))
            path = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
            for (px, py), (qx, qy) in zip(points, points[1:], strict=False):
                half = (qx - px) / 2
                path += f" C{px + half:.1f},{py:.1f} {qx - half:.1f},{qy:.1f} {qx:.1f},{qy:.1f}"
            # The label sits in the gap after the source, on the curve.
            (px, py), (qx, qy) = points[0], points[1]
            gap_end = entries[chain[1]] if len(chain) > 2 else qx
            label_x = (px + gap_end) / 2
            t = (label_x - px) / (qx - px) if qx > px else 0.5
            label_y = py + (qy - py) * (3 * t * t - 2 * t * t * t)
            arrows.append(
                Arrow(
                    edge.source, edge.target, label, "forward", path, label_x, label_y, edge.extra
                )
            )
    lanes = {"below": 0, "above": 0}
    for _span, _index, edge, side in sorted(backs, key=lambda item: item[:2]):  # short inside
        source, target = boxes[edge.source], boxes[edge.target]
        lanes[side] += 1
        reach = 10 + lanes[side] * LANE_STEP * 1.6
        sx = source.x + source.width / 2
        tx = target.x + target.width / 2
        if side == "below":
            lane, sy, ty = bottom + reach, source.y + source.height, target.y + target.height
        else:
            lane, sy, ty = top - reach, source.y, target.y
        path = f"M{sx:.1f},{sy:.1f} C{sx:.1f},{lane:.1f} {tx:.1f},{lane:.1f} {tx:.1f},{ty:.1f}"
        label_y = (sy + ty) / 8 + lane * 0.75  # a cubic's middle: 3/4 towards its controls
        arrows.append(
            Arrow(
                edge.source,
                edge.target,
                _edge_label(edge),
                "back",
                path,
                (sx + tx) / 2,
                label_y,
                edge.extra,
            )
        )
    reach = {
        side: count * LANE_STEP * 1.6 + (LABEL_SIZE + 8 if count else 0)
        for side, count in lanes.items()
    }
    return _place_labels(arrows), reach["below"], reach["above"]


def _side(boxes: Mapping[str, Box], source: Box, target: Box) -> str:
    """Where an arrow leading back runs: below the boxes, or above them when that
    crosses fewer boxes of the two states' layers (none at all at the top or bottom)."""

    def between(box: Box, above: bool) -> int:
        return sum(
            1
            for other in boxes.values()
            if other.layer == box.layer and (other.y < box.y if above else other.y > box.y)
        )

    over = between(source, True) + between(target, True)
    under = between(source, False) + between(target, False)
    return "above" if over < under else "below"


def _place_labels(arrows: list[Arrow]) -> list[Arrow]:
    """Move a label off one already placed (up or down a line); a label repeating the
    text of one it would cover is left out (its arrow runs beside the other's)."""
    placed: list[tuple[float, float, float, float, str]] = []
    result = []
    height = LABEL_SIZE + 4
    for arrow in arrows:
        if not arrow.label:
            result.append(arrow)
            continue
        width = text_width(fit(arrow.label, LABEL_SIZE, COLUMN_GAP_MAX - 20), LABEL_SIZE) + 8
        chosen = None
        for shift in (0, height, -height, 2 * height, -2 * height):
            x, y = arrow.label_x, arrow.label_y + shift
            hits = [
                p
                for p in placed
                if abs(p[0] - x) * 2 < p[2] + width and abs(p[1] - y) * 2 < p[3] + height
            ]
            if not hits:
                chosen = (x, y)
                break
            if shift == 0 and any(p[4] == arrow.label for p in hits):
                break
        if chosen is None:
            result.append(replace(arrow, label=""))
            continue
        placed.append((*chosen, width, height, arrow.label))
        result.append(replace(arrow, label_x=chosen[0], label_y=chosen[1]))
    return result


# -- drawing --------------------------------------------------------------------------


def svg(
    drawing: Layout,
    *,
    current: str | None = None,
    visited: Iterable[str] = (),
    travelled: Iterable[tuple[str, str]] = (),
    title: str = "",
    id_prefix: str = "pd",
    heat: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """The layout as an SVG element: ``current`` highlighted, ``visited`` states and
    ``travelled`` (from, to) arrows marked; ``title`` names it for screen readers;
    ``heat`` gives states a fill colour and a note (state -> (colour, note))."""
    visited = set(visited)
    travelled = set(travelled)
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
        out.append(_box(box, box.name == current, box.name in visited, (heat or {}).get(box.name)))
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


# -- all in one -----------------------------------------------------------------------


def diagram(
    process: Process,
    *,
    lang: str = "en",
    current: str | None = None,
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
